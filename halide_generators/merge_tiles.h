// Pieces shared by the merge generators: the tile grid of a CFA plane, the
// raised-cosine window, a 16x16 real-input FFT and its inverse, and the
// overlap-add back to the planes and the mosaic. Tiles are indexed (tx, ty,
// p): 16x16 plane pixels of CFA position p starting at (8 tx - 8, 8 ty - 8).
//
// The DFT stages are vectorised across tiles (a vector's lanes are tiles
// next to each other), the image side along rows of pixels; between the two
// the data is transposed, a run of kTileRun tiles at a time, by reading
// twice with a stride of 4 (read_stride4()), which Halide 14 compiles to
// dense loads and shuffles. A transpose written directly compiles to one
// scalar store or load per lane: those were a third of the temporal pass.
//
// The DFT is a radix-4 FFT (two radix-4 stages per 16 points), using
// Hermitian symmetry: only v = 0..8 of the first axis is kept. It replaced a
// product with 16x16 cos/sin tables, which was 1.7x slower per frame
// (merge_wiener.h).
//
// The generators read CFA planes (x, y, p) that the caller has padded with
// the edge repeated, wide enough for every tile and displacement, and on the
// right for the whole runs (tiles_reach_right()): no clamps, so tile rows
// are plain vector loads.
#pragma once

#include <cmath>

#include "Halide.h"
#include "stages/merge_tiles_params.h"

namespace nb::merge {

using namespace Halide;


struct TileVars {
  Var i{"i"}, j{"j"}, u{"u"}, v{"v"}, tx{"tx"}, ty{"ty"}, p{"p"};
  // A run of kTileRun tiles along a row (split off tx by TileDft::schedule):
  // what the DFT stages and the tiles they read are computed for at a time.
  Var tile_run{"tile_run"};
  // Run layouts, (k, j, run, ty, p): a row j of the run's tiles (or of its
  // blocks) side by side, element k; and pixels of the planes (px, py, p).
  Var k{"k"}, run{"run"}, px{"px"}, py{"py"};
};

// In a run layout of tile rows, the tile and the column within it of element t.k.
inline Expr run_tile(const TileVars& t) { return kTileRun * t.run + t.k / kTile; }
inline Expr run_column(const TileVars& t) { return t.k % kTile; }

// f read with a stride of 4 along its first argument: element n of the
// result is element n / (size / 4) + 4 (n % (size / 4)) of f, for n in
// [0, size). Twice in a row, this transposes a matrix of 16 columns stored
// row by row; each pass is dense vector loads and shuffles.
inline Func read_stride4(Func f, int size, const std::string& name) {
  Func g(name);
  std::vector<Var> args = f.args();
  std::vector<Expr> at(args.begin(), args.end());
  const int quarter = size / 4;
  at[0] = args[0] / quarter + 4 * (args[0] % quarter);
  g(args) = f(at);
  return g;
}

// The two passes of a transpose, for scheduling.
struct RunTranspose {
  Func first, second;
};

inline RunTranspose transpose_run(Func run_layout, int size, const std::string& name) {
  RunTranspose r;
  r.first = read_stride4(run_layout, size, name + "_first");
  r.second = read_stride4(r.first, size, name + "_second");
  return r;
}

// Both passes inside `at`'s loop over `var`, vectorised along the element.
inline void schedule_transpose(const RunTranspose& r, int size, Func at, Var var, int vector_width) {
  for (Func f : {r.first, r.second}) {
    Var element = f.args()[0];
    f.compute_at(at, var).store_in(MemoryType::Stack).bound(element, 0, size).vectorize(element, vector_width);
  }
}

// Tiles across lanes from tile rows in the run layout (k = i + kTile (tx -
// kTileRun run), the image side's order): the run's 16x16 transpose, read
// as tile (i, j, tx, ty, p).
struct TilesFromRows {
  RunTranspose transpose;
  Expr operator()(Expr i, Expr j, Expr tx, Expr ty, Expr p) const {
    return transpose.second(tx % kTileRun + kTileRun * i, j, tx / kTileRun, ty, p);
  }
};

inline TilesFromRows tiles_from_rows(Func run_rows, const std::string& name) {
  return {transpose_run(run_rows, kTile * kTileRun, name)};
}

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
  bool real_output = false;  // stage2 holds the real part only
};

// The functions of one forward-shrink-inverse chain, kept for scheduling.
struct DftFuncs {
  FftPass along_j, along_i, inverse_u, inverse_v;
  Func shrunk{"dft_shrunk"}, out{"dft_out"};
  // The overlap-add of out (overlap_blocks()), transposed to rows of the
  // planes, and the planes (px, py, p).
  Func blocks{"dft_blocks"};
  RunTranspose to_rows;
  Func planes{"dft_planes"};
};

// Overlap-add in tile space, in the run layout of blocks: element k = i +
// kTileRun bx' (i in [0, 8), bx' in [0, kTileRun)) of row j is plane pixel
// (8 (kTileRun run + bx') + i, 8 by + j), summed from the two tiles across
// and the two down that cover it. Tiles are stored tiles-innermost, so these
// sums are dense vector loads across tiles.
inline Func overlap_blocks(Func tile, const TileVars& t, const std::string& name) {
  Func blocks(name);
  Expr sum = 0.0f;
  Expr i = t.k / kTileRun, bx = kTileRun * t.run + t.k % kTileRun;
  for (int b = 0; b <= 1; ++b)
    for (int a = 0; a <= 1; ++a) sum += tile(i + kStride - kStride * a, t.j + kStride - kStride * b, bx + a, t.ty + b, t.p);
  blocks(t.k, t.j, t.run, t.ty, t.p) = sum;
  return blocks;
}

class TileDft {
 public:
  TileDft() {
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
    // The output is real: the last stage computes no imaginary parts.
    f.inverse_v = fft16(
        [&](Expr n) {
          Cx low = half(min(n, kTile / 2)), mirrored = half(clamp(kTile - n, 0, kTile / 2));
          return Cx{select(n <= kTile / 2, low.re, mirrored.re), select(n <= kTile / 2, low.im, -mirrored.im)};
        },
        {i, tx, ty, p}, +1, name + "_inverse_v", /*real_output=*/true);
    f.out = Func(name + "_out");
    f.out(i, j, tx, ty, p) = element(f.inverse_v, j, {i, tx, ty, p}).re * (1.0f / (kTile * kTile));
    f.blocks = overlap_blocks(f.out, t, name + "_blocks");
    // Transposed, a run's blocks are kTileRun * kStride pixels of a plane row.
    f.to_rows = transpose_run(f.blocks, kRunPixels, name + "_to_rows");
    f.planes = Func(name + "_planes");
    f.planes(t.px, t.py, p) =
        f.to_rows.second(t.px % kRunPixels, t.py % kStride, t.px / kRunPixels, t.py / kStride, p);
    return f;
  }

  // Tiles in lanes: every stage vectorised across tx (contiguous in storage),
  // the small FFT indices unrolled, a run of kTileRun tiles at a time. The
  // planes are computed inside `at`'s loop over `var`, a run of blocks (8
  // rows of kRunPixels) at a time; the tiles a row of blocks at a time, the
  // row below kept for the next (a sliding window: each tile once).
  void schedule(DftFuncs f, const TileVars& t, Func at, Var var, int vector_width) {
    Var plane_run{"plane_run"}, px_in{"px_in"}, block_row{"block_row"};
    f.planes.compute_at(at, var)
        .align_bounds(t.px, kRunPixels)
        .split(t.px, plane_run, px_in, kRunPixels)
        .split(t.py, block_row, t.py, kStride, TailStrategy::GuardWithIf)
        .reorder(px_in, t.py, plane_run, block_row, t.p)
        .vectorize(px_in, vector_width);
    f.blocks.compute_at(f.planes, plane_run)
        .store_in(MemoryType::Stack)
        .bound(t.k, 0, kRunPixels)
        .bound(t.j, 0, kStride)
        .vectorize(t.k, vector_width);
    schedule_transpose(f.to_rows, kRunPixels, f.planes, plane_run, vector_width);
    Var in_run{"in_run"};
    // Line by line (i outermost in a run): the last inverse pass is computed
    // per line i inside it.
    f.out.store_at(f.planes, t.p)
        .compute_at(f.planes, block_row)
        .fold_storage(t.ty, 2)
        .reorder_storage(t.tx, t.i, t.j, t.ty, t.p)
        .split(t.tx, t.tile_run, in_run, kTileRun, TailStrategy::RoundUp)
        .reorder(in_run, t.j, t.i, t.tile_run)
        .vectorize(in_run, vector_width);
    // The per-run stages on the stack (on the heap they were a halide_malloc
    // and halide_free per run and stage, 10% of the pass), and each computed
    // as late as its consumer allows: a pass's first stage per line of its
    // second; the second axis's forward pass, the shrinking and the first
    // inverse pass per line v, as all three run along the same lines; the
    // last inverse pass per line of the output. A run's whole stage (16
    // lines of 16 complex vectors, 32 KB with AVX-512) written and read back
    // between every pair of stages went through L2; a line's stays in L1.
    // BM_MergeHalide 12 MP x 8, 1 thread, alternating: 1.11-1.21 -> 0.98-1.05 s.
    auto schedule_stage = [&](Func stage, Func at, Var var, int second_extent) {
      // args: (k1, n2 or k2, line, tx, ty, p)
      std::vector<Var> a = stage.args();
      stage.compute_at(at, var)
          .store_in(MemoryType::Stack)
          .bound(a[0], 0, 4)
          .bound(a[1], 0, second_extent)
          .reorder_storage(t.tx, a[0], a[1], a[2], t.ty, t.p)
          .reorder(t.tx, a[0], a[1], a[2])
          .vectorize(t.tx, vector_width, TailStrategy::GuardWithIf)
          .unroll(a[0])
          .unroll(a[1]);
    };
    // The first pass keeps v = k1 + 4 k2 <= 8: k2 < 3.
    schedule_stage(f.along_j.stage2, f.out, t.tile_run, 3);
    schedule_stage(f.inverse_u.stage2, f.out, t.tile_run, 4);
    schedule_stage(f.along_i.stage2, f.inverse_u.stage2, t.v, 4);
    f.shrunk.compute_at(f.inverse_u.stage2, t.v)
        .store_in(MemoryType::Stack)
        .reorder_storage(t.tx, t.u, t.v, t.ty, t.p)
        .reorder(t.tx, t.u, t.v)
        .vectorize(t.tx, vector_width, TailStrategy::GuardWithIf);
    schedule_stage(f.inverse_v.stage2, f.out, t.i, 4);
    for (FftPass pass : {f.along_j, f.along_i, f.inverse_u, f.inverse_v})
      schedule_stage(pass.stage1, pass.stage2, pass.stage2.args()[2], 4);
    window.compute_root();
  }

  Func window{"window"};

 private:
  // cos or sin of 2 pi m / 16 as a constant picked by m (0..9 here: n2 k1
  // with both below 4). n2 and k1 are unrolled, so each picks one constant,
  // and the simplifier drops the products with 1 and 0 (a table loaded them
  // all, and its cos(pi / 2) was -4e-8, not 0): 7 of the 16 twiddles are 1,
  // one is -i.
  static Expr twiddle(Expr m, double (*f)(double)) {
    std::vector<Expr> values;
    for (int n = 0; n < kTile; ++n) {
      const double v = f(2 * M_PI * n / kTile);
      values.push_back(Expr(float(std::abs(v) < 1e-12 ? 0.0 : v)));
    }
    return mux(m, values);
  }

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
    if (pass.real_output) return {pass.stage2(args), 0.0f};
    return {pass.stage2(args)[0], pass.stage2(args)[1]};
  }

  FftPass fft16(const std::function<Cx(Expr n)>& in, std::vector<Var> rest, int sign, const std::string& name,
                bool real_output = false) {
    FftPass pass{Func(name + "_stage1"), Func(name + "_stage2"), real_output};
    Var k1{"k1"}, n2{"n2"}, k2{"k2"};
    std::vector<Var> args1 = {k1, n2}, args2 = {k1, k2};
    args1.insert(args1.end(), rest.begin(), rest.end());
    args2.insert(args2.end(), rest.begin(), rest.end());
    // Stage 1: 4-point DFTs over n1 for each n2, then the twiddle W16^(n2 k1).
    std::vector<Cx> a;
    for (int n1 = 0; n1 < 4; ++n1) a.push_back(in(4 * n1 + n2));
    Cx x = pick(k1, dft4(a, sign));
    Expr c = twiddle(n2 * k1, std::cos), s = float(sign) * twiddle(n2 * k1, std::sin);
    pass.stage1(args1) = Tuple(x.re * c - x.im * s, x.re * s + x.im * c);
    // Stage 2: 4-point DFTs over n2 for each k1.
    std::vector<Cx> b;
    for (int m = 0; m < 4; ++m) {
      std::vector<Expr> at = {k1, m};
      at.insert(at.end(), rest.begin(), rest.end());
      b.push_back({pass.stage1(at)[0], pass.stage1(at)[1]});
    }
    Cx y = pick(k2, dft4(b, sign));
    if (real_output) {
      pass.stage2(args2) = y.re;
    } else {
      pass.stage2(args2) = Tuple(y.re, y.im);
    }
    return pass;
  }
};

// Is mosaic pixel (x, y) part of a complete 2x2 CFA tile (so of a plane)?
inline Expr in_planes(Expr plane_width, Expr plane_height, Expr x, Expr y) {
  return x < 2 * plane_width && y < 2 * plane_height;
}

// CFA planes (px, py, p) at mosaic pixel (x, y): a mosaic row alternates
// between two planes.
inline Expr mosaic_from_planes(Func planes, Expr x, Expr y) {
  Expr row_planes = 2 * (y % 2);
  return select(x % 2 == 0, planes(x / 2, y / 2, row_planes), planes(x / 2, y / 2, row_planes + 1));
}

// A mosaic output read from planes by mosaic_from_planes(), in parallel
// strips of `rows` (the planes computed per strip: TileDft::schedule at
// `yo`). It starts at (0, 0), so strips start on a row of blocks (`rows`
// is a multiple of 16); on an even width, columns are taken in pairs, so
// each plane is read with dense loads and the pair stored as one
// interleaved vector (on an odd width, a load per lane).
template <typename Output>
void schedule_mosaic_output(Output& out, Var x, Var y, Var yo, Var yi, int rows, int vector_width) {
  Var xo{"xo"}, xi{"xi"};
  out.dim(0).set_min(0);
  out.dim(1).set_min(0);
  out.split(y, yo, yi, rows, TailStrategy::GuardWithIf).parallel(yo);
  out.specialize(out.dim(0).extent() % 2 == 0)
      .split(x, xo, xi, 2, TailStrategy::RoundUp)
      .unroll(xi)
      .vectorize(xo, vector_width, TailStrategy::GuardWithIf);
  out.vectorize(x, vector_width, TailStrategy::GuardWithIf);
}

}  // namespace nb::merge
