#include "stages/tone_look.h"

#include <algorithm>
#include <vector>

#include "core/parallel_rows.h"

namespace nb {

ToneLook tone_look(Look look, double mean_green) {
  ToneLook t;
  switch (look) {
    case Look::kNatural:
      t.target_mean = 0.10;
      t.contrast = 0;
      break;
    case Look::kBright:
      t.target_mean = 0.18;
      t.contrast = 0.4f;
      break;
    case Look::kNight: {
      constexpr double kDarkest = 0.002, kDusk = 0.05;
      double d = std::log(std::max(mean_green, 1e-9) / kDarkest) / std::log(kDusk / kDarkest);
      t.target_mean = 0.05 + 0.05 * std::clamp(d, 0.0, 1.0);
      t.contrast = 1.0f;
      break;
    }
  }
  return t;
}

namespace {

// One green per pair across a Bayer row: the first at x = 0 or 1.
int first_green(CfaPattern cfa, int y) { return cfa_color(cfa, 0, y) == 1 ? 0 : 1; }

}  // namespace

double balanced_green_row_sum(const Halide::Runtime::Buffer<float, 2>& mosaic, CfaPattern cfa, int y,
                              float green_gain) {
  // The greens balanced and clipped a chunk at a time, in a loop that
  // vectorises (as a per-sample step of the sum, the clips were compiled to
  // branches, which a dark frame's noise about 0 mispredicts), then summed
  // in four partial sums, each every fourth green (one sum's chain of
  // double additions, 2000 long at 12 MP, was most of the row's time).
  constexpr int kChunk = 256;
  float balanced[kChunk];
  const int first = first_green(cfa, y), greens = (mosaic.width() - first + 1) / 2;
  const float* row = &mosaic(0, y) + first;
  double sum[4] = {0, 0, 0, 0};
  for (int start = 0; start < greens; start += kChunk) {
    const int count = std::min(kChunk, greens - start);
    const float* chunk = row + 2 * start;
    for (int i = 0; i < count; ++i) balanced[i] = std::min(1.0f, std::max(0.0f, chunk[2 * i] * green_gain));
    int i = 0;
    for (; i + 3 < count; i += 4)
      for (int k = 0; k < 4; ++k) sum[k] += balanced[i + k];
    for (; i < count; ++i) sum[0] += balanced[i];
  }
  return (sum[0] + sum[1]) + (sum[2] + sum[3]);
}

double mean_of_green_rows(const Halide::Runtime::Buffer<float, 2>& mosaic, CfaPattern cfa,
                          const std::vector<double>& row_sums) {
  double sum = 0;
  int64_t n = 0;
  for (int y = 0; y < mosaic.height(); ++y) {
    sum += row_sums[size_t(y)];
    n += (mosaic.width() - first_green(cfa, y) + 1) / 2;
  }
  return n ? sum / n : 0;
}

double mean_balanced_green(const Halide::Runtime::Buffer<float, 2>& mosaic, CfaPattern cfa,
                           const std::array<float, 3>& wb_gains) {
  std::vector<double> row_sums(size_t(std::max(0, mosaic.height())));
  parallel_rows(mosaic.height(), 64,
                [&](int y) { row_sums[size_t(y)] = balanced_green_row_sum(mosaic, cfa, y, wb_gains[1]); });
  return mean_of_green_rows(mosaic, cfa, row_sums);
}

float exposure_gain_for(double mean_green, double target_mean) {
  constexpr double kMaxGain = 32.0;
  if (mean_green <= 0) return float(kMaxGain);
  return float(std::clamp(target_mean / mean_green, 1.0, kMaxGain));
}

}  // namespace nb
