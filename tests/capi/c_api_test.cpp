// The C API against the C++ pipeline on the same frames.
#include <gtest/gtest.h>

#include <string>

#include "nightburst/nightburst_c.h"
#include "nightburst/pipeline.h"
#include "test_util.h"

extern "C" int run_c_client(const nb_raw_frame* frames, int count, int look, nb_image* out,
                            char* error, size_t error_size);
extern "C" int run_c_streaming_client(const nb_raw_frame* frames, int count, int look,
                                      nb_image* out, char* error, size_t error_size);

namespace nb {
namespace {

nb_raw_frame to_c(const RawFrame& f) {
  nb_raw_frame c{};
  c.mosaic = f.mosaic.data();
  c.width = f.meta.width;
  c.height = f.meta.height;
  c.row_stride = f.mosaic.dim(1).stride();
  c.cfa = int(f.meta.cfa);
  for (int i = 0; i < 4; ++i) c.black_level[i] = f.meta.black_level[i];
  c.white_level = f.meta.white_level;
  for (int i = 0; i < 3; ++i) c.as_shot_neutral[i] = f.meta.as_shot_neutral[i];
  for (int i = 0; i < 9; ++i) c.color_matrix[i] = f.meta.color_matrix[i];
  c.has_color_matrix = f.meta.has_color_matrix;
  for (int i = 0; i < 4; ++i) {
    c.noise_scale[i] = f.meta.noise.scale[i];
    c.noise_offset[i] = f.meta.noise.offset[i];
  }
  c.has_noise_profile = f.meta.noise.valid;
  c.exposure_s = f.meta.exposure_s;
  c.iso = f.meta.iso;
  c.orientation = f.meta.orientation;
  return c;
}

// Samples of `image` that differ from the C++ pipeline's on the burst (all of
// them when the size differs).
int differences_from_cpp(const SynthBurst& b, const nb_image& image) {
  ProcessResult expected;
  EXPECT_TRUE(process_burst(b.frames, ProcessOptions(), &expected).ok());
  if (image.width != expected.srgb.width() || image.height != expected.srgb.height())
    return image.width * image.height * 3;
  int differing = 0;
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x)
      for (int c = 0; c < 3; ++c)
        differing += image.data[(y * image.width + x) * 3 + c] != expected.srgb(x, y, c);
  return differing;
}

TEST(CApiTest, SameImageAsTheCppPipeline) {
  SynthOptions o = testing::small_options(91);
  o.frames = 3;
  SynthBurst b = testing::make_burst(o);
  std::vector<nb_raw_frame> frames;
  for (const RawFrame& f : b.frames) frames.push_back(to_c(f));
  nb_image image;
  char error[256];
  ASSERT_EQ(
      run_c_client(frames.data(), int(frames.size()), NB_LOOK_NIGHT, &image, error, sizeof error),
      NB_OK)
      << error;
  EXPECT_EQ(differences_from_cpp(b, image), 0);
  nb_image_free(&image);
  EXPECT_EQ(image.data, nullptr);
}

// Frames through a session from C, each in a buffer the client overwrites
// with the next: the same image as the C++ pipeline on the whole burst.
TEST(CApiTest, StreamingSessionFromCGivesTheSameImage) {
  SynthOptions o = testing::small_options(93);
  o.frames = 5;
  SynthBurst b = testing::make_burst(o);
  std::vector<nb_raw_frame> frames;
  for (const RawFrame& f : b.frames) frames.push_back(to_c(f));
  nb_image image;
  char error[256];
  ASSERT_EQ(run_c_streaming_client(frames.data(), int(frames.size()), NB_LOOK_NIGHT, &image, error,
                                   sizeof error),
            NB_OK)
      << error;
  EXPECT_EQ(differences_from_cpp(b, image), 0);
  nb_image_free(&image);
}

TEST(CApiTest, SessionErrorsAreStickyAndNameTheFrame) {
  SynthOptions o = testing::small_options(94);
  o.frames = 2;
  SynthBurst b = testing::make_burst(o);
  nb_session* session = nullptr;
  char error[256];
  ASSERT_EQ(nb_session_create(nullptr, &session, error, sizeof error), NB_OK) << error;
  nb_raw_frame first = to_c(b.frames[0]), second = to_c(b.frames[1]);
  second.width -= 2;  // a different size
  ASSERT_EQ(nb_session_add_frame(session, &first, error, sizeof error), NB_OK) << error;
  EXPECT_EQ(nb_session_add_frame(session, &second, error, sizeof error), NB_BAD_INPUT);
  EXPECT_NE(std::string(error).find("frame 1"), std::string::npos) << error;
  nb_image image{reinterpret_cast<uint16_t*>(1), 7, 7};
  EXPECT_EQ(nb_session_finish(session, &image, error, sizeof error), NB_BAD_INPUT);
  EXPECT_NE(std::string(error).find("frame 1"), std::string::npos) << error;
  EXPECT_EQ(image.data, nullptr);
  nb_session_destroy(session);
  nb_options bad;
  nb_options_default(&bad);
  bad.look = 7;
  EXPECT_EQ(nb_session_create(&bad, &session, error, sizeof error), NB_INVALID_ARGUMENT);
  EXPECT_EQ(session, nullptr);
}

TEST(CApiTest, BadFrameGivesACodeAndAMessageNamingIt) {
  SynthOptions o = testing::small_options(92);
  o.frames = 2;
  SynthBurst b = testing::make_burst(o);
  std::vector<nb_raw_frame> frames = {to_c(b.frames[0]), to_c(b.frames[1])};
  frames[1].white_level = 100;  // below black
  nb_image image{reinterpret_cast<uint16_t*>(1), 7, 7};
  char error[256];
  int code = run_c_client(frames.data(), 2, NB_LOOK_NIGHT, &image, error, sizeof error);
  std::printf("code %d: %s\n", code, error);
  EXPECT_NE(code, NB_OK);
  EXPECT_NE(std::string(error).find("frame 1"), std::string::npos);
  EXPECT_EQ(image.data, nullptr);  // nothing half-made
  frames[1].row_stride = 3;        // narrower than the frame
  EXPECT_EQ(run_c_client(frames.data(), 2, NB_LOOK_NIGHT, &image, error, 8), NB_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(error).size(), 7u);  // truncated to the buffer, terminated
  EXPECT_EQ(run_c_client(frames.data(), 2, 9, &image, error, sizeof error), NB_INVALID_ARGUMENT);
  EXPECT_EQ(run_c_client(nullptr, 0, NB_LOOK_NIGHT, &image, error, sizeof error),
            NB_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace nb
