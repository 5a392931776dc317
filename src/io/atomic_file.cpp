#include "io/atomic_file.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "nightburst/io.h"

namespace nb {

Status write_atomically(const std::string& path,
                        const std::function<Status(const std::string&)>& write) {
  namespace fs = std::filesystem;
  static std::atomic<int> counter{0};
  fs::path target(path);
  fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return io_error(path + ": directory '" + dir.string() + "' does not exist");
  if (access(dir.c_str(), W_OK) != 0) return io_error(path + ": directory '" + dir.string() + "' is not writable");
  std::string temporary = (dir / ("." + target.filename().string() + ".nbtmp." + std::to_string(getpid()) +
                                  "." + std::to_string(counter++))).string();
  Status s = write(temporary);
  if (!s.ok()) {
    std::remove(temporary.c_str());
    return s;
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(temporary.c_str());
    return io_error(path + ": cannot move the finished file into place: " + std::strerror(err));
  }
  return Status();
}

Status write_text_file(const std::string& path, const std::string& text) {
  return write_atomically(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    out.close();
    return out ? Status() : io_error(path + ": write failed (disk full?)");
  });
}

}  // namespace nb
