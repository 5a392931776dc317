// Pieces shared by the merge generators: the tile grid of a CFA plane, the
// raised-cosine window, a 16x16 real-input FFT and its inverse, and the
// overlap-add back to the mosaic. Tiles are indexed (tx, ty, p): 16x16 plane
// pixels of CFA position p starting at (8 tx - 8, 8 ty - 8). The DFT is a
// radix-4 FFT (two radix-4 stages per 16 points), using Hermitian symmetry:
// only v = 0..8 of the first axis is kept. It replaced a product with 16x16
// cos/sin tables, which was 1.7x slower per frame (merge_wiener.h).
//
// The generators read CFA planes (x, y, p) that the caller has padded with
// the edge repeated, wide enough for every tile and displacement: no clamps,
// so tile rows are plain vector loads.
#pragma once

#include <cmath>

#include "Halide.h"
#include "stages/merge_tiles_params.h"

namespace nb::merge {

using namespace Halide;


struct TileVars {
  Var i{"i"}, j{"j"}, u{"u"}, v{"v"}, tx{"tx"}, ty{"ty"}, p{"p"};
  // A run of tiles along a row (split off tx by TileDft::schedule): what the
  // DFT stages and the tiles they read are computed for at a time.
  Var tile_run{"tile_run"};
};

// A complex value as two Exprs.
struct Cx {
  Expr re, im;
};
inline Cx operator+(const Cx& a, const Cx& b) { return {a.re + b.re, a.im + b.im}; }
inline Cx operator-(const Cx& a, const Cx& b) { return {a.re - b.re, a.im - b.im}; }

// One 16-point DFT pass (sign -1 forward, +1 inverse, unnormalised) as two
// radix-4 stages: X[k1 + 4 k2] = sum_n2 W4^(n2 k2) W16^(n2 k1) sum_n1 W4^(n1 k1) x[4 n1 + n2],
// W = e^(sign 2 pi i / N). The 4-point DFTs need no multiplications; k1, n2
// and k2 are unrolled, so each element's mux folds to its own sum.
struct FftPass {
  Func stage1, stage2;
};

// The functions of one forward-shrink-inverse chain, kept for scheduling.
struct DftFuncs {
  FftPass along_j, along_i, inverse_u, inverse_v;
  Func shrunk{"dft_shrunk"}, out{"dft_out"};
  // out overlap-added in tile space (overlap_blocks()), for overlap_add().
  Func block{"dft_block"};
};

// Overlap-add in tile space: block (i, j, bx, by, p), i and j in [0, 8), is
// plane pixel (8 bx + i, 8 by + j) summed from the two tiles across and the
// two down that cover it. Tiles are stored tiles-innermost, so these sums
// are dense vector loads across tiles, and a mosaic pixel then reads one
// block element (one lane of a gather) instead of four tile elements.
inline Func overlap_blocks(Func tile, const TileVars& t, const std::string& name) {
  Func block(name);
  Expr sum = 0.0f;
  for (int b = 0; b <= 1; ++b)
    for (int a = 0; a <= 1; ++a)
      sum += tile(t.i + kStride - kStride * a, t.j + kStride - kStride * b, t.tx + a, t.ty + b, t.p);
  block(t.i, t.j, t.tx, t.ty, t.p) = sum;
  return block;
}

class TileDft {
 public:
  TileDft() {
    // Tables of cos(2 pi k n / 16) and sin(2 pi k n / 16); (k n) mod 16 keeps the argument small.
    Var k{"k"}, n{"n"};
    Expr angle = cast<float>((k * n) % kTile) * float(2 * M_PI / kTile);
    cos_table(k, n) = cos(angle);
    sin_table(k, n) = sin(angle);
    Var a{"a"};
    std::vector<Expr> weights;
    for (int i = 0; i < kTile; ++i) weights.push_back(float(nb::merge::window(i)));
    window(a) = mux(a, weights);
  }

  // Forward DFT of windowed(i, j, tx, ty, p), `shrink` applied to each
  // coefficient (given re, im), inverse DFT: a real tile out(i, j, tx, ty, p).
  // The first axis (j -> v) keeps v = 0..8 only: the input is real, so the
  // rest is the conjugate mirror, rebuilt for the last inverse pass.
  DftFuncs filter(Func windowed, const std::function<Expr(Expr re, Expr im)>& shrink, const TileVars& t,
                  const std::string& name) {
    DftFuncs f;
    const Var &i = t.i, &j = t.j, &u = t.u, &v = t.v, &tx = t.tx, &ty = t.ty, &p = t.p;
    f.along_j = fft16([&](Expr n) { return Cx{windowed(i, n, tx, ty, p), 0.0f}; }, {i, tx, ty, p}, -1,
                      name + "_along_j");
    auto spectrum_j = [&](Expr vv, Expr ii) { return element(f.along_j, vv, {ii, tx, ty, p}); };
    f.along_i = fft16([&](Expr n) { return spectrum_j(v, n); }, {v, tx, ty, p}, -1, name + "_along_i");
    Cx d = element(f.along_i, u, {v, tx, ty, p});
    Expr gain = shrink(d.re, d.im);
    f.shrunk = Func(name + "_shrunk");
    f.shrunk(u, v, tx, ty, p) = Tuple(d.re * gain, d.im * gain);
    f.inverse_u = fft16([&](Expr n) { return Cx{f.shrunk(n, v, tx, ty, p)[0], f.shrunk(n, v, tx, ty, p)[1]}; },
                        {v, tx, ty, p}, +1, name + "_inverse_u");
    // Along v, the full spectrum from its half: G(16 - v) = conj(G(v)).
    auto half = [&](Expr vv) { return element(f.inverse_u, i, {vv, tx, ty, p}); };
    f.inverse_v = fft16(
        [&](Expr n) {
          Cx low = half(min(n, kTile / 2)), mirrored = half(clamp(kTile - n, 0, kTile / 2));
          return Cx{select(n <= kTile / 2, low.re, mirrored.re), select(n <= kTile / 2, low.im, -mirrored.im)};
        },
        {i, tx, ty, p}, +1, name + "_inverse_v");
    f.out = Func(name + "_out");
    f.out(i, j, tx, ty, p) = element(f.inverse_v, j, {i, tx, ty, p}).re * (1.0f / (kTile * kTile));
    f.block = overlap_blocks(f.out, t, name + "_block");
    return f;
  }

  // Tiles in lanes: every stage vectorised across tx (contiguous in storage),
  // the small FFT indices unrolled. The output tiles are computed inside
  // `at`'s loop over `var`, the stages before them a row of tiles at a time.
  void schedule(DftFuncs f, const TileVars& t, Func at, Var var, int vector_width) {
    // Blocks across tiles in lanes, as the tiles are stored: dense loads.
    f.block.compute_at(at, var)
        .bound(t.i, 0, kStride)
        .bound(t.j, 0, kStride)
        .reorder_storage(t.tx, t.i, t.j, t.ty, t.p)
        .reorder(t.tx, t.i, t.j)
        .vectorize(t.tx, vector_width, TailStrategy::GuardWithIf);
    Func anchor = f.out;
    Var in_run{"in_run"};
    f.out.compute_at(at, var)
        .reorder_storage(t.tx, t.i, t.j, t.ty, t.p)
        .split(t.tx, t.tile_run, in_run, vector_width, TailStrategy::GuardWithIf)
        .reorder(in_run, t.i, t.j, t.tile_run)
        .vectorize(in_run);
    // The per-run stages in MemoryType::Stack: their sizes are not constant
    // (the last run of a row is shorter), so on the heap they were a
    // halide_malloc and halide_free per run and stage, 10% of the pass.
    // Stack storage of dynamic size reuses one block per stage.
    f.shrunk.compute_at(anchor, t.tile_run)
        .store_in(MemoryType::Stack)
        .reorder_storage(t.tx, t.u, t.v, t.ty, t.p)
        .reorder(t.tx, t.u, t.v)
        .vectorize(t.tx, vector_width, TailStrategy::GuardWithIf);
    for (FftPass pass : {f.along_j, f.along_i, f.inverse_u, f.inverse_v})
      for (Func stage : {pass.stage1, pass.stage2}) {
        // args: (k1, n2 or k2, line, tx, ty, p)
        std::vector<Var> a = stage.args();
        stage.compute_at(anchor, t.tile_run)
            .store_in(MemoryType::Stack)
            .bound(a[0], 0, 4)
            .bound(a[1], 0, 4)
            .reorder_storage(t.tx, a[0], a[1], a[2], t.ty, t.p)
            .reorder(t.tx, a[0], a[1], a[2])
            .vectorize(t.tx, vector_width, TailStrategy::GuardWithIf)
            .unroll(a[0])
            .unroll(a[1]);
      }
    cos_table.compute_root();
    sin_table.compute_root();
    window.compute_root();
  }

  Func cos_table{"cos_table"}, sin_table{"sin_table"}, window{"window"};

 private:
  // 4-point DFT of a[0..3], sign -1 forward, +1 inverse.
  static std::vector<Cx> dft4(const std::vector<Cx>& a, int sign) {
    Cx t0 = a[0] + a[2], t1 = a[0] - a[2], t2 = a[1] + a[3], odd = a[1] - a[3];
    // odd * (sign i): forward multiplies by -i, inverse by +i.
    Cx t3 = sign < 0 ? Cx{odd.im, -odd.re} : Cx{-odd.im, odd.re};
    return {t0 + t2, t1 + t3, t0 - t2, t1 - t3};
  }

  static Cx pick(Expr index, const std::vector<Cx>& values) {
    std::vector<Expr> re, im;
    for (const Cx& c : values) {
      re.push_back(c.re);
      im.push_back(c.im);
    }
    return {mux(index, re), mux(index, im)};
  }

  // Element k of a pass's output, k = k1 + 4 k2.
  static Cx element(const FftPass& pass, Expr k, std::vector<Expr> rest) {
    std::vector<Expr> args = {k % 4, k / 4};
    args.insert(args.end(), rest.begin(), rest.end());
    return {pass.stage2(args)[0], pass.stage2(args)[1]};
  }

  FftPass fft16(const std::function<Cx(Expr n)>& in, std::vector<Var> rest, int sign, const std::string& name) {
    FftPass pass{Func(name + "_stage1"), Func(name + "_stage2")};
    Var k1{"k1"}, n2{"n2"}, k2{"k2"};
    std::vector<Var> args1 = {k1, n2}, args2 = {k1, k2};
    args1.insert(args1.end(), rest.begin(), rest.end());
    args2.insert(args2.end(), rest.begin(), rest.end());
    // Stage 1: 4-point DFTs over n1 for each n2, then the twiddle W16^(n2 k1).
    std::vector<Cx> a;
    for (int n1 = 0; n1 < 4; ++n1) a.push_back(in(4 * n1 + n2));
    Cx x = pick(k1, dft4(a, sign));
    Expr c = cos_table(n2, k1), s = float(sign) * sin_table(n2, k1);
    pass.stage1(args1) = Tuple(x.re * c - x.im * s, x.re * s + x.im * c);
    // Stage 2: 4-point DFTs over n2 for each k1.
    std::vector<Cx> b;
    for (int m = 0; m < 4; ++m) {
      std::vector<Expr> at = {k1, m};
      at.insert(at.end(), rest.begin(), rest.end());
      b.push_back({pass.stage1(at)[0], pass.stage1(at)[1]});
    }
    Cx y = pick(k2, dft4(b, sign));
    pass.stage2(args2) = Tuple(y.re, y.im);
    return pass;
  }
};

// Noise variance at the mean level of tile(i, j, tx, ty, p), from the
// NoiseProfile (scale, offset per CFA position), floored so a noiseless tile
// never divides by zero. `sum` is the tile sum, kept for scheduling.
template <typename Profile>
Expr tile_noise_variance(Func tile, Func& sum, Profile& scale, Profile& offset, const TileVars& t) {
  RDom whole(0, kTile, 0, kTile, "whole");
  sum = Func("tile_sum");
  sum(t.tx, t.ty, t.p) = 0.0f;
  sum(t.tx, t.ty, t.p) += tile(whole.x, whole.y, t.tx, t.ty, t.p);
  Expr mean = sum(t.tx, t.ty, t.p) * (1.0f / (kTile * kTile));
  return max(scale(t.p) * max(mean, 0.0f) + offset(t.p), kMinVariance);
}

// Schedules the tile sum of tile_noise_variance() inside `at`'s loop over ty.
inline void schedule_tile_sum(Func sum, Func at, const TileVars& t, int vector_width) {
  sum.compute_at(at, t.ty).vectorize(t.tx, vector_width, TailStrategy::GuardWithIf);
  sum.update()
      .reorder(t.tx, RVar("whole$x"), RVar("whole$y"))
      .vectorize(t.tx, vector_width, TailStrategy::GuardWithIf);
}

// Is mosaic pixel (x, y) part of a complete 2x2 CFA tile (so of a plane)?
inline Expr in_planes(Expr plane_width, Expr plane_height, Expr x, Expr y) {
  return x < 2 * plane_width && y < 2 * plane_height;
}

// The overlap-added tiles (overlap_blocks()) at mosaic pixel (x, y).
inline Expr overlap_add(Func block, Expr x, Expr y) {
  Expr px = x / 2, py = y / 2, p = x % 2 + 2 * (y % 2);
  return block(px % kStride, py % kStride, px / kStride, py / kStride, p);
}

}  // namespace nb::merge
