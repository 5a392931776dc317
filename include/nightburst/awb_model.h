// A learned white-balance model (FFCC), parsed once and shared between runs.
// Its own header because the white-balance stage implements it and the
// pipeline's options carry it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "nightburst/status.h"

namespace nb {

// A learned white-balance model, parsed from the bytes of a model file
// (nightburst_awb train writes them). Immutable; share it between runs.
class AwbModel {
 public:
  // `source` names the bytes (a path) in error messages.
  static Status parse(const uint8_t* data, size_t size, const std::string& source,
                      std::shared_ptr<const AwbModel>* model);
  ~AwbModel();
  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit AwbModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace nb
