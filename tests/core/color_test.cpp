#include "core/color.h"

#include <gtest/gtest.h>

namespace nb {
namespace {

TEST(ColorTest, BalancedNeutralMapsToSrgbWhite) {
  RawMetadata m;
  ColorCalibration c;
  c.illuminant = 21;
  const double cm[9] = {0.9, -0.3, -0.05, -0.4, 1.3, 0.1, -0.05, 0.2, 0.6};
  std::copy(cm, cm + 9, c.color_matrix.begin());
  m.calibrations = {c};
  for (double kelvin : {2850.0, 4000.0, 6500.0}) {
    const Eigen::Vector3d neutral = camera_neutral_for_xyz(m, planckian_xyz(kelvin));
    Eigen::Vector3d white = srgb_from_balanced_camera(m, neutral) * Eigen::Vector3d(1, 1, 1);
    EXPECT_NEAR(white(0), 1, 1e-9) << kelvin;
    EXPECT_NEAR(white(1), 1, 1e-9) << kelvin;
    EXPECT_NEAR(white(2), 1, 1e-9) << kelvin;
  }
}

TEST(ColorTest, PlanckianLocusMatchesKnownChromaticities) {
  // CIE 1931 xy of Planckian radiators (published tables): 2856 K (illuminant A) and 6500 K.
  Eigen::Vector3d a = planckian_xyz(2856);
  EXPECT_NEAR(a(0) / a.sum(), 0.4476, 2e-3);
  EXPECT_NEAR(a(1) / a.sum(), 0.4074, 2e-3);
  Eigen::Vector3d d = planckian_xyz(6500);
  EXPECT_NEAR(d(0) / d.sum(), 0.3135, 2e-3);
  EXPECT_NEAR(d(1) / d.sum(), 0.3237, 2e-3);
}

TEST(ColorTest, SrgbCurveRoundTrips) {
  for (float v = 0; v <= 1.0f; v += 0.01f) EXPECT_NEAR(srgb_decode(srgb_encode(v)), v, 1e-5);
  EXPECT_NEAR(srgb_encode(0.18f), 0.4614f, 1e-3);
}

}  // namespace
}  // namespace nb
