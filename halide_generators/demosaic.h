// Malvar-He-Cutler demosaic as a Halide Func, for the generators that start
// from a mosaic. Same arithmetic as demosaic_pixel() in src/stages/demosaic.h.
#pragma once

#include "Halide.h"

namespace nb::demosaic {

using namespace Halide;

// camera(x, y, c) from `in`, a mosaic with its borders already handled
// (mirrored about the edge sample keeps the CFA phase); red at
// (x % 2, y % 2) == (red_x, red_y), blue opposite.
inline Func malvar_he_cutler(Func in, Expr red_x, Expr red_y, Var x, Var y, Var c) {
  auto m = [&](int dx, int dy) { return in(x + dx, y + dy); };
  Expr centre = m(0, 0);
  Expr h1 = m(-1, 0) + m(1, 0), v1 = m(0, -1) + m(0, 1);
  Expr h2 = m(-2, 0) + m(2, 0), v2 = m(0, -2) + m(0, 2);
  Expr diag = m(-1, -1) + m(1, -1) + m(-1, 1) + m(1, 1);
  Expr green_at_rb = (4 * centre + 2 * (h1 + v1) - (h2 + v2)) * 0.125f;
  Expr along_row = (5 * centre + 4 * h1 - h2 - diag + 0.5f * v2) * 0.125f;  // colour left and right
  Expr along_col = (5 * centre + 4 * v1 - v2 - diag + 0.5f * h2) * 0.125f;  // colour above and below
  Expr across = (6 * centre + 2 * diag - 1.5f * (h2 + v2)) * 0.125f;        // colour on the diagonals
  Expr red_col = (x % 2) == red_x, red_row = (y % 2) == red_y;
  Expr at_red = red_col && red_row, at_blue = !red_col && !red_row;
  Func camera("camera");
  camera(x, y, c) = mux(c, {select(at_red, centre, at_blue, across, red_row, along_row, along_col),
                            select(at_red || at_blue, green_at_rb, centre),
                            select(at_blue, centre, at_red, across, red_row, along_col, along_row)});
  return camera;
}

}  // namespace nb::demosaic
