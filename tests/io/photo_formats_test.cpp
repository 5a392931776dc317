// The finished photo as PNG, JPEG and 16-bit TIFF: pixels and EXIF tags
// read back (libjpeg, libtiff, and Debian's exiftool as a viewer would),
// and each file valid by exiftool's -validate.
#include <gtest/gtest.h>
// jpeglib.h needs size_t and FILE declared before it.
#include <cstddef>
#include <cstdio>
#include <jpeglib.h>
#include <tiffio.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "core/color.h"
#include "io/exif.h"
#include "nightburst/io.h"
#include "test_util.h"

namespace nb {
namespace {

Halide::Runtime::Buffer<uint16_t, 3> test_image() {
  Halide::Runtime::Buffer<uint16_t, 3> img(96, 64, 3);
  img.for_each_element([&](int x, int y, int c) {
    img(x, y, c) = uint16_t((x * 600 + y * 300 * (c + 1) + 7919 * ((x * 31 + y * 17) % 5)) % 65536);
  });
  return img;
}

PhotoInfo test_info() {
  PhotoInfo info;
  info.make = "Google";
  info.model = "Pixel 7";
  info.exposure_s = 1.0 / 15;
  info.iso = 1600;
  info.capture_time = 1700000000;
  return info;
}

// exiftool's short names and values of the file's tags (-s -s -s per tag would be
// one call each; -S prints "Name: value" lines).
std::map<std::string, std::string> exiftool_tags(const std::string& path) {
  std::map<std::string, std::string> tags;
  FILE* p = popen(("exiftool -S -Make -Model -ExposureTime -ISO -DateTimeOriginal -Orientation -ColorSpace "
                   "-Software -Validate -Warning '" + path + "' 2>&1").c_str(), "r");
  if (!p) return tags;
  char line[512];
  while (std::fgets(line, sizeof line, p)) {
    std::string s(line);
    const size_t colon = s.find(": ");
    if (colon == std::string::npos) continue;
    std::string value = s.substr(colon + 2);
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    tags[s.substr(0, colon)] = value;
  }
  pclose(p);
  return tags;
}

// `warning`: the one exiftool -validate warning the file may have.
void expect_tags(const std::string& path, const std::string& warning = "") {
  const auto tags = exiftool_tags(path);
  ASSERT_FALSE(tags.empty()) << "exiftool (libimage-exiftool-perl, installed by scripts/setup.sh) read nothing";
  EXPECT_EQ(tags.at("Make"), "Google");
  EXPECT_EQ(tags.at("Model"), "Pixel 7");
  EXPECT_EQ(tags.at("ExposureTime"), "1/15");
  EXPECT_EQ(tags.at("ISO"), "1600");
  EXPECT_EQ(tags.at("DateTimeOriginal"), exif_date(1700000000));
  EXPECT_EQ(tags.at("Orientation"), "Horizontal (normal)");
  EXPECT_EQ(tags.at("ColorSpace"), "sRGB");
  EXPECT_EQ(tags.at("Software"), std::string("nightburst ") + NIGHTBURST_VERSION);
  if (warning.empty()) {
    EXPECT_EQ(tags.at("Validate"), "OK") << path;
  } else {
    EXPECT_EQ(tags.at("Validate"), "1 Warning") << path;
    EXPECT_EQ(tags.at("Warning"), warning) << path;
  }
}

TEST(PhotoFormats, JpegKeepsThePictureAndTheTags) {
  testing::TempDir dir;
  const std::string path = dir.file("photo.jpg");
  const Halide::Runtime::Buffer<uint16_t, 3> img = test_image();
  ASSERT_TRUE(write_jpeg(path, img, 95, test_info()).ok());
  FILE* fp = std::fopen(path.c_str(), "rb");
  ASSERT_NE(fp, nullptr);
  jpeg_decompress_struct cinfo;
  jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_decompress(&cinfo);
  jpeg_stdio_src(&cinfo, fp);
  jpeg_read_header(&cinfo, TRUE);
  jpeg_start_decompress(&cinfo);
  ASSERT_EQ(int(cinfo.output_width), img.width());
  ASSERT_EQ(int(cinfo.output_height), img.height());
  std::vector<uint8_t> row(size_t(img.width()) * 3);
  double squared = 0;
  while (cinfo.output_scanline < cinfo.output_height) {
    const int y = int(cinfo.output_scanline);
    JSAMPROW rows[1] = {row.data()};
    jpeg_read_scanlines(&cinfo, rows, 1);
    for (int x = 0; x < img.width(); ++x)
      for (int c = 0; c < 3; ++c) squared += std::pow(double(row[size_t(x) * 3 + c]) - to_8bit(img(x, y, c)), 2);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  std::fclose(fp);
  const double psnr = 10 * std::log10(255.0 * 255.0 / (squared / img.number_of_elements()));
  std::printf("JPEG quality 95 of a busy test pattern: %.1f dB against the 8-bit image\n", psnr);
  EXPECT_GT(psnr, 35);
  expect_tags(path);
}

TEST(PhotoFormats, TiffKeepsEvery16BitSampleAndTheTags) {
  testing::TempDir dir;
  const std::string path = dir.file("photo.tif");
  const Halide::Runtime::Buffer<uint16_t, 3> img = test_image();
  ASSERT_TRUE(write_tiff(path, img, test_info()).ok());
  TIFF* tif = TIFFOpen(path.c_str(), "r");
  ASSERT_NE(tif, nullptr);
  uint32_t w = 0, h = 0;
  uint16_t bits = 0, samples = 0;
  TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
  TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
  TIFFGetField(tif, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetField(tif, TIFFTAG_SAMPLESPERPIXEL, &samples);
  ASSERT_EQ(int(w), img.width());
  ASSERT_EQ(int(h), img.height());
  EXPECT_EQ(bits, 16);
  EXPECT_EQ(samples, 3);
  std::vector<uint16_t> row(size_t(w) * 3);
  int differing = 0;
  for (uint32_t y = 0; y < h; ++y) {
    ASSERT_EQ(TIFFReadScanline(tif, row.data(), y, 0), 1);
    for (int x = 0; x < img.width(); ++x)
      for (int c = 0; c < 3; ++c) differing += row[size_t(x) * 3 + c] != img(x, int(y), c);
  }
  TIFFClose(tif);
  EXPECT_EQ(differing, 0);
  // Deflate (code 8) is not among TIFF 6.0's baseline codes, which -validate
  // checks; Photoshop, Lightroom and libtiff read it (photo_writers.cpp).
  expect_tags(path, "Invalid value for IFD0 tag 0x0103 Compression");
}

TEST(PhotoFormats, PngCarriesTheTagsInItsExifChunk) {
  testing::TempDir dir;
  const std::string path = dir.file("photo.png");
  const PhotoInfo info = test_info();
  ASSERT_TRUE(write_png(path, test_image(), 16, &info).ok());
  expect_tags(path);
}

TEST(PhotoFormats, TheExtensionChoosesTheFormat) {
  PhotoFormat f;
  ASSERT_TRUE(photo_format_for("a/b.JPEG", "-o", &f).ok());
  EXPECT_EQ(f, PhotoFormat::kJpeg);
  ASSERT_TRUE(photo_format_for("b.tiff", "-o", &f).ok());
  EXPECT_EQ(f, PhotoFormat::kTiff);
  ASSERT_TRUE(photo_format_for("c.Png", "-o", &f).ok());
  EXPECT_EQ(f, PhotoFormat::kPng);
  const Status s = photo_format_for("out/photo.webp", "-o", &f);
  EXPECT_EQ(s.message(), "out/photo.webp: -o writes PNG (.png), JPEG (.jpg, .jpeg) or 16-bit TIFF (.tif, .tiff); not .webp");
}

}  // namespace
}  // namespace nb
