// Capture planning (Night Sight's motion metering; Liba et al. 2019, sec. 3):
// from two consecutive preview frames, how bright the scene is and how much
// the camera and the subject move; from those, how many frames to take and
// how long to expose each within a total-time budget.
#pragma once

#include "nightburst/raw_frame.h"
#include "nightburst/status.h"

namespace nb {

struct SceneMeasurement {
  double lux = 0;  // approximate scene illuminance
  double camera_px_per_s =
      0;  // hand shake: median tile motion between the previews, sensor pixels per second
  // Share of the reference's structured tiles whose content moved on its
  // own: 1 - the merge's mean robustness weight for the second preview.
  double moving_fraction = 0;
};

// Measures the scene from two consecutive preview frames `interval_s` apart.
// The illuminance comes from the first frame's mean raw level, its exposure
// time and ISO, and the lens's f-number (phones: about f/1.8), through the
// reflected-light exposure equation with an average reflectance of 18% and a
// metered mid-grey 3 stops below white: an estimate within a stop or so.
// Errors: previews that disagree, or no exposure time or ISO in the first.
Status measure_scene(const RawFrame& first, const RawFrame& second, double interval_s,
                     double f_number, SceneMeasurement* out);

struct CapturePlan {
  int frames = 0;
  double exposure_s = 0;  // per frame
  double total_s = 0;     // frames * exposure_s
  bool tripod = false;    // negligible camera motion: the long-exposure limits
  bool too_dark = false;  // below about 0.3 lux: the longest plan, and still noisy
};

// The policy, documented as a table in docs/cli.md (checked by
// tests/pipeline/capture_plan_test.cpp):
// - hand-held (camera motion >= kTripodPxPerS): at most 15 frames of at most
//   1/15 s; on a tripod: at most 6 frames of at most 1 s;
// - each frame short enough that camera motion, plus the moving share of a
//   subject moving kSubjectPxPerS, smears at most kBlurPx pixels (never
//   below kShortestExposureS);
// - the light wanted: kLuxSeconds / lux of total exposure (0.3 lux: the
//   6-second tripod maximum), over at least 3 frames (the reference's
//   candidates), within `budget_s`.
constexpr double kTripodPxPerS = 2.0;
constexpr double kSubjectPxPerS = 60.0;
constexpr double kBlurPx = 1.5;
constexpr double kShortestExposureS = 1.0 / 250;
constexpr double kLuxSeconds = 2.0;
constexpr double kDarkestLux = 0.3;
CapturePlan plan_capture(const SceneMeasurement& scene, double budget_s = 6.0);

}  // namespace nb
