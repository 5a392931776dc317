// Filling and copying dense Halide buffers (as freshly allocated ones are).
// Not Buffer::fill() or copy(): their for_each_value helper steps a pointer
// past the buffer's end, which UBSan reports as pointer overflow (seen in the
// sanitizer tree).
#pragma once

#include <HalideBuffer.h>

#include <algorithm>
#include <cassert>
#include <cstring>

namespace nb {

template <typename T, int D>
void fill_dense(Halide::Runtime::Buffer<T, D>& buffer, T value) {
  std::fill(buffer.data(), buffer.data() + buffer.number_of_elements(), value);
}

// A copy of a dense buffer (no padding between its elements), same shape.
template <typename T, int D>
Halide::Runtime::Buffer<T, D> copy_dense(const Halide::Runtime::Buffer<T, D>& buffer) {
  assert(buffer.size_in_bytes() == buffer.number_of_elements() * sizeof(T));
  auto out = Halide::Runtime::Buffer<T, D>::make_with_shape_of(buffer);
  std::memcpy(out.data(), buffer.data(), buffer.size_in_bytes());
  return out;
}

}  // namespace nb
