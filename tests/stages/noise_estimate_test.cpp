#include "stages/noise_estimate.h"

#include <gtest/gtest.h>

#include <cmath>

#include "test_util.h"

namespace nb {
namespace {

// The single-frame fit recovers the synthetic camera's true noise variance
// within 30% at a dark and a mid level, for two noise settings.
TEST(NoiseEstimateTest, RecoversKnownNoiseModel) {
  for (double shot : {0.001, 0.008}) {
    SynthOptions o = testing::small_options(11);
    o.width = 768;
    o.height = 512;
    o.frames = 1;
    o.shot_noise = shot;
    o.read_noise = -1;
    o.scene_mean = 0.15;
    SynthBurst b = testing::make_burst(o);
    NoiseProfile est = estimate_noise_profile(b.frames[0]);
    ASSERT_TRUE(est.valid);
    for (double x : {0.03, 0.2}) {
      for (int pos = 0; pos < 4; ++pos) {
        double truth = b.noise.variance(pos, x), got = est.variance(pos, x);
        EXPECT_NEAR(got / truth, 1.0, 0.3) << "shot " << shot << " level " << x << " position " << pos;
      }
    }
  }
}

}  // namespace
}  // namespace nb
