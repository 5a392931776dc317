// The classic estimators on thumbnails whose answers are known exactly.
#include "stages/white_balance.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace nb {
namespace {

RgbThumbnail thumbnail_of(int w, int h, const std::vector<std::array<float, 3>>& pixels) {
  RgbThumbnail t;
  t.width = w;
  t.height = h;
  for (const auto& p : pixels) t.rgb.insert(t.rgb.end(), p.begin(), p.end());
  t.unclipped.assign(pixels.size(), 1);
  return t;
}

TEST(WhiteBalance, ThumbnailAveragesQuadsAndFlagsClipping) {
  // 8x4 RGGB mosaic -> 4x2 quads -> factor 2 for max_side 2 -> 2x1 thumbnail.
  Halide::Runtime::Buffer<float, 2> mosaic(8, 4);
  mosaic.for_each_element([&](int x, int y) {
    const int c = cfa_color(CfaPattern::kRGGB, x, y);
    mosaic(x, y) = c == 0 ? 0.2f : c == 1 ? 0.4f : 0.1f;
  });
  mosaic(6, 2) = 0.99f;  // a red sample in the right half clips
  const RgbThumbnail t = awb_thumbnail(mosaic, CfaPattern::kRGGB, 2);
  ASSERT_EQ(t.width, 2);
  ASSERT_EQ(t.height, 1);
  EXPECT_FLOAT_EQ(t.pixel(0, 0)[0], 0.2f);
  EXPECT_FLOAT_EQ(t.pixel(0, 0)[1], 0.4f);
  EXPECT_FLOAT_EQ(t.pixel(0, 0)[2], 0.1f);
  EXPECT_EQ(t.unclipped[0], 1);
  EXPECT_EQ(t.unclipped[1], 0);
}

TEST(WhiteBalance, EstimatorsOnKnownPixels) {
  // Two surfaces, (0.2, 0.4, 0.1) and (0.6, 0.4, 0.3), plus a clipped pixel
  // and a near-black one that every estimator must ignore.
  RgbThumbnail t = thumbnail_of(
      4, 1, {{0.2f, 0.4f, 0.1f}, {0.6f, 0.4f, 0.3f}, {5, 1, 1}, {1e-5f, 2e-4f, 1e-5f}});
  t.unclipped[2] = 0;
  const Illuminant fallback{1, 1, 1};
  const Illuminant gw = gray_world(t, fallback);
  EXPECT_FLOAT_EQ(gw[0], 0.4f / 0.4f);
  EXPECT_FLOAT_EQ(gw[2], 0.2f / 0.4f);
  const Illuminant wp = white_patch(t, fallback);
  EXPECT_FLOAT_EQ(wp[0], 0.6f / 0.4f);
  EXPECT_FLOAT_EQ(wp[2], 0.3f / 0.4f);
  const Illuminant sog = shades_of_gray(t, 6.0, fallback);
  const double r6 = std::pow((std::pow(0.2, 6) + std::pow(0.6, 6)) / 2, 1.0 / 6);
  const double b6 = std::pow((std::pow(0.1, 6) + std::pow(0.3, 6)) / 2, 1.0 / 6);
  EXPECT_NEAR(sog[0], r6 / 0.4, 1e-5);
  EXPECT_NEAR(sog[2], b6 / 0.4, 1e-5);
  // No usable pixel: the fallback.
  RgbThumbnail dark = thumbnail_of(1, 1, {{0, 0, 0}});
  EXPECT_EQ(gray_world(dark, {0.5f, 1, 0.7f}), (Illuminant{0.5f, 1, 0.7f}));
}

TEST(WhiteBalance, GrayEdgeSeesOnlyEdges) {
  // A step between two grey levels under a coloured light: the gradient's
  // colour is the light's, while a big flat coloured area biases gray-world.
  const int w = 32, h = 8;
  const std::array<float, 3> light{0.5f, 1.0f, 0.8f};
  std::vector<std::array<float, 3>> pixels;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const float grey = x < 8 ? 0.2f : 0.6f;
      std::array<float, 3> p{grey * light[0], grey * light[1], grey * light[2]};
      if (x >= 16)
        p = {0.6f * light[0] * 2.0f, 0.6f * light[1], 0.6f * light[2]};  // flat reddish area
      pixels.push_back(p);
    }
  // The reddish area also has an edge at x = 16; keep only the grey step by
  // measuring gray-edge on the left half.
  const RgbThumbnail t = thumbnail_of(w, h, pixels);
  std::vector<std::array<float, 3>> left;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < 16; ++x) left.push_back(pixels[size_t(y) * w + x]);
  const Illuminant edge = gray_edge(thumbnail_of(16, h, left), 1.0, {1, 1, 1});
  EXPECT_LT(angular_error_deg(edge, light), 0.01);
  EXPECT_GT(angular_error_deg(gray_world(t, {1, 1, 1}), light), 5.0);
}

// Surfaces of random colours in 12 x 12 blocks (edges between them), mean
// green about 0.05, plus Gaussian noise of standard deviation `sigma`.
RgbThumbnail patches_with_noise(double sigma, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> level(0.02f, 0.08f);
  std::normal_distribution<float> noise(0.0f, float(sigma));
  const int w = 128, h = 96, block = 12;
  std::vector<std::array<float, 3>> surfaces(size_t((w / block + 1) * (h / block + 1)));
  for (auto& s : surfaces) s = {level(rng), level(rng), level(rng)};
  std::vector<std::array<float, 3>> pixels;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      std::array<float, 3> p = surfaces[size_t((y / block) * (w / block + 1) + x / block)];
      for (float& c : p) c += noise(rng);
      pixels.push_back(p);
    }
  return thumbnail_of(w, h, pixels);
}

TEST(WhiteBalance, NoiseIsReadFromTheFlatPartsAndSetsTheCoarsening) {
  // No noise: the edges between surfaces are no noise.
  EXPECT_LT(thumbnail_green_noise(patches_with_noise(0, 1)), 1e-6);
  EXPECT_EQ(noise_coarsening_factor(patches_with_noise(0, 1), 12), 1);
  // Signal to noise 3, 8 and 30 at the mean green (0.05).
  for (double snr : {3.0, 8.0, 30.0}) {
    const RgbThumbnail t = patches_with_noise(0.05 / snr, 2);
    const double sigma = 0.05 / snr;
    EXPECT_NEAR(thumbnail_green_noise(t), sigma, 0.1 * sigma) << "snr " << snr;
  }
  EXPECT_EQ(noise_coarsening_factor(patches_with_noise(0.05 / 3, 2), 12), 4);
  EXPECT_EQ(noise_coarsening_factor(patches_with_noise(0.05 / 8, 2), 12), 2);
  EXPECT_EQ(noise_coarsening_factor(patches_with_noise(0.05 / 30, 2), 12), 1);
}

TEST(WhiteBalance, CoarsenedAveragesBlocksAndKeepsClipping) {
  std::vector<std::array<float, 3>> pixels;
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 5; ++x) pixels.push_back({float(x), float(y), float(x + y)});
  RgbThumbnail t = thumbnail_of(5, 5, pixels);
  t.unclipped[size_t(1) * 5 + 3] = 0;  // (3, 1): in the top right block
  const RgbThumbnail c = coarsened(t, 2);
  ASSERT_EQ(c.width, 2);
  ASSERT_EQ(c.height, 2);
  EXPECT_FLOAT_EQ(c.pixel(0, 0)[0], 0.5f);
  EXPECT_FLOAT_EQ(c.pixel(1, 1)[1], 2.5f);
  EXPECT_FLOAT_EQ(c.pixel(1, 0)[2], 3.0f);
  EXPECT_EQ(c.unclipped, (std::vector<uint8_t>{1, 0, 1, 1}));
}

TEST(WhiteBalance, AngularError) {
  EXPECT_NEAR(angular_error_deg({1, 1, 1}, {2, 2, 2}), 0.0, 1e-6);
  EXPECT_NEAR(angular_error_deg({1, 0, 0}, {0, 1, 0}), 90.0, 1e-9);
  EXPECT_NEAR(angular_error_deg({1, 1, 0}, {1, 0, 0}), 45.0, 1e-9);
}

}  // namespace
}  // namespace nb
