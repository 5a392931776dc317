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

namespace {

std::filesystem::path directory_of(const std::string& path) {
  const std::filesystem::path target(path);
  return target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
}

}  // namespace

Status check_output_directory(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path dir = directory_of(path);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (fs::exists(dir, ec)) return io_error(path + ": '" + dir.string() + "' is not a directory");
    return io_error(path + ": directory '" + dir.string() + "' does not exist");
  }
  if (access(dir.c_str(), W_OK) != 0) return io_error(path + ": directory '" + dir.string() + "' is not writable");
  return Status();
}

Status write_atomically(const std::string& path,
                        const std::function<Status(const std::string&)>& write) {
  static std::atomic<int> counter{0};
  NB_RETURN_IF_ERROR(check_output_directory(path));
  const std::filesystem::path target(path), dir = directory_of(path);
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

Status read_binary_file(const std::string& path, size_t max_bytes, std::vector<uint8_t>* bytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return bad_input(path + ": is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error(path + ": cannot open for reading");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) return io_error(path + ": cannot determine its size");
  if (size_t(size) > max_bytes)
    return bad_input(path + ": " + std::to_string(size) + " bytes, more than the " + std::to_string(max_bytes) +
                     " allowed");
  bytes->resize(size_t(size));
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes->data()), size)) return io_error(path + ": read failed");
  return Status();
}

}  // namespace nb
