// Basic finishing: Malvar-He-Cutler demosaic, white balance, camera -> sRGB matrix,
// global exposure gain, the sRGB curve and the look's S-curve, to a 16-bit
// sRGB image. Halide
// (nb_finish_basic) with a plain C++ reference that tests compare it with.
#pragma once

#include <HalideBuffer.h>

#include <Eigen/Dense>
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
};

// `srgb` is allocated here as (width, height, 3).
Status finish_basic(const Halide::Runtime::Buffer<float, 2>& mosaic, const FinishParams& params,
                    Halide::Runtime::Buffer<uint16_t, 3>* srgb);

void finish_basic_reference(const Halide::Runtime::Buffer<float, 2>& mosaic,
                            const FinishParams& params, Halide::Runtime::Buffer<uint16_t, 3>* srgb);

}  // namespace nb
