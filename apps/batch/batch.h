// nightburst batch: many bursts, a worker pool, a resumable SQLite catalog.
#pragma once

#include <string>

#include "batch/manifest.h"
#include "nightburst/nightburst_c.h"
#include "nightburst/pipeline.h"

namespace nb::batch {

struct BatchArgs {
  std::string manifest;
  std::string out_dir;
  std::string catalog;  // empty: OUT_DIR/nightburst_catalog.sqlite
  int jobs = 0;         // bursts at once; 0: one per core
  int shard_index = 0;  // this run's share: every shard_count-th burst from shard_index
  int shard_count = 1;
  bool quiet = false;
};

// A job's options (JSON object: look, awb, ref, bits, chroma_denoise,
// sharpen) as the pipeline's; unknown keys and bad values are refused.
Status job_options(const nlohmann::json& options, nb_options* out, int* bits);

// The key of a burst whose files cannot be read (a missing or empty folder):
// a hash of its manifest inputs and options, marked "unread-".
std::string unread_job_key(const BurstJob& job);

// Hash of the frame files' contents (CRC-32 of each, with its size) and the
// options: a burst done under the same key is not processed again.
Status job_key(const std::vector<std::string>& files, const nlohmann::json& options,
               std::string* key);

// Runs the batch; returns the process exit code: 0 when every burst is done
// (now or before), 1 when any failed (each is recorded and the rest go on),
// 2 for unusable arguments or manifest.
int run_batch(const BatchArgs& args);

}  // namespace nb::batch
