// nb_raw_frame to and from RawFrame.
#include "capi/c_frame.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <string>

namespace nb {

nb_raw_frame c_frame_metadata(const RawMetadata& m) {
  nb_raw_frame c{};
  c.width = m.width;
  c.height = m.height;
  c.cfa = int(m.cfa);
  for (int i = 0; i < 4; ++i) c.black_level[i] = m.black_level[i];
  c.white_level = m.white_level;
  for (int i = 0; i < 3; ++i) c.as_shot_neutral[i] = m.as_shot_neutral[i];
  if (!m.calibrations.empty()) {
    for (int i = 0; i < 9; ++i) c.color_matrix[i] = m.calibrations[0].color_matrix[size_t(i)];
    c.has_color_matrix = 1;
  }
  for (int i = 0; i < 4; ++i) {
    c.noise_scale[i] = m.noise.scale[i];
    c.noise_offset[i] = m.noise.offset[i];
  }
  c.has_noise_profile = m.noise.valid;
  c.exposure_s = m.exposure_s;
  c.iso = m.iso;
  c.orientation = m.orientation;
  c.make = m.make.c_str();
  c.model = m.model.c_str();
  return c;
}

nb_raw_frame c_frame_view(const RawFrame& f) {
  nb_raw_frame c = c_frame_metadata(f.meta);
  c.mosaic = f.mosaic.data();
  c.row_stride = f.mosaic.dim(1).stride();
  c.name = f.source.empty() ? nullptr : f.source.c_str();
  return c;
}

Status raw_frame_view(const nb_raw_frame& in, int index, RawFrame* out) {
  const std::string name = in.name ? in.name : "frame " + std::to_string(index);
  if (!in.mosaic) return invalid_argument(name + ": no mosaic");
  if (in.width <= 0 || in.height <= 0 || in.row_stride < in.width)
    return invalid_argument(name + ": size " + std::to_string(in.width) + "x" +
                            std::to_string(in.height) + " with row stride " +
                            std::to_string(in.row_stride) + " is not a valid layout");
  if (in.cfa < NB_CFA_RGGB || in.cfa > NB_CFA_GBRG)
    return invalid_argument(name + ": unknown CFA layout");
  halide_dimension_t dims[2] = {{0, in.width, 1, 0}, {0, in.height, in.row_stride, 0}};
  out->mosaic = Halide::Runtime::Buffer<uint16_t, 2>(const_cast<uint16_t*>(in.mosaic), 2, dims);
  RawMetadata& m = out->meta;
  m.width = in.width;
  m.height = in.height;
  m.cfa = CfaPattern(in.cfa);
  for (int i = 0; i < 4; ++i) m.black_level[i] = in.black_level[i];
  m.white_level = in.white_level;
  for (int c = 0; c < 3; ++c) m.as_shot_neutral[c] = in.as_shot_neutral[c];
  if (in.has_color_matrix) {
    ColorCalibration calibration;
    for (int i = 0; i < 9; ++i) calibration.color_matrix[size_t(i)] = in.color_matrix[i];
    m.calibrations = {calibration};
  }
  m.noise.valid = in.has_noise_profile != 0;
  for (int i = 0; i < 4; ++i) {
    m.noise.scale[i] = in.noise_scale[i];
    m.noise.offset[i] = in.noise_offset[i];
  }
  m.exposure_s = in.exposure_s;
  m.iso = in.iso;
  m.orientation = in.orientation;
  m.make = in.make ? in.make : "";
  m.model = in.model ? in.model : "";
  out->source = name;
  return validate_metadata(m).with_context(name);
}

namespace {

void copy_matrix(const double* from, std::array<double, 9>* to) { std::copy(from, from + 9, to->begin()); }

// The colour fields of nb_frame_extras (zero when struct_size ends before them).
Status add_color_extras(const nb_frame_extras& e, RawFrame* frame) {
  const std::string& name = frame->source;
  std::vector<ColorCalibration>& calibrations = frame->meta.calibrations;
  const bool any = e.reference_illuminant1 || e.reference_illuminant2 || e.has_color_transform2 ||
                   e.has_forward_matrices || e.has_calibration_transforms;
  if (!any) return Status();
  if (calibrations.empty())
    return invalid_argument(name + ": nb_frame_extras has colour calibration fields but the frame has no "
                            "color_matrix (SENSOR_COLOR_TRANSFORM1)");
  calibrations.resize(e.has_color_transform2 ? 2 : 1);
  calibrations[0].illuminant = e.reference_illuminant1;
  if (e.has_color_transform2) {
    calibrations[1].illuminant = e.reference_illuminant2;
    copy_matrix(e.color_transform2, &calibrations[1].color_matrix);
  }
  if (e.has_forward_matrices) {
    copy_matrix(e.forward_matrix1, &calibrations[0].forward_matrix);
    if (e.has_color_transform2) copy_matrix(e.forward_matrix2, &calibrations[1].forward_matrix);
  }
  if (e.has_calibration_transforms) {
    copy_matrix(e.calibration_transform1, &calibrations[0].camera_calibration);
    if (e.has_color_transform2) copy_matrix(e.calibration_transform2, &calibrations[1].camera_calibration);
  }
  const Status valid = validate_metadata(frame->meta);
  return valid.ok() ? valid : invalid_argument(name + ": " + valid.message());
}

}  // namespace

Status add_frame_extras(const nb_frame_extras* extras, RawFrame* frame) {
  if (!extras) return Status();
  const std::string& name = frame->source;
  // The first version of the struct ended after the lens-shading map.
  constexpr size_t kFirstSize = offsetof(nb_frame_extras, lens_shading_rows) + sizeof(int);
  if (extras->struct_size < kFirstSize || extras->struct_size > sizeof(nb_frame_extras))
    return invalid_argument(name + ": nb_frame_extras.struct_size " + std::to_string(extras->struct_size) +
                            " is not a size this library knows (" + std::to_string(kFirstSize) + " to " +
                            std::to_string(sizeof(nb_frame_extras)) + "; set it to sizeof(nb_frame_extras))");
  nb_frame_extras e;
  std::memset(&e, 0, sizeof e);
  std::memcpy(&e, extras, extras->struct_size);
  const int columns = e.lens_shading_columns, rows = e.lens_shading_rows;
  if (e.lens_shading_map || columns || rows) {
    if (!e.lens_shading_map || columns < 1 || rows < 1 || int64_t(columns) * rows * 4 > kMaxGainMapPoints)
      return invalid_argument(name + ": lens_shading_map of " + std::to_string(columns) + "x" +
                              std::to_string(rows) + " points" + (e.lens_shading_map ? "" : " has no gains") +
                              ": needs a map and 1 to " + std::to_string(kMaxGainMapPoints / 4) + " points");
    const float* gains = e.lens_shading_map;
    for (int64_t i = 0; i < int64_t(columns) * rows * 4; ++i)
      if (!std::isfinite(gains[i]) || gains[i] < 0 || gains[i] > kMaxGain) {
        const int64_t point = i / 4;
        return invalid_argument(name + ": lens_shading_map gain " + std::to_string(gains[i]) + " (row " +
                                std::to_string(point / columns) + ", column " + std::to_string(point % columns) +
                                ", channel " + std::to_string(i % 4) + ") is outside 0.." +
                                std::to_string(int(kMaxGain)));
      }
    frame->meta.gain_maps = gain_maps_from_camera2(e.lens_shading_map, columns, rows, frame->meta.cfa,
                                                   frame->meta.width, frame->meta.height);
    for (const GainMap& m : frame->meta.gain_maps) {
      const Status s = validate_gain_map(m, frame->meta.width, frame->meta.height);
      if (!s.ok()) return invalid_argument(name + ": lens_shading_map: " + s.message());
    }
  }
  if (e.hot_pixels || e.hot_pixel_count) {  // (zero when struct_size ends before them)
    const int64_t limit = int64_t(frame->meta.width) * frame->meta.height / kMaxDefectShare;
    if (!e.hot_pixels || e.hot_pixel_count < 1 || e.hot_pixel_count > limit)
      return invalid_argument(name + ": hot_pixels: " + std::to_string(e.hot_pixel_count) + " points" +
                              (e.hot_pixels ? "" : " and no array") + ": needs an array of 1 to " +
                              std::to_string(limit) + " points");
    DefectList& d = frame->meta.defects;
    for (int i = 0; i < e.hot_pixel_count; ++i) d.points.push_back({e.hot_pixels[2 * i], e.hot_pixels[2 * i + 1]});
    const Status s = validate_defects(d, frame->meta.width, frame->meta.height);
    if (!s.ok()) return invalid_argument(name + ": hot_pixels: " + s.message());
  }
  return add_color_extras(e, frame);
}

}  // namespace nb
