// A 2-D buffer copied into memory of its own, row by row, the rows on the
// pipeline's threads (a shared 12 MP frame's copy, before its defects are
// repaired, is part of a streaming session's last-frame wait). Halide 14's
// Buffer::copy() trips UBSan's pointer-overflow check on large buffers (its
// copy loop forms a pointer with an unsigned offset that wraps), so the
// sanitizer build cannot use it.
#pragma once

#include <HalideBuffer.h>

#include <algorithm>
#include <cstddef>

#include "core/parallel_rows.h"

namespace nb {

template <typename T>
Halide::Runtime::Buffer<T, 2> owned_copy(const Halide::Runtime::Buffer<T, 2>& in) {
  Halide::Runtime::Buffer<T, 2> out(in.width(), in.height());
  out.set_min(in.dim(0).min(), in.dim(1).min());
  // Written through a pointer (a non-const operator() marks the buffer
  // host-dirty: a shared store from both threads, docs/development.md).
  T* const out_data = out.data();
  const ptrdiff_t out_stride = out.dim(1).stride();
  parallel_rows(in.height(), 64, [&](int row_index) {
    const T* row = &in(in.dim(0).min(), in.dim(1).min() + row_index);
    std::copy(row, row + in.width(), out_data + row_index * out_stride);
  });
  return out;
}

}  // namespace nb
