// Noise model of a frame when its file carries none: variance = scale*x + offset
// per CFA position, fitted to the flattest blocks of each plane at each signal level
// (in the spirit of Foi et al. 2008's single-image Poissonian-Gaussian fit).
#pragma once

#include "nightburst/raw_frame.h"

namespace nb {

// Fits the noise profile of one frame. Always returns a valid profile; in a
// frame without flat regions it over-estimates (texture counts as noise).
NoiseProfile estimate_noise_profile(const RawFrame& frame);

// The frame's own profile (its file's NoiseProfile) when it has one, else the estimate.
inline NoiseProfile frame_noise_profile(const RawFrame& frame) {
  return frame.meta.noise.valid ? frame.meta.noise : estimate_noise_profile(frame);
}

}  // namespace nb
