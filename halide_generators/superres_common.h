// Pieces both Super Res Zoom generators use, written as the C++ reference
// in src/stages/superres.cpp computes them.
#pragma once

#include "Halide.h"

namespace nb::superres {

using namespace Halide;

// A raw mosaic read at edge-clamped (x, y), normalised per CFA position:
// (v - black) * inv_range, as normalised_mosaic() does.
// The four levels are picked by selects, not indexed loads: an index
// computed per sample would make every vector of samples a gather.
inline Expr normalised_sample(const Func& mosaic, Expr width, Expr height, const Func& black, const Func& inv_range,
                              Expr x, Expr y) {
  Expr cx = clamp(x, 0, width - 1), cy = clamp(y, 0, height - 1);
  Expr position = (cy % 2) * 2 + cx % 2;  // cfa_index()
  return (cast<float>(mosaic(cx, cy)) - mux(position, {black(0), black(1), black(2), black(3)})) *
         mux(position, {inv_range(0), inv_range(1), inv_range(2), inv_range(3)});
}

// interpolate_displacement(): the field at plane position (u, v), bilinear
// between tile centres, clamped at the outer centres. {dx, dy}.
inline std::vector<Expr> interpolate_displacement(const Func& displacement, Expr tiles_x, Expr tiles_y,
                                                  Expr tile_size, Expr tile_stride, Expr u, Expr v) {
  Expr centre = cast<float>(tile_size) * 0.5f - 0.5f, inv_stride = 1.0f / cast<float>(tile_stride);
  auto axis = [&](Expr p, Expr tiles) {
    Expr g = clamp((p - centre) * inv_stride, 0.0f, cast<float>(tiles - 1));
    Expr a = cast<int>(g);
    return std::vector<Expr>{a, min(a + 1, tiles - 1), g - cast<float>(a)};
  };
  std::vector<Expr> gx = axis(u, tiles_x), gy = axis(v, tiles_y);
  std::vector<Expr> out;
  for (int k = 0; k < 2; ++k) {
    Expr top = displacement(gx[0], gy[0], k) + gx[2] * (displacement(gx[1], gy[0], k) - displacement(gx[0], gy[0], k));
    Expr bottom =
        displacement(gx[0], gy[1], k) + gx[2] * (displacement(gx[1], gy[1], k) - displacement(gx[0], gy[1], k));
    out.push_back(top + gy[2] * (bottom - top));
  }
  return out;
}

}  // namespace nb::superres
