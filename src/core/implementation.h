// Which implementation of a stage runs: the Halide pipeline (always, in
// production) or the plain C++ reference it is tested and benchmarked against.
#pragma once

namespace nb {

enum class Implementation { kHalide, kReference };

}  // namespace nb
