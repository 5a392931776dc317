#include "stages/align_global.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/bayer_planes.h"
#include "test_util.h"

namespace nb {
namespace {

// Pure translation: the global shift must be the true shift rounded to whole plane pixels.
TEST(AlignGlobalTest, FindsTranslationToNearestPlanePixel) {
  SynthOptions o = testing::small_options(3);
  o.motion_sigma_px = 6;
  o.max_rotation_deg = 0;
  SynthBurst b = testing::make_burst(o);
  auto ref_gray = binned_gray(b.frames[0]);
  for (int k = 1; k < o.frames; ++k) {
    AlignmentField f = align_global(ref_gray, b.frames[k], GlobalAlignParams());
    double tdx, tdy;
    true_plane_displacement(b, k, 96, 64, &tdx, &tdy);
    EXPECT_LE(std::abs(f.displacement(0, 0, 0) - tdx), 0.55) << "frame " << k;
    EXPECT_LE(std::abs(f.displacement(0, 0, 1) - tdy), 0.55) << "frame " << k;
    EXPECT_EQ(f.confidence(0, 0), 1.0f);
  }
}

// Large motion: 40 sensor pixels is found through the pyramid.
TEST(AlignGlobalTest, FindsLargeShift) {
  SynthOptions o = testing::small_options(4);
  o.motion_sigma_px = 0;
  o.max_rotation_deg = 0;
  o.frames = 2;
  SynthBurst b = testing::make_burst(o);
  // Shift the reference mosaic by whole CFA tiles: content at p appears at p + (40, -24).
  RawFrame moved = b.frames[0];
  moved.mosaic = Halide::Runtime::Buffer<uint16_t, 2>(o.width, o.height);
  for (int y = 0; y < o.height; ++y)
    for (int x = 0; x < o.width; ++x) {
      int sx = (std::clamp(x - 40, 0, o.width - 1) & ~1) | (x & 1);
      int sy = (std::clamp(y + 24, 0, o.height - 1) & ~1) | (y & 1);
      moved.mosaic(x, y) = b.frames[0].mosaic(sx, sy);
    }
  AlignmentField f = align_global(binned_gray(b.frames[0]), moved, GlobalAlignParams());
  EXPECT_NEAR(f.displacement(0, 0, 0), 20.0f, 0.05);
  EXPECT_NEAR(f.displacement(0, 0, 1), -12.0f, 0.05);
}

}  // namespace
}  // namespace nb
