// The C API: C structs to the C++ pipeline and back, no exception crosses it.
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "nightburst/nightburst_c.h"
#include "nightburst/pipeline.h"

namespace {

void write_error(const std::string& message, char* error, size_t error_size) {
  if (!error || error_size == 0) return;
  std::strncpy(error, message.c_str(), error_size - 1);
  error[error_size - 1] = '\0';
}

int fail(int code, const std::string& message, char* error, size_t error_size) {
  write_error(message, error, error_size);
  return code;
}

nb::Status to_frame(const nb_raw_frame& in, int index, nb::RawFrame* out) {
  const std::string name = "frame " + std::to_string(index);
  if (!in.mosaic) return nb::invalid_argument(name + ": no mosaic");
  if (in.width <= 0 || in.height <= 0 || in.row_stride < in.width)
    return nb::invalid_argument(name + ": size " + std::to_string(in.width) + "x" +
                                std::to_string(in.height) + " with row stride " +
                                std::to_string(in.row_stride) + " is not a valid layout");
  if (in.cfa < NB_CFA_RGGB || in.cfa > NB_CFA_GBRG)
    return nb::invalid_argument(name + ": unknown CFA layout");
  halide_dimension_t dims[2] = {{0, in.width, 1, 0}, {0, in.height, in.row_stride, 0}};
  // Borrowed: the pipeline only reads the mosaic.
  out->mosaic = Halide::Runtime::Buffer<uint16_t, 2>(const_cast<uint16_t*>(in.mosaic), 2, dims);
  nb::RawMetadata& m = out->meta;
  m.width = in.width;
  m.height = in.height;
  m.cfa = nb::CfaPattern(in.cfa);
  for (int i = 0; i < 4; ++i) m.black_level[i] = in.black_level[i];
  m.white_level = in.white_level;
  for (int c = 0; c < 3; ++c) m.as_shot_neutral[c] = in.as_shot_neutral[c];
  for (int i = 0; i < 9; ++i) m.color_matrix[i] = in.color_matrix[i];
  m.has_color_matrix = in.has_color_matrix != 0;
  m.noise.valid = in.has_noise_profile != 0;
  for (int i = 0; i < 4; ++i) {
    m.noise.scale[i] = in.noise_scale[i];
    m.noise.offset[i] = in.noise_offset[i];
  }
  m.exposure_s = in.exposure_s;
  m.iso = in.iso;
  m.orientation = in.orientation;
  out->source = name;
  return nb::validate_metadata(m).with_context(name);
}

}  // namespace

extern "C" void nb_options_default(nb_options* options) {
  if (!options) return;
  nb::ProcessOptions defaults;
  options->reference = defaults.reference;
  options->threads = defaults.threads;
  options->look = NB_LOOK_NIGHT;
  options->chroma_denoise = defaults.chroma_denoise;
  options->sharpen = defaults.sharpen;
}

namespace {

nb::Status to_options(const nb_options* options, nb::ProcessOptions* out) {
  nb_options o;
  nb_options_default(&o);
  if (options) o = *options;
  if (o.look < NB_LOOK_NATURAL || o.look > NB_LOOK_NIGHT)
    return nb::invalid_argument("unknown look " + std::to_string(o.look));
  if (!(o.chroma_denoise >= 0 && o.chroma_denoise <= 1) || !(o.sharpen >= 0 && o.sharpen <= 4))
    return nb::invalid_argument("chroma_denoise must be in [0, 1] and sharpen in [0, 4]");
  out->reference = o.reference;
  out->threads = o.threads;
  out->look = nb::Look(o.look);
  out->chroma_denoise = o.chroma_denoise;
  out->sharpen = o.sharpen;
  return nb::Status();
}

// The finished image as the caller's interleaved RGB16.
int to_image(const nb::ProcessResult& result, nb_image* out, char* error, size_t error_size) {
  const auto& srgb = result.srgb;
  const size_t n = size_t(srgb.width()) * srgb.height() * 3;
  auto* data = static_cast<uint16_t*>(std::malloc(n * sizeof(uint16_t)));
  if (!data) return fail(NB_INTERNAL, "out of memory for the output image", error, error_size);
  for (int y = 0; y < srgb.height(); ++y)
    for (int x = 0; x < srgb.width(); ++x)
      for (int c = 0; c < 3; ++c) data[(size_t(y) * srgb.width() + x) * 3 + c] = srgb(x, y, c);
  *out = nb_image{data, srgb.width(), srgb.height()};
  write_error("", error, error_size);
  return NB_OK;
}

// Runs `body` (returning an NB_* code) with every exception turned into one.
template <typename Body>
int guarded(char* error, size_t error_size, Body body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail(NB_INTERNAL, "out of memory", error, error_size);
  } catch (const std::exception& e) {
    return fail(NB_INTERNAL, std::string("internal error: ") + e.what(), error, error_size);
  }
}

int fail_with(const nb::Status& s, char* error, size_t error_size) {
  return fail(int(s.code()), s.message(), error, error_size);
}

}  // namespace

extern "C" int nb_process(const nb_raw_frame* frames, int count, const nb_options* options,
                          nb_image* out, char* error, size_t error_size) {
  if (out) *out = nb_image{nullptr, 0, 0};
  if (!frames || count <= 0 || !out)
    return fail(NB_INVALID_ARGUMENT, "no frames or no output image", error, error_size);
  return guarded(error, error_size, [&] {
    nb::ProcessOptions po;
    nb::Status s = to_options(options, &po);
    std::vector<nb::RawFrame> burst(count);
    for (int i = 0; i < count && s.ok(); ++i) s = to_frame(frames[i], i, &burst[i]);
    nb::ProcessResult result;  // process_burst checks the frames agree before any work
    if (s.ok()) s = nb::process_burst(burst, po, &result);
    if (!s.ok()) return fail_with(s, error, error_size);
    return to_image(result, out, error, error_size);
  });
}

struct nb_session {
  explicit nb_session(const nb::ProcessOptions& options) : session(options) {}
  nb::BurstSession session;
  int frames = 0;
};

extern "C" int nb_session_create(const nb_options* options, nb_session** session, char* error,
                                 size_t error_size) {
  if (!session) return fail(NB_INVALID_ARGUMENT, "no session pointer", error, error_size);
  *session = nullptr;
  return guarded(error, error_size, [&] {
    nb::ProcessOptions po;
    nb::Status s = to_options(options, &po);
    if (!s.ok()) return fail_with(s, error, error_size);
    *session = new nb_session(po);
    write_error("", error, error_size);
    return int(NB_OK);
  });
}

extern "C" int nb_session_add_frame(nb_session* session, const nb_raw_frame* frame, char* error,
                                    size_t error_size) {
  if (!session || !frame)
    return fail(NB_INVALID_ARGUMENT, "no session or no frame", error, error_size);
  return guarded(error, error_size, [&] {
    nb::RawFrame borrowed;
    nb::Status s = to_frame(*frame, session->frames++, &borrowed);
    if (s.ok()) {
      // The session may hold the frame past this call: a copy of our own.
      nb::RawFrame owned = borrowed;
      owned.mosaic = borrowed.mosaic.copy();
      s = session->session.add_frame(std::move(owned));
    }
    if (!s.ok()) return fail_with(s, error, error_size);
    write_error("", error, error_size);
    return int(NB_OK);
  });
}

extern "C" int nb_session_finish(nb_session* session, nb_image* out, char* error,
                                 size_t error_size) {
  if (out) *out = nb_image{nullptr, 0, 0};
  if (!session || !out)
    return fail(NB_INVALID_ARGUMENT, "no session or no output image", error, error_size);
  return guarded(error, error_size, [&] {
    nb::ProcessResult result;
    nb::Status s = session->session.finish(&result);
    if (!s.ok()) return fail_with(s, error, error_size);
    return to_image(result, out, error, error_size);
  });
}

extern "C" void nb_session_destroy(nb_session* session) { delete session; }

extern "C" void nb_image_free(nb_image* image) {
  if (!image) return;
  std::free(image->data);
  *image = nb_image{nullptr, 0, 0};
}
