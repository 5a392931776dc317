// Where the tests find the repository and the tools they run. The paths are
// compiled into one small file per test program (source_dir.cpp,
// apps/tool_paths.cpp), not given to every test source: as compile
// definitions of all of them, these clone-specific paths made every test
// source a ccache miss in a fresh clone at a new path (about 40 compiles,
// 85 s of a warm host build, and again in the arm64 and sanitizer trees).
#pragma once

namespace nb::testing {

// The repository's root.
const char* source_dir();

// nightburst_tests only (the tools are built with the applications): the
// nightburst and nightburst_awb executables, and the spectral training data.
const char* cli_path();
const char* awb_cli_path();
const char* spectral_dir();

}  // namespace nb::testing
