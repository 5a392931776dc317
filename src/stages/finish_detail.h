// Chroma denoise and luma sharpening, on the display-referred image (after
// the tone curve), in a luma/chroma split: Y' = 0.299 R' + 0.587 G' + 0.114 B',
// Cb' = B' - Y', Cr' = R' - Y'.
//
// Chroma denoise: a cross-bilateral mean of the chroma over a 9x9 window
// sampled every 2 pixels (the demosaic leaves chroma noise at low
// frequencies), weighted by luma and chroma similarity, so colour does not
// bleed across edges; `strength` blends it in (0 = off).
// Sharpening: unsharp mask of the luma against a [1 2 1]^2 blur, clamped to
// the 3x3 neighbourhood's luma range, which bounds halos at hard edges to
// zero overshoot; `amount` scales it (0 = off).
//
// Constants shared with the Halide generator; the per-pixel C++ reference.
#pragma once

#include <algorithm>
#include <cmath>

namespace nb::detail {

constexpr float kLumaSigma = 0.1f;    // display-luma step that stops chroma smoothing
constexpr float kChromaSigma = 0.2f;  // chroma step that stops it
constexpr int kChromaTaps = 2;         // taps at -4, -2, 0, 2, 4 in each direction
constexpr int kChromaStride = 2;

inline float luma(const float rgb[3]) { return 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2]; }

// `display(x, y, rgb)` gives the display-referred pixel for x, y up to 4
// beyond the image (the generator and the reference both extend the image
// by demosaicing the mirrored mosaic).
template <typename Display>
void detail_pixel(const Display& display, float chroma_strength, float sharpen_amount, int x, int y, float out[3]) {
  float p[3];
  display(x, y, p);
  const float y0 = luma(p), cb0 = p[2] - y0, cr0 = p[0] - y0;
  float sum_w = 0, sum_cb = 0, sum_cr = 0;
  for (int j = -kChromaTaps; j <= kChromaTaps; ++j)
    for (int i = -kChromaTaps; i <= kChromaTaps; ++i) {
      float q[3];
      display(x + kChromaStride * i, y + kChromaStride * j, q);
      const float yq = luma(q), cb = q[2] - yq, cr = q[0] - yq;
      const float dy = yq - y0, dcb = cb - cb0, dcr = cr - cr0;
      const float w = std::exp(-dy * dy * (0.5f / (kLumaSigma * kLumaSigma)) -
                               (dcb * dcb + dcr * dcr) * (0.5f / (kChromaSigma * kChromaSigma)));
      sum_w += w;
      sum_cb += w * cb;
      sum_cr += w * cr;
    }
  const float cb = cb0 + chroma_strength * (sum_cb / sum_w - cb0);
  const float cr = cr0 + chroma_strength * (sum_cr / sum_w - cr0);
  const float k[3] = {1, 2, 1};
  float blur = 0, lo = y0, hi = y0;
  for (int j = -1; j <= 1; ++j)
    for (int i = -1; i <= 1; ++i) {
      float q[3];
      display(x + i, y + j, q);
      const float yq = luma(q);
      blur += k[i + 1] * k[j + 1] * yq;
      lo = std::min(lo, yq);
      hi = std::max(hi, yq);
    }
  blur *= 1.0f / 16;
  const float ys = std::clamp(y0 + sharpen_amount * (y0 - blur), lo, hi);
  out[0] = ys + cr;
  out[2] = ys + cb;
  out[1] = (ys - 0.299f * out[0] - 0.114f * out[2]) * (1.0f / 0.587f);
}

}  // namespace nb::detail
