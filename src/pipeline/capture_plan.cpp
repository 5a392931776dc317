// Capture planning: the scene measured from two previews, and the policy.
#include "nightburst/capture_plan.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/bayer_planes.h"
#include "pipeline/motion_summary.h"
#include "stages/align_tiles.h"
#include "stages/merge_wiener.h"
#include "stages/noise_estimate.h"

namespace nb {
namespace {

// Reflected-light metering: N^2 / t = L S / K, K = 12.5 cd s / m^2; a surface
// of reflectance rho under illuminance E has luminance L = rho E / pi.
constexpr double kMeterConstant = 12.5;
constexpr double kAverageReflectance = 0.18;
// A metered mid-grey lands about 3 stops below white in a raw frame.
constexpr double kMidGreyRawLevel = 0.125;

}  // namespace

Status measure_scene(const RawFrame& first, const RawFrame& second, double interval_s,
                     double f_number, SceneMeasurement* out) {
  NB_RETURN_IF_ERROR(validate_metadata(first.meta).with_context(first.source));
  NB_RETURN_IF_ERROR(validate_metadata(second.meta).with_context(second.source));
  if (first.meta.width != second.meta.width || first.meta.height != second.meta.height ||
      first.meta.cfa != second.meta.cfa)
    return bad_input(second.source + ": not the same size and CFA as " + first.source);
  if (!(first.meta.exposure_s > 0))
    return bad_input(first.source + ": no exposure time (EXIF ExposureTime), which the brightness estimate needs");
  if (!(first.meta.iso > 0))
    return bad_input(first.source +
                     ": no ISO (EXIF ISOSpeedRatings), which the brightness estimate needs; give it with --iso");
  if (!(interval_s > 0) || !(f_number > 0))
    return invalid_argument("interval and f-number must be positive");

  // Brightness: the mean of the 2x2-binned grey (normalised raw units).
  const Halide::Runtime::Buffer<float, 2> grey = binned_gray(first);
  double sum = 0;
  for (int y = 0; y < grey.height(); ++y)
    for (int x = 0; x < grey.width(); ++x) sum += std::max(0.0f, grey(x, y));
  const double level = sum / (double(grey.width()) * grey.height());
  const double luminance = kMeterConstant * f_number * f_number /
                           (first.meta.exposure_s * first.meta.iso) * (level / kMidGreyRawLevel);
  out->lux = M_PI * luminance / kAverageReflectance;

  // Motion: the tile alignment of the second preview to the first.
  const NoiseProfile noise = frame_noise_profile(first);
  std::unique_ptr<FrameAligner> aligner;
  NB_RETURN_IF_ERROR(
      FrameAligner::create(first, noise, TileAlignParams(), Implementation::kHalide, &aligner));
  AlignmentField field;
  NB_RETURN_IF_ERROR(aligner->align(second, &field));
  const FrameMotion motion = summarise_motion(field);
  out->camera_px_per_s = std::hypot(motion.median_dx_px, motion.median_dy_px) / interval_s;

  // Subject motion: what the merge's robustness would reject.
  std::unique_ptr<WienerMerger> merger;
  NB_RETURN_IF_ERROR(
      WienerMerger::create(first, noise, WienerMergeParams(), Implementation::kHalide, &merger));
  float weight = 1;
  bool rejected = false;
  NB_RETURN_IF_ERROR(merger->add(second, field, &weight, &rejected));
  out->moving_fraction = std::clamp(1.0 - weight, 0.0, 1.0);
  return Status();
}

CapturePlan plan_capture(const SceneMeasurement& scene, double budget_s) {
  constexpr int kMinFrames = 3;
  CapturePlan plan;
  plan.tripod = scene.camera_px_per_s < kTripodPxPerS;
  plan.too_dark = scene.lux < kDarkestLux;
  const double longest = plan.tripod ? 1.0 : 1.0 / 15;
  const int most_frames = plan.tripod ? 6 : 15;
  // Motion: camera shake plus the moving share of a moving subject.
  const double smear_px_per_s =
      scene.camera_px_per_s + std::clamp(scene.moving_fraction, 0.0, 1.0) * kSubjectPxPerS;
  const double sharp = smear_px_per_s > 0 ? kBlurPx / smear_px_per_s : longest;
  const double limit = std::min({longest, sharp, budget_s / kMinFrames});
  // Light: the total exposure wanted, over at least kMinFrames frames.
  const double wanted_s = std::min(kLuxSeconds / std::max(scene.lux, 1e-6), budget_s);
  plan.exposure_s = std::max(kShortestExposureS, std::min(limit, wanted_s / kMinFrames));
  const int frames_for_light = int(std::ceil(wanted_s / plan.exposure_s - 1e-9));
  const int frames_in_budget = std::max(1, int(std::floor(budget_s / plan.exposure_s + 1e-9)));
  plan.frames = std::min({std::max(kMinFrames, frames_for_light), most_frames, frames_in_budget});
  plan.total_s = plan.frames * plan.exposure_s;
  return plan;
}

}  // namespace nb
