// Gray-world white balance: the scene's average is assumed neutral, so the
// illuminant is the mean camera RGB. The stand-in until the learned AWB lands.
#pragma once

#include <HalideBuffer.h>

#include <array>

#include "nightburst/raw_frame.h"

namespace nb {

// Camera RGB of the illuminant (G = 1) from a normalised mosaic, ignoring
// clipped pixels. Falls back to `fallback` when a channel has no signal.
std::array<float, 3> gray_world_illuminant(const Halide::Runtime::Buffer<float, 2>& mosaic,
                                           CfaPattern cfa, const std::array<float, 3>& fallback);

// Gains that make the illuminant neutral: 1 / illuminant, G = 1.
std::array<float, 3> gains_for_illuminant(const std::array<float, 3>& illuminant_rgb);

}  // namespace nb
