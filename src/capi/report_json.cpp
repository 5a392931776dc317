// The pipeline report as JSON (nlohmann::json, header-only: libnightburst.so
// needs its headers to build, nothing to run).
#include "capi/report_json.h"

#include <cmath>

#include <nlohmann/json.hpp>

namespace nb {

std::string report_to_json(const ProcessReport& r) {
  using nlohmann::json;
  json j;
  j["version"] = NIGHTBURST_VERSION;
  j["frames"] = r.frames;
  j["reference"] = r.reference;
  json motion = json::array();
  for (size_t i = 0; i < r.motion.size(); ++i) {
    const FrameMotion& m = r.motion[i];
    motion.push_back({{"frame", i},
                      {"median_dx_px", m.median_dx_px},
                      {"median_dy_px", m.median_dy_px},
                      {"spread_px", m.spread_px},
                      {"low_confidence_fraction", m.low_confidence_fraction},
                      {"mean_merge_weight", m.mean_merge_weight},
                      {"scene_correlation", m.scene_correlation},
                      {"exposure_ratio", m.exposure_ratio},
                      {"rejected", m.rejected}});
    if (m.rejected) motion.back()["rejected_because"] = m.rejected_because;
  }
  j["motion"] = motion;
  j["noise"] = {{"scale", r.noise.scale},
                {"offset", r.noise.offset},
                {"from_metadata", r.noise_from_metadata}};
  j["awb"] = {{"method", r.awb_method}, {"gains", r.awb_gains}, {"illuminant_rgb", r.awb_illuminant_rgb}};
  if (r.awb_confidence >= 0) j["awb"]["confidence"] = r.awb_confidence;
  if (!r.awb_fallback.empty()) j["awb"]["fallback"] = r.awb_fallback;
  if (r.awb_scene_luminance > 0) j["awb"]["scene_luminance_cd_m2"] = r.awb_scene_luminance;
  if (r.color_temperature_k > 0) j["awb"]["color_temperature_k"] = std::lround(r.color_temperature_k);
  j["exposure_gain"] = r.exposure_gain;
  j["merge"] = r.superres_scale > 0 ? nlohmann::json{{"method", "superres"}, {"scale", r.superres_scale}}
                                    : nlohmann::json{{"method", "hdrplus"}};
  j["look"] = {{"name", r.look}, {"curve_contrast", r.curve_contrast}, {"local_tone_ratio", r.local_tone_ratio}};
  j["lens_shading_maps"] = r.lens_shading_maps;
  j["unlisted_defects"] = r.unlisted_defects;
  j["warnings"] = r.warnings;
  json stages = json::object();
  for (const auto& [name, ms] : r.stage_ms) stages[name] = ms;
  j["stage_ms"] = stages;
  return j.dump(2);
}

}  // namespace nb
