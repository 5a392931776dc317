// What the visual report draws (ProcessOptions::diagnostics), checked against
// the run's own report and the synthetic burst's ground truth.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "nightburst/pipeline.h"
#include "stages/ffcc.h"
#include "stages/noise_estimate.h"
#include "core/bayer_planes.h"
#include "test_util.h"

namespace nb {
namespace {

double median_of(std::vector<float> v) {
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

// Of an sRGB image, over the pixels `where` says: each channel's mean, and
// the standard deviation of luma less its 3x3 mean (the noise, where the
// scene is flat).
struct ImageStats {
  std::array<double, 3> mean{};
  double high_pass_sigma = 0;
};

template <typename Where>
ImageStats image_stats(const Halide::Runtime::Buffer<uint16_t, 3>& image, Where where) {
  ImageStats s;
  auto luma = [&](int x, int y) { return 0.299 * image(x, y, 0) + 0.587 * image(x, y, 1) + 0.114 * image(x, y, 2); };
  double ss = 0;
  int64_t n = 0;
  for (int y = 1; y + 1 < image.height(); ++y)
    for (int x = 1; x + 1 < image.width(); ++x) {
      if (!where(x, y)) continue;
      double box = 0;
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) box += luma(x + dx, y + dy);
      const double r = luma(x, y) - box / 9;
      ss += r * r;
      for (int c = 0; c < 3; ++c) s.mean[size_t(c)] += image(x, y, c);
      ++n;
    }
  for (double& m : s.mean) m /= double(n);
  s.high_pass_sigma = std::sqrt(ss / double(n));
  return s;
}

class DiagnosticsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SynthOptions o = testing::small_options(31);
    o.moving_object = true;
    burst_ = new SynthBurst(testing::make_burst(o));
    ProcessOptions options;
    options.reference = 0;
    plain_ = new ProcessResult;
    ASSERT_TRUE(process_burst(burst_->frames, options, plain_).ok());
    options.diagnostics = true;
    traced_ = new ProcessResult;
    ASSERT_TRUE(process_burst(burst_->frames, options, traced_).ok());
  }
  static void TearDownTestSuite() {
    delete burst_;
    delete plain_;
    delete traced_;
  }
  static SynthBurst* burst_;
  static ProcessResult* plain_;   // without diagnostics
  static ProcessResult* traced_;  // with
};
SynthBurst* DiagnosticsTest::burst_ = nullptr;
ProcessResult* DiagnosticsTest::plain_ = nullptr;
ProcessResult* DiagnosticsTest::traced_ = nullptr;

TEST_F(DiagnosticsTest, CollectingThemChangesNoOutput) {
  EXPECT_FALSE(plain_->diagnostics.collected);
  ASSERT_TRUE(traced_->diagnostics.collected);
  const auto& a = plain_->srgb;
  const auto& b = traced_->srgb;
  ASSERT_EQ(a.width(), b.width());
  ASSERT_EQ(a.height(), b.height());
  EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin()));
  EXPECT_TRUE(std::equal(plain_->merged.begin(), plain_->merged.end(), traced_->merged.begin()));
}

// Each tile's displacement, at the centre the grid says, against the true
// motion there; the medians are the report's.
TEST_F(DiagnosticsTest, AlignmentTilesMatchTheTruthWhereConfident) {
  const Diagnostics& d = traced_->diagnostics;
  ASSERT_EQ(d.frames.size(), burst_->frames.size());
  EXPECT_TRUE(d.frames[0].dx_px.empty());  // the reference
  for (size_t i = 1; i < d.frames.size(); ++i) {
    const FrameDiagnostics& f = d.frames[i];
    const size_t tiles = size_t(f.alignment.tiles_x) * f.alignment.tiles_y;
    ASSERT_EQ(f.dx_px.size(), tiles);
    ASSERT_EQ(f.confidence.size(), tiles);
    EXPECT_NEAR(median_of(f.dx_px), traced_->report.motion[i].median_dx_px, 1e-6);
    EXPECT_NEAR(median_of(f.dy_px), traced_->report.motion[i].median_dy_px, 1e-6);
    int confident = 0, close = 0;
    for (int ty = 0; ty < f.alignment.tiles_y; ++ty)
      for (int tx = 0; tx < f.alignment.tiles_x; ++tx) {
        const size_t t = size_t(ty) * f.alignment.tiles_x + tx;
        const double cx = f.alignment.first_x_px + tx * f.alignment.stride_px,
                     cy = f.alignment.first_y_px + ty * f.alignment.stride_px;
        if (f.confidence[t] < 0.5f || burst_->object_mask(int(cx), int(cy)) != 0) continue;
        double true_dx, true_dy;  // plane pixels
        true_plane_displacement(*burst_, int(i), cx / 2, cy / 2, &true_dx, &true_dy);
        ++confident;
        close += std::hypot(f.dx_px[t] - 2 * true_dx, f.dy_px[t] - 2 * true_dy) < 0.5;
      }
    ASSERT_GT(confident, 20) << "frame " << i;
    EXPECT_GE(double(close) / confident, 0.9) << "frame " << i << ": " << close << " of " << confident;
  }
}

// The robustness weights keep the reference where the object moved and
// merge the static scene. Frame 1's disc has moved 11.5 px, under half its
// diameter, so its stripes still partly overlap the reference's there
// (measured weight 0.53): the object's drop is asserted from frame 2 on.
TEST_F(DiagnosticsTest, MergeWeightsDropWhereTheObjectMoved) {
  const Diagnostics& d = traced_->diagnostics;
  for (size_t i = 1; i < d.frames.size(); ++i) {
    const FrameDiagnostics& f = d.frames[i];
    ASSERT_EQ(f.merge_weight.size(), size_t(f.merge.tiles_x) * f.merge.tiles_y);
    double object = 0, still = 0;
    int objects = 0, stills = 0;
    for (int ty = 0; ty < f.merge.tiles_y; ++ty)
      for (int tx = 0; tx < f.merge.tiles_x; ++tx) {
        const int cx = int(f.merge.first_x_px + tx * f.merge.stride_px),
                  cy = int(f.merge.first_y_px + ty * f.merge.stride_px);
        if (cx < 24 || cy < 24 || cx >= burst_->clean_mosaic.width() - 24 || cy >= burst_->clean_mosaic.height() - 24)
          continue;  // the edge: content the hand-held shift brings in
        const float w = f.merge_weight[size_t(ty) * f.merge.tiles_x + tx];
        if (burst_->object_mask(cx, cy) == 1) {
          object += w;
          ++objects;
        } else if (burst_->object_mask(cx, cy) == 0) {
          still += w;
          ++stills;
        }
      }
    ASSERT_GT(objects, 4) << "frame " << i;
    std::printf("frame %zu: mean merge weight on the object %.3f (%d tiles), elsewhere %.3f (%d tiles)\n", i,
                object / objects, objects, still / stills, stills);
    if (i >= 2) {
      EXPECT_LT(object / objects, 0.3) << "frame " << i;
    }
    EXPECT_GT(still / stills, 0.7) << "frame " << i;
  }
}

// The reference finished alone keeps the noise the merge removed: at least
// twice the merged result's where the scene is flat and static.
TEST_F(DiagnosticsTest, ReferenceAloneKeepsTheNoise) {
  const Diagnostics& d = traced_->diagnostics;
  ASSERT_EQ(d.reference_srgb.width(), traced_->srgb.width());
  ASSERT_EQ(d.reference_srgb.height(), traced_->srgb.height());
  const auto& truth = burst_->clean_srgb;
  auto flat = [&](int x, int y) {
    if (burst_->object_mask(x, y) != 0) return false;
    for (int c = 0; c < 3; ++c) {
      float lo = 1, hi = 0;
      for (int dy = -2; dy <= 2; ++dy)
        for (int dx = -2; dx <= 2; ++dx) {
          const float v = truth(std::clamp(x + dx, 0, truth.width() - 1), std::clamp(y + dy, 0, truth.height() - 1), c);
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        }
      if (hi - lo > 0.01f) return false;
    }
    return true;
  };
  const ImageStats alone_flat = image_stats(d.reference_srgb, flat), merged_flat = image_stats(traced_->srgb, flat);
  std::printf("high-pass sigma where flat: reference alone %.1f, merged %.1f (16-bit units)\n",
              alone_flat.high_pass_sigma, merged_flat.high_pass_sigma);
  EXPECT_GT(alone_flat.high_pass_sigma, 2 * merged_flat.high_pass_sigma);
  EXPECT_EQ(d.backdrop.width(), d.reference_srgb.width() / d.backdrop_step);
}

// The reference finished alone has the merged result's look: white balance,
// exposure, tone map and finishing are the same, so a burst of identical,
// noise-free, still frames (whose merge is the reference up to the DFTs'
// float rounding, 4.5e-5 at most) finishes to the same image within that
// rounding (35 of 65535 at most, measured, where the sRGB curve is steep near
// black; an exposure 1 % off moves mid-grey by about 140).
TEST(DiagnosticsLookTest, ReferenceAloneIsFinishedLikeTheMergedResult) {
  SynthOptions o = testing::small_options(32);
  o.frames = 3;
  o.shot_noise = 0;
  o.read_noise = 0;
  o.motion_sigma_px = 0;
  o.max_rotation_deg = 0;
  const SynthBurst burst = testing::make_burst(o);
  ProcessOptions options;
  options.reference = 0;
  options.diagnostics = true;
  ProcessResult r;
  ASSERT_TRUE(process_burst(burst.frames, options, &r).ok());
  const auto& alone = r.diagnostics.reference_srgb;
  ASSERT_EQ(alone.width(), r.srgb.width());
  ASSERT_EQ(alone.height(), r.srgb.height());
  int worst = 0;
  double total = 0;
  r.srgb.for_each_element([&](int x, int y, int c) {
    const int difference = std::abs(int(alone(x, y, c)) - r.srgb(x, y, c));
    worst = std::max(worst, difference);
    total += difference;
  });
  const double mean = total / double(r.srgb.number_of_elements());
  const auto reference = normalised_mosaic(burst.frames[0]);
  float mosaic_worst = 0;
  r.merged.for_each_element([&](int x, int y) { mosaic_worst = std::max(mosaic_worst, std::abs(r.merged(x, y) - reference(x, y))); });
  std::printf("identical noise-free frames: merged mosaic vs the reference's, largest difference %.3g; finished, %d of 65535 (mean %.3f)\n", mosaic_worst, worst, mean);
  EXPECT_LE(mosaic_worst, 1e-4f);
  EXPECT_LE(worst, 64);
  EXPECT_LE(mean, 1.0);
}

TEST_F(DiagnosticsTest, NoiseIsTheFitOverItsMeasurements) {
  const NoiseDiagnostics& n = traced_->diagnostics.noise;
  const NoiseProfile estimate = estimate_noise_profile(burst_->frames[0]);
  for (int p = 0; p < 4; ++p) {
    EXPECT_EQ(n.fitted.scale[size_t(p)], estimate.scale[size_t(p)]);
    EXPECT_EQ(n.fitted.offset[size_t(p)], estimate.offset[size_t(p)]);
    EXPECT_EQ(n.level[size_t(p)].size(), n.variance[size_t(p)].size());
    EXPECT_GE(n.level[size_t(p)].size(), 8u);
  }
  EXPECT_EQ(n.cfa, "RGGB");
}

// The posterior and histogram are distributions; the estimate's bin is the
// reported illuminant's, and the truth lies within the confidence radius.
TEST_F(DiagnosticsTest, WhiteBalancePosteriorHoldsTheEstimate) {
  const AwbDiagnostics& a = traced_->diagnostics.awb;
  ASSERT_GT(a.bins, 0);
  ASSERT_EQ(a.posterior.size(), size_t(a.bins) * a.bins);
  EXPECT_NEAR(std::accumulate(a.posterior.begin(), a.posterior.end(), 0.0), 1.0, 1e-4);
  EXPECT_NEAR(std::accumulate(a.histogram.begin(), a.histogram.end(), 0.0), 1.0, 1e-4);
  auto wrapped = [&](double b) { return std::fmod(std::fmod(b, a.bins) + a.bins, a.bins); };
  const auto estimate = a.bin_of(traced_->report.awb_illuminant_rgb);
  EXPECT_NEAR(wrapped(estimate[0]), a.estimate_u_bin, 1e-3);
  EXPECT_NEAR(wrapped(estimate[1]), a.estimate_v_bin, 1e-3);
  const auto truth = a.bin_of(burst_->illuminant_rgb);
  EXPECT_LT(std::hypot(wrapped(truth[0]) - a.estimate_u_bin, wrapped(truth[1]) - a.estimate_v_bin),
            a.confidence_radius_bins);
}

}  // namespace
}  // namespace nb
