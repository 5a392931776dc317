// Single-frame noise profile fit (Poissonian-Gaussian model, flattest blocks per level).
#include "stages/noise_estimate.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace nb {
namespace {

constexpr int kBlock = 8;         // plane pixels per block side
constexpr int kLevelBins = 12;    // signal-level bins (equal block counts)
constexpr double kFlattestFraction = 0.2;

struct BlockStat {
  double mean;
  double noise_variance;  // variance of the high-pass residual, scaled to pixel noise
};

}  // namespace

std::array<NoiseLevels, 4> measure_noise_levels(const RawFrame& frame) {
  const RawMetadata& m = frame.meta;
  std::array<NoiseLevels, 4> levels;
  int pw = m.width / 2, ph = m.height / 2;
  for (int pos = 0; pos < 4; ++pos) {
    int ox = pos & 1, oy = pos >> 1;
    float black = m.black_level[pos];
    float range = m.white_level - black;
    auto sample = [&](int x, int y) { return (frame.mosaic(2 * x + ox, 2 * y + oy) - black) / range; };
    std::vector<BlockStat> blocks;
    for (int by = 0; by + kBlock + 1 <= ph; by += kBlock) {
      for (int bx = 0; bx + kBlock + 1 <= pw; bx += kBlock) {
        double sum = 0, sum_r = 0, sum_r2 = 0;
        bool clipped = false;
        for (int y = by; y < by + kBlock; ++y) {
          for (int x = bx; x < bx + kBlock; ++x) {
            double v = sample(x, y);
            if (v > 0.95) clipped = true;
            // Residual against the mean of the right and lower neighbours: for
            // white noise of variance s2 it has variance 1.5 * s2.
            double r = v - 0.5 * (sample(x + 1, y) + sample(x, y + 1));
            sum += v;
            sum_r += r;
            sum_r2 += r * r;
          }
        }
        if (clipped) continue;
        double n = kBlock * kBlock;
        double var_r = (sum_r2 - sum_r * sum_r / n) / (n - 1);
        blocks.push_back({sum / n, var_r / 1.5});
      }
    }
    if (blocks.size() < size_t(kLevelBins) * 4) {
      // Too small to bin: one level, all blocks.
      std::vector<double> v, means;
      for (auto& b : blocks) {
        v.push_back(b.noise_variance);
        means.push_back(b.mean);
      }
      std::sort(v.begin(), v.end());
      std::sort(means.begin(), means.end());
      levels[pos].binned = false;
      levels[pos].level = {means.empty() ? 0.0 : std::max(means[means.size() / 2], 0.0)};
      levels[pos].variance = {v.empty() ? 1e-6 : v[v.size() / 2]};
      continue;
    }
    std::sort(blocks.begin(), blocks.end(), [](auto& a, auto& b) { return a.mean < b.mean; });
    // Per level bin: the flattest blocks' variance (texture only adds variance).
    std::vector<double>& xs = levels[pos].level;
    std::vector<double>& ys = levels[pos].variance;
    size_t per_bin = blocks.size() / kLevelBins;
    for (int bin = 0; bin < kLevelBins; ++bin) {
      std::vector<BlockStat> in(blocks.begin() + bin * per_bin, blocks.begin() + (bin + 1) * per_bin);
      std::sort(in.begin(), in.end(),
                [](auto& a, auto& b) { return a.noise_variance < b.noise_variance; });
      size_t k = std::max<size_t>(1, size_t(in.size() * kFlattestFraction));
      double mean = 0, var = 0;
      for (size_t i = 0; i < k; ++i) {
        mean += in[i].mean;
        var += in[i].noise_variance;
      }
      mean /= k;
      var /= k;
      // The lowest 20% of chi-square samples with 63 degrees of freedom average
      // about 0.80 of the true variance; undo that bias.
      var /= 0.80;
      xs.push_back(std::max(mean, 0.0));
      ys.push_back(var);
    }
  }
  return levels;
}

NoiseProfile fit_noise_profile(const std::array<NoiseLevels, 4>& levels) {
  NoiseProfile profile;
  for (int pos = 0; pos < 4; ++pos) {
    const std::vector<double>& xs = levels[pos].level;
    const std::vector<double>& ys = levels[pos].variance;
    if (!levels[pos].binned) {
      profile.scale[pos] = 0;
      profile.offset[pos] = std::max(ys[0], 1e-10);
      continue;
    }
    std::vector<double> ws;
    for (double var : ys) ws.push_back(1.0 / (var * var + 1e-20));  // relative-error weighting
    // Weighted least squares for var = a*x + b, then keep both terms non-negative.
    double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t i = 0; i < xs.size(); ++i) {
      sw += ws[i];
      sx += ws[i] * xs[i];
      sy += ws[i] * ys[i];
      sxx += ws[i] * xs[i] * xs[i];
      sxy += ws[i] * xs[i] * ys[i];
    }
    double det = sw * sxx - sx * sx;
    double a = det > 0 ? (sw * sxy - sx * sy) / det : 0;
    double b = det > 0 ? (sy - a * sx) / sw : sy / sw;
    if (a < 0) {
      a = 0;
      b = sy / sw;
    }
    if (b < 0) {
      b = 0;
      a = sxy / std::max(sxx, 1e-20);
    }
    profile.scale[pos] = a;
    profile.offset[pos] = std::max(b, 1e-10);
  }
  profile.valid = true;
  return profile;
}

}  // namespace nb
