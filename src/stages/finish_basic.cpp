// Basic finishing: Halide call and its plain C++ reference.
#include "stages/finish_basic.h"

#include <algorithm>
#include <cmath>

#include "nb_finish_basic.h"
#include "stages/demosaic.h"
#include "stages/tone_look.h"

namespace nb {

Status finish_basic(const Halide::Runtime::Buffer<float, 2>& mosaic, const FinishParams& params,
                    Halide::Runtime::Buffer<uint16_t, 3>* srgb) {
  int red_x, red_y;
  cfa_red_position(params.cfa, &red_x, &red_y);
  Halide::Runtime::Buffer<float, 1> gains(3);
  for (int c = 0; c < 3; ++c) gains(c) = params.wb_gains[c];
  Halide::Runtime::Buffer<float, 2> matrix(3, 3);
  for (int row = 0; row < 3; ++row)
    for (int col = 0; col < 3; ++col) matrix(col, row) = params.srgb_from_camera(row, col);
  *srgb = Halide::Runtime::Buffer<uint16_t, 3>(mosaic.width(), mosaic.height(), 3);
  Halide::Runtime::Buffer<float, 2> input = mosaic;  // shallow copy: the generated API takes non-const
  int err = nb_finish_basic(input, red_x, red_y, gains, matrix, params.exposure_gain, params.curve_contrast,
                            params.curve_pivot, *srgb);
  if (err != 0) return internal_error("finish: Halide pipeline failed with code " + std::to_string(err));
  return Status();
}

void finish_basic_reference(const Halide::Runtime::Buffer<float, 2>& mosaic,
                            const FinishParams& params, Halide::Runtime::Buffer<uint16_t, 3>* srgb) {
  int w = mosaic.width(), h = mosaic.height();
  *srgb = Halide::Runtime::Buffer<uint16_t, 3>(w, h, 3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      float cam[3];
      demosaic_pixel(mosaic, params.cfa, x, y, cam);
      float balanced[3];
      for (int c = 0; c < 3; ++c) balanced[c] = std::min(cam[c] * params.wb_gains[c], 1.0f);
      for (int c = 0; c < 3; ++c) {
        const auto& m = params.srgb_from_camera;
        float lin = (m(c, 0) * balanced[0] + m(c, 1) * balanced[1] + m(c, 2) * balanced[2]) *
                    params.exposure_gain;
        float v = std::clamp(lin, 0.0f, 1.0f);
        float e = v <= 0.0031308f ? 12.92f * v : 1.055f * std::pow(v, 1.0f / 2.4f) - 0.055f;
        e = s_curve(e, params.curve_contrast, params.curve_pivot);
        (*srgb)(x, y, c) = uint16_t(std::clamp(e, 0.0f, 1.0f) * 65535.0f + 0.5f);
      }
    }
  }
}

}  // namespace nb
