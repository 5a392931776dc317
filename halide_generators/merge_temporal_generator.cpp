// nb_merge_temporal: one alternate frame's correction to the reference in
// the HDR+ merge (see src/stages/merge_wiener.h): per tile of each CFA plane,
// the aligned alternate (Catmull-Rom at the tile's displacement), the
// robustness weight from the 3x3-mean of the difference, the DFT of the
// windowed difference shrunk by share * weight * (1 - A), inverse DFT, overlap-add,
// added to the sum of the earlier frames' corrections.
#include "Halide.h"
#include "merge_tiles.h"
#include "target_class.h"

namespace {

using namespace Halide;
using namespace nb::merge;

class MergeTemporalGenerator : public Generator<MergeTemporalGenerator> {
 public:
  // CFA planes (x, y, p) of the normalised mosaics, padded (see merge_tiles.h):
  // the reference by 32, the alternate by max_shift + 32.
  Input<Buffer<float, 3>> reference{"reference"};
  Input<Buffer<float, 3>> alternate{"alternate"};
  Input<int> plane_width{"plane_width"};
  Input<int> plane_height{"plane_height"};
  Input<int> max_shift{"max_shift"};  // bound on |displacement|, integer part
  Input<Buffer<float, 3>> displacement{"displacement"};  // alignment tiles (16 at stride 8), {dx, dy}
  // (tx, ty, p): the noise variance at each reference tile's mean level,
  // the same for every frame of a burst (reference_tile_variance()).
  Input<Buffer<float, 3>> tile_variance{"tile_variance"};
  // (tx, ty, p): the alternate's share of the merge against the reference's
  // (1 in an equal-exposure burst; in a bracket, the ratio of the two
  // frames' noise variances, 0 where the alternate is clipped).
  Input<Buffer<float, 3>> share{"share"};
  Input<float> temporal_factor{"temporal_factor"};
  Input<float> robustness_low{"robustness_low"};
  Input<float> robustness_high{"robustness_high"};
  // The corrections of the frames merged so far: this frame's is added, so
  // the merge keeps one running sum without a pass of its own.
  Input<Buffer<float, 2>> correction_before{"correction_before"};
  Output<Buffer<float, 2>> correction{"correction"};  // mosaic geometry
  Output<Buffer<float, 3>> weight{"weight"};          // (tx, ty, p)

  void generate() {
    const Var &i = t.i, &j = t.j, &tx = t.tx, &ty = t.ty, &p = t.p;
    Expr y0 = ty * kStride - kStride;

    sigma2(tx, ty, p) = tile_variance(tx, ty, p);

    // The alternate at the displacement of the nearest alignment tile (merge
    // tile tx is centred where alignment tile tx - 1 is): its integer part
    // and the Catmull-Rom weights of its fraction, once per tile (the same
    // for all four CFA planes) rather than in every vector of the resampling.
    Expr atx = clamp(tx - 1, 0, displacement.dim(0).extent() - 1);
    Expr aty = clamp(ty - 1, 0, displacement.dim(1).extent() - 1);
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
    shift(tx, ty) = Tuple(shift_values);
    // reference minus the aligned alternate, in tile tx's column i, row j.
    // Separable: rows first (tile row j - 1 .. j + 2 of the source), then
    // down the columns; the same order of sums as the reference. Built twice:
    // for the weight, indexed by tile (i, j, tx, ty, p); for the correction,
    // in the run layout (k, j, run, ty, p) that is then transposed.
    auto build_difference = [&](Func& rows, Func& diff, const std::vector<Var>& args, Expr column, Expr tile,
                                const std::string& suffix) {
      rows = Func("aligned_rows" + suffix);
      diff = Func("difference" + suffix);
      Expr x0 = tile * kStride - kStride;
      Expr ix = shift(tile, ty)[0], iy = shift(tile, ty)[1];
      Expr row = 0.0f;
      for (int n = 0; n < 4; ++n) row += shift(tile, ty)[2 + n] * alternate(x0 + column + ix - 1 + n, y0 + j + iy, p);
      rows(args) = row;
      Expr sum = 0.0f;
      for (int m = 0; m < 4; ++m) {
        std::vector<Expr> at(args.begin(), args.end());
        at[1] = j - 1 + m;
        sum += shift(tile, ty)[6 + m] * rows(at);
      }
      // A clipped sample of a bracket's longer frame took part: nothing to give.
      diff(args) = select(abs(sum) > kClippedThreshold, 0.0f, reference(x0 + column, y0 + j, p) - sum);
    };
    build_difference(aligned_rows, difference, {t.k, j, t.run, ty, p}, run_column(t), run_tile(t), "");
    build_difference(aligned_rows_for_weight, difference_for_weight, {i, j, tx, ty, p}, i, tx, "_for_weight");

    // Robustness: mean square of the 3x3-mean of the difference over the
    // interior, against its value for noise alone (2 sigma^2 / 9). Summed
    // down the interior's columns, then across them.
    RDom down(1, kTile - 2, "down"), across(1, kTile - 2, "across");
    Expr box = 0.0f;
    for (int b = -1; b <= 1; ++b)
      for (int a = -1; a <= 1; ++a) box += difference_for_weight(i + a, down + b, tx, ty, p);
    box = box / 9.0f;
    column_energy(i, tx, ty, p) = 0.0f;
    column_energy(i, tx, ty, p) += box * box;
    filtered_energy(tx, ty, p) = 0.0f;
    filtered_energy(tx, ty, p) += column_energy(across, tx, ty, p);
    Expr ratio = filtered_energy(tx, ty, p) / float((kTile - 2) * (kTile - 2)) / (2.0f * sigma2(tx, ty, p) / 9.0f);
    weight(tx, ty, p) = clamp((robustness_high - ratio) / (robustness_high - robustness_low), 0.0f, 1.0f);

    // Per tile of a run, its weight and the Wiener constant c sigma^2 (the
    // window's energy included). Runs are whole, so the last reaches past
    // the tile grid: those tiles read the grid's last (their output falls
    // outside the planes).
    const float energy = float(window_energy());
    Expr grid_tx = clamp(tx, 0, weight.dim(0).extent() - 1), grid_ty = clamp(ty, 0, weight.dim(1).extent() - 1);
    tile_gain(tx, ty, p) =
        Tuple(weight(grid_tx, grid_ty, p) * share(grid_tx, grid_ty, p),
              temporal_factor * sigma2(grid_tx, grid_ty, p) * energy);

    tiles = tiles_from_rows(difference, "difference");
    windowed(i, j, tx, ty, p) = dft.window(j) * dft.window(i) * tiles(i, j, tx, ty, p);
    dft_funcs = dft.filter(
        windowed,
        [&](Expr re, Expr im) {
          Expr d2 = re * re + im * im;
          // 1 - A, A = |D|^2 / (|D|^2 + c sigma^2): where the frames differ by
          // more than noise explains, keep the reference.
          return tile_gain(tx, ty, p)[0] * (1.0f - d2 / (d2 + tile_gain(tx, ty, p)[1]));
        },
        t, "dft");
    correction(x, y) = correction_before(x, y) + select(in_planes(plane_width, plane_height, x, y),
                                                        mosaic_from_planes(dft_funcs.planes, x, y), 0.0f);

    reference.set_estimates({{-32, 2064}, {-32, 1564}, {0, 4}});
    alternate.set_estimates({{-64, 2128}, {-64, 1628}, {0, 4}});
    plane_width.set_estimate(2000);
    plane_height.set_estimate(1500);
    max_shift.set_estimate(32);
    displacement.set_estimates({{0, 249}, {0, 186}, {0, 2}});
    tile_variance.set_estimates({{0, 251}, {0, 188}, {0, 4}});
    share.set_estimates({{0, 251}, {0, 188}, {0, 4}});
    temporal_factor.set_estimate(16.0f);
    robustness_low.set_estimate(2.0f);
    robustness_high.set_estimate(6.0f);
    correction_before.set_estimates({{0, 4000}, {0, 3000}});
    correction.set_estimates({{0, 4000}, {0, 3000}});
    weight.set_estimates({{0, 251}, {0, 188}, {0, 4}});
  }

  void schedule() {
    if (get_auto_schedule()) return;
    const int vw = natural_vector_size<float>();
    // Per-tile statistics for every tile first (small), then the mosaic in
    // strips (128 rows on a desktop: each computes the 9 rows of tiles it
    // overlaps; 64 on a phone).
    shift.compute_root().parallel(ty).vectorize(tx, vw, TailStrategy::GuardWithIf);
    // The weight one tile at a time, its pixel work vectorised along the
    // tile's rows: no stage is vectorised across tiles, so nothing is
    // transposed. Its 16 rows of the reference are prefetched two tiles
    // ahead: the pass waited on those loads (a fifth of its samples on the
    // subtraction after them), each row a short stream of its own that the
    // hardware prefetcher does not follow. (The alternate's rows depend on
    // the tile's shift, which bounds inference can only bound by max_shift:
    // no prefetch for them. In the correction pass, whose runs read 16
    // tiles' rows at once, prefetching the reference gained nothing.) A
    // task is 8 consecutive rows of tiles, so the rows a tile row shares
    // with the next are still in its core's L2.
    Var ty_chunk{"ty_chunk"};
    weight.compute_root()
        .reorder(tx, ty, p)
        .split(ty, ty_chunk, ty, 8, TailStrategy::GuardWithIf)
        .parallel(ty_chunk)
        .prefetch(reference, tx, tx, 2);
    filtered_energy.compute_at(weight, tx);
    column_energy.compute_at(weight, tx).bound(i, 1, kTile - 2).vectorize(i);
    column_energy.update().reorder(i, RVar("down$x")).vectorize(i);
    // Tiles are resampled along their rows (vectors across i: each tile has
    // its own integer shift, so across tiles would be gathers).
    const int row_vw = std::min(vw, kTile);
    difference_for_weight.compute_at(weight, tx).bound_extent(i, kTile).vectorize(i, row_vw);
    aligned_rows_for_weight.compute_at(weight, tx).vectorize(i, row_vw);
    schedule_mosaic_output(correction, x, y, yo, yi, nb::schedule_class(get_target()).mosaic_rows, vw);
    dft.schedule(dft_funcs, t, correction, yo, vw);
    // A run's tile rows side by side (vectors along a tile row), then
    // transposed for the DFT stages.
    Func run = dft_funcs.out;
    Var column{"column"}, tile{"tile"};
    difference.compute_at(run, t.tile_run)
        .store_in(MemoryType::Stack)
        .bound(t.k, 0, kTile * kTileRun)
        .bound(j, 0, kTile)
        .split(t.k, tile, column, kTile)
        .reorder(column, j, tile)
        .vectorize(column, row_vw);
    aligned_rows.compute_at(difference, tile).store_in(MemoryType::Stack).vectorize(t.k, row_vw);
    schedule_transpose(tiles.transpose, kTile * kTileRun, run, t.tile_run, vw);
    tile_gain.compute_at(run, t.tile_run).store_in(MemoryType::Stack).vectorize(tx, vw);
  }

 private:
  TileVars t;
  Var x{"x"}, y{"y"}, yo{"yo"}, yi{"yi"};
  Var &i = t.i, &j = t.j, &tx = t.tx, &ty = t.ty, &p = t.p;
  TileDft dft;
  DftFuncs dft_funcs;
  Func shift{"shift"}, sigma2{"sigma2"}, column_energy{"column_energy"}, filtered_energy{"filtered_energy"},
      tile_gain{"tile_gain"}, windowed{"windowed"};
  Func aligned_rows, difference, aligned_rows_for_weight, difference_for_weight;
  TilesFromRows tiles;
};

}  // namespace

HALIDE_REGISTER_GENERATOR(MergeTemporalGenerator, nb_merge_temporal)
