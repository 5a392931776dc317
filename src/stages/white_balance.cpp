// Gray-world white balance on the merged mosaic.
#include "stages/white_balance.h"

namespace nb {

std::array<float, 3> gray_world_illuminant(const Halide::Runtime::Buffer<float, 2>& mosaic,
                                           CfaPattern cfa, const std::array<float, 3>& fallback) {
  constexpr float kClipped = 0.95f;
  double sum[3] = {0, 0, 0};
  for (int y = 0; y < mosaic.height(); ++y)
    for (int x = 0; x < mosaic.width(); ++x) {
      float v = mosaic(x, y);
      if (v < kClipped) sum[cfa_color(cfa, x, y)] += v;
    }
  // Green has twice the samples of red or blue.
  double r = sum[0], g = sum[1] / 2, b = sum[2];
  if (!(r > 0 && g > 0 && b > 0)) return fallback;
  return {float(r / g), 1.0f, float(b / g)};
}

std::array<float, 3> gains_for_illuminant(const std::array<float, 3>& ill) {
  return {ill[1] / ill[0], 1.0f, ill[1] / ill[2]};
}

}  // namespace nb
