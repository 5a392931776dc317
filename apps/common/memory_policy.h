// The applications' process-wide memory policy. The pipeline touches about a
// gigabyte of fresh memory for a 12 MP burst (decoded frames, merge planes,
// running sums); on the 2-core CI VM a page fault costs several microseconds,
// so with 4 KB pages the faults alone took about as long as the merge's
// arithmetic. A process-wide allocator policy, so it is the applications'
// call, not the library's (an Android app has its own).
#pragma once

#include <malloc.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>

namespace nb::apps {

// Keeps freed memory in the process for reuse instead of returning it to the
// kernel: frame-sized buffers (tens of MB) freed and allocated again per
// frame would otherwise be fresh mmaps each time. The 12 MP tile alignment
// ran at 205 ms per frame with glibc's defaults and 123 ms with this.
// One heap for every thread, too: with glibc's per-thread arenas, memory
// one thread freed (a decoder's, a Halide worker's scratch) was kept in its
// arena while another thread faulted in fresh pages. 12 MP x 8 DNGs to PNG,
// five runs alternating: peak 491 -> 468 MB, 1.64 -> 1.46 s median; the
// threads allocate seldom (Halide's stages run on stack buffers), so one
// heap's lock costs nothing measurable.
inline void reuse_freed_memory() {
  mallopt(M_MMAP_THRESHOLD, 1 << 30);  // serve large blocks from the heap...
  mallopt(M_TRIM_THRESHOLD, 1 << 30);  // ...and keep up to 1 GB of it when freed
  mallopt(M_ARENA_MAX, 1);             // ...one heap, shared by the threads
}

// Backs the heap with transparent huge pages (2 MB: 512 times fewer
// faults), which kernels in THP "madvise" mode (Debian's default) give only
// to ranges marked for them. 12 MP burst to PNG on the CI VM: 3.9 s without,
// 3.05 s with. glibc marks its heap itself only when told so at startup (the
// tunable glibc.malloc.hugetlb, read from the environment), and running the
// process again with it set cost 26 ms a start: a second start of a binary
// that links OpenCV. Instead the heap is grown once, by kHeap, that range is
// marked, and the block is freed. Freed memory stays in the heap
// (reuse_freed_memory(), which must come first), so later blocks are carved
// from the marked range, and its pages become resident only as they are
// touched. A burst needing more heap than kHeap gets ordinary pages beyond it.
// Does nothing where NIGHTBURST_NO_HUGE_PAGES is set, or where the block
// cannot be had.
inline void use_transparent_huge_pages() {
#if defined(__linux__) && defined(__GLIBC__)
  if (std::getenv("NIGHTBURST_NO_HUGE_PAGES")) return;
  constexpr size_t kHugePage = size_t(2) << 20, kHeap = size_t(768) << 20;
  void* block = std::malloc(kHeap);
  if (!block) return;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(block) + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(block) + kHeap) & ~(kHugePage - 1);
  madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
  std::free(block);
#endif
}

// Both, as the command-line tools start.
inline void apply_memory_policy() {
  reuse_freed_memory();
  use_transparent_huge_pages();
}

}  // namespace nb::apps
