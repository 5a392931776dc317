#include "test_paths.h"

namespace nb::testing {

const char* source_dir() { return NB_SOURCE_DIR; }

}  // namespace nb::testing
