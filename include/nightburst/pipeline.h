// process_burst: a burst of raw frames in memory to a merged mosaic and a
// finished sRGB image, with a report of what each stage measured and decided.
#pragma once

#include <HalideBuffer.h>

#include <array>
#include <cmath>
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
#include "nightburst/superres_grid.h"

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
  // Keep what a visual report draws (ProcessResult::diagnostics): per-tile
  // alignment and merge weights, the noise measurements, the white balance's
  // histogram and posterior, the reference finished alone. Costs one copy of
  // the reference frame and the per-tile maps; off in normal runs.
  bool diagnostics = false;
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
  // Learned AWB: why the model's estimate was not used (empty when it was).
  std::string awb_fallback;
  // Learned AWB: the scene's mean luminance (cd/m^2) its prior was chosen
  // by, from the exposure; 0 when the frames carry no exposure time or ISO.
  float awb_scene_luminance = 0;
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

// A grid of tiles over the sensor: tile (tx, ty)'s centre is at
// (first_x_px + tx * stride_px, first_y_px + ty * stride_px) sensor pixels.
struct TileGrid {
  int tiles_x = 0, tiles_y = 0;
  double first_x_px = 0, first_y_px = 0, stride_px = 0;
};

// One frame's alignment and merge, tile by tile (the reference's is empty).
struct FrameDiagnostics {
  TileGrid alignment;
  // Per alignment tile, row-major: where the reference's tile was found in
  // this frame (sensor pixels) and how sure the alignment is (0..1).
  std::vector<float> dx_px, dy_px, confidence;
  TileGrid merge;
  // Per merge tile, row-major: the robustness weight (0: the reference's
  // content kept, 1: merged in full), the mean over the CFA positions. Empty
  // when the frame was not merged tile by tile (another scene, Super Res Zoom).
  std::vector<float> merge_weight;
};

// The noise measured in the reference frame, per CFA position: at each signal
// level, the variance of its flattest blocks (stages/noise_estimate.h), and
// the line fitted through them.
struct NoiseDiagnostics {
  std::string cfa;  // the colours at the four positions, e.g. "RGGB"
  std::array<std::vector<double>, 4> level, variance;  // normalised units
  NoiseProfile fitted;
};

// Learned white balance, in the model's log-chroma space (u = log(g/r),
// v = log(g/b) of canonical RGB; bins on a torus).
struct AwbDiagnostics {
  int bins = 0;  // 0: not the learned method
  float bin_size = 0, u_start = 0, v_start = 0;
  std::array<float, 9> canonical_from_camera{};  // row-major
  std::vector<float> histogram;  // the thumbnail's pixels, bins * bins (index u * bins + v), sums to 1
  std::vector<float> posterior;  // the illuminant's, bins * bins
  double estimate_u_bin = 0, estimate_v_bin = 0;  // continuous, bin centres at integers
  double confidence_radius_bins = 0;  // the posterior's mass within it is the confidence

  // The bin coordinates of a camera-RGB illuminant, before wrapping onto the torus.
  std::array<double, 2> bin_of(const std::array<float, 3>& camera_rgb) const {
    const auto& m = canonical_from_camera;
    double c[3];
    for (int i = 0; i < 3; ++i)
      c[i] = m[3 * i] * camera_rgb[0] + m[3 * i + 1] * camera_rgb[1] + m[3 * i + 2] * camera_rgb[2];
    return {(std::log(c[1] / c[0]) - u_start) / bin_size - 0.5, (std::log(c[1] / c[2]) - v_start) / bin_size - 0.5};
  }
};

// What a visual report draws (ProcessOptions::diagnostics).
struct Diagnostics {
  bool collected = false;
  std::vector<FrameDiagnostics> frames;  // one per frame, in the order given
  // The reference frame finished alone with the merged result's white
  // balance, exposure and tone mapping: the same look, without the merge.
  // Sensor size (the merged result is larger with Super Res Zoom).
  Halide::Runtime::Buffer<uint16_t, 3> reference_srgb;
  // The same in sensor geometry (before the crop and orientation; the tile
  // grids' coordinates), each pixel the mean of backdrop_step^2 sensor
  // pixels, at most 1024 across: what the per-tile maps are drawn over.
  Halide::Runtime::Buffer<uint16_t, 3> backdrop;
  int backdrop_step = 1;
  NoiseDiagnostics noise;
  AwbDiagnostics awb;
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
  Diagnostics diagnostics;  // with ProcessOptions::diagnostics
};

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
  // The same for a frame whose samples nobody else holds (read for the
  // session, not a view or a shallow copy of one the caller keeps): the
  // session may change them in place (defective pixels are repaired there
  // instead of in a copy) and frees them once merged.
  Status take_frame(RawFrame frame);
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
