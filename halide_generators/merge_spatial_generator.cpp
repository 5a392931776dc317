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
    Expr x0 = tx * kStride - kStride, y0 = ty * kStride - kStride;
    tile(i, j, tx, ty, p) = merged(x0 + i, y0 + j, p);
    Expr sigma2 = tile_noise_variance(tile, tile_sum, noise_scale, noise_offset, t);
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
    schedule_tile_sum(tile_sum, residual, t, vw);
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
  Func tile{"tile"}, tile_sum, residual{"residual"}, run_rows{"run_rows"}, windowed{"windowed"};
  TilesFromRows tiles;
};

}  // namespace

HALIDE_REGISTER_GENERATOR(MergeSpatialGenerator, nb_merge_spatial)
