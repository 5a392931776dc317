// Burst loading: paths and directories to frames that agree with each other.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <set>
#include <thread>

#include "nightburst/io.h"

namespace nb {
namespace {

bool has_raw_extension(const std::filesystem::path& p) {
  static const std::set<std::string> kExtensions = {
      ".dng", ".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".raf", ".orf",
      ".rw2", ".pef", ".srw", ".3fr", ".iiq", ".erf", ".kdc", ".dcr", ".mos", ".mef", ".raw", ".rwl", ".x3f"};
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return kExtensions.count(ext) > 0;
}

}  // namespace

Status expand_burst_paths(const std::vector<std::string>& args, std::vector<std::string>* files) {
  namespace fs = std::filesystem;
  files->clear();
  for (const std::string& arg : args) {
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<std::string> found;
      for (const auto& entry : fs::directory_iterator(arg, ec))
        if (entry.is_regular_file() && has_raw_extension(entry.path())) found.push_back(entry.path().string());
      if (ec) return io_error(arg + ": cannot list the directory: " + ec.message());
      if (found.empty()) return bad_input(arg + ": directory holds no raw files");
      std::sort(found.begin(), found.end());
      files->insert(files->end(), found.begin(), found.end());
    } else {
      files->push_back(arg);
    }
  }
  if (files->empty()) return invalid_argument("no input frames given");
  return Status();
}

Status load_burst(const std::vector<std::string>& files, std::vector<RawFrame>* frames) {
  frames->clear();
  frames->resize(files.size());
  // Decoding is most of the load (LibRaw, one instance per file, is
  // thread-safe): one worker per core, each taking the next file. Errors are
  // reported for the first failing file in the order given.
  std::vector<Status> status(files.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next++) < files.size();) status[i] = read_raw_frame(files[i], &(*frames)[i]);
  };
  const size_t workers = std::min<size_t>(files.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  for (const Status& s : status) NB_RETURN_IF_ERROR(s);
  return check_burst_consistency(*frames);
}

Status check_output_path(const std::string& output, const std::vector<std::string>& inputs) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (output.empty()) return invalid_argument("output path is empty");
  if (fs::is_directory(output, ec)) return invalid_argument(output + ": output path is a directory");
  for (const std::string& in : inputs) {
    bool same = fs::exists(output, ec) && fs::equivalent(output, in, ec);
    if (!same) same = fs::weakly_canonical(output, ec) == fs::weakly_canonical(in, ec);
    if (same) return invalid_argument(output + ": output would overwrite the input " + in);
  }
  return Status();
}

}  // namespace nb
