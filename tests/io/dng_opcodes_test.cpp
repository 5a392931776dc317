// DNG opcode lists: GainMaps read into the frame's metadata and written back
// into the merged DNG, other opcodes carried as they are, and every list
// that does not fit the image refused or (when optional) left out with a
// warning, naming the field.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "io/dng_opcodes.h"
#include "nightburst/io.h"
#include "test_util.h"

namespace nb {
namespace {

// Opcode list bytes, big-endian, built field by field.
struct ListBuilder {
  std::vector<uint8_t> bytes{0, 0, 0, 0};
  uint32_t count = 0;
  void u32(uint32_t v, std::vector<uint8_t>* out) {
    for (int shift = 24; shift >= 0; shift -= 8) out->push_back(uint8_t(v >> shift));
  }
  void f64(double d, std::vector<uint8_t>* out) {
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    for (int shift = 56; shift >= 0; shift -= 8) out->push_back(uint8_t(bits >> shift));
  }
  void opcode(uint32_t id, uint32_t flags, const std::vector<uint8_t>& parameters) {
    for (uint32_t v : {id, 0x01030000u, flags, uint32_t(parameters.size())}) u32(v, &bytes);
    bytes.insert(bytes.end(), parameters.begin(), parameters.end());
    ++count;
    for (int i = 0; i < 4; ++i) bytes[size_t(i)] = uint8_t(count >> (24 - 8 * i));
  }
  // A GainMap's parameters: area and pitch as given, a points_h x points_v grid of 1.5.
  std::vector<uint8_t> gain_map(std::vector<uint32_t> area_plane_pitch, uint32_t points_v, uint32_t points_h,
                                double spacing, uint32_t gains_written) {
    std::vector<uint8_t> p;
    for (uint32_t v : area_plane_pitch) u32(v, &p);
    u32(points_v, &p);
    u32(points_h, &p);
    for (double d : {spacing, spacing, 0.0, 0.0}) f64(d, &p);
    u32(1, &p);
    float g = 1.5f;
    uint32_t bits;
    std::memcpy(&bits, &g, 4);
    for (uint32_t i = 0; i < gains_written; ++i) u32(bits, &p);
    return p;
  }
};

RawMetadata frame_meta() {
  RawMetadata m;
  m.width = 512;
  m.height = 384;
  return m;
}

// A phone's lens shading and a lens-distortion opcode survive the trip
// through a DNG exactly: the maps as numbers, the unknown opcode as bytes,
// in their lists; the reader says it does not apply the distortion.
TEST(DngOpcodes, GainMapsAndCarriedOpcodesRoundTripThroughADng) {
  SynthOptions o = testing::small_options(31);
  o.frames = 1;
  o.vignette_stops = 1.5;
  SynthBurst b = testing::make_burst(o);
  RawFrame& f = b.frames[0];
  ASSERT_EQ(f.meta.gain_maps.size(), 4u);
  DngOpcode warp;
  warp.list = 3;
  warp.id = 1;  // WarpRectilinear
  warp.dng_version = 0x01030000;
  warp.flags = 1;
  warp.parameters = {0, 0, 0, 1, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0};
  f.meta.carried_opcodes.push_back(warp);
  testing::TempDir dir;
  const std::string path = dir.file("frame.dng");
  ASSERT_TRUE(write_dng(path, f.mosaic, f.meta).ok());
  RawFrame back;
  const Status s = read_raw_frame(path, &back);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(back.meta.gain_maps.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    const GainMap &a = f.meta.gain_maps[i], &r = back.meta.gain_maps[i];
    EXPECT_EQ(std::vector<int>({r.top, r.left, r.bottom, r.right, r.plane, r.planes, r.row_pitch, r.col_pitch,
                                r.points_v, r.points_h, r.map_planes}),
              std::vector<int>({a.top, a.left, a.bottom, a.right, a.plane, a.planes, a.row_pitch, a.col_pitch,
                                a.points_v, a.points_h, a.map_planes}));
    EXPECT_EQ(r.spacing_v, a.spacing_v);
    EXPECT_EQ(r.spacing_h, a.spacing_h);
    EXPECT_EQ(r.gains, a.gains);
    EXPECT_FALSE(r.after_demosaic);
  }
  ASSERT_EQ(back.meta.carried_opcodes.size(), 1u);
  const DngOpcode& c = back.meta.carried_opcodes[0];
  EXPECT_EQ(c.list, 3);
  EXPECT_EQ(c.id, 1u);
  EXPECT_EQ(c.flags, 1u);
  EXPECT_EQ(c.parameters, warp.parameters);
  ASSERT_EQ(back.meta.warnings.size(), 1u);
  EXPECT_EQ(back.meta.warnings[0],
            "OpcodeList3: 1 WarpRectilinear opcode (id 1) not applied by nightburst; carried into the merged DNG");
}

// Lists whose GainMap does not fit the image: refused with the opcode and
// the field named; the same marked optional: left out with a warning.
TEST(DngOpcodes, GainMapsThatDoNotFitAreRefusedOrLeftOutWhenOptional) {
  ListBuilder b;
  struct Case {
    const char* what;
    std::vector<uint8_t> parameters;
    const char* message;
  };
  const Case cases[] = {
      {"plane 1 of a mosaic", b.gain_map({0, 0, 384, 512, 1, 1, 2, 2}, 2, 2, 1.0, 4),
       "planes 1..1 are not the CFA mosaic's one plane (0)"},
      {"an area beyond the frame", b.gain_map({0, 0, 400, 512, 0, 1, 2, 2}, 2, 2, 1.0, 4),
       "area rows 0..400, columns 0..512 is empty or outside the 512x384 frame"},
      {"zero spacing", b.gain_map({0, 0, 384, 512, 0, 1, 2, 2}, 2, 2, 0.0, 4), "map spacing must be positive"},
      {"too few gains", b.gain_map({0, 0, 384, 512, 0, 1, 2, 2}, 2, 2, 1.0, 3),
       "grid needs 16 bytes of gains, the opcode has 12"},
      {"a hostile grid", b.gain_map({0, 0, 384, 512, 0, 1, 2, 2}, 100000, 100000, 1.0, 0), "larger than"},
      {"no header", std::vector<uint8_t>(20, 0), "fewer than its 76-byte header"},
  };
  for (const Case& c : cases) {
    for (uint32_t flags : {0u, 1u}) {
      ListBuilder list;
      list.opcode(kOpcodeGainMap, flags, c.parameters);
      RawMetadata m = frame_meta();
      const Status s = parse_opcode_list(list.bytes.data(), list.bytes.size(), 2, &m);
      EXPECT_TRUE(m.gain_maps.empty()) << c.what;
      if (flags == 0) {
        EXPECT_FALSE(s.ok()) << c.what;
        EXPECT_NE(s.message().find("OpcodeList2 opcode 1 of 1"), std::string::npos) << s.message();
        EXPECT_NE(s.message().find(c.message), std::string::npos) << c.what << ": " << s.message();
      } else {
        EXPECT_TRUE(s.ok()) << c.what << ": " << s.message();
        ASSERT_EQ(m.warnings.size(), 1u) << c.what;
        EXPECT_NE(m.warnings[0].find("(GainMap, optional) left out"), std::string::npos) << m.warnings[0];
        EXPECT_NE(m.warnings[0].find(c.message), std::string::npos) << c.what << ": " << m.warnings[0];
      }
    }
  }
}

// A list cut short: inside an opcode's header, or inside its parameters.
TEST(DngOpcodes, ListsCutShortAreRefused) {
  ListBuilder list;
  list.opcode(kOpcodeGainMap, 0, list.gain_map({0, 0, 384, 512, 0, 1, 2, 2}, 2, 2, 1.0, 4));
  list.opcode(kOpcodeGainMap, 0, list.gain_map({1, 1, 384, 512, 0, 1, 2, 2}, 2, 2, 1.0, 4));
  const std::vector<uint8_t>& full = list.bytes;
  RawMetadata whole = frame_meta();
  ASSERT_TRUE(parse_opcode_list(full.data(), full.size(), 2, &whole).ok());
  EXPECT_EQ(whole.gain_maps.size(), 2u);
  for (size_t cut : {size_t(2), full.size() - 100, full.size() - 150, full.size() - 1}) {
    RawMetadata m = frame_meta();
    const Status s = parse_opcode_list(full.data(), cut, 2, &m);
    EXPECT_FALSE(s.ok()) << cut;
    EXPECT_NE(s.message().find("OpcodeList2 is cut short"), std::string::npos) << cut << ": " << s.message();
  }
}

// A DNG whose opcode list says it has more opcodes than it holds: the file
// is refused, named, with the reason.
TEST(DngOpcodes, DngWithADamagedListIsRefusedWithItsName) {
  SynthOptions o = testing::small_options(32);
  o.frames = 1;
  o.vignette_stops = 1;
  SynthBurst b = testing::make_burst(o);
  testing::TempDir dir;
  const std::string path = dir.file("damaged.dng");
  ASSERT_TRUE(write_dng(path, b.frames[0].mosaic, b.frames[0].meta).ok());
  std::string bytes = testing::read_bytes(path);
  // The list starts with its count (4) and the first opcode's id (9).
  const std::string start("\0\0\0\4\0\0\0\x09", 8);
  const size_t at = bytes.find(start);
  ASSERT_NE(at, std::string::npos);
  bytes[at + 3] = 5;
  testing::write_bytes(path, bytes);
  RawFrame frame;
  const Status s = read_raw_frame(path, &frame);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(path + ": OpcodeList2 is cut short: it announces 5 opcodes"), std::string::npos)
      << s.message();
}

// Listed defects travel as FixBadPixelsList and FixBadPixelsConstant in
// OpcodeList1, whose coordinates are the stored image's: read back with the
// frame's margins, points move into the frame and those in the margins go.
TEST(DngOpcodes, BadPixelListsRoundTripAndFollowTheMargins) {
  RawMetadata m = frame_meta();
  m.defects.points = {{3, 4}, {100, 200}};
  m.defects.rects = {{10, 20, 11, 60}};
  m.defects.constant = 4095;
  const std::vector<uint8_t> list = opcode_list_bytes(m, 1);
  RawMetadata back = frame_meta();
  ASSERT_TRUE(parse_opcode_list(list.data(), list.size(), 1, &back).ok());
  EXPECT_EQ(back.defects.points, m.defects.points);
  EXPECT_EQ(back.defects.rects, m.defects.rects);
  EXPECT_EQ(back.defects.constant, 4095);
  EXPECT_TRUE(back.warnings.empty());
  // The same list read for a frame 8 columns and 6 rows into the stored image.
  RawMetadata shifted = frame_meta();
  ASSERT_TRUE(parse_opcode_list(list.data(), list.size(), 1, &shifted, 8, 6).ok());
  EXPECT_EQ(shifted.defects.points, (std::vector<std::array<int, 2>>{{92, 194}}));
  EXPECT_EQ(shifted.defects.rects, (std::vector<std::array<int, 4>>{{2, 14, 3, 54}}));
  // Through a DNG file: the synthetic frame's defects come back as written.
  SynthOptions o = testing::small_options(33);
  o.frames = 1;
  o.defective_pixels = 30;
  o.stuck_columns = 2;
  o.list_defects = true;
  SynthBurst b = testing::make_burst(o);
  testing::TempDir dir;
  const std::string path = dir.file("frame.dng");
  ASSERT_TRUE(write_dng(path, b.frames[0].mosaic, b.frames[0].meta).ok());
  RawFrame read;
  const Status s = read_raw_frame(path, &read);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(read.meta.defects.points, b.frames[0].meta.defects.points);
  EXPECT_EQ(read.meta.defects.rects, b.frames[0].meta.defects.rects);
}

}  // namespace
}  // namespace nb
