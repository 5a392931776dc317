// The output's geometry: DefaultCrop, and the EXIF orientation's flips and
// quarter turns of the finished image.
#include "stages/orientation.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>

#include "core/parallel_rows.h"

namespace nb {

CropRect crop_for_size(const CropRect& crop, int from_width, int from_height, int to_width, int to_height) {
  if (crop.empty() || (from_width == to_width && from_height == to_height)) return crop;
  const double sx = double(to_width) / from_width, sy = double(to_height) / from_height;
  CropRect out;
  out.left = std::clamp(int(std::floor(crop.left * sx)), 0, to_width - 1);
  out.top = std::clamp(int(std::floor(crop.top * sy)), 0, to_height - 1);
  const int right = std::clamp(int(std::ceil((crop.left + crop.width) * sx)), out.left + 1, to_width);
  const int bottom = std::clamp(int(std::ceil((crop.top + crop.height) * sy)), out.top + 1, to_height);
  out.width = right - out.left;
  out.height = bottom - out.top;
  return out;
}

Halide::Runtime::Buffer<uint16_t, 3> upright(const Halide::Runtime::Buffer<uint16_t, 3>& image, const CropRect& crop,
                                             int exif_orientation) {
  const int orientation = exif_orientation >= 1 && exif_orientation <= 8 ? exif_orientation : 1;
  const CropRect kept = crop.empty() ? CropRect{0, 0, image.width(), image.height()} : crop;
  const bool whole = kept.left == 0 && kept.top == 0 && kept.width == image.width() && kept.height == image.height();
  if (whole && orientation == 1) return image;
  const int w = kept.width, h = kept.height, channels = image.channels();
  const bool swap_axes = orientation >= 5;
  Halide::Runtime::Buffer<uint16_t, 3> out(swap_axes ? h : w, swap_axes ? w : h, channels);
  // The kept pixel shown at (X, Y): x = x0 + x_per_X X + x_per_Y Y, and y
  // likewise, in the crop's coordinates.
  int x0 = 0, x_per_X = 1, x_per_Y = 0, y0 = 0, y_per_X = 0, y_per_Y = 1;
  switch (orientation) {
    case 2: x0 = w - 1, x_per_X = -1; break;                                          // mirror horizontal
    case 3: x0 = w - 1, x_per_X = -1, y0 = h - 1, y_per_Y = -1; break;                // rotate 180
    case 4: y0 = h - 1, y_per_Y = -1; break;                                          // mirror vertical
    case 5: x_per_X = 0, x_per_Y = 1, y_per_X = 1, y_per_Y = 0; break;                // transpose
    case 6: x_per_X = 0, x_per_Y = 1, y0 = h - 1, y_per_X = -1, y_per_Y = 0; break;   // rotate 90 clockwise
    case 7: x0 = w - 1, x_per_X = 0, x_per_Y = -1, y0 = h - 1, y_per_X = -1, y_per_Y = 0; break;  // transverse
    case 8: x0 = w - 1, x_per_X = 0, x_per_Y = -1, y_per_X = 1, y_per_Y = 0; break;   // rotate 90 counter-clockwise
  }
  const std::ptrdiff_t sx = image.dim(0).stride(), sy = image.dim(1).stride(), sc = image.dim(2).stride();
  const std::ptrdiff_t step_X = x_per_X * sx + y_per_X * sy, step_Y = x_per_Y * sx + y_per_Y * sy;
  const uint16_t* origin = &image(kept.left + x0, kept.top + y0, 0);
  uint16_t* out_origin = out.data();  // dense: x, then y, then c
  const std::ptrdiff_t out_row = out.dim(1).stride(), out_channel = out.dim(2).stride();
  // Bands of rows on the pipeline's threads (a 12 MP quarter turn took
  // 200 ms on one). A shown row is a stored row (forwards or backwards), or
  // for a quarter turn a stored column: then square tiles, so that a tile's
  // source rows are read once each, where whole output rows would stream a
  // cache line per pixel.
  constexpr int kTile = 64;
  const int out_w = out.width(), out_h = out.height();
  const bool rows_are_rows = step_X == 1 || step_X == -1;
  const int tile_width = rows_are_rows ? out_w : kTile;
  parallel_rows((out_h + kTile - 1) / kTile, 1, [&](int band) {
    const int Y_end = std::min(out_h, (band + 1) * kTile);
    for (int c = 0; c < channels; ++c)
      for (int X0 = 0; X0 < out_w; X0 += tile_width) {
        const int X_end = std::min(out_w, X0 + tile_width);
        for (int Y = band * kTile; Y < Y_end; ++Y) {
          const uint16_t* from = origin + c * sc + Y * step_Y;
          uint16_t* to = out_origin + c * out_channel + Y * out_row;
          if (step_X == 1) {
            std::copy(from + X0, from + X_end, to + X0);
          } else if (step_X == -1) {
            std::reverse_copy(from - (X_end - 1), from - X0 + 1, to + X0);
          } else {
            for (int X = X0; X < X_end; ++X) to[X] = from[X * step_X];
          }
        }
      }
  });
  return out;
}

}  // namespace nb
