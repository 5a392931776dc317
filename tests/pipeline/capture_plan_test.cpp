// Capture planning: the policy's limits and monotonic behaviour (and its
// docs/cli.md table), and the scene measured from two synthetic previews.
#include "nightburst/capture_plan.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iomanip>
#include <sstream>

#include "test_util.h"

namespace nb {
namespace {

SceneMeasurement scene(double lux, double camera_px_per_s, double moving = 0) {
  SceneMeasurement s;
  s.lux = lux;
  s.camera_px_per_s = camera_px_per_s;
  s.moving_fraction = moving;
  return s;
}

const double kLux[] = {0.05, 0.1, 0.3, 1, 3, 10, 30, 100, 1000, 10000};
const double kCameraMotion[] = {0, 0.5, 1.9, 2, 5, 10, 20, 40, 80, 200, 1000};

TEST(CapturePlanTest, NightSightLimits) {
  for (double budget : {6.0, 2.0, 20.0})
    for (double lux : kLux)
      for (double camera : kCameraMotion)
        for (double moving : {0.0, 0.3, 1.0}) {
          const CapturePlan p = plan_capture(scene(lux, camera, moving), budget);
          SCOPED_TRACE(::testing::Message() << lux << " lux, " << camera << " px/s, moving "
                                            << moving << ", budget " << budget);
          EXPECT_EQ(p.tripod, camera < kTripodPxPerS);
          EXPECT_LE(p.exposure_s, (p.tripod ? 1.0 : 1.0 / 15) + 1e-12);
          EXPECT_LE(p.frames, p.tripod ? 6 : 15);
          EXPECT_GE(p.frames, 3);
          EXPECT_GE(p.exposure_s, kShortestExposureS - 1e-12);
          EXPECT_LE(p.total_s, budget + 1e-9);
          EXPECT_NEAR(p.total_s, p.frames * p.exposure_s, 1e-12);
          EXPECT_EQ(p.too_dark, lux < kDarkestLux);
        }
  // Night Sight's published end points.
  const CapturePlan tripod = plan_capture(scene(0.3, 0.5));
  EXPECT_EQ(tripod.frames, 6);
  EXPECT_DOUBLE_EQ(tripod.exposure_s, 1.0);
  const CapturePlan hand_held = plan_capture(scene(0.3, 10));
  EXPECT_EQ(hand_held.frames, 15);
  EXPECT_DOUBLE_EQ(hand_held.exposure_s, 1.0 / 15);
}

TEST(CapturePlanTest, MoreMotionShorterFramesMoreOfThem) {
  for (double lux : kLux)
    for (double moving : {0.0, 0.5}) {
      CapturePlan previous = plan_capture(scene(lux, 0, moving));
      for (double camera : kCameraMotion) {
        const CapturePlan p = plan_capture(scene(lux, camera, moving));
        EXPECT_LE(p.exposure_s, previous.exposure_s + 1e-12)
            << lux << " lux, " << camera << " px/s";
        // More frames, until the hand-held cap replaces the tripod one.
        if (p.tripod == previous.tripod) {
          EXPECT_GE(p.frames, previous.frames) << lux << " lux, " << camera;
        }
        previous = p;
      }
    }
  for (double lux : kLux)
    for (double camera : kCameraMotion) {
      const CapturePlan still = plan_capture(scene(lux, camera, 0)),
                        moving = plan_capture(scene(lux, camera, 0.6));
      EXPECT_LE(moving.exposure_s, still.exposure_s + 1e-12)
          << lux << " lux, " << camera << " px/s";
    }
}

TEST(CapturePlanTest, DarkerScenesGetMoreLight) {
  for (double camera : kCameraMotion)
    for (double moving : {0.0, 0.5}) {
      CapturePlan brighter = plan_capture(scene(kLux[std::size(kLux) - 1], camera, moving));
      for (int i = int(std::size(kLux)) - 2; i >= 0; --i) {
        const CapturePlan p = plan_capture(scene(kLux[i], camera, moving));
        EXPECT_GE(p.total_s, brighter.total_s - 1e-12) << kLux[i] << " lux, " << camera << " px/s";
        EXPECT_GE(p.exposure_s, brighter.exposure_s - 1e-12)
            << kLux[i] << " lux, " << camera << " px/s";
        brighter = p;
      }
    }
}

std::string exposure_text(double s) {
  std::ostringstream out;
  if (s >= 0.5) {
    out << std::setprecision(2) << s << " s";
  } else {
    out << "1/" << std::lround(1 / s) << " s";
  }
  return out.str();
}

// The policy table in docs/cli.md, from the policy itself.
TEST(CapturePlanTest, ReadmeTableIsThePolicy) {
  struct Condition {
    const char* name;
    double camera, moving;
  };
  const Condition conditions[] = {{"tripod (0.5 px/s)", 0.5, 0},
                                  {"steady hands (10 px/s)", 10, 0},
                                  {"shaky hands (40 px/s)", 40, 0},
                                  {"steady hands, moving subject (10 px/s, 50% moving)", 10, 0.5}};
  std::ostringstream table;
  table << "| scene | 0.3 lux | 1 lux | 3 lux | 10 lux | 30 lux | 100 lux |\n| --- | --- | --- | "
           "--- | --- | --- | --- |\n";
  for (const Condition& c : conditions) {
    table << "| " << c.name << " |";
    for (double lux : {0.3, 1.0, 3.0, 10.0, 30.0, 100.0}) {
      const CapturePlan p = plan_capture(scene(lux, c.camera, c.moving));
      table << " " << p.frames << " × " << exposure_text(p.exposure_s) << " |";
    }
    table << "\n";
  }
  testing::check_doc_table("docs/cli.md", "capture-plan-table", "tests/pipeline/capture_plan_test.cpp",
                              table.str());
}

// Two frames of a synthetic hand-held burst as previews: the camera speed is
// the true shift over the interval; the illuminance scales as 1 / (t ISO).
TEST(CapturePlanTest, SceneMeasuredFromTwoPreviews) {
  SynthOptions o = testing::small_options(71);
  o.width = 512;
  o.height = 384;
  o.frames = 2;
  o.motion_sigma_px = 4;
  o.max_rotation_deg = 0;
  const SynthBurst b = testing::make_burst(o);
  const double interval = 0.05;
  SceneMeasurement m;
  ASSERT_TRUE(measure_scene(b.frames[0], b.frames[1], interval, 1.8, &m).ok());
  const double true_speed =
      std::hypot(b.motion[1].dx_px - b.motion[0].dx_px, b.motion[1].dy_px - b.motion[0].dy_px) /
      interval;
  std::printf("camera %.1f px/s (true %.1f), moving %.3f, %.2f lux\n", m.camera_px_per_s,
              true_speed, m.moving_fraction, m.lux);
  EXPECT_NEAR(m.camera_px_per_s, true_speed, 0.2 / interval);  // 0.2 px of shift
  EXPECT_LT(m.moving_fraction, 0.1);                           // nothing moves on its own
  EXPECT_GT(m.lux, 0);
  RawFrame longer = b.frames[0];
  longer.meta.exposure_s *= 2;
  SceneMeasurement half;
  ASSERT_TRUE(measure_scene(longer, b.frames[1], interval, 1.8, &half).ok());
  EXPECT_NEAR(half.lux, m.lux / 2, 1e-9 * m.lux);

  // The same still scene with and without a moving object.
  SynthOptions still = o;
  still.seed = 72;
  still.motion_sigma_px = 0;
  SynthOptions moving = still;
  moving.moving_object = true;
  const SynthBurst sb = testing::make_burst(still), mb = testing::make_burst(moving);
  SceneMeasurement without_subject, with_subject;
  ASSERT_TRUE(measure_scene(sb.frames[0], sb.frames[1], interval, 1.8, &without_subject).ok());
  ASSERT_TRUE(measure_scene(mb.frames[0], mb.frames[1], interval, 1.8, &with_subject).ok());
  std::printf(
      "still scene: camera %.1f px/s, moving %.3f; with a moving object: camera %.1f px/s, moving "
      "%.3f\n",
      without_subject.camera_px_per_s, without_subject.moving_fraction,
      with_subject.camera_px_per_s, with_subject.moving_fraction);
  EXPECT_LT(without_subject.camera_px_per_s, kTripodPxPerS);
  EXPECT_GT(with_subject.moving_fraction, without_subject.moving_fraction + 0.01);

  RawFrame unknown = b.frames[0];
  unknown.meta.iso = 0;
  EXPECT_EQ(measure_scene(unknown, b.frames[1], interval, 1.8, &m).code(), StatusCode::kBadInput);
}

}  // namespace
}  // namespace nb
