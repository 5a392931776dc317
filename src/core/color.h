// Colour conversions shared by finishing and the synthetic burst maker:
// camera RGB <-> linear sRGB from a DNG-style XYZ->camera matrix, and the sRGB curve.
#pragma once

#include <Eigen/Dense>
#include <cmath>

#include "nightburst/raw_frame.h"

namespace nb {

// Linear sRGB (D65) -> CIE XYZ.
Eigen::Matrix3d xyz_from_linear_srgb();

// White-balanced camera RGB -> linear sRGB. Follows the usual raw-converter
// convention: camera_from_srgb = ColorMatrix * xyz_from_srgb with each row
// scaled to sum to one, so that after white balance a neutral (1,1,1) stays
// (1,1,1) and the white point needs no separate adaptation; this is the inverse.
Eigen::Matrix3d srgb_from_balanced_camera(const RawMetadata& meta);

// The camera's neutral (G = 1) for a light of chromaticity given as XYZ.
Eigen::Vector3d camera_neutral_for_xyz(const RawMetadata& meta, const Eigen::Vector3d& xyz);

// CIE XYZ (Y = 1) of a Planckian radiator at `kelvin` (Kim et al. 2002 cubic fit, 1667..25000 K).
Eigen::Vector3d planckian_xyz(double kelvin);

// A 16-bit sample as 8 bits, rounded (PNG output, the C API's RGBA8).
inline uint8_t to_8bit(uint16_t v) { return uint8_t((v * 255u + 32767u) / 65535u); }

inline float srgb_encode(float v) {
  if (v <= 0.0031308f) return 12.92f * (v > 0 ? v : 0);
  return 1.055f * std::pow(v, 1.0f / 2.4f) - 0.055f;
}
inline float srgb_decode(float v) {
  if (v <= 0.04045f) return v / 12.92f;
  return std::pow((v + 0.055f) / 1.055f, 2.4f);
}

}  // namespace nb
