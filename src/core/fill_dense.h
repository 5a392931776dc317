// Filling and copying dense Halide buffers (as freshly allocated ones are).
// Not Buffer::fill() or copy(): their for_each_value helper steps a pointer
// past the buffer's end, which UBSan reports as pointer overflow (seen in the
// sanitizer tree).
#pragma once

#include <HalideBuffer.h>

#include <algorithm>
#include <cassert>
#include <cstring>

#include "core/parallel_rows.h"

namespace nb {

template <typename T, int D>
void fill_dense(Halide::Runtime::Buffer<T, D>& buffer, T value) {
  std::fill(buffer.data(), buffer.data() + buffer.number_of_elements(), value);
}

// fill_dense spread over the Halide runtime's threads, for a large buffer the
// process has not touched yet: its pages are faulted in (and zeroed by the
// kernel) by whichever thread first writes them, so on one thread the
// filling was a pause with the other core idle (the 12 MP merge's 46 MB
// running sum: 100 ms on the CI VM when the host backs fresh huge pages
// slowly).
template <typename T, int D>
void fill_dense_in_parallel(Halide::Runtime::Buffer<T, D>& buffer, T value) {
  constexpr size_t kPerTask = size_t(1) << 20;  // elements
  T* data = buffer.data();
  const size_t count = buffer.number_of_elements();
  parallel_rows(int((count + kPerTask - 1) / kPerTask), 1, [&](int task) {
    const size_t begin = size_t(task) * kPerTask;
    std::fill(data + begin, data + std::min(count, begin + kPerTask), value);
  });
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
