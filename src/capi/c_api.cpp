// The C API: C structs to the C++ pipeline and back, no exception crosses it.
#include "nightburst/nightburst_c.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

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
    return nb::invalid_argument(name + ": size " + std::to_string(in.width) + "x" + std::to_string(in.height) +
                                " with row stride " + std::to_string(in.row_stride) + " is not a valid layout");
  if (in.cfa < NB_CFA_RGGB || in.cfa > NB_CFA_GBRG) return nb::invalid_argument(name + ": unknown CFA layout");
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

extern "C" int nb_process(const nb_raw_frame* frames, int count, const nb_options* options, nb_image* out,
                          char* error, size_t error_size) {
  if (out) *out = nb_image{nullptr, 0, 0};
  if (!frames || count <= 0 || !out) return fail(NB_INVALID_ARGUMENT, "no frames or no output image", error, error_size);
  try {
    nb_options o;
    nb_options_default(&o);
    if (options) o = *options;
    if (o.look < NB_LOOK_NATURAL || o.look > NB_LOOK_NIGHT)
      return fail(NB_INVALID_ARGUMENT, "unknown look " + std::to_string(o.look), error, error_size);
    if (!(o.chroma_denoise >= 0 && o.chroma_denoise <= 1) || !(o.sharpen >= 0 && o.sharpen <= 4))
      return fail(NB_INVALID_ARGUMENT, "chroma_denoise must be in [0, 1] and sharpen in [0, 4]", error, error_size);
    std::vector<nb::RawFrame> burst(count);
    for (int i = 0; i < count; ++i) {
      nb::Status s = to_frame(frames[i], i, &burst[i]);
      if (!s.ok()) return fail(int(s.code()), s.message(), error, error_size);
    }
    nb::ProcessOptions po;
    po.reference = o.reference;
    po.threads = o.threads;
    po.look = nb::Look(o.look);
    po.chroma_denoise = o.chroma_denoise;
    po.sharpen = o.sharpen;
    nb::ProcessResult result;
    nb::Status s = nb::check_burst_consistency(burst);
    if (s.ok()) s = nb::process_burst(burst, po, &result);
    if (!s.ok()) return fail(int(s.code()), s.message(), error, error_size);
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
  } catch (const std::bad_alloc&) {
    return fail(NB_INTERNAL, "out of memory", error, error_size);
  } catch (const std::exception& e) {
    return fail(NB_INTERNAL, std::string("internal error: ") + e.what(), error, error_size);
  }
}

extern "C" void nb_image_free(nb_image* image) {
  if (!image) return;
  std::free(image->data);
  *image = nb_image{nullptr, 0, 0};
}
