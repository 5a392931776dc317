#include "stages/local_tone.h"

#include <gtest/gtest.h>

#include <cmath>

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
