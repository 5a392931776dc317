// process_burst: a burst of raw frames in memory to a merged mosaic and a
// finished sRGB image, with a report of what each stage measured and decided.
#pragma once

#include <HalideBuffer.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nightburst/awb_model.h"
#include "nightburst/look.h"
#include "nightburst/raw_frame.h"
#include "nightburst/status.h"

namespace nb {

enum class AwbMethod {
  kLearned,    // FFCC (Barron & Tsai 2017) trained on spectral renderings; the default
  kGrayWorld,  // scene average is neutral
  kAsShot,     // the camera's as-shot neutral
  kManual,     // ProcessOptions::manual_illuminant
};

// Called at the start of each stage; return false to cancel the run.
using ProgressCallback = std::function<bool(const std::string& stage)>;

struct ProcessOptions {
  int reference = -1;  // index into the burst; -1: the sharpest of the first three
  int threads = 0;     // Halide worker threads; 0: one per core
  AwbMethod awb = AwbMethod::kLearned;
  std::shared_ptr<const AwbModel> awb_model;        // kLearned; null: the built-in model
  std::array<float, 3> manual_illuminant{1, 1, 1};  // camera RGB, used with kManual
  Look look = Look::kNight;
  float chroma_denoise = 1.0f;  // strength, 0 (off) to 1
  float sharpen = 0.5f;         // unsharp-mask amount, 0 (off) to 4
  // Super Res Zoom (Wronski et al. 2019) in place of the HDR+ merge and
  // demosaicing: the frames' Bayer samples merged straight into RGB on a grid
  // this many times the sensor's (superres_extent() pixels across), 1 to 3.
  // 0: the HDR+ merge.
  float superres_scale = 0;
  // Defective pixels nobody listed, found from the burst (stages/
  // defective_pixels.h) and repaired; false: only the listed ones are.
  bool find_unlisted_defects = true;
  ProgressCallback progress;
};

struct FrameMotion {
  double median_dx_px = 0;  // sensor pixels, reference -> frame
  double median_dy_px = 0;
  double spread_px = 0;     // RMS deviation of tile displacements from the median
  double low_confidence_fraction = 0;
  double mean_merge_weight = 1;  // how much of the frame the merge used (0..1)
  // Whether the frame shows the reference's scene: the noise-corrected
  // correlation of the two after the camera's global motion (about 1 for the
  // same scene, 0 for an unrelated one); 1 where the reference has too
  // little structure to tell.
  double scene_correlation = 1;
  // The frame's exposure (time x gain) over the reference's: 1 in an
  // equal-exposure burst; in a bracket, its samples are divided by it.
  double exposure_ratio = 1;
  bool rejected = false;
  std::string rejected_because;  // empty unless rejected: why, in words
};

struct ProcessReport {
  std::vector<std::string> frames;  // sources, in the order given
  int reference = 0;
  std::vector<FrameMotion> motion;  // one per frame; the reference's is zero
  NoiseProfile noise;               // of one frame at the reference's settings
  bool noise_from_metadata = false;
  std::string awb_method;
  std::array<float, 3> awb_gains{1, 1, 1};
  std::array<float, 3> awb_illuminant_rgb{1, 1, 1};
  // Learned AWB: posterior probability that the illuminant is within about
  // 2 degrees of the estimate (0..1); -1 for the other methods.
  float awb_confidence = -1;
  // The scene light's correlated colour temperature, as the colour
  // calibrations read the white balance (core/color.h); 0 without calibrations.
  float color_temperature_k = 0;
  float exposure_gain = 1;  // linear, BaselineExposure included
  std::string look;          // natural, bright or night
  float curve_contrast = 0;  // the look's S-curve weight
  float local_tone_ratio = 1;  // exposure fusion: long / short exposure (1: none)
  float superres_scale = 0;    // Super Res Zoom's scale; 0: the HDR+ merge
  int lens_shading_maps = 0;   // gain maps applied to the merged result (4 on a phone)
  // Defective pixels nobody listed, found from the burst and repaired in every frame.
  int64_t unlisted_defects = 0;
  // What a reader left out or does not apply (an optional opcode that did
  // not fit, a DNG opcode nightburst does not implement), each once, named
  // by the first frame that had it.
  std::vector<std::string> warnings;
  std::vector<std::pair<std::string, double>> stage_ms;
};

struct ProcessResult {
  // Normalised merged mosaic (black subtracted, / (white - black)) in the
  // reference frame's geometry. With Super Res Zoom: the mosaic of its RGB
  // result (each position's CFA colour), superres_extent() of the sensor's size.
  Halide::Runtime::Buffer<float, 2> merged;
  // The reference's, with the merged size and noise profile, and its levels
  // scaled by the largest whole factor that keeps white within 16 bits (a
  // 10-bit phone's by 64, a 14-bit camera's by 4), so that quantising the
  // merged mosaic to them keeps the precision the merge gained.
  RawMetadata merged_meta;
  // sRGB-encoded 16-bit image (x, y, c), orientation applied.
  Halide::Runtime::Buffer<uint16_t, 3> srgb;
  ProcessReport report;
};

// Pixels across the Super Res Zoom grid for `sensor_extent` sensor pixels at
// `scale`: the nearest even number, so the grid stays whole CFA tiles.
int superres_extent(int sensor_extent, double scale);

// Checks that every frame agrees with the first (size, CFA, camera; levels may differ);
// the error names the frame that differs and how.
Status check_burst_consistency(const std::vector<RawFrame>& frames);

// A burst processed as its frames arrive (a phone delivers them one by one;
// the CLI decodes them one by one). Once the reference is known (the
// sharpest of the first three frames, or options.reference) each frame is
// aligned and merged into running sums as soon as it is added and then
// dropped, so memory is constant in the number of frames and finish() is
// left with white balance and finishing only. Frames before the reference
// is known are held: the first five (the reference's three candidates and
// enough alternates that the burst shows which pixels are defective; three
// with options.find_unlisted_defects false), or up to options.reference.
//
// The result equals process_burst() on the same frames: that function is
// this session fed all at once. Not thread-safe: one caller at a time.
class BurstSession {
 public:
  explicit BurstSession(ProcessOptions options);
  ~BurstSession();
  BurstSession(const BurstSession&) = delete;
  BurstSession& operator=(const BurstSession&) = delete;

  // Takes the frame. Errors name the frame: metadata that makes no sense, or
  // a frame that disagrees with the first (size, CFA, camera; levels may differ). After
  // an error the session is spent: every later call returns it again.
  Status add_frame(RawFrame frame);
  // A frame's mosaic may be a view of the caller's memory, which then must
  // stay valid while the session holds the frame. After this call every
  // held frame has a copy of its own, so the caller may reuse its buffer:
  // only frames added before the reference is known are held, so this
  // copies at most the first four of a burst (or those before options.reference).
  void copy_held_frames();
  // Merges any frames still held, then white balance and finishing.
  Status finish(ProcessResult* result);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

Status process_burst(const std::vector<RawFrame>& frames, const ProcessOptions& options,
                     ProcessResult* result);

}  // namespace nb
