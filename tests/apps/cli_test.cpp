// The nightburst CLI as a user runs it: exit codes, outputs, refusals.
#include <gtest/gtest.h>
#include <png.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <set>
#include <fstream>
#include <regex>

#include "nightburst/io.h"
#include "nightburst/nightburst_c.h"
#include "stages/ffcc.h"
#include "test_util.h"

namespace nb {
namespace {

int run(const std::string& args) {
  std::string cmd = std::string(testing::cli_path()) + " " + args + " >/dev/null 2>&1";
  int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    burst_dir_ = dir_.file("burst");
    ASSERT_EQ(run("synth " + burst_dir_ + " --width 256 --height 192 --frames 3 --seed 4 -q"), 0);
  }
  testing::TempDir dir_;
  std::string burst_dir_;
};

TEST_F(CliTest, ProcessWritesPngDngAndReport) {
  std::string png = dir_.file("out.png"), dng = dir_.file("merged.dng"), report = dir_.file("r.json");
  ASSERT_EQ(run("process " + burst_dir_ + " -o " + png + " --merged-dng " + dng + " --report " + report + " --ref 1"), 0);
  EXPECT_TRUE(std::filesystem::exists(png));
  RawFrame merged;
  ASSERT_TRUE(read_raw_frame(dng, &merged).ok());
  EXPECT_EQ(merged.meta.width, 256);
  EXPECT_TRUE(merged.meta.noise.valid);
  // The reference's exposure and ISO (the merge keeps its exposure scale).
  RawFrame reference;
  ASSERT_TRUE(read_raw_frame(burst_dir_ + "/frame_01.dng", &reference).ok());
  EXPECT_GT(reference.meta.iso, 0);
  EXPECT_EQ(merged.meta.iso, reference.meta.iso);
  EXPECT_NEAR(merged.meta.exposure_s, reference.meta.exposure_s, 1e-6);
  nlohmann::json j = nlohmann::json::parse(std::ifstream(report));
  EXPECT_EQ(j["reference"], 1);
  EXPECT_EQ(j["frames"].size(), 3u);
  EXPECT_EQ(j["awb"]["gains"].size(), 3u);
  EXPECT_EQ(j["awb"]["illuminant_rgb"][1], 1.0);
  EXPECT_EQ(j["awb"]["method"], "learned");
  EXPECT_GE(j["awb"]["confidence"].get<double>(), 0.0);
  EXPECT_LE(j["awb"]["confidence"].get<double>(), 1.0);
  for (const char* stage : {"load", "align", "merge", "finish", "write"}) EXPECT_TRUE(j["stage_ms"].contains(stage)) << stage;
}

// The photo in the format its name asks for: the same picture as the PNG
// (JPEG within its loss, the 16-bit TIFF the 16-bit PNG's samples, checked
// through libtiff by PhotoFormats), with the frames' camera in the EXIF.
TEST_F(CliTest, WritesJpegAndTiffByExtension) {
  const std::string jpg = dir_.file("out.JPG"), tif = dir_.file("out.tiff");
  ASSERT_EQ(run("process " + burst_dir_ + " -o " + jpg + " --quality 90"), 0);
  ASSERT_EQ(run("process " + burst_dir_ + " -o " + tif), 0);
  const std::string jpeg_bytes = testing::read_bytes(jpg), tiff_bytes = testing::read_bytes(tif);
  ASSERT_GT(jpeg_bytes.size(), 4u);
  EXPECT_EQ(jpeg_bytes.substr(0, 2), "\xFF\xD8");
  EXPECT_NE(jpeg_bytes.find(std::string("Exif\0\0MM", 8)), std::string::npos);
  EXPECT_NE(jpeg_bytes.find("Synthetic"), std::string::npos);  // the synthetic camera's model
  EXPECT_EQ(tiff_bytes.substr(0, 4), std::string("II*\0", 4));
  EXPECT_NE(tiff_bytes.find("Synthetic"), std::string::npos);
  EXPECT_NE(run("process " + burst_dir_ + " -o " + dir_.file("out.jpg") + " --quality 0"), 0);
}

// The PNG's size from its IHDR chunk (big-endian width and height at bytes 16-23).
std::pair<int, int> png_size(const std::string& path) {
  const std::string bytes = testing::read_bytes(path);
  auto be32 = [&](size_t at) {
    return int(uint8_t(bytes[at]) << 24 | uint8_t(bytes[at + 1]) << 16 | uint8_t(bytes[at + 2]) << 8 | uint8_t(bytes[at + 3]));
  };
  return bytes.size() >= 24 ? std::pair{be32(16), be32(20)} : std::pair{0, 0};
}

TEST_F(CliTest, SuperResAtTwiceTheSensorSize) {
  const std::string png = dir_.file("sr.png"), dng = dir_.file("sr.dng"), report = dir_.file("sr.json");
  ASSERT_EQ(run("process " + burst_dir_ + " -o " + png + " --superres --scale 2 --merged-dng " + dng + " --report " +
                report),
            0);
  EXPECT_EQ(png_size(png), (std::pair{512, 384}));
  RawFrame merged;  // the mosaic of the RGB result, at its size
  ASSERT_TRUE(read_raw_frame(dng, &merged).ok());
  EXPECT_EQ(merged.meta.width, 512);
  EXPECT_EQ(merged.meta.height, 384);
  nlohmann::json j = nlohmann::json::parse(std::ifstream(report));
  EXPECT_EQ(j["merge"]["method"], "superres");
  EXPECT_EQ(j["merge"]["scale"], 2.0);
  ASSERT_EQ(run("process " + burst_dir_ + " -o " + dir_.file("one.png") + " --superres"), 0);
  EXPECT_EQ(png_size(dir_.file("one.png")), (std::pair{256, 192}));
  EXPECT_EQ(run("process " + burst_dir_ + " -o " + dir_.file("x.png") + " --scale 2"), 2);  // needs --superres
  EXPECT_EQ(run("process " + burst_dir_ + " -o " + dir_.file("x.png") + " --superres --scale 4"), 2);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("x.png")));
}

// An 8-bit RGB PNG decoded whole (libpng's simplified API); 0 x 0 when it does not decode.
struct Rgb8 {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;
  double luma(int x, int y) const {
    const uint8_t* p = &pixels[(size_t(y) * width + x) * 3];
    return 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
  }
};

Rgb8 decode_png(const std::string& path) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  Rgb8 out;
  if (!png_image_begin_read_from_file(&image, path.c_str())) return out;
  image.format = PNG_FORMAT_RGB;
  out.pixels.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, out.pixels.data(), 0, nullptr)) return Rgb8();
  out.width = int(image.width);
  out.height = int(image.height);
  return out;
}

// The standard deviation of luma less its 3x3 mean over columns [x0, x1).
double high_pass_sigma(const Rgb8& image, int x0, int x1) {
  double ss = 0;
  int n = 0;
  for (int y = 1; y + 1 < image.height; ++y)
    for (int x = x0 + 1; x + 1 < x1; ++x) {
      double box = 0;
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) box += image.luma(x + dx, y + dy);
      const double r = image.luma(x, y) - box / 9;
      ss += r * r;
      ++n;
    }
  return std::sqrt(ss / n);
}

// The visual report as a person opens it: every image the page shows is
// there and decodes, per alternate frame a weight map and an alignment
// field, the 1:1 crops show the merge's noise reduction, the synthetic
// burst's truth is beside the estimates, nothing comes from the network.
// Headless Chromium renders the page in scripts/test-debug-report.sh.
TEST_F(CliTest, DebugReportShowsWhatTheMergeDid) {
  const std::string report_dir = dir_.file("debug");
  ASSERT_EQ(run("process " + burst_dir_ + " -o " + dir_.file("out.png") + " --debug-dir " + report_dir), 0);
  const std::string html = testing::read_bytes(report_dir + "/index.html");
  std::set<std::string> sources;
  const std::regex src("<img src=\"([^\"]+)\"");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), src); it != std::sregex_iterator(); ++it)
    sources.insert((*it)[1]);
  for (const std::string& name : sources) {
    const Rgb8 image = decode_png(report_dir + "/" + name);
    EXPECT_GT(image.width, 0) << name;
  }
  for (const char* name : {"compare.png", "crop_1.png", "crop_2.png", "crop_3.png", "noise.png", "awb.png"})
    EXPECT_EQ(sources.count(name), 1u) << name;
  int frame_images = 0;
  for (const std::string& name : sources) frame_images += name.rfind("frame_", 0) == 0;
  EXPECT_EQ(frame_images, 4);  // weights and alignment for each of the two alternates
  for (int k = 1; k <= 3; ++k) {
    const Rgb8 crop = decode_png(report_dir + "/crop_" + std::to_string(k) + ".png");
    const int side = (crop.width - 8) / 2;  // reference alone | 8 px | merged
    const double alone = high_pass_sigma(crop, 0, side), merged = high_pass_sigma(crop, side + 8, crop.width);
    std::printf("crop %d: noise %.2f alone, %.2f merged (8-bit luma)\n", k, alone, merged);
    EXPECT_GT(alone, 1.3 * merged) << k;
  }
  EXPECT_NE(html.find("truth dx"), std::string::npos);
  EXPECT_NE(html.find("frame_02.dng"), std::string::npos);
  EXPECT_EQ(html.find("http:"), std::string::npos);
  EXPECT_EQ(html.find("https:"), std::string::npos);

  // Again into the same directory with another white balance: the page
  // says why there is no posterior, and the old one is gone.
  ASSERT_EQ(run("process " + burst_dir_ + " -o " + dir_.file("out.png") + " --awb grayworld --debug-dir " + report_dir), 0);
  EXPECT_FALSE(std::filesystem::exists(report_dir + "/awb.png"));
  EXPECT_NE(testing::read_bytes(report_dir + "/index.html").find("belong to the learned method"), std::string::npos);
}

TEST_F(CliTest, ExitCodesForUsageAndBadInput) {
  EXPECT_EQ(run("--help"), 0);
  EXPECT_EQ(run("process " + burst_dir_), 2);                       // no -o
  EXPECT_EQ(run("process " + burst_dir_ + " -o x.png --bits 12"), 2);
  EXPECT_EQ(run("process " + burst_dir_ + " -o " + dir_.file("x.png") + " --ref 7"), 2);
  EXPECT_EQ(run("process " + burst_dir_ + " -o " + dir_.file("x.png") + " --awb purple"), 2);
  EXPECT_EQ(run("process " + dir_.file("nothing.dng") + " -o " + dir_.file("x.png")), 1);
  std::ofstream(dir_.file("notes.dng")) << "hello";
  EXPECT_EQ(run("process " + dir_.file("notes.dng") + " -o " + dir_.file("x.png")), 1);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("x.png")));
}

TEST_F(CliTest, AwbModelFileIsCheckedBeforeAnyWork) {
  // A good model file gives the built-in model's result; a damaged one is
  // refused with its name and reason, and nothing is written.
  const std::vector<uint8_t> bytes = serialize_ffcc_model(default_ffcc_model());
  const std::string good = dir_.file("model.bin"), bad = dir_.file("bad.bin");
  std::ofstream(good, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  // Cut inside the last map, whatever the header holds.
  std::ofstream(bad, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size() - 4));
  const std::string r1 = dir_.file("r1.json"), r2 = dir_.file("r2.json");
  ASSERT_EQ(run("process " + burst_dir_ + " -o " + dir_.file("a.png") + " --report " + r1), 0);
  ASSERT_EQ(run("process " + burst_dir_ + " -o " + dir_.file("b.png") + " --report " + r2 + " --awb-model " + good), 0);
  EXPECT_EQ(nlohmann::json::parse(std::ifstream(r1))["awb"], nlohmann::json::parse(std::ifstream(r2))["awb"]);

  const std::string out = dir_.file("c.png");
  const std::string cmd = std::string(testing::cli_path()) + " process " + burst_dir_ + " -o " + out +
                          " --awb-model " + bad + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string message;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe)) message += buffer;
  const int status = pclose(pipe);
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(message.find("bad.bin"), std::string::npos) << message;
  EXPECT_NE(message.find("bytes of filters"), std::string::npos) << message;
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_EQ(run("process " + burst_dir_ + " -o " + good + " --awb-model " + good), 2);  // never overwrite the model
}

TEST_F(CliTest, RefusesToOverwriteAnInput) {
  std::string frame = burst_dir_ + "/frame_00.dng";
  auto before = std::filesystem::file_size(frame);
  EXPECT_EQ(run("process " + burst_dir_ + " -o " + frame), 2);
  EXPECT_EQ(run("process " + burst_dir_ + " -o " + dir_.file("ok.png") + " --merged-dng " + frame), 2);
  EXPECT_EQ(std::filesystem::file_size(frame), before);
  RawFrame f;
  EXPECT_TRUE(read_raw_frame(frame, &f).ok());
}

// What the CLI prints on stderr, and its exit code.
std::pair<int, std::string> run_for_message(const std::string& args, const char* program = testing::cli_path()) {
  std::string text;
  FILE* pipe = popen((std::string(program) + " " + args + " 2>&1 >/dev/null").c_str(), "r");
  char buffer[512];
  while (pipe && fgets(buffer, sizeof buffer, pipe)) text += buffer;
  const int status = pipe ? pclose(pipe) : -1;
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

// An output folder that does not exist is found before any work: the burst
// is not processed (no stage is announced), a model is not trained (the
// spectral data, which would be read first, is never looked for), and
// nothing is left behind.
TEST_F(CliTest, MissingOutputDirectoryIsFoundBeforeAnyWork) {
  const std::string missing = dir_.file("missing");
  auto [code, message] = run_for_message("process " + burst_dir_ + " -o " + missing + "/out.png");
  EXPECT_EQ(code, 1);
  EXPECT_NE(message.find(missing + "/out.png: directory '" + missing + "' does not exist"), std::string::npos)
      << message;
  EXPECT_EQ(message.find("align"), std::string::npos) << message;
  std::tie(code, message) =
      run_for_message("process " + burst_dir_ + " -o " + dir_.file("ok.png") + " --merged-dng " + missing + "/m.dng");
  EXPECT_EQ(code, 1);
  EXPECT_NE(message.find(missing + "/m.dng: directory"), std::string::npos) << message;
  EXPECT_EQ(message.find("align"), std::string::npos) << message;

  std::tie(code, message) =
      run_for_message("train --data " + dir_.file("no-data") + " -o " + missing + "/m.bin", testing::awb_cli_path());
  EXPECT_EQ(code, 1);
  EXPECT_NE(message.find(missing + "/m.bin: directory '" + missing + "' does not exist"), std::string::npos)
      << message;
  EXPECT_EQ(message.find("no-data"), std::string::npos) << message;
  EXPECT_FALSE(std::filesystem::exists(missing));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("ok.png")));
}


// `train --coarsen-noisy` records the histograms' signal to noise in the
// model (NBFFCC05), and the pipeline reads and uses such a model.
TEST_F(CliTest, CoarsenedHistogramsTravelInTheModelFile) {
  if (!std::filesystem::is_directory(std::string(testing::spectral_dir()) + "/camera") ||
      !std::filesystem::is_directory("/usr/share/colord/illuminant"))
    GTEST_SKIP() << "spectral data not installed at " << testing::spectral_dir();
  const std::string model = dir_.file("coarse.bin");
  const auto [code, message] = run_for_message(
      "train --data " + std::string(testing::spectral_dir()) +
          " --scenes-per-camera 2 --iterations 2 --refine-iterations 1 --coarsen-noisy -o " + model,
      testing::awb_cli_path());
  ASSERT_EQ(code, 0) << message;
  std::ifstream in(model, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  FfccModel parsed;
  ASSERT_TRUE(parse_ffcc_model(bytes.data(), bytes.size(), model, &parsed).ok());
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), "NBFFCC05");
  EXPECT_EQ(parsed.histogram_snr, kCoarsenedHistogramSnr);
  const std::string report = dir_.file("coarse.json");
  ASSERT_EQ(run("process " + burst_dir_ + " -o " + dir_.file("coarse.png") + " --report " + report +
                " --awb-model " + model),
            0);
  EXPECT_EQ(nlohmann::json::parse(std::ifstream(report))["awb"]["method"], "learned");
}

// plan: two previews in, a JSON plan out. The DNGs carry their ISO in the
// EXIF IFD, where it is read; a file without one names what is missing and
// suggests --iso.
TEST_F(CliTest, PlanRecommendsABurstFromTwoPreviews) {
  const std::string first = burst_dir_ + "/frame_00.dng", second = burst_dir_ + "/frame_01.dng";
  const std::string out = dir_.file("plan.json");
  EXPECT_EQ(run("plan " + first + " " + second), 0);
  RawFrame no_iso;
  ASSERT_TRUE(read_raw_frame(first, &no_iso).ok());
  EXPECT_GT(no_iso.meta.iso, 0);
  no_iso.meta.iso = 0;
  const std::string no_iso_path = dir_.file("no_iso.dng");
  ASSERT_TRUE(write_dng(no_iso_path, no_iso.mosaic, no_iso.meta).ok());
  const auto [code, message] = run_for_message("plan " + no_iso_path + " " + second);
  EXPECT_EQ(code, 1);
  EXPECT_NE(message.find(no_iso_path + ": no ISO"), std::string::npos) << message;
  EXPECT_NE(message.find("--iso"), std::string::npos) << message;
  EXPECT_EQ(message.find("exposure time"), std::string::npos) << message;  // it has one
  const std::string cmd = std::string(testing::cli_path()) + " plan " + no_iso_path + " " + second +
                          " --iso 1600 --interval 0.05 > " + out + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const nlohmann::json j = nlohmann::json::parse(std::ifstream(out));
  EXPECT_GT(j["lux"].get<double>(), 0);
  const int frames = j["frames"];
  const double exposure = j["exposure_s"];
  EXPECT_GE(frames, 3);
  EXPECT_LE(frames, j["tripod"].get<bool>() ? 6 : 15);
  EXPECT_LE(exposure, j["tripod"].get<bool>() ? 1.0 : 1.0 / 15 + 1e-9);
  EXPECT_NEAR(j["total_s"].get<double>(), frames * exposure, 1e-3);
  EXPECT_EQ(run("plan " + first + " " + second + " --iso -5"), 2);
}

// A mistyped command is named, with the command it was probably meant to
// be; option values are listed by name, never as the parser's internals;
// counts have their plural right.
TEST_F(CliTest, MessagesNameWhatWasMeant) {
  auto [code, message] = run_for_message("proces " + burst_dir_ + " -o " + dir_.file("x.png"));
  EXPECT_EQ(code, 2);
  EXPECT_NE(message.find("unknown command 'proces'; did you mean 'process'?"), std::string::npos) << message;
  std::tie(code, message) = run_for_message("frobnicate");
  EXPECT_EQ(code, 2);
  EXPECT_NE(message.find("unknown command 'frobnicate' (commands: process, synth, plan, batch"), std::string::npos)
      << message;
  std::tie(code, message) = run_for_message("catalog mrge a.sqlite b.sqlite");
  EXPECT_EQ(code, 2);
  EXPECT_NE(message.find("unknown command 'catalog mrge'; did you mean 'catalog merge'?"), std::string::npos)
      << message;
  std::tie(code, message) = run_for_message("catalog");
  EXPECT_EQ(code, 2);
  EXPECT_NE(message.find("'catalog' needs a command (merge"), std::string::npos) << message;
  // The white-balance trainer too.
  std::tie(code, message) = run_for_message("trian --seed 1", testing::awb_cli_path());
  EXPECT_EQ(code, 2);
  EXPECT_NE(message.find("nightburst_awb: error: unknown command 'trian'; did you mean 'train'? (commands: train, eval"),
            std::string::npos)
      << message;

  std::tie(code, message) = run_for_message("process " + burst_dir_ + " -o " + dir_.file("x.png") + " --look nite");
  EXPECT_EQ(code, 2);
  EXPECT_NE(message.find("natural,bright,night"), std::string::npos) << message;
  for (const char* internal : {"->", "INT", "value in"}) EXPECT_EQ(message.find(internal), std::string::npos) << message;
  std::string help;
  FILE* pipe = popen((std::string(testing::cli_path()) + " process --help").c_str(), "r");
  char buffer[512];
  while (pipe && fgets(buffer, sizeof buffer, pipe)) help += buffer;
  if (pipe) pclose(pipe);
  const size_t look = help.find("--look");
  ASSERT_NE(look, std::string::npos) << help;
  const std::string look_line = help.substr(look, help.find('\n', look) - look);
  EXPECT_NE(look_line.find("{natural,bright,night}=night"), std::string::npos) << look_line;
  EXPECT_EQ(look_line.find("->"), std::string::npos) << look_line;
  // A look given in capitals is the same look.
  EXPECT_EQ(run("process " + burst_dir_ + " -o " + dir_.file("bright.png") + " --look Bright"), 0);

  std::tie(code, message) = run_for_message("process " + burst_dir_ + "/frame_00.dng -o " + dir_.file("one.png"));
  EXPECT_EQ(code, 0);
  EXPECT_NE(message.find("1 frame,"), std::string::npos) << message;
  EXPECT_EQ(message.find("1 frames"), std::string::npos) << message;
  std::tie(code, message) = run_for_message("synth " + dir_.file("single") + " --width 64 --height 64 --frames 1");
  EXPECT_EQ(code, 0);
  EXPECT_NE(message.find("wrote 1 frame and"), std::string::npos) << message;
}

// A 10-bit phone burst whose frames' black levels differ, from the CLI:
// each frame keeps its own levels in its DNG, the burst is accepted, and
// the merged DNG holds the 10-bit levels times 64.
TEST_F(CliTest, TenBitBurstWithDynamicBlackLevels) {
  const std::string dir = dir_.file("phone");
  ASSERT_EQ(run("synth " + dir + " --width 256 --height 192 --frames 4 --seed 8 --white-level 1023 --black-level 64 " +
                "--black-level-jitter 2 -q"),
            0);
  std::set<std::array<float, 4>> blacks;
  for (int i = 0; i < 4; ++i) {
    RawFrame f;
    ASSERT_TRUE(read_raw_frame(dir + "/frame_0" + std::to_string(i) + ".dng", &f).ok());
    EXPECT_EQ(f.meta.white_level, 1023);
    for (float b : f.meta.black_level) EXPECT_LE(std::abs(b - 64), 2);
    blacks.insert(f.meta.black_level);
  }
  EXPECT_GT(blacks.size(), 1u);
  ASSERT_EQ(run("process " + dir + " -o " + dir_.file("phone.png") + " --merged-dng " + dir_.file("phone.dng")), 0);
  RawFrame merged;
  ASSERT_TRUE(read_raw_frame(dir_.file("phone.dng"), &merged).ok());
  EXPECT_EQ(merged.meta.white_level, 1023 * 64);
  EXPECT_EQ(run("synth " + dir_.file("bad") + " --white-level 1023 --black-level 1022 --black-level-jitter 2"), 2);
}

// The version has one place (CMakeLists.txt's project()): the CLI, the C
// API and the report say the same; --help shows the defaults.
TEST_F(CliTest, VersionAndDefaultsAreShown) {
  std::string out;
  FILE* pipe = popen((std::string(testing::cli_path()) + " --version").c_str(), "r");
  char buffer[512];
  while (pipe && fgets(buffer, sizeof buffer, pipe)) out += buffer;
  ASSERT_NE(pipe, nullptr);
  EXPECT_EQ(pclose(pipe), 0);
  EXPECT_EQ(out, std::string("nightburst ") + NIGHTBURST_VERSION + "\n");
  EXPECT_STREQ(nb_version(), NIGHTBURST_VERSION);
  const std::string report = dir_.file("r.json");
  ASSERT_EQ(run("process " + burst_dir_ + " -o " + dir_.file("v.png") + " --report " + report), 0);
  EXPECT_EQ(nlohmann::json::parse(std::ifstream(report))["version"], NIGHTBURST_VERSION);

  std::string help;
  pipe = popen((std::string(testing::cli_path()) + " process --help").c_str(), "r");
  while (pipe && fgets(buffer, sizeof buffer, pipe)) help += buffer;
  if (pipe) pclose(pipe);
  for (const char* shown : {"=0", "=8", "=learned", "=night", "=1", "=0.5"})
    EXPECT_NE(help.find(shown), std::string::npos) << shown << " in\n" << help;
}

}  // namespace
}  // namespace nb
