// A 2-D buffer copied into memory of its own, row by row. Halide 14's
// Buffer::copy() trips UBSan's pointer-overflow check on large buffers (its
// copy loop forms a pointer with an unsigned offset that wraps), so the
// sanitizer build cannot use it.
#pragma once

#include <HalideBuffer.h>

#include <algorithm>

namespace nb {

template <typename T>
Halide::Runtime::Buffer<T, 2> owned_copy(const Halide::Runtime::Buffer<T, 2>& in) {
  Halide::Runtime::Buffer<T, 2> out(in.width(), in.height());
  out.set_min(in.dim(0).min(), in.dim(1).min());
  for (int y = in.dim(1).min(); y < in.dim(1).min() + in.height(); ++y) {
    const T* row = &in(in.dim(0).min(), y);
    std::copy(row, row + in.width(), &out(out.dim(0).min(), y));
  }
  return out;
}

}  // namespace nb
