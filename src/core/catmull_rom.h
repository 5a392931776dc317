// Catmull-Rom cubic interpolation weights, shared by the merge's CFA-plane
// resampling and the synthetic burst's frame warping.
#pragma once

namespace nb {

// Weights of the samples at -1, 0, 1, 2 for a fractional offset t in [0, 1).
inline void catmull_rom_weights(float t, float w[4]) {
  float t2 = t * t, t3 = t2 * t;
  w[0] = 0.5f * (-t3 + 2 * t2 - t);
  w[1] = 0.5f * (3 * t3 - 5 * t2 + 2);
  w[2] = 0.5f * (-3 * t3 + 4 * t2 + t);
  w[3] = 0.5f * (t3 - t2);
}

}  // namespace nb
