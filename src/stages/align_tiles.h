// HDR+ tile alignment (Hasinoff et al. 2016, sec. 4; IPOL analysis, Monod et
// al. 2021, sec. 2): coarse-to-fine tile search on a pyramid of the
// 2x2-binned grayscale, sub-pixel by a quadratic fit at the finest level.
// This is the plain C++ reference implementation.
#pragma once

#include <HalideBuffer.h>

#include <array>
#include <vector>

#include "core/alignment_field.h"
#include "nightburst/raw_frame.h"

namespace nb {

// Pyramid of the binned grayscale. Level 0 is the binned grayscale itself;
// level i+1 is level i blurred by the binomial [1 4 6 4 1]/16 and decimated
// by kTileAlignFactors[i+1] (2 or 4, as two decimations by 2).
constexpr int kTileAlignLevels = 4;
constexpr std::array<int, kTileAlignLevels> kTileAlignFactors = {1, 2, 4, 4};
using GrayPyramid = std::vector<Halide::Runtime::Buffer<float, 2>>;
GrayPyramid build_gray_pyramid(const Halide::Runtime::Buffer<float, 2>& binned_gray);

struct TileAlignParams {
  std::array<int, kTileAlignLevels> tile_size = {16, 16, 16, 8};
  std::array<int, kTileAlignLevels> search_radius = {1, 4, 4, 4};
  // Alignment failing: a tile whose predicted displacement error (from the
  // cost curvature and the noise level) exceeds this gets confidence 0.
  float max_uncertainty_px = 1.0f;
};

// Aligns `alternate` to the reference. `noise` gives the noise level used for
// the confidence. The field's tiles are those of level 0 (16 x 16 plane pixels
// at a stride of 8).
AlignmentField align_tiles_reference(const GrayPyramid& reference, const GrayPyramid& alternate,
                                     const NoiseProfile& noise, const TileAlignParams& params);

// Sub-pixel offset of the minimum of the quadratic least-squares fit to a 3x3
// cost surface (costs[dy+1][dx+1]); {0, 0} when the fit has no minimum. Also
// returns the smaller eigenvalue of the fit's Hessian (the cost curvature).
void quadratic_subpixel(const double costs[3][3], double* offset_x, double* offset_y, double* min_curvature);

}  // namespace nb
