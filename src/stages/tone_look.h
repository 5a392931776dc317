// The look of the finished photo (Night Sight, Liba et al. 2019, sec. 6):
// how bright the output is made, depending on how dark the scene was, and a
// global S-curve that lifts mid-tones while keeping shadows dark, so that
// night still looks like night.
#pragma once

#include <HalideBuffer.h>

#include <array>
#include <cmath>
#include <vector>

#include "nightburst/look.h"
#include "nightburst/raw_frame.h"

namespace nb {

struct ToneLook {
  double target_mean = 0.10;  // mean balanced green after the exposure gain, linear
  float contrast = 0;         // S-curve weight, 0 = none
  float pivot = 0.5f;         // sRGB-encoded value the S-curve turns around (linear 0.21)
};

// Parameters of each look; `mean_green` is the merged mosaic's mean balanced
// green (linear, white = 1), the measure of how dark the scene was.
//   natural: target 0.10, no curve (the foundation's rendering).
//   bright:  target 0.18, contrast 0.4.
//   night:   target from 0.05 (mean green <= 0.002, very dark) to 0.10
//            (mean green >= 0.05, dusk) on a log scale, contrast 1.0:
//            darker scenes stay darker.
ToneLook tone_look(Look look, double mean_green);

// Mean white-balanced green of a normalised mosaic, clipped to [0, 1]. The
// pipeline takes it from tone_statistics() (local_tone.h), in the same pass
// as the tone map's luminance; this is that sum on its own, which the tests
// hold the one pass to.
double mean_balanced_green(const Halide::Runtime::Buffer<float, 2>& mosaic, CfaPattern cfa,
                           const std::array<float, 3>& wb_gains);
// Its parts, for a pass that reads the rows anyway (tone_statistics()): row
// y's greens times `green_gain`, each clipped to [0, 1], summed; and the
// mean from every row's sum, added in row order (the same on any number of
// threads).
double balanced_green_row_sum(const Halide::Runtime::Buffer<float, 2>& mosaic, CfaPattern cfa, int y,
                              float green_gain);
double mean_of_green_rows(const Halide::Runtime::Buffer<float, 2>& mosaic, CfaPattern cfa,
                          const std::vector<double>& row_sums);

// Linear gain bringing `mean_green` to `target_mean`, between 1 and 32.
float exposure_gain_for(double mean_green, double target_mean);

// The S-curve on an sRGB-encoded value in [0, 1]: (1 - c) v + c s(v), s a
// logistic of slope 6 around the pivot rescaled so s(0) = 0 and s(1) = 1.
// Monotonic, fixes 0 and 1; the generator computes the same expression.
inline float s_curve(float v, float contrast, float pivot) {
  auto logistic = [](float t) { return 1.0f / (1.0f + std::exp(-6.0f * t)); };
  float lo = logistic(-pivot), hi = logistic(1.0f - pivot);
  return (1.0f - contrast) * v + contrast * (logistic(v - pivot) - lo) / (hi - lo);
}

}  // namespace nb
