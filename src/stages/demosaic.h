// Demosaic: Malvar, He and Cutler (ICASSP 2004), gradient-corrected linear
// interpolation: bilinear plus a fraction of the same-position Laplacian of
// the channel that is there, 5x5 kernels. The Halide version lives in
// halide_generators/demosaic.h (fused into the finishing generator); this is
// the plain C++ reference that tests compare it with.
#pragma once

#include <HalideBuffer.h>

#include <algorithm>

#include "nightburst/raw_frame.h"

namespace nb {

// Camera RGB at (x, y) of a normalised mosaic, borders mirrored about the
// edge sample (which keeps the CFA phase).
inline void demosaic_pixel(const Halide::Runtime::Buffer<float, 2>& mosaic, CfaPattern cfa, int x, int y,
                           float rgb[3]) {
  const int w = mosaic.width(), h = mosaic.height();
  auto m = [&](int dx, int dy) {
    int sx = x + dx, sy = y + dy;
    sx = sx < 0 ? -sx : (sx >= w ? 2 * (w - 1) - sx : sx);
    sy = sy < 0 ? -sy : (sy >= h ? 2 * (h - 1) - sy : sy);
    return mosaic(sx, sy);
  };
  const float c = m(0, 0);
  const float h1 = m(-1, 0) + m(1, 0), v1 = m(0, -1) + m(0, 1);
  const float h2 = m(-2, 0) + m(2, 0), v2 = m(0, -2) + m(0, 2);
  const float diag = m(-1, -1) + m(1, -1) + m(-1, 1) + m(1, 1);
  const float green_at_rb = (4 * c + 2 * (h1 + v1) - (h2 + v2)) * 0.125f;
  const float along_row = (5 * c + 4 * h1 - h2 - diag + 0.5f * v2) * 0.125f;   // colour left and right
  const float along_col = (5 * c + 4 * v1 - v2 - diag + 0.5f * h2) * 0.125f;   // colour above and below
  const float across = (6 * c + 2 * diag - 1.5f * (h2 + v2)) * 0.125f;         // colour on the diagonals
  switch (cfa_color(cfa, x, y)) {
    case 0: rgb[0] = c; rgb[1] = green_at_rb; rgb[2] = across; break;
    case 2: rgb[0] = across; rgb[1] = green_at_rb; rgb[2] = c; break;
    default: {
      const bool red_row = cfa_color(cfa, x + 1, y) == 0;
      rgb[0] = red_row ? along_row : along_col;
      rgb[1] = c;
      rgb[2] = red_row ? along_col : along_row;
    }
  }
}

// The whole mosaic, (x, y, c) camera RGB.
Halide::Runtime::Buffer<float, 3> demosaic_reference(const Halide::Runtime::Buffer<float, 2>& mosaic, CfaPattern cfa);

}  // namespace nb
