#include "test_paths.h"

namespace nb::testing {

const char* cli_path() { return NB_CLI_PATH; }
const char* awb_cli_path() { return NB_AWB_CLI_PATH; }
const char* spectral_dir() { return NB_SPECTRAL_DIR; }

}  // namespace nb::testing
