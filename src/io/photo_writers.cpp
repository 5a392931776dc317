// The finished photo as JPEG (libjpeg-turbo) or 16-bit TIFF (libtiff), with
// EXIF; the format chosen by the output's extension. PNG: png_writer.cpp.
#include <tiffio.h>

#include <algorithm>
#include <cctype>
#include <csetjmp>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "core/color.h"
#include "io/atomic_file.h"
#include "io/exif.h"
#include "io/jpeg_errors.h"
#include "nightburst/io.h"

#include <jerror.h>  // JERR_FILE_WRITE, after jpeglib.h (io/jpeg_errors.h)

namespace nb {

PhotoInfo photo_info(const RawMetadata& meta) {
  PhotoInfo info;
  info.make = meta.make;
  info.model = meta.model;
  info.exposure_s = meta.exposure_s;
  info.iso = meta.iso;
  info.f_number = meta.f_number;
  info.capture_time = meta.capture_time;
  return info;
}

Status photo_format_for(const std::string& path, const std::string& option, PhotoFormat* format) {
  std::string extension = std::filesystem::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  if (extension == ".png") {
    *format = PhotoFormat::kPng;
  } else if (extension == ".jpg" || extension == ".jpeg") {
    *format = PhotoFormat::kJpeg;
  } else if (extension == ".tif" || extension == ".tiff") {
    *format = PhotoFormat::kTiff;
  } else {
    return Status(StatusCode::kInvalidArgument,
                  path + ": " + option + " writes PNG (.png), JPEG (.jpg, .jpeg) or 16-bit TIFF (.tif, .tiff); " +
                      (extension.empty() ? std::string("the name has no extension") : "not " + extension));
  }
  return Status();
}

namespace {

Status write_jpeg_file(const std::string& path, const Halide::Runtime::Buffer<uint16_t, 3>& srgb, int quality,
                       const PhotoInfo& info) {
  FILE* fp = std::fopen(path.c_str(), "wb");
  if (!fp) return io_error("cannot create the file");
  jpeg_compress_struct cinfo;
  JpegErrors error;
  cinfo.err = jpeg_std_error(&error.manager);
  error.manager.error_exit = jpeg_fail;
  // Every object with a destructor is made before the setjmp: libjpeg's
  // longjmp skips the destructors of those made after it.
  std::vector<uint8_t> row(size_t(srgb.width()) * 3);
  std::vector<uint8_t> app1 = {'E', 'x', 'i', 'f', 0, 0};
  const std::vector<uint8_t> exif = exif_block(info, srgb.width(), srgb.height(), /*jpeg=*/true);
  app1.insert(app1.end(), exif.begin(), exif.end());
  if (setjmp(error.escape)) {
    jpeg_destroy_compress(&cinfo);
    std::fclose(fp);
    if (error.manager.msg_code == JERR_FILE_WRITE) return io_error("write failed (disk full?)");
    return io_error(std::string("libjpeg: ") + error.message);
  }
  jpeg_create_compress(&cinfo);
  jpeg_stdio_dest(&cinfo, fp);
  cinfo.image_width = JDIMENSION(srgb.width());
  cinfo.image_height = JDIMENSION(srgb.height());
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  cinfo.optimize_coding = TRUE;
  if (quality >= 90) {
    // Full-resolution chroma at high quality: night scenes' coloured lights
    // lose their edges to 4:2:0.
    for (int c = 0; c < 3; ++c) cinfo.comp_info[c].h_samp_factor = cinfo.comp_info[c].v_samp_factor = 1;
  }
  jpeg_start_compress(&cinfo, TRUE);
  jpeg_write_marker(&cinfo, JPEG_APP0 + 1, app1.data(), unsigned(app1.size()));
  while (cinfo.next_scanline < cinfo.image_height) {
    const int y = int(cinfo.next_scanline);
    for (int x = 0; x < srgb.width(); ++x)
      for (int c = 0; c < 3; ++c) row[size_t(x) * 3 + c] = to_8bit(srgb(x, y, c));
    JSAMPROW rows[1] = {row.data()};
    jpeg_write_scanlines(&cinfo, rows, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  const bool written = std::fflush(fp) == 0 && !std::ferror(fp);
  std::fclose(fp);
  return written ? Status() : io_error("write failed (disk full?)");
}

// libtiff's messages go nowhere; a failed call is reported as ours.
int ignore_tiff_message(TIFF*, void*, const char*, const char*, va_list) { return 1; }

Status write_tiff_file(const std::string& path, const Halide::Runtime::Buffer<uint16_t, 3>& srgb,
                       const PhotoInfo& info) {
  TIFFOpenOptions* options = TIFFOpenOptionsAlloc();
  TIFFOpenOptionsSetErrorHandlerExtR(options, ignore_tiff_message, nullptr);
  TIFFOpenOptionsSetWarningHandlerExtR(options, ignore_tiff_message, nullptr);
  TIFF* tif = TIFFOpenExt(path.c_str(), "w", options);
  TIFFOpenOptionsFree(options);
  if (!tif) return io_error("cannot create the file");
  // The EXIF directory first (IFD 0, written next, points to it), as the DNG writer does.
  uint64_t exif_offset = 0;
  const Status exif = write_exif_directory(tif, info, /*photo=*/true, &exif_offset);
  if (!exif.ok()) {
    TIFFClose(tif);
    return exif;
  }
  const std::string date = info.capture_time > 0 ? exif_date(info.capture_time) : "";
  const int w = srgb.width(), h = srgb.height();
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, uint32_t(w));
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, uint32_t(h));
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 16);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 3);
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  // Deflate (Adobe's code 8, which Photoshop, Lightroom and every libtiff
  // reader take; exiftool's -validate lists only TIFF 6.0's baseline codes)
  // at its fastest level: a 16-bit photo's low bits are noise, so LZW made
  // it larger than uncompressed (8 MP: 53.6 MB against 49.5) and deflate
  // saves about a sixth.
  TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
  TIFFSetField(tif, TIFFTAG_ZIPQUALITY, 1);
  TIFFSetField(tif, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL);
  TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, uint32_t(std::max(1, 262144 / (6 * w))));
  TIFFSetField(tif, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
  TIFFSetField(tif, TIFFTAG_XRESOLUTION, 72.0f);
  TIFFSetField(tif, TIFFTAG_YRESOLUTION, 72.0f);
  TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
  TIFFSetField(tif, TIFFTAG_SOFTWARE, (std::string("nightburst ") + NIGHTBURST_VERSION).c_str());
  if (!info.make.empty()) TIFFSetField(tif, TIFFTAG_MAKE, info.make.c_str());
  if (!info.model.empty()) TIFFSetField(tif, TIFFTAG_MODEL, info.model.c_str());
  if (!date.empty()) TIFFSetField(tif, TIFFTAG_DATETIME, date.c_str());
  TIFFSetField(tif, TIFFTAG_EXIFIFD, exif_offset);
  std::vector<uint16_t> row(size_t(w) * 3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) row[size_t(x) * 3 + c] = srgb(x, y, c);
    if (TIFFWriteScanline(tif, row.data(), uint32_t(y), 0) < 0) {
      TIFFClose(tif);
      return io_error("write failed (disk full?)");
    }
  }
  if (!TIFFWriteDirectory(tif)) {
    TIFFClose(tif);
    return io_error("cannot write the TIFF directory (disk full?)");
  }
  TIFFClose(tif);
  return Status();
}

Status check_image(const std::string& path, const Halide::Runtime::Buffer<uint16_t, 3>& srgb) {
  if (srgb.dimensions() != 3 || srgb.channels() != 3 || srgb.width() < 1 || srgb.height() < 1)
    return invalid_argument(path + ": image must have 3 channels");
  return Status();
}

}  // namespace

Status write_jpeg(const std::string& path, const Halide::Runtime::Buffer<uint16_t, 3>& srgb, int quality,
                  const PhotoInfo& info) {
  if (quality < 1 || quality > 100)
    return invalid_argument(path + ": JPEG quality must be 1 to 100, not " + std::to_string(quality));
  if (srgb.width() > 65500 || srgb.height() > 65500)
    return invalid_argument(path + ": JPEG holds at most 65500 pixels a side");
  NB_RETURN_IF_ERROR(check_image(path, srgb));
  return write_atomically(path, [&](const std::string& tmp) {
    Status s = write_jpeg_file(tmp, srgb, quality, info);
    return s.ok() ? s : Status(s.code(), path + ": " + s.message());
  });
}

Status write_tiff(const std::string& path, const Halide::Runtime::Buffer<uint16_t, 3>& srgb, const PhotoInfo& info) {
  NB_RETURN_IF_ERROR(check_image(path, srgb));
  return write_atomically(path, [&](const std::string& tmp) {
    Status s = write_tiff_file(tmp, srgb, info);
    return s.ok() ? s : Status(s.code(), path + ": " + s.message());
  });
}

}  // namespace nb
