// The nightburst CLI as a user runs it: exit codes, outputs, refusals.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>

#include "nightburst/io.h"
#include "test_util.h"

namespace nb {
namespace {

int run(const std::string& args) {
  std::string cmd = std::string(NB_CLI_PATH) + " " + args + " >/dev/null 2>&1";
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
  nlohmann::json j = nlohmann::json::parse(std::ifstream(report));
  EXPECT_EQ(j["reference"], 1);
  EXPECT_EQ(j["frames"].size(), 3u);
  EXPECT_EQ(j["awb"]["gains"].size(), 3u);
  EXPECT_EQ(j["awb"]["illuminant_rgb"][1], 1.0);
  for (const char* stage : {"load", "align", "merge", "finish", "write"}) EXPECT_TRUE(j["stage_ms"].contains(stage)) << stage;
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

TEST_F(CliTest, RefusesToOverwriteAnInput) {
  std::string frame = burst_dir_ + "/frame_00.dng";
  auto before = std::filesystem::file_size(frame);
  EXPECT_EQ(run("process " + burst_dir_ + " -o " + frame), 2);
  EXPECT_EQ(run("process " + burst_dir_ + " -o " + dir_.file("ok.png") + " --merged-dng " + frame), 2);
  EXPECT_EQ(std::filesystem::file_size(frame), before);
  RawFrame f;
  EXPECT_TRUE(read_raw_frame(frame, &f).ok());
}

TEST_F(CliTest, MissingOutputDirectoryLeavesNothing) {
  EXPECT_EQ(run("process " + burst_dir_ + " -o " + dir_.file("missing/out.png")), 1);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("missing")));
}

}  // namespace
}  // namespace nb
