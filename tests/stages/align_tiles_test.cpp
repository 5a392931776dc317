#include "stages/align_tiles.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/bayer_planes.h"
#include "test_util.h"

namespace nb {
namespace {

TEST(QuadraticSubpixelTest, RecoversTheMinimumOfAQuadratic) {
  const double mx = 0.31, my = -0.42;
  double c[3][3];
  for (int j = -1; j <= 1; ++j)
    for (int i = -1; i <= 1; ++i)
      c[j + 1][i + 1] = 3 * (i - mx) * (i - mx) + 2 * (j - my) * (j - my) + 0.5 * (i - mx) * (j - my) + 7;
  double ox, oy, curvature;
  quadratic_subpixel(c, &ox, &oy, &curvature);
  EXPECT_NEAR(ox, mx, 1e-9);
  EXPECT_NEAR(oy, my, 1e-9);
  EXPECT_GT(curvature, 0);
  // A saddle has no minimum: no offset.
  for (int j = -1; j <= 1; ++j)
    for (int i = -1; i <= 1; ++i) c[j + 1][i + 1] = i * i - j * j;
  quadratic_subpixel(c, &ox, &oy, &curvature);
  EXPECT_EQ(ox, 0);
  EXPECT_EQ(oy, 0);
}

struct AlignErrors {
  double rms_px = 0;          // over confident tiles
  double confident_fraction = 0;
  double max_flat_error_px = 0;  // largest error among tiles with confidence < 0.5
};

GrayPyramid pyramid(const RawFrame& frame) {
  GrayPyramid p;
  Status s = build_gray_pyramid(binned_gray(frame), &p);
  EXPECT_TRUE(s.ok()) << s.message();
  return p;
}

AlignmentField align(const GrayPyramid& ref, const GrayPyramid& alt, const NoiseProfile& noise) {
  TileMatches m;
  Status s = match_tiles(ref, alt, &m);
  EXPECT_TRUE(s.ok()) << s.message();
  return alignment_from_matches(m, tile_difference_variance(ref, noise), TileAlignParams());
}

AlignErrors measure(const SynthBurst& b) {
  GrayPyramid ref = pyramid(b.frames[b.reference]);
  double se = 0;
  int confident = 0, total = 0;
  AlignErrors e;
  for (size_t k = 0; k < b.frames.size(); ++k) {
    if (int(k) == b.reference) continue;
    AlignmentField f = align(ref, pyramid(b.frames[k]), b.noise);
    for (int ty = 0; ty < f.tiles_y; ++ty)
      for (int tx = 0; tx < f.tiles_x; ++tx) {
        double cx = tx * f.tile_stride + (f.tile_size - 1) / 2.0, cy = ty * f.tile_stride + (f.tile_size - 1) / 2.0;
        double dx, dy;
        true_plane_displacement(b, int(k), cx, cy, &dx, &dy);
        double err = std::hypot(f.displacement(tx, ty, 0) - dx, f.displacement(tx, ty, 1) - dy);
        ++total;
        if (f.confidence(tx, ty) >= 0.5f) {
          se += err * err;
          ++confident;
        } else {
          e.max_flat_error_px = std::max(e.max_flat_error_px, err);
        }
      }
  }
  e.rms_px = std::sqrt(se / std::max(1, confident));
  e.confident_fraction = double(confident) / total;
  return e;
}

SynthOptions align_options(uint64_t seed, double shot, double scene_mean) {
  SynthOptions o = testing::small_options(seed);
  o.width = 512;
  o.height = 384;
  o.frames = 4;
  o.shot_noise = shot;
  o.read_noise = -1;
  o.scene_mean = scene_mean;
  o.motion_sigma_px = 3;
  o.max_rotation_deg = 0.5;
  return o;
}

TEST(AlignTilesTest, TranslationAndRotationAtModerateNoise) {
  AlignErrors e = measure(testing::make_burst(align_options(31, 0.001, 0.08)));
  std::printf("moderate: rms %.3f px over %.0f%% confident tiles\n", e.rms_px, 100 * e.confident_fraction);
  EXPECT_LE(e.rms_px, 0.15);
  EXPECT_GE(e.confident_fraction, 0.6);
}

TEST(AlignTilesTest, TranslationAndRotationInTheDark) {
  // The synth tool's darkest setting: shot noise 0.012, scene at 4% of white.
  AlignErrors e = measure(testing::make_burst(align_options(32, 0.012, 0.04)));
  std::printf("darkest: rms %.3f px over %.0f%% confident tiles\n", e.rms_px, 100 * e.confident_fraction);
  EXPECT_LE(e.rms_px, 0.3);
}

// A shift of (64, -60) sensor pixels, beyond any hand shake in a burst.
TEST(AlignTilesTest, LargeMotionIsFound) {
  SynthOptions o = align_options(33, 0.001, 0.08);
  o.frames = 2;
  o.motion_sigma_px = 0;
  o.max_rotation_deg = 0;
  SynthBurst b = testing::make_burst(o);
  // Shift frame 0's mosaic by whole CFA tiles: content at p appears at p + (64, -60) sensor pixels.
  RawFrame moved = b.frames[0];
  moved.mosaic = Halide::Runtime::Buffer<uint16_t, 2>(o.width, o.height);
  for (int y = 0; y < o.height; ++y)
    for (int x = 0; x < o.width; ++x) {
      int sx = (std::clamp(x - 64, 0, o.width - 1) & ~1) | (x & 1);
      int sy = (std::clamp(y + 60, 0, o.height - 1) & ~1) | (y & 1);
      moved.mosaic(x, y) = b.frames[0].mosaic(sx, sy);
    }
  AlignmentField f = align(pyramid(b.frames[0]), pyramid(moved), b.noise);
  // Tiles whose content stays inside the frame after the move.
  int right = 0, checked = 0;
  for (int ty = 0; ty < f.tiles_y; ++ty)
    for (int tx = 0; tx < f.tiles_x; ++tx) {
      int x0 = tx * f.tile_stride, y0 = ty * f.tile_stride;
      if (x0 + 32 + f.tile_size >= o.width / 2 || y0 < 30 || f.confidence(tx, ty) < 0.5f) continue;
      ++checked;
      right += std::abs(f.displacement(tx, ty, 0) - 32) < 0.2 && std::abs(f.displacement(tx, ty, 1) + 30) < 0.2;
    }
  std::printf("large motion: %d of %d confident tiles within 0.2 px\n", right, checked);
  EXPECT_GT(checked, 100);
  EXPECT_GE(right, checked * 95 / 100);
}

TEST(AlignTilesTest, FlatTilesHaveBoundedErrorOrLowConfidence) {
  SynthOptions o = align_options(34, 0.004, 0.04);
  SynthBurst b = testing::make_burst(o);
  AlignErrors e = measure(b);
  std::printf("flat tiles: worst error among low-confidence tiles %.2f px\n", e.max_flat_error_px);
  // Every confident tile is accurate (the RMS bound), and low-confidence
  // tiles, which the report counts, stay within the search reach.
  EXPECT_LE(e.rms_px, 0.3);
  EXPECT_LE(e.max_flat_error_px, 40.0);
}

// In a dark, flat scene most tiles hold nothing the search can lock onto,
// and the bare search lets them wander up to its reach. The aligner gives
// those more than 8 plane pixels from the camera's motion the camera's
// motion, unless their own displacement matches clearly better.
TEST(AlignTilesTest, WanderingFlatTilesTakeTheCameraMotion) {
  SynthOptions o = align_options(36, 0.006, 0.01);
  o.width = 1024;
  o.height = 768;
  o.frames = 3;
  SynthBurst b = testing::make_burst(o);
  const GrayPyramid ref = pyramid(b.frames[b.reference]);
  std::unique_ptr<FrameAligner> aligner;
  ASSERT_TRUE(FrameAligner::create(b.frames[b.reference], b.noise, TileAlignParams(), Implementation::kHalide,
                                   &aligner)
                  .ok());
  double bare_worst = 0, settled_worst = 0;
  int unmeasured = 0;
  for (size_t k = 0; k < b.frames.size(); ++k) {
    if (int(k) == b.reference) continue;
    const AlignmentField bare = align(ref, pyramid(b.frames[k]), b.noise);
    AlignmentField settled;
    ASSERT_TRUE(aligner->align(b.frames[k], &settled).ok());
    for (int ty = 0; ty < bare.tiles_y; ++ty)
      for (int tx = 0; tx < bare.tiles_x; ++tx) {
        double cx = tx * bare.tile_stride + (bare.tile_size - 1) / 2.0,
               cy = ty * bare.tile_stride + (bare.tile_size - 1) / 2.0, dx, dy;
        true_plane_displacement(b, int(k), cx, cy, &dx, &dy);
        auto error = [&](const AlignmentField& f) {
          return std::hypot(f.displacement(tx, ty, 0) - dx, f.displacement(tx, ty, 1) - dy);
        };
        // Tiles the search placed are left as they were.
        if (bare.confidence(tx, ty) > 0) {
          EXPECT_EQ(error(settled), error(bare));
          continue;
        }
        ++unmeasured;
        bare_worst = std::max(bare_worst, error(bare));
        settled_worst = std::max(settled_worst, error(settled));
      }
  }
  std::printf("flat tiles (%d of confidence 0): worst error %.1f px bare, %.1f px settled\n", unmeasured,
              bare_worst, settled_worst);
  EXPECT_GT(unmeasured, 1000);
  // Measured: 13.9 px bare (171 in a 12 MP burst), 8.0 settled: within the
  // 8 plane pixels a tile may wander, plus the fitted motion's error.
  EXPECT_GT(bare_worst, 12.0);
  EXPECT_LE(settled_worst, 9.0);
}

}  // namespace
}  // namespace nb

namespace nb {
namespace {

// The Halide pipelines against the C++ reference, on a burst with a moving
// object (so some tiles have no good match) and on a large shift.
TEST(AlignTilesTest, HalideMatchesTheReference) {
  SynthOptions o = align_options(35, 0.004, 0.05);
  o.moving_object = true;
  SynthBurst b = testing::make_burst(o);
  const Halide::Runtime::Buffer<float, 2> gray = binned_gray(b.frames[b.reference]);
  GrayPyramid ref = pyramid(b.frames[b.reference]);
  GrayPyramid ref_expected = build_gray_pyramid_reference(gray);
  ASSERT_EQ(ref.size(), ref_expected.size());
  for (size_t level = 0; level < ref.size(); ++level) {
    ASSERT_EQ(ref[level].width(), ref_expected[level].width());
    ASSERT_EQ(ref[level].height(), ref_expected[level].height());
    int differing = 0;
    ref[level].for_each_element([&](int x, int y) { differing += ref[level](x, y) != ref_expected[level](x, y); });
    EXPECT_EQ(differing, 0) << "pyramid level " << level;
  }
  int tiles = 0;
  double worst = 0;
  for (size_t k = 0; k < b.frames.size(); ++k) {
    if (int(k) == b.reference) continue;
    GrayPyramid alt = pyramid(b.frames[k]);
    TileMatches halide, expected = match_tiles_reference(ref, alt);
    ASSERT_TRUE(match_tiles(ref, alt, &halide).ok());
    ASSERT_EQ(halide.displacement.dim(0).extent(), expected.displacement.dim(0).extent());
    ASSERT_EQ(halide.displacement.dim(1).extent(), expected.displacement.dim(1).extent());
    expected.curvature.for_each_element([&](int tx, int ty) {
      // The curvature is a function of the integer L2 costs around the
      // integer optimum: equal curvature means the same integer displacement.
      EXPECT_EQ(halide.curvature(tx, ty), expected.curvature(tx, ty)) << "tile " << tx << "," << ty;
      for (int c = 0; c < 2; ++c)
        worst = std::max(worst, double(std::abs(halide.displacement(tx, ty, c) - expected.displacement(tx, ty, c))));
      ++tiles;
    });
  }
  std::printf("Halide against reference: %d tiles, largest sub-pixel difference %.2e px\n", tiles, worst);
  EXPECT_LE(worst, 1e-3);
}

}  // namespace
}  // namespace nb
