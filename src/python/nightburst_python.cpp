// The Python module `nightburst` (pybind11): raw frames as numpy arrays in,
// the finished photo as a numpy array and the report as a dict out. Arrays
// are shared, not copied, where their layout allows: a RawFrame made from a
// C-contiguous uint16 array views it, and the image returned views the
// pipeline's buffer. The GIL is released while the pipeline runs.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "capi/c_options.h"
#include "common/parse_options.h"
#include "capi/report_json.h"
#include "nightburst/io.h"
#include "nightburst/nightburst_c.h"
#include "nightburst/pipeline.h"
#include "nightburst/synth.h"

namespace py = pybind11;

namespace nb {
namespace {

// A Status as the Python exception a caller expects: bad options or arrays
// are ValueErrors, unreadable files OSErrors.
void raise_if_error(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk: return;
    case StatusCode::kInvalidArgument:
    case StatusCode::kBadInput: throw py::value_error(s.message());
    case StatusCode::kIoError: PyErr_SetString(PyExc_OSError, s.message().c_str()); throw py::error_already_set();
    case StatusCode::kCancelled:
    case StatusCode::kInternal: throw std::runtime_error(s.message());
  }
}

// A frame with what keeps its samples alive: the numpy array it views, if any.
struct PyRawFrame {
  RawFrame frame;
  py::object owner;
};

// A numpy view of a Halide buffer, which the array keeps alive (shallow
// copies share the allocation).
template <typename T, int D>
py::array view_of(const Halide::Runtime::Buffer<T, D>& buffer, std::vector<py::ssize_t> shape,
                  std::vector<py::ssize_t> strides_in_elements) {
  auto* keep = new Halide::Runtime::Buffer<T, D>(buffer);
  py::capsule owner(keep, [](void* p) { delete static_cast<Halide::Runtime::Buffer<T, D>*>(p); });
  std::vector<py::ssize_t> strides;
  for (py::ssize_t s : strides_in_elements) strides.push_back(s * py::ssize_t(sizeof(T)));
  py::array a(py::dtype::of<T>(), shape, strides, buffer.data(), owner);
  py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return a;
}

py::array mosaic_view(const Halide::Runtime::Buffer<uint16_t, 2>& m) {
  return view_of(m, {m.height(), m.width()}, {m.dim(1).stride(), m.dim(0).stride()});
}

// (x, y, c) planar as an H x W x 3 array (not contiguous; no copy).
template <typename T>
py::array image_view(const Halide::Runtime::Buffer<T, 3>& image) {
  return view_of(image, {image.height(), image.width(), image.channels()},
                 {image.dim(1).stride(), image.dim(0).stride(), image.dim(2).stride()});
}

template <typename T>
py::array plane_view(const Halide::Runtime::Buffer<T, 2>& plane) {
  return view_of(plane, {plane.height(), plane.width()}, {plane.dim(1).stride(), plane.dim(0).stride()});
}

const char* cfa_names[] = {"RGGB", "BGGR", "GRBG", "GBRG"};

CfaPattern cfa_from(const std::string& name) {
  CfaPattern cfa;
  if (!parse_cfa(name, &cfa)) throw py::value_error("cfa '" + name + "' is not one of RGGB, BGGR, GRBG, GBRG");
  return cfa;
}

// A frame from a numpy mosaic and its metadata (keyword arguments).
std::unique_ptr<PyRawFrame> frame_from_array(py::array mosaic, const std::string& cfa, py::object black_level,
                                             double white_level, std::array<float, 3> as_shot_neutral,
                                             py::object color_matrix, py::object noise_profile, double exposure_s,
                                             double iso, int orientation, const std::string& make,
                                             const std::string& model, const std::string& name) {
  if (mosaic.dtype().kind() != 'u' || mosaic.itemsize() != 2)
    throw py::value_error("mosaic must be a uint16 array, not " + std::string(py::str(mosaic.dtype())));
  if (mosaic.ndim() != 2)
    throw py::value_error("mosaic must be 2-D (height x width), not " + std::to_string(mosaic.ndim()) + "-D");
  if (!(mosaic.flags() & py::array::c_style))
    throw py::value_error("mosaic must be C-contiguous (numpy.ascontiguousarray makes it so)");
  auto out = std::make_unique<PyRawFrame>();
  out->owner = mosaic;
  RawFrame& f = out->frame;
  const int height = int(mosaic.shape(0)), width = int(mosaic.shape(1));
  halide_dimension_t dims[2] = {{0, width, 1, 0}, {0, height, width, 0}};
  f.mosaic = Halide::Runtime::Buffer<uint16_t, 2>(static_cast<uint16_t*>(const_cast<void*>(mosaic.data())), 2, dims);
  RawMetadata& m = f.meta;
  m.width = width;
  m.height = height;
  m.cfa = cfa_from(cfa);
  if (py::isinstance<py::float_>(black_level) || py::isinstance<py::int_>(black_level)) {
    m.black_level.fill(black_level.cast<float>());
  } else {
    const auto levels = black_level.cast<std::vector<float>>();
    if (levels.size() != 4) throw py::value_error("black_level must be a number or 4 numbers (per 2x2 position)");
    std::copy(levels.begin(), levels.end(), m.black_level.begin());
  }
  m.white_level = float(white_level);
  m.as_shot_neutral = as_shot_neutral;
  if (!color_matrix.is_none()) {
    const auto values = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(color_matrix);
    if (!values || values.size() != 9) throw py::value_error("color_matrix must have 9 numbers (XYZ -> camera, 3x3)");
    ColorCalibration c;
    std::copy(values.data(), values.data() + 9, c.color_matrix.begin());
    m.calibrations = {c};
  }
  if (!noise_profile.is_none()) {
    const auto values = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(noise_profile);
    if (!values || (values.size() != 2 && values.size() != 8))
      throw py::value_error("noise_profile must be (scale, offset), or four such pairs (per 2x2 position): "
                            "variance = scale * x + offset");
    for (int i = 0; i < 4; ++i) {
      const int pair = values.size() == 2 ? 0 : i;
      m.noise.scale[size_t(i)] = values.data()[2 * pair];
      m.noise.offset[size_t(i)] = values.data()[2 * pair + 1];
    }
    m.noise.valid = true;
  }
  m.exposure_s = exposure_s;
  m.iso = iso;
  m.orientation = orientation;
  m.make = make;
  m.model = model;
  f.source = name.empty() ? "frame" : name;
  raise_if_error(validate_metadata(m).with_context(f.source));
  return out;
}

// Keyword options as the C API's, checked where the C API checks them.
ProcessOptions options_from(const py::kwargs& kwargs) {
  nb_options o;
  nb_options_default(&o);
  bool find_unlisted_defects = true;
  for (const auto& [key_handle, value] : kwargs) {
    const std::string key = py::str(key_handle);
    if (key == "reference") {
      o.reference = value.cast<int>();
    } else if (key == "threads") {
      o.threads = value.cast<int>();
    } else if (key == "look") {
      // The CLI's and the batch manifests' spellings (apps/common/parse_options.h).
      const std::string look = value.cast<std::string>();
      const auto& looks = apps::look_names();
      if (!looks.count(look)) throw py::value_error("look '" + look + "' is not one of natural, bright, night");
      o.look = looks.at(look);
    } else if (key == "awb") {
      if (py::isinstance<py::str>(value)) {
        const std::string method = value.cast<std::string>();
        if (!apps::parse_awb(method, &o))
          throw py::value_error("awb '" + method + "' is not one of learned, grayworld, asshot, or (R, G, B)");
      } else {
        const auto rgb = value.cast<std::vector<float>>();
        if (rgb.size() != 3) throw py::value_error("awb as an illuminant needs three numbers (camera R, G, B)");
        o.awb = NB_AWB_MANUAL;
        std::copy(rgb.begin(), rgb.end(), o.manual_illuminant);
      }
    } else if (key == "chroma_denoise") {
      o.chroma_denoise = value.cast<float>();
    } else if (key == "sharpen") {
      o.sharpen = value.cast<float>();
    } else if (key == "superres_scale") {
      o.superres_scale = value.cast<float>();
    } else if (key == "find_unlisted_defects") {
      find_unlisted_defects = value.cast<bool>();
    } else {
      throw py::type_error("unexpected option '" + key +
                           "' (options: reference, threads, look, awb, chroma_denoise, sharpen, superres_scale, "
                           "find_unlisted_defects)");
    }
  }
  ProcessOptions options;
  raise_if_error(process_options_from_c(&o, &options));
  options.find_unlisted_defects = find_unlisted_defects;
  return options;
}

// A frame argument: a path (str or os.PathLike) or a RawFrame.
bool is_path(const py::handle& item) { return py::isinstance<py::str>(item) || py::hasattr(item, "__fspath__"); }

std::string path_of(const py::handle& item) {
  return py::str(py::module_::import("os").attr("fspath")(item)).cast<std::string>();
}

const RawFrame& frame_of(const py::handle& item) {
  if (!py::isinstance<PyRawFrame>(item))
    throw py::type_error("a frame must be a path or a nightburst.RawFrame, not " +
                         std::string(py::str(item.get_type().attr("__name__"))));
  return item.cast<const PyRawFrame&>().frame;
}

py::tuple image_and_report(const Halide::Runtime::Buffer<uint16_t, 3>& srgb, const ProcessReport& report) {
  py::object loads = py::module_::import("json").attr("loads");
  return py::make_tuple(image_view(srgb), loads(report_to_json(report)));
}

// The frames given as paths (read, streamed) or RawFrames (shared).
py::tuple process(const py::iterable& frames, const py::kwargs& kwargs) {
  const ProcessOptions options = options_from(kwargs);
  std::vector<std::string> paths;
  std::vector<RawFrame> given;
  for (const py::handle& item : frames) {
    if (is_path(item)) {
      paths.push_back(path_of(item));
    } else {
      given.push_back(frame_of(item));  // shallow: the Python objects keep the samples
    }
  }
  if (!paths.empty() && !given.empty())
    throw py::value_error("frames must be all paths or all RawFrames, not a mix");
  if (paths.empty() && given.empty()) throw py::value_error("no frames");
  if (!paths.empty()) {
    FileBurstOutput out;
    Status s;
    {
      py::gil_scoped_release release;
      s = process_files(paths, options, false, &out);
    }
    raise_if_error(s);
    return image_and_report(out.srgb, out.report);
  }
  ProcessResult result;
  Status s;
  {
    py::gil_scoped_release release;
    s = process_burst(given, options, &result);
  }
  raise_if_error(s);
  return image_and_report(result.srgb, result.report);
}

// A session fed frame by frame, as a camera delivers them.
class PySession {
 public:
  explicit PySession(const py::kwargs& kwargs) : session_(std::make_unique<BurstSession>(options_from(kwargs))) {}

  void add_frame(const py::object& frame) {
    if (!session_) throw py::value_error("the session is finished");
    RawFrame f;
    const bool read_here = is_path(frame);  // then nobody else holds its samples
    if (read_here) {
      const std::string path = path_of(frame);
      Status s;
      {
        py::gil_scoped_release release;
        s = read_raw_frame(path, &f);
      }
      raise_if_error(s);
    } else {
      f = frame_of(frame);
    }
    Status s;
    {
      py::gil_scoped_release release;
      if (read_here) {
        s = session_->take_frame(std::move(f));
      } else {
        s = session_->add_frame(std::move(f));
        // The caller may change or drop its array after this call.
        session_->copy_held_frames();
      }
    }
    raise_if_error(s);
  }

  py::tuple finish() {
    if (!session_) throw py::value_error("the session is finished");
    ProcessResult result;
    Status s;
    {
      py::gil_scoped_release release;
      s = session_->finish(&result);
    }
    session_.reset();
    raise_if_error(s);
    return image_and_report(result.srgb, result.report);
  }

 private:
  std::unique_ptr<BurstSession> session_;
};

std::unique_ptr<PyRawFrame> read_raw(const std::string& path) {
  auto out = std::make_unique<PyRawFrame>();
  Status s;
  {
    py::gil_scoped_release release;
    s = read_raw_frame(path, &out->frame);
  }
  raise_if_error(s);
  return out;
}

// A synthetic burst and its ground truth (nightburst synth's options).
py::dict synth(const py::kwargs& kwargs) {
  SynthOptions o;
  for (const auto& [key_handle, value] : kwargs) {
    const std::string key = py::str(key_handle);
    if (key == "width") o.width = value.cast<int>();
    else if (key == "height") o.height = value.cast<int>();
    else if (key == "frames") o.frames = value.cast<int>();
    else if (key == "seed") o.seed = value.cast<uint64_t>();
    else if (key == "shot_noise") o.shot_noise = value.cast<double>();
    else if (key == "read_noise") o.read_noise = value.cast<double>();
    else if (key == "scene_mean") o.scene_mean = value.cast<double>();
    else if (key == "motion") o.motion_sigma_px = value.cast<double>();
    else if (key == "moving_object") o.moving_object = value.cast<bool>();
    else if (key == "kelvin") o.illuminant_kelvin = value.cast<double>();
    else if (key == "cfa") o.cfa = cfa_from(value.cast<std::string>());
    else
      throw py::type_error("unexpected option '" + key +
                           "' (options: width, height, frames, seed, shot_noise, read_noise, scene_mean, motion, "
                           "moving_object, kelvin, cfa)");
  }
  SynthBurst burst;
  Status s;
  {
    py::gil_scoped_release release;
    s = make_synthetic_burst(o, &burst);
  }
  raise_if_error(s);
  py::list frames;
  for (RawFrame& f : burst.frames) {
    auto frame = std::make_unique<PyRawFrame>();
    frame->frame = f;
    frames.append(py::cast(std::move(frame)));
  }
  py::dict out;
  out["frames"] = frames;
  out["clean_mosaic"] = plane_view(burst.clean_mosaic);  // normalised, noise-free, the reference's geometry
  out["clean_srgb"] = image_view(burst.clean_srgb);      // the scene as drawn, sRGB-encoded 0..1
  out["illuminant_rgb"] = burst.illuminant_rgb;
  out["reference"] = burst.reference;
  return out;
}

}  // namespace
}  // namespace nb

PYBIND11_MODULE(nightburst, m) {
  using namespace nb;
  m.doc() = "Burst photography for night scenes: HDR+ merge, Super Res Zoom, learned white balance.";
  m.attr("__version__") = NIGHTBURST_VERSION;

  py::class_<PyRawFrame>(m, "RawFrame", "One Bayer mosaic and its metadata.")
      .def(py::init(&frame_from_array), py::arg("mosaic"), py::kw_only(), py::arg("cfa") = "RGGB",
           py::arg("black_level") = py::int_(0), py::arg("white_level"),
           py::arg("as_shot_neutral") = std::array<float, 3>{1, 1, 1}, py::arg("color_matrix") = py::none(),
           py::arg("noise_profile") = py::none(), py::arg("exposure_s") = 0.0, py::arg("iso") = 0.0,
           py::arg("orientation") = 1, py::arg("make") = "", py::arg("model") = "", py::arg("name") = "",
           "A frame viewing `mosaic` (H x W uint16, C-contiguous; not copied). black_level: one number or "
           "four (per 2x2 position); color_matrix: XYZ -> camera (9 numbers); noise_profile: (scale, offset), "
           "or four pairs, with variance = scale * x + offset for x normalised to [0, 1].")
      .def_property_readonly("mosaic", [](const PyRawFrame& f) { return mosaic_view(f.frame.mosaic); },
                             "The samples, H x W uint16 (a read-only view).")
      .def_property_readonly("width", [](const PyRawFrame& f) { return f.frame.meta.width; })
      .def_property_readonly("height", [](const PyRawFrame& f) { return f.frame.meta.height; })
      .def_property_readonly("cfa", [](const PyRawFrame& f) { return std::string(cfa_names[int(f.frame.meta.cfa)]); })
      .def_property_readonly("black_level", [](const PyRawFrame& f) { return f.frame.meta.black_level; })
      .def_property_readonly("white_level", [](const PyRawFrame& f) { return f.frame.meta.white_level; })
      .def_property_readonly("as_shot_neutral", [](const PyRawFrame& f) { return f.frame.meta.as_shot_neutral; })
      .def_property_readonly("color_matrix",
                             [](const PyRawFrame& f) -> py::object {
                               if (f.frame.meta.calibrations.empty()) return py::none();
                               return py::cast(f.frame.meta.calibrations[0].color_matrix);
                             })
      .def_property_readonly("noise_profile",
                             [](const PyRawFrame& f) -> py::object {
                               const NoiseProfile& n = f.frame.meta.noise;
                               if (!n.valid) return py::none();
                               py::list pairs;
                               for (int i = 0; i < 4; ++i) pairs.append(py::make_tuple(n.scale[size_t(i)], n.offset[size_t(i)]));
                               return pairs;
                             },
                             "(scale, offset) per 2x2 position, or None (estimated from the frame).")
      .def_property_readonly("exposure_s", [](const PyRawFrame& f) { return f.frame.meta.exposure_s; })
      .def_property_readonly("iso", [](const PyRawFrame& f) { return f.frame.meta.iso; })
      .def_property_readonly("orientation", [](const PyRawFrame& f) { return f.frame.meta.orientation; })
      .def_property_readonly("make", [](const PyRawFrame& f) { return f.frame.meta.make; })
      .def_property_readonly("model", [](const PyRawFrame& f) { return f.frame.meta.model; })
      .def_property_readonly("name", [](const PyRawFrame& f) { return f.frame.source; })
      .def("__repr__", [](const PyRawFrame& f) {
        return "<nightburst.RawFrame " + f.frame.source + " " + std::to_string(f.frame.meta.width) + "x" +
               std::to_string(f.frame.meta.height) + " " + cfa_names[int(f.frame.meta.cfa)] + ">";
      });

  m.def("read_raw", &read_raw, py::arg("path"), "Reads a raw file (anything LibRaw reads; DNG tags in full).");
  m.def("process", &process, py::arg("frames"),
        "Merges and finishes a burst: frames are paths or RawFrames. Options: reference (-1: the sharpest of "
        "the first three), threads, look ('natural', 'bright', 'night'), awb ('learned', 'grayworld', 'asshot' "
        "or a camera-RGB illuminant), chroma_denoise, sharpen, superres_scale, find_unlisted_defects. Returns "
        "(image, report): image H x W x 3 uint16 sRGB, report the JSON report as a dict.");
  py::class_<PySession>(m, "Session", "A burst fed frame by frame (paths or RawFrames), as a camera delivers it.")
      .def(py::init<const py::kwargs&>())
      .def("add_frame", &PySession::add_frame, py::arg("frame"))
      .def("finish", &PySession::finish, "Returns (image, report), as process() does.");
  m.def("synth", &synth,
        "A synthetic night burst with ground truth: {'frames': [RawFrame], 'clean_mosaic', 'clean_srgb', "
        "'illuminant_rgb', 'reference'}. Options: width, height, frames, seed, shot_noise, read_noise, "
        "scene_mean, motion, moving_object, kelvin, cfa.");
}
