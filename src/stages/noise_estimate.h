// Noise model of a frame when its file carries none: variance = scale*x + offset
// per CFA position, fitted to the flattest blocks of each plane at each signal level
// (in the spirit of Foi et al. 2008's single-image Poissonian-Gaussian fit).
#pragma once

#include <array>
#include <vector>

#include "nightburst/raw_frame.h"

namespace nb {

// The measurements behind the fit, per CFA position: at each signal level
// (normalised), the variance of the flattest blocks there, corrected for
// taking the flattest. A frame too small to bin by level gives one point
// (the blocks' median level and variance) and `binned` false.
struct NoiseLevels {
  std::vector<double> level, variance;
  bool binned = true;
};
std::array<NoiseLevels, 4> measure_noise_levels(const RawFrame& frame);

// variance = scale * level + offset by least squares weighted for relative
// error, both terms kept non-negative; unbinned: the one variance as offset.
NoiseProfile fit_noise_profile(const std::array<NoiseLevels, 4>& levels);

// Fits the noise profile of one frame. Always returns a valid profile; in a
// frame without flat regions it over-estimates (texture counts as noise).
inline NoiseProfile estimate_noise_profile(const RawFrame& frame) {
  return fit_noise_profile(measure_noise_levels(frame));
}

// The frame's own profile (its file's NoiseProfile) when it has one, else the estimate.
inline NoiseProfile frame_noise_profile(const RawFrame& frame) {
  return frame.meta.noise.valid ? frame.meta.noise : estimate_noise_profile(frame);
}

}  // namespace nb
