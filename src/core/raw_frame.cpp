// CFA helpers and metadata validation for RawFrame.
#include "nightburst/raw_frame.h"

#include <algorithm>
#include <cmath>

namespace nb {

void cfa_red_position(CfaPattern cfa, int* red_x, int* red_y) {
  switch (cfa) {
    case CfaPattern::kRGGB: *red_x = 0; *red_y = 0; return;
    case CfaPattern::kGRBG: *red_x = 1; *red_y = 0; return;
    case CfaPattern::kGBRG: *red_x = 0; *red_y = 1; return;
    case CfaPattern::kBGGR: *red_x = 1; *red_y = 1; return;
  }
  *red_x = 0;
  *red_y = 0;
}

int cfa_color(CfaPattern cfa, int x, int y) {
  int rx, ry;
  cfa_red_position(cfa, &rx, &ry);
  bool red_col = (x & 1) == rx, red_row = (y & 1) == ry;
  if (red_col && red_row) return 0;
  if (!red_col && !red_row) return 2;
  return 1;
}

const char* cfa_name(CfaPattern cfa) {
  switch (cfa) {
    case CfaPattern::kRGGB: return "RGGB";
    case CfaPattern::kBGGR: return "BGGR";
    case CfaPattern::kGRBG: return "GRBG";
    case CfaPattern::kGBRG: return "GBRG";
  }
  return "?";
}

bool parse_cfa(const std::string& name, CfaPattern* cfa) {
  for (CfaPattern p : {CfaPattern::kRGGB, CfaPattern::kBGGR, CfaPattern::kGRBG, CfaPattern::kGBRG}) {
    if (name == cfa_name(p)) {
      *cfa = p;
      return true;
    }
  }
  return false;
}

namespace {

// A 3x3 colour matrix from a file or an app: finite entries of sensible
// size, not singular (each is inverted or maps a whole colour space).
Status validate_matrix(const std::array<double, 9>& c, const std::string& what) {
  for (double v : c) {
    if (!std::isfinite(v)) return bad_input(what + " has a non-finite entry");
    // DNG matrix entries are of order one; LibRaw turns a NaN in the file
    // into about 1e9, which would otherwise pass as a number.
    if (std::abs(v) > kMaxColorMatrixEntry)
      return bad_input(what + " entry " + std::to_string(v) + " is outside +-" +
                       std::to_string(int(kMaxColorMatrixEntry)));
  }
  const double det = c[0] * (c[4] * c[8] - c[5] * c[7]) - c[1] * (c[3] * c[8] - c[5] * c[6]) +
                     c[2] * (c[3] * c[7] - c[4] * c[6]);
  if (std::abs(det) < 1e-9) return bad_input(what + " is singular");
  return Status();
}

}  // namespace

Status validate_metadata(const RawMetadata& m) {
  if (m.width <= 0 || m.height <= 0 || m.width > kMaxFrameSide || m.height > kMaxFrameSide ||
      int64_t(m.width) * m.height > kMaxFramePixels) {
    return bad_input("frame size " + std::to_string(m.width) + "x" + std::to_string(m.height) +
                     " is outside 1..65535 per side or above " +
                     std::to_string(kMaxFramePixels / (1024 * 1024)) + " MP");
  }
  if (m.width % 2 || m.height % 2 || m.width < 16 || m.height < 16) {
    return bad_input("frame size " + std::to_string(m.width) + "x" + std::to_string(m.height) +
                     " must be even and at least 16x16 for a 2x2 CFA");
  }
  if (!std::isfinite(m.white_level) || m.white_level <= 0 || m.white_level > 65535) {
    return bad_input("white level " + std::to_string(m.white_level) + " is not in (0, 65535]");
  }
  for (float b : m.black_level) {
    if (!std::isfinite(b) || b < 0 || b >= m.white_level) {
      return bad_input("black level " + std::to_string(b) + " is not below white level " +
                       std::to_string(m.white_level));
    }
  }
  for (float n : m.as_shot_neutral) {
    if (!std::isfinite(n) || n <= 0) return bad_input("as-shot neutral has a non-positive entry");
  }
  if (m.calibrations.size() > 2)
    return bad_input(std::to_string(m.calibrations.size()) + " colour calibrations; DNG and camera2 have at most 2");
  for (size_t i = 0; i < m.calibrations.size(); ++i) {
    const ColorCalibration& cal = m.calibrations[i];
    const std::string n = " " + std::to_string(i + 1);  // DNG's numbering: ColorMatrix1, ...
    NB_RETURN_IF_ERROR(validate_matrix(cal.color_matrix, "colour matrix" + n));
    NB_RETURN_IF_ERROR(validate_matrix(cal.camera_calibration, "camera calibration" + n));
    if (cal.has_forward_matrix()) NB_RETURN_IF_ERROR(validate_matrix(cal.forward_matrix, "forward matrix" + n));
    if (cal.illuminant < 0 || cal.illuminant > 255)
      return bad_input("calibration illuminant" + n + " (" + std::to_string(cal.illuminant) +
                       ") is not an EXIF LightSource code");
  }
  for (double g : m.analog_balance)
    if (!std::isfinite(g) || g <= 0 || g > kMaxColorMatrixEntry)
      return bad_input("analog balance " + std::to_string(g) + " is not in (0, " +
                       std::to_string(int(kMaxColorMatrixEntry)) + "]");
  if (!std::isfinite(m.baseline_exposure) || std::abs(m.baseline_exposure) > kMaxBaselineExposure)
    return bad_input("baseline exposure " + std::to_string(m.baseline_exposure) + " is outside +-" +
                     std::to_string(int(kMaxBaselineExposure)) + " stops");
  if (m.default_crop.width != 0 || m.default_crop.height != 0) {
    const CropRect& c = m.default_crop;
    if (c.left < 0 || c.top < 0 || c.width <= 0 || c.height <= 0 || c.left + c.width > m.width ||
        c.top + c.height > m.height)
      return bad_input("default crop " + std::to_string(c.width) + "x" + std::to_string(c.height) + " at (" +
                       std::to_string(c.left) + ", " + std::to_string(c.top) + ") is not inside the " +
                       std::to_string(m.width) + "x" + std::to_string(m.height) + " frame");
  }
  if (m.noise.valid) {
    for (int i = 0; i < 4; ++i) {
      if (!std::isfinite(m.noise.scale[i]) || !std::isfinite(m.noise.offset[i]) ||
          m.noise.scale[i] < 0 || m.noise.offset[i] < 0 ||
          m.noise.scale[i] + m.noise.offset[i] <= 0) {
        return bad_input("noise profile has negative, zero or non-finite terms");
      }
    }
  }
  if (!std::isfinite(m.exposure_s) || m.exposure_s < 0)
    return bad_input("exposure time " + std::to_string(m.exposure_s) + " s is negative or not a number");
  if (!std::isfinite(m.iso) || m.iso < 0)
    return bad_input("ISO " + std::to_string(m.iso) + " is negative or not a number");
  if (m.orientation < 1 || m.orientation > 8) return bad_input("orientation is not in 1..8");
  for (const GainMap& map : m.gain_maps) NB_RETURN_IF_ERROR(validate_gain_map(map, m.width, m.height));
  NB_RETURN_IF_ERROR(validate_defects(m.defects, m.width, m.height));
  return Status();
}

Status validate_defects(const DefectList& d, int width, int height) {
  int64_t count = int64_t(d.points.size());
  for (const auto& [x, y] : d.points)
    if (x < 0 || y < 0 || x >= width || y >= height)
      return bad_input("defective pixel (" + std::to_string(x) + ", " + std::to_string(y) + ") is outside the " +
                       std::to_string(width) + "x" + std::to_string(height) + " frame");
  for (const auto& [left, top, right, bottom] : d.rects) {
    if (left < 0 || top < 0 || right <= left || bottom <= top || right > width || bottom > height)
      return bad_input("defective rectangle columns " + std::to_string(left) + ".." + std::to_string(right) +
                       ", rows " + std::to_string(top) + ".." + std::to_string(bottom) + " is empty or outside the " +
                       std::to_string(width) + "x" + std::to_string(height) + " frame");
    count += int64_t(right - left) * (bottom - top);
  }
  if (count > int64_t(width) * height / kMaxDefectShare)
    return bad_input("the defect list names " + std::to_string(count) + " pixels, more than 1/" +
                     std::to_string(kMaxDefectShare) + " of the frame");
  if (d.constant > 65535) return bad_input("defective-pixel constant " + std::to_string(d.constant) + " is above 65535");
  return Status();
}

Halide::Runtime::Buffer<uint16_t, 2> quantise_mosaic(const Halide::Runtime::Buffer<float, 2>& normalised,
                                                     const RawMetadata& meta) {
  Halide::Runtime::Buffer<uint16_t, 2> mosaic(normalised.width(), normalised.height());
  const long white = std::lround(meta.white_level);
  for (int y = 0; y < mosaic.height(); ++y)
    for (int x = 0; x < mosaic.width(); ++x) {
      const float black = meta.black_level[cfa_index(x, y)];
      const float v = black + normalised(x, y) * (meta.white_level - black);
      mosaic(x, y) = uint16_t(std::clamp(std::lround(v), 0L, white));
    }
  return mosaic;
}

}  // namespace nb
