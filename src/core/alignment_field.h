// AlignmentField: where each tile of the reference frame is found in another
// frame. The unit between the alignment stage and the merge stage.
#pragma once

#include <HalideBuffer.h>

namespace nb {

// Displacements are in plane pixels (the 2x2-binned grid, i.e. two sensor
// pixels), so an integer displacement keeps the CFA phase. Tile (tx, ty)
// covers plane pixels [tx*tile_size, (tx+1)*tile_size) and likewise in y; the
// content of that reference tile is found at the same place plus
// displacement(tx, ty, {0: dx, 1: dy}) in the other frame.
struct AlignmentField {
  int tile_size = 0;
  int tiles_x = 0;
  int tiles_y = 0;
  Halide::Runtime::Buffer<float, 3> displacement;  // (tx, ty, 2)
  Halide::Runtime::Buffer<float, 2> confidence;    // (tx, ty), 1 = certain, 0 = failed

  // An all-zero field (the reference frame aligned to itself).
  static AlignmentField zero(int plane_width, int plane_height, int tile_size);
};

}  // namespace nb
