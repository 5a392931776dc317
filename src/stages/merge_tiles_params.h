// The merge's tile grid and window, shared by the C++ reference and the
// Halide generators (no dependencies, so the generators can include it).
#pragma once

#include <cmath>

namespace nb::merge {

constexpr int kTile = 16;
constexpr int kStride = kTile / 2;
// The Halide merge filters tiles in runs of kTileRun side by side and
// rebuilds the planes in runs of kTileRun blocks of kStride pixels: the width
// of the transposes between tile rows and tiles in vector lanes.
constexpr int kTileRun = 16;
constexpr int kRunPixels = kTileRun * kStride;

// How far past a plane's right edge the Halide merge's tiles read (before
// any displacement): the planes' last run of blocks is whole, and its last
// block needs the first tile of one more run, computed whole.
inline int tiles_reach_right(int plane_width) {
  return (plane_width + kRunPixels - 1) / kRunPixels * kRunPixels + kRunPixels - plane_width;
}

// A bracket's clipped alternate samples are replaced by kClippedSample in its
// planes: any resampled value that took one in (with a nonzero weight) lies
// beyond kClippedThreshold, and its difference to the reference counts as 0
// (the sample has nothing to give, and no clipped edge enters the DFT). A
// clipped tap's weight (the product of two Catmull-Rom weights, the
// smallest about f^2 / 2 for a fraction f of a pixel) lifts kClippedSample
// past the threshold when both fractions are at least 1e-4 from an integer
// (or exactly one: the weight is then 0), and no subset of the four weights
// sums to 0 for a fraction in (0, 1). Nearer an integer than that, a
// clipped tap can leave a large but finite value: its difference to the
// reference then exceeds any noise, and the robustness weight drops the
// tile (the C++ bookkeeping sees the same value, so the two agree).
constexpr float kClippedSample = 1e30f;
constexpr float kClippedThreshold = 1e12f;

// Variance floor (normalised units), so a noiseless tile does not divide by zero.
constexpr float kMinVariance = 1e-12f;

// Raised cosine, shifted half a sample so that w(i) + w(i + 8) = 1: tiles at
// a stride of 8 overlap-add to exactly the signal.
inline double window(int i) { return 0.5 - 0.5 * std::cos(2 * M_PI * (i + 0.5) / kTile); }

// Sum over the 2-D window of w^2: E|N(w)|^2 of one windowed tile of white
// noise is this times the noise variance.
inline double window_energy() {
  double e1 = 0;
  for (int i = 0; i < kTile; ++i) e1 += window(i) * window(i);
  return e1 * e1;
}

}  // namespace nb::merge
