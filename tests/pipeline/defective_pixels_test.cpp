// Defective pixels the camera lists (DNG FixBadPixelsList/Constant,
// camera2's hot-pixel map): replaced before alignment and merge, so none
// leaves a mark or a trail, and the scene's own point lights stay.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "core/buffer_copy.h"
#include "nightburst/pipeline.h"
#include "stages/defective_pixels.h"
#include "test_util.h"

namespace nb {
namespace {

// Each defect becomes the mean of the same-colour pair across it that
// differs least, defective neighbours left out (a stuck column's pixels
// included); the caller's buffer is not written.
TEST(DefectivePixels, ReplacedByTheirSameColourNeighbours) {
  const int w = 16, h = 16;
  Halide::Runtime::Buffer<uint16_t, 2> caller(w, h);
  caller.for_each_element([&](int x, int y) { caller(x, y) = uint16_t(100 + 10 * x + 1000 * cfa_color(CfaPattern::kRGGB, x, y)); });
  caller(6, 6) = 4000;  // hot red
  caller(9, 4) = 0;     // dead green
  caller(5, 9) = 777;   // the constant: a blue the sensor marks
  RawFrame f;
  f.meta.width = w;
  f.meta.height = h;
  f.meta.cfa = CfaPattern::kRGGB;
  f.meta.defects.points = {{6, 6}, {9, 4}};
  f.meta.defects.rects = {{11, 2, 12, 12}};  // column 11, rows 2..11
  f.meta.defects.constant = 777;
  halide_dimension_t dims[2] = {{0, w, 1, 0}, {0, h, w, 0}};
  f.mosaic = Halide::Runtime::Buffer<uint16_t, 2>(caller.data(), 2, dims);  // a view, as from the C API
  const Halide::Runtime::Buffer<uint16_t, 2> before = owned_copy(caller);
  ASSERT_TRUE(validate_defects(f.meta.defects, w, h).ok());
  const std::vector<int64_t> listed = listed_defects(f);
  EXPECT_EQ(listed.size(), 2u + 10u + 1u);
  repair_listed_defects(&f);
  // On a ramp along the rows, the pair along the column (or, in the stuck
  // column, a diagonal) differs least: every defect gets its column's value.
  for (int64_t index : listed) {
    const int x = int(index % w), y = int(index / w);
    EXPECT_EQ(f.mosaic(x, y), 100 + 10 * x + 1000 * cfa_color(CfaPattern::kRGGB, x, y)) << x << "," << y;
  }
  EXPECT_EQ(f.mosaic(11, 12), before(11, 12));
  // In the corner no pair across the pixel is whole: the mean of every
  // usable same-colour pixel at distance 2, (2, 0), (0, 2) and (2, 2).
  RawFrame corner = f;
  corner.mosaic = owned_copy(before);
  corner.meta.defects = DefectList();
  corner.meta.defects.points = {{0, 0}};
  repair_listed_defects(&corner);
  EXPECT_EQ(corner.mosaic(0, 0), (before(2, 0) + before(0, 2) + before(2, 2) + 1) / 3);
  caller.for_each_element([&](int x, int y) { ASSERT_EQ(caller(x, y), before(x, y)); });
}

struct DefectCounts {
  int hot_left = 0;        // hot pixels or stuck-column pixels still more than 10 merged sigmas above the truth
  int misses = 0;          // other defect positions more than 10 sigmas off (interpolated across an edge)
  int far_elsewhere = 0;   // pixels off the defects more than 10 sigmas from the truth (trails, merge errors)
  double star_ratio = 1;   // the dimmest star's merged peak over its true peak
  int64_t found = 0;       // unlisted defects the burst showed
  double psnr_db = 0;      // of the merged mosaic against the truth, inside the border
};

// Pixels of the merged mosaic far from the truth (inside a border), and
// what became of the stars.
DefectCounts merge_and_count(const SynthBurst& b, bool find_unlisted = true) {
  ProcessOptions options;
  options.reference = 0;
  options.find_unlisted_defects = find_unlisted;
  ProcessResult r;
  const Status s = process_burst(b.frames, options, &r);
  EXPECT_TRUE(s.ok()) << s.message();
  DefectCounts counts;
  counts.found = r.report.unlisted_defects;
  const NoiseProfile& merged_noise = r.merged_meta.noise;
  double squared_error = 0;
  int64_t samples = 0;
  for (int y = 16; y < r.merged.height() - 16; ++y)
    for (int x = 16; x < r.merged.width() - 16; ++x) {
      const double truth = b.clean_mosaic(x, y), error = r.merged(x, y) - truth;
      const double limit = 10 * std::sqrt(merged_noise.variance(cfa_index(x, y), truth));
      const int defect = b.defect_mask.data() ? b.defect_mask(x, y) : 0;
      squared_error += error * error;
      ++samples;
      if ((defect == 1 || defect == 3) && error > limit) {
        ++counts.hot_left;
      } else if (defect && std::abs(error) > limit) {
        ++counts.misses;
      } else if (!defect && std::abs(error) > limit) {
        ++counts.far_elsewhere;
      }
    }
  counts.psnr_db = 10 * std::log10(double(samples) / squared_error);
  for (const auto& [x, y] : b.stars) {
    // The brightest pixel of the star's 3x3 neighbourhood, merged and true.
    float merged = 0, truth = 0;
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        merged = std::max(merged, r.merged(x + dx, y + dy));
        truth = std::max(truth, b.clean_mosaic(x + dx, y + dy));
      }
    counts.star_ratio = std::min(counts.star_ratio, double(merged / truth));
  }
  return counts;
}

// A night burst with 400 defective pixels (three in four hot, the rest
// dead) and 12 stuck column segments, listed in the metadata, and 40 stars:
// no hot pixel is left above 10 merged sigmas, no more pixels elsewhere are
// far from the truth than in the same burst without defects (no trails),
// and the stars keep what the merge keeps of them without defects.
// Unlisted and not looked for, the defects and their trails show (the next
// test finds them from the burst).
TEST(DefectivePixels, ListedDefectsLeaveNoHotPixelOrTrailAndStarsStay) {
  SynthOptions o = testing::small_options(41);
  o.width = 512;
  o.height = 384;
  o.stars = 40;
  const DefectCounts clean = merge_and_count(testing::make_burst(o));
  o.defective_pixels = 400;
  o.stuck_columns = 12;
  const DefectCounts unlisted = merge_and_count(testing::make_burst(o), false);
  o.list_defects = true;
  const SynthBurst b = testing::make_burst(o);
  ASSERT_EQ(b.frames[0].meta.defects.rects.size(), 12u);
  const DefectCounts listed = merge_and_count(b);
  std::printf("hot pixels left > 10 sigma: listed %d, unlisted %d; other defect positions > 10 sigma off: listed %d "
              "(of %zu); elsewhere: no defects %d, listed %d, unlisted %d; dimmest star's peak kept: %.3f / %.3f / "
              "%.3f\n",
              listed.hot_left, unlisted.hot_left, listed.misses,
              listed_defects(b.frames[0]).size(), clean.far_elsewhere, listed.far_elsewhere,
              unlisted.far_elsewhere, clean.star_ratio, listed.star_ratio, unlisted.star_ratio);
  EXPECT_EQ(listed.hot_left, 0);
  EXPECT_LE(listed.far_elsewhere, clean.far_elsewhere);
  EXPECT_GE(listed.star_ratio, 0.97 * clean.star_ratio);
  EXPECT_GT(unlisted.hot_left, 250);
  EXPECT_GT(unlisted.far_elsewhere, clean.far_elsewhere + 20);
}

// The same defects, listed nowhere: found from the burst (fixed to the
// sensor while the hand-held scene moves) and repaired like listed ones.
// Measured, not yet perfect: about one hot pixel in 50 stays (where the
// scene under a stuck column changes more than a vote allows, or a frame's
// shake was too small), against three in four when nobody looks.
TEST(DefectivePixels, UnlistedDefectsAreFoundFromTheBurstAndStarsStay) {
  for (uint64_t seed : {41, 42}) {
    SynthOptions o = testing::small_options(seed);
    o.width = 512;
    o.height = 384;
    o.stars = 40;
    const SynthBurst clean_burst = testing::make_burst(o);
    const DefectCounts clean = merge_and_count(clean_burst);
    const DefectCounts clean_unlooked = merge_and_count(clean_burst, false);
    o.defective_pixels = 400;
    o.stuck_columns = 12;
    const SynthBurst b = testing::make_burst(o);
    const DefectCounts unlooked = merge_and_count(b, false);
    const DefectCounts found = merge_and_count(b);
    int defects = 0;
    testing::for_each_xy(b.defect_mask, [&](int x, int y) { defects += b.defect_mask(x, y) != 0; });
    std::printf("seed %d: %lld of %d defect pixels found (%lld in the clean burst); hot pixels left > 10 sigma %d "
                "(not looked for: %d); elsewhere %d (clean %d, not looked for %d); dimmest star's peak kept %.3f "
                "(clean %.3f)\n",
                int(seed), static_cast<long long>(found.found), defects, static_cast<long long>(clean.found),
                found.hot_left, unlooked.hot_left, found.far_elsewhere, clean.far_elsewhere, unlooked.far_elsewhere,
                found.star_ratio, clean.star_ratio);
    EXPECT_LT(found.hot_left, unlooked.hot_left / 20);           // 10 and 9 of 433 and 402
    EXPECT_LE(found.far_elsewhere, clean.far_elsewhere + 2);     // no trails (85 and 110 not looked for)
    EXPECT_GE(found.star_ratio, 0.95 * clean.star_ratio);        // the stars stay
    // Without defects, what is taken for one costs nothing measurable.
    std::printf("  clean burst: merged PSNR %.3f dB looked for, %.3f dB not\n", clean.psnr_db, clean_unlooked.psnr_db);
    EXPECT_GE(clean.psnr_db, clean_unlooked.psnr_db - 0.02);
  }
}

// Frames whose samples the session may change (take_frame: the CLI's
// decoded frames) are repaired in place, with no copy, and merge exactly as
// frames it must copy (add_frame: a caller's); a caller's frames are left
// as they were.
TEST(DefectivePixels, TakenFramesAreRepairedInPlaceAndMergeAsCopiedOnes) {
  SynthOptions o = testing::small_options(44);
  o.frames = 6;
  o.defective_pixels = 200;
  o.stuck_columns = 4;
  o.list_defects = true;
  SynthBurst b = testing::make_burst(o);
  // Half of them listed, so both the listed repair (as each frame arrives)
  // and the found one (once the reference is known) run.
  b.frames[0].meta.defects.points.resize(b.frames[0].meta.defects.points.size() / 2);
  for (RawFrame& f : b.frames) f.meta.defects = b.frames[0].meta.defects;
  std::vector<Halide::Runtime::Buffer<uint16_t, 2>> before;
  for (const RawFrame& f : b.frames) before.push_back(owned_copy(f.mosaic));

  ProcessOptions options;
  options.reference = 0;
  ProcessResult copied;
  ASSERT_TRUE(process_burst(b.frames, options, &copied).ok());
  ASSERT_GT(copied.report.unlisted_defects, 50);
  for (size_t i = 0; i < b.frames.size(); ++i)
    testing::for_each_xy(before[i], [&](int x, int y) { ASSERT_EQ(b.frames[i].mosaic(x, y), before[i](x, y)); });

  // Taken: each frame's own copy, one of which we watch (a view of the
  // same samples the session is given).
  BurstSession session(options);
  Halide::Runtime::Buffer<uint16_t, 2> watched;
  for (size_t i = 0; i < b.frames.size(); ++i) {
    RawFrame frame = b.frames[i];
    frame.mosaic = owned_copy(b.frames[i].mosaic);
    if (i == 1) watched = frame.mosaic;
    ASSERT_TRUE(session.take_frame(std::move(frame)).ok());
  }
  ProcessResult taken;
  ASSERT_TRUE(session.finish(&taken).ok());
  EXPECT_EQ(taken.report.unlisted_defects, copied.report.unlisted_defects);
  int changed = 0;
  testing::for_each_xy(watched, [&](int x, int y) { changed += watched(x, y) != before[1](x, y); });
  EXPECT_GT(changed, 100);  // the hot pixels and stuck columns, repaired in the samples it was given
  testing::for_each_xy(copied.merged, [&](int x, int y) { ASSERT_EQ(taken.merged(x, y), copied.merged(x, y)); });
  ASSERT_EQ(taken.srgb.number_of_elements(), copied.srgb.number_of_elements());
  EXPECT_TRUE(std::equal(taken.srgb.begin(), taken.srgb.end(), copied.srgb.begin()));
}

// On a tripod nothing moves, so nothing can be told apart by persistence:
// nothing is taken for a defect, and the stars stay.
TEST(DefectivePixels, TripodBurstTakesNoStarForADefect) {
  SynthOptions o = testing::small_options(43);
  o.width = 512;
  o.height = 384;
  o.stars = 40;
  o.motion_sigma_px = 0;
  o.max_rotation_deg = 0;
  const DefectCounts counts = merge_and_count(testing::make_burst(o));
  std::printf("tripod: %lld found; dimmest star's peak kept %.3f\n", static_cast<long long>(counts.found),
              counts.star_ratio);
  EXPECT_EQ(counts.found, 0);
}

}  // namespace
}  // namespace nb
