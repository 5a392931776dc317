// nb_merge_planes: a mosaic to the padded CFA planes the merge generators read
// (see merge_tiles.h): plane p of pixel (x, y) is mosaic sample
// (2x + p % 2, 2y + p / 2), black-subtracted and scaled per CFA position, with
// the edge repeated beyond the plane for as far as the output buffer reaches.
// Built for uint16 (a raw frame straight from the sensor) and for float (the
// merged mosaic before the spatial step). It replaced two single-threaded
// C++ loops that, with their fresh buffers, took a third of the merge.
#include "Halide.h"
#include "target_class.h"

namespace {

using namespace Halide;

class MergePlanesGenerator : public Generator<MergePlanesGenerator> {
 public:
  Input<Buffer<void, 2>> mosaic{"mosaic"};    // type from the build: uint16 or float
  Input<Buffer<float, 1>> black{"black"};     // per CFA position
  Input<Buffer<float, 1>> scale{"scale"};     // per CFA position: 1 / (white - black)
  Output<Buffer<float, 3>> planes{"planes"};  // (x, y, p), any window around the plane

  void generate() {
    Expr plane_width = mosaic.dim(0).extent() / 2, plane_height = mosaic.dim(1).extent() / 2;
    // likely(): the loops are partitioned into the clamped edges and an
    // interior without clamps, where a row is dense loads and a shuffle
    // instead of a gather.
    Expr sx = 2 * clamp(likely(x), 0, plane_width - 1) + p % 2;
    Expr sy = 2 * clamp(likely(y), 0, plane_height - 1) + p / 2;
    // The same arithmetic as normalised_mosaic(): (v - black) * scale.
    planes(x, y, p) = (cast<float>(mosaic(sx, sy)) - black(p)) * scale(p);

    mosaic.set_estimates({{0, 4000}, {0, 3000}});
    black.set_estimates({{0, 4}});
    scale.set_estimates({{0, 4}});
    planes.set_estimates({{-64, 2128}, {-64, 1628}, {0, 4}});
  }

  void schedule() {
    if (get_auto_schedule()) return;
    const int vw = natural_vector_size<float>();
    // Strips of rows across the cores, each strip's four planes together:
    // planes 0 and 1 read the same mosaic rows (2 and 3 the next), so the
    // second finds them in cache. (One plane per strip read the mosaic from
    // memory twice.)
    planes.bound(p, 0, 4)
        .split(y, yo, yi, nb::schedule_class(get_target()).image_rows, TailStrategy::GuardWithIf)
        .reorder(x, yi, p, yo)
        .parallel(yo)
        .vectorize(x, vw, TailStrategy::GuardWithIf);
  }

 private:
  Var x{"x"}, y{"y"}, p{"p"}, yo{"yo"}, yi{"yi"}, strip{"strip"};
};

}  // namespace

HALIDE_REGISTER_GENERATOR(MergePlanesGenerator, nb_merge_planes)
