// BurstSession: frames added one at a time, each dropped by the caller once
// added, give the all-at-once result, and the session keeps no more frames
// than the reference choice needs.
#include <gtest/gtest.h>

#include <algorithm>

#include <cstring>

#include "nightburst/pipeline.h"
#include "test_util.h"

namespace nb {
namespace {

// Frame buffers allocated through here are counted while alive.
int live_frame_buffers = 0;
void* counted_allocate(size_t bytes) {
  ++live_frame_buffers;
  return std::malloc(bytes);
}
void counted_free(void* p) {
  --live_frame_buffers;
  std::free(p);
}

// A deep copy of `frame` whose mosaic is counted.
RawFrame counted_copy(const RawFrame& frame) {
  RawFrame copy;
  copy.meta = frame.meta;
  copy.source = frame.source;
  copy.mosaic =
      Halide::Runtime::Buffer<uint16_t, 2>(nullptr, frame.mosaic.width(), frame.mosaic.height());
  copy.mosaic.allocate(counted_allocate, counted_free);
  copy.mosaic.copy_from(frame.mosaic);
  return copy;
}

bool same_pixels(const Halide::Runtime::Buffer<float, 2>& a,
                 const Halide::Runtime::Buffer<float, 2>& b) {
  return a.width() == b.width() && a.height() == b.height() &&
         std::memcmp(a.data(), b.data(), a.size_in_bytes()) == 0;
}

bool same_pixels(const Halide::Runtime::Buffer<uint16_t, 3>& a,
                 const Halide::Runtime::Buffer<uint16_t, 3>& b) {
  if (a.width() != b.width() || a.height() != b.height()) return false;
  int differing = 0;
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < a.height(); ++y)
      for (int x = 0; x < a.width(); ++x) differing += a(x, y, c) != b(x, y, c);
  return differing == 0;
}

// Streams `burst` into a session, each frame a counted copy released right
// after it is added; records the live frame buffers after each addition.
Status stream(const SynthBurst& burst, const ProcessOptions& options, ProcessResult* result,
              std::vector<int>* live_after_add) {
  BurstSession session(options);
  for (const RawFrame& frame : burst.frames) {
    Status s = session.add_frame(counted_copy(frame));
    live_after_add->push_back(live_frame_buffers);
    if (!s.ok()) return s;
  }
  return session.finish(result);
}

TEST(BurstSessionTest, FrameByFrameEqualsAllAtOnceWithConstantMemory) {
  SynthOptions o = testing::small_options(61);
  o.frames = 8;
  o.moving_object = true;
  const SynthBurst b = testing::make_burst(o);
  for (int reference : {-1, 5}) {
    ProcessOptions options;
    options.reference = reference;
    ProcessResult all_at_once, streamed;
    ASSERT_TRUE(process_burst(b.frames, options, &all_at_once).ok());
    std::vector<int> live;
    Status s = stream(b, options, &streamed, &live);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(live_frame_buffers, 0);
    // Bit for bit: the same frames through the same running sums.
    EXPECT_TRUE(same_pixels(streamed.merged, all_at_once.merged)) << "reference " << reference;
    EXPECT_TRUE(same_pixels(streamed.srgb, all_at_once.srgb)) << "reference " << reference;
    EXPECT_EQ(streamed.report.reference, all_at_once.report.reference);
    for (size_t i = 0; i < b.frames.size(); ++i)
      EXPECT_EQ(streamed.report.motion[i].mean_merge_weight,
                all_at_once.report.motion[i].mean_merge_weight);
    // Held frames: until the reference is known and the defects are looked
    // for (the first five: the reference's three candidates and enough
    // alternates to show which pixels are fixed to the sensor; or up to
    // frame 5), none after.
    const int held_until = std::max(reference, 4);
    for (size_t i = 0; i < live.size(); ++i) {
      const int expected = int(i) < held_until ? int(i) + 1 : 0;
      EXPECT_EQ(live[i], expected) << "after frame " << i << ", reference " << reference;
    }
  }
}

TEST(BurstSessionTest, AFrameThatDisagreesIsNamedAndEndsTheSession) {
  SynthOptions o = testing::small_options(62);
  o.frames = 4;
  SynthBurst b = testing::make_burst(o);
  b.frames[3].meta.cfa = CfaPattern::kGBRG;  // (levels may differ now: a CFA may not)
  b.frames[3].source = "frame_03.dng";
  BurstSession session{ProcessOptions()};
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(session.add_frame(b.frames[i]).ok());
  Status s = session.add_frame(b.frames[3]);
  EXPECT_EQ(s.code(), StatusCode::kBadInput);
  EXPECT_NE(s.message().find("frame_03.dng"), std::string::npos) << s.message();
  ProcessResult r;
  EXPECT_EQ(session.finish(&r).message(), s.message());
}

TEST(BurstSessionTest, ReferenceBeyondTheBurstIsRefusedAtTheEnd) {
  SynthOptions o = testing::small_options(63);
  o.frames = 2;
  const SynthBurst b = testing::make_burst(o);
  ProcessOptions options;
  options.reference = 4;
  BurstSession session(options);
  for (const RawFrame& f : b.frames) ASSERT_TRUE(session.add_frame(f).ok());
  ProcessResult r;
  Status s = session.finish(&r);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("out of range"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace nb
