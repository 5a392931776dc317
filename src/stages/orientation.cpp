// EXIF orientation: flips and quarter turns of the finished image.
#include "stages/orientation.h"

#include <utility>

namespace nb {

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
