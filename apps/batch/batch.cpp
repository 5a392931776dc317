#include "batch/batch.h"

#include <HalideRuntime.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "batch/catalog.h"
#include "capi/c_options.h"
#include "capi/report_json.h"
#include "common/cli_words.h"
#include "common/parse_options.h"
#include "nightburst/io.h"

namespace nb::batch {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Progress: a redrawn bar on a terminal, one line per burst otherwise.
class Progress {
 public:
  Progress(size_t total, bool quiet)
      : total_(total), quiet_(quiet), tty_(isatty(STDERR_FILENO)), start_(Clock::now()) {}

  void finished(const std::string& id, const std::string& outcome, bool failed, bool skipped) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++(failed ? failed_ : skipped ? skipped_ : done_);
    if (quiet_) return;
    const size_t finished = done_ + failed_ + skipped_;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    const size_t processed = done_ + failed_;  // skipped bursts take no time
    const double eta = processed ? elapsed / processed * (total_ - finished) : 0;
    char counts[160];
    std::snprintf(counts, sizeof counts, "%zu/%zu (%zu done, %zu skipped, %zu failed), ETA %.0f s",
                  finished, total_, done_, skipped_, failed_, eta);
    if (tty_) {
      const int width = 30, filled = int(width * finished / std::max<size_t>(1, total_));
      std::fprintf(stderr, "\r[%s%s] %s\033[K", std::string(filled, '#').c_str(),
                   std::string(width - filled, '.').c_str(), counts);
      if (failed)
        std::fprintf(stderr, "\nnightburst: batch: %s: %s\n", id.c_str(), outcome.c_str());
      if (finished == total_) std::fprintf(stderr, "\n");
    } else {
      std::fprintf(stderr, "nightburst: batch: %s %s; %s\n", id.c_str(), outcome.c_str(), counts);
    }
  }
  size_t failed() const { return failed_; }

 private:
  size_t total_, done_ = 0, skipped_ = 0, failed_ = 0;
  bool quiet_, tty_;
  Clock::time_point start_;
  std::mutex mutex_;
};

std::string hex(uint64_t v) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(v));
  return text;
}

std::string output_path(const std::string& out_dir, const BurstJob& job) {
  return (fs::path(out_dir) / (job.id + ".png")).string();
}

struct JobResult {
  CatalogRow row;
  bool skipped = false;
};

JobResult run_job(const BurstJob& job, const std::string& out_dir, int threads, int decode_workers,
                  Catalog* catalog) {
  JobResult r;
  r.row.id = job.id;
  r.row.options = job.options.dump();
  r.row.inputs = nlohmann::json(job.inputs).dump();
  // Until the files are read, the key is that of what the manifest says
  // (inputs and options), so a burst that cannot be read still gets its row.
  r.row.key = unread_job_key(job);
  const auto start = Clock::now();
  auto fail = [&](const Status& s) {
    r.row.status = "failed";
    r.row.error = s.message();
    r.row.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return r;
  };
  std::vector<std::string> files;
  Status s = expand_burst_paths(job.inputs, &files);
  if (!s.ok()) return fail(s);
  r.row.inputs = nlohmann::json(files).dump();
  nb_options options;
  int bits = 8;
  s = job_options(job.options, &options, &bits);
  if (!s.ok()) return fail(s);
  options.threads = threads;
  s = job_key(files, job.options, &r.row.key);
  if (!s.ok()) return fail(s);
  const std::string output = output_path(out_dir, job);
  std::string recorded;
  std::error_code ec;
  if (catalog->done(job.id, r.row.key, &recorded) && recorded == output && fs::exists(output, ec)) {
    r.skipped = true;
    return r;
  }
  s = check_output_path(output, files);
  FileBurstOutput result;
  ProcessOptions process_options;
  if (s.ok()) s = process_options_from_c(&options, &process_options);
  if (s.ok()) s = process_files(files, process_options, /*with_merged=*/false, &result, nullptr, decode_workers);
  if (s.ok()) s = write_png(output, result.srgb, bits);
  if (!s.ok()) return fail(s);
  r.row.status = "done";
  r.row.output = output;
  r.row.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  nlohmann::json report = nlohmann::json::parse(report_to_json(result.report));
  report["stage_ms"]["total"] = r.row.seconds * 1000;
  r.row.report = report.dump(2);
  return r;
}

}  // namespace

Status job_options(const nlohmann::json& options, nb_options* out, int* bits) {
  nb_options_default(out);
  *bits = 8;
  for (const auto& [key, value] : options.items()) {
    const std::string bad = "option " + key + "=" + value.dump() + ": ";
    const std::string text = value.is_string() ? value.get<std::string>() : "";
    if (key == "look") {
      const auto look = apps::look_names().find(text);
      if (look == apps::look_names().end())
        return invalid_argument(bad + "look must be natural, bright or night");
      out->look = look->second;
    } else if (key == "awb") {
      if (!apps::parse_awb(text, out))
        return invalid_argument(bad + "awb must be learned, grayworld, asshot or R,G,B");
    } else if (key == "ref") {
      if (!value.is_number_integer() || value.get<int>() < 0)
        return invalid_argument(bad + "ref must be a frame index");
      out->reference = value.get<int>();
    } else if (key == "bits") {
      if (!value.is_number_integer() || (value.get<int>() != 8 && value.get<int>() != 16))
        return invalid_argument(bad + "bits must be 8 or 16");
      *bits = value.get<int>();
    } else if (key == "chroma_denoise" || key == "sharpen") {
      const double limit = key == "sharpen" ? 4 : 1;
      if (!value.is_number() || !(value.get<double>() >= 0 && value.get<double>() <= limit))
        return invalid_argument(bad + key + " must be a number in [0, " +
                                std::to_string(int(limit)) + "]");
      (key == "sharpen" ? out->sharpen : out->chroma_denoise) = value.get<float>();
    } else if (key == "superres") {
      if (!value.is_number() || !(value.get<double>() >= 1 && value.get<double>() <= 3))
        return invalid_argument(bad + "superres must be a scale in [1, 3]");
      out->superres_scale = value.get<float>();
    } else {
      return invalid_argument(bad +
                              "unknown option (look, awb, ref, bits, chroma_denoise, sharpen, superres)");
    }
  }
  return Status();
}

std::string unread_job_key(const BurstJob& job) {
  const std::string text = nlohmann::json({{"inputs", job.inputs}, {"options", job.options}}).dump();
  return "unread-" + hex(crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(text.data()), uInt(text.size())));
}

Status job_key(const std::vector<std::string>& files, const nlohmann::json& options,
               std::string* key) {
  uLong crc = crc32(0L, Z_NULL, 0);
  uint64_t bytes = 0;
  std::vector<char> buffer(1 << 20);
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) return io_error(f + ": cannot read");
    while (in) {
      in.read(buffer.data(), std::streamsize(buffer.size()));
      const std::streamsize n = in.gcount();
      crc = crc32(crc, reinterpret_cast<const Bytef*>(buffer.data()), uInt(n));
      bytes += uint64_t(n);
    }
  }
  const std::string text = options.dump();
  const uLong options_crc =
      crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(text.data()), uInt(text.size()));
  *key = hex((uint64_t(crc) << 32) | options_crc) + "-" + std::to_string(bytes);
  return Status();
}

int run_batch(const BatchArgs& args) {
  auto usage_error = [](const Status& s) {
    std::fprintf(stderr, "nightburst: error: %s\n", s.message().c_str());
    return s.code() == StatusCode::kInvalidArgument ? 2 : 1;
  };
  if (args.shard_count < 1 || args.shard_index < 0 || args.shard_index >= args.shard_count)
    return usage_error(invalid_argument("--shard I/N needs 0 <= I < N"));
  std::vector<BurstJob> all;
  Status s = read_manifest(args.manifest, &all);
  if (!s.ok()) return usage_error(s);
  const std::vector<BurstJob> jobs = shard(all, args.shard_index, args.shard_count);
  std::error_code ec;
  fs::create_directories(args.out_dir, ec);
  if (ec || !fs::is_directory(args.out_dir, ec))
    return usage_error(io_error(args.out_dir + ": cannot create the output directory"));
  const std::string catalog_path =
      args.catalog.empty() ? (fs::path(args.out_dir) / "nightburst_catalog.sqlite").string()
                           : args.catalog;
  // The catalog is written for every burst: it must not be the manifest or an output.
  if (same_file(catalog_path, args.manifest))
    return usage_error(invalid_argument(catalog_path + ": the catalog would overwrite the manifest"));
  for (const BurstJob& job : jobs)
    if (same_file(catalog_path, output_path(args.out_dir, job)))
      return usage_error(invalid_argument(catalog_path + ": the catalog would be overwritten by burst " + job.id +
                                          "'s output"));
  std::unique_ptr<Catalog> catalog;
  s = Catalog::open(catalog_path, &catalog);
  if (!s.ok()) return usage_error(s);

  // Cores are shared out, never oversubscribed: `jobs` bursts at once, each
  // with cores / jobs Halide threads and decoding threads. Halide's thread
  // pool is one per process, so its size is set once here.
  const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
  const int workers =
      std::max(1, std::min<int>(args.jobs > 0 ? args.jobs : cores, int(jobs.size())));
  const int threads = std::max(1, cores / workers);
  halide_set_num_threads(threads);
  if (!args.quiet)
    std::fprintf(
        stderr,
        "nightburst: batch: %s (shard %d/%d of %zu), %d at a time, %s each\n",
        apps::count_of(jobs.size(), "burst").c_str(), args.shard_index, args.shard_count, all.size(), workers,
        apps::count_of(size_t(threads), "thread").c_str());
  Progress progress(jobs.size(), args.quiet);
  std::atomic<size_t> next{0};
  std::atomic<bool> catalog_failed{false};
  auto work = [&] {
    for (size_t i; (i = next++) < jobs.size();) {
      JobResult r = run_job(jobs[i], args.out_dir, threads, threads, catalog.get());
      if (r.skipped) {
        progress.finished(jobs[i].id, "already done", false, true);
        continue;
      }
      Status recorded = catalog->record(r.row);
      if (!recorded.ok()) {
        catalog_failed = true;
        std::fprintf(stderr, "nightburst: error: %s\n", recorded.message().c_str());
      }
      const bool failed = r.row.status != "done";
      char outcome[64];
      std::snprintf(outcome, sizeof outcome, "done in %.1f s", r.row.seconds);
      progress.finished(jobs[i].id, failed ? r.row.error : outcome, failed, false);
    }
  };
  std::vector<std::thread> pool;
  for (int w = 1; w < workers; ++w) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  return progress.failed() > 0 || catalog_failed ? 1 : 0;
}

}  // namespace nb::batch
