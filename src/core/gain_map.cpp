// GainMap: where a DNG gain map applies, its interpolation, and camera2's
// lens-shading map in its terms.
#include <algorithm>
#include <cmath>
#include <string>

#include "nightburst/raw_frame.h"

namespace nb {

bool GainMap::covers(int x, int y, int color) const {
  const int image_plane = after_demosaic ? color : 0;
  return image_plane >= plane && image_plane < plane + planes && y >= top && y < bottom &&
         (y - top) % row_pitch == 0 && x >= left && x < right && (x - left) % col_pitch == 0;
}

namespace {

// Index into the grid along one axis for a relative position, clamped to
// the grid (the DNG SDK's rule: outside the grid the edge value holds).
void grid_position(double relative, double origin, double spacing, int points, int* index, float* fraction) {
  const double f = points > 1 ? (relative - origin) / spacing : 0;
  if (!(f > 0)) {
    *index = 0;
    *fraction = 0;
  } else if (f >= points - 1) {
    *index = points - 1;
    *fraction = 0;
  } else {
    *index = int(f);
    *fraction = float(f - *index);
  }
}

}  // namespace

void GainMap::row_position(double y, int height, int* row, float* fraction) const {
  grid_position((y + 0.5) / height, origin_v, spacing_v, points_v, row, fraction);
}

void GainMap::column_position(double x, int width, int* column, float* fraction) const {
  grid_position((x + 0.5) / width, origin_h, spacing_h, points_h, column, fraction);
}

float GainMap::gain_at(double x, double y, int map_plane, int width, int height) const {
  int row, col;
  float fy, fx;
  row_position(y, height, &row, &fy);
  column_position(x, width, &col, &fx);
  const int p = std::min(map_plane, map_planes - 1);
  auto at = [&](int r, int c) { return gains[(size_t(r) * points_h + c) * map_planes + p]; };
  const int row2 = std::min(row + 1, points_v - 1), col2 = std::min(col + 1, points_h - 1);
  const float top_row = at(row, col) + fx * (at(row, col2) - at(row, col));
  const float bottom_row = at(row2, col) + fx * (at(row2, col2) - at(row2, col));
  return top_row + fy * (bottom_row - top_row);
}

Status validate_gain_map(const GainMap& m, int width, int height) {
  auto field = [&](const std::string& what) { return bad_input("GainMap: " + what); };
  if (m.points_v < 1 || m.points_h < 1 || m.map_planes < 1 || m.points_v > kMaxGainMapPoints ||
      m.points_h > kMaxGainMapPoints || m.map_planes > kMaxGainMapPoints ||
      int64_t(m.points_v) * m.points_h * m.map_planes > kMaxGainMapPoints)
    return field("grid of " + std::to_string(m.points_h) + "x" + std::to_string(m.points_v) + "x" +
                 std::to_string(m.map_planes) + " points is empty or larger than " +
                 std::to_string(kMaxGainMapPoints));
  if (m.gains.size() != size_t(m.points_v) * m.points_h * m.map_planes)
    return field("has " + std::to_string(m.gains.size()) + " gains for a grid of " +
                 std::to_string(size_t(m.points_v) * m.points_h * m.map_planes));
  if (!std::isfinite(m.origin_v) || !std::isfinite(m.origin_h) || !std::isfinite(m.spacing_v) ||
      !std::isfinite(m.spacing_h) || (m.points_v > 1 && m.spacing_v <= 0) ||
      (m.points_h > 1 && m.spacing_h <= 0))
    return field("map spacing must be positive and origin finite");
  if (m.top < 0 || m.left < 0 || m.bottom <= m.top || m.right <= m.left || m.bottom > height ||
      m.right > width)
    return field("area rows " + std::to_string(m.top) + ".." + std::to_string(m.bottom) + ", columns " +
                 std::to_string(m.left) + ".." + std::to_string(m.right) + " is empty or outside the " +
                 std::to_string(width) + "x" + std::to_string(height) + " frame");
  if (m.row_pitch < 1 || m.col_pitch < 1 || m.row_pitch > kMaxFrameSide || m.col_pitch > kMaxFrameSide)
    return field("row and column pitch must be 1 to " + std::to_string(kMaxFrameSide));
  if (m.planes < 1 || m.plane < 0 || int64_t(m.plane) + m.planes > (m.after_demosaic ? 3 : 1))
    return field("planes " + std::to_string(m.plane) + ".." + std::to_string(int64_t(m.plane) + m.planes - 1) +
                 (m.after_demosaic ? " are not among the image's 3 colour planes"
                                   : " are not the CFA mosaic's one plane (0)"));
  for (float g : m.gains)
    if (!std::isfinite(g) || g < 0 || g > kMaxGain)
      return field("gain " + std::to_string(g) + " is outside 0.." + std::to_string(int(kMaxGain)));
  return Status();
}

std::vector<GainMap> gain_maps_from_camera2(const float* map, int columns, int rows, CfaPattern cfa,
                                            int width, int height) {
  std::vector<GainMap> maps;
  for (int position = 0; position < 4; ++position) {
    const int x = position & 1, y = position >> 1;
    const int color = cfa_color(cfa, x, y);
    // camera2's channels: R, G on even rows, G on odd rows, B.
    const int channel = color == 0 ? 0 : color == 2 ? 3 : (y == 0 ? 1 : 2);
    GainMap m;
    m.top = y;
    m.left = x;
    m.bottom = height;
    m.right = width;
    m.row_pitch = m.col_pitch = 2;
    m.points_v = rows;
    m.points_h = columns;
    m.spacing_v = rows > 1 ? 1.0 / (rows - 1) : 1.0;
    m.spacing_h = columns > 1 ? 1.0 / (columns - 1) : 1.0;
    m.gains.resize(size_t(rows) * columns);
    for (size_t i = 0; i < m.gains.size(); ++i) m.gains[i] = map[i * 4 + channel];
    maps.push_back(std::move(m));
  }
  return maps;
}

}  // namespace nb
