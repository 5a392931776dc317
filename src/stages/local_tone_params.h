// Constants of the exposure fusion, shared by the C++ reference and the
// Halide generator (no dependencies, so the generator can include it).
#pragma once

namespace nb::tone {

constexpr int kLevels = 6;                 // pyramid levels (coarsest ~1/32 of the quarter-res image)
constexpr float kWellExposedSigma = 0.2f;  // weight exp(-(v - 0.5)^2 / (2 sigma^2)), v display-referred
constexpr int kDownscale = 4;              // sensor pixels per gain map pixel, each way

}  // namespace nb::tone
