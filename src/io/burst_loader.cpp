// Burst loading: paths and directories to frames that agree with each other.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "nightburst/io.h"

namespace nb {
namespace {

bool has_raw_extension(const std::filesystem::path& p) {
  static const std::set<std::string> kExtensions = {".dng", ".cr2", ".cr3", ".crw", ".nef", ".nrw",
                                                    ".arw", ".srf", ".sr2", ".raf", ".orf", ".rw2",
                                                    ".pef", ".srw", ".3fr", ".iiq", ".erf", ".kdc",
                                                    ".dcr", ".mos", ".mef", ".raw", ".rwl", ".x3f"};
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
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
        if (entry.is_regular_file() && has_raw_extension(entry.path()))
          found.push_back(entry.path().string());
      if (ec) return io_error(arg + ": cannot list the directory: " + ec.message());
      if (found.empty()) return bad_input(arg + ": directory holds no raw files");
      std::sort(found.begin(), found.end());
      files->insert(files->end(), found.begin(), found.end());
    } else {
      // Named now, before any frame is decoded or any work is announced.
      if (!fs::exists(arg, ec)) return io_error(arg + ": no such file");
      files->push_back(arg);
    }
  }
  if (files->empty()) return invalid_argument("no input frames given");
  return Status();
}

Status stream_burst(const std::vector<std::string>& files,
                    const std::function<Status(RawFrame&&)>& consume, double* decode_ms,
                    int workers_wanted) {
  // Decoding (LibRaw, one instance per file, thread-safe) runs on one worker
  // per core, each taking the next file while it is at most kLookahead frames
  // ahead of the consumer: the frames the session holds before its
  // reference is known come two at a time, later ones while the consumer
  // aligns and merges, and no more than kLookahead decoded frames wait in
  // memory. Two, not more: decoding a frame takes a fraction of merging one,
  // and a third waiting frame was 23 MB more at the burst's peak (12 MP),
  // at the merge's start, with nothing gained in time.
  constexpr size_t kLookahead = 2;
  struct Slot {
    RawFrame frame;
    Status status;
    bool ready = false;
  };
  std::vector<Slot> slots(files.size());
  std::mutex mutex;
  std::condition_variable changed;
  size_t next = 0, consumed = 0;
  bool stop = false;
  double decode_total_ms = 0;
  auto work = [&] {
    std::unique_lock<std::mutex> lock(mutex);
    while (true) {
      changed.wait(lock,
                   [&] { return stop || next >= files.size() || next < consumed + kLookahead; });
      if (stop || next >= files.size()) return;
      const size_t i = next++;
      lock.unlock();
      const auto start = std::chrono::steady_clock::now();
      RawFrame frame;
      Status status = read_raw_frame(files[i], &frame);
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
      lock.lock();
      slots[i].frame = std::move(frame);
      slots[i].status = std::move(status);
      slots[i].ready = true;
      decode_total_ms += ms;
      changed.notify_all();
    }
  };
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const size_t workers =
      std::min<size_t>(files.size(), workers_wanted > 0 ? size_t(workers_wanted) : cores);
  std::vector<std::thread> pool;
  for (size_t w = 0; w < workers; ++w) pool.emplace_back(work);
  Status result;
  for (size_t i = 0; i < files.size() && result.ok(); ++i) {
    RawFrame frame;
    {
      std::unique_lock<std::mutex> lock(mutex);
      changed.wait(lock, [&] { return slots[i].ready; });
      result = slots[i].status;
      frame = std::move(slots[i].frame);
      slots[i].frame = RawFrame();
      consumed = i + 1;
      changed.notify_all();
    }
    if (result.ok()) result = consume(std::move(frame));
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    stop = true;
    changed.notify_all();
  }
  for (std::thread& t : pool) t.join();
  if (decode_ms) *decode_ms = decode_total_ms;
  return result;
}

Status process_files(const std::vector<std::string>& files, const ProcessOptions& options, bool with_merged,
                     FileBurstOutput* out, double* decode_ms, int decode_workers) {
  BurstSession session(options);
  // The loader's frames are read for the session and nobody else: held
  // until the reference is known with no copy, repaired in place.
  NB_RETURN_IF_ERROR(stream_burst(
      files, [&](RawFrame&& frame) { return session.take_frame(std::move(frame)); }, decode_ms, decode_workers));
  ProcessResult result;
  NB_RETURN_IF_ERROR(session.finish(&result));
  out->srgb = std::move(result.srgb);
  out->photo = photo_info(result.merged_meta);
  if (with_merged) {
    out->merged.mosaic = quantise_mosaic(result.merged, result.merged_meta);
    out->merged.meta = std::move(result.merged_meta);
    out->merged.source = "merged";
  }
  out->report = std::move(result.report);
  out->diagnostics = std::move(result.diagnostics);
  return Status();
}

Status load_burst(const std::vector<std::string>& files, std::vector<RawFrame>* frames) {
  frames->clear();
  NB_RETURN_IF_ERROR(stream_burst(files, [&](RawFrame&& frame) {
    frames->push_back(std::move(frame));
    return Status();
  }));
  return check_burst_consistency(*frames);
}

namespace {

// The path a write to `p` would create or replace: symbolic links followed,
// also one whose target does not exist yet (which weakly_canonical leaves
// as it is), then `.`, `..` and linked folders resolved.
std::filesystem::path written_path(const std::string& p) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path path(p);
  for (int links = 0; links < 40 && fs::is_symlink(path, ec); ++links) {
    const fs::path target = fs::read_symlink(path, ec);
    if (ec) break;
    path = target.is_absolute() ? target : path.parent_path() / target;
  }
  const fs::path resolved = fs::weakly_canonical(path, ec);
  return ec ? fs::absolute(path, ec).lexically_normal() : resolved;
}

}  // namespace

bool same_file(const std::string& a, const std::string& b) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // Hard links and symbolic links to an existing file: the same inode.
  if (fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec)) return true;
  // Files not written yet: the same path once links and `..` are resolved.
  return written_path(a) == written_path(b);
}

Status check_output_path(const std::string& output, const std::vector<std::string>& inputs) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (output.empty()) return invalid_argument("output path is empty");
  if (fs::is_directory(output, ec))
    return invalid_argument(output + ": output path is a directory");
  for (const std::string& in : inputs)
    if (same_file(output, in)) return invalid_argument(output + ": output would overwrite the input " + in);
  return Status();
}

Status check_distinct_outputs(const std::vector<NamedOutput>& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i)
    for (size_t j = i + 1; j < outputs.size(); ++j) {
      const NamedOutput &a = outputs[i], &b = outputs[j];
      if (a.path.empty() || b.path.empty() || !same_file(a.path, b.path)) continue;
      return invalid_argument(b.path + ": " + b.option + " names the same file as " + a.option + " (" + a.path +
                              "); give each output its own path");
    }
  return Status();
}

Status check_output_extension(const std::string& path, const std::string& option,
                              const std::vector<std::string>& extensions, const std::string& format) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const std::string& e : extensions)
    if (ext == e) return Status();
  std::string list;
  for (const std::string& e : extensions) list += (list.empty() ? "" : ", ") + e;
  return invalid_argument(path + ": " + option + " writes " + format + "; its file name must end in " + list +
                          (ext.empty() ? std::string(", and it has no extension")
                                       : ", not " + std::filesystem::path(path).extension().string()));
}

}  // namespace nb
