// The C API against the C++ pipeline on the same frames.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "capi/c_frame.h"
#include "core/color.h"
#include "nightburst/nightburst_c.h"
#include "nightburst/pipeline.h"
#include "test_util.h"

extern "C" int run_c_client(const nb_raw_frame* frames, int count, int look, uint16_t* rgb16,
                            size_t rgb16_size, char* error, size_t error_size);
extern "C" int run_c_streaming_client(const nb_raw_frame* frames, int count, int look,
                                      uint8_t** rgba, int* width, int* height, size_t* row_bytes,
                                      char** report, char* error, size_t error_size);

namespace nb {
namespace {

std::vector<nb_raw_frame> c_frames(const SynthBurst& b) {
  std::vector<nb_raw_frame> frames;
  for (const RawFrame& f : b.frames) frames.push_back(c_frame_view(f));
  return frames;
}

ProcessResult cpp_result(const SynthBurst& b, const ProcessOptions& options = ProcessOptions()) {
  ProcessResult expected;
  Status s = process_burst(b.frames, options, &expected);
  EXPECT_TRUE(s.ok()) << s.message();
  return expected;
}

// Samples of the C API's interleaved RGB16 image that differ from `srgb`.
int differences(const std::vector<uint16_t>& rgb16, const Halide::Runtime::Buffer<uint16_t, 3>& srgb) {
  int differing = 0;
  for (int y = 0; y < srgb.height(); ++y)
    for (int x = 0; x < srgb.width(); ++x)
      for (int c = 0; c < 3; ++c) differing += rgb16[(size_t(y) * srgb.width() + x) * 3 + c] != srgb(x, y, c);
  return differing;
}

// A finished session's image as interleaved RGB16 (empty on failure).
std::vector<uint16_t> image_rgb16(const nb_session* session) {
  nb_result_info info;
  char error[256];
  if (nb_session_result_info(session, &info, error, sizeof error) != NB_OK) return {};
  std::vector<uint16_t> rgb16(size_t(info.width) * info.height * 3);
  const int code =
      nb_session_copy_image(session, NB_FORMAT_RGB16, rgb16.data(), size_t(info.width) * 6, error, sizeof error);
  EXPECT_EQ(code, NB_OK) << error;
  return rgb16;
}

TEST(CApiTest, SameImageAsTheCppPipeline) {
  SynthOptions o = testing::small_options(91);
  o.frames = 3;
  SynthBurst b = testing::make_burst(o);
  const ProcessResult expected = cpp_result(b);
  std::vector<uint16_t> rgb16(size_t(expected.srgb.width()) * expected.srgb.height() * 3);
  char error[256];
  const std::vector<nb_raw_frame> frames = c_frames(b);
  ASSERT_EQ(run_c_client(frames.data(), int(frames.size()), NB_LOOK_NIGHT, rgb16.data(),
                         rgb16.size(), error, sizeof error),
            NB_OK)
      << error;
  EXPECT_EQ(differences(rgb16, expected.srgb), 0);
}

// Frames through a session from C, each in a buffer the client overwrites
// with the next: the same image as the C++ pipeline on the whole burst, as
// RGBA8 in padded rows, and the same report.
TEST(CApiTest, StreamingSessionFromCGivesTheSameImageAndReport) {
  SynthOptions o = testing::small_options(93);
  o.frames = 5;
  SynthBurst b = testing::make_burst(o);
  const ProcessResult expected = cpp_result(b);
  std::vector<nb_raw_frame> frames = c_frames(b);
  const std::vector<std::string> names = {"a.dng", "b.dng", "c.dng", "d.dng", "e.dng"};
  for (size_t i = 0; i < frames.size(); ++i) frames[i].name = names[i].c_str();
  uint8_t* rgba = nullptr;
  char* report = nullptr;
  int width = 0, height = 0;
  size_t row_bytes = 0;
  char error[256];
  ASSERT_EQ(run_c_streaming_client(frames.data(), int(frames.size()), NB_LOOK_NIGHT, &rgba, &width,
                                   &height, &row_bytes, &report, error, sizeof error),
            NB_OK)
      << error;
  ASSERT_EQ(width, expected.srgb.width());
  ASSERT_EQ(height, expected.srgb.height());
  ASSERT_GT(row_bytes, size_t(width) * 4);  // padded, so the stride is honoured
  int differing = 0;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const uint8_t* p = rgba + y * row_bytes + 4 * x;
      for (int c = 0; c < 3; ++c) differing += p[c] != to_8bit(expected.srgb(x, y, c));
      differing += p[3] != 255;
    }
  EXPECT_EQ(differing, 0);
  const nlohmann::json j = nlohmann::json::parse(report);
  EXPECT_EQ(j["reference"].get<int>(), expected.report.reference);
  EXPECT_EQ(j["frames"].get<std::vector<std::string>>(), names);
  EXPECT_EQ(j["awb"]["method"].get<std::string>(), expected.report.awb_method);
  EXPECT_FLOAT_EQ(j["awb"]["gains"][0].get<float>(), expected.report.awb_gains[0]);
  EXPECT_EQ(j["motion"].size(), frames.size());
  std::free(rgba);
  std::free(report);
}

// The merged mosaic comes back as a raw frame at the reference's levels
// scaled to 16 bits (x4 for this 14-bit burst): exactly the C++ result
// quantised, its metadata the merged burst's, and it goes through the
// pipeline again as a one-frame burst.
TEST(CApiTest, MergedMosaicIsARawFrameOfTheReferencesLevelsScaledTo16Bits) {
  SynthOptions o = testing::small_options(95);
  o.frames = 3;
  SynthBurst b = testing::make_burst(o);
  const ProcessResult expected = cpp_result(b);
  const std::vector<nb_raw_frame> frames = c_frames(b);
  nb_session* session = nullptr;
  char error[256];
  ASSERT_EQ(nb_process(frames.data(), int(frames.size()), nullptr, &session, error, sizeof error),
            NB_OK)
      << error;
  nb_result_info info;
  ASSERT_EQ(nb_session_result_info(session, &info, error, sizeof error), NB_OK);
  ASSERT_EQ(info.mosaic_width, o.width);
  ASSERT_EQ(info.mosaic_height, o.height);
  const int stride = info.mosaic_width + 6;
  std::vector<uint16_t> mosaic(size_t(stride) * info.mosaic_height, 0xABCD);
  nb_raw_frame merged;
  ASSERT_EQ(nb_session_copy_merged(session, mosaic.data(), stride, &merged, error, sizeof error),
            NB_OK)
      << error;
  const Halide::Runtime::Buffer<uint16_t, 2> quantised =
      quantise_mosaic(expected.merged, expected.merged_meta);
  int differing = 0, padding_touched = 0;
  for (int y = 0; y < info.mosaic_height; ++y) {
    for (int x = 0; x < info.mosaic_width; ++x)
      differing += mosaic[size_t(y) * stride + x] != quantised(x, y);
    for (int x = info.mosaic_width; x < stride; ++x)
      padding_touched += mosaic[size_t(y) * stride + x] != 0xABCD;
  }
  EXPECT_EQ(differing, 0);
  EXPECT_EQ(padding_touched, 0);
  EXPECT_EQ(merged.mosaic, mosaic.data());
  EXPECT_EQ(merged.row_stride, stride);
  EXPECT_EQ(merged.cfa, int(expected.merged_meta.cfa));
  EXPECT_EQ(merged.white_level, expected.merged_meta.white_level);
  EXPECT_EQ(merged.black_level[3], expected.merged_meta.black_level[3]);
  EXPECT_EQ(merged.white_level, 4 * b.frames[0].meta.white_level);
  EXPECT_EQ(merged.black_level[3], 4 * b.frames[0].meta.black_level[3]);
  EXPECT_TRUE(merged.has_noise_profile);
  EXPECT_DOUBLE_EQ(merged.noise_scale[0], expected.merged_meta.noise.scale[0]);
  EXPECT_STREQ(merged.model, "Synthetic");

  nb_session* again = nullptr;
  ASSERT_EQ(nb_process(&merged, 1, nullptr, &again, error, sizeof error), NB_OK) << error;
  nb_session_destroy(again);
  nb_session_destroy(session);
}

// Frames added before the reference is known are held: with a late
// reference, four frames wait in the session while the caller overwrites the
// one buffer it has; the result is still the C++ pipeline's.
TEST(CApiTest, HeldFramesAreCopiedBeforeTheCallerReusesItsBuffer) {
  SynthOptions o = testing::small_options(98);
  o.frames = 6;
  SynthBurst b = testing::make_burst(o);
  ProcessOptions cpp;
  cpp.reference = 4;
  const ProcessResult expected = cpp_result(b, cpp);
  nb_options options;
  nb_options_default(&options);
  options.reference = 4;
  nb_session* session = nullptr;
  char error[256];
  ASSERT_EQ(nb_session_create(&options, &session, error, sizeof error), NB_OK) << error;
  std::vector<uint16_t> buffer(size_t(o.width) * o.height);
  for (const RawFrame& f : b.frames) {
    nb_raw_frame frame = c_frame_view(f);
    for (int y = 0; y < o.height; ++y)
      for (int x = 0; x < o.width; ++x) buffer[size_t(y) * o.width + x] = f.mosaic(x, y);
    frame.mosaic = buffer.data();
    frame.row_stride = o.width;
    ASSERT_EQ(nb_session_add_frame(session, &frame, error, sizeof error), NB_OK) << error;
  }
  std::fill(buffer.begin(), buffer.end(), 0);
  ASSERT_EQ(nb_session_finish(session, error, sizeof error), NB_OK) << error;
  EXPECT_EQ(differences(image_rgb16(session), expected.srgb), 0);
  nb_session_destroy(session);
}

TEST(CApiTest, WhiteBalanceOptionsAreTheCppOnes) {
  SynthOptions o = testing::small_options(96);
  o.frames = 2;
  SynthBurst b = testing::make_burst(o);
  ProcessOptions cpp;
  cpp.awb = AwbMethod::kManual;
  cpp.manual_illuminant = {0.5f, 1.0f, 0.8f};
  const ProcessResult expected = cpp_result(b, cpp);
  nb_options options;
  nb_options_default(&options);
  options.awb = NB_AWB_MANUAL;
  options.manual_illuminant[0] = 0.5f;
  options.manual_illuminant[1] = 1.0f;
  options.manual_illuminant[2] = 0.8f;
  const std::vector<nb_raw_frame> frames = c_frames(b);
  nb_session* session = nullptr;
  char error[256];
  ASSERT_EQ(nb_process(frames.data(), 2, &options, &session, error, sizeof error), NB_OK) << error;
  EXPECT_EQ(differences(image_rgb16(session), expected.srgb), 0);
  nb_session_destroy(session);

  options.manual_illuminant[1] = -1;
  EXPECT_EQ(nb_session_create(&options, &session, error, sizeof error), NB_INVALID_ARGUMENT);
  options.awb = 9;
  EXPECT_EQ(nb_session_create(&options, &session, error, sizeof error), NB_INVALID_ARGUMENT);

  // A damaged model is refused when the session is created, by its name.
  const uint8_t damaged[16] = {'N', 'B', 'F', 'F', 'C', 'C', '0', '2'};
  nb_options_default(&options);
  options.awb_model = damaged;
  options.awb_model_size = sizeof damaged;
  options.awb_model_name = "/models/night.bin";
  EXPECT_EQ(nb_session_create(&options, &session, error, sizeof error), NB_BAD_INPUT);
  EXPECT_NE(std::string(error).find("/models/night.bin"), std::string::npos) << error;
  EXPECT_EQ(session, nullptr);
}

struct Progress {
  std::vector<std::string> stages;
  int cancel_at = -1;
};

int record_stage(const char* stage, void* user) {
  auto* p = static_cast<Progress*>(user);
  p->stages.push_back(stage);
  return int(p->stages.size()) != p->cancel_at;
}

TEST(CApiTest, ProgressNamesTheStagesAndCancels) {
  SynthOptions o = testing::small_options(97);
  o.frames = 3;
  SynthBurst b = testing::make_burst(o);
  const std::vector<nb_raw_frame> frames = c_frames(b);
  Progress progress;
  nb_options options;
  nb_options_default(&options);
  options.progress = record_stage;
  options.progress_user = &progress;
  nb_session* session = nullptr;
  char error[256];
  ASSERT_EQ(nb_process(frames.data(), 3, &options, &session, error, sizeof error), NB_OK) << error;
  nb_session_destroy(session);
  ASSERT_GT(progress.stages.size(), 3u);
  progress.cancel_at = 2;
  progress.stages.clear();
  EXPECT_EQ(nb_process(frames.data(), 3, &options, &session, error, sizeof error), NB_CANCELLED);
  EXPECT_EQ(progress.stages.size(), 2u);
  EXPECT_EQ(session, nullptr);
}

TEST(CApiTest, SessionErrorsAreStickyAndNameTheFrame) {
  SynthOptions o = testing::small_options(94);
  o.frames = 2;
  SynthBurst b = testing::make_burst(o);
  nb_session* session = nullptr;
  char error[256];
  ASSERT_EQ(nb_session_create(nullptr, &session, error, sizeof error), NB_OK) << error;
  std::vector<nb_raw_frame> frames = c_frames(b);
  frames[1].width -= 2;  // a different size
  frames[1].name = "IMG_0002.CR2";
  nb_result_info info;
  EXPECT_EQ(nb_session_result_info(session, &info, error, sizeof error), NB_INVALID_ARGUMENT);
  ASSERT_EQ(nb_session_add_frame(session, &frames[0], error, sizeof error), NB_OK) << error;
  EXPECT_EQ(nb_session_add_frame(session, &frames[1], error, sizeof error), NB_BAD_INPUT);
  EXPECT_NE(std::string(error).find("IMG_0002.CR2"), std::string::npos) << error;
  EXPECT_EQ(nb_session_finish(session, error, sizeof error), NB_BAD_INPUT);
  EXPECT_NE(std::string(error).find("IMG_0002.CR2"), std::string::npos) << error;
  EXPECT_EQ(nb_session_result_info(session, &info, error, sizeof error), NB_INVALID_ARGUMENT);
  char json[8] = "x";
  EXPECT_EQ(nb_session_report_json(session, json, sizeof json), 0u);
  EXPECT_EQ(json[0], '\0');
  nb_session_destroy(session);
  nb_options bad;
  nb_options_default(&bad);
  bad.look = 7;
  EXPECT_EQ(nb_session_create(&bad, &session, error, sizeof error), NB_INVALID_ARGUMENT);
  EXPECT_EQ(session, nullptr);
  for (float scale : {0.5f, 3.5f, -1.0f}) {
    nb_options_default(&bad);
    bad.superres_scale = scale;
    EXPECT_EQ(nb_session_create(&bad, &session, error, sizeof error), NB_INVALID_ARGUMENT) << scale;
    EXPECT_NE(std::string(error).find("superres_scale"), std::string::npos) << error;
  }
}

TEST(CApiTest, BadFramesAndBuffersGiveACodeAndAMessage) {
  SynthOptions o = testing::small_options(92);
  o.frames = 2;
  SynthBurst b = testing::make_burst(o);
  std::vector<nb_raw_frame> frames = c_frames(b);
  frames[1].white_level = 100;  // below black
  std::vector<uint16_t> rgb16(size_t(o.width) * o.height * 3);
  char error[256];
  int code = run_c_client(frames.data(), 2, NB_LOOK_NIGHT, rgb16.data(), rgb16.size(), error,
                          sizeof error);
  EXPECT_EQ(code, NB_BAD_INPUT);
  EXPECT_NE(std::string(error).find("frame 1"), std::string::npos) << error;
  frames[1].row_stride = 3;  // narrower than the frame
  EXPECT_EQ(run_c_client(frames.data(), 2, NB_LOOK_NIGHT, rgb16.data(), rgb16.size(), error, 8),
            NB_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(error).size(), 7u);  // truncated to the buffer, terminated
  EXPECT_EQ(run_c_client(frames.data(), 2, 9, rgb16.data(), rgb16.size(), error, sizeof error),
            NB_INVALID_ARGUMENT);
  EXPECT_EQ(
      run_c_client(nullptr, 0, NB_LOOK_NIGHT, rgb16.data(), rgb16.size(), error, sizeof error),
      NB_INVALID_ARGUMENT);

  // Output buffers that do not fit are refused, not overrun.
  frames = c_frames(b);
  nb_session* session = nullptr;
  ASSERT_EQ(nb_process(frames.data(), 2, nullptr, &session, error, sizeof error), NB_OK) << error;
  nb_result_info info;
  ASSERT_EQ(nb_session_result_info(session, &info, error, sizeof error), NB_OK);
  EXPECT_EQ(nb_session_copy_image(session, NB_FORMAT_RGBA8, rgb16.data(),
                                  size_t(info.width) * 4 - 1, error, sizeof error),
            NB_INVALID_ARGUMENT);
  EXPECT_EQ(
      nb_session_copy_image(session, 5, rgb16.data(), size_t(info.width) * 8, error, sizeof error),
      NB_INVALID_ARGUMENT);
  nb_raw_frame merged;
  EXPECT_EQ(nb_session_copy_merged(session, rgb16.data(), info.mosaic_width - 1, &merged, error,
                                   sizeof error),
            NB_INVALID_ARGUMENT);
  // The report like snprintf: its length, and as much as fits.
  const size_t length = nb_session_report_json(session, nullptr, 0);
  ASSERT_GT(length, 100u);
  char head[11];
  EXPECT_EQ(nb_session_report_json(session, head, sizeof head), length);
  EXPECT_EQ(std::string(head).size(), 10u);
  EXPECT_EQ(head[0], '{');
  nb_session_destroy(session);
}

// camera2's map (rows x columns x 4: R, G_even, G_odd, B) behind the four
// GainMaps a synthetic vignette makes, as a phone app would hold it.
std::vector<float> camera2_map(const RawMetadata& m) {
  const GainMap& first = m.gain_maps.at(0);
  std::vector<float> map(size_t(first.points_h) * first.points_v * 4);
  for (int position = 0; position < 4; ++position) {
    const int x = position & 1, y = position >> 1, color = cfa_color(m.cfa, x, y);
    const int channel = color == 0 ? 0 : color == 2 ? 3 : (y == 0 ? 1 : 2);
    for (size_t i = 0; i < first.gains.size(); ++i) map[i * 4 + channel] = m.gain_maps[size_t(position)].gains[i];
  }
  return map;
}

// A phone's lens-shading map through nb_session_add_frame_ex: the image the
// C++ pipeline makes from the same frames and maps; without it, another.
TEST(CApiTest, LensShadingMapThroughFrameExtras) {
  SynthOptions o = testing::small_options(95);
  o.frames = 3;
  o.cfa = CfaPattern::kGRBG;
  o.vignette_stops = 1.5;
  SynthBurst b = testing::make_burst(o);
  const ProcessResult expected = cpp_result(b);
  const std::vector<float> map = camera2_map(b.frames[0].meta);
  nb_frame_extras extras{};
  extras.struct_size = sizeof extras;
  extras.lens_shading_map = map.data();
  extras.lens_shading_columns = b.frames[0].meta.gain_maps[0].points_h;
  extras.lens_shading_rows = b.frames[0].meta.gain_maps[0].points_v;
  char error[256];
  for (bool with_map : {true, false}) {
    nb_session* session = nullptr;
    ASSERT_EQ(nb_session_create(nullptr, &session, error, sizeof error), NB_OK) << error;
    for (const nb_raw_frame& f : c_frames(b))
      ASSERT_EQ(nb_session_add_frame_ex(session, &f, with_map ? &extras : nullptr, error, sizeof error), NB_OK)
          << error;
    ASSERT_EQ(nb_session_finish(session, error, sizeof error), NB_OK) << error;
    const int differing = differences(image_rgb16(session), expected.srgb);
    if (with_map) {
      EXPECT_EQ(differing, 0);
    } else {
      EXPECT_GT(differing, expected.srgb.number_of_elements() / 2);
    }
    nb_session_destroy(session);
  }
}

// Extras that do not fit: a size the library does not know, a map without
// gains or points, a gain out of range; each refused with the frame's name
// and the field; the same map with its gains in range is taken.
TEST(CApiTest, FrameExtrasThatDoNotFitAreRefused) {
  SynthOptions o = testing::small_options(96);
  o.frames = 1;
  SynthBurst b = testing::make_burst(o);
  const nb_raw_frame frame = c_frames(b)[0];
  std::vector<float> map(17 * 13 * 4, 1.5f);
  struct Case {
    const char* what;
    size_t struct_size;
    const float* gains;
    int columns, rows;
    const char* message;
  };
  map[100] = -1;
  const Case cases[] = {
      {"no size", 0, nullptr, 0, 0, "struct_size 0 is not a size this library knows"},
      {"a newer header's", sizeof(nb_frame_extras) + 8, nullptr, 0, 0, "not a size this library knows"},
      {"points but no gains", sizeof(nb_frame_extras), nullptr, 17, 13, "lens_shading_map of 17x13 points has no gains"},
      {"gains but no points", sizeof(nb_frame_extras), map.data(), 0, 13, "lens_shading_map of 0x13 points"},
      {"a negative gain", sizeof(nb_frame_extras), map.data(), 17, 13, "lens_shading_map gain -1.000000 (row 1, column 8, channel 0) is outside 0..256"},
  };
  char error[256];
  for (const Case& c : cases) {
    nb_frame_extras extras{};
    extras.struct_size = c.struct_size;
    extras.lens_shading_map = c.gains;
    extras.lens_shading_columns = c.columns;
    extras.lens_shading_rows = c.rows;
    nb_session* session = nullptr;
    ASSERT_EQ(nb_session_create(nullptr, &session, error, sizeof error), NB_OK) << error;
    EXPECT_EQ(nb_session_add_frame_ex(session, &frame, &extras, error, sizeof error), NB_INVALID_ARGUMENT) << c.what;
    EXPECT_NE(std::string(error).find(frame.name), std::string::npos) << c.what << ": " << error;
    EXPECT_NE(std::string(error).find(c.message), std::string::npos) << c.what << ": " << error;
    nb_session_destroy(session);
  }
  map[100] = 1.5f;
  nb_frame_extras extras{};
  extras.struct_size = sizeof extras;
  extras.lens_shading_map = map.data();
  extras.lens_shading_columns = 17;
  extras.lens_shading_rows = 13;
  nb_session* session = nullptr;
  ASSERT_EQ(nb_session_create(nullptr, &session, error, sizeof error), NB_OK) << error;
  EXPECT_EQ(nb_session_add_frame_ex(session, &frame, &extras, error, sizeof error), NB_OK) << error;
  nb_session_destroy(session);
}

// camera2's hot-pixel map through nb_frame_extras: the image the C++
// pipeline makes from the same frames with the same points listed; a point
// outside the frame is refused with the frame's name.
TEST(CApiTest, HotPixelMapThroughFrameExtras) {
  SynthOptions o = testing::small_options(97);
  o.frames = 3;
  o.defective_pixels = 60;
  o.list_defects = true;
  SynthBurst b = testing::make_burst(o);
  const ProcessResult expected = cpp_result(b);
  std::vector<int32_t> points;
  for (const auto& [x, y] : b.frames[0].meta.defects.points) points.insert(points.end(), {x, y});
  nb_frame_extras extras{};
  extras.struct_size = sizeof extras;
  extras.hot_pixels = points.data();
  extras.hot_pixel_count = int(points.size() / 2);
  char error[256];
  nb_session* session = nullptr;
  ASSERT_EQ(nb_session_create(nullptr, &session, error, sizeof error), NB_OK) << error;
  for (const nb_raw_frame& f : c_frames(b))
    ASSERT_EQ(nb_session_add_frame_ex(session, &f, &extras, error, sizeof error), NB_OK) << error;
  ASSERT_EQ(nb_session_finish(session, error, sizeof error), NB_OK) << error;
  EXPECT_EQ(differences(image_rgb16(session), expected.srgb), 0);
  nb_session_destroy(session);

  points[0] = o.width + 10;
  ASSERT_EQ(nb_session_create(nullptr, &session, error, sizeof error), NB_OK) << error;
  const nb_raw_frame frame = c_frames(b)[0];
  EXPECT_EQ(nb_session_add_frame_ex(session, &frame, &extras, error, sizeof error), NB_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error).find(std::string(frame.name) + ": hot_pixels: defective pixel (" +
                                    std::to_string(o.width + 10)),
            std::string::npos)
      << error;
  nb_session_destroy(session);
}

// camera2's two colour calibrations through nb_frame_extras (a phone's
// SENSOR_COLOR_TRANSFORM1/2, SENSOR_FORWARD_MATRIX1/2 under
// SENSOR_REFERENCE_ILLUMINANT1/2): the image the C++ pipeline makes from the
// same metadata. An app built against the header before these fields
// (struct_size ending at hot_pixel_count) still gets its frames taken, with
// color_matrix alone; a singular second transform is refused, named.
TEST(CApiTest, DualIlluminantCalibrationThroughFrameExtras) {
  SynthOptions o = testing::small_options(98);
  o.frames = 3;
  o.dual_illuminant = true;
  o.illuminant_kelvin = 2900;
  SynthBurst b = testing::make_burst(o);
  const ProcessResult expected = cpp_result(b);
  const RawMetadata& m = b.frames[0].meta;
  nb_frame_extras extras{};
  extras.struct_size = sizeof extras;
  extras.reference_illuminant1 = m.calibrations[0].illuminant;
  extras.reference_illuminant2 = m.calibrations[1].illuminant;
  extras.has_color_transform2 = 1;
  extras.has_forward_matrices = 1;
  for (int i = 0; i < 9; ++i) {
    extras.color_transform2[i] = m.calibrations[1].color_matrix[size_t(i)];
    extras.forward_matrix1[i] = m.calibrations[0].forward_matrix[size_t(i)];
    extras.forward_matrix2[i] = m.calibrations[1].forward_matrix[size_t(i)];
  }
  char error[256];
  const size_t sizes[2] = {sizeof extras, offsetof(nb_frame_extras, hot_pixel_count) + sizeof(int)};
  for (size_t size : sizes) {
    extras.struct_size = size;
    nb_session* session = nullptr;
    ASSERT_EQ(nb_session_create(nullptr, &session, error, sizeof error), NB_OK) << error;
    for (const nb_raw_frame& f : c_frames(b))
      ASSERT_EQ(nb_session_add_frame_ex(session, &f, &extras, error, sizeof error), NB_OK) << error;
    ASSERT_EQ(nb_session_finish(session, error, sizeof error), NB_OK) << error;
    const int differing = differences(image_rgb16(session), expected.srgb);
    if (size == sizeof extras) {
      EXPECT_EQ(differing, 0);
    } else {
      EXPECT_GT(differing, expected.srgb.number_of_elements() / 4);  // the A calibration alone, at 2900 K
    }
    nb_session_destroy(session);
  }

  extras.struct_size = sizeof extras;
  std::fill(extras.color_transform2, extras.color_transform2 + 9, 0.0);
  nb_session* session = nullptr;
  ASSERT_EQ(nb_session_create(nullptr, &session, error, sizeof error), NB_OK) << error;
  const nb_raw_frame frame = c_frames(b)[0];
  EXPECT_EQ(nb_session_add_frame_ex(session, &frame, &extras, error, sizeof error), NB_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error).find(std::string(frame.name) + ": colour matrix 2 is singular"), std::string::npos)
      << error;
  nb_session_destroy(session);
}

}  // namespace
}  // namespace nb
