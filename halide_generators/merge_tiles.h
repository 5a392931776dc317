// Pieces shared by the merge generators: the tile grid of a CFA plane, the
// raised-cosine window, a 16x16 real-input DFT and its inverse, and the
// overlap-add back to the mosaic. Tiles are indexed (tx, ty, p): 16x16 plane
// pixels of CFA position p starting at (8 tx - 8, 8 ty - 8). The DFT is a
// product with 16x16 cos/sin tables ("real DFT by small matrices"), using
// Hermitian symmetry: only v = 0..8 of the first axis is kept.
//
// The generators read CFA planes (x, y, p) that the caller has padded with
// the edge repeated, wide enough for every tile and displacement: no clamps,
// so tile rows are plain vector loads.
#pragma once

#include <cmath>

#include "Halide.h"

namespace nb::merge {

using namespace Halide;

constexpr int kTile = 16;
constexpr int kStride = 8;
constexpr int kHalf = kTile / 2 + 1;  // frequencies 0..8 along the Hermitian axis

// Sum over the 2-D window of w^2 (the noise energy of a windowed tile).
inline double window_energy() {
  double e1 = 0;
  for (int i = 0; i < kTile; ++i) {
    double w = 0.5 - 0.5 * std::cos(2 * M_PI * (i + 0.5) / kTile);
    e1 += w * w;
  }
  return e1 * e1;
}

struct TileVars {
  Var i{"i"}, j{"j"}, u{"u"}, v{"v"}, tx{"tx"}, ty{"ty"}, p{"p"};
};

// The functions of one forward-shrink-inverse chain, kept for scheduling.
struct DftFuncs {
  Func rows{"dft_rows"}, spectrum{"dft_spectrum"}, shrunk{"dft_shrunk"}, inverse_cols{"dft_inverse_cols"},
      out{"dft_out"};
};

class TileDft {
 public:
  TileDft() {
    // Tables of cos(2 pi k n / 16) and sin(2 pi k n / 16); (k n) mod 16 keeps the argument small.
    Var k{"k"}, n{"n"};
    Expr angle = cast<float>((k * n) % kTile) * float(2 * M_PI / kTile);
    cos_table(k, n) = cos(angle);
    sin_table(k, n) = sin(angle);
    Var a{"a"};
    window(a) = 0.5f - 0.5f * cos((cast<float>(a) + 0.5f) * float(2 * M_PI / kTile));
  }

  // Forward DFT of windowed(i, j, tx, ty, p), `shrink` applied to each
  // coefficient (given re, im and the tile's vars), inverse DFT: a real tile.
  DftFuncs filter(Func windowed, const std::function<Expr(Expr re, Expr im)>& shrink, const TileVars& t) {
    DftFuncs f;
    RDom r(0, kTile, "r");
    // Along j: F1(i, v) = sum_j x(i, j) e^{-2 pi i v j / 16}, v = 0..8.
    f.rows(t.i, t.v, t.tx, t.ty, t.p) = Tuple(0.0f, 0.0f);
    Expr x = windowed(t.i, r, t.tx, t.ty, t.p);
    f.rows(t.i, t.v, t.tx, t.ty, t.p) = Tuple(f.rows(t.i, t.v, t.tx, t.ty, t.p)[0] + x * cos_table(t.v, r),
                                              f.rows(t.i, t.v, t.tx, t.ty, t.p)[1] - x * sin_table(t.v, r));
    // Along i: F2(u, v) = sum_i F1(i, v) e^{-2 pi i u i / 16}, u = 0..15.
    f.spectrum(t.u, t.v, t.tx, t.ty, t.p) = Tuple(0.0f, 0.0f);
    Expr re = f.rows(r, t.v, t.tx, t.ty, t.p)[0], im = f.rows(r, t.v, t.tx, t.ty, t.p)[1];
    Expr c = cos_table(t.u, r), s = sin_table(t.u, r);
    f.spectrum(t.u, t.v, t.tx, t.ty, t.p) = Tuple(f.spectrum(t.u, t.v, t.tx, t.ty, t.p)[0] + re * c + im * s,
                                                  f.spectrum(t.u, t.v, t.tx, t.ty, t.p)[1] + im * c - re * s);
    Expr sre = f.spectrum(t.u, t.v, t.tx, t.ty, t.p)[0], sim = f.spectrum(t.u, t.v, t.tx, t.ty, t.p)[1];
    Expr gain = shrink(sre, sim);
    f.shrunk(t.u, t.v, t.tx, t.ty, t.p) = Tuple(sre * gain, sim * gain);
    // Inverse along u: G(i, v) = sum_u S(u, v) e^{+2 pi i u i / 16}.
    f.inverse_cols(t.i, t.v, t.tx, t.ty, t.p) = Tuple(0.0f, 0.0f);
    Expr gre = f.shrunk(r, t.v, t.tx, t.ty, t.p)[0], gim = f.shrunk(r, t.v, t.tx, t.ty, t.p)[1];
    Expr c2 = cos_table(r, t.i), s2 = sin_table(r, t.i);
    f.inverse_cols(t.i, t.v, t.tx, t.ty, t.p) =
        Tuple(f.inverse_cols(t.i, t.v, t.tx, t.ty, t.p)[0] + gre * c2 - gim * s2,
              f.inverse_cols(t.i, t.v, t.tx, t.ty, t.p)[1] + gim * c2 + gre * s2);
    // Inverse along v to a real tile, by Hermitian symmetry:
    // x(i, j) = G(i, 0) + (-1)^j G(i, 8) + 2 Re sum_{v=1..7} G(i, v) e^{+2 pi i v j / 16}.
    auto g = [&](int v, int part) { return f.inverse_cols(t.i, v, t.tx, t.ty, t.p)[part]; };
    Expr sum = 0.0f;
    for (int v = 1; v < kTile / 2; ++v) sum += g(v, 0) * cos_table(v, t.j) - g(v, 1) * sin_table(v, t.j);
    Expr nyquist = select(t.j % 2 == 0, g(kTile / 2, 0), -g(kTile / 2, 0));
    f.out(t.i, t.j, t.tx, t.ty, t.p) = (g(0, 0) + nyquist + 2.0f * sum) * (1.0f / (kTile * kTile));
    reductions.push_back({f, r});
    return f;
  }

  // Tiles in lanes: every stage vectorised across tx (contiguous in storage),
  // the DFT indices plain loops. The output tiles are computed inside `at`'s
  // loop over `var`, the stages before them one row of tiles at a time.
  void schedule(DftFuncs f, const TileVars& t, Func at, Var var, int vector_width) {
    Func anchor = f.out;
    for (Func g : {f.rows, f.spectrum, f.inverse_cols}) {
      g.compute_at(anchor, t.ty).reorder_storage(t.tx, g.args()[0], g.args()[1], t.ty, t.p);
      g.reorder(t.tx, g.args()[0], g.args()[1]).vectorize(t.tx, vector_width, TailStrategy::GuardWithIf);
    }
    const Reduction& red = reduction_of(f);
    f.rows.update().reorder(t.tx, red.r, t.i, t.v).vectorize(t.tx, vector_width, TailStrategy::GuardWithIf);
    f.spectrum.update().reorder(t.tx, red.r, t.u, t.v).vectorize(t.tx, vector_width, TailStrategy::GuardWithIf);
    f.inverse_cols.update().reorder(t.tx, red.r, t.i, t.v).vectorize(t.tx, vector_width, TailStrategy::GuardWithIf);
    f.shrunk.compute_at(anchor, t.ty)
        .reorder_storage(t.tx, t.u, t.v, t.ty, t.p)
        .reorder(t.tx, t.u, t.v)
        .vectorize(t.tx, vector_width, TailStrategy::GuardWithIf);
    f.out.compute_at(at, var)
        .reorder_storage(t.tx, t.i, t.j, t.ty, t.p)
        .reorder(t.tx, t.i, t.j)
        .vectorize(t.tx, vector_width, TailStrategy::GuardWithIf);
    cos_table.compute_root();
    sin_table.compute_root();
    window.compute_root();
  }

  Func cos_table{"cos_table"}, sin_table{"sin_table"}, window{"window"};

  // The CFA planes of `mosaic` as one Func (x, y, p), edges repeated per
  // plane. repeat_edge marks the clamps as unlikely, so Halide splits the
  // loops and the interior reads are plain vector loads.
  template <typename Mosaic>
  static Func planes(Mosaic& mosaic, const std::string& name) {
    Var x{"x"}, y{"y"}, p{"p"};
    Func raw(name + "_raw");
    raw(x, y, p) = mosaic(2 * x + p % 2, 2 * y + p / 2);
    return BoundaryConditions::repeat_edge(raw, {{0, mosaic.width() / 2}, {0, mosaic.height() / 2}, {0, 4}});
  }

 private:
  struct Reduction {
    DftFuncs f;
    RDom r;
  };
  const Reduction& reduction_of(const DftFuncs& f) const {
    for (const Reduction& red : reductions)
      if (red.f.out.name() == f.out.name()) return red;
    return reductions.front();
  }
  std::vector<Reduction> reductions;
};

// Is mosaic pixel (x, y) part of a complete 2x2 CFA tile (so of a plane)?
inline Expr in_planes(Expr plane_width, Expr plane_height, Expr x, Expr y) {
  return x < 2 * plane_width && y < 2 * plane_height;
}

// Overlap-add of tile(i, j, tx, ty, p) back to the mosaic pixel (x, y): the
// two tiles across and the two down that cover its plane pixel.
inline Expr overlap_add(Func tile, Expr x, Expr y) {
  Expr px = x / 2, py = y / 2, p = x % 2 + 2 * (y % 2);
  Expr sum = 0.0f;
  for (int b = 0; b <= 1; ++b)
    for (int a = 0; a <= 1; ++a)
      sum += tile(px % kStride + kStride - kStride * a, py % kStride + kStride - kStride * b, px / kStride + a,
                  py / kStride + b, p);
  return sum;
}

}  // namespace nb::merge
