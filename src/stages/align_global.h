// Global-translation alignment: one shift per frame, found coarse to fine on a pyramid of the 2x2-binned grayscale. The foundation's stand-in for
// HDR+ tile alignment (Hasinoff et al. 2016, sec. 4), which replaces it.
#pragma once

#include <HalideBuffer.h>

#include "core/alignment_field.h"
#include "nightburst/raw_frame.h"

namespace nb {

struct GlobalAlignParams {
  int coarse_radius = 4;   // exhaustive search radius at the coarsest level
  int min_level_side = 16; // stop downsampling below this many plane pixels
};

// Aligns `frame` to the reference whose binned grayscale is `reference_gray`.
// The field has a single tile covering the frame; confidence is 0 when the
// best match is no better than the unshifted frame in a flat image.
AlignmentField align_global(const Halide::Runtime::Buffer<float, 2>& reference_gray,
                            const RawFrame& frame, const GlobalAlignParams& params);

}  // namespace nb
