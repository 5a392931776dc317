// Writes a synthetic burst and its ground truth to a directory.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>

#include "nightburst/io.h"
#include "nightburst/synth.h"

namespace nb {

Status write_synthetic_burst(const SynthBurst& burst, const SynthOptions& options, const std::string& directory) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(directory, ec);
  if (!fs::is_directory(directory)) return io_error(directory + ": cannot create the directory");
  for (size_t k = 0; k < burst.frames.size(); ++k) {
    char name[32];
    std::snprintf(name, sizeof(name), "frame_%02zu.dng", k);
    NB_RETURN_IF_ERROR(write_dng((fs::path(directory) / name).string(), burst.frames[k].mosaic, burst.frames[k].meta));
  }
  // Ground truth goes into a subdirectory, so the burst directory holds only
  // frames and can be passed to `nightburst process` as it is.
  fs::path truth_dir = fs::path(directory) / "truth";
  fs::create_directories(truth_dir, ec);
  RawMetadata truth_meta = burst.frames[burst.reference].meta;
  truth_meta.noise.valid = false;
  truth_meta.gain_maps.clear();  // the truth is the scene without the vignette
  NB_RETURN_IF_ERROR(write_merged_dng((truth_dir / "ground_truth.dng").string(), burst.clean_mosaic, truth_meta));
  Halide::Runtime::Buffer<uint16_t, 3> srgb(burst.clean_srgb.width(), burst.clean_srgb.height(), 3);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < srgb.height(); ++y)
      for (int x = 0; x < srgb.width(); ++x)
        srgb(x, y, c) = uint16_t(std::lround(std::clamp(burst.clean_srgb(x, y, c), 0.0f, 1.0f) * 65535));
  NB_RETURN_IF_ERROR(write_png((truth_dir / "ground_truth.png").string(), srgb, 8));

  nlohmann::json j;
  j["width"] = options.width;
  j["height"] = options.height;
  j["seed"] = options.seed;
  j["reference"] = burst.reference;
  j["cfa"] = cfa_name(options.cfa);
  j["illuminant_kelvin"] = options.illuminant_kelvin;
  j["illuminant_rgb"] = burst.illuminant_rgb;
  j["noise"] = {{"shot", burst.noise.scale[0]}, {"read", burst.noise.offset[0]}};
  j["scene_mean"] = options.scene_mean;
  j["moving_object"] = options.moving_object;
  j["rotation_center_px"] = {burst.center_x, burst.center_y};
  nlohmann::json motion = nlohmann::json::array();
  for (const FrameMotionTruth& m : burst.motion)
    motion.push_back({{"dx_px", m.dx_px}, {"dy_px", m.dy_px}, {"rotation_deg", m.rotation_deg}});
  j["motion"] = motion;
  if (!options.exposures.empty()) j["exposures"] = options.exposures;
  return write_text_file((truth_dir / "truth.json").string(), j.dump(2) + "\n");
}

}  // namespace nb
