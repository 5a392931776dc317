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

static Eigen::Matrix3d camera_from_xyz(const RawMetadata& meta) {
  Eigen::Matrix3d cm;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) cm(r, c) = meta.color_matrix[r * 3 + c];
  return cm;
}

Eigen::Matrix3d srgb_from_balanced_camera(const RawMetadata& meta) {
  if (!meta.has_color_matrix) return Eigen::Matrix3d::Identity();
  Eigen::Matrix3d cam_from_srgb = camera_from_xyz(meta) * xyz_from_linear_srgb();
  for (int r = 0; r < 3; ++r) {
    double s = cam_from_srgb.row(r).sum();
    if (std::abs(s) > 1e-9) cam_from_srgb.row(r) /= s;
  }
  Eigen::FullPivLU<Eigen::Matrix3d> lu(cam_from_srgb);
  if (!lu.isInvertible()) return Eigen::Matrix3d::Identity();
  return lu.inverse();
}

Eigen::Vector3d camera_neutral_for_xyz(const RawMetadata& meta, const Eigen::Vector3d& xyz) {
  Eigen::Vector3d cam = camera_from_xyz(meta) * xyz;
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
