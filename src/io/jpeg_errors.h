// libjpeg's errors as nightburst handles them: its default reaction to an
// error is exit(); ours records the message and jumps back to the caller's
// setjmp(escape), as libjpeg's documentation prescribes.
#pragma once

// jpeglib.h needs size_t and FILE declared before it.
#include <cstddef>
#include <cstdio>
#include <jpeglib.h>

#include <csetjmp>

namespace nb {

struct JpegErrors {
  jpeg_error_mgr manager;
  std::jmp_buf escape;
  char message[JMSG_LENGTH_MAX];
};

// Set as manager.error_exit.
[[noreturn]] inline void jpeg_fail(j_common_ptr info) {
  JpegErrors* errors = reinterpret_cast<JpegErrors*>(info->err);
  (*info->err->format_message)(info, errors->message);
  std::longjmp(errors->escape, 1);
}

}  // namespace nb
