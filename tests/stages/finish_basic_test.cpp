#include "stages/finish_basic.h"

#include <cstdio>
#include <gtest/gtest.h>

#include <random>

#include "core/color.h"
#include "stages/tone_look.h"
#include "nightburst/raw_frame.h"

namespace nb {
namespace {

Halide::Runtime::Buffer<float, 2> random_mosaic(int w, int h, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-0.02f, 1.1f);  // includes noise below black and clipping
  Halide::Runtime::Buffer<float, 2> m(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) m(x, y) = u(rng);
  return m;
}

FinishParams test_params(CfaPattern cfa) {
  FinishParams p;
  p.cfa = cfa;
  p.wb_gains = {2.1f, 1.0f, 1.6f};
  p.srgb_from_camera << 1.7f, -0.5f, -0.2f, -0.3f, 1.5f, -0.2f, 0.0f, -0.6f, 1.6f;
  p.exposure_gain = 2.5f;
  return p;
}

// Halide against the plain C++ reference: equal to within one 16-bit step
// (float contraction and pow may differ in the last bit before rounding),
// and equal on all but 1% of the samples.
void expect_within_one_step(const Halide::Runtime::Buffer<uint16_t, 3>& fast,
                            const Halide::Runtime::Buffer<uint16_t, 3>& ref, const std::string& what) {
  int max_diff = 0, differing = 0;
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < ref.height(); ++y)
      for (int x = 0; x < ref.width(); ++x) {
        int d = std::abs(int(fast(x, y, c)) - int(ref(x, y, c)));
        max_diff = std::max(max_diff, d);
        differing += d != 0;
      }
  const int samples = ref.width() * ref.height() * 3;
  std::printf("%s: Halide against the reference, %d of %d samples differ (%.2f%%), by at most %d\n", what.c_str(),
              differing, samples, 100.0 * differing / samples, max_diff);
  EXPECT_LE(max_diff, 1) << what;
  EXPECT_LE(differing, samples / 100) << what;
}

TEST(FinishBasicTest, HalideMatchesReferenceForAllCfaPhases) {
  for (CfaPattern cfa : {CfaPattern::kRGGB, CfaPattern::kBGGR, CfaPattern::kGRBG, CfaPattern::kGBRG}) {
    // Two whole 256-column tiles of the schedule and a tail, and across
    // rows a whole 128-row strip and a tail; odd tile counts of the local
    // tone map exercise its tails.
    auto mosaic = random_mosaic(530, 150, 5);
    FinishParams p = test_params(cfa);
    Halide::Runtime::Buffer<uint16_t, 3> fast, ref;
    ASSERT_TRUE(finish_basic(mosaic, p, &fast).ok());
    finish_basic_reference(mosaic, p, &ref);
    expect_within_one_step(fast, ref, cfa_name(cfa));
  }
}

// Finishing from camera RGB (Super Res Zoom's output, nb_finish_rgb) against
// its reference, with a local tone gain map.
TEST(FinishBasicTest, RgbInputHalideMatchesReference) {
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(-0.02f, 1.1f);
  Halide::Runtime::Buffer<float, 3> rgb(531, 151, 3);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < rgb.height(); ++y)
      for (int x = 0; x < rgb.width(); ++x) rgb(x, y, c) = u(rng);
  FinishParams p = test_params(CfaPattern::kRGGB);
  p.tone_gain = Halide::Runtime::Buffer<float, 2>(133, 38);
  for (int y = 0; y < p.tone_gain.height(); ++y)
    for (int x = 0; x < p.tone_gain.width(); ++x) p.tone_gain(x, y) = 1.0f + 0.05f * float((x * 7 + y * 3) % 11);
  Halide::Runtime::Buffer<uint16_t, 3> fast, ref;
  ASSERT_TRUE(finish_basic(rgb, p, &fast).ok());
  finish_basic_reference(rgb, p, &ref);
  expect_within_one_step(fast, ref, "rgb");
}

// A flat grey surface lit by a coloured light comes out neutral once the gains
// undo the light; a clipped region comes out white, never tinted.
TEST(FinishBasicTest, NeutralSurfaceAndClippedHighlightsComeOutNeutral) {
  for (CfaPattern cfa : {CfaPattern::kRGGB, CfaPattern::kGBRG}) {
    const float light[3] = {0.5f, 1.0f, 0.7f};
    Halide::Runtime::Buffer<float, 2> mosaic(64, 64);
    for (int y = 0; y < 64; ++y)
      for (int x = 0; x < 64; ++x) mosaic(x, y) = x < 32 ? 0.2f * light[cfa_color(cfa, x, y)] : 1.0f;
    FinishParams p = test_params(cfa);
    p.wb_gains = {2.0f, 1.0f, 1.0f / 0.7f};
    p.exposure_gain = 1.0f;
    Halide::Runtime::Buffer<uint16_t, 3> out;
    ASSERT_TRUE(finish_basic(mosaic, p, &out).ok());
    // Rows of the test matrix sum to one, so neutral stays neutral.
    for (int c = 0; c < 3; ++c) {
      EXPECT_NEAR(out(10, 10, c), out(10, 10, 1), 2) << "grey, channel " << c;
      EXPECT_EQ(out(50, 50, c), 65535) << "clipped, channel " << c;
    }
    EXPECT_NEAR(out(10, 10, 1) / 65535.0, srgb_encode(0.2f), 1e-3);
  }
}

TEST(FinishBasicTest, ExposureGainWithinBounds) {
  Halide::Runtime::Buffer<float, 2> dark(64, 64), bright(64, 64);
  dark.fill(0.01f);
  bright.fill(0.5f);
  std::array<float, 3> gains{1, 1, 1};
  EXPECT_NEAR(exposure_gain_for(mean_balanced_green(dark, CfaPattern::kRGGB, gains), 0.10), 10.0f, 1e-3);
  EXPECT_EQ(exposure_gain_for(mean_balanced_green(bright, CfaPattern::kRGGB, gains), 0.10), 1.0f);
  EXPECT_EQ(exposure_gain_for(0.0, 0.10), 32.0f);
}

// The S-curve: monotonic, fixes black and white, darkens below the pivot
// and lifts above it; contrast 0 is the identity. Halide applies the same.
TEST(FinishBasicTest, SCurveIsMonotonicAndKeepsShadowsDark) {
  for (float contrast : {0.0f, 0.4f, 1.0f}) {
    float previous = -1;
    for (int i = 0; i <= 1000; ++i) {
      float v = i / 1000.0f, s = s_curve(v, contrast, 0.35f);
      EXPECT_GT(s, previous) << v;
      previous = s;
      if (contrast == 0) {
        EXPECT_NEAR(s, v, 1e-6);
      }
    }
    EXPECT_NEAR(s_curve(0, contrast, 0.35f), 0.0f, 1e-6);
    EXPECT_NEAR(s_curve(1, contrast, 0.35f), 1.0f, 1e-6);
  }
  EXPECT_LT(s_curve(0.15f, 1.0f, 0.35f), 0.15f);  // shadows darker
  EXPECT_GT(s_curve(0.55f, 1.0f, 0.35f), 0.55f);  // mid-tones lifted
  auto mosaic = random_mosaic(96, 64, 9);
  FinishParams p = test_params(CfaPattern::kRGGB);
  p.curve_contrast = 1.0f;
  Halide::Runtime::Buffer<uint16_t, 3> fast, ref;
  ASSERT_TRUE(finish_basic(mosaic, p, &fast).ok());
  finish_basic_reference(mosaic, p, &ref);
  int max_diff = 0;
  ref.for_each_element([&](int x, int y, int c) { max_diff = std::max(max_diff, std::abs(int(fast(x, y, c)) - int(ref(x, y, c)))); });
  EXPECT_LE(max_diff, 2);
}

}  // namespace
}  // namespace nb
