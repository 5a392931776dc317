// The output's geometry: the DNG DefaultCrop, and the EXIF orientation
// (1..8) applied so the image is stored upright.
#pragma once

#include <HalideBuffer.h>

#include <cstdint>

#include "nightburst/raw_frame.h"

namespace nb {

// `crop` of a from_width x from_height frame on a to_width x to_height image
// of the same view (Super Res Zoom's larger grid), rounded outward; an empty
// crop (none) stays empty.
CropRect crop_for_size(const CropRect& crop, int from_width, int from_height, int to_width, int to_height);

// The finished image as it is shown: the `crop` part of `image` (all of it
// when `crop` is empty; inside the image), turned upright by the EXIF
// orientation (1..8; any other value is taken as 1). A new image, made on
// the Halide runtime's threads; `image` itself when there is nothing to do.
Halide::Runtime::Buffer<uint16_t, 3> upright(const Halide::Runtime::Buffer<uint16_t, 3>& image, const CropRect& crop,
                                             int exif_orientation);

}  // namespace nb
