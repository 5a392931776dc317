// Colour conversions shared by finishing and the synthetic burst maker.
#include "core/color.h"

#include <algorithm>
#include <cmath>

namespace nb {

Eigen::Matrix3d xyz_from_linear_srgb() {
  Eigen::Matrix3d m;
  // IEC 61966-2-1 primaries, D65 white.
  m << 0.4124564, 0.3575761, 0.1804375,
       0.2126729, 0.7151522, 0.0721750,
       0.0193339, 0.1191920, 0.9503041;
  return m;
}

double light_source_kelvin(int code) {
  // The temperatures DNG readers give the EXIF LightSource codes (standard
  // illuminants by definition; the rest by their usual lamps).
  switch (code) {
    case 1: return 5500;   // daylight
    case 2: return 4150;   // fluorescent (cool white, F2)
    case 3: return 2850;   // tungsten
    case 4: return 5500;   // flash
    case 9: return 5500;   // fine weather
    case 10: return 6500;  // cloudy
    case 11: return 7500;  // shade
    case 12: return 6430;  // daylight fluorescent (D 5700-7100 K)
    case 13: return 5000;  // day white fluorescent (N 4600-5400 K)
    case 14: return 4150;  // cool white fluorescent (W 3900-4500 K)
    case 15: return 3450;  // white fluorescent (WW 3200-3700 K)
    case 16: return 2940;  // warm white fluorescent (L 2600-3250 K)
    case 17: return 2856;  // standard light A
    case 18: return 4874;  // standard light B
    case 19: return 6774;  // standard light C
    case 20: return 5503;  // D55
    case 21: return 6504;  // D65
    case 22: return 7504;  // D75
    case 23: return 5003;  // D50
    case 24: return 3200;  // ISO studio tungsten
    default: return 0;
  }
}

double correlated_color_temperature(const Eigen::Vector3d& xyz) {
  const double sum = xyz.sum();
  if (!(sum > 0)) return 5003;
  const double x = xyz(0) / sum, y = xyz(1) / sum;
  if (std::abs(0.1858 - y) < 1e-9) return 25000;
  const double n = (x - 0.3320) / (0.1858 - y);
  const double kelvin = ((449 * n + 3525) * n + 6823.3) * n + 5520.33;
  return std::isfinite(kelvin) ? std::clamp(kelvin, 1667.0, 25000.0) : 5003;
}

Eigen::Matrix3d bradford_adaptation(const Eigen::Vector3d& from_white, const Eigen::Vector3d& to_white) {
  Eigen::Matrix3d cone;
  cone << 0.8951, 0.2664, -0.1614,
         -0.7502, 1.7135, 0.0367,
          0.0389, -0.0685, 1.0296;
  const Eigen::Vector3d from = cone * from_white, to = cone * to_white;
  return cone.inverse() * to.cwiseQuotient(from).asDiagonal() * cone;
}

Eigen::Vector3d d50_xyz() { return Eigen::Vector3d(0.96422, 1.0, 0.82521); }
// sRGB's white as its own matrix has it (0.95046, 1, 1.08906), so a
// neutral adapted to it is exactly sRGB (1, 1, 1).
Eigen::Vector3d d65_xyz() { return xyz_from_linear_srgb() * Eigen::Vector3d::Ones(); }

namespace {

Eigen::Matrix3d as_matrix(const std::array<double, 9>& m) {
  Eigen::Matrix3d out;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) out(r, c) = m[size_t(r * 3 + c)];
  return out;
}

// Which calibrations a light of `kelvin` uses and how much of the first:
// the DNG specification's weighting in inverse temperature.
struct CalibrationBlend {
  const ColorCalibration* first = nullptr;
  const ColorCalibration* second = nullptr;  // null: the first alone
  double first_weight = 1;
};

CalibrationBlend blend_for(const RawMetadata& meta, double kelvin) {
  CalibrationBlend blend;
  if (meta.calibrations.empty()) return blend;
  blend.first = &meta.calibrations[0];
  if (meta.calibrations.size() < 2) return blend;
  double t1 = light_source_kelvin(meta.calibrations[0].illuminant);
  double t2 = light_source_kelvin(meta.calibrations[1].illuminant);
  if (t1 <= 0 || t2 <= 0 || t1 == t2) return blend;
  blend.second = &meta.calibrations[1];
  blend.first_weight = std::clamp((1 / kelvin - 1 / t2) / (1 / t1 - 1 / t2), 0.0, 1.0);
  return blend;
}

Eigen::Matrix3d blended(const CalibrationBlend& blend, std::array<double, 9> ColorCalibration::*matrix) {
  Eigen::Matrix3d m = as_matrix(blend.first->*matrix);
  if (blend.second)
    m = blend.first_weight * m + (1 - blend.first_weight) * as_matrix(blend.second->*matrix);
  return m;
}

// AnalogBalance * CameraCalibration: reference camera RGB -> this camera's RGB.
Eigen::Matrix3d camera_from_reference(const RawMetadata& meta, const CalibrationBlend& blend) {
  const Eigen::Vector3d analog(meta.analog_balance[0], meta.analog_balance[1], meta.analog_balance[2]);
  return analog.asDiagonal() * blended(blend, &ColorCalibration::camera_calibration);
}

Eigen::Matrix3d inverse_or_identity(const Eigen::Matrix3d& m) {
  Eigen::FullPivLU<Eigen::Matrix3d> lu(m);
  return lu.isInvertible() ? Eigen::Matrix3d(lu.inverse()) : Eigen::Matrix3d::Identity();
}

Eigen::Matrix3d srgb_from_xyz() { return xyz_from_linear_srgb().inverse(); }

}  // namespace

Eigen::Matrix3d camera_from_xyz(const RawMetadata& meta, double kelvin) {
  const CalibrationBlend blend = blend_for(meta, kelvin);
  if (!blend.first) return Eigen::Matrix3d::Identity();
  return camera_from_reference(meta, blend) * blended(blend, &ColorCalibration::color_matrix);
}

SceneLight scene_light_for_neutral(const RawMetadata& meta, const Eigen::Vector3d& camera_neutral) {
  SceneLight light;
  if (meta.calibrations.empty()) {
    light.white_xyz = d65_xyz();
    light.kelvin = 6504;
    return light;
  }
  // Start from D50 and move to the light whose interpolated matrices map it
  // to the neutral; a few rounds settle to far below a kelvin.
  Eigen::Vector3d white = d50_xyz();
  for (int round = 0; round < 30; ++round) {
    const double kelvin = correlated_color_temperature(white);
    Eigen::Vector3d next = inverse_or_identity(camera_from_xyz(meta, kelvin)) * camera_neutral;
    if (!(next(1) > 0) || !next.allFinite() || next.minCoeff() <= 0) break;  // no light makes it: keep the last
    next /= next(1);
    const bool settled = (next - white).norm() < 1e-9;
    white = next;
    if (settled) break;
  }
  light.white_xyz = white;
  light.kelvin = correlated_color_temperature(white);
  return light;
}

Eigen::Matrix3d srgb_from_balanced_camera(const RawMetadata& meta, const Eigen::Vector3d& camera_neutral) {
  if (meta.calibrations.empty()) return Eigen::Matrix3d::Identity();
  const SceneLight light = scene_light_for_neutral(meta, camera_neutral);
  const CalibrationBlend blend = blend_for(meta, light.kelvin);
  bool forward = blend.first->has_forward_matrix() && (!blend.second || blend.second->has_forward_matrix());
  Eigen::Matrix3d xyz_from_balanced;
  if (forward) {
    // ForwardMatrix maps reference camera RGB balanced for the light to XYZ
    // with D50's white.
    const Eigen::Matrix3d reference_from_camera = inverse_or_identity(camera_from_reference(meta, blend));
    const Eigen::Vector3d reference_neutral = reference_from_camera * camera_neutral;
    xyz_from_balanced = bradford_adaptation(d50_xyz(), d65_xyz()) *
                        blended(blend, &ColorCalibration::forward_matrix) *
                        reference_neutral.cwiseInverse().asDiagonal() * reference_from_camera *
                        camera_neutral.asDiagonal();
  } else {
    xyz_from_balanced = bradford_adaptation(light.white_xyz, d65_xyz()) *
                        inverse_or_identity(camera_from_xyz(meta, light.kelvin)) * camera_neutral.asDiagonal();
  }
  Eigen::Matrix3d srgb = srgb_from_xyz() * xyz_from_balanced;
  // The neutral's brightness is the finishing's business: scale it to sRGB (1, 1, 1).
  const double white_y = (srgb * Eigen::Vector3d::Ones())(1);
  if (white_y > 0 && std::isfinite(white_y)) srgb /= white_y;
  return srgb.allFinite() ? srgb : Eigen::Matrix3d::Identity();
}

Eigen::Vector3d camera_neutral_for_xyz(const RawMetadata& meta, const Eigen::Vector3d& xyz) {
  Eigen::Vector3d cam = camera_from_xyz(meta, correlated_color_temperature(xyz)) * xyz;
  return cam / cam(1);
}

Eigen::Vector3d planckian_xyz(double kelvin) {
  double t = std::clamp(kelvin, 1667.0, 25000.0);
  double t2 = t * t, t3 = t2 * t;
  double x = t <= 4000 ? -0.2661239e9 / t3 - 0.2343589e6 / t2 + 0.8776956e3 / t + 0.179910
                       : -3.0258469e9 / t3 + 2.1070379e6 / t2 + 0.2226347e3 / t + 0.240390;
  double x2 = x * x, x3 = x2 * x;
  double y;
  if (t <= 2222)
    y = -1.1063814 * x3 - 1.34811020 * x2 + 2.18555832 * x - 0.20219683;
  else if (t <= 4000)
    y = -0.9549476 * x3 - 1.37418593 * x2 + 2.09137015 * x - 0.16748867;
  else
    y = 3.0817580 * x3 - 5.87338670 * x2 + 3.75112997 * x - 0.37001483;
  return Eigen::Vector3d(x / y, 1.0, (1 - x - y) / y);
}

}  // namespace nb
