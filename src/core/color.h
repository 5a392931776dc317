// Colour conversions shared by finishing, white balance and the synthetic
// burst maker: camera RGB <-> XYZ <-> linear sRGB by the DNG colour model,
// and the sRGB curve.
#pragma once

#include <Eigen/Dense>
#include <cmath>

#include "nightburst/raw_frame.h"

namespace nb {

// Linear sRGB (D65) -> CIE XYZ.
Eigen::Matrix3d xyz_from_linear_srgb();

// The DNG colour model (DNG 1.4, "Mapping Camera Color Space to CIE XYZ
// Space"), which raw developers share: the camera's matrices at two
// calibration lights are interpolated in inverse temperature for the scene
// light, camera RGB = AnalogBalance * CameraCalibration * ColorMatrix * XYZ,
// and the light's white is adapted to D65 (Bradford) on the way to sRGB.

// The correlated colour temperature of an EXIF LightSource code (17 standard
// light A 2856 K, 21 D65 6504 K, ...); 0 for unknown codes.
double light_source_kelvin(int code);
// Correlated colour temperature of a chromaticity given as XYZ (McCamy's
// cubic, within a few kelvin of Robertson's method on the locus from 2000
// to 12000 K), clamped to 1667..25000 K.
double correlated_color_temperature(const Eigen::Vector3d& xyz);
// Bradford chromatic adaptation between two whites (XYZ).
Eigen::Matrix3d bradford_adaptation(const Eigen::Vector3d& from_white, const Eigen::Vector3d& to_white);
// CIE XYZ (Y = 1) of D50 and D65.
Eigen::Vector3d d50_xyz();
Eigen::Vector3d d65_xyz();

// XYZ -> camera RGB under a light of `kelvin`: AnalogBalance *
// CameraCalibration * ColorMatrix, the two calibrations' matrices weighted
// by inverse temperature (clamped to the nearer outside their range); one
// calibration, or one of unknown light, is used as it is. Identity without
// calibrations.
Eigen::Matrix3d camera_from_xyz(const RawMetadata& meta, double kelvin);

// The scene light a camera neutral (camera RGB of a neutral surface, G = 1)
// stands for, found as the DNG specification says: the light's chromaticity
// and the matrices interpolated for its temperature, iterated to agreement.
struct SceneLight {
  Eigen::Vector3d white_xyz{0.9642, 1.0, 0.8251};  // Y = 1
  double kelvin = 5003;
};
SceneLight scene_light_for_neutral(const RawMetadata& meta, const Eigen::Vector3d& camera_neutral);

// White-balanced camera RGB (the neutral at (1, 1, 1)) -> linear sRGB for a
// scene light given by its camera neutral: the forward matrices when every
// calibration has one, else the inverted colour matrix and the light's white
// adapted to D65. A neutral maps to (1, 1, 1). Identity without calibrations.
Eigen::Matrix3d srgb_from_balanced_camera(const RawMetadata& meta, const Eigen::Vector3d& camera_neutral);

// The camera's neutral (G = 1) for a light of chromaticity given as XYZ.
Eigen::Vector3d camera_neutral_for_xyz(const RawMetadata& meta, const Eigen::Vector3d& xyz);

// CIE XYZ (Y = 1) of a Planckian radiator at `kelvin` (Kim et al. 2002 cubic fit, 1667..25000 K).
Eigen::Vector3d planckian_xyz(double kelvin);

// A 16-bit sample as 8 bits, rounded: (v * 255 + 32767) / 65535 (PNG and
// JPEG output, the C API's RGBA8). The division by 65535 written with shifts,
// (t + (t >> 16) + 1) >> 16, equal to it for every 16-bit v (checked for
// all 65 536): vector units have no integer division, so loops of it
// vectorise.
inline uint8_t to_8bit(uint16_t v) {
  const uint32_t t = v * 255u + 32767u;
  return uint8_t((t + (t >> 16) + 1) >> 16);
}

inline float srgb_encode(float v) {
  if (v <= 0.0031308f) return 12.92f * (v > 0 ? v : 0);
  return 1.055f * std::pow(v, 1.0f / 2.4f) - 0.055f;
}
inline float srgb_decode(float v) {
  if (v <= 0.04045f) return v / 12.92f;
  return std::pow((v + 0.055f) / 1.055f, 2.4f);
}

}  // namespace nb
