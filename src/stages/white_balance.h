// White balance by image statistics: the classic estimators (gray-world,
// white-patch, shades-of-gray, gray-edge) on a low-resolution camera-RGB
// thumbnail of the merged mosaic. The learned estimator (stages/ffcc.h) reads
// the same thumbnail, so every method sees the same pixels.
#pragma once

#include <HalideBuffer.h>

#include <array>
#include <cstdint>
#include <vector>

#include "nightburst/raw_frame.h"

namespace nb {

// Linear camera RGB, interleaved, with a flag per pixel: 0 where a raw sample
// behind the pixel was clipped (its colour is no longer the surface's).
struct RgbThumbnail {
  int width = 0;
  int height = 0;
  std::vector<float> rgb;          // (y * width + x) * 3 + c
  std::vector<uint8_t> unclipped;  // y * width + x

  const float* pixel(int x, int y) const { return &rgb[(size_t(y) * width + x) * 3]; }
};

// Bins the mosaic's 2x2 quads (R, mean of the greens, B), then box-averages
// them down until the long side is at most `max_side`. A pixel counts as
// clipped when any raw sample behind it reaches `kClippedLevel`.
constexpr float kClippedLevel = 0.95f;
constexpr int kThumbnailMaxSide = 128;
RgbThumbnail awb_thumbnail(const Halide::Runtime::Buffer<float, 2>& mosaic, CfaPattern cfa,
                           int max_side = kThumbnailMaxSide);

// The pixels an estimator may use: unclipped, every channel positive, and
// not near black (luminance at least kDarkFraction of the 99th percentile),
// because the chroma of a near-black pixel is mostly noise.
constexpr float kDarkFraction = 0.02f;
inline float thumbnail_luminance(const float* rgb) {
  return 0.25f * rgb[0] + 0.5f * rgb[1] + 0.25f * rgb[2];
}
std::vector<uint8_t> usable_pixels(const RgbThumbnail& thumbnail);

// The thumbnail's green noise (standard deviation) in its flat parts, from
// the lower quartile of the absolute differences of unclipped horizontal and
// vertical neighbours (edges and texture lie above it). 0 when no pair is
// unclipped.
double thumbnail_green_noise(const RgbThumbnail& thumbnail);

// The thumbnail box-averaged over `factor` x `factor` blocks (the remainder
// rows and columns dropped); a pixel is unclipped where its whole block is.
RgbThumbnail coarsened(const RgbThumbnail& thumbnail, int factor);

// The unclipped pixels' mean green over thumbnail_green_noise; infinite
// without noise or signal.
double thumbnail_signal_to_noise(const RgbThumbnail& thumbnail);

// The block size that brings the thumbnail's noise down to at most
// 1 / target_snr of its mean green (the noise of a k x k mean is the
// pixels' over k), capped at kMaxCoarsening; 1 for a clean thumbnail.
constexpr int kMaxCoarsening = 4;
int noise_coarsening_factor(const RgbThumbnail& thumbnail, double target_snr);

// Local contrast per channel: the mean absolute difference to the 8
// neighbours (FFCC's edge image). Border pixels use the neighbours they have.
RgbThumbnail local_absolute_deviation(const RgbThumbnail& thumbnail);

// Illuminant estimates, camera RGB with G = 1. Each returns `fallback` when
// no usable pixel has signal in every channel.
using Illuminant = std::array<float, 3>;
Illuminant gray_world(const RgbThumbnail& t, const Illuminant& fallback);
Illuminant white_patch(const RgbThumbnail& t, const Illuminant& fallback);  // max per channel
// Minkowski p-norm of the pixels (Finlayson & Trezzi 2004).
Illuminant shades_of_gray(const RgbThumbnail& t, double p, const Illuminant& fallback);
// Minkowski p-norm of the gradient magnitude after a 3x3 binomial blur
// (first-order gray-edge, van de Weijer et al. 2007).
Illuminant gray_edge(const RgbThumbnail& t, double p, const Illuminant& fallback);

// Gains that make the illuminant neutral: 1 / illuminant, G = 1.
std::array<float, 3> gains_for_illuminant(const Illuminant& illuminant_rgb);

// Angle in degrees between two RGB vectors (the standard AWB error measure).
double angular_error_deg(const Illuminant& a, const Illuminant& b);

}  // namespace nb
