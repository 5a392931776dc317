// A procedural night scene with known content: sky gradient, textured ground,
// buildings with lit windows, street lamps that clip, a colour chart, a
// Siemens star and bar patterns for fine detail.
#pragma once

#include <HalideBuffer.h>

#include <cstdint>

namespace nb {

// sRGB values in [0, 1], (x, y, c), 2x2 supersampled. Deterministic in `seed`.
Halide::Runtime::Buffer<float, 3> render_night_scene(int width, int height, uint64_t seed);

}  // namespace nb
