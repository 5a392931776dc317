// Keeps freed memory in the process for reuse instead of returning it to the
// kernel. The pipeline allocates and frees frame-sized buffers (tens of MB)
// per frame; glibc serves those with fresh mmaps, and on the 2-core CI VM
// the page faults of touching them again cost more than the work: the 12 MP
// tile alignment ran at 205 ms per frame with glibc's defaults and 123 ms
// with this. A process-wide allocator policy, so it is the applications'
// call, not the library's.
#pragma once

#include <malloc.h>

namespace nb::apps {

inline void reuse_freed_memory() {
  mallopt(M_MMAP_THRESHOLD, 1 << 30);  // serve large blocks from the heap...
  mallopt(M_TRIM_THRESHOLD, 1 << 30);  // ...and keep up to 1 GB of it when freed
}

}  // namespace nb::apps
