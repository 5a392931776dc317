// Does a frame show the reference's scene? Measured on many pairs of
// unrelated scenes (bright, dark, and sharing a flat sky) and on true
// bursts with heavy hand shake and a moving object, dark ones included:
// every unrelated pair must be told apart, and no frame of a true burst
// lost. Both rates and the extremes are printed.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "core/buffer_copy.h"
#include "stages/align_tiles.h"
#include "stages/scene_match.h"
#include "test_util.h"

namespace nb {
namespace {

SceneMatch match(const RawFrame& reference, const RawFrame& alternate) {
  std::unique_ptr<FrameAligner> aligner;
  const NoiseProfile& noise = reference.meta.noise;
  EXPECT_TRUE(FrameAligner::create(reference, noise, TileAlignParams(), Implementation::kHalide, &aligner).ok());
  AlignmentField field;
  SceneMatch scene;
  EXPECT_TRUE(aligner->align(alternate, &field, &scene).ok());
  return scene;
}

SynthOptions scene_options(uint64_t seed, double scene_mean) {
  SynthOptions o = testing::small_options(seed);
  o.frames = 2;
  o.scene_mean = scene_mean;
  return o;
}

// The frame mirrored left to right and top to bottom (keeping its CFA
// phase): the synthetic scenes of different seeds share the chart, the star
// and the bar patterns at one place, which real unrelated scenes do not.
RawFrame mirrored(const RawFrame& f) {
  RawFrame m = f;
  m.mosaic = owned_copy(f.mosaic);
  const int w = f.mosaic.width(), h = f.mosaic.height();
  testing::for_each_xy(m.mosaic, [&](int x, int y) { m.mosaic(x, y) = f.mosaic((w - 1 - x) ^ 1, (h - 1 - y) ^ 1); });
  return m;
}

// The top `fraction` of the frame replaced by one flat sky level, with the
// frame's own noise: two unrelated scenes that share their sky.
void flat_sky(RawFrame* f, double level, double fraction, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const RawMetadata& m = f->meta;
  for (int y = 0; y < int(f->mosaic.height() * fraction); ++y)
    for (int x = 0; x < f->mosaic.width(); ++x) {
      const int p = cfa_index(x, y);
      const double range = m.white_level - m.black_level[p];
      std::normal_distribution<double> noise(0, std::sqrt(m.noise.variance(p, level)));
      f->mosaic(x, y) = uint16_t(std::clamp(m.black_level[p] + (level + noise(rng)) * range, 0.0, 65535.0));
    }
}

// How many frames the test would merge: those it finds the same scene,
// and those it cannot judge (which the merge's own robustness then judges).
struct Tally {
  int cases = 0, merged = 0, undecided = 0;
  double lowest = 2, highest = -2;  // over the decided
  void add(const SceneMatch& s) {
    ++cases;
    if (!s.decided) {
      ++undecided;
      ++merged;
      return;
    }
    merged += s.correlation >= kMinSceneCorrelation;
    lowest = std::min(lowest, s.correlation);
    highest = std::max(highest, s.correlation);
  }
  void print(const char* what) const {
    std::printf("%s: %d of %d merged, %d of them undecided (decided: correlation %.3f to %.3f)\n", what, merged,
                cases, undecided, lowest, highest);
  }
};

// Scene means 0.04 (dusk), 0.004 (night) and 0.001 (5 stops below dusk).
TEST(SceneMatchTest, UnrelatedScenesAreToldApartAndNoBurstLosesAFrame) {
  constexpr int kScenes = 5;
  Tally shared_layout, unrelated, sky, same;
  for (double mean : {0.04, 0.004, 0.001}) {
    std::vector<SynthBurst> scenes;
    for (int i = 0; i < kScenes; ++i) scenes.push_back(testing::make_burst(scene_options(100 + i, mean)));
    for (int i = 0; i < kScenes; ++i)
      for (int j = 0; j < kScenes; ++j) {
        const RawFrame& reference = scenes[size_t(i)].frames[0];
        const RawFrame& other = scenes[size_t(j)].frames[1];
        if (i == j) {
          same.add(match(reference, other));
          continue;
        }
        shared_layout.add(match(reference, other));
        const RawFrame flipped = mirrored(other);
        unrelated.add(match(reference, flipped));
        // The same two scenes under one flat sky over their upper half.
        RawFrame a = reference, b = flipped;
        a.mosaic = owned_copy(a.mosaic);
        flat_sky(&a, 2 * mean, 0.5, 7 * i + j);
        flat_sky(&b, 2 * mean, 0.5, 11 * i + j + 100);
        sky.add(match(a, b));
      }
  }
  // True bursts: heavy hand shake and rotation, a fast object over a
  // seventh of the frame, down to a scene mean of 0.001.
  for (double mean : {0.04, 0.004, 0.001}) {
    for (uint64_t seed : {31, 32}) {
      SynthOptions o = scene_options(seed, mean);
      o.width = 512;
      o.height = 384;
      o.frames = 6;
      o.motion_sigma_px = 8;
      o.max_rotation_deg = 1.0;
      o.moving_object = true;
      o.object_radius = 0.25;
      o.object_speed_px = 24;
      const SynthBurst b = testing::make_burst(o);
      for (int k = 1; k < o.frames; ++k) same.add(match(b.frames[0], b.frames[size_t(k)]));
    }
  }
  unrelated.print("unrelated scenes (mirrored)");
  sky.print("unrelated scenes under one flat sky");
  shared_layout.print("synthetic scenes of other seeds (chart, star and bars at the same place)");
  same.print("frames of true bursts");
  EXPECT_EQ(unrelated.merged, 0);
  EXPECT_EQ(sky.merged, 0);
  EXPECT_EQ(shared_layout.merged, 0);
  EXPECT_EQ(same.merged, same.cases);
}

TEST(SceneMatchTest, FlatReferenceIsUndecided) {
  SynthBurst b = testing::make_burst(scene_options(5, 0.004));
  RawFrame flat = b.frames[0], other = b.frames[1];
  flat.mosaic = owned_copy(flat.mosaic);
  other.mosaic = owned_copy(other.mosaic);
  flat_sky(&flat, 0.01, 1.0, 1);
  flat_sky(&other, 0.01, 1.0, 2);
  const SceneMatch s = match(flat, other);
  std::printf("flat reference: structure %.3f (decides above %.2f)\n", s.structure, kMinSceneStructure);
  EXPECT_FALSE(s.decided);
  EXPECT_LT(s.structure, kMinSceneStructure);
}

}  // namespace
}  // namespace nb
