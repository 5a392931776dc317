// nb_local_tone: exposure fusion on a quarter-resolution luminance image to a
// per-pixel gain; the same arithmetic as local_tone_gain_reference() in
// src/stages/local_tone.cpp (see local_tone.h for the method).
#include <vector>

#include "Halide.h"
#include "stages/local_tone_params.h"
#include "target_class.h"

namespace {

using namespace Halide;
namespace tone = nb::tone;

class LocalToneGenerator : public Generator<LocalToneGenerator> {
 public:
  Input<Buffer<float, 2>> luminance{"luminance"};
  Input<float> ratio{"ratio", 1.0f, 1.0f, 64.0f};  // long exposure / short
  Output<Buffer<float, 2>> gain{"gain"};

  void generate() {
    auto encode = [](Expr v) { return select(v <= 0.0031308f, 12.92f * v, 1.055f * pow(v, 1.0f / 2.4f) - 0.055f); };
    auto decode = [](Expr v) { return select(v <= 0.04045f, v / 12.92f, pow((v + 0.055f) / 1.055f, 2.4f)); };
    auto well_exposed = [](Expr v) {
      Expr d = v - 0.5f;
      return exp(-d * d * (0.5f / (tone::kWellExposedSigma * tone::kWellExposedSigma))) + 1e-6f;
    };
    Func short_img("short_img"), long_img("long_img"), weight("weight");
    short_img(x, y) = encode(clamp(luminance(x, y), 0.0f, 1.0f));
    long_img(x, y) = encode(clamp(luminance(x, y) * ratio, 0.0f, 1.0f));
    Expr ws = well_exposed(short_img(x, y)), wl = well_exposed(long_img(x, y));
    weight(x, y) = ws / (ws + wl);

    std::vector<Expr> w{luminance.width()}, h{luminance.height()};
    for (int j = 1; j < tone::kLevels; ++j) {
      w.push_back((w.back() + 1) / 2);
      h.push_back((h.back() + 1) / 2);
    }
    std::vector<Func> gs = pyramid(short_img, w, h, "short"), gl = pyramid(long_img, w, h, "long"),
                      gw = pyramid(weight, w, h, "weight");
    const int top = tone::kLevels - 1;
    Func fused("fused_" + std::to_string(top));
    fused(x, y) = gw[top](x, y) * gs[top](x, y) + (1 - gw[top](x, y)) * gl[top](x, y);
    fused_levels.push_back(fused);
    for (int j = top - 1; j >= 0; --j) {
      Func us = up(gs[j + 1], w[j + 1], h[j + 1]), ul = up(gl[j + 1], w[j + 1], h[j + 1]),
           uf = up(fused, w[j + 1], h[j + 1]);
      Func next("fused_" + std::to_string(j));
      Expr detail_s = gs[j](x, y) - us(x, y), detail_l = gl[j](x, y) - ul(x, y);
      next(x, y) = uf(x, y) + gw[j](x, y) * detail_s + (1 - gw[j](x, y)) * detail_l;
      fused = next;
      fused_levels.push_back(fused);
    }
    Expr linear = decode(clamp(fused(x, y), 0.0f, 1.0f));
    gain(x, y) = clamp(linear / max(luminance(x, y), 1e-6f), 1.0f, ratio);

    luminance.set_estimates({{0, 1000}, {0, 750}});
    ratio.set_estimate(3.0f);
    gain.set_estimates({{0, 1000}, {0, 750}});
  }

  void schedule() {
    if (get_auto_schedule()) return;
    const int vw = natural_vector_size<float>();
    const int rows = nb::schedule_class(get_target()).image_rows;
    // Every level whole (the images are small), strips of rows in parallel:
    // one task per row cost more in the thread pool than the coarse levels'
    // rows hold work (2 threads were slower than 1 at 12 MP).
    auto strips = [&](Func f) {
      f.compute_root().parallel(y, rows, TailStrategy::GuardWithIf).vectorize(x, vw, TailStrategy::GuardWithIf);
    };
    for (Func f : computed) strips(f);
    for (Func f : fused_levels) strips(f);
    gain.parallel(y, rows, TailStrategy::GuardWithIf).vectorize(x, vw, TailStrategy::GuardWithIf);
  }

 private:
  Var x{"x"}, y{"y"};
  std::vector<Func> computed, fused_levels;

  // [1 4 6 4 1]/16, clamped to [0, w) x [0, h), every second pixel.
  Func down(Func in, Expr w, Expr h, const std::string& name) {
    Func rows(name + "_rows"), out(name);
    const float k[5] = {1, 4, 6, 4, 1};
    Expr sx = 0.0f;
    for (int i = -2; i <= 2; ++i) sx += k[i + 2] * in(clamp(2 * x + i, 0, w - 1), y);
    rows(x, y) = sx * (1.0f / 16);
    Expr sy = 0.0f;
    for (int i = -2; i <= 2; ++i) sy += k[i + 2] * rows(x, clamp(2 * y + i, 0, h - 1));
    out(x, y) = sy * (1.0f / 16);
    computed.push_back(rows);
    computed.push_back(out);
    return out;
  }

  std::vector<Func> pyramid(Func base, const std::vector<Expr>& w, const std::vector<Expr>& h, const std::string& name) {
    std::vector<Func> p{base};
    computed.push_back(base);
    for (int j = 1; j < tone::kLevels; ++j)
      p.push_back(down(p.back(), w[j - 1], h[j - 1], name + "_" + std::to_string(j)));
    return p;
  }

  // Linear interpolation to twice the size of a coarse level cw x ch.
  Func up(Func in, Expr cw, Expr ch) {
    auto taps = [](Expr v, Expr extent) {
      Expr even = v % 2 == 0;
      Expr a = select(even, v / 2 - 1, (v - 1) / 2), b = select(even, v / 2, (v + 1) / 2);
      return std::vector<Expr>{clamp(a, 0, extent - 1), clamp(b, 0, extent - 1), select(even, 0.25f, 0.75f)};
    };
    std::vector<Expr> ty = taps(y, ch), tx = taps(x, cw);
    Func rows, out;
    rows(x, y) = ty[2] * in(x, ty[0]) + (1 - ty[2]) * in(x, ty[1]);
    out(x, y) = tx[2] * rows(tx[0], y) + (1 - tx[2]) * rows(tx[1], y);
    return out;
  }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(LocalToneGenerator, nb_local_tone)
