#include "nightburst/raw_frame.h"

#include <gtest/gtest.h>

#include <cmath>

namespace nb {
namespace {

TEST(CfaTest, ColoursOfAllFourPhases) {
  // Top-left 2x2 in reading order, as the pattern's name says.
  struct Case {
    CfaPattern p;
    int c[4];
  } cases[] = {{CfaPattern::kRGGB, {0, 1, 1, 2}},
               {CfaPattern::kBGGR, {2, 1, 1, 0}},
               {CfaPattern::kGRBG, {1, 0, 2, 1}},
               {CfaPattern::kGBRG, {1, 2, 0, 1}}};
  for (const Case& k : cases) {
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(cfa_color(k.p, i & 1, i >> 1), k.c[i]) << cfa_name(k.p) << " at " << i;
      // Periodic with period 2.
      EXPECT_EQ(cfa_color(k.p, (i & 1) + 6, (i >> 1) + 4), k.c[i]);
    }
    CfaPattern parsed;
    ASSERT_TRUE(parse_cfa(cfa_name(k.p), &parsed));
    EXPECT_EQ(parsed, k.p);
  }
}

RawMetadata valid_meta() {
  RawMetadata m;
  m.width = 64;
  m.height = 48;
  m.black_level.fill(512);
  m.white_level = 16383;
  return m;
}

TEST(ValidateMetadataTest, AcceptsSaneAndRejectsAbsurdValues) {
  EXPECT_TRUE(validate_metadata(valid_meta()).ok());
  RawMetadata m = valid_meta();
  m.black_level[2] = 16383;
  EXPECT_EQ(validate_metadata(m).code(), StatusCode::kBadInput);
  m = valid_meta();
  m.white_level = NAN;
  EXPECT_FALSE(validate_metadata(m).ok());
  m = valid_meta();
  m.width = 63;
  EXPECT_FALSE(validate_metadata(m).ok());
  m = valid_meta();
  m.width = 60000;
  m.height = 60000;  // 3.6 GP: beyond the limit, refused before any allocation
  EXPECT_FALSE(validate_metadata(m).ok());
  m = valid_meta();
  m.as_shot_neutral[0] = 0;
  EXPECT_FALSE(validate_metadata(m).ok());
  m = valid_meta();
  m.noise.valid = true;
  m.noise.scale.fill(-1);
  EXPECT_FALSE(validate_metadata(m).ok());
  m = valid_meta();
  m.orientation = 9;
  EXPECT_FALSE(validate_metadata(m).ok());
}

}  // namespace
}  // namespace nb
