// The pipeline: reference choice, noise model, alignment, merge, white balance, finishing.
#include "nightburst/pipeline.h"

#include <HalideRuntime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "core/bayer_planes.h"
#include "core/color.h"
#include "stages/align_tiles.h"
#include "stages/finish_basic.h"
#include "stages/local_tone.h"
#include "stages/merge_wiener.h"
#include "stages/noise_estimate.h"
#include "stages/orientation.h"
#include "stages/reference_select.h"
#include "stages/tone_look.h"
#include "stages/ffcc.h"
#include "stages/white_balance.h"

namespace nb {
namespace {

class StageTimer {
 public:
  StageTimer(const ProcessOptions& options, ProcessReport* report)
      : options_(options), report_(report) {}

  // Closes the previous stage and opens `name`; false if the caller cancelled.
  bool begin(const std::string& name) {
    finish();
    current_ = name;
    start_ = std::chrono::steady_clock::now();
    return !options_.progress || options_.progress(name);
  }
  void finish() {
    if (current_.empty()) return;
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
    report_->stage_ms.emplace_back(current_, ms);
    current_.clear();
  }

 private:
  const ProcessOptions& options_;
  ProcessReport* report_;
  std::string current_;
  std::chrono::steady_clock::time_point start_;
};

Status cancelled() { return Status(StatusCode::kCancelled, "cancelled by the progress callback"); }

std::string describe_levels(const RawMetadata& m) {
  std::string s = "black";
  for (float b : m.black_level) s += " " + std::to_string(int(std::lround(b)));
  return s + ", white " + std::to_string(int(std::lround(m.white_level)));
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

FrameMotion summarise_motion(const AlignmentField& f) {
  FrameMotion m;
  std::vector<double> dx, dy;
  int low = 0;
  for (int ty = 0; ty < f.tiles_y; ++ty)
    for (int tx = 0; tx < f.tiles_x; ++tx) {
      dx.push_back(2.0 * f.displacement(tx, ty, 0));  // plane pixels -> sensor pixels
      dy.push_back(2.0 * f.displacement(tx, ty, 1));
      if (f.confidence(tx, ty) < 0.5f) ++low;
    }
  m.median_dx_px = median(dx);
  m.median_dy_px = median(dy);
  double ss = 0;
  for (size_t i = 0; i < dx.size(); ++i)
    ss += (dx[i] - m.median_dx_px) * (dx[i] - m.median_dx_px) + (dy[i] - m.median_dy_px) * (dy[i] - m.median_dy_px);
  m.spread_px = std::sqrt(ss / std::max<size_t>(1, dx.size()));
  m.low_confidence_fraction = double(low) / std::max<size_t>(1, dx.size());
  return m;
}

}  // namespace

Status check_burst_consistency(const std::vector<RawFrame>& frames) {
  if (frames.empty()) return invalid_argument("the burst has no frames");
  const RawFrame& first = frames[0];
  for (const RawFrame& f : frames) {
    NB_RETURN_IF_ERROR(validate_metadata(f.meta).with_context(f.source));
    if (f.mosaic.width() != f.meta.width || f.mosaic.height() != f.meta.height)
      return internal_error(f.source + ": mosaic buffer does not match the metadata size");
  }
  for (size_t i = 1; i < frames.size(); ++i) {
    const RawMetadata &a = first.meta, &b = frames[i].meta;
    const std::string& name = frames[i].source;
    if (a.width != b.width || a.height != b.height)
      return bad_input(name + ": size " + std::to_string(b.width) + "x" + std::to_string(b.height) +
                       " differs from " + first.source + " (" + std::to_string(a.width) + "x" +
                       std::to_string(a.height) + ")");
    if (a.cfa != b.cfa)
      return bad_input(name + ": CFA " + cfa_name(b.cfa) + " differs from " + first.source + " (" +
                       cfa_name(a.cfa) + ")");
    if (a.black_level != b.black_level || a.white_level != b.white_level)
      return bad_input(name + ": levels (" + describe_levels(b) + ") differ from " + first.source +
                       " (" + describe_levels(a) + ")");
    if (a.make != b.make || a.model != b.model)
      return bad_input(name + ": camera '" + b.make + " " + b.model + "' differs from " +
                       first.source + " ('" + a.make + " " + a.model + "')");
  }
  return Status();
}

Status process_burst(const std::vector<RawFrame>& frames, const ProcessOptions& options,
                     ProcessResult* result) {
  NB_RETURN_IF_ERROR(check_burst_consistency(frames));
  if (options.reference >= int(frames.size()))
    return invalid_argument("reference frame " + std::to_string(options.reference) +
                            " is out of range (the burst has " + std::to_string(frames.size()) + " frames)");
  int threads = options.threads > 0 ? options.threads : int(std::max(1u, std::thread::hardware_concurrency()));
  halide_set_num_threads(threads);

  ProcessReport& report = result->report;
  report = ProcessReport();
  StageTimer timer(options, &report);
  for (const RawFrame& f : frames) report.frames.push_back(f.source);

  if (!timer.begin("reference")) return cancelled();
  int reference = options.reference >= 0 ? options.reference : select_reference(frames);
  report.reference = reference;
  const RawFrame& ref = frames[reference];

  if (!timer.begin("noise")) return cancelled();
  report.noise_from_metadata = ref.meta.noise.valid;
  report.noise = ref.meta.noise.valid ? ref.meta.noise : estimate_noise_profile(ref);

  if (!timer.begin("align")) return cancelled();
  std::vector<AlignmentField> fields;
  NB_RETURN_IF_ERROR(
      align_burst(frames, reference, report.noise, TileAlignParams(), Implementation::kHalide, &fields));
  for (const AlignmentField& field : fields) report.motion.push_back(summarise_motion(field));

  if (!timer.begin("merge")) return cancelled();
  MergeStats merge_stats;
  NB_RETURN_IF_ERROR(merge_wiener(frames, reference, fields, report.noise, WienerMergeParams(),
                                  Implementation::kHalide, &result->merged, &merge_stats));
  for (size_t i = 0; i < frames.size(); ++i) {
    report.motion[i].mean_merge_weight = merge_stats.mean_weight[i];
    report.motion[i].rejected = merge_stats.rejected[i];
  }
  // The merged tiles average about effective_frames frames' worth of noise
  // (before the spatial step, which the profile does not model).
  result->merged_meta = ref.meta;
  result->merged_meta.noise = report.noise;
  for (int i = 0; i < 4; ++i) {
    result->merged_meta.noise.scale[i] /= merge_stats.effective_frames;
    result->merged_meta.noise.offset[i] /= merge_stats.effective_frames;
  }
  result->merged_meta.noise.valid = true;

  if (!timer.begin("white_balance")) return cancelled();
  std::array<float, 3> illuminant = ref.meta.as_shot_neutral;
  switch (options.awb) {
    case AwbMethod::kLearned: {
      report.awb_method = "learned";
      const FfccModel& model = options.awb_model ? options.awb_model->impl().ffcc : default_ffcc_model();
      const AwbEstimate estimate =
          estimate_illuminant_ffcc(model, awb_thumbnail(result->merged, ref.meta.cfa), ref.meta);
      illuminant = estimate.illuminant_rgb;
      report.awb_confidence = estimate.confidence;
      break;
    }
    case AwbMethod::kGrayWorld:
      report.awb_method = "grayworld";
      illuminant = gray_world(awb_thumbnail(result->merged, ref.meta.cfa), ref.meta.as_shot_neutral);
      break;
    case AwbMethod::kAsShot: report.awb_method = "asshot"; break;
    case AwbMethod::kManual:
      report.awb_method = "manual";
      illuminant = options.manual_illuminant;
      for (float& v : illuminant) v /= options.manual_illuminant[1];
      break;
  }
  report.awb_illuminant_rgb = illuminant;
  report.awb_gains = gains_for_illuminant(illuminant);

  if (!timer.begin("finish")) return cancelled();
  FinishParams finish = finish_params_for(ref.meta, report.awb_gains);
  const double mean_green = mean_balanced_green(result->merged, ref.meta.cfa, report.awb_gains);
  const ToneLook look = tone_look(options.look, mean_green);
  finish.exposure_gain = exposure_gain_for(mean_green, look.target_mean);
  finish.curve_contrast = look.contrast;
  finish.curve_pivot = look.pivot;
  // Local tone mapping (not in the natural look): exposure fusion of exposures
  // 1/sqrt(k) and sqrt(k) times the look's, so the mean stays near the look's
  // target while shadows are lifted and highlights kept.
  Halide::Runtime::Buffer<float, 2> luminance =
      tone_luminance(result->merged, ref.meta.cfa, report.awb_gains, finish.exposure_gain);
  report.local_tone_ratio = long_exposure_ratio(luminance, options.look);
  if (report.local_tone_ratio > 1.0f) {
    const float short_scale = 1.0f / std::sqrt(report.local_tone_ratio);
    finish.exposure_gain *= short_scale;
    luminance.for_each_element([&](int x, int y) { luminance(x, y) *= short_scale; });
    NB_RETURN_IF_ERROR(local_tone_gain(luminance, report.local_tone_ratio, &finish.tone_gain));
  }
  finish.chroma_denoise = options.chroma_denoise;
  finish.sharpen = options.sharpen;
  report.exposure_gain = finish.exposure_gain;
  report.look = options.look == Look::kNatural ? "natural" : options.look == Look::kBright ? "bright" : "night";
  report.curve_contrast = look.contrast;
  Halide::Runtime::Buffer<uint16_t, 3> srgb;
  NB_RETURN_IF_ERROR(finish_basic(result->merged, finish, &srgb));
  result->srgb = apply_orientation(srgb, ref.meta.orientation);
  timer.finish();
  return Status();
}

}  // namespace nb
