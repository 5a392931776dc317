#include "stages/demosaic.h"

namespace nb {

Halide::Runtime::Buffer<float, 3> demosaic_reference(const Halide::Runtime::Buffer<float, 2>& mosaic, CfaPattern cfa) {
  Halide::Runtime::Buffer<float, 3> rgb(mosaic.width(), mosaic.height(), 3);
  for (int y = 0; y < mosaic.height(); ++y)
    for (int x = 0; x < mosaic.width(); ++x) {
      float v[3];
      demosaic_pixel(mosaic, cfa, x, y, v);
      for (int c = 0; c < 3; ++c) rgb(x, y, c) = v[c];
    }
  return rgb;
}

}  // namespace nb
