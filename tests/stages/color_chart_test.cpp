// Colour accuracy of the finishing on the synthetic scene's colour chart:
// the clean mosaic under the true illuminant, finished without tone mapping,
// against the chart as drawn, in CIEDE2000.
#include <gtest/gtest.h>

#include <cmath>

#include "core/color.h"
#include "stages/finish_basic.h"
#include "stages/white_balance.h"
#include "test_util.h"

namespace nb {
namespace {

struct Lab {
  double l, a, b;
};

Lab lab_from_linear_srgb(const Eigen::Vector3d& rgb) {
  Eigen::Vector3d xyz = xyz_from_linear_srgb() * rgb;
  const double white[3] = {0.95047, 1.0, 1.08883};  // D65
  auto f = [](double t) { return t > 216.0 / 24389 ? std::cbrt(t) : (24389.0 / 27 * t + 16) / 116; };
  double fx = f(xyz(0) / white[0]), fy = f(xyz(1) / white[1]), fz = f(xyz(2) / white[2]);
  return {116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)};
}

// CIEDE2000 (Sharma, Wu and Dalal 2005), kL = kC = kH = 1.
double delta_e_2000(const Lab& p, const Lab& q) {
  const double deg = M_PI / 180;
  double c1 = std::hypot(p.a, p.b), c2 = std::hypot(q.a, q.b), c_mean = (c1 + c2) / 2;
  double c7 = std::pow(c_mean, 7), g = 0.5 * (1 - std::sqrt(c7 / (c7 + std::pow(25.0, 7))));
  double a1 = (1 + g) * p.a, a2 = (1 + g) * q.a;
  double cp1 = std::hypot(a1, p.b), cp2 = std::hypot(a2, q.b);
  auto hue = [&](double b, double a) {
    if (a == 0 && b == 0) return 0.0;
    double h = std::atan2(b, a) / deg;
    return h < 0 ? h + 360 : h;
  };
  double h1 = hue(p.b, a1), h2 = hue(q.b, a2);
  double dl = q.l - p.l, dc = cp2 - cp1, dh = 0;
  if (cp1 * cp2 != 0) {
    dh = h2 - h1;
    if (dh > 180) dh -= 360;
    if (dh < -180) dh += 360;
  }
  double dH = 2 * std::sqrt(cp1 * cp2) * std::sin(dh / 2 * deg);
  double l_mean = (p.l + q.l) / 2, cp_mean = (cp1 + cp2) / 2, h_mean = h1 + h2;
  if (cp1 * cp2 != 0) {
    if (std::abs(h1 - h2) <= 180) h_mean = (h1 + h2) / 2;
    else h_mean = (h1 + h2 < 360) ? (h1 + h2 + 360) / 2 : (h1 + h2 - 360) / 2;
  }
  double t = 1 - 0.17 * std::cos((h_mean - 30) * deg) + 0.24 * std::cos(2 * h_mean * deg) +
             0.32 * std::cos((3 * h_mean + 6) * deg) - 0.20 * std::cos((4 * h_mean - 63) * deg);
  double d_theta = 30 * std::exp(-std::pow((h_mean - 275) / 25, 2));
  double cp7 = std::pow(cp_mean, 7), rc = 2 * std::sqrt(cp7 / (cp7 + std::pow(25.0, 7)));
  double sl = 1 + 0.015 * std::pow(l_mean - 50, 2) / std::sqrt(20 + std::pow(l_mean - 50, 2));
  double sc = 1 + 0.045 * cp_mean, sh = 1 + 0.015 * cp_mean * t;
  double rt = -std::sin(2 * d_theta * deg) * rc;
  return std::sqrt(std::pow(dl / sl, 2) + std::pow(dc / sc, 2) + std::pow(dH / sh, 2) + rt * (dc / sc) * (dH / sh));
}

TEST(ColorChartTest, DeltaE2000MatchesPublishedPairs) {
  // Sharma et al.'s test pairs 1, 7 and 17.
  EXPECT_NEAR(delta_e_2000({50, 2.6772, -79.7751}, {50, 0, -82.7485}), 2.0425, 1e-4);
  EXPECT_NEAR(delta_e_2000({50, 0, 0}, {50, -1, 2}), 2.3669, 1e-4);
  EXPECT_NEAR(delta_e_2000({50, 2.5, 0}, {73, 25, -18}), 27.1492, 1e-4);
}

// Mean linear sRGB over a square of `half` pixels around (cx, cy).
Eigen::Vector3d patch_mean(const std::function<double(int, int, int)>& linear, int cx, int cy, int half) {
  Eigen::Vector3d sum = Eigen::Vector3d::Zero();
  int n = 0;
  for (int y = cy - half; y <= cy + half; ++y)
    for (int x = cx - half; x <= cx + half; ++x, ++n)
      for (int c = 0; c < 3; ++c) sum(c) += linear(x, y, c);
  return sum / n;
}

struct ChartError {
  double mean = 0, worst = 0;
};

// The chart of burst `b` finished from its clean mosaic under the true light
// with the colour metadata `meta`, against the chart as drawn.
ChartError chart_error(const SynthBurst& b, const RawMetadata& meta, int frame_height) {
  FinishParams p = finish_params_for(meta, b.illuminant_rgb);
  p.exposure_gain = 1.0f;
  Halide::Runtime::Buffer<uint16_t, 3> srgb;
  EXPECT_TRUE(finish_basic(b.clean_mosaic, p, &srgb).ok());
  auto out = [&](int x, int y, int c) { return double(srgb_decode(srgb(x, y, c) / 65535.0f)); };
  auto truth = [&](int x, int y, int c) { return double(srgb_decode(b.clean_srgb(x, y, c))); };
  // Patch centres: the chart starts at (0.05, 0.66) scene heights, cells of
  // 0.05, in the synth's scene, which has a margin around the frame; the
  // flattest 7x7 window of the drawn scene near each estimate is the patch.
  std::vector<Eigen::Vector3d> measured, expected;
  for (int j = 0; j < 4; ++j)
    for (int i = 0; i < 6; ++i) {
      int ex = int((0.05 + (i + 0.5) * 0.05) * frame_height), ey = int((0.66 + (j + 0.5) * 0.05) * frame_height);
      int cx = ex, cy = ey;
      double flattest = INFINITY;
      for (int y = ey - 12; y <= ey + 12; ++y)
        for (int x = ex - 12; x <= ex + 12; ++x) {
          Eigen::Vector3d mean = patch_mean(truth, x, y, 3);
          double var = 0;
          for (int v = y - 3; v <= y + 3; ++v)
            for (int u = x - 3; u <= x + 3; ++u)
              for (int c = 0; c < 3; ++c) var += std::pow(truth(u, v, c) - mean(c), 2);
          if (var < flattest) {
            flattest = var;
            cx = x;
            cy = y;
          }
        }
      measured.push_back(patch_mean(out, cx, cy, 3));
      expected.push_back(patch_mean(truth, cx, cy, 3));
    }
  // One exposure for the whole chart, fitted on the six neutral patches
  // (the scene is rendered at night level, the chart as drawn at full).
  double num = 0, den = 0;
  for (int k = 18; k < 24; ++k) {
    num += measured[k].dot(expected[k]);
    den += measured[k].dot(measured[k]);
  }
  const double exposure = num / den;
  ChartError e;
  for (int k = 0; k < 24; ++k) {
    double d = delta_e_2000(lab_from_linear_srgb(exposure * measured[k]), lab_from_linear_srgb(expected[k]));
    e.mean += d / 24;
    e.worst = std::max(e.worst, d);
  }
  return e;
}

SynthOptions chart_options(double kelvin) {
  SynthOptions o = testing::small_options(61);
  o.width = 768;
  o.height = 512;
  o.frames = 1;
  o.illuminant_kelvin = kelvin;
  return o;
}

TEST(ColorChartTest, ChartUnderTrueIlluminantWithinDeltaE3) {
  for (double kelvin : {2800.0, 4500.0, 6500.0}) {
    SynthOptions o = chart_options(kelvin);
    SynthBurst b = testing::make_burst(o);
    const ChartError e = chart_error(b, b.frames[0].meta, o.height);
    std::printf("%.0f K: mean dE2000 %.2f, worst %.2f\n", kelvin, e.mean, e.worst);
    EXPECT_LE(e.mean, 3.0) << kelvin;
  }
}

// A camera whose colour matrix changes with the light, calibrated under
// standard light A and D65 (ColorMatrix1/2, ForwardMatrix1/2, as phone DNGs
// carry): the chart at 2850 K and 6500 K, with the matrices interpolated for the light's temperature found
// from the white balance. For comparison, what the D65 calibration alone
// gives (what nightburst used before: the reader kept one matrix).
TEST(ColorChartTest, DualIlluminantCalibrationsInterpolatedWithinDeltaE1) {
  for (double kelvin : {2850.0, 4000.0, 6500.0}) {
    SynthOptions o = chart_options(kelvin);
    o.dual_illuminant = true;
    SynthBurst b = testing::make_burst(o);
    RawFrame& back = b.frames[0];  // (the tags' round trip through a DNG: DngRoundTripTest)
    ASSERT_EQ(back.meta.calibrations.size(), 2u);
    ASSERT_TRUE(back.meta.calibrations[0].has_forward_matrix());
    const ChartError forward = chart_error(b, back.meta, o.height);
    RawMetadata color_matrices_only = back.meta;
    for (ColorCalibration& c : color_matrices_only.calibrations) c.forward_matrix = {};
    const ChartError inverted = chart_error(b, color_matrices_only, o.height);
    RawMetadata daylight_only = color_matrices_only;
    daylight_only.calibrations = {daylight_only.calibrations[1]};
    const ChartError daylight = chart_error(b, daylight_only, o.height);
    std::printf("%.0f K: mean (worst) dE2000 with forward matrices %.2f (%.2f), colour matrices %.2f (%.2f), "
                "D65 matrix alone %.2f (%.2f)\n",
                kelvin, forward.mean, forward.worst, inverted.mean, inverted.worst, daylight.mean, daylight.worst);
    if (kelvin != 4000) {  // the measure's two lights; 4000 K is printed for the record
      EXPECT_LE(forward.mean, 1.0) << kelvin;
      EXPECT_LE(inverted.mean, 1.0) << kelvin;
    }
  }
}

}  // namespace
}  // namespace nb
