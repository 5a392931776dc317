#include "stages/reference_select.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace nb {
namespace {

// Blur frames 0 and 2 (same-colour 3x3 box); frame 1, untouched, must be chosen.
TEST(ReferenceSelectTest, PicksTheSharpestOfTheFirstThree) {
  SynthOptions o = testing::small_options(5);
  o.frames = 4;
  SynthBurst b = testing::make_burst(o);
  for (int k : {0, 2}) {
    RawFrame& f = b.frames[k];
    Halide::Runtime::Buffer<uint16_t, 2> blurred(f.mosaic.width(), f.mosaic.height());
    for (int y = 0; y < o.height; ++y)
      for (int x = 0; x < o.width; ++x) {
        int sum = 0;
        for (int dy = -2; dy <= 2; dy += 2)
          for (int dx = -2; dx <= 2; dx += 2)
            sum += f.mosaic(std::clamp(x + dx, x & 1, o.width - 2 + (x & 1)),
                            std::clamp(y + dy, y & 1, o.height - 2 + (y & 1)));
        blurred(x, y) = uint16_t(sum / 9);
      }
    f.mosaic = blurred;
  }
  EXPECT_EQ(select_reference(b.frames), 1);
  EXPECT_GT(frame_sharpness(b.frames[1]), 1.2 * frame_sharpness(b.frames[0]));
}

}  // namespace
}  // namespace nb
