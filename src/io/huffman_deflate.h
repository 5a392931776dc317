// Deflate (RFC 1951) of literals only: each block Huffman-coded with a code
// of its own, no string matching. What the PNG writer's bands need, at
// several times zlib's speed for the same coding: zlib's Huffman-only
// deflate (Z_HUFFMAN_ONLY) ran at about 150 MB/s a core here, a quarter of
// the command line's PNG write at 12 MP.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace nb {

// Appends `data` to `out` as raw deflate blocks (no zlib header or
// checksum). `last`: the final block is marked so and the stream ends
// there; otherwise it ends with an empty stored block, byte-aligned (as
// zlib's Z_SYNC_FLUSH does), so that another band's blocks can follow.
void deflate_literals(const uint8_t* data, size_t size, bool last, std::vector<uint8_t>* out);

// Code lengths of a Huffman code for `frequency` (0: the symbol is not
// coded), none longer than `max_bits`: Huffman's, with the frequencies
// halved (never to 0) until the longest fits. At least two symbols must
// be used: then the code is complete, as inflate requires.
std::vector<uint8_t> huffman_code_lengths(std::vector<uint64_t> frequency, int max_bits);

}  // namespace nb
