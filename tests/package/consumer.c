/* Merges a small synthetic burst through an installed libnightburst.so:
 * flat grey frames with a little pseudo-random noise, checked to come out
 * grey. Prints the library's version. */
#include <nightburst/nightburst_c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kWidth = 128, kHeight = 96, kFrames = 4 };

int main(void) {
  static uint16_t mosaics[kFrames][kWidth * kHeight];
  nb_raw_frame frames[kFrames];
  unsigned state = 12345;
  for (int f = 0; f < kFrames; ++f) {
    for (int i = 0; i < kWidth * kHeight; ++i) {
      state = state * 1103515245u + 12345u;
      mosaics[f][i] = (uint16_t)(1000 + (state >> 16) % 32);
    }
    nb_raw_frame* frame = &frames[f];
    memset(frame, 0, sizeof *frame);
    frame->mosaic = mosaics[f];
    frame->width = kWidth;
    frame->height = kHeight;
    frame->row_stride = kWidth;
    frame->cfa = NB_CFA_RGGB;
    for (int i = 0; i < 4; ++i) frame->black_level[i] = 64;
    frame->white_level = 4095;
    for (int c = 0; c < 3; ++c) frame->as_shot_neutral[c] = 1;
    frame->orientation = 1;
  }
  nb_options options;
  nb_options_default(&options);
  options.awb = NB_AWB_AS_SHOT;
  nb_session* session = NULL;
  char error[256];
  if (nb_process(frames, kFrames, &options, &session, error, sizeof error) != NB_OK) {
    fprintf(stderr, "consumer_c: %s\n", error);
    return 1;
  }
  nb_result_info info;
  if (nb_session_result_info(session, &info, error, sizeof error) != NB_OK) {
    fprintf(stderr, "consumer_c: %s\n", error);
    return 1;
  }
  uint8_t* rgba = malloc((size_t)info.width * info.height * 4);
  if (nb_session_copy_image(session, NB_FORMAT_RGBA8, rgba, (size_t)info.width * 4, error, sizeof error) != NB_OK) {
    fprintf(stderr, "consumer_c: %s\n", error);
    return 1;
  }
  const uint8_t* centre = rgba + ((size_t)(info.height / 2) * info.width + info.width / 2) * 4;
  const int grey = abs(centre[0] - centre[1]) <= 2 && abs(centre[2] - centre[1]) <= 2;
  printf("consumer_c: nightburst %s, %dx%d, centre %d %d %d\n", nb_version(), info.width, info.height, centre[0],
         centre[1], centre[2]);
  free(rgba);
  nb_session_destroy(session);
  return info.width == kWidth && info.height == kHeight && grey ? 0 : 1;
}
