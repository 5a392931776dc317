// Helpers shared by the tests: small synthetic bursts and temporary directories.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "nightburst/synth.h"

namespace nb::testing {

// Halide 14's Buffer::for_each_element and fill() form out-of-range pointers
// on the way (UBSan's pointer-overflow check stops the sanitizer run), so
// tests visit pixels and fill buffers with plain loops.
template <typename T, typename F>
void for_each_xy(const Halide::Runtime::Buffer<T, 2>& buffer, F visit) {
  for (int y = 0; y < buffer.height(); ++y)
    for (int x = 0; x < buffer.width(); ++x) visit(x, y);
}
template <typename T, int D>
void fill_dense(Halide::Runtime::Buffer<T, D>& buffer, T value) {
  std::fill(buffer.data(), buffer.data() + buffer.number_of_elements(), value);
}

// Whole files as bytes.
inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

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
