// The C API: C structs to the C++ pipeline and back, no exception crosses it.
#include <algorithm>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "capi/c_frame.h"
#include "capi/c_options.h"
#include "capi/report_json.h"
#include "core/color.h"
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

int fail_with(const nb::Status& s, char* error, size_t error_size) {
  return fail(int(s.code()), s.message(), error, error_size);
}

int succeed(char* error, size_t error_size) {
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

}  // namespace

extern "C" const char* nb_version(void) { return NIGHTBURST_VERSION; }

extern "C" void nb_options_default(nb_options* options) {
  if (!options) return;
  const nb::ProcessOptions defaults;
  *options = nb_options{};
  options->reference = defaults.reference;
  options->threads = defaults.threads;
  options->look = NB_LOOK_NIGHT;
  options->chroma_denoise = defaults.chroma_denoise;
  options->sharpen = defaults.sharpen;
  options->awb = NB_AWB_LEARNED;
  for (int c = 0; c < 3; ++c) options->manual_illuminant[c] = defaults.manual_illuminant[c];
}

struct nb_session {
  explicit nb_session(const nb::ProcessOptions& options) : session(options) {}
  nb::BurstSession session;
  int frames = 0;
  bool finished = false;
  nb::ProcessResult result;
  std::string report_json;
};

namespace {

// Adds a frame; `borrow`: the caller's buffer outlives the session's use of
// it (nb_process), so the session may keep a view instead of a copy.
int add_frame(nb_session* session, const nb_raw_frame& frame, const nb_frame_extras* extras, bool borrow,
              char* error, size_t error_size) {
  nb::RawFrame view;
  nb::Status s = nb::raw_frame_view(frame, session->frames++, &view);
  if (s.ok()) s = nb::add_frame_extras(extras, &view);
  if (s.ok()) {
    s = session->session.add_frame(std::move(view));
    // A frame the session holds past this call (until the reference is
    // known) gets a copy of its own, unless the caller's buffer outlives the
    // session; a frame merged at once is never copied.
    if (!borrow) session->session.copy_held_frames();
  }
  if (!s.ok()) return fail_with(s, error, error_size);
  return succeed(error, error_size);
}

int finish(nb_session* session, char* error, size_t error_size) {
  nb::Status s = session->session.finish(&session->result);
  if (!s.ok()) return fail_with(s, error, error_size);
  session->report_json = nb::report_to_json(session->result.report);
  session->finished = true;
  return succeed(error, error_size);
}

int not_finished(char* error, size_t error_size) {
  return fail(NB_INVALID_ARGUMENT, "the session has no result: nb_session_finish has not succeeded", error,
              error_size);
}

}  // namespace

extern "C" int nb_session_create(const nb_options* options, nb_session** session, char* error,
                                 size_t error_size) {
  if (!session) return fail(NB_INVALID_ARGUMENT, "no session pointer", error, error_size);
  *session = nullptr;
  return guarded(error, error_size, [&] {
    nb::ProcessOptions po;
    nb::Status s = nb::process_options_from_c(options, &po);
    if (!s.ok()) return fail_with(s, error, error_size);
    *session = new nb_session(po);
    return succeed(error, error_size);
  });
}

extern "C" int nb_session_add_frame(nb_session* session, const nb_raw_frame* frame, char* error,
                                    size_t error_size) {
  if (!session || !frame) return fail(NB_INVALID_ARGUMENT, "no session or no frame", error, error_size);
  return guarded(error, error_size, [&] { return add_frame(session, *frame, nullptr, false, error, error_size); });
}

extern "C" int nb_session_add_frame_ex(nb_session* session, const nb_raw_frame* frame,
                                       const nb_frame_extras* extras, char* error, size_t error_size) {
  if (!session || !frame) return fail(NB_INVALID_ARGUMENT, "no session or no frame", error, error_size);
  return guarded(error, error_size, [&] { return add_frame(session, *frame, extras, false, error, error_size); });
}

extern "C" int nb_session_finish(nb_session* session, char* error, size_t error_size) {
  if (!session) return fail(NB_INVALID_ARGUMENT, "no session", error, error_size);
  return guarded(error, error_size, [&] { return finish(session, error, error_size); });
}

extern "C" void nb_session_destroy(nb_session* session) { delete session; }

extern "C" int nb_process(const nb_raw_frame* frames, int count, const nb_options* options,
                          nb_session** finished, char* error, size_t error_size) {
  if (!finished) return fail(NB_INVALID_ARGUMENT, "no session pointer", error, error_size);
  *finished = nullptr;
  if (!frames || count <= 0) return fail(NB_INVALID_ARGUMENT, "no frames", error, error_size);
  nb_session* session = nullptr;
  int code = nb_session_create(options, &session, error, error_size);
  if (code != NB_OK) return code;
  code = guarded(error, error_size, [&] {
    int c = NB_OK;
    for (int i = 0; i < count && c == NB_OK; ++i) c = add_frame(session, frames[i], nullptr, true, error, error_size);
    return c == NB_OK ? finish(session, error, error_size) : c;
  });
  if (code != NB_OK) {
    nb_session_destroy(session);
    return code;
  }
  *finished = session;
  return NB_OK;
}

extern "C" int nb_session_result_info(const nb_session* session, nb_result_info* info, char* error,
                                      size_t error_size) {
  if (!session || !info) return fail(NB_INVALID_ARGUMENT, "no session or no info", error, error_size);
  if (!session->finished) return not_finished(error, error_size);
  const nb::ProcessResult& r = session->result;
  *info = nb_result_info{r.srgb.width(), r.srgb.height(), r.merged.width(), r.merged.height(), r.report.reference};
  return succeed(error, error_size);
}

extern "C" int nb_session_copy_image(const nb_session* session, int format, void* pixels, size_t row_bytes,
                                     char* error, size_t error_size) {
  if (!session || !pixels) return fail(NB_INVALID_ARGUMENT, "no session or no pixels", error, error_size);
  if (!session->finished) return not_finished(error, error_size);
  if (format != NB_FORMAT_RGB16 && format != NB_FORMAT_RGBA8)
    return fail(NB_INVALID_ARGUMENT, "unknown pixel format " + std::to_string(format), error, error_size);
  const Halide::Runtime::Buffer<uint16_t, 3>& srgb = session->result.srgb;
  const size_t pixel_bytes = format == NB_FORMAT_RGB16 ? 6 : 4;
  if (row_bytes < pixel_bytes * size_t(srgb.width()))
    return fail(NB_INVALID_ARGUMENT,
                "row_bytes " + std::to_string(row_bytes) + " is less than one row of " +
                    std::to_string(srgb.width()) + " pixels",
                error, error_size);
  for (int y = 0; y < srgb.height(); ++y) {
    uint8_t* row = static_cast<uint8_t*>(pixels) + size_t(y) * row_bytes;
    if (format == NB_FORMAT_RGB16) {
      uint16_t* out = reinterpret_cast<uint16_t*>(row);
      for (int x = 0; x < srgb.width(); ++x)
        for (int c = 0; c < 3; ++c) out[3 * x + c] = srgb(x, y, c);
    } else {
      for (int x = 0; x < srgb.width(); ++x) {
        for (int c = 0; c < 3; ++c) row[4 * x + c] = nb::to_8bit(srgb(x, y, c));
        row[4 * x + 3] = 255;
      }
    }
  }
  return succeed(error, error_size);
}

extern "C" int nb_session_copy_merged(const nb_session* session, uint16_t* mosaic, int row_stride,
                                      nb_raw_frame* frame, char* error, size_t error_size) {
  if (!session || !mosaic || !frame)
    return fail(NB_INVALID_ARGUMENT, "no session, mosaic or frame", error, error_size);
  if (!session->finished) return not_finished(error, error_size);
  const nb::RawMetadata& m = session->result.merged_meta;
  const Halide::Runtime::Buffer<float, 2>& merged = session->result.merged;
  if (row_stride < merged.width())
    return fail(NB_INVALID_ARGUMENT,
                "row_stride " + std::to_string(row_stride) + " is less than the mosaic's width " +
                    std::to_string(merged.width()),
                error, error_size);
  return guarded(error, error_size, [&] {
    const Halide::Runtime::Buffer<uint16_t, 2> raw = nb::quantise_mosaic(merged, m);
    for (int y = 0; y < raw.height(); ++y)
      std::copy(&raw(0, y), &raw(0, y) + raw.width(), mosaic + size_t(y) * row_stride);
    nb_raw_frame f = nb::c_frame_metadata(m);  // strings into the session's result
    f.mosaic = mosaic;
    f.row_stride = row_stride;
    f.name = "merged";
    *frame = f;
    return succeed(error, error_size);
  });
}

extern "C" size_t nb_session_report_json(const nb_session* session, char* json, size_t size) {
  if (!session || !session->finished) {
    if (json && size > 0) json[0] = '\0';
    return 0;
  }
  const std::string& report = session->report_json;
  if (json && size > 0) {
    const size_t n = std::min(report.size(), size - 1);
    std::memcpy(json, report.data(), n);
    json[n] = '\0';
  }
  return report.size();
}
