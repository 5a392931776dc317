// Exposure fusion: the C++ reference, the Halide call, and the inputs.
#include "stages/local_tone.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/color.h"
#include "core/parallel_rows.h"
#include "nb_local_tone.h"
#include "stages/tone_look.h"

namespace nb {
namespace {

using Image = Halide::Runtime::Buffer<float, 2>;

int at(int v, int extent) { return std::clamp(v, 0, extent - 1); }

// [1 4 6 4 1]/16 blur with clamped borders, every second pixel kept; size (w + 1) / 2.
Image down(const Image& in) {
  const float k[5] = {1, 4, 6, 4, 1};
  const int w = in.width(), h = in.height(), ow = (w + 1) / 2, oh = (h + 1) / 2;
  Image rows(ow, h), out(ow, oh);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < ow; ++x) {
      float s = 0;
      for (int i = -2; i <= 2; ++i) s += k[i + 2] * in(at(2 * x + i, w), y);
      rows(x, y) = s * (1.0f / 16);
    }
  for (int y = 0; y < oh; ++y)
    for (int x = 0; x < ow; ++x) {
      float s = 0;
      for (int i = -2; i <= 2; ++i) s += k[i + 2] * rows(x, at(2 * y + i, h));
      out(x, y) = s * (1.0f / 16);
    }
  return out;
}

// Linear interpolation to twice the size (w x h), pixel centres aligned:
// even x takes 1/4 of coarse x/2 - 1 and 3/4 of x/2, odd x 3/4 of (x-1)/2 and 1/4 of (x+1)/2.
Image up(const Image& in, int w, int h) {
  const int cw = in.width(), ch = in.height();
  auto taps = [](int x, int extent, int* a, int* b, float* wa) {
    if (x % 2 == 0) {
      *a = at(x / 2 - 1, extent);
      *b = at(x / 2, extent);
      *wa = 0.25f;
    } else {
      *a = at((x - 1) / 2, extent);
      *b = at((x + 1) / 2, extent);
      *wa = 0.75f;
    }
  };
  Image rows(cw, h), out(w, h);
  for (int y = 0; y < h; ++y) {
    int a, b;
    float wa;
    taps(y, ch, &a, &b, &wa);
    for (int x = 0; x < cw; ++x) rows(x, y) = wa * in(x, a) + (1 - wa) * in(x, b);
  }
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      int a, b;
      float wa;
      taps(x, cw, &a, &b, &wa);
      out(x, y) = wa * rows(a, y) + (1 - wa) * rows(b, y);
    }
  return out;
}

std::vector<Image> gaussian_pyramid(Image base) {
  std::vector<Image> p{base};
  for (int j = 1; j < tone::kLevels; ++j) p.push_back(down(p.back()));
  return p;
}

float well_exposed(float v) {
  float d = v - 0.5f;
  return std::exp(-d * d * (0.5f / (tone::kWellExposedSigma * tone::kWellExposedSigma))) + 1e-6f;
}

// tone_luminance() before the exposure gain; with `green_row_sums`, also
// every mosaic row's balanced_green_row_sum(), each row summed while it is
// in cache for its blocks.
Image luminance_before_gain(const Image& mosaic, CfaPattern cfa, const std::array<float, 3>& wb_gains,
                            std::vector<double>* green_row_sums) {
  const int n = tone::kDownscale, w = std::max(1, mosaic.width() / n), h = std::max(1, mosaic.height() / n);
  const float weight[3] = {0.2126f, 0.7152f, 0.0722f};
  int colour_at[4];  // by position in the 2x2 CFA tile
  for (int p = 0; p < 4; ++p) colour_at[p] = cfa_color(cfa, p & 1, p >> 1);
  // Blocks wholly inside the mosaic (all but at most the last column) take
  // their rows two samples of each colour at a time; the rest clamp.
  const int whole_blocks = std::min(w, mosaic.width() / n);
  Image out(w, h);
  if (green_row_sums) green_row_sums->assign(size_t(mosaic.height()), 0.0);
  parallel_rows(h, 16, [&](int y) {  // rows in parallel: the finish waits for it
    if (green_row_sums) {
      // The block row's mosaic rows; the last block row also takes the rows
      // below the last whole block, which no block reads.
      const int last = y == h - 1 ? mosaic.height() : std::min(n * y + n, mosaic.height());
      for (int sy = n * y; sy < last; ++sy)
        (*green_row_sums)[size_t(sy)] = balanced_green_row_sum(mosaic, cfa, sy, wb_gains[1]);
    }
    // The whole blocks' colour sums, one array per colour, a mosaic row at
    // a time: each sum takes its samples in the order the per-block loop
    // below does (row by row, left to right), so the values are the same,
    // and the loop over blocks runs without a colour lookup per sample.
    // With the green sums' clips vectorised and their four chains
    // (tone_look.cpp), the pass went from 10.5 to 3.9 ms at 12 MP on 2
    // threads (BM_LastFrameLatency, medians of 21 and 27 runs alternating).
    std::vector<float> colour_sums(size_t(3) * whole_blocks, 0.0f);
    float whole_count[3] = {0, 0, 0};  // each colour's samples in a whole block
    for (int j = 0; j < n && whole_blocks > 0; ++j) {
      const int sy = std::min(n * y + j, mosaic.height() - 1);
      const float* row = &mosaic(0, sy);
      const int even_colour = colour_at[(sy & 1) * 2], odd_colour = colour_at[(sy & 1) * 2 + 1];
      whole_count[even_colour] += n / 2;
      whole_count[odd_colour] += n / 2;
      float* even_sums = &colour_sums[size_t(even_colour) * whole_blocks];
      float* odd_sums = &colour_sums[size_t(odd_colour) * whole_blocks];
      for (int x = 0; x < whole_blocks; ++x) {
        float even = even_sums[x], odd = odd_sums[x];
        for (int i = 0; i < n; i += 2) {
          even += row[n * x + i];
          odd += row[n * x + i + 1];
        }
        even_sums[x] = even;
        odd_sums[x] = odd;
      }
    }
    float* out_row = &out(0, y);
    for (int x = 0; x < w; ++x) {
      float sum[3] = {0, 0, 0}, count[3] = {0, 0, 0};
      if (x < whole_blocks) {
        for (int c = 0; c < 3; ++c) {
          sum[c] = colour_sums[size_t(c) * whole_blocks + x];
          count[c] = whole_count[c];
        }
      } else {
        for (int j = 0; j < n; ++j) {
          const int sy = std::min(n * y + j, mosaic.height() - 1);
          const float* row = &mosaic(0, sy);
          for (int i = 0; i < n; ++i) {
            const int sx = std::min(n * x + i, mosaic.width() - 1);
            const int c = colour_at[(sy & 1) * 2 + (sx & 1)];
            sum[c] += row[sx];
            count[c] += 1;
          }
        }
      }
      float lum = 0;
      for (int c = 0; c < 3; ++c) lum += weight[c] * wb_gains[c] * (count[c] > 0 ? sum[c] / count[c] : 0);
      out_row[x] = lum;
    }
  });
  return out;
}

}  // namespace

Image tone_luminance(const Image& mosaic, CfaPattern cfa, const std::array<float, 3>& wb_gains, float exposure_gain) {
  Image luminance = luminance_before_gain(mosaic, cfa, wb_gains, nullptr);
  apply_exposure_gain(exposure_gain, &luminance);
  return luminance;
}

ToneStatistics tone_statistics(const Image& mosaic, CfaPattern cfa, const std::array<float, 3>& wb_gains) {
  ToneStatistics statistics;
  std::vector<double> green_row_sums;
  statistics.luminance_before_gain = luminance_before_gain(mosaic, cfa, wb_gains, &green_row_sums);
  statistics.mean_green = mean_of_green_rows(mosaic, cfa, green_row_sums);
  return statistics;
}

void apply_exposure_gain(float exposure_gain, Image* luminance, float then_scale) {
  // Rows on the pipeline's threads, each in a loop that vectorises (one
  // thread's pass took 1.1 ms at 12 MP, while the last frame waited).
  const int width = luminance->width();
  parallel_rows(luminance->height(), 64, [&](int y) {
    float* v = &(*luminance)(0, y);
    for (int x = 0; x < width; ++x) v[x] = std::max(0.0f, v[x] * exposure_gain) * then_scale;
  });
}

namespace {

// The value std::nth_element would put at position k of `values`, found on
// the pipeline's threads: the values are counted by the top 16 bits of their
// float bits made to sort as integers do (128 buckets an octave), and
// nth_element runs only within the bucket that holds the k-th. On all of a
// 12 MP burst's 750 000 luminance values, nth_element took 2.7-6 ms on one
// core while a streaming session's last frame waited.
float kth_smallest(const Image& values, size_t k) {
  const float* v = values.data();
  const size_t n = values.number_of_elements();
  if (k >= n) return 0.0f;
  auto bucket = [](float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    return (bits & 0x80000000u ? ~bits : bits | 0x80000000u) >> 16;
  };
  constexpr int kBuckets = 1 << 16, kChunks = 4;
  auto chunk_begin = [&](int chunk) { return n * size_t(chunk) / kChunks; };
  std::vector<uint32_t> counts(size_t(kChunks) * kBuckets, 0);
  parallel_rows(kChunks, 1, [&](int chunk) {
    uint32_t* count = &counts[size_t(chunk) * kBuckets];
    for (size_t i = chunk_begin(chunk); i < chunk_begin(chunk + 1); ++i) ++count[bucket(v[i])];
  });
  size_t below = 0;
  uint32_t chosen = 0;
  for (;; ++chosen) {
    size_t in_bucket = 0;
    for (int chunk = 0; chunk < kChunks; ++chunk) in_bucket += counts[size_t(chunk) * kBuckets + chosen];
    if (below + in_bucket > k) break;
    below += in_bucket;
  }
  std::vector<float> in_chunk[kChunks];
  parallel_rows(kChunks, 1, [&](int chunk) {
    for (size_t i = chunk_begin(chunk); i < chunk_begin(chunk + 1); ++i)
      if (bucket(v[i]) == chosen) in_chunk[chunk].push_back(v[i]);
  });
  std::vector<float>& candidates = in_chunk[0];
  for (int chunk = 1; chunk < kChunks; ++chunk)
    candidates.insert(candidates.end(), in_chunk[chunk].begin(), in_chunk[chunk].end());
  std::nth_element(candidates.begin(), candidates.begin() + (k - below), candidates.end());
  return candidates[k - below];
}

}  // namespace

float long_exposure_ratio(const Image& luminance, Look look, float exposure_gain) {
  if (look == Look::kNatural) return 1.0f;
  const float gained = std::max(0.0f, kth_smallest(luminance, luminance.number_of_elements() / 2) * exposure_gain);
  const float median = std::max(gained, 1e-6f);
  const float max_ratio = look == Look::kNight ? 3.0f : 8.0f;
  return std::clamp(0.12f / median, 1.0f, max_ratio);
}

Image local_tone_gain_reference(const Image& luminance, float ratio) {
  const int w = luminance.width(), h = luminance.height();
  Image short_img(w, h), long_img(w, h), weight(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      float s = srgb_encode(std::clamp(luminance(x, y), 0.0f, 1.0f));
      float l = srgb_encode(std::clamp(luminance(x, y) * ratio, 0.0f, 1.0f));
      short_img(x, y) = s;
      long_img(x, y) = l;
      float ws = well_exposed(s), wl = well_exposed(l);
      weight(x, y) = ws / (ws + wl);  // of the short exposure
    }
  std::vector<Image> gs = gaussian_pyramid(short_img), gl = gaussian_pyramid(long_img), gw = gaussian_pyramid(weight);
  // Coarsest level: the weighted images; then each finer level adds its
  // weighted Laplacian detail to the upsampled result.
  const int top = tone::kLevels - 1;
  Image fused(gs[top].width(), gs[top].height());
  fused.for_each_element([&](int x, int y) {
    fused(x, y) = gw[top](x, y) * gs[top](x, y) + (1 - gw[top](x, y)) * gl[top](x, y);
  });
  for (int j = top - 1; j >= 0; --j) {
    const int lw = gs[j].width(), lh = gs[j].height();
    Image us = up(gs[j + 1], lw, lh), ul = up(gl[j + 1], lw, lh), uf = up(fused, lw, lh);
    Image next(lw, lh);
    next.for_each_element([&](int x, int y) {
      float detail_s = gs[j](x, y) - us(x, y), detail_l = gl[j](x, y) - ul(x, y);
      next(x, y) = uf(x, y) + gw[j](x, y) * detail_s + (1 - gw[j](x, y)) * detail_l;
    });
    fused = next;
  }
  Image gain(w, h);
  gain.for_each_element([&](int x, int y) {
    float linear = srgb_decode(std::clamp(fused(x, y), 0.0f, 1.0f));
    gain(x, y) = std::clamp(linear / std::max(luminance(x, y), 1e-6f), 1.0f, ratio);
  });
  return gain;
}

Status local_tone_gain(const Image& luminance, float ratio, Image* gain) {
  *gain = Image(luminance.width(), luminance.height());
  Image in = luminance;  // shallow copy: the generated API takes non-const
  int err = nb_local_tone(in, ratio, *gain);
  if (err != 0) return internal_error("finish: local tone pipeline failed with code " + std::to_string(err));
  return Status();
}

}  // namespace nb
