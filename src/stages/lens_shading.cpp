#include "stages/lens_shading.h"

#include <algorithm>
#include <cmath>

#include "core/parallel_rows.h"

namespace nb {
namespace {

// Grid column and fraction of each covered column of the area, once per map.
struct ColumnLookup {
  std::vector<int> index;
  std::vector<float> fraction;
};

ColumnLookup column_lookup(const GainMap& m, int width) {
  ColumnLookup lookup;
  for (int x = m.left; x < m.right; x += m.col_pitch) {
    int i;
    float frac;
    m.column_position(x, width, &i, &frac);
    lookup.index.push_back(i);
    lookup.fraction.push_back(frac);
  }
  return lookup;
}

// The gain of colour `color` at sensor position (x, y): the mean over that
// colour's CFA positions of the product of the maps covering each.
float colour_gain(const std::vector<GainMap>& maps, CfaPattern cfa, int color, double x, double y, int width,
                  int height) {
  const int bx = std::clamp(int(std::floor(x)) & ~1, 0, width - 2);
  const int by = std::clamp(int(std::floor(y)) & ~1, 0, height - 2);
  float sum = 0;
  int n = 0;
  for (int p = 0; p < 4; ++p) {
    const int px = bx + (p & 1), py = by + (p >> 1);
    if (cfa_color(cfa, px, py) != color) continue;
    float g = 1;
    for (const GainMap& m : maps)
      if (m.covers(px, py, color)) g *= m.gain_at(x, y, m.after_demosaic ? color : 0, width, height);
    sum += g;
    ++n;
  }
  return n ? sum / n : 1.0f;
}

}  // namespace

void apply_gain_maps(const std::vector<GainMap>& maps, CfaPattern cfa, Halide::Runtime::Buffer<float, 2>* mosaic) {
  const int width = mosaic->width(), height = mosaic->height();
  for (const GainMap& m : maps) {
    const ColumnLookup columns = column_lookup(m, width);
    const int rows = (std::min(m.bottom, height) - m.top + m.row_pitch - 1) / m.row_pitch;
    parallel_rows(rows, 32, [&](int i) {
      const int y = m.top + i * m.row_pitch;
      std::vector<float> row_gains(m.points_h);
      for (int map_plane = 0; map_plane < (m.after_demosaic ? 3 : 1); ++map_plane) {
        // The grid interpolated to this row, then along it.
        int r;
        float fy;
        m.row_position(y, height, &r, &fy);
        const int r2 = std::min(r + 1, m.points_v - 1), p = std::min(map_plane, m.map_planes - 1);
        for (int c = 0; c < m.points_h; ++c) {
          const float a = m.gains[(size_t(r) * m.points_h + c) * m.map_planes + p];
          const float b = m.gains[(size_t(r2) * m.points_h + c) * m.map_planes + p];
          row_gains[c] = a + fy * (b - a);
        }
        float* out = &(*mosaic)(0, y);
        for (size_t k = 0; k < columns.index.size(); ++k) {
          const int x = m.left + int(k) * m.col_pitch;
          if (x >= width) break;
          if (m.after_demosaic && (cfa_color(cfa, x, y) != map_plane || !m.covers(x, y, map_plane))) continue;
          const int c = columns.index[k], c2 = std::min(c + 1, m.points_h - 1);
          out[x] *= row_gains[c] + columns.fraction[k] * (row_gains[c2] - row_gains[c]);
        }
      }
    });
  }
}

Halide::Runtime::Buffer<float, 2> with_gain_maps(const std::vector<GainMap>& maps, CfaPattern cfa,
                                                 const Halide::Runtime::Buffer<float, 2>& mosaic) {
  // Copied row by row (core/buffer_copy.h says why not Buffer::copy()).
  Halide::Runtime::Buffer<float, 2> out(mosaic.width(), mosaic.height());
  parallel_rows(mosaic.height(), 64, [&](int y) {
    const float* row = &mosaic(mosaic.dim(0).min(), mosaic.dim(1).min() + y);
    std::copy(row, row + mosaic.width(), &out(0, y));
  });
  apply_gain_maps(maps, cfa, &out);
  return out;
}

void apply_gain_maps_rgb(const std::vector<GainMap>& maps, CfaPattern cfa, int sensor_width, int sensor_height,
                         Halide::Runtime::Buffer<float, 3>* rgb) {
  if (maps.empty()) return;
  const int width = rgb->width(), height = rgb->height();
  const double sx = double(sensor_width) / width, sy = double(sensor_height) / height;
  // Gains on a coarse grid of output pixels, then bilinear between its nodes.
  constexpr int kStep = 16;
  const int nodes_x = (width - 1) / kStep + 2, nodes_y = (height - 1) / kStep + 2;
  std::vector<float> node(size_t(nodes_x) * nodes_y * 3);
  parallel_rows(nodes_y, 4, [&](int j) {
    for (int i = 0; i < nodes_x; ++i)
      for (int c = 0; c < 3; ++c)
        node[(size_t(j) * nodes_x + i) * 3 + c] =
            colour_gain(maps, cfa, c, (i * kStep + 0.5) * sx - 0.5, (j * kStep + 0.5) * sy - 0.5, sensor_width,
                        sensor_height);
  });
  parallel_rows(height, 16, [&](int y) {
    const int j = y / kStep;
    const float fy = float(y - j * kStep) / kStep;
    for (int x = 0; x < width; ++x) {
      const int i = x / kStep;
      const float fx = float(x - i * kStep) / kStep;
      for (int c = 0; c < 3; ++c) {
        auto at = [&](int jj, int ii) { return node[(size_t(jj) * nodes_x + ii) * 3 + c]; };
        const float top = at(j, i) + fx * (at(j, i + 1) - at(j, i));
        const float bottom = at(j + 1, i) + fx * (at(j + 1, i + 1) - at(j + 1, i));
        (*rgb)(x, y, c) *= top + fy * (bottom - top);
      }
    }
  });
}

std::vector<GainMap> gain_maps_for_size(std::vector<GainMap> maps, int width, int height, int new_width,
                                        int new_height) {
  auto scaled = [](int v, int pitch, int from, int to) {
    return v < pitch ? v : v == from ? to : int(std::lround(double(v) * to / from));
  };
  for (GainMap& m : maps) {
    m.top = scaled(m.top, m.row_pitch, height, new_height);
    m.bottom = scaled(m.bottom, m.row_pitch, height, new_height);
    m.left = scaled(m.left, m.col_pitch, width, new_width);
    m.right = scaled(m.right, m.col_pitch, width, new_width);
  }
  return maps;
}

}  // namespace nb
