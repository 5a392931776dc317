// Robust temporal average: each aligned frame contributes per pixel with a weight
// that falls to zero where it differs from the reference by more than noise
// explains. The foundation's stand-in for the HDR+ Wiener merge, which replaces it.
#pragma once

#include <HalideBuffer.h>

#include <vector>

#include "core/alignment_field.h"
#include "nightburst/raw_frame.h"

namespace nb {

struct RobustAverageParams {
  // Differences (3x3 same-colour mean) beyond this many noise standard
  // deviations get zero weight; below it the weight falls off quadratically.
  float rejection_sigmas = 3.0f;
};

struct RobustAverageStats {
  std::vector<float> mean_weight;  // per frame: average weight over the frame (reference = 1)
  std::vector<bool> rejected;      // per frame: contributed almost nothing (mean weight < 0.1)
};

// `fields[i]` aligns frame i to frames[reference]. Output: normalised mosaic
// (black subtracted, divided by white - black, per CFA position) in the
// reference geometry.
Status merge_robust_average(const std::vector<RawFrame>& frames, int reference,
                            const std::vector<AlignmentField>& fields, const NoiseProfile& noise,
                            const RobustAverageParams& params,
                            Halide::Runtime::Buffer<float, 2>* merged, RobustAverageStats* stats);

}  // namespace nb
