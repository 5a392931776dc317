// Faulty frames in a burst: a frame of another scene, a frame moved beyond
// the alignment's reach, a frame two stops darker or brighter. Each must be
// rejected (the report says so) and leave no ghost or seam: the merged
// mosaic is as close to the ground truth as the merge of the good frames alone.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/buffer_copy.h"
#include "nightburst/pipeline.h"
#include "test_util.h"

namespace nb {
namespace {

constexpr int kBadFrame = 5;
constexpr int kBorder = 16;

// Maps each sample's normalised value through `scale`, clipping at white.
void rescale(RawFrame* f, float scale) {
  testing::for_each_xy(f->mosaic, [&](int x, int y) {
    const float black = f->meta.black_level[cfa_index(x, y)];
    const float v = std::min(1.0f, scale * normalise_sample(f->meta, x, y, f->mosaic(x, y)));
    f->mosaic(x, y) = uint16_t(std::max(0.0f, black + v * (f->meta.white_level - black) + 0.5f));
  });
}

double merged_psnr(const std::vector<RawFrame>& frames, const SynthBurst& truth,
                   ProcessReport* report) {
  ProcessOptions options;
  options.reference = 0;
  ProcessResult r;
  Status s = process_burst(frames, options, &r);
  EXPECT_TRUE(s.ok()) << s.message();
  if (report) *report = r.report;
  return mosaic_psnr(r.merged, truth.clean_mosaic, nullptr, 0, kBorder);
}

// One burst and its merge without the bad frame, for every test of the
// suite (its tests run in one process: tests/CMakeLists.txt).
class MergeFaults : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SynthOptions o = testing::small_options(21);
    o.width = 512;
    o.height = 384;
    o.frames = 8;
    burst_ = new SynthBurst(testing::make_burst(o));
    std::vector<RawFrame> good;
    for (int i = 0; i < o.frames; ++i)
      if (i != kBadFrame) good.push_back(burst_->frames[size_t(i)]);
    good_psnr_ = merged_psnr(good, *burst_, nullptr);
  }
  static void TearDownTestSuite() {
    delete burst_;
    burst_ = nullptr;
  }

  // Runs the burst with frame kBadFrame replaced; checks rejection and quality.
  void expect_rejected_without_trace(const RawFrame& bad, const char* what) {
    std::vector<RawFrame> frames = burst_->frames;
    frames[kBadFrame] = bad;
    ProcessReport report;
    const double psnr = merged_psnr(frames, *burst_, &report);
    const FrameMotion& m = report.motion[kBadFrame];
    std::printf(
        "%s: rejected %d, mean merge weight %.3f; PSNR %.2f dB (good frames alone %.2f dB)\n", what,
        int(m.rejected), m.mean_merge_weight, psnr, good_psnr_);
    EXPECT_TRUE(m.rejected) << what;
    EXPECT_FALSE(m.rejected_because.empty()) << what;
    std::printf("  why: %s\n", m.rejected_because.c_str());
    EXPECT_GT(psnr, good_psnr_ - 0.3) << what;
  }

  static RawFrame deep_copy(const RawFrame& f) {
    RawFrame c = f;
    c.mosaic = owned_copy(f.mosaic);  // not Buffer::copy(): see core/buffer_copy.h
    return c;
  }

  static SynthBurst* burst_;
  static double good_psnr_;
};
SynthBurst* MergeFaults::burst_ = nullptr;
double MergeFaults::good_psnr_ = 0;

TEST_F(MergeFaults, FrameOfAnotherScene) {
  SynthOptions o = testing::small_options(77);
  o.width = 512;
  o.height = 384;
  o.frames = 1;
  o.scene_mean = 0.04;
  SynthBurst other = testing::make_burst(o);
  RawFrame bad = deep_copy(other.frames[0]);
  // Mirror it so the two scenes share no layout either.
  const RawFrame source = deep_copy(bad);
  testing::for_each_xy(bad.mosaic,
                       [&](int x, int y) { bad.mosaic(x, y) = source.mosaic(511 - (x ^ 1), y); });
  expect_rejected_without_trace(bad, "another scene");
}

// Frames of three unrelated scenes (the reference's, and two others at the
// same light level): neither other frame is blended into the reference's
// scene, and the report says why.
TEST(MergeFaultsScenes, FramesOfThreeScenesAreNotBlended) {
  std::vector<RawFrame> frames;
  SynthBurst first;
  for (uint64_t seed : {41, 42, 43}) {
    SynthOptions o = testing::small_options(seed);
    o.width = 512;
    o.height = 384;
    o.frames = 1;
    SynthBurst b = testing::make_burst(o);
    if (frames.empty()) first = b;
    frames.push_back(b.frames[0]);
  }
  ProcessOptions options;
  options.reference = 0;
  ProcessResult r;
  ASSERT_TRUE(process_burst(frames, options, &r).ok());
  for (int k = 1; k <= 2; ++k) {
    const FrameMotion& m = r.report.motion[size_t(k)];
    std::printf("frame %d: scene correlation %.3f, rejected %d (%s)\n", k, m.scene_correlation, int(m.rejected),
                m.rejected_because.c_str());
    EXPECT_TRUE(m.rejected) << k;
    EXPECT_NE(m.rejected_because.find("does not show the reference's scene"), std::string::npos)
        << m.rejected_because;
  }
  // Nothing of the others in it: the merge of the reference alone.
  ProcessResult alone;
  ASSERT_TRUE(process_burst({first.frames[0]}, options, &alone).ok());
  EXPECT_NEAR(mosaic_psnr(r.merged, first.clean_mosaic, nullptr, 0, kBorder),
              mosaic_psnr(alone.merged, first.clean_mosaic, nullptr, 0, kBorder), 0.01);
}

TEST_F(MergeFaults, FrameMovedBeyondTheAlignmentsReach) {
  RawFrame bad = deep_copy(burst_->frames[kBadFrame]);
  const RawFrame source = deep_copy(bad);
  // 400 px left, 250 px down (even, so the CFA phase holds), wrapping around.
  testing::for_each_xy(bad.mosaic, [&](int x, int y) {
    bad.mosaic(x, y) = source.mosaic((x + 400) % 512, (y + 384 - 250) % 384);
  });
  expect_rejected_without_trace(bad, "huge motion");
}

TEST_F(MergeFaults, FrameTwoStopsDarker) {
  RawFrame bad = deep_copy(burst_->frames[kBadFrame]);
  rescale(&bad, 0.25f);
  expect_rejected_without_trace(bad, "two stops darker");
}

TEST_F(MergeFaults, FrameTwoStopsBrighter) {
  RawFrame bad = deep_copy(burst_->frames[kBadFrame]);
  rescale(&bad, 4.0f);
  expect_rejected_without_trace(bad, "two stops brighter");
}

}  // namespace
}  // namespace nb
