// The output's geometry: the DNG DefaultCrop, and the EXIF orientation
// (1..8) applied so the image is stored upright.
#pragma once

#include <HalideBuffer.h>

#include <cstdint>

#include "nightburst/raw_frame.h"

namespace nb {

// `crop` of a from_width x from_height frame on a to_width x to_height image
// of the same view (Super Res Zoom's larger grid), rounded outward.
CropRect crop_for_size(const CropRect& crop, int from_width, int from_height, int to_width, int to_height);

// The `crop` part of `image` (a copy; crop inside the image).
Halide::Runtime::Buffer<uint16_t, 3> cropped(const Halide::Runtime::Buffer<uint16_t, 3>& image, const CropRect& crop);

// Returns the upright image; orientation 1 returns the input unchanged.
Halide::Runtime::Buffer<uint16_t, 3> apply_orientation(const Halide::Runtime::Buffer<uint16_t, 3>& image,
                                                       int exif_orientation);

}  // namespace nb
