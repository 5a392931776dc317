#include "core/alignment_field.h"

#include "core/fill_dense.h"

namespace nb {

AlignmentField AlignmentField::zero(int plane_width, int plane_height, int tile_size) {
  AlignmentField f;
  f.tile_size = tile_size;
  f.tile_stride = tile_size;
  f.tiles_x = (plane_width + tile_size - 1) / tile_size;
  f.tiles_y = (plane_height + tile_size - 1) / tile_size;
  f.displacement = Halide::Runtime::Buffer<float, 3>(f.tiles_x, f.tiles_y, 2);
  fill_dense(f.displacement, 0.0f);
  f.confidence = Halide::Runtime::Buffer<float, 2>(f.tiles_x, f.tiles_y);
  fill_dense(f.confidence, 1.0f);
  return f;
}

}  // namespace nb
