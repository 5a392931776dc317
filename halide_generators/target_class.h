// The two classes of machine the hand-written schedules are written for,
// chosen from a generator's target: the strip sizes below are the only
// schedule choices that differ between them (vector widths come from
// natural_vector_size, 8 floats with AVX2, 16 with AVX-512, 4 with NEON).
#pragma once

#include "Halide.h"

namespace nb {

struct ScheduleClass {
  // Rows of a full-resolution image per parallel task (the pyramid, the
  // merge's planes, local tone's levels).
  int image_rows;
  // Rows of the merged mosaic per parallel task in the merge's temporal and
  // spatial passes; a task recomputes one row of overlapping tiles (an
  // eighth at 128 rows, a quarter at 64).
  int mosaic_rows;
  // Rows of the finished image per parallel task: each strip demosaics,
  // colours and tone-maps 8 rows more than it keeps (the chroma window's
  // apron), so short strips repeat that work: a quarter of it at 32 rows,
  // an eighth at 64. 12 MP, x86: 32 -> 128 rows took BM_FinishHalide from
  // 143-154 to 124-126 ms on 2 threads (its working set was past L2 at
  // either height).
  int finish_rows;
};

// x86-64 desktops: 2-16 equal cores with 1-2 MB of L2 each and a large L3:
// long strips, fewer tasks, less recomputed overlap.
// arm-64 phone SoCs: 4-8 cores, half of them small and slow, 256-512 KB of
// L2 per core: half the strip height, so a strip's working set (merge: 4
// planes x 64 rows x ~2000 px of several float buffers) stays near L2 and
// twice the tasks balance the big and little cores.
inline ScheduleClass schedule_class(const Halide::Target& target) {
  if (target.arch == Halide::Target::ARM) return {16, 64, 64};
  return {32, 128, 128};
}

}  // namespace nb
