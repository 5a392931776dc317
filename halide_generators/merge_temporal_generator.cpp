// nb_merge_temporal: one alternate frame's correction to the reference in
// the HDR+ merge (see src/stages/merge_wiener.h). Per tile of each CFA
// plane, the aligned alternate (Catmull-Rom at the tile's displacement) is
// subtracted from the reference; the robustness weight comes from the
// 3x3-mean of that difference; the DFT of the windowed difference is shrunk
// by share * weight * (1 - A), inverse DFT, overlap-add, and added to (or
// taken from) the sum of the earlier frames' corrections. The weights are
// also written to the caller's buffer (`weight_sink`), so the caller sees
// them, and whether the frame is rejected, after one pass over the frame:
// they were a pass of their own, which resampled the alternate a second time.
#include "Halide.h"
#include "merge_tiles.h"
#include "target_class.h"

namespace {

using namespace Halide;
using namespace nb::merge;

// The alternate aligned to the reference, tile by tile: the integer shift
// and Catmull-Rom weights of each tile's displacement, and the difference
// reference minus aligned alternate.
class AlignedDifference {
 public:
  // Planes (x, y, p) as the generators' inputs describe them;
  // `displacement` (alignment tiles, {dx, dy}) is tiles_x by tiles_y.
  AlignedDifference(Func reference, Func alternate, Func displacement, Expr tiles_x, Expr tiles_y, Expr max_shift,
                    const TileVars& t)
      : reference_(reference), alternate_(alternate) {
    // The alternate at the displacement of the nearest alignment tile (merge
    // tile tx is centred where alignment tile tx - 1 is): its integer part
    // and the Catmull-Rom weights of its fraction, once per tile (the same
    // for all four CFA planes) rather than in every vector of the resampling.
    Expr atx = clamp(t.tx - 1, 0, tiles_x - 1), aty = clamp(t.ty - 1, 0, tiles_y - 1);
    Expr dx = displacement(atx, aty, 0), dy = displacement(atx, aty, 1);
    auto catmull_rom = [](Expr s) {
      Expr s2 = s * s, s3 = s2 * s;
      return std::vector<Expr>{0.5f * (-s3 + 2 * s2 - s), 0.5f * (3 * s3 - 5 * s2 + 2), 0.5f * (-3 * s3 + 4 * s2 + s),
                               0.5f * (s3 - s2)};
    };
    std::vector<Expr> shift_values = {clamp(cast<int>(floor(dx)), -max_shift, max_shift),
                                      clamp(cast<int>(floor(dy)), -max_shift, max_shift)};
    for (const Expr& w : catmull_rom(dx - floor(dx))) shift_values.push_back(w);
    for (const Expr& w : catmull_rom(dy - floor(dy))) shift_values.push_back(w);
    shift(t.tx, t.ty) = Tuple(shift_values);
  }

  // reference minus the aligned alternate, in tile `tile`'s column `column`,
  // row j (args[1]), tile row ty and plane p (args[3], args[4]). Separable:
  // rows first (tile row j - 1 .. j + 2 of the source), then down the
  // columns; the same order of sums as the reference implementation.
  void build(Func& rows, Func& diff, const std::vector<Var>& args, Expr column, Expr tile) {
    const Var &j = args[1], &ty = args[3], &p = args[4];
    rows = Func("aligned_rows");
    diff = Func("difference");
    Expr x0 = tile * kStride - kStride, y0 = ty * kStride - kStride;
    Expr ix = shift(tile, ty)[0], iy = shift(tile, ty)[1];
    Expr row = 0.0f;
    for (int n = 0; n < 4; ++n) row += shift(tile, ty)[2 + n] * alternate_(x0 + column + ix - 1 + n, y0 + j + iy, p);
    rows(args) = row;
    Expr sum = 0.0f;
    for (int m = 0; m < 4; ++m) {
      std::vector<Expr> at(args.begin(), args.end());
      at[1] = j - 1 + m;
      sum += shift(tile, ty)[6 + m] * rows(at);
    }
    // A clipped sample of a bracket's longer frame took part: nothing to give.
    diff(args) = select(abs(sum) > kClippedThreshold, 0.0f, reference_(x0 + column, y0 + j, p) - sum);
  }

  Func shift{"shift"};

 private:
  Func reference_, alternate_;
};

// The inputs the aligned difference reads (the generator's first members:
// Halide finds its inputs by their place inside the generator object, in
// this order).
struct AlignedDifferenceInputs {
  // CFA planes (x, y, p) of the normalised mosaics, padded (see
  // merge_tiles.h): the reference by 32, the alternate by max_shift + 32.
  GeneratorInput<Buffer<float, 3>> reference{"reference"};
  GeneratorInput<Buffer<float, 3>> alternate{"alternate"};
  GeneratorInput<int> max_shift{"max_shift"};  // bound on |displacement|, integer part
  GeneratorInput<Buffer<float, 3>> displacement{"displacement"};  // alignment tiles (16 at stride 8), {dx, dy}
  // (tx, ty, p): the noise variance at each reference tile's mean level,
  // the same for every frame of a burst (reference_tile_variance()).
  GeneratorInput<Buffer<float, 3>> tile_variance{"tile_variance"};

  AlignedDifference aligned(const TileVars& t) {
    return AlignedDifference(reference, alternate, displacement, displacement.dim(0).extent(),
                             displacement.dim(1).extent(), max_shift, t);
  }
  // A 12 MP frame's.
  void set_estimates() {
    reference.set_estimates({{-32, 2064}, {-32, 1564}, {0, 4}});
    alternate.set_estimates({{-64, 2128}, {-64, 1628}, {0, 4}});
    max_shift.set_estimate(32);
    displacement.set_estimates({{0, 249}, {0, 186}, {0, 2}});
    tile_variance.set_estimates({{0, 251}, {0, 188}, {0, 4}});
  }
};

class MergeTemporalGenerator : public Generator<MergeTemporalGenerator> {
 public:
  AlignedDifferenceInputs in;
  Input<int> plane_width{"plane_width"};
  Input<int> plane_height{"plane_height"};
  // (tx, ty, p): the alternate's share of the merge against the reference's
  // (1 in an equal-exposure burst; in a bracket, the ratio of the two
  // frames' noise variances, 0 where the alternate is clipped).
  Input<Buffer<float, 3>> share{"share"};
  Input<float> robustness_low{"robustness_low"};
  Input<float> robustness_high{"robustness_high"};
  Input<float> temporal_factor{"temporal_factor"};
  // Where the tiles' robustness weights (tx, ty, p) are written: a
  // halide_buffer_t of floats the size of the tile grid (see
  // nb_merge_record_weight in src/stages/merge_wiener.cpp).
  Input<void*> weight_sink{"weight_sink"};
  // The corrections of the frames merged so far: this frame's is added (sign
  // +1), so the merge keeps one running sum without a pass of its own, or
  // taken back out (-1: the frame turned out to be rejected). Each output
  // pixel reads only its own pixel of this, so it may be the output's
  // buffer (the sum updated in place).
  Input<float> correction_sign{"correction_sign"};
  Input<Buffer<float, 2>> correction_before{"correction_before"};
  Output<Buffer<float, 2>> correction{"correction"};  // mosaic geometry

  void generate() {
    const Var &tx = t.tx, &ty = t.ty, &p = t.p;
    aligned = std::make_unique<AlignedDifference>(in.aligned(t));
    // The difference in the run layout (k, j, run, ty, p), then transposed
    // to tiles across lanes for the DFT.
    aligned->build(aligned_rows, difference, {t.k, t.j, t.run, ty, p}, run_column(t), run_tile(t));

    // The run's tiles across lanes, for the weights and the DFT.
    tiles = tiles_from_rows(difference, "difference");

    // Per tile of a run, its robustness weight: mean square of the 3x3-mean
    // of the difference over the tile's interior, against its value for
    // noise alone (2 sigma^2 / 9). Summed down the interior's columns, then
    // across them (the reference's order). Runs are whole, so the last
    // reaches past the tile grid: those tiles read the grid's last noise and
    // share (their output falls outside the planes), and their weights are
    // not recorded.
    const Var& i = t.i;
    Expr tiles_x = share.dim(0).extent(), tiles_y = share.dim(1).extent();
    Expr grid_tx = clamp(tx, 0, tiles_x - 1), grid_ty = clamp(ty, 0, tiles_y - 1);
    RDom down(1, kTile - 2, "down"), across(1, kTile - 2, "across");
    Expr box = 0.0f;
    for (int b = -1; b <= 1; ++b)
      for (int a = -1; a <= 1; ++a) box += tiles(i + a, down + b, tx, ty, p);
    box = box / 9.0f;
    column_energy(i, tx, ty, p) = 0.0f;
    column_energy(i, tx, ty, p) += box * box;
    filtered_energy(tx, ty, p) = 0.0f;
    filtered_energy(tx, ty, p) += column_energy(across, tx, ty, p);
    Expr ratio = filtered_energy(tx, ty, p) / float((kTile - 2) * (kTile - 2)) /
                 (2.0f * in.tile_variance(grid_tx, grid_ty, p) / 9.0f);
    Expr weight = clamp((robustness_high - ratio) / (robustness_high - robustness_low), 0.0f, 1.0f);
    // The extern call writes the weight to the sink (tiles outside the grid
    // are skipped there) and returns it.
    tile_weight(tx, ty, p) = Internal::Call::make(Float(32), "nb_merge_record_weight",
                                                  {weight_sink, tx, ty, p, weight}, Internal::Call::Extern);
    // With it, the Wiener constant c sigma^2 (the window's energy included).
    const float energy = float(window_energy());
    tile_gain(tx, ty, p) = Tuple(tile_weight(tx, ty, p) * share(grid_tx, grid_ty, p),
                                 temporal_factor * in.tile_variance(grid_tx, grid_ty, p) * energy);

    windowed(t.i, t.j, tx, ty, p) = dft.window(t.j) * dft.window(t.i) * tiles(t.i, t.j, tx, ty, p);
    dft_funcs = dft.filter(
        windowed,
        [&](Expr re, Expr im) {
          Expr d2 = re * re + im * im;
          // 1 - A, A = |D|^2 / (|D|^2 + c sigma^2): where the frames differ by
          // more than noise explains, keep the reference.
          return tile_gain(tx, ty, p)[0] * (1.0f - d2 / (d2 + tile_gain(tx, ty, p)[1]));
        },
        t, "dft");
    correction(x, y) =
        correction_before(x, y) +
        correction_sign * select(in_planes(plane_width, plane_height, x, y), mosaic_from_planes(dft_funcs.planes, x, y), 0.0f);

    in.set_estimates();
    plane_width.set_estimate(2000);
    plane_height.set_estimate(1500);
    share.set_estimates({{0, 251}, {0, 188}, {0, 4}});
    robustness_low.set_estimate(2.0f);
    robustness_high.set_estimate(6.0f);
    temporal_factor.set_estimate(16.0f);
    weight_sink.set_estimate(nullptr);
    correction_sign.set_estimate(1.0f);
    correction_before.set_estimates({{0, 4000}, {0, 3000}});
    correction.set_estimates({{0, 4000}, {0, 3000}});
  }

  void schedule() {
    if (get_auto_schedule()) return;
    const int vw = natural_vector_size<float>();
    // Per-tile shifts for every tile first (small), then the mosaic in
    // strips (128 rows on a desktop: each computes the 9 rows of tiles it
    // overlaps; 64 on a phone).
    aligned->shift.compute_root().parallel(ty).vectorize(tx, vw, TailStrategy::GuardWithIf);
    schedule_mosaic_output(correction, x, y, yo, yi, nb::schedule_class(get_target()).mosaic_rows, vw);
    dft.schedule(dft_funcs, t, correction, yo, vw);
    // A run's tile rows side by side (vectors along a tile row), then
    // transposed for the DFT stages. (In the correction pass, whose runs
    // read 16 tiles' rows at once, prefetching the reference gained nothing.)
    Func run = dft_funcs.out;
    Var column{"column"}, tile{"tile"};
    const int row_vw = std::min(vw, kTile);
    difference.compute_at(run, t.tile_run)
        .store_in(MemoryType::Stack)
        .bound(t.k, 0, kTile * kTileRun)
        .bound(t.j, 0, kTile)
        .split(t.k, tile, column, kTile)
        .reorder(column, t.j, tile)
        .vectorize(column, row_vw);
    aligned_rows.compute_at(difference, tile).store_in(MemoryType::Stack).vectorize(t.k, row_vw);
    schedule_transpose(tiles.transpose, kTile * kTileRun, run, t.tile_run, vw);
    tile_gain.compute_at(run, t.tile_run).store_in(MemoryType::Stack).vectorize(tx, vw);
    // The weights for the run's tiles at once, vectorised across them from
    // the transposed difference (dense loads). Along a tile's rows the
    // interior is 14 wide, and each 14-lane load was three loads and two
    // inserts. The extern call that records a weight is made per tile.
    tile_weight.compute_at(run, t.tile_run).store_in(MemoryType::Stack);
    filtered_energy.compute_at(run, t.tile_run).store_in(MemoryType::Stack).vectorize(tx, vw);
    filtered_energy.update().reorder(tx, RVar("across$x")).vectorize(tx, vw);
    column_energy.compute_at(run, t.tile_run)
        .store_in(MemoryType::Stack)
        .bound(t.i, 1, kTile - 2)
        .reorder_storage(tx, t.i)
        .reorder(tx, t.i)
        .vectorize(tx, vw);
    column_energy.update().reorder(tx, RVar("down$x"), t.i).vectorize(tx, vw);
  }

 private:
  TileVars t;
  Var x{"x"}, y{"y"}, yo{"yo"}, yi{"yi"};
  Var &tx = t.tx, &ty = t.ty;
  std::unique_ptr<AlignedDifference> aligned;
  TileDft dft;
  DftFuncs dft_funcs;
  Func tile_gain{"tile_gain"}, windowed{"windowed"};
  Func column_energy{"column_energy"}, filtered_energy{"filtered_energy"}, tile_weight{"tile_weight"};
  Func aligned_rows, difference;
  TilesFromRows tiles;
};

}  // namespace

HALIDE_REGISTER_GENERATOR(MergeTemporalGenerator, nb_merge_temporal)
