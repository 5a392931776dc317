// Helpers shared by the tests: small synthetic bursts and temporary directories.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>

#include "nightburst/synth.h"

namespace nb::testing {

inline SynthBurst make_burst(const SynthOptions& options) {
  SynthBurst burst;
  Status s = make_synthetic_burst(options, &burst);
  EXPECT_TRUE(s.ok()) << s.message();
  return burst;
}

inline SynthOptions small_options(uint64_t seed = 1) {
  SynthOptions o;
  o.width = 384;
  o.height = 256;
  o.frames = 8;
  o.seed = seed;
  o.shot_noise = 0.004;
  o.read_noise = 2e-5;
  return o;
}

// A fresh directory under the system temporary directory, removed at scope exit.
class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("nightburst_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  static int& counter() {
    static int c = 0;
    return c;
  }
  std::filesystem::path path_;
};

}  // namespace nb::testing
