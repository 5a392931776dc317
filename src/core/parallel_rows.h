// Rows of a plain C++ loop spread over the Halide runtime's thread pool (the
// one the stages use, with the thread count the pipeline set), for the few
// per-frame loops outside the generators that would otherwise leave a core
// idle between Halide calls.
#pragma once

#include <HalideRuntime.h>

#include <algorithm>

namespace nb {

// Calls row_body(y) for y in [0, rows), in tasks of `rows_per_task` rows.
// Rows must be independent: each task runs on any thread, in any order.
template <typename RowBody>
void parallel_rows(int rows, int rows_per_task, const RowBody& row_body) {
  struct Closure {
    const RowBody* body;
    int rows, rows_per_task;
  } closure{&row_body, rows, std::max(1, rows_per_task)};
  auto task = [](void*, int task_number, uint8_t* data) -> int {
    const auto* c = reinterpret_cast<const Closure*>(data);
    const int first = task_number * c->rows_per_task, last = std::min(c->rows, first + c->rows_per_task);
    for (int y = first; y < last; ++y) (*c->body)(y);
    return 0;
  };
  const int tasks = (rows + closure.rows_per_task - 1) / closure.rows_per_task;
  if (tasks > 0) halide_do_par_for(nullptr, task, 0, tasks, reinterpret_cast<uint8_t*>(&closure));
}

}  // namespace nb
