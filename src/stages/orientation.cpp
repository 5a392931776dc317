// The output's geometry: DefaultCrop, and the EXIF orientation's flips and
// quarter turns of the finished image.
#include "stages/orientation.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace nb {

CropRect crop_for_size(const CropRect& crop, int from_width, int from_height, int to_width, int to_height) {
  if (from_width == to_width && from_height == to_height) return crop;
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

Halide::Runtime::Buffer<uint16_t, 3> cropped(const Halide::Runtime::Buffer<uint16_t, 3>& image, const CropRect& crop) {
  Halide::Runtime::Buffer<uint16_t, 3> out(crop.width, crop.height, image.channels());
  for (int c = 0; c < image.channels(); ++c)
    for (int y = 0; y < crop.height; ++y)
      std::copy(&image(crop.left, crop.top + y, c), &image(crop.left, crop.top + y, c) + crop.width, &out(0, y, c));
  return out;
}

Halide::Runtime::Buffer<uint16_t, 3> apply_orientation(const Halide::Runtime::Buffer<uint16_t, 3>& in,
                                                       int orientation) {
  if (orientation <= 1 || orientation > 8) return in;
  int w = in.width(), h = in.height(), channels = in.channels();
  bool swap_axes = orientation >= 5;
  int ow = swap_axes ? h : w, oh = swap_axes ? w : h;
  Halide::Runtime::Buffer<uint16_t, 3> out(ow, oh, channels);
  for (int c = 0; c < channels; ++c)
    for (int Y = 0; Y < oh; ++Y)
      for (int X = 0; X < ow; ++X) {
        int x = X, y = Y;
        switch (orientation) {
          case 2: x = w - 1 - X; break;                // mirror horizontal
          case 3: x = w - 1 - X; y = h - 1 - Y; break; // rotate 180
          case 4: y = h - 1 - Y; break;                // mirror vertical
          case 5: x = Y; y = X; break;                 // transpose
          case 6: x = Y; y = h - 1 - X; break;         // rotate 90 clockwise
          case 7: x = w - 1 - Y; y = h - 1 - X; break; // transverse
          case 8: x = w - 1 - Y; y = X; break;         // rotate 90 counter-clockwise
        }
        out(X, Y, c) = in(x, y, c);
      }
  return out;
}

}  // namespace nb
