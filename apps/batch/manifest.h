// The bursts of a batch: a manifest file or a directory of burst folders.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nightburst/status.h"

namespace nb::batch {

struct BurstJob {
  std::string id;                   // unique in the manifest; names the output (id.png)
  std::vector<std::string> inputs;  // raw files and/or folders of them
  nlohmann::json options;           // object: look, awb, ref, bits, chroma_denoise, sharpen
};

// Reads `path`:
// - a directory: each folder in it (sorted by name) is a burst, id = folder name;
// - *.jsonl / *.ndjson: one JSON object per line: {"id", "folder" or
//   "frames": [...], "options": {...}} (id defaults to the folder's name);
// - *.csv: a header row naming the columns id, folder or frames (paths
//   separated by ';'), options (a JSON object), every field RFC 4180-quoted
//   as needed (libcsv);
// - anything else: plain text, one burst folder per line (blank lines and
//   lines starting with # skipped), id = the folder's name.
// Relative paths are taken relative to the manifest's folder. Errors name
// the manifest and the line; ids must be unique.
Status read_manifest(const std::string& path, std::vector<BurstJob>* jobs);

// Shard `index` of `count` (0 <= index < count): every count-th job from the
// index-th, in manifest order, so that the shards of one manifest split it
// exactly, on any machine.
std::vector<BurstJob> shard(const std::vector<BurstJob>& jobs, int index, int count);

}  // namespace nb::batch
