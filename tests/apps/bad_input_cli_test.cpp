// Every kind of bad input the CLI can meet, run as a user runs it: the exit
// code, an error naming the file and the reason, no output (partial or
// otherwise) left behind, the inputs unchanged. The cases also make the
// table in docs/cli.md ("Bad input"): the test fails if that table is stale, and
// NB_UPDATE_README=1 rewrites it from the measured behaviour.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <tiffio.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "io/dng_opcodes.h"
#include "io/dng_tags.h"
#include "nightburst/io.h"
#include "test_util.h"

namespace nb {
namespace {

namespace fs = std::filesystem;

struct CliRun {
  int exit_code = -1;
  std::string stderr_text;
};

CliRun run_cli(const std::string& args, const std::string& shell_prefix = "") {
  CliRun r;
  const std::string cmd =
      shell_prefix + std::string(testing::cli_path()) + " " + args + " -q 2>&1 >/dev/null";
  FILE* pipe = popen(("bash -c '" + cmd + "'").c_str(), "r");
  if (!pipe) return r;
  char buffer[1024];
  while (fgets(buffer, sizeof buffer, pipe)) r.stderr_text += buffer;
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

using testing::read_bytes;
using testing::write_bytes;

// Every file under `dir` with its contents.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    files[e.path().string()] = e.is_regular_file() ? read_bytes(e.path().string()) : "<dir>";
  return files;
}

// Rewrites one tag of a DNG's first directory in place (libtiff).
template <typename... Values>
void set_dng_tag(const std::string& path, uint32_t tag, Values... values) {
  register_dng_tags();
  TIFF* tif = TIFFOpen(path.c_str(), "r+");
  ASSERT_NE(tif, nullptr);
  TIFFSetField(tif, tag, values...);
  TIFFRewriteDirectory(tif);
  TIFFClose(tif);
}

struct Case {
  using Setup =
      std::function<std::string(const std::filesystem::path& in, const std::filesystem::path& out)>;
  Case(std::string n, int e, std::vector<std::string> m, Setup s, std::string prefix = "")
      : name(std::move(n)),
        exit_code(e),
        message_has(std::move(m)),
        setup(std::move(s)),
        shell_prefix(std::move(prefix)) {}
  std::string name;
  int exit_code;
  std::vector<std::string> message_has;  // "%F": the message names a file of the case
  Setup setup;                           // writes the inputs into `in`, returns the CLI arguments
  std::string shell_prefix;
};

class BadInputCli : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    SynthOptions o = testing::small_options(9);
    o.width = 256;
    o.height = 192;
    o.frames = 3;
    burst_ = new SynthBurst(testing::make_burst(o));
  }
  static void TearDownTestSuite() { delete burst_; }
  static std::string write_frame(const fs::path& dir, int i, const RawMetadata* meta = nullptr,
                                 const Halide::Runtime::Buffer<uint16_t, 2>* mosaic = nullptr) {
    const std::string path = (dir / ("frame_" + std::to_string(i) + ".dng")).string();
    Status s = write_dng(path, mosaic ? *mosaic : burst_->frames[size_t(i)].mosaic,
                         meta ? *meta : burst_->frames[size_t(i)].meta);
    EXPECT_TRUE(s.ok()) << s.message();
    return path;
  }
  static std::string write_burst(const fs::path& dir) {
    for (int i = 0; i < 3; ++i) write_frame(dir, i);
    return dir.string();
  }
  static SynthBurst* burst_;
};
SynthBurst* BadInputCli::burst_ = nullptr;

std::vector<Case> cases() {
  using P = const fs::path&;
  auto png_out = [](P out) { return " -o " + (out / "out.png").string(); };
  std::vector<Case> c;
  c.push_back({"file does not exist", 1, {"%F", "no such file"}, [=](P in, P out) {
                 return (in / "missing.dng").string() + png_out(out);
               }});
  c.push_back({"empty file", 1, {"%F", "empty"}, [=](P in, P out) {
                 write_bytes((in / "empty.dng").string(), "");
                 return (in / "empty.dng").string() + png_out(out);
               }});
  c.push_back({"text file", 1, {"%F", "not a raw file"}, [=](P in, P out) {
                 write_bytes((in / "notes.dng").string(), "shopping list\n");
                 return (in / "notes.dng").string() + png_out(out);
               }});
  c.push_back(
      {"JPEG file", 1, {"%F", "not a raw file"}, [=](P in, P out) {
         write_bytes(
             (in / "photo.jpg").string(),
             std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00",
                         20) +
                 std::string(200, '\x55') + "\xFF\xD9");
         return (in / "photo.jpg").string() + png_out(out);
       }});
  c.push_back({"PNG file", 1, {"%F", "not a raw file"}, [=](P in, P out) {
                 Halide::Runtime::Buffer<uint16_t, 3> img(32, 32, 3);
                 testing::fill_dense(img, uint16_t(30000));
                 EXPECT_TRUE(write_png((in / "image.png").string(), img, 8).ok());
                 return (in / "image.png").string() + png_out(out);
               }});
  c.push_back({"directory without raw files", 1, {"%F", "no raw files"}, [=](P in, P out) {
                 fs::create_directories(in / "empty_dir");
                 return (in / "empty_dir").string() + png_out(out);
               }});
  c.push_back({"DNG cut inside its header", 1, {"%F", "not a raw file"}, [=](P in, P out) {
                 const std::string f = BadInputCli::write_frame(in, 0);
                 write_bytes(f, read_bytes(f).substr(0, 100));
                 return f + png_out(out);
               }});
  c.push_back({"DNG with its first bytes flipped", 1, {"%F", "not a raw file"}, [=](P in, P out) {
                 const std::string f = BadInputCli::write_frame(in, 0);
                 std::string b = read_bytes(f);
                 for (int i = 0; i < 8; ++i) b[size_t(i)] = char(~b[size_t(i)]);
                 write_bytes(f, b);
                 return f + png_out(out);
               }});
  c.push_back({"DNG cut inside its pixel data", 1, {"%F", "not a raw file"}, [=](P in, P out) {
                 const std::string f = BadInputCli::write_frame(in, 0);
                 const std::string b = read_bytes(f);
                 write_bytes(f, b.substr(0, b.size() / 2));
                 return f + png_out(out);
               }});
  c.push_back({"DNG with pixel bytes flipped", 0, {}, [=](P in, P out) {
                 const std::string dir = BadInputCli::write_burst(in);
                 const std::string f = (in / "frame_1.dng").string();
                 std::string b = read_bytes(f);
                 for (size_t i = b.size() / 2; i < b.size() / 2 + 4000; ++i) b[i] = char(~b[i]);
                 write_bytes(f, b);
                 return dir + png_out(out);
               }});
  c.push_back({"frames of different sizes", 1, {"%F", "size"}, [=](P in, P out) {
                 BadInputCli::write_frame(in, 0);
                 Halide::Runtime::Buffer<uint16_t, 2> small(128, 96);
                 testing::fill_dense(small, uint16_t(1000));
                 RawMetadata m = BadInputCli::burst_->frames[1].meta;
                 m.width = 128;
                 m.height = 96;
                 BadInputCli::write_frame(in, 1, &m, &small);
                 return in.string() + png_out(out);
               }});
  c.push_back({"frames with different CFA", 1, {"%F", "CFA"}, [=](P in, P out) {
                 BadInputCli::write_frame(in, 0);
                 RawMetadata m = BadInputCli::burst_->frames[1].meta;
                 m.cfa = CfaPattern::kGBRG;
                 BadInputCli::write_frame(in, 1, &m);
                 return in.string() + png_out(out);
               }});
  c.push_back({"frames whose black levels differ by 2 ADU", 0, {}, [=](P in, P out) {
                 BadInputCli::write_frame(in, 0);
                 RawMetadata m = BadInputCli::burst_->frames[1].meta;
                 for (float& b : m.black_level) b += 2;
                 BadInputCli::write_frame(in, 1, &m);
                 return in.string() + png_out(out);
               }});
  c.push_back({"frames from different cameras", 1, {"%F", "camera"}, [=](P in, P out) {
                 BadInputCli::write_frame(in, 0);
                 RawMetadata m = BadInputCli::burst_->frames[1].meta;
                 m.make = "Other";
                 m.model = "Camera";
                 BadInputCli::write_frame(in, 1, &m);
                 return in.string() + png_out(out);
               }});
  c.push_back({"black level above white level", 1, {"%F", "black level"}, [=](P in, P out) {
                 const std::string f = BadInputCli::write_frame(in, 0);
                 static float black[4] = {20000, 20000, 20000, 20000};
                 set_dng_tag(f, TIFFTAG_BLACKLEVEL, 4, black);
                 return f + png_out(out);
               }});
  c.push_back({"NaN in the colour matrix", 1, {"%F", "colour matrix"}, [=](P in, P out) {
                 const std::string f = BadInputCli::write_frame(in, 0);
                 static float matrix[9] = {std::nanf(""), 0, 0, 0, 1, 0, 0, 0, 1};
                 set_dng_tag(f, TIFFTAG_COLORMATRIX1, 9, matrix);
                 return f + png_out(out);
               }});
  c.push_back({"zero exposure time", 0, {}, [=](P in, P out) {
                 // ExposureTime 0 in IFD 0, where older DNGs keep it, and
                 // none in the EXIF IFD (write_dng writes none for 0).
                 RawMetadata m = BadInputCli::burst_->frames[0].meta;
                 m.exposure_s = 0;
                 const std::string f = BadInputCli::write_frame(in, 0, &m);
                 set_dng_tag(f, kTagExposureTime, 0.0);
                 return f + png_out(out);
               }});
  c.push_back({"bracket spanning more than 64x", 1, {"%F", "at most 64x"}, [=](P in, P out) {
                 BadInputCli::write_frame(in, 0);
                 RawMetadata m = BadInputCli::burst_->frames[1].meta;
                 m.exposure_s *= 128;
                 BadInputCli::write_frame(in, 1, &m);
                 return in.string() + png_out(out);
               }});
  c.push_back({"frame without exposure time beside frames with", 1, {"%F", "exposure time 0"}, [=](P in, P out) {
                 BadInputCli::write_frame(in, 0);
                 RawMetadata m = BadInputCli::burst_->frames[1].meta;
                 m.exposure_s = 0;
                 BadInputCli::write_frame(in, 1, &m);
                 return in.string() + png_out(out);
               }});
  // A phone's lens-shading map (four GainMaps in OpcodeList2) in the file,
  // one map changed by `damage` before the list is written.
  auto write_shaded_frame = [](P in, const std::function<void(GainMap*, uint32_t* flags)>& damage) {
    const std::string f = BadInputCli::write_frame(in, 0);
    const RawMetadata& m = BadInputCli::burst_->frames[0].meta;
    std::vector<float> map(5 * 4 * 4, 1.25f);
    RawMetadata shaded = m;
    shaded.gain_maps = gain_maps_from_camera2(map.data(), 5, 4, m.cfa, m.width, m.height);
    uint32_t flags = 0;
    damage(&shaded.gain_maps[2], &flags);
    static std::vector<uint8_t> list;
    list = opcode_list_bytes(shaded, 2);
    // Flags of the damaged (third) opcode: after the count and two whole opcodes.
    const size_t opcode_bytes = (list.size() - 4) / 4, flags_at = 4 + 2 * opcode_bytes + 8;
    list[flags_at + 3] = uint8_t(flags);
    set_dng_tag(f, kTagOpcodeList[1], uint32_t(list.size()), list.data());
    return f;
  };
  c.push_back({"GainMap whose area leaves the frame", 1, {"%F", "OpcodeList2 opcode 3 of 4", "outside the 256x192 frame"},
               [=](P in, P out) {
                 return write_shaded_frame(in, [](GainMap* g, uint32_t*) { g->bottom += 8; }) + png_out(out);
               }});
  c.push_back({"GainMap on a plane a mosaic lacks", 1, {"%F", "OpcodeList2 opcode 3 of 4", "one plane (0)"},
               [=](P in, P out) {
                 return write_shaded_frame(in, [](GainMap* g, uint32_t*) { g->plane = 1; }) + png_out(out);
               }});
  c.push_back({"optional GainMap with zero spacing", 0, {"warning: ", "%F", "left out", "spacing"}, [=](P in, P out) {
                 return write_shaded_frame(in, [](GainMap* g, uint32_t* flags) {
                          g->spacing_h = 0;
                          *flags = kOpcodeFlagOptional;
                        }) +
                        png_out(out);
               }});
  c.push_back({"frame above the 256 MP limit", 1, {"%F", "outside"}, [=](P in, P out) {
                 const std::string f = BadInputCli::write_frame(in, 0);
                 // 20000 x 20000: within what LibRaw opens, above kMaxFramePixels (256 MP).
                 set_dng_tag(f, TIFFTAG_IMAGEWIDTH, uint32_t(20000));
                 set_dng_tag(f, TIFFTAG_IMAGELENGTH, uint32_t(20000));
                 return f + png_out(out);
               }});
  c.push_back({"one-frame burst (denoise only)", 0, {}, [=](P in, P out) {
                 return BadInputCli::write_frame(in, 0) + png_out(out);
               }});
  c.push_back({"all-black frames", 0, {}, [=](P in, P out) {
                 for (int i = 0; i < 3; ++i) {
                   Halide::Runtime::Buffer<uint16_t, 2> black(256, 192);
                   testing::fill_dense(
                       black, uint16_t(BadInputCli::burst_->frames[0].meta.black_level[0]));
                   BadInputCli::write_frame(in, i, nullptr, &black);
                 }
                 return in.string() + png_out(out);
               }});
  c.push_back({"saturated frames", 0, {}, [=](P in, P out) {
                 for (int i = 0; i < 3; ++i) {
                   Halide::Runtime::Buffer<uint16_t, 2> white(256, 192);
                   testing::fill_dense(white,
                                       uint16_t(BadInputCli::burst_->frames[0].meta.white_level));
                   BadInputCli::write_frame(in, i, nullptr, &white);
                 }
                 return in.string() + png_out(out);
               }});
  c.push_back({"output directory does not exist", 1, {"%F", "does not exist"}, [=](P in, P out) {
                 return BadInputCli::write_burst(in) + " -o " +
                        (out / "missing" / "out.png").string();
               }});
  c.push_back({"output directory is a file", 1, {"%F", "not a directory"}, [=](P in, P out) {
                 write_bytes((out / "plain").string(), "x");
                 return BadInputCli::write_burst(in) + " -o " +
                        (out / "plain" / "out.png").string();
               }});
  c.push_back({"merged DNG path is an input", 2, {"%F", "overwrite the input"}, [=](P in, P out) {
                 const std::string dir = BadInputCli::write_burst(in);
                 return dir + png_out(out) + " --merged-dng " + (in / "frame_0.dng").string();
               }});
  c.push_back({"image and merged DNG on one path", 2, {"%F", "same file"}, [=](P in, P out) {
                 return BadInputCli::write_burst(in) + " -o " + (out / "same.png").string() + " --merged-dng " +
                        (out / "same.png").string();
               }});
  c.push_back({"report on the image's path through ..", 2, {"%F", "same file"}, [=](P in, P out) {
                 return BadInputCli::write_burst(in) + png_out(out) + " --report " +
                        (out / ".." / out.filename() / "out.png").string();
               }});
  c.push_back({"merged DNG a symbolic link to the image", 2, {"%F", "same file"}, [=](P in, P out) {
                 fs::create_symlink(out / "out.png", out / ".." / "link.dng");
                 return BadInputCli::write_burst(in) + png_out(out) + " --merged-dng " +
                        (out / ".." / "link.dng").string();
               }});
  c.push_back({"report a hard link to the image", 2, {"%F", "same file"}, [=](P in, P) {
                 write_bytes((in / "old.png").string(), "an earlier picture");
                 fs::create_hard_link(in / "old.png", in / "old.json");
                 return BadInputCli::write_burst(in) + " -o " + (in / "old.png").string() + " --report " +
                        (in / "old.json").string();
               }});
  c.push_back({"debug directory is a file", 2, {"%F", "not a directory"}, [=](P in, P out) {
                 write_bytes((out / "plain").string(), "x");
                 return BadInputCli::write_burst(in) + png_out(out) + " --debug-dir " + (out / "plain").string();
               }});
  c.push_back({"debug report over an input", 2, {"%F", "overwrite the input"}, [=](P in, P out) {
                 const std::string dir = BadInputCli::write_burst(in);
                 fs::copy_file(in / "frame_0.dng", in / "compare.png");
                 return (in / "frame_1.dng").string() + " " + (in / "compare.png").string() + png_out(out) +
                        " --debug-dir " + dir;
               }});
  c.push_back({"debug report over the image", 2, {"%F", "same file"}, [=](P in, P out) {
                 return BadInputCli::write_burst(in) + " -o " + (out / "report" / "compare.png").string() +
                        " --debug-dir " + (out / "report").string();
               }});
  c.push_back({"output in a format nightburst does not write", 2, {"%F", ".jpg", ".tif"}, [=](P in, P out) {
                 return BadInputCli::write_burst(in) + " -o " + (out / "photo.webp").string();
               }});
  c.push_back({"disk full while writing (file size limit)",
               1,
               {"%F", "disk full"},
               [=](P in, P out) { return BadInputCli::write_burst(in) + png_out(out); },
               "ulimit -f 8; "});
  for (const char* name : {"out.jpg", "out.tif"})
    c.push_back({std::string("disk full while writing ") + (name[4] == 'j' ? "a JPEG" : "a TIFF"),
                 1,
                 {"%F", "disk full"},
                 [=](P in, P out) { return BadInputCli::write_burst(in) + " -o " + (out / name).string(); },
                 "ulimit -f 8; "});
  c.push_back({"damaged white-balance model", 1, {"%F", "FFCC model"}, [=](P in, P out) {
                 write_bytes((out / "../model.bin").string(), "NBFFCC02 and then nothing useful");
                 return BadInputCli::write_burst(in) + png_out(out) + " --awb-model " +
                        (out / "../model.bin").string();
               }});
  return c;
}

TEST_F(BadInputCli, EveryCaseGetsAClearErrorAndLeavesNothing) {
  std::ostringstream table;
  table << "| input | exit | what the CLI says |\n| --- | --- | --- |\n";
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    testing::TempDir dir;
    const fs::path in = dir.path() / "in", out = dir.path() / "out";
    fs::create_directories(in);
    fs::create_directories(out);
    const std::string args = c.setup(in, out);
    const auto inputs_before = snapshot(in);
    const CliRun r = run_cli("process " + args, c.shell_prefix);
    EXPECT_EQ(r.exit_code, c.exit_code) << r.stderr_text;
    EXPECT_EQ(snapshot(in), inputs_before) << "an input changed";
    std::string message = r.stderr_text;
    while (!message.empty() && message.back() == '\n') message.pop_back();
    auto expect_message_has = [&] {
      for (const std::string& want : c.message_has) {
        if (want == "%F") {
          EXPECT_NE(message.find(dir.path().string()), std::string::npos) << "names no file: " << message;
        } else {
          EXPECT_NE(message.find(want), std::string::npos) << message;
        }
      }
    };
    if (c.exit_code == 0) {
      EXPECT_TRUE(fs::exists(out / "out.png"));
      // A photo, and any warning the case expects (nothing else on stderr).
      if (c.message_has.empty()) {
        EXPECT_EQ(message, "");
      }
      expect_message_has();
    } else {
      // Nothing written: no output, no temporary.
      for (const auto& e : fs::recursive_directory_iterator(out))
        EXPECT_EQ(e.path().filename(), "plain") << "left behind: " << e.path();
      EXPECT_EQ(message.rfind("nightburst: error: ", 0), 0u) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
      expect_message_has();
    }
    // The table shows paths relative to the case's folder.
    for (size_t p; (p = message.find(dir.path().string() + "/")) != std::string::npos;)
      message.replace(p, dir.path().string().size() + 1, "");
    for (size_t p; (p = message.find('|')) != std::string::npos;) message.replace(p, 1, "\\|");
    table << "| " << c.name << " | " << r.exit_code << " | "
          << (c.exit_code != 0 ? "`" + message + "`" : message.empty() ? "(a photo)" : "(a photo) `" + message + "`")
          << " |\n";
  }

  // docs/cli.md's copy of the table must match what was measured.
  testing::check_doc_table("docs/cli.md", "bad-input-table", "tests/apps/bad_input_cli_test.cpp", table.str());
}

}  // namespace
}  // namespace nb
