// nb_superres_accumulate: one frame's Bayer samples, weighted by anisotropic
// kernels from the frame's own gradients and by the robustness, added to the
// Super Res Zoom sums (src/stages/superres.h; Wronski et al. 2019, sec. 4).
#include "Halide.h"
#include "stages/superres_params.h"
#include "superres_common.h"
#include "target_class.h"

namespace {

using namespace Halide;
namespace sr = nb::superres;

class SuperResAccumulateGenerator : public Generator<SuperResAccumulateGenerator> {
 public:
  Input<Buffer<uint16_t, 2>> mosaic{"mosaic"};     // the frame's raw samples
  Input<Buffer<float, 1>> black{"black"};          // per CFA position (cfa_index order)
  Input<Buffer<float, 1>> inv_range{"inv_range"};  // 1 / (white - black)
  Input<int> red_x{"red_x", 0, 0, 1};
  Input<int> red_y{"red_y", 0, 0, 1};
  // The alignment field: (tx, ty, {dx, dy}) in plane pixels, and its tiles.
  Input<Buffer<float, 3>> displacement{"displacement"};
  Input<int> tile_size{"tile_size", 16, 1, 1024};
  Input<int> tile_stride{"tile_stride", 8, 1, 1024};
  Input<Buffer<float, 2>> robustness{"robustness"};  // per plane pixel of the reference
  Input<float> noise_scale{"noise_scale", 0.0f, 0.0f, 1.0f};
  Input<float> noise_offset{"noise_offset", 0.0f, 0.0f, 1.0f};
  Input<float> k_detail{"k_detail", 0.3f, 0.01f, 10.0f};
  Input<float> k_denoise{"k_denoise", 3.0f, 1.0f, 100.0f};
  Input<float> k_stretch{"k_stretch", 0.5f, 0.0f, 100.0f};
  Input<float> k_shrink{"k_shrink", 0.5f, 0.0f, 100.0f};
  Input<float> snr_low{"snr_low", 1.5f, 0.0f, 1000.0f};
  Input<float> snr_high{"snr_high", 4.0f, 0.0f, 1000.0f};
  // Sensor pixels per output pixel.
  Input<float> step_x{"step_x", 1.0f, 0.01f, 100.0f};
  Input<float> step_y{"step_y", 1.0f, 0.01f, 100.0f};
  // The sums so far (x, y, {R, G, B values, R, G, B weights}); the caller
  // passes the same buffer as `sums`: each point of the input is read only to
  // write the same point of the output, so the update may be in place.
  Input<Buffer<float, 3>> sums_in{"sums_in"};
  Output<Buffer<float, 3>> sums{"sums"};

  void generate() {
    Expr width = mosaic.width(), height = mosaic.height();
    Expr plane_width = width / 2, plane_height = height / 2;
    auto sample = [&](Expr sx, Expr sy) { return sr::normalised_sample(mosaic, width, height, black, inv_range, sx, sy); };

    // Kernels, as superres_kernels_reference().
    Expr cx = clamp(x, 0, plane_width - 1), cy = clamp(y, 0, plane_height - 1);
    gray(x, y) = (((sample(2 * cx, 2 * cy) + sample(2 * cx + 1, 2 * cy)) + sample(2 * cx, 2 * cy + 1)) +
                  sample(2 * cx + 1, 2 * cy + 1)) * 0.25f;
    gradient(x, y) = Tuple((gray(x + 1, y) - gray(x - 1, y)) * 0.5f, (gray(x, y + 1) - gray(x, y - 1)) * 0.5f);
    Expr a = 0.0f, b = 0.0f, c = 0.0f;
    for (int j = -1; j <= 1; ++j)
      for (int i = -1; i <= 1; ++i) {
        Expr gx = gradient(x + i, y + j)[0], gy = gradient(x + i, y + j)[1];
        a = a + gx * gx;
        b = b + gx * gy;
        c = c + gy * gy;
      }
    Expr root = sqrt((a - c) * (a - c) * 0.25f + b * b);
    Expr l1 = (a + c) * 0.5f + root;
    Expr sigma_gray2 = max(noise_scale * max(gray(x, y), 0.0f) + noise_offset, 1e-12f) * 0.25f;
    Expr snr = sqrt(l1 / (9.0f * sigma_gray2));
    Expr denoise = clamp((snr_high - snr) / (snr_high - snr_low), 0.0f, 1.0f);
    Expr anisotropy = sqrt(2.0f * root / (a + c + 1e-20f));
    Expr along = k_detail * (1.0f + k_stretch * anisotropy);
    Expr across = k_detail / (1.0f + k_shrink * anisotropy);
    Expr flat = k_detail * k_denoise;
    Expr s1 = (1.0f - denoise) * across + denoise * flat;
    Expr s2 = (1.0f - denoise) * along + denoise * flat;
    Expr v1x = l1 - c, v1y = b, v2x = b, v2y = l1 - a;
    Expr n1 = v1x * v1x + v1y * v1y, n2 = v2x * v2x + v2y * v2y;
    Expr first = n1 >= n2, n = max(n1, n2);
    Expr inv = 1.0f / sqrt(n);
    Expr ex = select(n > 1e-30f, select(first, v1x, v2x) * inv, 1.0f);
    Expr ey = select(n > 1e-30f, select(first, v1y, v2y) * inv, 0.0f);
    Expr i1 = 1.0f / (s1 * s1), i2 = 1.0f / (s2 * s2);
    kernel(x, y) = Tuple(ex * ex * i1 + ey * ey * i2, ex * ey * (i1 - i2), ey * ey * i1 + ex * ex * i2);

    // Accumulation, as superres_accumulate_reference().
    Expr px = (cast<float>(x) + 0.5f) * step_x - 0.5f, py = (cast<float>(y) + 0.5f) * step_y - 0.5f;
    std::vector<Expr> d =
        sr::interpolate_displacement(displacement, displacement.dim(0).extent(), displacement.dim(1).extent(),
                                     tile_size, tile_stride, (px - 0.5f) * 0.5f, (py - 0.5f) * 0.5f);
    Expr qx = px + 2.0f * d[0], qy = py + 2.0f * d[1];
    Expr ix = cast<int>(floor(qx + 0.5f)), iy = cast<int>(floor(qy + 0.5f));
    Expr kx = clamp(ix, 0, width - 1) / 2, ky = clamp(iy, 0, height - 1) / 2;
    Expr ka = kernel(kx, ky)[0], kb = kernel(kx, ky)[1], kc = kernel(kx, ky)[2];
    std::vector<Expr> value(3, 0.0f), weight(3, 0.0f);
    for (int j = -sr::kGatherRadius; j <= sr::kGatherRadius; ++j)
      for (int i = -sr::kGatherRadius; i <= sr::kGatherRadius; ++i) {
        Expr sx = ix + i, sy = iy + j;
        Expr ddx = cast<float>(sx) - qx, ddy = cast<float>(sy) - qy;
        Expr q = ka * ddx * ddx + 2.0f * kb * ddx * ddy + kc * ddy * ddy;
        Expr inside = sx >= 0 && sx < width && sy >= 0 && sy < height;
        Expr w = select(inside, exp(-0.5f * min(q, sr::kMaxExponent)), 0.0f);
        Expr red_col = (clamp(sx, 0, width - 1) & 1) == red_x, red_row = (clamp(sy, 0, height - 1) & 1) == red_y;
        Expr colour = select(red_col && red_row, 0, !red_col && !red_row, 2, 1);
        Expr v = w * sample(sx, sy);
        for (int k = 0; k < 3; ++k) {
          value[k] = value[k] + select(colour == k, v, 0.0f);
          weight[k] = weight[k] + select(colour == k, w, 0.0f);
        }
      }
    Expr r = robustness(clamp(cast<int>(floor((px + 0.5f) * 0.5f)), 0, robustness.width() - 1),
                        clamp(cast<int>(floor((py + 0.5f) * 0.5f)), 0, robustness.height() - 1));
    gathered(x, y) = Tuple(r * value[0], r * value[1], r * value[2], r * weight[0], r * weight[1], r * weight[2]);
    std::vector<Expr> terms;
    for (int k = 0; k < sr::kSumChannels; ++k) terms.push_back(gathered(x, y)[k]);
    sums(x, y, ch) = sums_in(x, y, ch) + mux(ch, terms);

    mosaic.set_estimates({{0, 4000}, {0, 3000}});
    black.set_estimates({{0, 4}});
    inv_range.set_estimates({{0, 4}});
    displacement.set_estimates({{0, 249}, {0, 186}, {0, 2}});
    robustness.set_estimates({{0, 2000}, {0, 1500}});
    sums_in.set_estimates({{0, 4000}, {0, 3000}, {0, sr::kSumChannels}});
    sums.set_estimates({{0, 4000}, {0, 3000}, {0, sr::kSumChannels}});
  }

  void schedule() {
    if (get_auto_schedule()) return;  // Halide 14 spelling of using_autoscheduler()
    const int vector_width = natural_vector_size<float>();
    const int strip_rows = nb::schedule_class(get_target()).image_rows;
    // The kernels are read where each output pixel lands (data-dependent), so
    // they are computed for the whole frame first; the gray per strip.
    kernel.compute_root()
        .split(y, yo, yi, strip_rows, TailStrategy::GuardWithIf)
        .parallel(yo)
        .vectorize(x, vector_width, TailStrategy::GuardWithIf);
    gray.compute_at(kernel, yo).vectorize(x, vector_width, TailStrategy::GuardWithIf);
    gradient.compute_at(kernel, yo).vectorize(x, vector_width, TailStrategy::GuardWithIf);
    sums.bound(ch, 0, sr::kSumChannels)
        .reorder(ch, x, y)
        .unroll(ch)
        .split(y, yo, yi, strip_rows, TailStrategy::GuardWithIf)
        .parallel(yo)
        .vectorize(x, vector_width, TailStrategy::GuardWithIf);
    gathered.compute_at(sums, yi).vectorize(x, vector_width, TailStrategy::GuardWithIf);
  }

 private:
  Var x{"x"}, y{"y"}, ch{"ch"}, yo{"yo"}, yi{"yi"};
  Func gray{"gray"}, gradient{"gradient"}, kernel{"kernel"}, gathered{"gathered"};
};

}  // namespace

HALIDE_REGISTER_GENERATOR(SuperResAccumulateGenerator, nb_superres_accumulate)
