// AlignmentField: where each tile of the reference frame is found in another
// frame. The unit between the alignment stage and the merge stage.
#pragma once

#include <HalideBuffer.h>

namespace nb {

// Displacements are in plane pixels (the 2x2-binned grid, i.e. two sensor
// pixels), so an integer displacement keeps the CFA phase. Tile (tx, ty)
// covers plane pixels [tx*tile_stride, tx*tile_stride + tile_size) and
// likewise in y (tiles overlap when the stride is smaller than the size); the
// content of that reference tile is found at the same place plus
// displacement(tx, ty, {0: dx, 1: dy}) in the other frame.
struct AlignmentField {
  int tile_size = 0;
  int tile_stride = 0;
  int tiles_x = 0;
  int tiles_y = 0;
  Halide::Runtime::Buffer<float, 3> displacement;  // (tx, ty, 2)
  Halide::Runtime::Buffer<float, 2> confidence;    // (tx, ty), 1 = certain, 0 = failed

  // Centre of tile t along either axis, in plane pixels.
  double tile_centre(int t) const { return t * double(tile_stride) + tile_size / 2.0; }

  // The tile whose centre is nearest to plane pixel (px, py).
  void nearest_tile(int px, int py, int* tx, int* ty) const {
    int half = tile_size / 2;
    int x = (px - half + tile_stride / 2) / tile_stride, y = (py - half + tile_stride / 2) / tile_stride;
    *tx = x < 0 ? 0 : (x >= tiles_x ? tiles_x - 1 : x);
    *ty = y < 0 ? 0 : (y >= tiles_y ? tiles_y - 1 : y);
  }

  // An all-zero field (the reference frame aligned to itself).
  static AlignmentField zero(int plane_width, int plane_height, int tile_size);
};

}  // namespace nb
