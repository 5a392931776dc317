// Basic finishing: Malvar-He-Cutler demosaic (or camera RGB), white balance, camera -> sRGB matrix,
// global exposure gain, the sRGB curve and the look's S-curve, to a 16-bit
// sRGB image. Halide
// (nb_finish_basic) with a plain C++ reference that tests compare it with.
#pragma once

#include <HalideBuffer.h>

#include <Eigen/Dense>
#include <algorithm>
#include <array>

#include "nightburst/raw_frame.h"

namespace nb {

struct FinishParams {
  CfaPattern cfa = CfaPattern::kRGGB;
  std::array<float, 3> wb_gains{1, 1, 1};
  Eigen::Matrix3f srgb_from_camera = Eigen::Matrix3f::Identity();  // balanced camera -> linear sRGB
  float exposure_gain = 1.0f;
  // Global S-curve on the sRGB-encoded values (s_curve() in tone_look.h); 0: none.
  float curve_contrast = 0.0f;
  float curve_pivot = 0.5f;
  // Chroma denoise strength and luma sharpening amount (finish_detail.h); 0: off.
  float chroma_denoise = 1.0f;
  float sharpen = 0.5f;
  // Local tone mapping gain (local_tone.h), one value per 4x4 sensor pixels,
  // applied to linear RGB bilinearly; empty: none.
  Halide::Runtime::Buffer<float, 2> tone_gain;
};

// The colour part of the parameters for a frame's metadata and the scene
// light (camera RGB of a neutral, G = 1): CFA, white-balance gains and the
// camera -> sRGB matrix for that light (core/color.h); the rest at defaults.
FinishParams finish_params_for(const RawMetadata& meta, const std::array<float, 3>& illuminant_rgb);

// The tone gain at sensor pixel (x, y): bilinear in the map, whose pixels
// are centred on 4x4 sensor blocks, edges clamped. The generator computes the same.
inline float sample_tone_gain(const Halide::Runtime::Buffer<float, 2>& map, int x, int y) {
  auto axis = [](int v, int extent, int* a, int* b, float* t) {
    float g = std::min(std::max((v + 0.5f) * 0.25f - 0.5f, 0.0f), float(extent - 1));
    *a = int(g);
    *b = std::min(*a + 1, extent - 1);
    *t = g - float(*a);
  };
  int x0, x1, y0, y1;
  float tx, ty;
  axis(x, map.width(), &x0, &x1, &tx);
  axis(y, map.height(), &y0, &y1, &ty);
  float top = map(x0, y0) + tx * (map(x1, y0) - map(x0, y0));
  float bottom = map(x0, y1) + tx * (map(x1, y1) - map(x0, y1));
  return top + ty * (bottom - top);
}

// `srgb` is allocated here as (width, height, 3).
Status finish_basic(const Halide::Runtime::Buffer<float, 2>& mosaic, const FinishParams& params,
                    Halide::Runtime::Buffer<uint16_t, 3>* srgb);
void finish_basic_reference(const Halide::Runtime::Buffer<float, 2>& mosaic,
                            const FinishParams& params, Halide::Runtime::Buffer<uint16_t, 3>* srgb);

// The same finishing from normalised camera RGB (x, y, c) that needs no
// demosaicing (Super Res Zoom's output; edges repeated; params.cfa unused).
// Halide nb_finish_rgb.
Status finish_basic(const Halide::Runtime::Buffer<float, 3>& camera_rgb, const FinishParams& params,
                    Halide::Runtime::Buffer<uint16_t, 3>* srgb);
void finish_basic_reference(const Halide::Runtime::Buffer<float, 3>& camera_rgb, const FinishParams& params,
                            Halide::Runtime::Buffer<uint16_t, 3>* srgb);

}  // namespace nb
