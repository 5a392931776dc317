#include "batch/catalog.h"

#include <sqlite3.h>

namespace nb::batch {
namespace {

const char* kSchema = R"sql(
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS bursts (
  id TEXT PRIMARY KEY,
  key TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
  error TEXT,
  output TEXT,
  report TEXT,
  seconds REAL,
  inputs TEXT,
  options TEXT,
  finished TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
)sql";

}  // namespace

Status Catalog::open(const std::string& path, std::unique_ptr<Catalog>* catalog) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return io_error(path + ": cannot open the catalog: " + message);
  }
  sqlite3_busy_timeout(db, 10000);  // shards of one batch may share a catalog on one machine
  char* error = nullptr;
  if (sqlite3_exec(db, kSchema, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    sqlite3_close(db);
    return bad_input(path + ": not a nightburst catalog: " + message);
  }
  catalog->reset(new Catalog(db, path));
  return Status();
}

Catalog::~Catalog() { sqlite3_close(db_); }

bool Catalog::done(const std::string& id, const std::string& key, std::string* output) {
  std::lock_guard<std::mutex> lock(mutex_);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "SELECT output FROM bursts WHERE id = ?1 AND key = ?2 AND status = 'done'",
                         -1, &st, nullptr) != SQLITE_OK)
    return false;
  sqlite3_bind_text(st, 1, id.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, key.c_str(), -1, SQLITE_TRANSIENT);
  const bool found = sqlite3_step(st) == SQLITE_ROW;
  if (found && output) {
    const unsigned char* text = sqlite3_column_text(st, 0);
    *output = text ? reinterpret_cast<const char*>(text) : "";
  }
  sqlite3_finalize(st);
  return found;
}

Status Catalog::record(const CatalogRow& row) {
  std::lock_guard<std::mutex> lock(mutex_);
  sqlite3_stmt* st = nullptr;
  const char* sql =
      "INSERT OR REPLACE INTO bursts (id, key, status, error, output, report, seconds, inputs, "
      "options) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
  if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK)
    return io_error(path_ + ": " + sqlite3_errmsg(db_));
  auto text = [&](int i, const std::string& s) {
    if (s.empty()) {
      sqlite3_bind_null(st, i);
    } else {
      sqlite3_bind_text(st, i, s.c_str(), int(s.size()), SQLITE_TRANSIENT);
    }
  };
  text(1, row.id);
  text(2, row.key);
  text(3, row.status);
  text(4, row.error);
  text(5, row.output);
  text(6, row.report);
  sqlite3_bind_double(st, 7, row.seconds);
  text(8, row.inputs);
  text(9, row.options);
  // A single statement is its own transaction: committed (and in the WAL) on return.
  const int result = sqlite3_step(st);
  sqlite3_finalize(st);
  if (result != SQLITE_DONE)
    return io_error(path_ + ": cannot record " + row.id + ": " + sqlite3_errmsg(db_));
  return Status();
}

}  // namespace nb::batch
