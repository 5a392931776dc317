// Filling a dense Halide buffer (as freshly allocated ones are) with one value.
// Not Buffer::fill(): its for_each_value helper steps a pointer past the
// buffer's end, which UBSan reports as pointer overflow (seen in the
// sanitizer tree).
#pragma once

#include <HalideBuffer.h>

#include <algorithm>

namespace nb {

template <typename T, int D>
void fill_dense(Halide::Runtime::Buffer<T, D>& buffer, T value) {
  std::fill(buffer.data(), buffer.data() + buffer.number_of_elements(), value);
}

}  // namespace nb
