/* Compiled as C: the header must be valid C, and this is how an app calls it. */
#include <stdlib.h>
#include <string.h>

#include "nightburst/nightburst_c.h"

int run_c_client(const nb_raw_frame* frames, int count, int look, nb_image* out, char* error, size_t error_size) {
  nb_options options;
  nb_options_default(&options);
  options.look = look;
  return nb_process(frames, count, &options, out, error, error_size);
}

/* A camera app's loop: every frame arrives in the same buffer, which the app
 * overwrites with the next frame as soon as nb_session_add_frame returns. */
int run_c_streaming_client(const nb_raw_frame* frames, int count, int look, nb_image* out, char* error,
                           size_t error_size) {
  nb_options options;
  nb_session* session = NULL;
  uint16_t* buffer;
  size_t samples;
  int i, code;
  nb_options_default(&options);
  options.look = look;
  code = nb_session_create(&options, &session, error, error_size);
  if (code != NB_OK) return code;
  samples = (size_t)frames[0].row_stride * (size_t)frames[0].height;
  buffer = (uint16_t*)malloc(samples * sizeof(uint16_t));
  if (!buffer) {
    nb_session_destroy(session);
    return NB_INTERNAL;
  }
  for (i = 0; i < count && code == NB_OK; ++i) {
    nb_raw_frame frame = frames[i];
    memcpy(buffer, frame.mosaic, samples * sizeof(uint16_t));
    frame.mosaic = buffer;
    code = nb_session_add_frame(session, &frame, error, error_size);
  }
  memset(buffer, 0, samples * sizeof(uint16_t)); /* the session must not have kept it */
  if (code == NB_OK) code = nb_session_finish(session, out, error, error_size);
  free(buffer);
  nb_session_destroy(session);
  return code;
}
