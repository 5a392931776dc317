/* Compiled as C: the header must be valid C, and this is how an app calls it. */
#include <stdlib.h>
#include <string.h>

#include "nightburst/nightburst_c.h"

/* All at once: the finished image as RGB16 in a buffer of the caller's. */
int run_c_client(const nb_raw_frame* frames, int count, int look, uint16_t* rgb16, size_t rgb16_size,
                 char* error, size_t error_size) {
  nb_options options;
  nb_session* finished = NULL;
  nb_result_info info;
  int code;
  nb_options_default(&options);
  options.look = look;
  code = nb_process(frames, count, &options, &finished, error, error_size);
  if (code != NB_OK) return code;
  code = nb_session_result_info(finished, &info, error, error_size);
  if (code == NB_OK && (size_t)info.width * (size_t)info.height * 3 > rgb16_size) code = NB_INVALID_ARGUMENT;
  if (code == NB_OK)
    code = nb_session_copy_image(finished, NB_FORMAT_RGB16, rgb16, (size_t)info.width * 6, error, error_size);
  nb_session_destroy(finished);
  return code;
}

/* A camera app's loop: every frame arrives in the same buffer, which the app
 * overwrites with the next frame as soon as nb_session_add_frame returns;
 * then an RGBA8 image (an Android Bitmap's layout, each row padded by 16 bytes)
 * and the JSON report, both in memory the app allocated. */
int run_c_streaming_client(const nb_raw_frame* frames, int count, int look, uint8_t** rgba, int* width,
                           int* height, size_t* row_bytes, char** report, char* error, size_t error_size) {
  nb_options options;
  nb_session* session = NULL;
  nb_result_info info;
  uint16_t* buffer;
  size_t samples, report_size;
  int i, code;
  *rgba = NULL;
  *report = NULL;
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
  free(buffer);
  if (code == NB_OK) code = nb_session_finish(session, error, error_size);
  if (code == NB_OK) code = nb_session_result_info(session, &info, error, error_size);
  if (code == NB_OK) {
    *width = info.width;
    *height = info.height;
    *row_bytes = (size_t)info.width * 4 + 16;
    *rgba = (uint8_t*)malloc(*row_bytes * (size_t)info.height);
    report_size = nb_session_report_json(session, NULL, 0) + 1;
    *report = (char*)malloc(report_size);
    if (!*rgba || !*report) code = NB_INTERNAL;
  }
  if (code == NB_OK) code = nb_session_copy_image(session, NB_FORMAT_RGBA8, *rgba, *row_bytes, error, error_size);
  if (code == NB_OK) nb_session_report_json(session, *report, report_size);
  if (code != NB_OK) {
    free(*rgba);
    free(*report);
    *rgba = NULL;
    *report = NULL;
  }
  nb_session_destroy(session);
  return code;
}
