// Constants of Super Res Zoom shared by the C++ reference and the Halide
// generators (no dependencies, so the generators can include it).
#pragma once

namespace nb::superres {

// Each output pixel gathers the 3x3 Bayer samples around where it lands in a
// frame (Wronski et al. 2019, sec. 4): every 3x3 window holds all three colours.
constexpr int kGatherRadius = 1;
// Rejection spreads to the 5x5 plane pixels around it (the paper's local
// minimum of the robustness), so the rim of a moving object is rejected too.
constexpr int kRobustnessMinRadius = 2;
// Kernel weights are exp(-min(q, kMaxExponent) / 2): far samples keep a tiny
// weight instead of underflowing, so the reference frame alone always
// leaves every channel of every output pixel a positive weight.
constexpr float kMaxExponent = 80.0f;
// The sums per output pixel: weighted value and weight per colour.
constexpr int kSumChannels = 6;

}  // namespace nb::superres
