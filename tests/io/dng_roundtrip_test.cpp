// DNG written by nightburst, read back by LibRaw (through our reader and directly).
#include <gtest/gtest.h>
#include <tiffio.h>

#include <cmath>
#include <fstream>

#include "io/dng_tags.h"
#include "io/raw_reader.h"
#include "nightburst/io.h"
#include "test_util.h"

namespace nb {
namespace {

// exiftool's -validate (scripts/setup.sh installs it) finds nothing wrong with the file.
void expect_exiftool_validates(const std::string& path) {
  FILE* pipe = popen(("exiftool -validate -warning -a " + path + " 2>&1").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string report;
  char line[512];
  while (fgets(line, sizeof line, pipe)) report += line;
  ASSERT_EQ(pclose(pipe), 0) << "exiftool (scripts/setup.sh installs it): " << report;
  EXPECT_NE(report.find("Validate                        : OK"), std::string::npos) << report;
}

TEST(DngRoundTripTest, LevelsPatternPixelsAndTagsSurviveForAllCfaPhases) {
  for (CfaPattern cfa : {CfaPattern::kRGGB, CfaPattern::kBGGR, CfaPattern::kGRBG, CfaPattern::kGBRG}) {
    SynthOptions o = testing::small_options(2);
    o.frames = 1;
    o.cfa = cfa;
    SynthBurst b = testing::make_burst(o);
    RawFrame& f = b.frames[0];
    f.meta.black_level = {510, 512, 514, 516};
    f.meta.orientation = 6;
    testing::TempDir dir;
    std::string path = dir.file("frame.dng");
    ASSERT_TRUE(write_dng(path, f.mosaic, f.meta).ok());

    RawFrame back;
    Status s = read_raw_frame(path, &back);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(back.meta.width, f.meta.width);
    EXPECT_EQ(back.meta.height, f.meta.height);
    EXPECT_EQ(back.meta.cfa, cfa) << cfa_name(cfa);
    for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(back.meta.black_level[i], f.meta.black_level[i]) << i;
    EXPECT_FLOAT_EQ(back.meta.white_level, f.meta.white_level);
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(back.meta.as_shot_neutral[c], f.meta.as_shot_neutral[c], 1e-4);
    // The DNG's own ColorMatrix1 and CalibrationIlluminant1, as floats.
    ASSERT_EQ(back.meta.calibrations.size(), 1u);
    EXPECT_EQ(back.meta.calibrations[0].illuminant, 21);
    for (int i = 0; i < 9; ++i)
      EXPECT_NEAR(back.meta.calibrations[0].color_matrix[size_t(i)], f.meta.calibrations[0].color_matrix[size_t(i)],
                  1e-6);
    ASSERT_TRUE(back.meta.noise.valid);
    EXPECT_DOUBLE_EQ(back.meta.noise.scale[0], f.meta.noise.scale[0]);
    EXPECT_DOUBLE_EQ(back.meta.noise.offset[3], f.meta.noise.offset[3]);
    EXPECT_NEAR(back.meta.exposure_s, f.meta.exposure_s, 1e-6);
    EXPECT_EQ(back.meta.orientation, 6);
    for (int y = 0; y < o.height; ++y)
      for (int x = 0; x < o.width; ++x) ASSERT_EQ(back.mosaic(x, y), f.mosaic(x, y)) << x << "," << y;
  }
}

// Where the DNG specification and readers expect the tags: NoiseProfile with
// one pair per colour plane (not per CFA position, which Adobe's reader
// takes as invalid), ExposureTime, FNumber and ISO in the EXIF IFD. exiftool
// (Debian's libimage-exiftool-perl) validates the file.
TEST(DngRoundTripTest, TagsSitWhereTheSpecificationPutsThem) {
  for (CfaPattern cfa : {CfaPattern::kRGGB, CfaPattern::kGBRG}) {
    SynthOptions o = testing::small_options(3);
    o.frames = 1;
    o.cfa = cfa;
    SynthBurst b = testing::make_burst(o);
    RawFrame& f = b.frames[0];
    f.meta.iso = 800;
    f.meta.exposure_s = 0.1f;
    f.meta.f_number = 1.8;
    f.meta.noise.scale = {1e-4, 2e-4, 3e-4, 5e-4};
    f.meta.noise.offset = {1e-6, 2e-6, 3e-6, 5e-6};
    testing::TempDir dir;
    const std::string path = dir.file("frame.dng");
    ASSERT_TRUE(write_dng(path, f.mosaic, f.meta).ok());

    // The colour of each CFA position, and each colour's mean pair.
    double scale[3] = {}, offset[3] = {}, positions[3] = {};
    for (int i = 0; i < 4; ++i) {
      const int c = cfa_color(cfa, i & 1, i >> 1);
      scale[c] += f.meta.noise.scale[i];
      offset[c] += f.meta.noise.offset[i];
      ++positions[c];
    }
    register_dng_tags();
    TIFF* tif = TIFFOpen(path.c_str(), "r");
    ASSERT_NE(tif, nullptr);
    uint16_t count = 0;
    double* values = nullptr;
    ASSERT_EQ(TIFFGetField(tif, kTagNoiseProfile, &count, &values), 1);
    ASSERT_EQ(count, 6);
    for (int c = 0; c < 3; ++c) {
      EXPECT_DOUBLE_EQ(values[2 * c], scale[c] / positions[c]) << c;
      EXPECT_DOUBLE_EQ(values[2 * c + 1], offset[c] / positions[c]) << c;
    }
    EXPECT_EQ(TIFFGetField(tif, kTagExposureTime, &values), 0) << "ExposureTime belongs in the EXIF IFD";
    uint64_t exif = 0;
    ASSERT_EQ(TIFFGetField(tif, TIFFTAG_EXIFIFD, &exif), 1);
    ASSERT_EQ(TIFFReadEXIFDirectory(tif, exif), 1);
    float exposure = 0;  // libtiff 4.5 hands EXIF rationals out as float
    ASSERT_EQ(TIFFGetField(tif, EXIFTAG_EXPOSURETIME, &exposure), 1);
    EXPECT_NEAR(exposure, 0.1, 1e-6);
    uint16_t iso_count = 0;
    uint16_t* iso = nullptr;
    ASSERT_EQ(TIFFGetField(tif, EXIFTAG_ISOSPEEDRATINGS, &iso_count, &iso), 1);
    ASSERT_EQ(iso_count, 1);
    EXPECT_EQ(iso[0], 800);
    float f_number = 0;
    ASSERT_EQ(TIFFGetField(tif, EXIFTAG_FNUMBER, &f_number), 1);
    EXPECT_NEAR(f_number, 1.8, 1e-6);
    TIFFClose(tif);

    RawFrame back;
    ASSERT_TRUE(read_raw_frame(path, &back).ok());
    EXPECT_EQ(back.meta.iso, 800);
    EXPECT_NEAR(back.meta.exposure_s, 0.1, 1e-6);
    EXPECT_NEAR(back.meta.f_number, 1.8, 1e-6);
    ASSERT_TRUE(back.meta.noise.valid);
    for (int i = 0; i < 4; ++i) {
      const int c = cfa_color(cfa, i & 1, i >> 1);
      EXPECT_DOUBLE_EQ(back.meta.noise.scale[i], scale[c] / positions[c]) << i;
      EXPECT_DOUBLE_EQ(back.meta.noise.offset[i], offset[c] / positions[c]) << i;
    }

    expect_exiftool_validates(path);
  }
}

void expect_same_frame(const RawFrame& a, const RawFrame& b, const std::string& what) {
  const RawMetadata &m = a.meta, &n = b.meta;
  EXPECT_EQ(m.width, n.width) << what;
  EXPECT_EQ(m.height, n.height) << what;
  EXPECT_EQ(m.cfa, n.cfa) << what;
  EXPECT_EQ(m.black_level, n.black_level) << what;
  EXPECT_EQ(m.white_level, n.white_level) << what;
  EXPECT_EQ(m.as_shot_neutral, n.as_shot_neutral) << what;
  ASSERT_EQ(m.calibrations.size(), n.calibrations.size()) << what;
  for (size_t i = 0; i < m.calibrations.size(); ++i) {
    EXPECT_EQ(m.calibrations[i].illuminant, n.calibrations[i].illuminant) << what;
    EXPECT_EQ(m.calibrations[i].color_matrix, n.calibrations[i].color_matrix) << what;
    EXPECT_EQ(m.calibrations[i].forward_matrix, n.calibrations[i].forward_matrix) << what;
    EXPECT_EQ(m.calibrations[i].camera_calibration, n.calibrations[i].camera_calibration) << what;
  }
  EXPECT_EQ(m.analog_balance, n.analog_balance) << what;
  EXPECT_EQ(m.baseline_exposure, n.baseline_exposure) << what;
  EXPECT_EQ(m.noise.valid, n.noise.valid) << what;
  EXPECT_EQ(m.noise.scale, n.noise.scale) << what;
  EXPECT_EQ(m.noise.offset, n.noise.offset) << what;
  EXPECT_EQ(m.exposure_s, n.exposure_s) << what;
  EXPECT_EQ(m.iso, n.iso) << what;
  EXPECT_EQ(m.orientation, n.orientation) << what;
  EXPECT_EQ(m.make, n.make) << what;
  EXPECT_EQ(m.model, n.model) << what;
  ASSERT_EQ(a.mosaic.width(), b.mosaic.width()) << what;
  ASSERT_EQ(a.mosaic.height(), b.mosaic.height()) << what;
  int differing = 0;
  for (int y = 0; y < a.mosaic.height(); ++y)
    for (int x = 0; x < a.mosaic.width(); ++x) differing += a.mosaic(x, y) != b.mosaic(x, y);
  EXPECT_EQ(differing, 0) << what;
}

// Uncompressed DNGs are read with libtiff straight into the frame; the
// result must be LibRaw's to the last bit and field, for every CFA phase,
// per-position black levels, strips that do not divide the height, and the
// merged DNG (whose white level is not the sensor's).
// Every colour tag of a phone DNG survives a write and a read: two
// calibrations (ColorMatrix, CalibrationIlluminant, ForwardMatrix,
// CameraCalibration), AnalogBalance, BaselineExposure, DefaultCrop.
TEST(DngRoundTripTest, DualIlluminantColourAndCropSurvive) {
  SynthOptions o = testing::small_options(4);
  o.frames = 1;
  o.dual_illuminant = true;
  o.baseline_exposure = 0.65;
  o.crop_margin = 8;
  SynthBurst b = testing::make_burst(o);
  RawFrame& f = b.frames[0];
  f.meta.analog_balance = {1.02, 1, 0.97};
  f.meta.calibrations[1].camera_calibration = {1.01, 0, 0, 0, 1, 0, 0, 0, 0.99};
  f.meta.calibrations[0].camera_calibration = {1.02, 0, 0, 0, 1, 0, 0, 0, 0.98};
  testing::TempDir dir;
  const std::string path = dir.file("frame.dng");
  ASSERT_TRUE(write_dng(path, f.mosaic, f.meta).ok());
  RawFrame back;
  const Status read = read_raw_frame(path, &back);
  ASSERT_TRUE(read.ok()) << read.message();
  ASSERT_EQ(back.meta.calibrations.size(), 2u);
  auto expect_near = [](const std::array<double, 9>& a, const std::array<double, 9>& e, const char* what) {
    for (size_t i = 0; i < 9; ++i) EXPECT_NEAR(a[i], e[i], 1e-6 * std::max(1.0, std::abs(e[i]))) << what << i;
  };
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(back.meta.calibrations[k].illuminant, f.meta.calibrations[k].illuminant);
    expect_near(back.meta.calibrations[k].color_matrix, f.meta.calibrations[k].color_matrix, "ColorMatrix");
    expect_near(back.meta.calibrations[k].forward_matrix, f.meta.calibrations[k].forward_matrix, "ForwardMatrix");
    expect_near(back.meta.calibrations[k].camera_calibration, f.meta.calibrations[k].camera_calibration,
                "CameraCalibration");
  }
  EXPECT_EQ(back.meta.calibrations[0].illuminant, 17);
  EXPECT_EQ(back.meta.calibrations[1].illuminant, 21);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(back.meta.analog_balance[c], f.meta.analog_balance[c], 1e-6);
  EXPECT_NEAR(back.meta.baseline_exposure, 0.65, 1e-6);
  EXPECT_EQ(back.meta.default_crop.left, 8);
  EXPECT_EQ(back.meta.default_crop.top, 8);
  EXPECT_EQ(back.meta.default_crop.width, o.width - 16);
  EXPECT_EQ(back.meta.default_crop.height, o.height - 16);

  expect_exiftool_validates(path);
}

TEST(DngRoundTripTest, DirectReadOfUncompressedDngEqualsLibRaw) {
  testing::TempDir dir;
  for (CfaPattern cfa : {CfaPattern::kRGGB, CfaPattern::kBGGR, CfaPattern::kGRBG, CfaPattern::kGBRG}) {
    SynthOptions o = testing::small_options(5);
    o.frames = 1;
    o.cfa = cfa;
    o.height = 98;  // the writer's 64 KB strips are 85 rows here: the last is short
    SynthBurst b = testing::make_burst(o);
    RawFrame& f = b.frames[0];
    f.meta.black_level = {510, 512, 514, 516};
    f.meta.orientation = 3;
    const std::string frame_path = dir.file("frame.dng"), merged_path = dir.file("merged.dng");
    ASSERT_TRUE(write_dng(frame_path, f.mosaic, f.meta).ok());
    ASSERT_TRUE(write_merged_dng(merged_path, b.clean_mosaic, f.meta).ok());
    for (const std::string& path : {frame_path, merged_path}) {
      RawFrame direct, libraw;
      ASSERT_TRUE(read_raw_frame(path, &direct, RawDecoder::kFastest).ok());
      ASSERT_TRUE(read_raw_frame(path, &libraw, RawDecoder::kLibRaw).ok());
      expect_same_frame(direct, libraw, cfa_name(cfa) + std::string(" ") + path);
    }
  }
}

// A DNG cut short is refused in LibRaw's words whichever decoder is asked.
TEST(DngRoundTripTest, TruncatedDngIsRefusedByBothDecoders) {
  SynthOptions o = testing::small_options(6);
  o.frames = 1;
  SynthBurst b = testing::make_burst(o);
  testing::TempDir dir;
  const std::string whole = dir.file("whole.dng"), cut = dir.file("cut.dng");
  ASSERT_TRUE(write_dng(whole, b.frames[0].mosaic, b.frames[0].meta).ok());
  std::ifstream in(whole, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(cut, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size() * 3 / 4));
  RawFrame direct, libraw;
  Status fast = read_raw_frame(cut, &direct, RawDecoder::kFastest);
  Status slow = read_raw_frame(cut, &libraw, RawDecoder::kLibRaw);
  EXPECT_FALSE(fast.ok());
  EXPECT_EQ(fast.message(), slow.message());
  EXPECT_NE(fast.message().find(cut), std::string::npos) << fast.message();
}

// The merged DNG keeps the reference's levels: a normalised value v comes back as black + v * (white - black).
TEST(DngRoundTripTest, MergedDngKeepsExposureScale) {
  SynthOptions o = testing::small_options(2);
  o.frames = 1;
  SynthBurst b = testing::make_burst(o);
  testing::TempDir dir;
  std::string path = dir.file("merged.dng");
  ASSERT_TRUE(write_merged_dng(path, b.clean_mosaic, b.frames[0].meta).ok());
  RawFrame back;
  ASSERT_TRUE(read_raw_frame(path, &back).ok());
  double max_err = 0;
  for (int y = 0; y < o.height; ++y)
    for (int x = 0; x < o.width; ++x)
      max_err = std::max(max_err, std::abs(double(normalise_sample(back.meta, x, y, back.mosaic(x, y))) -
                                           b.clean_mosaic(x, y)));
  EXPECT_LE(max_err, 0.5 / (o.white_level - o.black_level) + 1e-6);
}

}  // namespace
}  // namespace nb
