// nb_merge_spatial: the spatial Wiener step of the HDR+ merge (IPOL analysis,
// sec. 3.3): per tile of each CFA plane of the merged mosaic, the DFT of the
// windowed tile shrunk by |T|^2 / (|T|^2 + s sigma^2 / frames averaged),
// all but its DC term, inverse DFT, overlap-add.
#include "Halide.h"
#include "merge_tiles.h"
#include "target_class.h"

namespace {

using namespace Halide;
using namespace nb::merge;

// A tile's sum from the sums of the four 8x8 blocks it is made of: tiles
// overlap by half, so each block is a quarter of four tiles, and summing
// the blocks once reads the planes once, where summing each tile read them
// four times, a tile's columns with a stride of 8 between the vector's lanes
// (14% of the spatial pass). Block (bx, by, p) starts at (8 bx - 8, 8 by - 8),
// as tile (bx, by, p) does: that tile is blocks (bx, by) to (bx + 1, by + 1).
// Each block sums its rows' columns first (dense vectors along the row).
struct TileSums {
  Func block_columns{"block_columns"}, blocks{"blocks"};
  RDom row{0, kStride, "block_row"}, column{0, kStride, "block_column"};
};

// Noise variance at the mean level of the tile (tx, ty, p) of `planes`,
// from the NoiseProfile (scale, offset per CFA position), floored so a
// noiseless tile never divides by zero.
template <typename Profile>
Expr tile_noise_variance(Func planes, TileSums& sums, Profile& scale, Profile& offset, const TileVars& t) {
  static_assert(kTile == 2 * kStride, "a tile is 2x2 blocks");
  sums.block_columns(t.px, t.ty, t.p) = 0.0f;
  sums.block_columns(t.px, t.ty, t.p) += planes(t.px, t.ty * kStride - kStride + sums.row, t.p);
  sums.blocks(t.tx, t.ty, t.p) = 0.0f;
  sums.blocks(t.tx, t.ty, t.p) += sums.block_columns(t.tx * kStride - kStride + sums.column, t.ty, t.p);
  const Func& b = sums.blocks;
  Expr sum = (b(t.tx, t.ty, t.p) + b(t.tx + 1, t.ty, t.p)) + (b(t.tx, t.ty + 1, t.p) + b(t.tx + 1, t.ty + 1, t.p));
  Expr mean = sum * (1.0f / (kTile * kTile));
  return max(scale(t.p) * max(mean, 0.0f) + offset(t.p), kMinVariance);
}

// Schedules tile_noise_variance()'s sums inside `at`'s loop over ty (`at`
// iterating ty serially): each row of blocks once, kept for the next ty.
inline void schedule_tile_sums(const TileSums& sums, Func at, const TileVars& t, int vector_width) {
  Func blocks = sums.blocks, block_columns = sums.block_columns;
  blocks.store_at(at, t.p).compute_at(at, t.ty).vectorize(t.tx, vector_width, TailStrategy::GuardWithIf);
  blocks.update()
      .reorder(t.tx, sums.column.x)
      .vectorize(t.tx, vector_width, TailStrategy::GuardWithIf);
  block_columns.compute_at(blocks, t.ty).vectorize(t.px, vector_width, TailStrategy::GuardWithIf);
  block_columns.update()
      .reorder(t.px, sums.row.x)
      .vectorize(t.px, vector_width, TailStrategy::GuardWithIf);
}

class MergeSpatialGenerator : public Generator<MergeSpatialGenerator> {
 public:
  Input<Buffer<float, 3>> merged{"merged"};  // CFA planes (x, y, p), padded by 32 (see merge_tiles.h)
  Input<Buffer<float, 2>> merged_mosaic{"merged_mosaic"};  // the same, as the mosaic
  Input<Buffer<float, 3>> effective_frames{"effective_frames"};  // (tx, ty, p)
  Input<Buffer<float, 1>> noise_scale{"noise_scale"};
  Input<Buffer<float, 1>> noise_offset{"noise_offset"};
  Input<float> spatial_factor{"spatial_factor"};
  Output<Buffer<float, 2>> denoised{"denoised"};

  void generate() {
    const Var &i = t.i, &j = t.j, &tx = t.tx, &ty = t.ty, &p = t.p;
    Expr y0 = ty * kStride - kStride;
    Expr sigma2 = tile_noise_variance(merged, tile_sums, noise_scale, noise_offset, t);
    // Noise left after merging: one frame's, divided by the frames averaged.
    // The filtered runs of tiles are whole, so the last reaches past the
    // tile grid: those tiles read the grid's last (their output falls
    // outside the planes).
    Expr grid_tx = clamp(tx, 0, effective_frames.dim(0).extent() - 1),
         grid_ty = clamp(ty, 0, effective_frames.dim(1).extent() - 1);
    residual(tx, ty, p) = spatial_factor * sigma2 * float(window_energy()) / effective_frames(grid_tx, grid_ty, p);

    // The tiles' rows in the run layout, transposed for the DFT stages.
    run_rows(t.k, j, t.run, ty, p) = merged(run_tile(t) * kStride - kStride + run_column(t), y0 + j, p);
    tiles = tiles_from_rows(run_rows, "tile_rows");
    windowed(i, j, tx, ty, p) = dft.window(j) * dft.window(i) * tiles(i, j, tx, ty, p);
    dft_funcs = dft.filter(
        windowed,
        [&](Expr re, Expr im) {
          // The DC term (the tile's windowed mean) is kept, as in the reference.
          Expr t2 = re * re + im * im;
          return select(t.u == 0 && t.v == 0, 1.0f, t2 / (t2 + residual(tx, ty, p)));
        },
        t, "dft");
    Expr plane_width = merged_mosaic.width() / 2, plane_height = merged_mosaic.height() / 2;
    denoised(x, y) = select(in_planes(plane_width, plane_height, x, y), mosaic_from_planes(dft_funcs.planes, x, y),
                            merged_mosaic(x, y));

    merged.set_estimates({{-32, 2064}, {-32, 1564}, {0, 4}});
    merged_mosaic.set_estimates({{0, 4000}, {0, 3000}});
    effective_frames.set_estimates({{0, 251}, {0, 188}, {0, 4}});
    noise_scale.set_estimates({{0, 4}});
    noise_offset.set_estimates({{0, 4}});
    spatial_factor.set_estimate(1.5f);
    denoised.set_estimates({{0, 4000}, {0, 3000}});
  }

  void schedule() {
    if (get_auto_schedule()) return;
    const int vw = natural_vector_size<float>();
    residual.compute_root().reorder(tx, ty, p).parallel(p).vectorize(tx, vw, TailStrategy::GuardWithIf);
    schedule_tile_sums(tile_sums, residual, t, vw);
    schedule_mosaic_output(denoised, x, y, yo, yi, nb::schedule_class(get_target()).mosaic_rows, vw);
    dft.schedule(dft_funcs, t, denoised, yo, vw);
    // A run's tile rows, read along the rows (plain vector loads), then
    // transposed for the DFT stages, which are vectorised across tiles.
    run_rows.compute_at(dft_funcs.out, t.tile_run)
        .store_in(MemoryType::Stack)
        .bound(t.k, 0, kTile * kTileRun)
        .bound(j, 0, kTile)
        .reorder(t.k, j)
        .vectorize(t.k, std::min(vw, kTile));
    schedule_transpose(tiles.transpose, kTile * kTileRun, dft_funcs.out, t.tile_run, vw);
  }

 private:
  TileVars t;
  Var x{"x"}, y{"y"}, yo{"yo"}, yi{"yi"};
  Var &i = t.i, &j = t.j, &tx = t.tx, &ty = t.ty, &p = t.p;
  TileDft dft;
  DftFuncs dft_funcs;
  TileSums tile_sums;
  Func residual{"residual"}, run_rows{"run_rows"}, windowed{"windowed"};
  TilesFromRows tiles;
};

}  // namespace

HALIDE_REGISTER_GENERATOR(MergeSpatialGenerator, nb_merge_spatial)
