// Raw file reading through LibRaw, plus the DNG tags LibRaw does not give
// (NoiseProfile, the colour calibrations as the file has them, DefaultCrop,
// opcode lists) through libtiff.
#include <libraw/libraw.h>
#include <tiffio.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <memory>
#include <vector>

#include "io/dng_opcodes.h"
#include "io/dng_tags.h"
#include "io/frame_pool.h"
#include "io/raw_reader.h"
#include "nightburst/io.h"

namespace nb {
namespace {

// LibRaw's `flip` to EXIF orientation.
int exif_orientation_from_flip(int flip) {
  switch (flip) {
    case 3: return 3;
    case 5: return 8;
    case 6: return 6;
    default: return 1;
  }
}

// libtiff's messages on a file that is not a (clean) TIFF are not ours to
// print; per-handle handlers (not the global ones) keep this thread-safe.
int ignore_tiff_message(TIFF*, void*, const char*, const char*, va_list) { return 1; }

TIFF* open_tiff_quietly(const std::string& path) {
  TIFFOpenOptions* options = TIFFOpenOptionsAlloc();
  TIFFOpenOptionsSetErrorHandlerExtR(options, ignore_tiff_message, nullptr);
  TIFFOpenOptionsSetWarningHandlerExtR(options, ignore_tiff_message, nullptr);
  // "m": read() rather than a memory map; strips are read straight into the
  // frame instead of copied out of the map a page fault at a time (12 MP x 8
  // DNGs decoded 1.5x faster).
  TIFF* tif = TIFFOpenExt(path.c_str(), "rm", options);
  TIFFOpenOptionsFree(options);
  return tif;
}

bool find_cfa_ifd(TIFF* tif);

// The DNG NoiseProfile tag: one pair for all planes, or one per colour
// plane (R, G, B; the specification's form), or one per 2x2 CFA position
// (what earlier nightburst versions wrote). LibRaw does not expose it.
// Absent or malformed: the profile stays invalid.
void read_noise_profile(TIFF* tif, CfaPattern cfa, NoiseProfile* profile) {
  uint16_t count = 0;
  double* values = nullptr;
  if (TIFFGetField(tif, kTagNoiseProfile, &count, &values) == 1 && values &&
      (count == 2 || count == 6 || count == 8)) {
    for (int i = 0; i < 4; ++i) {
      const int p = count == 2 ? 0 : count == 6 ? cfa_color(cfa, i & 1, i >> 1) : i;
      profile->scale[i] = values[2 * p];
      profile->offset[i] = values[2 * p + 1];
    }
    profile->valid = true;
  }
}

// A 3x3 matrix tag (ColorMatrixN, ForwardMatrixN, CameraCalibrationN) of a
// three-colour camera; false when absent or of another size.
bool read_matrix_tag(TIFF* tif, unsigned tag, std::array<double, 9>* matrix) {
  uint16_t count = 0;
  float* values = nullptr;
  if (TIFFGetField(tif, tag, &count, &values) != 1 || !values || count != 9) return false;
  std::copy(values, values + 9, matrix->begin());
  return true;
}

// The DNG's colour calibrations (IFD 0): ColorMatrix1/2 under
// CalibrationIlluminant1/2 with ForwardMatrix1/2 and CameraCalibration1/2,
// AnalogBalance, BaselineExposure. LibRaw mixes these into its own matrix;
// the DNG colour model (core/color.h) needs them as the file has them.
void read_dng_color(TIFF* tif, RawMetadata* meta) {
  const unsigned color_tags[2] = {TIFFTAG_COLORMATRIX1, TIFFTAG_COLORMATRIX2};
  const unsigned illuminant_tags[2] = {TIFFTAG_CALIBRATIONILLUMINANT1, TIFFTAG_CALIBRATIONILLUMINANT2};
  const unsigned calibration_tags[2] = {TIFFTAG_CAMERACALIBRATION1, TIFFTAG_CAMERACALIBRATION2};
  std::vector<ColorCalibration> calibrations;
  for (int i = 0; i < 2; ++i) {
    ColorCalibration c;
    if (!read_matrix_tag(tif, color_tags[i], &c.color_matrix)) break;  // ColorMatrix2 only with ColorMatrix1
    uint16_t illuminant = 0;
    if (TIFFGetField(tif, illuminant_tags[i], &illuminant) == 1) c.illuminant = illuminant;
    read_matrix_tag(tif, kTagForwardMatrix[i], &c.forward_matrix);
    read_matrix_tag(tif, calibration_tags[i], &c.camera_calibration);
    calibrations.push_back(c);
  }
  if (!calibrations.empty()) meta->calibrations = calibrations;
  uint16_t count = 0;
  float* balance = nullptr;
  if (TIFFGetField(tif, TIFFTAG_ANALOGBALANCE, &count, &balance) == 1 && balance && count == 3)
    std::copy(balance, balance + 3, meta->analog_balance.begin());
  float baseline = 0;
  if (TIFFGetField(tif, TIFFTAG_BASELINEEXPOSURE, &baseline) == 1) meta->baseline_exposure = baseline;
}

// DefaultCropOrigin/Size (raw IFD), in the frame's pixels (the ActiveArea's,
// which LibRaw has cut out). One that does not fit is left out with a warning:
// it only says which part to show.
void read_default_crop(TIFF* tif, const std::string& path, RawMetadata* meta) {
  float* origin = nullptr;
  float* size = nullptr;
  if (TIFFGetField(tif, TIFFTAG_DEFAULTCROPSIZE, &size) != 1 || !size) return;
  CropRect crop;
  if (TIFFGetField(tif, TIFFTAG_DEFAULTCROPORIGIN, &origin) == 1 && origin) {
    crop.left = int(std::lround(origin[0]));
    crop.top = int(std::lround(origin[1]));
  }
  crop.width = int(std::lround(size[0]));
  crop.height = int(std::lround(size[1]));
  if (crop.left == 0 && crop.top == 0 && crop.width == meta->width && crop.height == meta->height) return;
  if (crop.left < 0 || crop.top < 0 || crop.width <= 0 || crop.height <= 0 || crop.left + crop.width > meta->width ||
      crop.top + crop.height > meta->height) {
    meta->warnings.push_back(path + ": DefaultCrop " + std::to_string(crop.width) + "x" +
                             std::to_string(crop.height) + " at (" + std::to_string(crop.left) + ", " +
                             std::to_string(crop.top) + ") is not inside the " + std::to_string(meta->width) + "x" +
                             std::to_string(meta->height) + " frame: left out, the whole frame is shown");
    return;
  }
  meta->default_crop = crop;
}

// The tags LibRaw does not give us: NoiseProfile, and for DNGs the colour
// calibrations (IFD 0), DefaultCrop and the OpcodeList1/2/3 (io/dng_opcodes.h)
// of the raw image, which sits at (left_margin, top_margin) of the stored image.
Status read_tiff_tags(const std::string& path, bool dng, int left_margin, int top_margin, RawMetadata* meta) {
  register_dng_tags();
  TIFF* tif = open_tiff_quietly(path);
  if (!tif) return Status();  // LibRaw read it; without libtiff there are no tags to find
  std::unique_ptr<TIFF, void (*)(TIFF*)> closer(tif, TIFFClose);
  read_noise_profile(tif, meta->cfa, &meta->noise);
  if (!dng) return Status();
  read_dng_color(tif, meta);
  if (!find_cfa_ifd(tif)) return Status();
  read_default_crop(tif, path, meta);
  // The field's bytes belong to the directory: each list is parsed before the next is read.
  for (int list = 1; list <= 3; ++list) {
    uint32_t size = 0;
    void* data = nullptr;
    if (TIFFGetField(tif, kTagOpcodeList[list - 1], &size, &data) == 1 && data)
      NB_RETURN_IF_ERROR(
          parse_opcode_list(static_cast<const uint8_t*>(data), size, list, meta, left_margin, top_margin));
  }
  return Status();
}

// Moves `tif` to the DNG's raw image: the IFD (the first or one of its
// SubIFDs) that is a full-resolution (NewSubFileType 0) CFA image.
bool find_cfa_ifd(TIFF* tif) {
  auto is_raw = [&] {
    uint32_t subfile = 0;
    uint16_t photometric = 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_SUBFILETYPE, &subfile);
    return TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric) == 1 && photometric == 32803 && subfile == 0;
  };
  if (is_raw()) return true;
  uint16_t count = 0;
  uint64_t* offsets = nullptr;
  if (TIFFGetField(tif, TIFFTAG_SUBIFD, &count, &offsets) != 1 || !offsets) return false;
  const std::vector<uint64_t> subifds(offsets, offsets + count);  // the field is gone once we move
  for (uint64_t offset : subifds)
    if (TIFFSetSubDirectory(tif, offset) == 1 && is_raw()) return true;
  return false;
}

// The raw image of an uncompressed 16-bit DNG (our own, and many phones'),
// read with libtiff straight into the frame's buffer: LibRaw would decode it
// into a buffer of its own first, and the frame would be a copy of that
// (12 MP: ~70 ms of a core per frame for LibRaw's unpacking and the copy,
// and twice the fresh memory). Only where the file's samples are the
// mosaic as they are: 16-bit unsigned, no linearisation table, strips, and
// no margins to crop (LibRaw's `sizes` agree with the IFD). Anything else,
// and any read error, returns false and LibRaw reads the file (and reports
// the error in its words).
bool read_uncompressed_dng(const std::string& path, const libraw_image_sizes_t& sizes,
                           Halide::Runtime::Buffer<uint16_t, 2>* mosaic) {
  if (sizes.top_margin != 0 || sizes.left_margin != 0 || sizes.raw_width != sizes.width ||
      sizes.raw_height != sizes.height || sizes.width % 2 || sizes.height % 2)
    return false;
  TIFF* tif = open_tiff_quietly(path);
  if (!tif) return false;
  std::unique_ptr<TIFF, void (*)(TIFF*)> closer(tif, TIFFClose);
  if (!find_cfa_ifd(tif) || TIFFIsTiled(tif)) return false;
  uint32_t width = 0, height = 0;
  uint16_t bits = 0, samples = 0, compression = 0, planar = 0, format = SAMPLEFORMAT_UINT;
  TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width);
  TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &height);
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &samples);
  TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &format);
  uint32_t table_count = 0;
  uint16_t* table = nullptr;
  const bool linearised = TIFFGetField(tif, TIFFTAG_LINEARIZATIONTABLE, &table_count, &table) == 1;
  if (width != sizes.raw_width || height != sizes.raw_height || bits != 16 || samples != 1 ||
      compression != COMPRESSION_NONE || planar != PLANARCONFIG_CONTIG || format != SAMPLEFORMAT_UINT ||
      linearised)
    return false;
  *mosaic = pooled_mosaic(int(width), int(height));
  // The frame's rows are contiguous, so strip s is the bytes from its first row on.
  const tmsize_t row_bytes = tmsize_t(width) * 2, total = row_bytes * height;
  uint32_t rows_per_strip = height;
  TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
  rows_per_strip = std::min(std::max(rows_per_strip, 1u), height);
  auto* bytes = reinterpret_cast<uint8_t*>(mosaic->data());
  const uint32_t strips = TIFFNumberOfStrips(tif);
  if (uint64_t(strips) * rows_per_strip < height) return false;
  for (uint32_t s = 0; s < strips; ++s) {
    const tmsize_t offset = tmsize_t(s) * rows_per_strip * row_bytes;
    const tmsize_t expected = std::min(tmsize_t(rows_per_strip) * row_bytes, total - offset);
    if (expected <= 0) break;
    if (TIFFReadEncodedStrip(tif, s, bytes + offset, expected) != expected) return false;
  }
  return true;
}

// LibRaw reports data it could not read (a file that ends early, corrupt
// compressed data) through a callback whose default prints to stderr and
// carries on with zeros. Count the reports instead, and refuse the frame.
struct DataErrors {
  int count = 0;
  int first_offset = -1;
};
void count_data_error(void* data, const char*, const int offset) {
  auto* errors = static_cast<DataErrors*>(data);
  if (errors->count++ == 0) errors->first_offset = offset;
}

}  // namespace

Status read_raw_frame(const std::string& path, RawFrame* frame) {
  return read_raw_frame(path, frame, RawDecoder::kFastest);
}

Status read_raw_frame(const std::string& path, RawFrame* frame, RawDecoder decoder) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) return bad_input(path + ": is a directory, not a raw file");
  if (!fs::exists(path, ec)) return io_error(path + ": no such file");
  if (fs::file_size(path, ec) == 0) return bad_input(path + ": file is empty");

  auto raw = std::make_unique<LibRaw>();
  // Bound LibRaw's own allocation for hostile headers (dimensions are checked again below).
  raw->imgdata.params.max_raw_memory_mb = 2048;
  DataErrors data_errors;
  raw->set_dataerror_handler(count_data_error, &data_errors);
  int err = raw->open_file(path.c_str());
  if (err != LIBRAW_SUCCESS) return bad_input(path + ": not a raw file LibRaw can read (" + libraw_strerror(err) + ")");
  const auto& idata = raw->imgdata.idata;
  const auto& sizes = raw->imgdata.sizes;
  if (idata.filters == 0 || idata.filters < 1000 || idata.colors < 3)
    return bad_input(path + ": sensor is not a 2x2 Bayer CFA (X-Trans, Foveon, monochrome or linear raw)");
  RawMetadata meta;
  meta.width = sizes.width & ~1;  // a whole number of 2x2 CFA tiles
  meta.height = sizes.height & ~1;
  if (meta.width < 16 || meta.height < 16 || int64_t(meta.width) * meta.height > kMaxFramePixels)
    return bad_input(path + ": frame size " + std::to_string(sizes.width) + "x" +
                     std::to_string(sizes.height) + " is outside the supported range");

  // The CFA must repeat every 2x2 pixels with one red, two green, one blue.
  int colour[2][2];
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 2; ++x) {
      int c = raw->COLOR(y, x);
      colour[y][x] = c == 3 ? 1 : c;
    }
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 2; ++x) {
      int c = raw->COLOR(y, x);
      if ((c == 3 ? 1 : c) != colour[y & 1][x & 1])
        return bad_input(path + ": CFA does not repeat every 2x2 pixels");
    }
  bool found = false;
  for (CfaPattern p : {CfaPattern::kRGGB, CfaPattern::kBGGR, CfaPattern::kGRBG, CfaPattern::kGBRG}) {
    bool match = true;
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 2; ++x) match = match && cfa_color(p, x, y) == colour[y][x];
    if (match) {
      meta.cfa = p;
      found = true;
    }
  }
  if (!found) return bad_input(path + ": CFA is not one of RGGB, BGGR, GRBG, GBRG");

  // The metadata below is what LibRaw's open_file() read; unpack() only
  // decodes the samples.
  Halide::Runtime::Buffer<uint16_t, 2> mosaic;
  const bool read_directly = decoder == RawDecoder::kFastest && idata.dng_version != 0 &&
                             read_uncompressed_dng(path, sizes, &mosaic);
  if (!read_directly) {
    err = raw->unpack();
    if (err != LIBRAW_SUCCESS)
      return bad_input(path + ": cannot decode the raw data (" + libraw_strerror(err) + ")");
    if (data_errors.count > 0)
      return bad_input(path + (data_errors.first_offset < 0
                                   ? std::string(": raw data ends before the image does (file truncated?)")
                                   : ": raw data is corrupt near byte " + std::to_string(data_errors.first_offset)));
    if (!raw->imgdata.rawdata.raw_image) return bad_input(path + ": raw data is not a single-channel mosaic");
  }
  const auto& color = raw->imgdata.color;

  // Black level per 2x2 position: global + per-colour + repeating pattern.
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 2; ++x) {
      double black = color.black + color.cblack[raw->COLOR(y, x)];
      unsigned ph = color.cblack[4], pw = color.cblack[5];
      if (ph > 0 && pw > 0 && ph * pw <= LIBRAW_CBLACK_SIZE - 6) {
        // Average the pattern over all cells with this 2x2 parity.
        double sum = 0;
        int n = 0;
        for (unsigned py = y % ph; py < ph; py += (ph % 2 == 0 ? 2 : 1))
          for (unsigned px = x % pw; px < pw; px += (pw % 2 == 0 ? 2 : 1)) {
            sum += color.cblack[6 + py * pw + px];
            ++n;
          }
        if (n) black += sum / n;
      }
      meta.black_level[cfa_index(x, y)] = float(black);
    }
  meta.white_level = float(color.maximum);

  if (color.cam_mul[0] > 0 && color.cam_mul[1] > 0 && color.cam_mul[2] > 0) {
    for (int c = 0; c < 3; ++c) meta.as_shot_neutral[c] = color.cam_mul[1] / color.cam_mul[c];
  }
  if (color.cam_xyz[0][0] != 0 || color.cam_xyz[1][1] != 0) {
    // LibRaw's matrix for the camera (Adobe's, for D65) or the DNG's it
    // chose; a DNG's own calibrations replace it below.
    ColorCalibration calibration;
    calibration.illuminant = 21;
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) calibration.color_matrix[size_t(r * 3 + c)] = color.cam_xyz[r][c];
    meta.calibrations = {calibration};
  }
  meta.exposure_s = raw->imgdata.other.shutter > 0 ? raw->imgdata.other.shutter : 0;
  meta.iso = raw->imgdata.other.iso_speed > 0 ? raw->imgdata.other.iso_speed : 0;
  meta.f_number = raw->imgdata.other.aperture > 0 ? raw->imgdata.other.aperture : 0;
  meta.orientation = exif_orientation_from_flip(sizes.flip);
  meta.capture_time = raw->imgdata.other.timestamp > 0 ? int64_t(raw->imgdata.other.timestamp) : 0;
  meta.make = idata.make;
  meta.model = idata.model;
  NB_RETURN_IF_ERROR(
      read_tiff_tags(path, idata.dng_version != 0, sizes.left_margin, sizes.top_margin, &meta).with_context(path));
  Status valid = validate_metadata(meta);
  if (!valid.ok()) return valid.with_context(path);

  frame->meta = meta;
  frame->source = path;
  if (read_directly) {
    frame->mosaic = std::move(mosaic);
    return Status();
  }
  frame->mosaic = pooled_mosaic(meta.width, meta.height);
  const uint16_t* raw_image = raw->imgdata.rawdata.raw_image;
  size_t pitch = sizes.raw_pitch / sizeof(uint16_t);
  for (int y = 0; y < meta.height; ++y) {
    const uint16_t* src = raw_image + size_t(y + sizes.top_margin) * pitch + sizes.left_margin;
    std::copy(src, src + meta.width, &frame->mosaic(0, y));
  }
  return Status();
}

}  // namespace nb
