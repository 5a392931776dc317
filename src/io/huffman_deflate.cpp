// Literal-only deflate with a dynamic Huffman code per block (RFC 1951,
// sec. 3.2.5-3.2.7).
#include "io/huffman_deflate.h"

#include <algorithm>
#include <array>

namespace nb {
namespace {

// Input bytes per block: each block's code follows its part of the image
// (a dark sky and a lit street code differently); a block header costs
// about 150 bytes.
constexpr size_t kBlockBytes = size_t(256) << 10;
constexpr int kLiterals = 257;  // bytes 0-255 and the end of block, 256
constexpr int kEndOfBlock = 256;

// Bits into bytes, least significant first, as deflate packs them.
class BitWriter {
 public:
  explicit BitWriter(std::vector<uint8_t>* out) : out_(out), at_(out->size()) {}
  // Room for `bytes` more whole bytes; then the writes below go unchecked.
  void reserve(size_t bytes) {
    if (out_->size() < at_ + bytes + 8) out_->resize(at_ + bytes + 8);
  }
  // The low `count` bits of `bits` (count <= 32).
  void put(uint32_t bits, int count) {
    buffer_ |= uint64_t(bits) << filled_;
    filled_ += count;
    if (filled_ >= 32) {
      store_word(buffer_, out_->data() + at_);
      at_ += 4;
      buffer_ >>= 32;
      filled_ -= 32;
    }
  }
  // Each byte of `data` as its entry in `code_of`: the code in the low 16
  // bits, its length above. Locals, not the members: the byte stores may
  // alias anything, and would have the members reloaded for every byte.
  void put_bytes(const uint8_t* data, size_t size, const std::array<uint32_t, 256>& code_of) {
    uint64_t buffer = buffer_;
    int filled = filled_;
    uint8_t* const begin = out_->data() + at_;
    uint8_t* at = begin;
    for (size_t i = 0; i < size; ++i) {
      const uint32_t entry = code_of[data[i]];
      buffer |= uint64_t(entry & 0xffffu) << filled;
      filled += int(entry >> 16);
      if (filled >= 32) {
        store_word(buffer, at);
        at += 4;
        buffer >>= 32;
        filled -= 32;
      }
    }
    buffer_ = buffer;
    filled_ = filled;
    at_ += size_t(at - begin);
  }
  // Pads with zero bits to a whole byte.
  void align() {
    while (filled_ > 0) {
      (*out_)[at_++] = uint8_t(buffer_);
      buffer_ >>= 8;
      filled_ = std::max(0, filled_ - 8);
    }
  }
  void finish() { out_->resize(at_); }

 private:
  // The buffer's low 32 bits, least significant byte first.
  static void store_word(uint64_t buffer, uint8_t* at) {
    for (int i = 0; i < 4; ++i) at[i] = uint8_t(buffer >> (8 * i));
  }

  std::vector<uint8_t>* out_;
  size_t at_;  // the next whole byte's index in *out_
  uint64_t buffer_ = 0;
  int filled_ = 0;
};

// A canonical Huffman code from its lengths (sec. 3.2.2), each code
// bit-reversed: deflate sends a code's most significant bit first.
std::vector<uint32_t> canonical_codes(const std::vector<uint8_t>& lengths) {
  std::array<uint32_t, 16> count{}, next{};
  for (uint8_t length : lengths) ++count[length];
  count[0] = 0;
  uint32_t code = 0;
  for (int bits = 1; bits < 16; ++bits) {
    code = (code + count[size_t(bits - 1)]) << 1;
    next[size_t(bits)] = code;
  }
  std::vector<uint32_t> codes(lengths.size(), 0);
  for (size_t symbol = 0; symbol < lengths.size(); ++symbol) {
    const int length = lengths[symbol];
    if (length == 0) continue;
    const uint32_t c = next[size_t(length)]++;
    uint32_t reversed = 0;
    for (int i = 0; i < length; ++i) reversed |= ((c >> i) & 1u) << (length - 1 - i);
    codes[symbol] = reversed;
  }
  return codes;
}

// A second symbol where only one is used (a block without data: only its
// end), so that the code is complete, as inflate requires.
void use_two_symbols(std::vector<uint64_t>* frequency) {
  if (std::count_if(frequency->begin(), frequency->end(), [](uint64_t f) { return f > 0; }) >= 2) return;
  ++(*frequency)[(*frequency)[0] == 0 ? 0 : 1];
}

// One block of literals with its own code.
void write_block(const uint8_t* data, size_t size, bool final, BitWriter* bits) {
  // Counted in four tables, so that runs of one value (a flat sky's zero
  // differences) do not wait on the same counter's last increment.
  std::array<std::array<uint32_t, 256>, 4> counts{};
  size_t i = 0;
  for (; i + 4 <= size; i += 4)
    for (int k = 0; k < 4; ++k) ++counts[size_t(k)][data[i + size_t(k)]];
  for (; i < size; ++i) ++counts[0][data[i]];
  std::vector<uint64_t> frequency(kLiterals, 0);
  for (int b = 0; b < 256; ++b)
    for (int k = 0; k < 4; ++k) frequency[size_t(b)] += counts[size_t(k)][size_t(b)];
  frequency[kEndOfBlock] = 1;
  use_two_symbols(&frequency);
  const std::vector<uint8_t> lengths = huffman_code_lengths(frequency, 15);
  const std::vector<uint32_t> codes = canonical_codes(lengths);

  // The code's lengths, sent with a code of their own: the 257 literal and
  // length codes' lengths, then one distance code of length 0 (literals
  // only: no distances at all), each as its length symbol 0-15 (no runs).
  std::vector<uint8_t> sent(lengths.begin(), lengths.end());
  sent.push_back(0);
  std::vector<uint64_t> length_frequency(19, 0);
  for (uint8_t length : sent) ++length_frequency[length];
  use_two_symbols(&length_frequency);
  const std::vector<uint8_t> length_lengths = huffman_code_lengths(length_frequency, 7);
  const std::vector<uint32_t> length_codes = canonical_codes(length_lengths);
  static const int kOrder[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
  int sent_lengths = 19;
  while (sent_lengths > 4 && length_lengths[size_t(kOrder[sent_lengths - 1])] == 0) --sent_lengths;

  bits->reserve(size * 15 / 8 + 512);
  bits->put(final ? 1 : 0, 1);
  bits->put(2, 2);                     // dynamic Huffman codes
  bits->put(kLiterals - 257, 5);       // HLIT
  bits->put(0, 5);                     // HDIST: one distance code
  bits->put(uint32_t(sent_lengths - 4), 4);  // HCLEN
  for (int i = 0; i < sent_lengths; ++i) bits->put(length_lengths[size_t(kOrder[i])], 3);
  for (uint8_t length : sent) bits->put(length_codes[length], length_lengths[length]);
  std::array<uint32_t, 256> code_of{};
  for (int b = 0; b < 256; ++b) code_of[size_t(b)] = codes[size_t(b)] | uint32_t(lengths[size_t(b)]) << 16;
  bits->put_bytes(data, size, code_of);
  bits->put(codes[kEndOfBlock], lengths[kEndOfBlock]);
}

}  // namespace

std::vector<uint8_t> huffman_code_lengths(std::vector<uint64_t> frequency, int max_bits) {
  const int symbols = int(frequency.size());
  std::vector<uint8_t> lengths(frequency.size(), 0);
  for (;;) {
    // Huffman's construction with two queues: the leaves in order of
    // frequency, and the merged nodes, which are made in order of frequency.
    std::vector<int> leaves;
    for (int s = 0; s < symbols; ++s)
      if (frequency[size_t(s)] > 0) leaves.push_back(s);
    std::stable_sort(leaves.begin(), leaves.end(),
                     [&](int a, int b) { return frequency[size_t(a)] < frequency[size_t(b)]; });
    const int n = int(leaves.size());
    if (n < 2) {
      for (int s : leaves) lengths[size_t(s)] = 1;
      return lengths;
    }
    std::vector<uint64_t> weight(size_t(2 * n - 1));
    std::vector<int> parent(size_t(2 * n - 1), -1);
    for (int i = 0; i < n; ++i) weight[size_t(i)] = frequency[size_t(leaves[size_t(i)])];
    int next_leaf = 0, next_merged = n;
    for (int node = n; node < 2 * n - 1; ++node) {
      auto smallest = [&] {
        if (next_leaf < n && (next_merged >= node || weight[size_t(next_leaf)] <= weight[size_t(next_merged)]))
          return next_leaf++;
        return next_merged++;
      };
      const int a = smallest(), b = smallest();
      weight[size_t(node)] = weight[size_t(a)] + weight[size_t(b)];
      parent[size_t(a)] = parent[size_t(b)] = node;
    }
    std::vector<int> depth(size_t(2 * n - 1), 0);
    int longest = 0;
    for (int node = 2 * n - 3; node >= 0; --node) {
      depth[size_t(node)] = depth[size_t(parent[size_t(node)])] + 1;
      if (node < n) longest = std::max(longest, depth[size_t(node)]);
    }
    if (longest <= max_bits) {
      for (int i = 0; i < n; ++i) lengths[size_t(leaves[size_t(i)])] = uint8_t(depth[size_t(i)]);
      return lengths;
    }
    for (uint64_t& f : frequency)
      if (f > 0) f = (f + 1) / 2;
  }
}

void deflate_literals(const uint8_t* data, size_t size, bool last, std::vector<uint8_t>* out) {
  BitWriter bits(out);
  // At least one block, for no data too (whose pointer may be null: no
  // offset is added to it).
  for (size_t begin = 0;;) {
    const size_t count = std::min(size - begin, kBlockBytes);
    write_block(begin == 0 ? data : data + begin, count, last && begin + count == size, &bits);
    begin += count;
    if (begin >= size) break;
  }
  if (!last) {
    // An empty stored block: the stream continues on a byte boundary.
    bits.reserve(16);
    bits.put(0, 3);
    bits.align();
    for (uint32_t word : {0x0000u, 0xffffu}) bits.put(word, 16);
  }
  bits.align();
  bits.finish();
}

}  // namespace nb
