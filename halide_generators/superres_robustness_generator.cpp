// nb_superres_robustness: per plane pixel of the reference, how far an
// aligned frame's local colour can be trusted (src/stages/superres.h;
// Wronski et al. 2019, sec. 5).
#include "Halide.h"
#include "stages/superres_params.h"
#include "superres_common.h"
#include "target_class.h"

namespace {

using namespace Halide;
namespace sr = nb::superres;

class SuperResRobustnessGenerator : public Generator<SuperResRobustnessGenerator> {
 public:
  Input<Buffer<uint16_t, 2>> reference{"reference"};  // raw samples
  Input<Buffer<uint16_t, 2>> alternate{"alternate"};
  Input<Buffer<float, 1>> black{"black"};              // per CFA position (cfa_index order)
  Input<Buffer<float, 1>> inv_range{"inv_range"};      // 1 / (white - black)
  Input<int> red_x{"red_x", 0, 0, 1};
  Input<int> red_y{"red_y", 0, 0, 1};
  // The alignment field: (tx, ty, {dx, dy}) in plane pixels, and its tiles.
  Input<Buffer<float, 3>> displacement{"displacement"};
  Input<int> tile_size{"tile_size", 16, 1, 1024};
  Input<int> tile_stride{"tile_stride", 8, 1, 1024};
  Input<float> noise_scale{"noise_scale", 0.0f, 0.0f, 1.0f};
  Input<float> noise_offset{"noise_offset", 0.0f, 0.0f, 1.0f};
  Input<float> t{"t", 0.12f, 0.0f, 1.0f};
  Input<float> s_irregular{"s_irregular", 2.0f, 0.0f, 1000.0f};
  Input<float> s_regular{"s_regular", 12.0f, 0.0f, 1000.0f};
  Input<float> flow_irregular_px{"flow_irregular_px", 1.0f, 0.0f, 1000.0f};
  Output<Buffer<float, 2>> robustness{"robustness"};  // (plane x, plane y), 0..1

  void generate() {
    Expr width = reference.width(), height = reference.height();
    Expr plane_width = width / 2, plane_height = height / 2;
    Expr tiles_x = displacement.dim(0).extent(), tiles_y = displacement.dim(1).extent();
    // plane_rgb(): red, mean green, blue of an edge-clamped plane pixel.
    auto plane_rgb = [&](const Func& mosaic, Expr px, Expr py) {
      Expr bx = 2 * clamp(px, 0, plane_width - 1), by = 2 * clamp(py, 0, plane_height - 1);
      auto s = [&](Expr sx, Expr sy) {
        return sr::normalised_sample(mosaic, width, height, black, inv_range, sx, sy);
      };
      return Tuple(s(bx + red_x, by + red_y),
                   (s(bx + 1 - red_x, by + red_y) + s(bx + red_x, by + 1 - red_y)) * 0.5f,
                   s(bx + 1 - red_x, by + 1 - red_y));
    };
    reference_rgb(x, y) = plane_rgb(reference, x, y);
    std::vector<Expr> d = sr::interpolate_displacement(displacement, tiles_x, tiles_y, tile_size, tile_stride,
                                                       cast<float>(x), cast<float>(y));
    alternate_rgb(x, y) = plane_rgb(alternate, x, y);
    // Moved by the field, bilinear.
    Expr fx = cast<float>(x) + d[0], fy = cast<float>(y) + d[1];
    Expr x0 = cast<int>(floor(fx)), y0 = cast<int>(floor(fy));
    Expr tx_frac = fx - cast<float>(x0), ty_frac = fy - cast<float>(y0);
    std::vector<Expr> moved;
    for (int c = 0; c < 3; ++c) {
      Expr c00 = alternate_rgb(x0, y0)[c], c10 = alternate_rgb(x0 + 1, y0)[c];
      Expr c01 = alternate_rgb(x0, y0 + 1)[c], c11 = alternate_rgb(x0 + 1, y0 + 1)[c];
      Expr top = c00 + tx_frac * (c10 - c00), bottom = c01 + tx_frac * (c11 - c01);
      moved.push_back(top + ty_frac * (bottom - top));
    }
    aligned_rgb(x, y) = Tuple(moved);

    // How much the field changes over each tile's 3x3 tiles, sensor pixels.
    Expr spread = 0.0f;
    for (int axis = 0; axis < 2; ++axis) {
      Expr centre = displacement(tx, ty, axis), lo = centre, hi = centre;
      for (int j = -1; j <= 1; ++j)
        for (int i = -1; i <= 1; ++i) {
          Expr v = displacement(clamp(tx + i, 0, tiles_x - 1), clamp(ty + j, 0, tiles_y - 1), axis);
          lo = min(lo, v);
          hi = max(hi, v);
        }
      spread = max(spread, 2.0f * (hi - lo));
    }
    irregularity(tx, ty) = spread;

    std::vector<Expr> sum(3, 0.0f), sum2(3, 0.0f), alt_sum(3, 0.0f), alt_sum2(3, 0.0f);
    for (int j = -1; j <= 1; ++j)
      for (int i = -1; i <= 1; ++i)
        for (int c = 0; c < 3; ++c) {
          Expr r = reference_rgb(x + i, y + j)[c];
          sum[c] = sum[c] + r;
          sum2[c] = sum2[c] + r * r;
          Expr a = aligned_rgb(x + i, y + j)[c];
          alt_sum[c] = alt_sum[c] + a;
          alt_sum2[c] = alt_sum2[c] + a * a;
        }
    Expr exponent = 0.0f;
    for (int c = 0; c < 3; ++c) {
      Expr mean = sum[c] * (1.0f / 9), alt_mean = alt_sum[c] * (1.0f / 9);
      Expr local_var = max(sum2[c] * (1.0f / 9) - mean * mean, alt_sum2[c] * (1.0f / 9) - alt_mean * alt_mean);
      Expr noise_var = (noise_scale * max(mean, 0.0f) + noise_offset) * (c == 1 ? 0.5f : 1.0f);
      Expr diff = mean - alt_mean;
      exponent = exponent + diff * diff / max(max(local_var, noise_var), 1e-12f);
    }
    // AlignmentField::nearest_tile().
    Expr half = tile_size / 2;
    Expr ntx = clamp((x - half + tile_stride / 2) / tile_stride, 0, tiles_x - 1);
    Expr nty = clamp((y - half + tile_stride / 2) / tile_stride, 0, tiles_y - 1);
    Expr s = select(irregularity(ntx, nty) > flow_irregular_px, s_irregular, s_regular);
    raw(x, y) = clamp(s * exp(-exponent) - t, 0.0f, 1.0f);

    Expr lowest = 1.0f;
    for (int j = -sr::kRobustnessMinRadius; j <= sr::kRobustnessMinRadius; ++j)
      for (int i = -sr::kRobustnessMinRadius; i <= sr::kRobustnessMinRadius; ++i)
        lowest = min(lowest, raw(clamp(x + i, 0, plane_width - 1), clamp(y + j, 0, plane_height - 1)));
    robustness(x, y) = lowest;

    reference.set_estimates({{0, 4000}, {0, 3000}});
    alternate.set_estimates({{0, 4000}, {0, 3000}});
    black.set_estimates({{0, 4}});
    inv_range.set_estimates({{0, 4}});
    displacement.set_estimates({{0, 249}, {0, 186}, {0, 2}});
    robustness.set_estimates({{0, 2000}, {0, 1500}});
  }

  void schedule() {
    if (get_auto_schedule()) return;  // Halide 14 spelling of using_autoscheduler()
    const int vector_width = natural_vector_size<float>();
    const int strip_rows = nb::schedule_class(get_target()).image_rows;
    irregularity.compute_root();
    robustness.split(y, yo, yi, strip_rows, TailStrategy::GuardWithIf)
        .parallel(yo)
        .vectorize(x, vector_width, TailStrategy::GuardWithIf);
    // Per strip, with the aprons the 3x3 statistics and the 5x5 minimum need.
    raw.compute_at(robustness, yo).vectorize(x, vector_width, TailStrategy::GuardWithIf);
    reference_rgb.compute_at(robustness, yo).vectorize(x, vector_width, TailStrategy::GuardWithIf);
    aligned_rgb.compute_at(robustness, yo).vectorize(x, vector_width, TailStrategy::GuardWithIf);
  }

 private:
  Var x{"x"}, y{"y"}, tx{"tx"}, ty{"ty"}, yo{"yo"}, yi{"yi"};
  Func reference_rgb{"reference_rgb"}, alternate_rgb{"alternate_rgb"}, aligned_rgb{"aligned_rgb"}, irregularity{"irregularity"}, raw{"raw"};
};

}  // namespace

HALIDE_REGISTER_GENERATOR(SuperResRobustnessGenerator, nb_superres_robustness)
