// The DNG colour and geometry metadata through the whole pipeline:
// dual-illuminant calibrations read for the scene light, BaselineExposure
// moving the exposure's zero point, DefaultCrop giving the output's view.
#include <gtest/gtest.h>

#include <cmath>

#include "core/color.h"
#include "nightburst/pipeline.h"
#include "test_util.h"

namespace nb {
namespace {

ProcessResult process(const std::vector<RawFrame>& frames, Look look, float superres_scale = 0) {
  ProcessOptions options;
  options.reference = 0;
  options.awb = AwbMethod::kAsShot;
  options.look = look;
  options.superres_scale = superres_scale;
  ProcessResult result;
  const Status s = process_burst(frames, options, &result);
  EXPECT_TRUE(s.ok()) << s.message();
  return result;
}

TEST(CameraColor, LightTemperatureIsReadThroughTheInterpolatedCalibrations) {
  for (double kelvin : {2850.0, 4000.0, 6500.0}) {
    SynthOptions o = testing::small_options(5);
    o.frames = 3;
    o.dual_illuminant = true;
    o.illuminant_kelvin = kelvin;
    const SynthBurst b = testing::make_burst(o);
    const ProcessResult r = process(b.frames, Look::kNatural);
    // Within 2 mired (1e6 / K) of the Planckian light's temperature: the
    // synthetic light's locus (Kim et al.'s fit) and McCamy's inverse differ
    // by about that much; a white point shift one sees is about 5 mired.
    EXPECT_NEAR(1e6 / r.report.color_temperature_k, 1e6 / kelvin, 2.0) << kelvin;
    std::printf("%.0f K light: read as %.0f K\n", kelvin, r.report.color_temperature_k);
  }
}

// A camera that means its frames a stop brighter (BaselineExposure +1):
// a bright scene, which the look leaves at its captured exposure, comes out
// twice as bright in linear terms; a dark one, which the look brings to its
// target anyway, is unchanged.
TEST(CameraColor, BaselineExposureMovesTheExposuresZeroPoint) {
  for (double scene_mean : {0.25, 0.01}) {
    SynthOptions o = testing::small_options(6);
    o.frames = 3;
    o.scene_mean = scene_mean;
    SynthBurst b = testing::make_burst(o);
    const ProcessResult plain = process(b.frames, Look::kNatural);
    for (RawFrame& f : b.frames) f.meta.baseline_exposure = 1;
    const ProcessResult brighter = process(b.frames, Look::kNatural);
    const double ratio = brighter.report.exposure_gain / plain.report.exposure_gain;
    std::printf("scene mean %.2f: exposure gain %.3f -> %.3f\n", scene_mean, plain.report.exposure_gain,
                brighter.report.exposure_gain);
    if (scene_mean > 0.1) {
      EXPECT_NEAR(ratio, 2.0, 1e-6);
      // The output's mid-tones: linear mean of unclipped pixels, twice as bright.
      double sum_plain = 0, sum_brighter = 0;
      brighter.srgb.for_each_element([&](int x, int y, int c) {
        const float p = srgb_decode(plain.srgb(x, y, c) / 65535.0f), q = srgb_decode(brighter.srgb(x, y, c) / 65535.0f);
        if (q < 0.9f) {
          sum_plain += p;
          sum_brighter += q;
        }
      });
      EXPECT_NEAR(sum_brighter / sum_plain, 2.0, 0.1);
    } else {
      EXPECT_NEAR(ratio, 1.0, 1e-6);
    }
  }
}

// DefaultCrop: the output is the crop of what the whole frame gives, pixel
// for pixel (the crop comes after finishing, so no edge handling differs),
// on the sensor's grid and on Super Res Zoom's. With an EXIF orientation the
// cropped output is turned, pixel for pixel (a portrait phone photo: 6).
TEST(CameraColor, DefaultCropIsTheOutputsView) {
  SynthOptions o = testing::small_options(7);
  o.frames = 3;
  o.crop_margin = 10;
  SynthBurst b = testing::make_burst(o);
  std::vector<RawFrame> whole = b.frames;
  for (RawFrame& f : whole) f.meta.default_crop = CropRect();
  for (float scale : {0.0f, 2.0f}) {
    const ProcessResult cropped = process(b.frames, Look::kNight, scale);
    const ProcessResult full = process(whole, Look::kNight, scale);
    const int factor = scale > 0 ? 2 : 1;
    ASSERT_EQ(full.srgb.width(), o.width * factor);
    ASSERT_EQ(cropped.srgb.width(), (o.width - 20) * factor) << scale;
    ASSERT_EQ(cropped.srgb.height(), (o.height - 20) * factor) << scale;
    const int offset = 10 * factor;
    int differing = 0;
    cropped.srgb.for_each_element([&](int x, int y, int c) {
      differing += cropped.srgb(x, y, c) != full.srgb(x + offset, y + offset, c);
    });
    EXPECT_EQ(differing, 0) << scale;
    // The merged DNG's metadata keeps the crop, on its own grid.
    EXPECT_EQ(cropped.merged_meta.default_crop.left, offset);
    EXPECT_EQ(cropped.merged_meta.default_crop.width, (o.width - 20) * factor);
    if (scale > 0) continue;
    std::vector<RawFrame> portrait = b.frames;
    for (RawFrame& f : portrait) f.meta.orientation = 6;  // turned a quarter clockwise to be upright
    const ProcessResult turned = process(portrait, Look::kNight, scale);
    ASSERT_EQ(turned.srgb.width(), cropped.srgb.height());
    ASSERT_EQ(turned.srgb.height(), cropped.srgb.width());
    int moved = 0;
    turned.srgb.for_each_element([&](int x, int y, int c) {
      moved += turned.srgb(x, y, c) != cropped.srgb(y, cropped.srgb.height() - 1 - x, c);
    });
    EXPECT_EQ(moved, 0);
  }
}

}  // namespace
}  // namespace nb
