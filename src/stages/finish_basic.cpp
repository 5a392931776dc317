// Basic finishing: Halide call and its plain C++ reference.
#include "stages/finish_basic.h"

#include <algorithm>
#include <cmath>

#include "core/color.h"
#include "nb_finish_basic.h"
#include "nb_finish_rgb.h"
#include "stages/demosaic.h"
#include "stages/finish_detail.h"
#include "stages/tone_look.h"
#include "stages/white_balance.h"

namespace nb {

FinishParams finish_params_for(const RawMetadata& meta, const std::array<float, 3>& illuminant_rgb) {
  FinishParams p;
  p.cfa = meta.cfa;
  p.wb_gains = gains_for_illuminant(illuminant_rgb);
  const Eigen::Vector3d neutral(illuminant_rgb[0] / illuminant_rgb[1], 1.0, illuminant_rgb[2] / illuminant_rgb[1]);
  p.srgb_from_camera = srgb_from_balanced_camera(meta, neutral).cast<float>();
  return p;
}

namespace {

// Both finishing pipelines (from a mosaic, from camera RGB) take the same
// arguments after the image.
template <typename Pipeline, typename Image>
Status run_finish(Pipeline pipeline, Image image, const FinishParams& params,
                  Halide::Runtime::Buffer<uint16_t, 3>* srgb) {
  int red_x, red_y;
  cfa_red_position(params.cfa, &red_x, &red_y);
  Halide::Runtime::Buffer<float, 1> gains(3);
  for (int c = 0; c < 3; ++c) gains(c) = params.wb_gains[c];
  Halide::Runtime::Buffer<float, 2> matrix(3, 3);
  for (int row = 0; row < 3; ++row)
    for (int col = 0; col < 3; ++col) matrix(col, row) = params.srgb_from_camera(row, col);
  *srgb = Halide::Runtime::Buffer<uint16_t, 3>(image.width(), image.height(), 3);
  Halide::Runtime::Buffer<float, 2> tone_gain = params.tone_gain;
  if (!tone_gain.data()) {
    tone_gain = Halide::Runtime::Buffer<float, 2>(1, 1);
    tone_gain(0, 0) = 1.0f;
  }
  int err = pipeline(image, red_x, red_y, gains, matrix, params.exposure_gain, params.curve_contrast,
                     params.curve_pivot, params.chroma_denoise, params.sharpen, tone_gain, *srgb);
  if (err != 0) return internal_error("finish: Halide pipeline failed with code " + std::to_string(err));
  return Status();
}

}  // namespace

// The images are shallow copies: the generated API takes non-const buffers.
Status finish_basic(const Halide::Runtime::Buffer<float, 2>& mosaic, const FinishParams& params,
                    Halide::Runtime::Buffer<uint16_t, 3>* srgb) {
  return run_finish(nb_finish_basic, Halide::Runtime::Buffer<float>(mosaic), params, srgb);
}

Status finish_basic(const Halide::Runtime::Buffer<float, 3>& camera_rgb, const FinishParams& params,
                    Halide::Runtime::Buffer<uint16_t, 3>* srgb) {
  return run_finish(nb_finish_rgb, Halide::Runtime::Buffer<float>(camera_rgb), params, srgb);
}

namespace {

// Display-referred RGB of the pixel at (x, y) with camera RGB `cam`: balance,
// matrix, exposure, sRGB curve, S-curve; clamped to [0, 1].
void display_pixel(const float cam[3], const FinishParams& params, int x, int y, float out[3]) {
  float balanced[3];
  for (int c = 0; c < 3; ++c) balanced[c] = std::min(cam[c] * params.wb_gains[c], 1.0f);
  const float local = params.tone_gain.data() ? sample_tone_gain(params.tone_gain, x, y) : 1.0f;
  for (int c = 0; c < 3; ++c) {
    const auto& m = params.srgb_from_camera;
    float lin = (m(c, 0) * balanced[0] + m(c, 1) * balanced[1] + m(c, 2) * balanced[2]) * params.exposure_gain * local;
    float v = std::clamp(lin, 0.0f, 1.0f);
    float e = v <= 0.0031308f ? 12.92f * v : 1.055f * std::pow(v, 1.0f / 2.4f) - 0.055f;
    out[c] = std::clamp(s_curve(e, params.curve_contrast, params.curve_pivot), 0.0f, 1.0f);
  }
}

// `camera_at(x, y, rgb)` gives camera RGB anywhere (edges extended).
template <typename CameraAt>
void finish_reference(CameraAt camera_at, int w, int h, const FinishParams& params,
                      Halide::Runtime::Buffer<uint16_t, 3>* srgb) {
  const int pad = 4;
  // The display image with a 4-pixel border.
  Halide::Runtime::Buffer<float, 3> display(w + 2 * pad, h + 2 * pad, 3);
  display.set_min(-pad, -pad, 0);
  for (int y = -pad; y < h + pad; ++y)
    for (int x = -pad; x < w + pad; ++x) {
      float cam[3], v[3];
      camera_at(x, y, cam);
      display_pixel(cam, params, x, y, v);
      for (int c = 0; c < 3; ++c) display(x, y, c) = v[c];
    }
  auto at = [&](int x, int y, float rgb[3]) {
    for (int c = 0; c < 3; ++c) rgb[c] = display(x, y, c);
  };
  *srgb = Halide::Runtime::Buffer<uint16_t, 3>(w, h, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      float v[3];
      detail::detail_pixel(at, params.chroma_denoise, params.sharpen, x, y, v);
      for (int c = 0; c < 3; ++c) (*srgb)(x, y, c) = uint16_t(std::clamp(v[c], 0.0f, 1.0f) * 65535.0f + 0.5f);
    }
}

}  // namespace

void finish_basic_reference(const Halide::Runtime::Buffer<float, 2>& mosaic, const FinishParams& params,
                            Halide::Runtime::Buffer<uint16_t, 3>* srgb) {
  // Demosaiced from the mirrored mosaic.
  auto camera_at = [&](int x, int y, float rgb[3]) { demosaic_pixel(mosaic, params.cfa, x, y, rgb); };
  finish_reference(camera_at, mosaic.width(), mosaic.height(), params, srgb);
}

void finish_basic_reference(const Halide::Runtime::Buffer<float, 3>& camera_rgb, const FinishParams& params,
                            Halide::Runtime::Buffer<uint16_t, 3>* srgb) {
  const int w = camera_rgb.width(), h = camera_rgb.height();
  auto camera_at = [&](int x, int y, float rgb[3]) {
    for (int c = 0; c < 3; ++c) rgb[c] = camera_rgb(std::clamp(x, 0, w - 1), std::clamp(y, 0, h - 1), c);
  };
  finish_reference(camera_at, w, h, params, srgb);
}

}  // namespace nb
