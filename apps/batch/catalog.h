// The batch's results catalog: an SQLite database with one row per burst in
// table `bursts`, queryable with the sqlite3 shell. Every row is written in
// its own transaction, so an interrupted run loses nothing already recorded.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "nightburst/status.h"

struct sqlite3;

namespace nb::batch {

struct CatalogRow {
  std::string id;
  std::string key;      // hash of the inputs' contents and the options
  std::string status;   // "done" or "failed"
  std::string error;    // failed: the message
  std::string output;   // done: the PNG's path
  std::string report;   // done: the JSON report
  double seconds = 0;   // wall time of the burst
  std::string inputs;   // JSON list of the frame files
  std::string options;  // JSON object
};

// Merges shard catalogs into `output` (created if missing): per burst id,
// the row with the newest `finished` time wins (ties keep the row already
// there, so the inputs' order decides only between rows of the same second).
// Idempotent: merging the same inputs again changes nothing. Every input,
// and an existing output, is checked first (an SQLite database, intact, with
// the catalog's `bursts` table); a damaged or foreign one is refused with its
// name, and nothing is written. The rows go in as one transaction.
// `bursts` gets the number of bursts in the merged catalog.
Status merge_catalogs(const std::string& output, const std::vector<std::string>& inputs, int64_t* bursts);

class Catalog {
 public:
  static Status open(const std::string& path, std::unique_ptr<Catalog>* catalog);
  ~Catalog();
  // Whether burst `id` is recorded as done with this `key`; its output then.
  bool done(const std::string& id, const std::string& key, std::string* output);
  // Inserts or replaces the burst's row (one row per id). Thread-safe.
  Status record(const CatalogRow& row);

 private:
  friend Status merge_catalogs(const std::string& output, const std::vector<std::string>& inputs, int64_t* bursts);
  Catalog(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
  std::mutex mutex_;
};

}  // namespace nb::batch
