// Bad input gets a clear error naming the file and the reason; nothing crashes.
#include <gtest/gtest.h>

#include <fstream>

#include "nightburst/io.h"
#include "test_util.h"

namespace nb {
namespace {

using testing::read_bytes;
using testing::write_bytes;

TEST(BadInputTest, UnreadableFilesNameTheFileAndReason) {
  testing::TempDir dir;
  write_bytes(dir.file("empty.dng"), "");
  write_bytes(dir.file("text.dng"), "this is not a raw file\n");
  write_bytes(dir.file("fake.png"), "\x89PNG\r\n\x1a\n0000");
  struct Case {
    std::string path, reason;
  } cases[] = {{dir.file("empty.dng"), "empty"},
               {dir.file("text.dng"), "not a raw file"},
               {dir.file("fake.png"), "not a raw file"},
               {dir.file("missing.dng"), "no such file"},
               {dir.path().string(), "directory"}};
  for (const Case& c : cases) {
    RawFrame f;
    Status s = read_raw_frame(c.path, &f);
    EXPECT_FALSE(s.ok()) << c.path;
    EXPECT_NE(s.message().find(c.path), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(c.reason), std::string::npos) << s.message();
  }
}

// A missing input among several is named when the list is expanded, before
// any frame is decoded: the burst is not started on the files before it.
TEST(BadInputTest, MissingInputIsNamedBeforeAnyFrameIsRead) {
  testing::TempDir dir;
  write_bytes(dir.file("a.dng"), "this is not a raw file\n");
  std::vector<std::string> files;
  const Status s = expand_burst_paths({dir.file("a.dng"), dir.file("missing.dng")}, &files);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(dir.file("missing.dng") + ": no such file"), std::string::npos) << s.message();
  ASSERT_TRUE(expand_burst_paths({dir.file("a.dng")}, &files).ok());
  EXPECT_EQ(files, std::vector<std::string>{dir.file("a.dng")});
}

TEST(BadInputTest, TruncatedDngIsRefusedAtEveryCut) {
  SynthOptions o = testing::small_options(3);
  o.frames = 1;
  SynthBurst b = testing::make_burst(o);
  testing::TempDir dir;
  ASSERT_TRUE(write_dng(dir.file("good.dng"), b.frames[0].mosaic, b.frames[0].meta).ok());
  std::string bytes = read_bytes(dir.file("good.dng"));
  // Cuts inside the header, the IFD and the pixel data.
  for (size_t cut : {size_t(4), size_t(16), size_t(200), bytes.size() / 3, bytes.size() - 100}) {
    std::string path = dir.file("cut_" + std::to_string(cut) + ".dng");
    write_bytes(path, bytes.substr(0, cut));
    RawFrame f;
    Status s = read_raw_frame(path, &f);
    // A cut inside the pixel data may still decode (LibRaw pads), but must not crash;
    // a cut in the header must be refused with the file named.
    if (cut <= 200) {
      EXPECT_FALSE(s.ok()) << "cut at " << cut;
    }
    if (!s.ok()) {
      EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
    }
  }
}

TEST(BadInputTest, DisagreeingFramesNameTheFileAndTheDifference) {
  SynthOptions o = testing::small_options(3);
  o.frames = 2;
  SynthBurst b = testing::make_burst(o);
  SynthOptions other = o;
  other.width = 256;
  SynthBurst c = testing::make_burst(other);
  testing::TempDir dir;
  ASSERT_TRUE(write_dng(dir.file("a.dng"), b.frames[0].mosaic, b.frames[0].meta).ok());
  ASSERT_TRUE(write_dng(dir.file("b.dng"), c.frames[1].mosaic, c.frames[1].meta).ok());
  RawMetadata bgg = b.frames[1].meta;
  bgg.cfa = CfaPattern::kBGGR;
  ASSERT_TRUE(write_dng(dir.file("c.dng"), b.frames[1].mosaic, bgg).ok());
  std::vector<RawFrame> frames;
  Status s = load_burst({dir.file("a.dng"), dir.file("b.dng")}, &frames);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("b.dng"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("size 256x256"), std::string::npos) << s.message();
  s = load_burst({dir.file("a.dng"), dir.file("c.dng")}, &frames);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("c.dng: CFA BGGR"), std::string::npos) << s.message();
}

TEST(BadInputTest, OutputsNeverOverwriteInputsOrLeavePartialFiles) {
  testing::TempDir dir;
  write_bytes(dir.file("in.dng"), "x");
  EXPECT_FALSE(check_output_path(dir.file("in.dng"), {dir.file("in.dng")}).ok());
  EXPECT_FALSE(check_output_path(dir.file("./in.dng"), {dir.file("in.dng")}).ok());
  EXPECT_FALSE(check_output_path(dir.path().string(), {dir.file("in.dng")}).ok());
  EXPECT_TRUE(check_output_path(dir.file("out.png"), {dir.file("in.dng")}).ok());

  Halide::Runtime::Buffer<uint16_t, 3> img(8, 8, 3);
  img.fill(1000);
  Status s = write_png(dir.file("no/such/dir/out.png"), img, 8);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("does not exist"), std::string::npos) << s.message();
  // A failed write leaves nothing behind, and a good one leaves no temporary.
  ASSERT_TRUE(write_png(dir.file("out.png"), img, 8).ok());
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 2);  // in.dng and out.png
}

}  // namespace
}  // namespace nb
