// DNG writing with libtiff: an uncompressed CFA mosaic in IFD 0 with the tags
// a raw editor needs to render it (DNG 1.4 specification, chapter 4).
#include <tiffio.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "io/atomic_file.h"
#include "io/dng_opcodes.h"
#include "io/dng_tags.h"
#include "io/exif.h"
#include "nightburst/io.h"

namespace nb {
namespace {

// The colour calibrations as the frames had them (DNG's ColorMatrix,
// CalibrationIlluminant, ForwardMatrix, CameraCalibration for each),
// AnalogBalance, BaselineExposure; without a calibration, the identity
// (camera RGB taken as XYZ), which every DNG reader needs.
void write_color_tags(TIFF* tif, const RawMetadata& meta) {
  const unsigned color_tags[2] = {TIFFTAG_COLORMATRIX1, TIFFTAG_COLORMATRIX2};
  const unsigned illuminant_tags[2] = {TIFFTAG_CALIBRATIONILLUMINANT1, TIFFTAG_CALIBRATIONILLUMINANT2};
  const unsigned calibration_tags[2] = {TIFFTAG_CAMERACALIBRATION1, TIFFTAG_CAMERACALIBRATION2};
  const std::vector<ColorCalibration> calibrations =
      meta.calibrations.empty() ? std::vector<ColorCalibration>{ColorCalibration{}} : meta.calibrations;
  auto as_floats = [](const std::array<double, 9>& m) {
    std::array<float, 9> f;
    for (size_t i = 0; i < 9; ++i) f[i] = float(m[i]);
    return f;
  };
  const bool identity_calibration = std::all_of(calibrations.begin(), calibrations.end(), [](const ColorCalibration& c) {
    return c.camera_calibration == ColorCalibration{}.camera_calibration;
  });
  const bool forward = std::all_of(calibrations.begin(), calibrations.end(),
                                   [](const ColorCalibration& c) { return c.has_forward_matrix(); });
  for (size_t i = 0; i < calibrations.size(); ++i) {
    const ColorCalibration& c = calibrations[i];
    TIFFSetField(tif, color_tags[i], 9, as_floats(c.color_matrix).data());
    if (c.illuminant != 0) TIFFSetField(tif, illuminant_tags[i], uint16_t(c.illuminant));
    if (forward) TIFFSetField(tif, kTagForwardMatrix[i], uint16_t(9), as_floats(c.forward_matrix).data());
    if (!identity_calibration) TIFFSetField(tif, calibration_tags[i], 9, as_floats(c.camera_calibration).data());
  }
  if (meta.analog_balance != std::array<double, 3>{1, 1, 1}) {
    const float balance[3] = {float(meta.analog_balance[0]), float(meta.analog_balance[1]),
                              float(meta.analog_balance[2])};
    TIFFSetField(tif, TIFFTAG_ANALOGBALANCE, 3, balance);
  }
  if (meta.baseline_exposure != 0) TIFFSetField(tif, TIFFTAG_BASELINEEXPOSURE, float(meta.baseline_exposure));
}

Status write_dng_file(const std::string& path, const Halide::Runtime::Buffer<uint16_t, 2>& mosaic,
                      const RawMetadata& meta) {
  register_dng_tags();
  TIFF* tif = TIFFOpen(path.c_str(), "w");
  if (!tif) return io_error(path + ": cannot create the file");
  // The EXIF IFD first, where readers look for the exposure and ISO (EXIF
  // 2.3 ExposureTime, PhotographicSensitivity); IFD 0, written next, points
  // to it, so every directory is written once.
  uint64_t exif_offset = 0;
  const bool has_exif = meta.exposure_s > 0 || meta.iso > 0 || meta.f_number > 0 || meta.capture_time > 0;
  if (has_exif) {
    const Status exif = write_exif_directory(tif, photo_info(meta), /*photo=*/false, &exif_offset);
    if (!exif.ok()) {
      TIFFClose(tif);
      return Status(exif.code(), path + ": " + exif.message());
    }
  }
  const int w = mosaic.width(), h = mosaic.height();
  TIFFSetField(tif, TIFFTAG_SUBFILETYPE, 0);
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, uint32_t(w));
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, uint32_t(h));
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 16);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
  TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, 32803);  // CFA
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(tif, TIFFTAG_ORIENTATION, uint16_t(meta.orientation));
  TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, uint32_t(std::max(1, 65536 / (2 * w))));
  TIFFSetField(tif, TIFFTAG_MAKE, meta.make.empty() ? "nightburst" : meta.make.c_str());
  TIFFSetField(tif, TIFFTAG_MODEL, meta.model.empty() ? "unknown" : meta.model.c_str());
  TIFFSetField(tif, TIFFTAG_SOFTWARE, "nightburst");
  std::string unique = (meta.make + " " + meta.model);
  TIFFSetField(tif, TIFFTAG_UNIQUECAMERAMODEL, unique.c_str());

  const uint8_t dng_version[4] = {1, 4, 0, 0};
  const uint8_t dng_backward[4] = {1, 1, 0, 0};
  TIFFSetField(tif, TIFFTAG_DNGVERSION, dng_version);
  TIFFSetField(tif, TIFFTAG_DNGBACKWARDVERSION, dng_backward);
  const uint16_t repeat[2] = {2, 2};
  TIFFSetField(tif, TIFFTAG_CFAREPEATPATTERNDIM, repeat);
  uint8_t pattern[4];
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 2; ++x) pattern[y * 2 + x] = uint8_t(cfa_color(meta.cfa, x, y));
  TIFFSetField(tif, TIFFTAG_CFAPATTERN, 4, pattern);
  TIFFSetField(tif, TIFFTAG_BLACKLEVELREPEATDIM, repeat);
  float black[4];
  for (int i = 0; i < 4; ++i) black[i] = meta.black_level[i];
  TIFFSetField(tif, TIFFTAG_BLACKLEVEL, 4, black);
  uint32_t white = uint32_t(std::lround(meta.white_level));
  TIFFSetField(tif, TIFFTAG_WHITELEVEL, 1, &white);
  write_color_tags(tif, meta);
  if (!meta.default_crop.empty()) {
    const float origin[2] = {float(meta.default_crop.left), float(meta.default_crop.top)};
    const float size[2] = {float(meta.default_crop.width), float(meta.default_crop.height)};
    TIFFSetField(tif, TIFFTAG_DEFAULTCROPORIGIN, origin);
    TIFFSetField(tif, TIFFTAG_DEFAULTCROPSIZE, size);
  }
  float neutral[3] = {meta.as_shot_neutral[0], meta.as_shot_neutral[1], meta.as_shot_neutral[2]};
  TIFFSetField(tif, TIFFTAG_ASSHOTNEUTRAL, 3, neutral);
  if (meta.noise.valid) {
    // One pair per colour plane (R, G, B: the CFAPlaneColor order), as the
    // DNG specification allows (1 pair or one per plane); the two green
    // positions' pairs are averaged.
    double noise[6] = {};
    int positions[3] = {};
    for (int i = 0; i < 4; ++i) {
      const int c = cfa_color(meta.cfa, i & 1, i >> 1);
      noise[2 * c] += meta.noise.scale[i];
      noise[2 * c + 1] += meta.noise.offset[i];
      ++positions[c];
    }
    for (int c = 0; c < 3; ++c) {
      noise[2 * c] /= positions[c];
      noise[2 * c + 1] /= positions[c];
    }
    TIFFSetField(tif, kTagNoiseProfile, uint16_t(6), noise);
  }
  // Lens shading and the opcodes nightburst does not apply: the samples are
  // the merge before them, so a raw editor applies them as to the frames.
  for (int list = 1; list <= 3; ++list) {
    const std::vector<uint8_t> opcodes = opcode_list_bytes(meta, list);
    if (!opcodes.empty())
      TIFFSetField(tif, kTagOpcodeList[list - 1], uint32_t(opcodes.size()), opcodes.data());
  }
  if (has_exif) TIFFSetField(tif, TIFFTAG_EXIFIFD, exif_offset);

  std::vector<uint16_t> row(w);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) row[x] = mosaic(x, y);
    if (TIFFWriteScanline(tif, row.data(), uint32_t(y), 0) < 0) {
      TIFFClose(tif);
      return io_error(path + ": write failed (disk full?)");
    }
  }
  if (!TIFFWriteDirectory(tif)) {
    TIFFClose(tif);
    return io_error(path + ": cannot write the DNG directory (disk full?)");
  }
  TIFFClose(tif);
  return Status();
}

}  // namespace

Status write_dng(const std::string& path, const Halide::Runtime::Buffer<uint16_t, 2>& mosaic,
                 const RawMetadata& meta) {
  NB_RETURN_IF_ERROR(validate_metadata(meta).with_context(path));
  if (mosaic.width() != meta.width || mosaic.height() != meta.height)
    return invalid_argument(path + ": mosaic size does not match the metadata");
  return write_atomically(path, [&](const std::string& tmp) {
    Status s = write_dng_file(tmp, mosaic, meta);
    return s.ok() ? s : Status(s.code(), path + ": " + s.message());
  });
}

Status write_merged_dng(const std::string& path, const Halide::Runtime::Buffer<float, 2>& normalised,
                        const RawMetadata& meta) {
  return write_dng(path, quantise_mosaic(normalised, meta), meta);
}

}  // namespace nb
