#include "io/dng_tags.h"

#include <tiffio.h>

#include <mutex>

namespace nb {
namespace {

TIFFExtendProc previous_extender = nullptr;

TIFFFieldInfo extra_fields[] = {
    {ttag_t(kTagNoiseProfile), -1, -1, TIFF_DOUBLE, FIELD_CUSTOM, 1, 1, const_cast<char*>("NoiseProfile")},
    {ttag_t(kTagExposureTime), 1, 1, TIFF_RATIONAL, FIELD_CUSTOM, 1, 0, const_cast<char*>("ExposureTime")},
    {ttag_t(kTagForwardMatrix[0]), -1, -1, TIFF_SRATIONAL, FIELD_CUSTOM, 1, 1, const_cast<char*>("ForwardMatrix1")},
    {ttag_t(kTagForwardMatrix[1]), -1, -1, TIFF_SRATIONAL, FIELD_CUSTOM, 1, 1, const_cast<char*>("ForwardMatrix2")},
    {ttag_t(kTagOpcodeList[0]), TIFF_VARIABLE2, TIFF_VARIABLE2, TIFF_UNDEFINED, FIELD_CUSTOM, 1, 1,
     const_cast<char*>("OpcodeList1")},
    {ttag_t(kTagOpcodeList[1]), TIFF_VARIABLE2, TIFF_VARIABLE2, TIFF_UNDEFINED, FIELD_CUSTOM, 1, 1,
     const_cast<char*>("OpcodeList2")},
    {ttag_t(kTagOpcodeList[2]), TIFF_VARIABLE2, TIFF_VARIABLE2, TIFF_UNDEFINED, FIELD_CUSTOM, 1, 1,
     const_cast<char*>("OpcodeList3")},
};

void extend(TIFF* tif) {
  TIFFMergeFieldInfo(tif, extra_fields, sizeof(extra_fields) / sizeof(extra_fields[0]));
  if (previous_extender) previous_extender(tif);
}

}  // namespace

void register_dng_tags() {
  static std::once_flag once;
  std::call_once(once, [] { previous_extender = TIFFSetTagExtender(extend); });
}

}  // namespace nb
