/* nightburst C API: the whole pipeline on in-memory raw frames, for callers
 * that cannot use C++ (an Android app through the NDK, other languages'
 * FFI). Plain C, no allocation the caller has to know about except the
 * output image, which nb_image_free releases. Thread-compatible: calls on
 * different data may run concurrently. */
#ifndef NIGHTBURST_NIGHTBURST_C_H
#define NIGHTBURST_NIGHTBURST_C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes; the same values as nb::StatusCode. */
enum {
  NB_OK = 0,
  NB_INVALID_ARGUMENT = 1, /* options or buffers that make no sense */
  NB_BAD_INPUT = 2,        /* a frame is inconsistent or unsupported */
  NB_IO_ERROR = 3,
  NB_CANCELLED = 4,
  NB_INTERNAL = 5          /* a bug in nightburst, or out of memory */
};

/* CFA layouts, named from the top-left pixel in reading order. */
enum { NB_CFA_RGGB = 0, NB_CFA_BGGR = 1, NB_CFA_GRBG = 2, NB_CFA_GBRG = 3 };

/* Looks of the finished photo. */
enum { NB_LOOK_NATURAL = 0, NB_LOOK_BRIGHT = 1, NB_LOOK_NIGHT = 2 };

/* One raw frame. The mosaic is borrowed, never copied or kept. */
typedef struct nb_raw_frame {
  const uint16_t* mosaic; /* width x height samples */
  int width, height;
  int row_stride;         /* samples from one row to the next (>= width) */
  int cfa;                /* NB_CFA_* */
  float black_level[4];   /* per 2x2 position: (y % 2) * 2 + (x % 2) */
  float white_level;
  float as_shot_neutral[3]; /* camera RGB of a neutral, G = 1 */
  double color_matrix[9];   /* XYZ -> camera, row-major (DNG ColorMatrix) */
  int has_color_matrix;
  double noise_scale[4], noise_offset[4]; /* DNG NoiseProfile per 2x2 position */
  int has_noise_profile;                  /* 0: estimated from the reference frame */
  double exposure_s, iso;                 /* 0 when unknown */
  int orientation;                        /* EXIF 1..8 */
} nb_raw_frame;

typedef struct nb_options {
  int reference;        /* frame index; -1: the sharpest of the first three */
  int threads;          /* 0: one per core */
  int look;             /* NB_LOOK_* */
  float chroma_denoise; /* 0..1 */
  float sharpen;        /* 0..4 */
} nb_options;

/* Interleaved RGB, 16-bit sRGB-encoded, orientation applied. */
typedef struct nb_image {
  uint16_t* data;
  int width, height;
} nb_image;

void nb_options_default(nb_options* options);

/* Aligns, merges and finishes `count` frames. On failure returns an NB_*
 * code, leaves *out empty and writes a message naming the frame and the
 * reason into `error` (NUL-terminated, truncated to error_size). */
int nb_process(const nb_raw_frame* frames, int count, const nb_options* options, nb_image* out, char* error,
               size_t error_size);

void nb_image_free(nb_image* image);

/* Streaming: frames added one at a time as the camera delivers them. Each is
 * copied (the caller may reuse its buffer as soon as the call returns),
 * held until the reference is known (the sharpest of the first three, or
 * options->reference), then aligned and merged into running sums at once, so
 * memory stays constant in the number of frames and nb_session_finish is
 * left with white balance and finishing. The result equals nb_process on the
 * same frames. A session is not thread-safe: one thread at a time may call
 * into it; different sessions are independent. After an error every later
 * call on the session returns that error again; destroy it in any state. */
typedef struct nb_session nb_session;

int nb_session_create(const nb_options* options, nb_session** session, char* error, size_t error_size);
int nb_session_add_frame(nb_session* session, const nb_raw_frame* frame, char* error, size_t error_size);
/* The finished image, as nb_process gives it; free it with nb_image_free. */
int nb_session_finish(nb_session* session, nb_image* out, char* error, size_t error_size);
void nb_session_destroy(nb_session* session);

#ifdef __cplusplus
}
#endif

#endif /* NIGHTBURST_NIGHTBURST_C_H */
