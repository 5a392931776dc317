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

// A DNG GainMap (DNG 1.4 §6, opcode 9): gains on a grid over the frame,
// interpolated bilinearly (edges clamped), that multiply the pixels of an
// area after black subtraction and normalisation. Lens shading on phones:
// one map per 2x2 CFA position (pitch 2) in OpcodeList2, which Android's
// DngCreator makes from camera2's STATISTICS_LENS_SHADING_CORRECTION_MAP.
struct GainMap {
  // From OpcodeList3 (applied after demosaicing, to colour planes R, G, B)
  // rather than OpcodeList2 (to the mosaic, whose one plane is 0).
  bool after_demosaic = false;
  int top = 0, left = 0, bottom = 0, right = 0;  // the area: rows [top, bottom), columns [left, right)
  int plane = 0, planes = 1;                     // the planes it applies to
  int row_pitch = 1, col_pitch = 1;              // every row_pitch-th row from top, col_pitch-th column from left
  int points_v = 0, points_h = 0;                // grid size
  // Grid step and the first point's position, as fractions of the frame's
  // height (v) and width (h); a pixel's position is its centre's.
  double spacing_v = 1, spacing_h = 1;
  double origin_v = 0, origin_h = 0;
  int map_planes = 1;        // 1: one grid for all planes; else one per plane (the last repeats)
  std::vector<float> gains;  // points_v x points_h x map_planes, rows first, planes innermost

  // Whether the map multiplies the mosaic pixel (x, y) of CFA colour `color`.
  bool covers(int x, int y, int color) const;
  // Where pixel row y of a frame `height` rows tall falls on the grid: the
  // grid row before it and the fraction of the way to the next (clamped to
  // the grid); the same for column x.
  void row_position(double y, int height, int* row, float* fraction) const;
  void column_position(double x, int width, int* column, float* fraction) const;
  // The gain at frame position (x, y) (pixel centres at integers) in a frame
  // of width x height, for map plane `map_plane`.
  float gain_at(double x, double y, int map_plane, int width, int height) const;
};

// An opcode of a DNG's OpcodeList1/2/3 that nightburst does not apply,
// carried into the merged DNG as it was (parameters big-endian, unparsed).
struct DngOpcode {
  int list = 2;  // 1, 2 or 3
  uint32_t id = 0;
  uint32_t dng_version = 0;
  uint32_t flags = 0;  // bit 0: optional; bit 1: preview only
  std::vector<uint8_t> parameters;
};

// Defective pixels the camera or the file lists: DNG FixBadPixelsList and
// FixBadPixelsConstant (OpcodeList1), camera2's STATISTICS_HOT_PIXEL_MAP.
// Each frame's are replaced from their same-colour neighbours before
// alignment and merge.
struct DefectList {
  std::vector<std::array<int, 2>> points;  // (x, y)
  std::vector<std::array<int, 4>> rects;   // columns [left, right) x rows [top, bottom): left, top, right, bottom
  int constant = -1;                       // a raw sample equal to it is defective (FixBadPixelsConstant); -1: none
  bool empty() const { return points.empty() && rects.empty() && constant < 0; }
};

// One colour calibration of a camera under a known light: DNG
// ColorMatrixN / ForwardMatrixN / CameraCalibrationN with
// CalibrationIlluminantN, camera2's SENSOR_COLOR_TRANSFORMn /
// SENSOR_FORWARD_MATRIXn / SENSOR_CALIBRATION_TRANSFORMn with
// SENSOR_REFERENCE_ILLUMINANTn. Matrices row-major.
struct ColorCalibration {
  // EXIF LightSource code (17 standard light A, 21 D65, ...; the list in
  // core/color.h); 0: unknown, which DNG readers take as one calibration
  // used under every light.
  int illuminant = 0;
  std::array<double, 9> color_matrix{1, 0, 0, 0, 1, 0, 0, 0, 1};  // XYZ -> camera RGB
  // White-balanced camera RGB -> XYZ (D50 white); all zero: none, the
  // colour matrix is inverted instead.
  std::array<double, 9> forward_matrix{};
  // The individual camera's deviation from its model's matrices.
  std::array<double, 9> camera_calibration{1, 0, 0, 0, 1, 0, 0, 0, 1};

  bool has_forward_matrix() const {
    for (double v : forward_matrix)
      if (v != 0) return true;
    return false;
  }
};

struct CropRect {
  int left = 0, top = 0, width = 0, height = 0;
  bool empty() const { return width <= 0 || height <= 0; }
};

struct RawMetadata {
  int width = 0;
  int height = 0;
  CfaPattern cfa = CfaPattern::kRGGB;
  std::array<float, 4> black_level{};  // per 2x2 CFA position (cfa_index order), in ADU
  float white_level = 0;               // saturation level in ADU
  // Camera RGB of a neutral surface under the scene light, G = 1 (DNG AsShotNeutral).
  std::array<float, 3> as_shot_neutral{1, 1, 1};
  // The camera's colour calibrations (none: camera RGB is taken as linear
  // sRGB). Two, under different lights, are interpolated by the scene
  // light's correlated colour temperature (core/color.h).
  std::vector<ColorCalibration> calibrations;
  // DNG AnalogBalance: gains the camera applied to its channels before
  // digitising (1 when unknown); camera RGB = AnalogBalance * CameraCalibration * ColorMatrix * XYZ.
  std::array<double, 3> analog_balance{1, 1, 1};
  // DNG BaselineExposure: stops by which the camera means its frames to be
  // brightened; the finishing's exposure starts from it.
  double baseline_exposure = 0;
  // DNG DefaultCrop: the part of the frame meant to be seen (the rest is
  // for demosaicing and lens corrections); width 0: the whole frame.
  CropRect default_crop;
  NoiseProfile noise;
  double exposure_s = 0;  // 0 when unknown
  double iso = 0;         // 0 when unknown
  double f_number = 0;    // the lens aperture (EXIF FNumber); 0 when unknown
  int orientation = 1;    // EXIF orientation 1..8
  // When the frame was taken: the camera clock's reading (EXIF
  // DateTimeOriginal, which has no zone) as LibRaw turns it into seconds
  // since 1970, through the local time zone; 0 when unknown.
  int64_t capture_time = 0;
  std::string make;
  std::string model;
  // Lens shading (and any other gain maps): applied to the merged mosaic
  // before white balance and finishing; the merged DNG carries them, since
  // its samples are the merge before them.
  std::vector<GainMap> gain_maps;
  std::vector<DngOpcode> carried_opcodes;
  DefectList defects;
  // What the reader left out and why (an optional opcode it could not use),
  // for the report.
  std::vector<std::string> warnings;
};

// camera2's STATISTICS_LENS_SHADING_CORRECTION_MAP (`rows` x `columns` x 4
// gains over the frame, channels R, G_even, G_odd, B: G_even the green on
// even rows) as the four GainMaps Android's DngCreator writes for it: one
// per 2x2 position, the grid spanning the frame from edge to edge.
std::vector<GainMap> gain_maps_from_camera2(const float* map, int columns, int rows, CfaPattern cfa,
                                            int width, int height);

// Largest frame accepted, checked before any allocation (a 200 MP sensor fits).
constexpr int64_t kMaxFramePixels = 256LL * 1024 * 1024;
constexpr double kMaxColorMatrixEntry = 100;
constexpr double kMaxBaselineExposure = 10;  // stops
constexpr int kMaxFrameSide = 65535;
// A gain map's limits: larger grids than any phone's (camera2 maps are
// about 17x13 to 64x48) and gains beyond any vignette are refused.
constexpr int kMaxGainMapPoints = 1 << 20;
constexpr float kMaxGain = 256;
// Listed defective pixels (points plus the rectangles' pixels) beyond this
// share of the frame are refused: a list that long describes a broken sensor.
constexpr int kMaxDefectShare = 16;  // 1/16

// Checks levels, sizes and matrices for values no stage can work with.
Status validate_metadata(const RawMetadata& meta);
// Checks a defect list against a width x height frame; the message names the field.
Status validate_defects(const DefectList& defects, int width, int height);
// Checks one gain map against a width x height frame; the message names the field.
Status validate_gain_map(const GainMap& map, int width, int height);

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
