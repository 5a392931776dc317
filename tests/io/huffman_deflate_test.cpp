#include "io/huffman_deflate.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace nb {
namespace {

// zlib's inflate of a raw deflate stream; fails the test on any error.
std::vector<uint8_t> inflate_raw(const std::vector<uint8_t>& stream, size_t expected_size) {
  std::vector<uint8_t> out(expected_size + 16);
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, -15), Z_OK);
  z.next_in = const_cast<uint8_t*>(stream.data());
  z.avail_in = uInt(stream.size());
  z.next_out = out.data();
  z.avail_out = uInt(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END) << (z.msg ? z.msg : "");
  EXPECT_EQ(z.avail_in, 0u);  // nothing after the final block
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

// Kraft's sum of the code, in units of 2^-max_bits: 2^max_bits when complete.
uint64_t kraft_sum(const std::vector<uint8_t>& lengths, int max_bits) {
  uint64_t sum = 0;
  for (uint8_t l : lengths)
    if (l > 0) sum += uint64_t(1) << (max_bits - l);
  return sum;
}

// Every kind of band inflates to its bytes: noise, one repeated value over
// several blocks, a single byte, nothing, and a skew whose Huffman code
// would be 40 bits deep (it must be limited to 15); bands that are not the
// last followed by one that is, as the PNG writer concatenates them.
TEST(HuffmanDeflate, InflatesToItsInput) {
  std::mt19937 rng(3);
  std::normal_distribution<float> noise(0.0f, 6.0f);
  std::vector<std::pair<std::string, std::vector<uint8_t>>> cases;
  std::vector<uint8_t> noisy(1 << 20);
  for (uint8_t& b : noisy) b = uint8_t(int(noise(rng)));
  cases.push_back({"noise", noisy});
  cases.push_back({"zeros", std::vector<uint8_t>(700000, 0)});
  cases.push_back({"one byte", {42}});
  cases.push_back({"empty", {}});
  std::vector<uint8_t> skewed;
  uint64_t a = 1, b = 1;
  for (int symbol = 0; symbol < 28; ++symbol) {  // Fibonacci frequencies: the deepest Huffman trees
    skewed.insert(skewed.end(), size_t(a), uint8_t(symbol * 9));
    const uint64_t next = a + b;
    a = b;
    b = next;
  }
  std::shuffle(skewed.begin(), skewed.end(), rng);
  cases.push_back({"skewed", skewed});
  for (const auto& [name, data] : cases) {
    std::vector<uint8_t> stream;
    deflate_literals(data.data(), data.size(), true, &stream);
    EXPECT_EQ(inflate_raw(stream, data.size()), data) << name;
    // Two bands: this one not last, then the noise.
    std::vector<uint8_t> joined;
    deflate_literals(data.data(), data.size(), false, &joined);
    deflate_literals(noisy.data(), noisy.size(), true, &joined);
    std::vector<uint8_t> expected = data;
    expected.insert(expected.end(), noisy.begin(), noisy.end());
    EXPECT_EQ(inflate_raw(joined, expected.size()), expected) << name << ", then noise";
  }
}

// Noise of a few levels codes in well under 8 bits a byte.
TEST(HuffmanDeflate, NoiseCodesNearItsEntropy) {
  std::mt19937 rng(5);
  std::normal_distribution<float> noise(0.0f, 3.0f);
  std::vector<uint8_t> data(1 << 20);
  for (uint8_t& b : data) b = uint8_t(int(std::lround(noise(rng))));
  std::vector<uint8_t> stream;
  deflate_literals(data.data(), data.size(), true, &stream);
  // The entropy of a rounded Gaussian of sigma 3 is about 3.63 bits.
  std::printf("%.3f bits a byte\n", double(stream.size()) * 8 / data.size());
  EXPECT_LT(double(stream.size()) * 8 / data.size(), 3.72);
}

TEST(HuffmanDeflate, CodeLengthsAreCompleteAndLimited) {
  for (int max_bits : {7, 15}) {
    std::vector<uint64_t> fibonacci(30, 0);
    fibonacci[0] = fibonacci[1] = 1;
    for (size_t i = 2; i < fibonacci.size(); ++i) fibonacci[i] = fibonacci[i - 1] + fibonacci[i - 2];
    const std::vector<uint8_t> lengths = huffman_code_lengths(fibonacci, max_bits);
    for (uint8_t l : lengths) {
      EXPECT_GE(l, 1);
      EXPECT_LE(l, max_bits);
    }
    EXPECT_EQ(kraft_sum(lengths, max_bits), uint64_t(1) << max_bits) << max_bits;
  }
  // Unused symbols get no code; equal frequencies an equal length.
  const std::vector<uint8_t> lengths = huffman_code_lengths({0, 5, 5, 0, 5, 5}, 15);
  EXPECT_EQ(lengths, (std::vector<uint8_t>{0, 2, 2, 0, 2, 2}));
}

}  // namespace
}  // namespace nb
