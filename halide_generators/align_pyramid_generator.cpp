// nb_align_pyramid: the alignment pyramid of one frame's binned grayscale.
// Level 0 quantised to 16 bits; each coarser level blurred by the binomial
// [1 4 6 4 1]/16 and decimated by 2 (once or twice), with integer sums
// rounded once per decimation, exactly as the reference in src/stages.
#include "Halide.h"
#include "stages/align_tiles_params.h"
#include "target_class.h"

namespace {

using namespace Halide;
namespace align = nb::align;

class AlignPyramidGenerator : public Generator<AlignPyramidGenerator> {
 public:
  Input<Buffer<float, 2>> gray{"gray"};  // binned grayscale in [0, 1]
  Output<Buffer<uint16_t, 2>> level0{"level0"};
  Output<Buffer<uint16_t, 2>> level1{"level1"};
  Output<Buffer<uint16_t, 2>> level2{"level2"};
  Output<Buffer<uint16_t, 2>> level3{"level3"};

  void generate() {
    static_assert(align::kLevels == 4, "one output per level");
    level0(x, y) = cast<uint16_t>(round(clamp(gray(x, y), 0.0f, 1.0f) * align::kGrayScale));
    Func previous = level0;
    Expr w = gray.width(), h = gray.height();
    Output<Buffer<uint16_t, 2>>* outputs[] = {&level1, &level2, &level3};
    for (int level = 1; level < align::kLevels; ++level) {
      for (int f = align::kFactors[level]; f > 1; f /= 2) {
        Func next = blur_decimate2(previous, w, h);
        w = w / 2;
        h = h / 2;
        previous = next;
      }
      (*outputs[level - 1])(x, y) = previous(x, y);
    }

    gray.set_estimates({{0, 2000}, {0, 1500}});
    level0.set_estimates({{0, 2000}, {0, 1500}});
    level1.set_estimates({{0, 1000}, {0, 750}});
    level2.set_estimates({{0, 250}, {0, 187}});
    level3.set_estimates({{0, 62}, {0, 46}});
  }

  void schedule() {
    if (get_auto_schedule()) return;
    const int vector_width = natural_vector_size<uint16_t>();
    // Half a finishing strip: the pyramid's rows are cheap, and its coarse
    // levels have few of them.
    const int rows = nb::schedule_class(get_target()).image_rows / 2;
    for (Func f : {Func(level0), Func(level1), Func(level2), Func(level3)})
      f.compute_root().split(y, yo, yi, rows, TailStrategy::GuardWithIf).parallel(yo).vectorize(x, vector_width,
                                                                                                 TailStrategy::GuardWithIf);
    for (size_t i = 0; i < decimated.size(); ++i) {
      decimated[i].compute_root().split(y, yo, yi, rows, TailStrategy::GuardWithIf).parallel(yo).vectorize(
          x, vector_width, TailStrategy::GuardWithIf);
      row_sums[i].compute_at(decimated[i], yo).vectorize(x, vector_width / 2, TailStrategy::GuardWithIf);
    }
  }

 private:
  // Blur by [1 4 6 4 1] in x (clamped to [0, w)) and keep even columns, then
  // the same in y; one rounding of the 8-bit-wide fixed-point sum.
  Func blur_decimate2(Func in, Expr w, Expr h) {
    Func rows{"rows"}, out{"decimated"};
    auto at_x = [&](int i) { return cast<uint32_t>(in(clamp(2 * x + i, 0, w - 1), y)); };
    rows(x, y) = at_x(-2) + 4 * at_x(-1) + 6 * at_x(0) + 4 * at_x(1) + at_x(2);
    auto at_y = [&](int i) { return rows(x, clamp(2 * y + i, 0, h - 1)); };
    out(x, y) = cast<uint16_t>((at_y(-2) + 4 * at_y(-1) + 6 * at_y(0) + 4 * at_y(1) + at_y(2) + 128) >> 8);
    row_sums.push_back(rows);
    decimated.push_back(out);
    return out;
  }

  Var x{"x"}, y{"y"}, yo{"yo"}, yi{"yi"};
  std::vector<Func> row_sums, decimated;
};

}  // namespace

HALIDE_REGISTER_GENERATOR(AlignPyramidGenerator, nb_align_pyramid)
