// The pipeline report as the C API gives it (keys documented in docs/cli.md).
#pragma once

#include <string>

#include "nightburst/pipeline.h"

namespace nb {

std::string report_to_json(const ProcessReport& report);

}  // namespace nb
