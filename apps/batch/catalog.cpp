#include "batch/catalog.h"

#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <set>
#include <sstream>

#include "nightburst/io.h"

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

// The catalog's columns, in the schema's order.
const char* kColumns = "id, key, status, error, output, report, seconds, inputs, options, finished";

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using Db = std::unique_ptr<sqlite3, CloseDb>;

// Opens an existing catalog read-only and checks it is one: SQLite reads it,
// its integrity check passes, and `bursts` has the catalog's columns.
Status open_existing_catalog(const std::string& path, Db* db) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return io_error(path + ": no such catalog file");
  sqlite3* raw = nullptr;
  const int opened = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  db->reset(raw);
  if (opened != SQLITE_OK) return io_error(path + ": cannot open the catalog: " + sqlite3_errmsg(raw));
  sqlite3_busy_timeout(raw, 10000);
  std::set<std::string> columns;
  bool intact = false;
  auto collect = [](void* out, int, char** values, char**) {
    static_cast<std::set<std::string>*>(out)->insert(values[0] ? values[0] : "");
    return 0;
  };
  auto check = [](void* ok, int, char** values, char**) {
    *static_cast<bool*>(ok) = values[0] && std::string(values[0]) == "ok";
    return 0;
  };
  char* error = nullptr;
  if (sqlite3_exec(raw, "PRAGMA quick_check", check, &intact, &error) != SQLITE_OK || !intact) {
    const std::string problem = error ? error : "its integrity check failed";
    sqlite3_free(error);
    return bad_input(path + ": not a usable SQLite database (" + problem + ")");
  }
  if (sqlite3_exec(raw, "SELECT name FROM pragma_table_info('bursts')", collect, &columns, &error) != SQLITE_OK) {
    const std::string problem = error ? error : "unknown error";
    sqlite3_free(error);
    return bad_input(path + ": not a usable SQLite database (" + problem + ")");
  }
  std::set<std::string> expected;
  std::istringstream names(kColumns);
  for (std::string name; std::getline(names >> std::ws, name, ',');) expected.insert(name);
  if (columns != expected)
    return bad_input(path + (columns.empty() ? ": not a nightburst catalog (no table 'bursts')"
                                             : ": not a nightburst catalog (table 'bursts' has other columns)"));
  return Status();
}

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

Status merge_catalogs(const std::string& output, const std::vector<std::string>& inputs, int64_t* bursts) {
  if (inputs.empty()) return invalid_argument("catalog merge: no input catalogs");
  // Everything checked before anything is written.
  std::vector<Db> sources(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (same_file(output, inputs[i]))
      return invalid_argument(output + ": the merged catalog is also an input (" + inputs[i] + "); give it its own path");
    NB_RETURN_IF_ERROR(open_existing_catalog(inputs[i], &sources[i]));
  }
  std::error_code ec;
  const bool existed = std::filesystem::exists(output, ec);
  if (existed) {
    Db check;
    NB_RETURN_IF_ERROR(open_existing_catalog(output, &check));
  }
  std::unique_ptr<Catalog> merged;
  NB_RETURN_IF_ERROR(Catalog::open(output, &merged));
  sqlite3* db = merged->db_;

  const std::string upsert = std::string("INSERT INTO bursts (") + kColumns +
                             ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                             "ON CONFLICT (id) DO UPDATE SET key = excluded.key, status = excluded.status, "
                             "error = excluded.error, output = excluded.output, report = excluded.report, "
                             "seconds = excluded.seconds, inputs = excluded.inputs, options = excluded.options, "
                             "finished = excluded.finished WHERE excluded.finished > bursts.finished";
  const std::string select = std::string("SELECT ") + kColumns + " FROM bursts ORDER BY id";
  auto fail = [&](const std::string& what) {
    const std::string message = output + ": " + what + ": " + sqlite3_errmsg(db);
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    merged.reset();
    if (!existed) {
      std::filesystem::remove(output, ec);
      std::filesystem::remove(output + "-wal", ec);
      std::filesystem::remove(output + "-shm", ec);
    }
    return io_error(message);
  };
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return fail("cannot start the merge");
  sqlite3_stmt* insert = nullptr;
  if (sqlite3_prepare_v2(db, upsert.c_str(), -1, &insert, nullptr) != SQLITE_OK) return fail("cannot merge");
  for (size_t i = 0; i < inputs.size(); ++i) {
    sqlite3_stmt* rows = nullptr;
    if (sqlite3_prepare_v2(sources[i].get(), select.c_str(), -1, &rows, nullptr) != SQLITE_OK) {
      sqlite3_finalize(insert);
      return fail("cannot read " + inputs[i]);
    }
    int step;
    while ((step = sqlite3_step(rows)) == SQLITE_ROW) {
      for (int c = 0; c < 10; ++c) sqlite3_bind_value(insert, c + 1, sqlite3_column_value(rows, c));
      const int result = sqlite3_step(insert);
      sqlite3_reset(insert);
      if (result != SQLITE_DONE) {
        sqlite3_finalize(rows);
        sqlite3_finalize(insert);
        return fail("cannot merge a row of " + inputs[i]);
      }
    }
    sqlite3_finalize(rows);
    if (step != SQLITE_DONE) {
      sqlite3_finalize(insert);
      return fail("cannot read " + inputs[i] + " (" + sqlite3_errmsg(sources[i].get()) + ")");
    }
  }
  sqlite3_finalize(insert);
  if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return fail("cannot commit the merge");
  sqlite3_stmt* count = nullptr;
  *bursts = 0;
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM bursts", -1, &count, nullptr) == SQLITE_OK &&
      sqlite3_step(count) == SQLITE_ROW)
    *bursts = sqlite3_column_int64(count, 0);
  sqlite3_finalize(count);
  return Status();
}

}  // namespace nb::batch
