/* Compiled as C: the header must be valid C, and this is how an app calls it. */
#include "nightburst/nightburst_c.h"

int run_c_client(const nb_raw_frame* frames, int count, int look, nb_image* out, char* error, size_t error_size) {
  nb_options options;
  nb_options_default(&options);
  options.look = look;
  return nb_process(frames, count, &options, out, error, error_size);
}
