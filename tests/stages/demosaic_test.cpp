// The demosaic against OpenCV's bilinear and VNG on the synthetic scene's
// content, every CFA phase, colour PSNR against the full-colour original.
#include "stages/demosaic.h"

#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/imgproc.hpp>

#include "test_util.h"

namespace nb {
namespace {

// OpenCV names a Bayer layout by the two samples of its second row's second
// and third columns, so RGGB is "BG" (checked on flat colours).
int opencv_code(CfaPattern cfa, bool vng) {
  switch (cfa) {
    case CfaPattern::kRGGB: return vng ? cv::COLOR_BayerBG2BGR_VNG : cv::COLOR_BayerBG2BGR;
    case CfaPattern::kBGGR: return vng ? cv::COLOR_BayerRG2BGR_VNG : cv::COLOR_BayerRG2BGR;
    case CfaPattern::kGRBG: return vng ? cv::COLOR_BayerGB2BGR_VNG : cv::COLOR_BayerGB2BGR;
    case CfaPattern::kGBRG: return vng ? cv::COLOR_BayerGR2BGR_VNG : cv::COLOR_BayerGR2BGR;
  }
  return 0;
}

// PSNR (8-bit peak) over all channels, `border` pixels left out; output row
// y is compared with truth row y + row_offset.
double psnr(const cv::Mat& bgr, const cv::Mat& truth, int border, int row_offset = 0) {
  double se = 0;
  int64_t n = 0;
  for (int y = border; y < truth.rows - border; ++y)
    for (int x = border; x < truth.cols - border; ++x)
      for (int c = 0; c < 3; ++c) {
        double d = double(bgr.at<cv::Vec3b>(y, x)[c]) - truth.at<cv::Vec3b>(y + row_offset, x)[c];
        se += d * d;
        ++n;
      }
  return 10 * std::log10(255.0 * 255.0 / (se / n));
}

TEST(DemosaicTest, BeatsOpenCvBilinearAndVngOnEveryCfaPhase) {
  SynthOptions o = testing::small_options(51);
  o.width = 512;
  o.height = 384;
  o.frames = 1;
  SynthBurst b = testing::make_burst(o);
  // The scene as drawn, 8-bit, as OpenCV's VNG only takes 8-bit mosaics.
  cv::Mat truth(o.height, o.width, CV_8UC3);
  for (int y = 0; y < o.height; ++y)
    for (int x = 0; x < o.width; ++x)
      for (int c = 0; c < 3; ++c)
        truth.at<cv::Vec3b>(y, x)[2 - c] = cv::saturate_cast<uint8_t>(b.clean_srgb(x, y, c) * 255.0f + 0.5f);
  for (CfaPattern cfa : {CfaPattern::kRGGB, CfaPattern::kBGGR, CfaPattern::kGRBG, CfaPattern::kGBRG}) {
    cv::Mat bayer(o.height, o.width, CV_8U);
    Halide::Runtime::Buffer<float, 2> mosaic(o.width, o.height);
    for (int y = 0; y < o.height; ++y)
      for (int x = 0; x < o.width; ++x) {
        uint8_t v = truth.at<cv::Vec3b>(y, x)[2 - cfa_color(cfa, x, y)];
        bayer.at<uint8_t>(y, x) = v;
        mosaic(x, y) = v / 255.0f;
      }
    Halide::Runtime::Buffer<float, 3> rgb = demosaic_reference(mosaic, cfa);
    cv::Mat ours(o.height, o.width, CV_8UC3);
    for (int y = 0; y < o.height; ++y)
      for (int x = 0; x < o.width; ++x)
        for (int c = 0; c < 3; ++c) ours.at<cv::Vec3b>(y, x)[2 - c] = cv::saturate_cast<uint8_t>(rgb(x, y, c) * 255.0f + 0.5f);
    cv::Mat bilinear, vng;
    cv::demosaicing(bayer, bilinear, opencv_code(cfa, false));
    cv::demosaicing(bayer, vng, opencv_code(cfa, true));
    const int border = 4;
    // OpenCV's VNG output is two rows off before OpenCV 4.12 (opencv issues
    // 5089 and 27225; Debian 12 has 4.6): score it at its better alignment.
    double p_ours = psnr(ours, truth, border), p_bilinear = psnr(bilinear, truth, border),
           p_vng = std::max(psnr(vng, truth, border), psnr(vng, truth, border, 2));
    std::printf("%s: Malvar-He-Cutler %.2f dB, OpenCV bilinear %.2f dB, OpenCV VNG %.2f dB\n", cfa_name(cfa), p_ours,
                p_bilinear, p_vng);
    EXPECT_GT(p_ours, p_bilinear) << cfa_name(cfa);
    EXPECT_GT(p_ours, p_vng) << cfa_name(cfa);
  }
}

}  // namespace
}  // namespace nb
