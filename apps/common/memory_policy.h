// The applications' process-wide memory policy. The pipeline touches about a
// gigabyte of fresh memory for a 12 MP burst (decoded frames, merge planes,
// running sums); on the 2-core CI VM a page fault costs several microseconds,
// so with 4 KB pages the faults alone took about as long as the merge's
// arithmetic. A process-wide allocator policy, so it is the applications'
// call, not the library's (an Android app has its own).
#pragma once

#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

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

// Asks glibc to back the heap with transparent huge pages (2 MB: 512 times
// fewer faults), which kernels in THP "madvise" mode (Debian's default) only
// give on request. glibc takes that request only from the environment at
// startup, so the process runs itself again once with it set. 12 MP burst to
// PNG on the CI VM: 3.9 s without, 3.05 s with. Does nothing where the
// variable is already set, where glibc or the kernel lacks the feature, or
// if the re-execution fails (the process then simply goes on without).
inline void use_transparent_huge_pages(char** argv) {
#if defined(__linux__) && defined(__GLIBC__)
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables && std::strstr(tunables, "glibc.malloc.hugetlb")) return;
  if (std::getenv("NIGHTBURST_NO_HUGE_PAGES")) return;
  std::string value = "glibc.malloc.hugetlb=1";
  if (tunables && *tunables) value = std::string(tunables) + ":" + value;
  if (setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0) return;
  execv("/proc/self/exe", argv);
  unsetenv("GLIBC_TUNABLES");  // still here: the exec failed; carry on as we are
  if (tunables) setenv("GLIBC_TUNABLES", tunables, 1);
#else
  (void)argv;
#endif
}

// Both, as the command-line tools start.
inline void apply_memory_policy(char** argv) {
  use_transparent_huge_pages(argv);
  reuse_freed_memory();
}

}  // namespace nb::apps
