// Local tone mapping by exposure fusion (HDR+, Hasinoff et al. 2016, sec. 6;
// Mertens et al. 2007): the image as exposed ("short") and a synthetically
// brightened copy ("long", k times the light) are blended with Laplacian
// pyramids by well-exposedness weights, on a quarter-resolution luminance
// image; the result is a per-pixel gain (1..k) that the finishing applies
// to linear RGB, bilinearly upsampled. Shadows are lifted, bright areas kept.
// Halide (nb_local_tone) and a plain C++ reference.
#pragma once

#include <HalideBuffer.h>

#include <array>

#include "nightburst/look.h"
#include "nightburst/raw_frame.h"
#include "nightburst/status.h"
#include "stages/local_tone_params.h"

namespace nb {

// Quarter-resolution luminance (Rec. 709 weights on the white-balanced
// camera channels, mean of each 4x4 sensor block) times the exposure gain.
Halide::Runtime::Buffer<float, 2> tone_luminance(const Halide::Runtime::Buffer<float, 2>& mosaic, CfaPattern cfa,
                                                 const std::array<float, 3>& wb_gains, float exposure_gain);

// tone_luminance() before the exposure gain (and before its clip at 0), with
// mean_balanced_green(), which the exposure gain comes from: one pass over
// the mosaic, where the two read it twice (48 MB at 12 MP, while a
// streaming session's last frame waits). apply_exposure_gain() then gives
// what tone_luminance() gives.
struct ToneStatistics {
  Halide::Runtime::Buffer<float, 2> luminance_before_gain;
  double mean_green = 0;
};
ToneStatistics tone_statistics(const Halide::Runtime::Buffer<float, 2>& mosaic, CfaPattern cfa,
                               const std::array<float, 3>& wb_gains);
// Each value v becomes max(0, v * exposure_gain) * then_scale.
void apply_exposure_gain(float exposure_gain, Halide::Runtime::Buffer<float, 2>* luminance,
                         float then_scale = 1.0f);

// How much brighter the long exposure is: enough to bring the median
// luminance to 0.12, at most 8 (bright), 3 (night; night stays night); 1 for
// the natural look, which has no local tone mapping. With `exposure_gain`,
// of the luminance as apply_exposure_gain() would leave it, without the pass
// (the gain and the clip keep the values' order, so the median is the
// median's, gained and clipped: the same float).
float long_exposure_ratio(const Halide::Runtime::Buffer<float, 2>& luminance, Look look, float exposure_gain = 1.0f);

Status local_tone_gain(const Halide::Runtime::Buffer<float, 2>& luminance, float ratio,
                       Halide::Runtime::Buffer<float, 2>* gain);
Halide::Runtime::Buffer<float, 2> local_tone_gain_reference(const Halide::Runtime::Buffer<float, 2>& luminance,
                                                            float ratio);

}  // namespace nb
