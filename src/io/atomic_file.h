// Atomic output: write to a temporary file beside the target, then rename, so
// a failed or interrupted write never leaves a partial file or clobbers a good one.
#pragma once

#include <functional>
#include <string>

#include "nightburst/status.h"

namespace nb {

Status write_atomically(const std::string& path,
                        const std::function<Status(const std::string& temporary_path)>& write);

}  // namespace nb
