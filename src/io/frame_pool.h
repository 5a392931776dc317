// Decoded frames' mosaics, allocated from a process-wide pool of
// frame-sized blocks. A burst decodes one frame after another of one size
// while the earlier ones are merged and freed: served from the pool, the
// next frame lands in memory the process has already touched. Fresh memory
// costs a page fault per 4 KB, and on the 2-core CI VM reading 8 12 MP DNGs
// into fresh buffers took ~11% of the whole command's CPU time.
#pragma once

#include <HalideBuffer.h>

#include <cstdint>

namespace nb {

// An uninitialised width x height mosaic whose memory returns to the pool
// when the last Buffer sharing it goes (the pool keeps two blocks idle, at
// most 512 MB; the rest go back to the heap).
Halide::Runtime::Buffer<uint16_t, 2> pooled_mosaic(int width, int height);

}  // namespace nb
