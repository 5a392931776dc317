/* nightburst C API: the whole pipeline on in-memory raw frames, for callers
 * that cannot use C++ (an Android app through the NDK, other languages'
 * FFI), and the path the nightburst CLI itself takes.
 *
 * Memory: the caller owns every buffer. Frames are read during the call that
 * takes them; results are copied into buffers the caller allocated, sized
 * from nb_session_result_info. The only allocation the library makes for the
 * caller is the session, which nb_session_destroy frees.
 *
 * Threads: a session is not thread-safe; one thread at a time may call into
 * it (it may be a different thread each time). Different sessions are
 * independent and may run concurrently on different threads. All sessions of
 * a process share one pool of worker threads (Halide's), which
 * nb_session_create sizes to its nb_options.threads (0: one per core):
 * concurrent sessions should ask for the same number. No call keeps a
 * pointer it was given after returning, except nb_options.progress and
 * progress_user, used during nb_session_add_frame and nb_session_finish on
 * the calling thread.
 *
 * Errors: every call that can fail returns an NB_* code and writes a message
 * naming the frame (nb_raw_frame.name) or the model and the reason into
 * `error` (NUL-terminated, truncated to error_size; either may be 0/NULL).
 * After a failure of add_frame or finish the session is spent: every later
 * call returns that error again. No call aborts or throws.
 *
 * ABI: the structs below keep their layout across versions, so an app built
 * against an older header keeps working with a newer library. Per-frame
 * metadata added later comes in nb_frame_extras, which starts with its own
 * size: the library reads only the fields that size covers (the rest count
 * as unset) and refuses a size larger than it knows. */
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

/* White balance. */
enum {
  NB_AWB_LEARNED = 0,   /* FFCC, the built-in model or nb_options.awb_model */
  NB_AWB_GRAY_WORLD = 1,
  NB_AWB_AS_SHOT = 2,   /* the camera's as-shot neutral */
  NB_AWB_MANUAL = 3     /* nb_options.manual_illuminant */
};

/* One raw frame, in the terms Android's camera2 gives a RAW_SENSOR image
 * (docs/c-api.md's Android section maps every field). The mosaic is read during the call. */
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
  /* Exposure time in seconds (camera2 SENSOR_EXPOSURE_TIME / 1e9) and ISO
   * (SENSOR_SENSITIVITY x CONTROL_POST_RAW_SENSITIVITY_BOOST / 100); 0 when
   * unknown. An exposure bracket (HDR+ with bracketing: say short frames,
   * then longer ones, each request with its own SENSOR_EXPOSURE_TIME and
   * SENSOR_SENSITIVITY under manual AE) needs both on every frame, within 64x
   * of each other; the shortest of the first three frames becomes the
   * reference, so feed short frames first. */
  double exposure_s, iso;
  int orientation;                        /* EXIF 1..8 */
  const char* name;                       /* for messages and the report; NULL: "frame N" */
  const char* make;                       /* camera, for the merged DNG; NULL: unknown */
  const char* model;
} nb_raw_frame;

/* Per-frame metadata beyond nb_raw_frame, for nb_session_add_frame_ex.
 * Zero it (`nb_frame_extras e = {0};` in C, `{}` in C++), then set
 * struct_size = sizeof e and the fields you have. */
typedef struct nb_frame_extras {
  size_t struct_size;
  /* camera2's STATISTICS_LENS_SHADING_CORRECTION_MAP (request
   * STATISTICS_LENS_SHADING_MAP_MODE_ON): rows x columns x 4 gains, channels
   * R, G_even, G_odd, B (G_even: the green on even rows), spanning the frame
   * edge to edge; LENS_INFO_SHADING_MAP_SIZE gives columns and rows. Applied
   * to the merged result before white balance. NULL: none (the frame is
   * already shaded, or has no vignette). */
  const float* lens_shading_map;
  int lens_shading_columns, lens_shading_rows;
  /* camera2's STATISTICS_HOT_PIXEL_MAP (request STATISTICS_HOT_PIXEL_MAP_MODE
   * on): hot_pixel_count points as x, y pairs in the frame. Each is replaced
   * from its same-colour neighbours before alignment and merge. */
  const int32_t* hot_pixels;
  int hot_pixel_count;
  /* Colour calibration, camera2's keys [DNG's tags]. nb_raw_frame's
   * color_matrix is SENSOR_COLOR_TRANSFORM1 [ColorMatrix1], measured under
   * reference_illuminant1; a second one under reference_illuminant2 lets the
   * library interpolate for the scene light by its colour temperature (as
   * raw developers do). Illuminants are SENSOR_REFERENCE_ILLUMINANT1/2
   * [CalibrationIlluminant1/2]: EXIF LightSource codes (17 standard light A,
   * 21 D65, ...), 0 unknown. Matrices row-major, as camera2's Rational[9]. */
  int reference_illuminant1, reference_illuminant2;
  int has_color_transform2;
  double color_transform2[9];     /* SENSOR_COLOR_TRANSFORM2 [ColorMatrix2]: XYZ -> camera */
  int has_forward_matrices;       /* 1: forward_matrix1, and forward_matrix2 with a second transform */
  double forward_matrix1[9];      /* SENSOR_FORWARD_MATRIX1 [ForwardMatrix1]: balanced camera -> XYZ (D50) */
  double forward_matrix2[9];      /* SENSOR_FORWARD_MATRIX2 [ForwardMatrix2] */
  int has_calibration_transforms; /* 1: calibration_transform1 (and 2 with a second transform) are set */
  double calibration_transform1[9]; /* SENSOR_CALIBRATION_TRANSFORM1 [CameraCalibration1] */
  double calibration_transform2[9]; /* SENSOR_CALIBRATION_TRANSFORM2 [CameraCalibration2] */
} nb_frame_extras;

/* Called at the start of each stage (align and merge once per frame) with
 * the stage's name; return 0 to cancel: the call returns NB_CANCELLED. */
typedef int (*nb_progress_fn)(const char* stage, void* user);

typedef struct nb_options {
  int reference;        /* frame index; -1: the sharpest of the first three */
  int threads;          /* 0: one per core */
  int look;             /* NB_LOOK_* */
  float chroma_denoise; /* 0..1 */
  float sharpen;        /* 0..4 */
  int awb;              /* NB_AWB_* */
  float manual_illuminant[3];   /* NB_AWB_MANUAL: camera RGB of the light */
  const uint8_t* awb_model;     /* NB_AWB_LEARNED: a model file's bytes; NULL: built in */
  size_t awb_model_size;
  const char* awb_model_name;   /* names the model in messages (its path) */
  nb_progress_fn progress;      /* NULL: none */
  void* progress_user;
  /* Super Res Zoom (Wronski et al. 2019) instead of the HDR+ merge: the
   * Bayer samples of all frames merged straight into RGB at this scale, 1 to
   * 3 (the image is about scale times the sensor's size: nb_result_info).
   * 0: the HDR+ merge and demosaicing (the default). */
  float superres_scale;
} nb_options;

/* The defaults: night look, learned white balance, reference chosen. */
void nb_options_default(nb_options* options);

/* The library's version, "MAJOR.MINOR.PATCH" (the project's version in
 * CMakeLists.txt, its one place). */
const char* nb_version(void);

typedef struct nb_session nb_session;

/* Streaming, as a camera delivers frames: each added frame is read during
 * the call (the caller may reuse its buffer at once), held until the
 * reference is known and defective pixels are looked for (the first five
 * frames, or up to options->reference), then aligned and merged into running sums, so memory
 * stays constant in the number of frames and nb_session_finish is left with
 * white balance and finishing. The options (and the model bytes) are read
 * during nb_session_create. */
int nb_session_create(const nb_options* options, nb_session** session, char* error, size_t error_size);
int nb_session_add_frame(nb_session* session, const nb_raw_frame* frame, char* error, size_t error_size);
/* The same with the frame's extras (NULL: none, as nb_session_add_frame). */
int nb_session_add_frame_ex(nb_session* session, const nb_raw_frame* frame, const nb_frame_extras* extras,
                            char* error, size_t error_size);
int nb_session_finish(nb_session* session, char* error, size_t error_size);
void nb_session_destroy(nb_session* session); /* any state; NULL is fine */

/* All at once: a finished session from `count` frames (the same result as
 * adding them one by one), which the caller destroys. */
int nb_process(const nb_raw_frame* frames, int count, const nb_options* options, nb_session** finished,
               char* error, size_t error_size);

/* Results of a finished session. */
typedef struct nb_result_info {
  int width, height;               /* the finished image, orientation applied */
  int mosaic_width, mosaic_height; /* the merged mosaic: the reference's sensor geometry
                                      (times superres_scale with Super Res Zoom) */
  int reference;                   /* the reference frame's index */
} nb_result_info;

int nb_session_result_info(const nb_session* session, nb_result_info* info, char* error, size_t error_size);

/* Pixel formats of the finished image, sRGB-encoded, rows top to bottom. */
enum {
  NB_FORMAT_RGB16 = 0, /* uint16_t R, G, B per pixel */
  NB_FORMAT_RGBA8 = 1  /* uint8_t R, G, B, 255 per pixel (Android's ARGB_8888 Bitmap) */
};

/* Copies the finished image into `pixels`: width x height pixels, rows
 * `row_bytes` apart (at least width x 6 or width x 4 bytes). */
int nb_session_copy_image(const nb_session* session, int format, void* pixels, size_t row_bytes, char* error,
                          size_t error_size);

/* Copies the merged mosaic into `mosaic` (mosaic_width x mosaic_height, rows
 * `row_stride` samples apart), quantised to the reference's black and white
 * levels scaled by the largest whole factor that keeps white within 16 bits
 * (a 10-bit sensor's by 64), so the precision the merge gained is kept; and
 * describes it in `frame` as a raw frame: the reference's metadata with
 * those levels and the merged burst's noise profile, `mosaic` as its
 * samples (ready for a DNG writer, or to be processed again). After
 * normalisation by the frame's levels a value means the same light as in
 * the reference. The frame's strings point into the session. */
int nb_session_copy_merged(const nb_session* session, uint16_t* mosaic, int row_stride, nb_raw_frame* frame,
                           char* error, size_t error_size);

/* The report (JSON: frames, reference, motion, noise, white balance, look,
 * stage times; keys in docs/cli.md) written into `json` like snprintf: at
 * most size - 1 characters and a NUL. Returns the report's full length, so
 * a call with (NULL, 0) sizes the buffer; 0 before the session is finished. */
size_t nb_session_report_json(const nb_session* session, char* json, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* NIGHTBURST_NIGHTBURST_C_H */
