// Status: the error type of every nightburst function. A code plus a message
// that names what failed (the file, the field) and why. The library never prints.
#pragma once

#include <string>
#include <utility>

namespace nb {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // caller passed options or buffers that make no sense
  kBadInput,         // a raw file or frame is unreadable, inconsistent or unsupported
  kIoError,          // the file system refused a read or write
  kCancelled,        // the progress callback asked to stop
  kInternal,         // a bug in nightburst
};

class Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is prefixed with `context: `.
  Status with_context(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message_);
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status bad_input(std::string m) { return {StatusCode::kBadInput, std::move(m)}; }
inline Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
inline Status internal_error(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

}  // namespace nb

#define NB_RETURN_IF_ERROR(expr)                  \
  do {                                            \
    ::nb::Status nb_status_internal_ = (expr);    \
    if (!nb_status_internal_.ok()) return nb_status_internal_; \
  } while (0)
