#include "synth/content_image.h"

#include <png.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "io/jpeg_errors.h"

namespace nb {
namespace {

// The stored sample values, no gamma handling (as the scene code expects
// sRGB-encoded values): palette and gray expanded to RGB, alpha dropped,
// 16-bit kept.
Status read_png(const std::string& path, std::FILE* file, cv::Mat* rgb) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    return internal_error("libpng could not start");
  }
  std::vector<uint8_t> pixels;  // before the setjmp: nothing to unwind after a jump
  std::vector<png_bytep> rows;
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return bad_input(path + ": PNG decoding failed");
  }
  png_init_io(png, file);
  png_read_info(png, info);
  png_set_expand(png);
  png_set_strip_alpha(png);
  png_set_gray_to_rgb(png);
  if (png_get_bit_depth(png, info) == 16) png_set_swap(png);  // to host order
  png_read_update_info(png, info);
  const int width = int(png_get_image_width(png, info)),
            height = int(png_get_image_height(png, info));
  const int depth = png_get_bit_depth(png, info);
  const size_t row_bytes = png_get_rowbytes(png, info);
  pixels.resize(row_bytes * height);
  for (int y = 0; y < height; ++y) rows.push_back(pixels.data() + row_bytes * y);
  png_read_image(png, rows.data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  if (depth == 16) {
    cv::Mat(height, width, CV_16UC3, pixels.data()).convertTo(*rgb, CV_32FC3, 1.0 / 65535);
  } else {
    cv::Mat(height, width, CV_8UC3, pixels.data()).convertTo(*rgb, CV_32FC3, 1.0 / 255);
  }
  return Status();
}

Status read_jpeg(const std::string& path, std::FILE* file, cv::Mat* rgb) {
  jpeg_decompress_struct info{};
  JpegErrors errors{};
  info.err = jpeg_std_error(&errors.manager);
  errors.manager.error_exit = jpeg_fail;
  std::vector<uint8_t> pixels;  // before the setjmp: nothing to unwind after a jump
  if (setjmp(errors.escape)) {
    jpeg_destroy_decompress(&info);
    return bad_input(path + ": JPEG decoding failed (" + errors.message + ")");
  }
  jpeg_create_decompress(&info);
  jpeg_stdio_src(&info, file);
  jpeg_read_header(&info, TRUE);
  info.out_color_space = JCS_RGB;
  jpeg_start_decompress(&info);
  const size_t row_bytes = size_t(info.output_width) * 3;
  pixels.resize(row_bytes * info.output_height);
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = pixels.data() + row_bytes * info.output_scanline;
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  const int width = int(info.output_width), height = int(info.output_height);
  jpeg_destroy_decompress(&info);
  cv::Mat(height, width, CV_8UC3, pixels.data()).convertTo(*rgb, CV_32FC3, 1.0 / 255);
  return Status();
}

}  // namespace

Status read_content_image(const std::string& path, cv::Mat* rgb) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return bad_input(path + ": cannot open the image");
  uint8_t magic[8] = {};
  const size_t n = std::fread(magic, 1, sizeof magic, file);
  Status s;
  std::rewind(file);
  if (n == sizeof magic && png_sig_cmp(magic, 0, sizeof magic) == 0) {
    s = read_png(path, file, rgb);
  } else if (n >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF) {
    s = read_jpeg(path, file, rgb);
  } else {
    s = bad_input(path + ": not a PNG or JPEG image");
  }
  std::fclose(file);
  return s;
}

Status load_content_scene(const std::string& path, int width, int height,
                          Halide::Runtime::Buffer<float, 3>* out) {
  cv::Mat f;
  NB_RETURN_IF_ERROR(read_content_image(path, &f));
  if (f.cols < 1 || f.rows < 1) return bad_input(path + ": the image is empty");
  // Cover the output (crop the longer side), then resample.
  double scale = std::max(double(width) / f.cols, double(height) / f.rows);
  cv::Mat resized;
  cv::resize(f, resized, cv::Size(), scale, scale, scale < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
  int ox = (resized.cols - width) / 2, oy = (resized.rows - height) / 2;
  *out = Halide::Runtime::Buffer<float, 3>(width, height, 3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const cv::Vec3f& v = resized.at<cv::Vec3f>(std::min(y + oy, resized.rows - 1),
                                                 std::min(x + ox, resized.cols - 1));
      for (int c = 0; c < 3; ++c) (*out)(x, y, c) = std::clamp(v[c], 0.0f, 1.0f);
    }
  return Status();
}

}  // namespace nb
