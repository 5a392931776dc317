// nb_options (the C API's) to ProcessOptions (the pipeline's): checked, the
// white-balance model parsed, the progress callback wrapped. The CLI and
// batch take their options in the C API's terms too, and convert them here.
#pragma once

#include "nightburst/nightburst_c.h"
#include "nightburst/pipeline.h"

namespace nb {

// `options` NULL: the defaults (nb_options_default).
Status process_options_from_c(const nb_options* options, ProcessOptions* out);

}  // namespace nb
