// RawFrame: one Bayer mosaic as the sensor delivered it, plus the metadata
// every later stage needs (CFA, levels, colour, noise). The unit between I/O and the core.
#pragma once

#include <HalideBuffer.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "nightburst/status.h"

namespace nb {

// The 2x2 colour filter arrangement, named from the top-left pixel in reading order.
enum class CfaPattern { kRGGB, kBGGR, kGRBG, kGBRG };

// Colour channel (0 = R, 1 = G, 2 = B) at pixel (x, y) for `cfa`.
int cfa_color(CfaPattern cfa, int x, int y);
// Position of the red pixel inside the 2x2 tile; blue is diagonally opposite.
void cfa_red_position(CfaPattern cfa, int* red_x, int* red_y);
const char* cfa_name(CfaPattern cfa);
bool parse_cfa(const std::string& name, CfaPattern* cfa);

// Index of a pixel inside its 2x2 CFA tile: (y % 2) * 2 + (x % 2).
inline int cfa_index(int x, int y) { return ((y & 1) << 1) | (x & 1); }

// Noise model in the form of the DNG NoiseProfile tag: for a signal x normalised
// to [0, 1] (black subtracted, divided by white - black), the noise variance is
// scale * x + offset. One pair per 2x2 CFA position (cfa_index order).
struct NoiseProfile {
  std::array<double, 4> scale{};
  std::array<double, 4> offset{};
  bool valid = false;

  double variance(int cfa_position, double x) const {
    return scale[cfa_position] * (x > 0 ? x : 0) + offset[cfa_position];
  }
};

struct RawMetadata {
  int width = 0;
  int height = 0;
  CfaPattern cfa = CfaPattern::kRGGB;
  std::array<float, 4> black_level{};  // per 2x2 CFA position (cfa_index order), in ADU
  float white_level = 0;               // saturation level in ADU
  // Camera RGB of a neutral surface under the scene light, G = 1 (DNG AsShotNeutral).
  std::array<float, 3> as_shot_neutral{1, 1, 1};
  // XYZ -> camera RGB, row-major (DNG ColorMatrix1 convention); identity if unknown.
  std::array<double, 9> color_matrix{1, 0, 0, 0, 1, 0, 0, 0, 1};
  bool has_color_matrix = false;
  NoiseProfile noise;
  double exposure_s = 0;  // 0 when unknown
  double iso = 0;         // 0 when unknown
  int orientation = 1;    // EXIF orientation 1..8
  std::string make;
  std::string model;
};

// Largest frame accepted, checked before any allocation (a 200 MP sensor fits).
constexpr int64_t kMaxFramePixels = 256LL * 1024 * 1024;
constexpr double kMaxColorMatrixEntry = 100;
constexpr int kMaxFrameSide = 65535;

// Checks levels, sizes and matrices for values no stage can work with.
Status validate_metadata(const RawMetadata& meta);

struct RawFrame {
  Halide::Runtime::Buffer<uint16_t, 2> mosaic;  // (x, y), width x height
  RawMetadata meta;
  std::string source;  // file name or caller-given label, for error messages
};

// Normalised value of raw sample v at (x, y): (v - black) / (white - black).
inline float normalise_sample(const RawMetadata& m, int x, int y, uint16_t v) {
  float b = m.black_level[cfa_index(x, y)];
  return (float(v) - b) / (m.white_level - b);
}

// Back to raw samples: the inverse of normalise_sample for every pixel,
// rounded and clamped to [0, white] (a merged mosaic as a raw frame of the
// reference's levels).
Halide::Runtime::Buffer<uint16_t, 2> quantise_mosaic(const Halide::Runtime::Buffer<float, 2>& normalised,
                                                     const RawMetadata& meta);

}  // namespace nb
