// The visual report of one burst (`nightburst process --debug-dir DIR`):
// what the pipeline saw and decided, as pictures and one offline index.html.
#pragma once

#include <string>
#include <vector>

#include "nightburst/io.h"
#include "nightburst/pipeline.h"
#include "nightburst/status.h"

namespace nb::apps {

// The files the report writes into its directory for a burst of `frames`
// frames (index.html last): checked against the inputs and the other
// outputs before any work.
std::vector<std::string> debug_report_files(const std::string& dir, size_t frames);

// What a synthetic burst's truth/truth.json says (nightburst synth), when the
// frames came from one: the report marks it beside the estimates.
struct BurstTruth {
  bool known = false;
  std::array<float, 3> illuminant_rgb{1, 1, 1};
  std::vector<std::array<double, 2>> motion_px;  // per frame, reference -> frame
};
// Reads `<directory of first_frame>/truth/truth.json` if it is there; a
// burst without one has no truth (not an error).
Status read_burst_truth(const std::string& first_frame, BurstTruth* truth);

// Writes the report. `run` is the finished burst with its diagnostics
// collected; `report_json` its JSON report (the CLI's, timings included).
Status write_debug_report(const std::string& dir, const FileBurstOutput& run, const std::string& report_json,
                          const BurstTruth& truth);

}  // namespace nb::apps
