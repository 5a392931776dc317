// White balance by image statistics on a camera-RGB thumbnail.
#include "stages/white_balance.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/parallel_rows.h"

namespace nb {

RgbThumbnail awb_thumbnail(const Halide::Runtime::Buffer<float, 2>& mosaic, CfaPattern cfa,
                           int max_side) {
  const int quads_w = mosaic.width() / 2, quads_h = mosaic.height() / 2;
  const int factor = std::max(1, (std::max(quads_w, quads_h) + max_side - 1) / max_side);
  RgbThumbnail t;
  t.width = std::max(1, quads_w / factor);
  t.height = std::max(1, quads_h / factor);
  t.rgb.assign(size_t(t.width) * t.height * 3, 0.0f);
  t.unclipped.assign(size_t(t.width) * t.height, 1);
  if (quads_w == 0 || quads_h == 0) {
    std::fill(t.unclipped.begin(), t.unclipped.end(), 0);
    return t;
  }
  // Row by row, so the 12 MP mosaic streams through once (45 ms -> ~10 ms
  // against a per-pixel CFA lookup); thumbnail rows in parallel (the finish
  // waits for it with a core otherwise idle). Weight per channel in one
  // quad: green has two samples.
  const float channel_share[3] = {1.0f, 0.5f, 1.0f};
  const float block_share = 1.0f / float(factor * factor);
  const int colour_at[2][2] = {{cfa_color(cfa, 0, 0), cfa_color(cfa, 1, 0)},
                               {cfa_color(cfa, 0, 1), cfa_color(cfa, 1, 1)}};
  const int block = 2 * factor;
  const ptrdiff_t x_stride = mosaic.dim(0).stride();
  parallel_rows(t.height, 8, [&](int ty) {
    std::vector<float> sums(size_t(t.width) * 3, 0.0f);
    std::vector<uint8_t> clipped(size_t(t.width), 0);
    for (int y = ty * block; y < (ty + 1) * block; ++y) {
      const float* row = &mosaic(mosaic.dim(0).min(), mosaic.dim(1).min() + y);
      const int even = colour_at[y & 1][0], odd = colour_at[y & 1][1];
      for (int tx = 0; tx < t.width; ++tx) {
        float sum_even = 0, sum_odd = 0, max = 0;
        for (int x = tx * block; x < (tx + 1) * block; x += 2) {
          const float a = row[x * x_stride], b = row[(x + 1) * x_stride];
          sum_even += a;
          sum_odd += b;
          max = std::max(max, std::max(a, b));
        }
        sums[size_t(tx) * 3 + even] += sum_even;
        sums[size_t(tx) * 3 + odd] += sum_odd;
        clipped[size_t(tx)] |= max >= kClippedLevel;
      }
    }
    for (int tx = 0; tx < t.width; ++tx) {
      float* p = &t.rgb[(size_t(ty) * t.width + tx) * 3];
      for (int c = 0; c < 3; ++c) p[c] = sums[size_t(tx) * 3 + c] * channel_share[c] * block_share;
      t.unclipped[size_t(ty) * t.width + tx] = clipped[size_t(tx)] ? 0 : 1;
    }
  });
  return t;
}

std::vector<uint8_t> usable_pixels(const RgbThumbnail& t) {
  const size_t n = size_t(t.width) * t.height;
  std::vector<float> lum;
  lum.reserve(n);
  for (size_t i = 0; i < n; ++i)
    if (t.unclipped[i]) lum.push_back(thumbnail_luminance(&t.rgb[i * 3]));
  std::vector<uint8_t> usable(n, 0);
  if (lum.empty()) return usable;
  const size_t k = std::min(lum.size() - 1, size_t(0.99 * double(lum.size())));
  std::nth_element(lum.begin(), lum.begin() + k, lum.end());
  const float dark = kDarkFraction * lum[k];
  for (size_t i = 0; i < n; ++i) {
    const float* p = &t.rgb[i * 3];
    usable[i] = t.unclipped[i] && p[0] > 0 && p[1] > 0 && p[2] > 0 && thumbnail_luminance(p) > dark;
  }
  return usable;
}

double thumbnail_green_noise(const RgbThumbnail& t) {
  std::vector<float> differences;
  differences.reserve(size_t(t.width) * t.height * 2);
  for (int y = 0; y < t.height; ++y)
    for (int x = 0; x < t.width; ++x) {
      if (!t.unclipped[size_t(y) * t.width + x]) continue;
      if (x + 1 < t.width && t.unclipped[size_t(y) * t.width + x + 1])
        differences.push_back(std::abs(t.pixel(x + 1, y)[1] - t.pixel(x, y)[1]));
      if (y + 1 < t.height && t.unclipped[size_t(y + 1) * t.width + x])
        differences.push_back(std::abs(t.pixel(x, y + 1)[1] - t.pixel(x, y)[1]));
    }
  if (differences.empty()) return 0;
  // The lower quartile: for a difference of two noisy samples, |d| has its
  // quartile at 0.3186 sqrt(2) sigma; edges and texture lie above it.
  const auto quartile = differences.begin() + differences.size() / 4;
  std::nth_element(differences.begin(), quartile, differences.end());
  return double(*quartile) / (0.3186 * std::sqrt(2.0));
}

RgbThumbnail coarsened(const RgbThumbnail& t, int factor) {
  if (factor <= 1) return t;
  RgbThumbnail c;
  c.width = t.width / factor;
  c.height = t.height / factor;
  c.rgb.assign(size_t(c.width) * c.height * 3, 0.0f);
  c.unclipped.assign(size_t(c.width) * c.height, 1);
  const float share = 1.0f / float(factor * factor);
  for (int y = 0; y < c.height * factor; ++y)
    for (int x = 0; x < c.width * factor; ++x) {
      const size_t out = size_t(y / factor) * c.width + x / factor;
      for (int ch = 0; ch < 3; ++ch) c.rgb[out * 3 + ch] += t.pixel(x, y)[ch] * share;
      if (!t.unclipped[size_t(y) * t.width + x]) c.unclipped[out] = 0;
    }
  return c;
}

double thumbnail_signal_to_noise(const RgbThumbnail& t) {
  double green = 0;
  size_t count = 0;
  for (size_t i = 0; i < t.unclipped.size(); ++i)
    if (t.unclipped[i]) {
      green += t.rgb[i * 3 + 1];
      ++count;
    }
  const double noise = thumbnail_green_noise(t);
  if (count == 0 || !(green > 0) || !(noise > 0)) return std::numeric_limits<double>::infinity();
  return green / double(count) / noise;
}

int noise_coarsening_factor(const RgbThumbnail& t, double target_snr) {
  const int factor = int(std::ceil(target_snr / thumbnail_signal_to_noise(t)));
  return std::clamp(factor, 1, kMaxCoarsening);
}

RgbThumbnail local_absolute_deviation(const RgbThumbnail& t) {
  RgbThumbnail e = t;
  for (int y = 0; y < t.height; ++y)
    for (int x = 0; x < t.width; ++x) {
      const float* p = t.pixel(x, y);
      float sum[3] = {0, 0, 0};
      int count = 0;
      bool unclipped = t.unclipped[size_t(y) * t.width + x] != 0;
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          const int nx = x + dx, ny = y + dy;
          if ((dx == 0 && dy == 0) || nx < 0 || ny < 0 || nx >= t.width || ny >= t.height) continue;
          const float* q = t.pixel(nx, ny);
          for (int c = 0; c < 3; ++c) sum[c] += std::abs(p[c] - q[c]);
          unclipped &= t.unclipped[size_t(ny) * t.width + nx] != 0;
          ++count;
        }
      float* out = &e.rgb[(size_t(y) * t.width + x) * 3];
      for (int c = 0; c < 3; ++c) out[c] = count ? sum[c] / float(count) : 0.0f;
      e.unclipped[size_t(y) * t.width + x] = unclipped;
    }
  return e;
}

static Illuminant normalised(const double v[3], const Illuminant& fallback) {
  if (!(v[0] > 0 && v[1] > 0 && v[2] > 0) || !std::isfinite(v[0] + v[1] + v[2])) return fallback;
  return {float(v[0] / v[1]), 1.0f, float(v[2] / v[1])};
}

Illuminant gray_world(const RgbThumbnail& t, const Illuminant& fallback) {
  return shades_of_gray(t, 1.0, fallback);
}

Illuminant white_patch(const RgbThumbnail& t, const Illuminant& fallback) {
  const std::vector<uint8_t> usable = usable_pixels(t);
  double max[3] = {0, 0, 0};
  for (size_t i = 0; i < usable.size(); ++i)
    if (usable[i])
      for (int c = 0; c < 3; ++c) max[c] = std::max(max[c], double(t.rgb[i * 3 + c]));
  return normalised(max, fallback);
}

// (mean of v^p)^(1/p) per channel over `values` (3 per pixel) where `use`.
static Illuminant minkowski_norm(const std::vector<float>& values, const std::vector<uint8_t>& use,
                                 double p, const Illuminant& fallback) {
  double sum[3] = {0, 0, 0};
  for (size_t i = 0; i < use.size(); ++i)
    if (use[i])
      for (int c = 0; c < 3; ++c) sum[c] += std::pow(double(values[i * 3 + c]), p);
  for (double& s : sum) s = std::pow(s, 1.0 / p);
  return normalised(sum, fallback);
}

Illuminant shades_of_gray(const RgbThumbnail& t, double p, const Illuminant& fallback) {
  return minkowski_norm(t.rgb, usable_pixels(t), p, fallback);
}

Illuminant gray_edge(const RgbThumbnail& t, double p, const Illuminant& fallback) {
  const std::vector<uint8_t> usable = usable_pixels(t);
  const int w = t.width, h = t.height;
  auto at = [&](const std::vector<float>& img, int x, int y, int c) {
    x = std::clamp(x, 0, w - 1);
    y = std::clamp(y, 0, h - 1);
    return img[(size_t(y) * w + x) * 3 + c];
  };
  // 3x3 binomial blur, then central-difference gradient magnitude.
  std::vector<float> blurred(t.rgb.size());
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) {
        float s = 0;
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx)
            s += float((2 - std::abs(dx)) * (2 - std::abs(dy))) * at(t.rgb, x + dx, y + dy, c);
        blurred[(size_t(y) * w + x) * 3 + c] = s / 16.0f;
      }
  std::vector<float> gradient(t.rgb.size());
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) {
        const float gx = 0.5f * (at(blurred, x + 1, y, c) - at(blurred, x - 1, y, c));
        const float gy = 0.5f * (at(blurred, x, y + 1, c) - at(blurred, x, y - 1, c));
        gradient[(size_t(y) * w + x) * 3 + c] = std::sqrt(gx * gx + gy * gy);
      }
  return minkowski_norm(gradient, usable, p, fallback);
}

std::array<float, 3> gains_for_illuminant(const Illuminant& ill) {
  return {ill[1] / ill[0], 1.0f, ill[1] / ill[2]};
}

double angular_error_deg(const Illuminant& a, const Illuminant& b) {
  double dot = 0, na = 0, nb2 = 0;
  for (int c = 0; c < 3; ++c) {
    dot += double(a[c]) * b[c];
    na += double(a[c]) * a[c];
    nb2 += double(b[c]) * b[c];
  }
  const double cosine = std::clamp(dot / std::sqrt(na * nb2), -1.0, 1.0);
  return std::acos(cosine) * 180.0 / M_PI;
}

}  // namespace nb
