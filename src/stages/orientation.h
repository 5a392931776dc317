// Applies the EXIF orientation (1..8) so the image is stored upright.
#pragma once

#include <HalideBuffer.h>

#include <cstdint>

namespace nb {

// Returns the upright image; orientation 1 returns the input unchanged.
Halide::Runtime::Buffer<uint16_t, 3> apply_orientation(const Halide::Runtime::Buffer<uint16_t, 3>& image,
                                                       int exif_orientation);

}  // namespace nb
