#include "stages/local_tone.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "core/buffer_copy.h"
#include "nightburst/raw_frame.h"
#include "stages/tone_look.h"
#include "stages/white_balance.h"
#include "test_util.h"

namespace nb {
namespace {

TEST(LocalToneTest, HalideMatchesTheReference) {
  SynthOptions o = testing::small_options(81);
  o.frames = 1;
  SynthBurst b = testing::make_burst(o);
  auto lum = tone_luminance(b.clean_mosaic, b.frames[0].meta.cfa, gains_for_illuminant(b.illuminant_rgb), 3.0f);
  const float ratio = long_exposure_ratio(lum, Look::kBright);
  Halide::Runtime::Buffer<float, 2> fast, expected = local_tone_gain_reference(lum, ratio);
  ASSERT_TRUE(local_tone_gain(lum, ratio, &fast).ok());
  double worst = 0;
  expected.for_each_element([&](int x, int y) { worst = std::max(worst, double(std::abs(fast(x, y) - expected(x, y)))); });
  std::printf("ratio %.2f, largest gain difference %.2e\n", ratio, worst);
  EXPECT_GT(ratio, 1.0f);
  EXPECT_LE(worst, 1e-4);
}

// The one-pass statistics the pipeline's finish uses give exactly what the
// two passes give, for every CFA phase and for mosaics whose sides are not
// whole blocks (the rows and columns no block reads still count for green).
TEST(LocalToneTest, ToneStatisticsEqualsTheTwoPasses) {
  const std::array<float, 3> gains = {2.1f, 1.3f, 1.7f};
  for (CfaPattern cfa : {CfaPattern::kRGGB, CfaPattern::kBGGR, CfaPattern::kGRBG, CfaPattern::kGBRG})
    for (auto [w, h] : {std::pair{64, 48}, std::pair{67, 50}, std::pair{3, 3}, std::pair{41, 2}}) {
      Halide::Runtime::Buffer<float, 2> mosaic(w, h);
      // Values past both clips: below 0 (black-level noise) and above white.
      mosaic.for_each_element([&](int x, int y) { mosaic(x, y) = float((x * 37 + y * 91) % 113) / 90.0f - 0.1f; });
      const ToneStatistics statistics = tone_statistics(mosaic, cfa, gains);
      EXPECT_EQ(statistics.mean_green, mean_balanced_green(mosaic, cfa, gains)) << w << "x" << h;
      Halide::Runtime::Buffer<float, 2> luminance = statistics.luminance_before_gain;
      apply_exposure_gain(2.5f, &luminance);
      const auto expected = tone_luminance(mosaic, cfa, gains, 2.5f);
      ASSERT_EQ(luminance.width(), expected.width());
      ASSERT_EQ(luminance.height(), expected.height());
      expected.for_each_element([&](int x, int y) { EXPECT_EQ(luminance(x, y), expected(x, y)) << x << "," << y; });
    }
}

// The statistics against their plain definitions, per block and per green:
// the luminance is each 4x4 block's Rec. 709 luminance of its balanced mean
// colours (the block clamped to the mosaic; each colour summed in raster
// order, as the stage's row-at-a-time sums add them: the same floats); the
// mean green is the mean of every green times its gain, clipped to [0, 1]
// (summed in double, in another order: equal to 1e-12).
TEST(LocalToneTest, ToneStatisticsMatchTheirPlainDefinitions) {
  const std::array<float, 3> gains = {2.1f, 1.3f, 1.7f};
  const float weight[3] = {0.2126f, 0.7152f, 0.0722f};
  for (CfaPattern cfa : {CfaPattern::kRGGB, CfaPattern::kBGGR, CfaPattern::kGRBG, CfaPattern::kGBRG})
    for (auto [w, h] : {std::pair{4000, 8}, std::pair{67, 50}, std::pair{3, 3}, std::pair{41, 2}}) {
      Halide::Runtime::Buffer<float, 2> mosaic(w, h);
      std::mt19937 rng(w * 131 + h);
      std::uniform_real_distribution<float> value(-0.1f, 1.2f);
      mosaic.for_each_value([&](float& v) { v = value(rng); });
      const ToneStatistics statistics = tone_statistics(mosaic, cfa, gains);
      const Halide::Runtime::Buffer<float, 2>& luminance = statistics.luminance_before_gain;
      const int blocks_x = std::max(1, w / 4), blocks_y = std::max(1, h / 4);
      ASSERT_EQ(luminance.width(), blocks_x);
      ASSERT_EQ(luminance.height(), blocks_y);
      for (int by = 0; by < blocks_y; ++by)
        for (int bx = 0; bx < blocks_x; ++bx) {
          float sum[3] = {0, 0, 0}, count[3] = {0, 0, 0};
          for (int j = 0; j < 4; ++j)
            for (int i = 0; i < 4; ++i) {
              const int x = std::min(4 * bx + i, w - 1), y = std::min(4 * by + j, h - 1);
              sum[cfa_color(cfa, x, y)] += mosaic(x, y);
              count[cfa_color(cfa, x, y)] += 1;
            }
          float expected = 0;
          for (int c = 0; c < 3; ++c) expected += weight[c] * gains[c] * (count[c] > 0 ? sum[c] / count[c] : 0);
          ASSERT_EQ(luminance(bx, by), expected) << w << "x" << h << " block " << bx << "," << by;
        }
      double green_sum = 0;
      int64_t greens = 0;
      mosaic.for_each_element([&](int x, int y) {
        if (cfa_color(cfa, x, y) != 1) return;
        green_sum += std::clamp(mosaic(x, y) * gains[1], 0.0f, 1.0f);
        ++greens;
      });
      EXPECT_NEAR(statistics.mean_green, green_sum / double(greens), 1e-12) << w << "x" << h;
    }
}

// The long exposure's ratio comes from the luminance's median, which the
// stage finds by counting values into buckets first: the same median as
// std::nth_element over all of them, with ties, zeros, negative values and
// a handful of values. Each set's median is between 0.015 and 0.12, so that
// the ratio is not clamped and any other median would change it.
TEST(LocalToneTest, LongExposureRatioComesFromTheExactMedian) {
  std::mt19937 rng(7);
  std::lognormal_distribution<float> wide(-3.0f, 1.5f), narrow(-3.0f, 0.5f);
  std::uniform_int_distribution<int> step(0, 100);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  auto expected_ratio = [](const Halide::Runtime::Buffer<float, 2>& lum) {
    std::vector<float> v(lum.data(), lum.data() + lum.number_of_elements());
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return std::clamp(0.12f / std::max(v[v.size() / 2], 1e-6f), 1.0f, 8.0f);
  };
  const std::vector<std::pair<const char*, std::function<float()>>> sets = {
      {"lognormal", [&] { return wide(rng); }},
      {"ties", [&] { return float(step(rng)) / 1000.0f; }},
      {"zeros and negatives", [&] {
         const float u = unit(rng);
         return u < 0.3f ? -narrow(rng) : u < 0.4f ? 0.0f : narrow(rng);
       }}};
  int compared = 0;
  for (const auto& [name, draw_value] : sets)
    for (auto [w, h] : {std::pair{1000, 750}, std::pair{3, 3}, std::pair{2, 1}}) {
      Halide::Runtime::Buffer<float, 2> lum(w, h);
      const std::function<float()>& draw = draw_value;  // a lambda may not capture a structured binding (C++17)
      lum.for_each_value([&](float& v) { v = draw(); });
      const float expected = expected_ratio(lum);
      if (expected == 1.0f || expected == 8.0f) continue;  // clamped: says nothing of the median
      EXPECT_EQ(long_exposure_ratio(lum, Look::kBright), expected) << name << " " << w << "x" << h;
      // Of the luminance before a gain: the same as after it.
      // (owned_copy(): Buffer::copy() trips UBSan, core/buffer_copy.h.)
      Halide::Runtime::Buffer<float, 2> before = owned_copy(lum);
      before.for_each_value([](float& v) { v /= 1.7f; });
      Halide::Runtime::Buffer<float, 2> gained = owned_copy(before);
      apply_exposure_gain(1.7f, &gained);
      EXPECT_EQ(long_exposure_ratio(before, Look::kBright, 1.7f), long_exposure_ratio(gained, Look::kBright))
          << name << " " << w << "x" << h;
      ++compared;
    }
  EXPECT_GE(compared, 8);  // 8 of the 9 with this seed
}

// A hard edge between a dark (0.005) and a bright (0.4) half: the shadows
// are lifted, the bright side kept, and the transition (the halo) is narrow.
TEST(LocalToneTest, LiftsShadowsWithBoundedHalo) {
  const int w = 256, h = 32, edge = 128;
  Halide::Runtime::Buffer<float, 2> lum(w, h);
  lum.for_each_element([&](int x, int y) { lum(x, y) = x < edge ? 0.005f : 0.4f; });
  Halide::Runtime::Buffer<float, 2> gain;
  ASSERT_TRUE(local_tone_gain(lum, 8.0f, &gain).ok());
  const int y = h / 2;
  const float far_dark = gain(8, y), far_bright = gain(w - 8, y);
  int halo = 0;  // dark pixels next to the edge whose gain falls 10% short of the far dark side
  for (int x = edge - 1; x >= 0 && gain(x, y) < 0.9f * far_dark; --x) ++halo;
  std::printf("gain dark %.2f, bright %.2f, halo %d map px (%d sensor px)\n", far_dark, far_bright, halo, 4 * halo);
  EXPECT_GT(far_dark, 3.0f);
  EXPECT_LT(far_bright, 1.2f);
  // The coarsest of the 6 levels spans 32 map pixels: the weights blend over
  // about that distance. Measured 20 at ratio 8.
  EXPECT_LE(halo, 24);
  // A smooth ramp stays monotonic after the gain: no tone inversions.
  Halide::Runtime::Buffer<float, 2> ramp(w, h);
  ramp.for_each_element([&](int x, int yy) { ramp(x, yy) = 0.001f * std::pow(1000.0f, x / float(w - 1)); });
  ASSERT_TRUE(local_tone_gain(ramp, 8.0f, &gain).ok());
  for (int x = 1; x < w; ++x) EXPECT_GE(ramp(x, y) * gain(x, y), ramp(x - 1, y) * gain(x - 1, y) * 0.999f) << x;
}

}  // namespace
}  // namespace nb
