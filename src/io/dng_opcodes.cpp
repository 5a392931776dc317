#include "io/dng_opcodes.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>

namespace nb {
namespace {

const char* opcode_name(uint32_t id) {
  static const char* names[] = {"?",           "WarpRectilinear", "WarpFisheye",   "FixVignetteRadial",
                                "FixBadPixelsConstant", "FixBadPixelsList", "TrimBounds", "MapTable",
                                "MapPolynomial", "GainMap", "DeltaPerRow", "DeltaPerColumn",
                                "ScalePerRow", "ScalePerColumn", "WarpRectilinear2"};
  return id < sizeof(names) / sizeof(names[0]) ? names[id] : "unknown";
}

// Big-endian reads within [data, data + size); `ok` turns false at the first
// read past the end, and every later read returns 0.
class BigEndianReader {
 public:
  BigEndianReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint32_t u32() {
    uint8_t b[4];
    if (!take(b, 4)) return 0;
    return uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | b[3];
  }
  double f64() {
    uint8_t b[8];
    if (!take(b, 8)) return 0;
    uint64_t bits = 0;
    for (uint8_t v : b) bits = bits << 8 | v;
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }
  float f32() {
    const uint32_t bits = u32();
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  bool ok() const { return ok_; }
  size_t remaining() const { return size_ - offset_; }
  const uint8_t* here() const { return data_ + offset_; }
  void skip(size_t n) { offset_ += std::min(n, remaining()); }

 private:
  bool take(uint8_t* out, size_t n) {
    if (!ok_ || remaining() < n) {
      ok_ = false;
      return false;
    }
    std::memcpy(out, data_ + offset_, n);
    offset_ += n;
    return true;
  }
  const uint8_t* data_;
  size_t size_;
  size_t offset_ = 0;
  bool ok_ = true;
};

class BigEndianWriter {
 public:
  void u32(uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(uint8_t(v >> shift));
  }
  void f64(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    for (int shift = 56; shift >= 0; shift -= 8) bytes.push_back(uint8_t(bits >> shift));
  }
  void f32(float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    u32(bits);
  }
  std::vector<uint8_t> bytes;
};

// Area (8 x 4 bytes) and grid header (44 bytes) before the gains.
constexpr size_t kGainMapHeaderBytes = 32 + 44;

// The GainMap's parameters, or an error naming the field that does not fit.
Status parse_gain_map(const uint8_t* data, size_t size, int list, int width, int height, GainMap* map) {
  if (size < kGainMapHeaderBytes)
    return bad_input("GainMap has " + std::to_string(size) + " bytes of parameters, fewer than its " +
                     std::to_string(kGainMapHeaderBytes) + "-byte header");
  BigEndianReader in(data, size);
  GainMap m;
  m.after_demosaic = list == 3;
  auto as_int = [](uint32_t v) { return v > uint32_t(INT32_MAX) ? -1 : int(v); };
  m.top = as_int(in.u32());
  m.left = as_int(in.u32());
  m.bottom = as_int(in.u32());
  m.right = as_int(in.u32());
  m.plane = as_int(in.u32());
  m.planes = as_int(in.u32());
  m.row_pitch = as_int(in.u32());
  m.col_pitch = as_int(in.u32());
  m.points_v = as_int(in.u32());
  m.points_h = as_int(in.u32());
  m.spacing_v = in.f64();
  m.spacing_h = in.f64();
  m.origin_v = in.f64();
  m.origin_h = in.f64();
  m.map_planes = as_int(in.u32());
  // Checked before the gains are read, so a hostile count allocates nothing.
  if (m.points_v < 1 || m.points_h < 1 || m.map_planes < 1 || m.points_v > kMaxGainMapPoints ||
      m.points_h > kMaxGainMapPoints || m.map_planes > kMaxGainMapPoints ||
      int64_t(m.points_v) * m.points_h * m.map_planes > kMaxGainMapPoints)
    return validate_gain_map(m, width, height);
  const size_t count = size_t(m.points_v) * m.points_h * m.map_planes;
  if (in.remaining() != count * 4)
    return bad_input("GainMap's " + std::to_string(m.points_h) + "x" + std::to_string(m.points_v) + "x" +
                     std::to_string(m.map_planes) + " grid needs " + std::to_string(count * 4) +
                     " bytes of gains, the opcode has " + std::to_string(in.remaining()));
  m.gains.resize(count);
  for (float& g : m.gains) g = in.f32();
  // One point along an axis: the DNG SDK ignores that axis's spacing.
  if (m.points_v == 1) m.spacing_v = 1;
  if (m.points_h == 1) m.spacing_h = 1;
  NB_RETURN_IF_ERROR(validate_gain_map(m, width, height));
  *map = std::move(m);
  return Status();
}

// FixBadPixelsList / FixBadPixelsConstant parameters into `defects`, moved
// from stored-image to frame coordinates and clipped to the frame.
Status parse_bad_pixels(uint32_t id, const uint8_t* data, size_t size, int left_margin, int top_margin, int width,
                        int height, DefectList* defects) {
  BigEndianReader in(data, size);
  if (id == kOpcodeFixBadPixelsConstant) {
    const uint32_t constant = in.u32();
    in.u32();  // BayerPhase: the frame's CFA says it
    if (!in.ok() || in.remaining() != 0)
      return bad_input("FixBadPixelsConstant has " + std::to_string(size) + " bytes of parameters, not 8");
    if (constant > 65535) return bad_input("FixBadPixelsConstant's constant " + std::to_string(constant) + " is above 65535");
    defects->constant = int(constant);
    return Status();
  }
  in.u32();  // BayerPhase
  const uint32_t points = in.u32(), rects = in.u32();
  if (!in.ok() || uint64_t(points) * 8 + uint64_t(rects) * 16 != in.remaining())
    return bad_input("FixBadPixelsList's " + std::to_string(points) + " points and " + std::to_string(rects) +
                     " rectangles need " + std::to_string(uint64_t(points) * 8 + uint64_t(rects) * 16) +
                     " bytes, the opcode has " + std::to_string(in.remaining()));
  for (uint32_t i = 0; i < points; ++i) {
    const int64_t y = int64_t(in.u32()) - top_margin, x = int64_t(in.u32()) - left_margin;
    if (x >= 0 && y >= 0 && x < width && y < height) defects->points.push_back({int(x), int(y)});
  }
  for (uint32_t i = 0; i < rects; ++i) {
    const int64_t top = int64_t(in.u32()) - top_margin, left = int64_t(in.u32()) - left_margin;
    const int64_t bottom = int64_t(in.u32()) - top_margin, right = int64_t(in.u32()) - left_margin;
    const int64_t l = std::max<int64_t>(left, 0), t = std::max<int64_t>(top, 0);
    const int64_t r = std::min<int64_t>(right, width), b = std::min<int64_t>(bottom, height);
    if (r > l && b > t) defects->rects.push_back({int(l), int(t), int(r), int(b)});
  }
  return validate_defects(*defects, width, height);
}

}  // namespace

Status parse_opcode_list(const uint8_t* data, size_t size, int list, RawMetadata* meta, int left_margin,
                         int top_margin) {
  const std::string name = "OpcodeList" + std::to_string(list);
  BigEndianReader in(data, size);
  const uint32_t count = in.u32();
  if (!in.ok()) return bad_input(name + " is cut short: it has no opcode count");
  std::map<uint32_t, int> carried;  // id -> how many, for one warning per kind
  for (uint32_t i = 0; i < count; ++i) {
    const std::string which = name + " opcode " + std::to_string(i + 1) + " of " + std::to_string(count);
    DngOpcode op;
    op.list = list;
    op.id = in.u32();
    op.dng_version = in.u32();
    op.flags = in.u32();
    const uint32_t bytes = in.u32();
    if (!in.ok())
      return bad_input(name + " is cut short: it announces " + std::to_string(count) + " opcodes and ends inside the header of opcode " + std::to_string(i + 1));
    const bool optional = op.flags & kOpcodeFlagOptional;
    const std::string label = which + " (" + opcode_name(op.id) + (optional ? ", optional)" : ")");
    if (bytes > in.remaining()) {
      const std::string why = label + " needs " + std::to_string(bytes) + " bytes of parameters, " +
                              std::to_string(in.remaining()) + " remain";
      if (!optional) return bad_input(name + " is cut short: " + why);
      meta->warnings.push_back(why + ": it and the rest of the list are left out");
      break;
    }
    if (op.id == kOpcodeGainMap && list != 1) {
      GainMap map;
      Status s = parse_gain_map(in.here(), bytes, list, meta->width, meta->height, &map);
      in.skip(bytes);
      if (s.ok()) {
        meta->gain_maps.push_back(std::move(map));
        continue;
      }
      if (!optional) return Status(s.code(), which + ": " + s.message());
      meta->warnings.push_back(label + " left out: " + s.message());
      continue;
    }
    if ((op.id == kOpcodeFixBadPixelsList || op.id == kOpcodeFixBadPixelsConstant) && list == 1) {
      DefectList defects = meta->defects;
      Status s = parse_bad_pixels(op.id, in.here(), bytes, left_margin, top_margin, meta->width, meta->height,
                                  &defects);
      in.skip(bytes);
      if (s.ok()) {
        meta->defects = std::move(defects);
        continue;
      }
      if (!optional) return Status(s.code(), which + ": " + s.message());
      meta->warnings.push_back(label + " left out: " + s.message());
      continue;
    }
    op.parameters.assign(in.here(), in.here() + bytes);
    in.skip(bytes);
    ++carried[op.id];
    meta->carried_opcodes.push_back(std::move(op));
  }
  for (const auto& [id, n] : carried)
    meta->warnings.push_back(name + ": " + std::to_string(n) + " " + opcode_name(id) + " opcode" +
                             (n == 1 ? "" : "s") + " (id " + std::to_string(id) +
                             ") not applied by nightburst; carried into the merged DNG");
  return Status();
}

std::vector<uint8_t> opcode_list_bytes(const RawMetadata& meta, int list) {
  BigEndianWriter out;
  uint32_t count = 0;
  out.u32(0);  // the count, filled in below
  const DefectList& d = meta.defects;
  if (list == 1) {
    // BayerPhase: where the top-left pixel sits in an RGGB quad.
    int red_x, red_y;
    cfa_red_position(meta.cfa, &red_x, &red_y);
    const uint32_t phase = uint32_t(red_y * 2 + red_x);
    if (d.constant >= 0) {
      for (uint32_t v : {kOpcodeFixBadPixelsConstant, 0x01030000u, 0u, 8u, uint32_t(d.constant), phase}) out.u32(v);
      ++count;
    }
    if (!d.points.empty() || !d.rects.empty()) {
      for (uint32_t v : {kOpcodeFixBadPixelsList, 0x01030000u, 0u,
                         uint32_t(12 + 8 * d.points.size() + 16 * d.rects.size()), phase,
                         uint32_t(d.points.size()), uint32_t(d.rects.size())})
        out.u32(v);
      for (const auto& [x, y] : d.points) {
        out.u32(uint32_t(y));
        out.u32(uint32_t(x));
      }
      for (const auto& [left, top, right, bottom] : d.rects)
        for (int v : {top, left, bottom, right}) out.u32(uint32_t(v));
      ++count;
    }
  }
  for (const GainMap& m : meta.gain_maps) {
    if ((list == 3) != m.after_demosaic || list == 1) continue;
    out.u32(kOpcodeGainMap);
    out.u32(0x01030000);  // DNG 1.3, which introduced opcodes
    out.u32(0);           // not optional: the image is wrong without it
    out.u32(uint32_t(kGainMapHeaderBytes + 4 * m.gains.size()));
    for (int v : {m.top, m.left, m.bottom, m.right, m.plane, m.planes, m.row_pitch, m.col_pitch,
                  m.points_v, m.points_h})
      out.u32(uint32_t(v));
    for (double v : {m.spacing_v, m.spacing_h, m.origin_v, m.origin_h}) out.f64(v);
    out.u32(uint32_t(m.map_planes));
    for (float g : m.gains) out.f32(g);
    ++count;
  }
  for (const DngOpcode& op : meta.carried_opcodes) {
    if (op.list != list) continue;
    for (uint32_t v : {op.id, op.dng_version, op.flags, uint32_t(op.parameters.size())}) out.u32(v);
    out.bytes.insert(out.bytes.end(), op.parameters.begin(), op.parameters.end());
    ++count;
  }
  if (count == 0) return {};
  for (int i = 0; i < 4; ++i) out.bytes[i] = uint8_t(count >> (24 - 8 * i));
  return out.bytes;
}

}  // namespace nb
