// Constants of the HDR+ tile alignment, shared by the C++ reference and the
// Halide generators (which bake them in at compile time). No dependencies, so
// the generators can include it.
#pragma once

#include <array>

namespace nb::align {

constexpr int kLevels = 4;
// Level i+1 is level i decimated by kFactors[i+1] (HDR+: 1, 2, 4, 4). Reach
// at full resolution: 2 * (1 + 2*4 + 8*4 + 32*4) = 338 sensor pixels.
constexpr std::array<int, kLevels> kFactors = {1, 2, 4, 4};
constexpr std::array<int, kLevels> kTileSize = {16, 16, 16, 8};
constexpr std::array<int, kLevels> kSearchRadius = {1, 4, 4, 4};
// Levels 0 and 1 compare tiles by L1, the coarser ones by L2. HDR+ uses L1
// only at level 0; at level 1, L1's sums are exact in 32 bits where L2's
// need 64: the search there took 46 % fewer of a 12 MP burst's CPU samples,
// with every quality figure within 0.01 dB (docs/benchmarks.md).
constexpr int kFinestL2Level = 2;
constexpr bool uses_l1(int level) { return level < kFinestL2Level; }
// Lucas-Kanade iterations after the quadratic fit (Wronski et al. 2019 use 3).
constexpr int kLucasKanadeIterations = 3;
// The pyramid is stored as 16-bit integers (binned gray in [0, 1] times this)
// so tile distances are exact integer sums: the Halide search and the
// reference pick identical integer displacements whatever the summation order.
constexpr float kGrayScale = 65535.0f;

constexpr int tile_stride(int level) { return kTileSize[level] / 2; }
// The largest integer displacement the search can reach at a level, in that
// level's pixels: its own radius plus the coarser level's reach scaled up
// (level 0: 169, so 338 sensor pixels).
constexpr int search_reach(int level) {
  return level == kLevels - 1 ? kSearchRadius[level]
                              : kFactors[level + 1] * search_reach(level + 1) + kSearchRadius[level];
}
constexpr int tile_count(int extent, int level) {
  return extent < kTileSize[level] ? 1 : (extent - kTileSize[level]) / tile_stride(level) + 1;
}

}  // namespace nb::align
