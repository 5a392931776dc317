// nightburst batch: manifests, shards, options, and whole runs through the
// CLI against the SQLite catalog they leave.
#include "batch/batch.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "test_util.h"

namespace nb::batch {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> ids(const std::vector<BurstJob>& jobs) {
  std::vector<std::string> out;
  for (const BurstJob& j : jobs) out.push_back(j.id);
  return out;
}

TEST(BatchManifestTest, EveryFormat) {
  testing::TempDir dir;
  for (const char* b : {"b1", "b2", "b3"}) fs::create_directories(dir.file(b));
  std::vector<BurstJob> jobs;

  testing::write_bytes(dir.file("list.txt"), "b1\n# a comment\n\n  b2  \n" + dir.file("b3") + "\n");
  ASSERT_TRUE(read_manifest(dir.file("list.txt"), &jobs).ok());
  EXPECT_EQ(ids(jobs), (std::vector<std::string>{"b1", "b2", "b3"}));
  EXPECT_EQ(jobs[1].inputs, std::vector<std::string>{dir.file("b2")});  // relative to the manifest

  testing::write_bytes(
      dir.file("bursts.csv"),
      "id,frames,options\n"
      "first,\"b1/a.dng;b1/b.dng\",\"{\"\"look\"\": \"\"bright\"\", \"\"bits\"\": 16}\"\n"
      "\"with, comma\",b2/c.dng,\n");
  ASSERT_TRUE(read_manifest(dir.file("bursts.csv"), &jobs).ok());
  ASSERT_EQ(ids(jobs), (std::vector<std::string>{"first", "with, comma"}));
  EXPECT_EQ(jobs[0].inputs, (std::vector<std::string>{dir.file("b1/a.dng"), dir.file("b1/b.dng")}));
  EXPECT_EQ(jobs[0].options["look"], "bright");
  EXPECT_EQ(jobs[0].options["bits"], 16);
  EXPECT_TRUE(jobs[1].options.empty());

  testing::write_bytes(dir.file("bursts.jsonl"),
                       "{\"folder\": \"b3\", \"options\": {\"look\": \"natural\"}}\n"
                       "\n{\"id\": \"pair\", \"frames\": [\"b1/a.dng\", \"b2/c.dng\"]}\n");
  ASSERT_TRUE(read_manifest(dir.file("bursts.jsonl"), &jobs).ok());
  EXPECT_EQ(ids(jobs), (std::vector<std::string>{"b3", "pair"}));
  EXPECT_EQ(jobs[0].options["look"], "natural");

  const std::string folder = dir.path().string();
  fs::create_directories(dir.file("x/b0"));
  ASSERT_TRUE(read_manifest(dir.file("x"), &jobs).ok());
  EXPECT_EQ(ids(jobs), std::vector<std::string>{"b0"});
  (void)folder;
}

TEST(BatchManifestTest, ErrorsNameTheManifestAndLine) {
  testing::TempDir dir;
  std::vector<BurstJob> jobs;
  const std::map<std::string, std::string> cases = {
      {"dup.txt", "a/b1\nc/b1\n"},
      {"bad.jsonl", "{\"folder\": \"b1\"}\n{not json\n"},
      {"nofolder.jsonl", "{\"id\": \"x\"}\n"},
      {"columns.csv", "id,path\nx,b1\n"},
      {"quote.csv", "id,folder\n\"x,b1\n"},
      {"empty.txt", "# nothing\n"},
  };
  for (const auto& [name, text] : cases) {
    testing::write_bytes(dir.file(name), text);
    Status s = read_manifest(dir.file(name), &jobs);
    EXPECT_FALSE(s.ok()) << name;
    EXPECT_NE(s.message().find(dir.file(name)), std::string::npos) << s.message();
  }
  EXPECT_NE(read_manifest(dir.file("bad.jsonl"), &jobs).message().find(":2:"), std::string::npos);
  EXPECT_FALSE(read_manifest(dir.file("missing.txt"), &jobs).ok());
}

TEST(BatchManifestTest, ShardsSplitTheManifestExactly) {
  std::vector<BurstJob> all;
  for (int i = 0; i < 23; ++i)
    all.push_back({"b" + std::to_string(i), {"b"}, nlohmann::json::object()});
  for (int n : {1, 2, 3, 7, 30}) {
    std::multiset<std::string> seen;
    for (int i = 0; i < n; ++i)
      for (const BurstJob& j : shard(all, i, n)) seen.insert(j.id);
    EXPECT_EQ(seen.size(), all.size()) << n;
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), all.size()) << n;
  }
}

TEST(BatchOptionsTest, KnownOptionsAndRefusals) {
  nb_options o;
  int bits = 0;
  ASSERT_TRUE(job_options(nlohmann::json::parse(
                              R"({"look": "natural", "awb": "2,1,1.5", "ref": 2, "bits": 16,
                                                    "chroma_denoise": 0.5, "sharpen": 1})"),
                          &o, &bits)
                  .ok());
  EXPECT_EQ(o.look, NB_LOOK_NATURAL);
  EXPECT_EQ(o.awb, NB_AWB_MANUAL);
  EXPECT_FLOAT_EQ(o.manual_illuminant[2], 1.5f);
  EXPECT_EQ(o.reference, 2);
  EXPECT_EQ(bits, 16);
  EXPECT_FLOAT_EQ(o.chroma_denoise, 0.5f);
  for (const char* bad : {R"({"look": "dark"})", R"({"bits": 12})", R"({"ref": -1})",
                          R"({"sharpen": 9})", R"({"awb": "purple"})", R"({"speed": 1})"})
    EXPECT_EQ(job_options(nlohmann::json::parse(bad), &o, &bits).code(),
              StatusCode::kInvalidArgument)
        << bad;
}

// Every row of a catalog, by id: the columns a one-machine run and a merged
// sharded run must agree on (the output's bytes rather than its path, the
// report without its timings), plus `finished`.
struct CatalogEntry {
  std::string key, status, error, output_bytes, report, finished;
  bool operator==(const CatalogEntry& o) const {
    return key == o.key && status == o.status && error == o.error && output_bytes == o.output_bytes &&
           report == o.report;
  }
};
std::map<std::string, CatalogEntry> catalog_entries(const std::string& path) {
  std::map<std::string, CatalogEntry> rows;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT id, key, status, error, output, report, finished FROM bursts", -1, &st,
                               nullptr),
            SQLITE_OK);
  auto text = [&](int c) {
    const unsigned char* t = sqlite3_column_text(st, c);
    return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
  };
  while (sqlite3_step(st) == SQLITE_ROW) {
    CatalogEntry e{text(1), text(2), text(3), "", "", text(6)};
    if (!text(4).empty()) e.output_bytes = testing::read_bytes(text(4));
    if (!text(5).empty()) {
      nlohmann::json report = nlohmann::json::parse(text(5));
      report.erase("stage_ms");
      e.report = report.dump();
    }
    rows[text(0)] = e;
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rows;
}

// The catalog's rows as id -> status; a done row's report names its reference.
std::map<std::string, std::string> catalog_status(const std::string& path) {
  std::map<std::string, std::string> rows;
  for (const auto& [id, entry] : catalog_entries(path)) {
    rows[id] = entry.status;
    if (entry.status == "done") {
      EXPECT_TRUE(nlohmann::json::parse(entry.report).contains("reference")) << id;
    }
  }
  return rows;
}

int run_cli(const std::string& args) {
  const std::string cmd = std::string(testing::cli_path()) + " " + args + " >/dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(BatchRunTest, FailuresAreRecordedAndDoneBurstsAreSkipped) {
  testing::TempDir dir;
  for (int i = 1; i <= 3; ++i)
    ASSERT_EQ(run_cli("synth " + dir.file("b" + std::to_string(i)) +
                      " --width 192 --height 128 --frames 3 --seed " + std::to_string(i) + " -q"),
              0);
  fs::create_directories(dir.file("broken"));
  testing::write_bytes(dir.file("broken/x.dng"), "not a raw file");
  testing::write_bytes(
      dir.file("list.jsonl"),
      "{\"folder\": \"b1\"}\n{\"folder\": \"b2\", \"options\": {\"look\": \"natural\"}}\n"
      "{\"folder\": \"b3\"}\n{\"folder\": \"broken\"}\n");
  const std::string out = dir.file("out"), catalog = out + "/nightburst_catalog.sqlite";
  EXPECT_EQ(run_cli("batch " + dir.file("list.jsonl") + " --out-dir " + out + " --jobs 2 -q"), 1);
  auto rows = catalog_status(catalog);
  EXPECT_EQ(rows, (std::map<std::string, std::string>{
                      {"b1", "done"}, {"b2", "done"}, {"b3", "done"}, {"broken", "failed"}}));
  for (const char* id : {"b1", "b2", "b3"}) EXPECT_TRUE(fs::exists(out + "/" + id + ".png")) << id;
  EXPECT_FALSE(fs::exists(out + "/broken.png"));

  // Again: done bursts are skipped (their PNGs untouched); a changed option
  // changes the key, so that burst runs again.
  const auto b1_time = fs::last_write_time(out + "/b1.png"),
             b2_time = fs::last_write_time(out + "/b2.png");
  testing::write_bytes(
      dir.file("list.jsonl"),
      "{\"folder\": \"b1\"}\n{\"folder\": \"b2\", \"options\": {\"look\": \"bright\"}}\n"
      "{\"folder\": \"b3\"}\n{\"folder\": \"broken\"}\n");
  EXPECT_EQ(run_cli("batch " + dir.file("list.jsonl") + " --out-dir " + out + " -q"), 1);
  EXPECT_EQ(fs::last_write_time(out + "/b1.png"), b1_time);
  EXPECT_NE(fs::last_write_time(out + "/b2.png"), b2_time);

  // Shards: two runs into one catalog cover the manifest once.
  const std::string sharded = dir.file("sharded");
  EXPECT_EQ(
      run_cli("batch " + dir.file("list.jsonl") + " --out-dir " + sharded + " --shard 0/2 -q"), 0);
  EXPECT_EQ(catalog_status(sharded + "/nightburst_catalog.sqlite").size(), 2u);
  EXPECT_EQ(
      run_cli("batch " + dir.file("list.jsonl") + " --out-dir " + sharded + " --shard 1/2 -q"), 1);
  EXPECT_EQ(catalog_status(sharded + "/nightburst_catalog.sqlite").size(), 4u);
  EXPECT_EQ(
      run_cli("batch " + dir.file("list.jsonl") + " --out-dir " + sharded + " --shard 2/2 -q"), 2);
  EXPECT_EQ(run_cli("batch " + dir.file("nothing.txt") + " --out-dir " + sharded + " -q"), 1);
}

// A manifest line whose folder is missing or empty still gets its row:
// failed, with the reason, under a key made from the manifest's words. A
// rerun tries it again (and records it done once it can be read).
TEST(BatchRunTest, BurstsThatCannotBeReadAreRecordedAsFailed) {
  testing::TempDir dir;
  ASSERT_EQ(run_cli("synth " + dir.file("good") + " --width 192 --height 128 --frames 3 --seed 1 -q"), 0);
  fs::create_directories(dir.file("empty"));
  testing::write_bytes(dir.file("list.txt"), "good\nmissing\nempty\n");
  const std::string out = dir.file("out"), catalog = out + "/nightburst_catalog.sqlite";
  EXPECT_EQ(run_cli("batch " + dir.file("list.txt") + " --out-dir " + out + " -q"), 1);
  EXPECT_EQ(catalog_status(catalog), (std::map<std::string, std::string>{
                                         {"good", "done"}, {"missing", "failed"}, {"empty", "failed"}}));
  std::map<std::string, std::string> errors;
  for (const auto& [id, entry] : catalog_entries(catalog)) {
    if (entry.status != "failed") continue;
    EXPECT_EQ(entry.key.rfind("unread-", 0), 0u) << id;
    errors[id] = entry.error;
  }
  EXPECT_NE(errors["empty"].find("no raw files"), std::string::npos) << errors["empty"];
  EXPECT_NE(errors["missing"].find(dir.file("missing")), std::string::npos) << errors["missing"];

  // The folder filled in: the rerun retries it, skips what is done.
  ASSERT_EQ(run_cli("synth " + dir.file("empty") + " --width 192 --height 128 --frames 3 --seed 2 -q"), 0);
  const auto good_time = fs::last_write_time(out + "/good.png");
  EXPECT_EQ(run_cli("batch " + dir.file("list.txt") + " --out-dir " + out + " -q"), 1);
  EXPECT_EQ(catalog_status(catalog), (std::map<std::string, std::string>{
                                         {"good", "done"}, {"missing", "failed"}, {"empty", "done"}}));
  EXPECT_EQ(fs::last_write_time(out + "/good.png"), good_time);
}

// The catalog is rewritten for every burst, so it may be neither the
// manifest nor any burst's output.
TEST(BatchRunTest, CatalogOnTheManifestOrAnOutputIsRefused) {
  testing::TempDir dir;
  fs::create_directories(dir.file("b1"));
  testing::write_bytes(dir.file("list.txt"), "b1\n");
  const std::string manifest_before = testing::read_bytes(dir.file("list.txt"));
  EXPECT_EQ(run_cli("batch " + dir.file("list.txt") + " --out-dir " + dir.file("out") + " --catalog " +
                    dir.file("out/../list.txt") + " -q"),
            2);
  EXPECT_EQ(testing::read_bytes(dir.file("list.txt")), manifest_before);
  EXPECT_EQ(run_cli("batch " + dir.file("list.txt") + " --out-dir " + dir.file("out") + " --catalog " +
                    dir.file("out/b1.png") + " -q"),
            2);
  EXPECT_FALSE(fs::exists(dir.file("out/b1.png")));
}

// What the CLI printed on stderr, and its exit code.
int run_cli_stderr(const std::string& args, const std::string& stderr_path, std::string* message) {
  const std::string cmd = std::string(testing::cli_path()) + " " + args + " >/dev/null 2>" + stderr_path;
  const int status = std::system(cmd.c_str());
  *message = testing::read_bytes(stderr_path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A batch run as shards, each with its own catalog, merged with `catalog
// merge`, equals the same batch run on one machine, burst for burst; merging
// again changes nothing; the newest row wins a conflict; a damaged or
// foreign catalog is refused by name and nothing is written.
TEST(BatchRunTest, ShardCatalogsMergeIntoTheOneMachineCatalog) {
  testing::TempDir dir;
  for (int i = 1; i <= 4; ++i)
    ASSERT_EQ(run_cli("synth " + dir.file("b" + std::to_string(i)) + " --width 192 --height 128 --frames 3 --seed " +
                      std::to_string(i) + " -q"),
              0);
  testing::write_bytes(dir.file("list.txt"), "b1\nb2\nmissing\nb3\nb4\n");
  EXPECT_EQ(run_cli("batch " + dir.file("list.txt") + " --out-dir " + dir.file("one") + " --jobs 1 -q"), 1);
  const auto one = catalog_entries(dir.file("one/nightburst_catalog.sqlite"));
  ASSERT_EQ(one.size(), 5u);

  std::vector<std::string> shards;
  for (int i = 0; i < 3; ++i) {
    shards.push_back(dir.file("shards/catalog_" + std::to_string(i) + ".sqlite"));
    run_cli("batch " + dir.file("list.txt") + " --out-dir " + dir.file("shards") + " --shard " + std::to_string(i) +
            "/3 --jobs 1 --catalog " + shards.back() + " -q");
    EXPECT_LT(catalog_entries(shards.back()).size(), 5u);
  }
  const std::string merged = dir.file("merged.sqlite");
  const std::string merge = "catalog merge " + merged + " " + shards[0] + " " + shards[1] + " " + shards[2];
  ASSERT_EQ(run_cli(merge), 0);
  auto rows = catalog_entries(merged);
  EXPECT_EQ(rows.size(), one.size());
  for (const auto& [id, entry] : one) {
    ASSERT_TRUE(rows.count(id)) << id;
    EXPECT_TRUE(rows[id] == entry) << id << ": " << rows[id].status << " vs " << entry.status;
  }
  EXPECT_FALSE(rows["b1"].output_bytes.empty());

  // Idempotent, whatever the order.
  ASSERT_EQ(run_cli("catalog merge " + merged + " " + shards[2] + " " + shards[0] + " " + shards[1]), 0);
  auto again = catalog_entries(merged);
  for (const auto& [id, entry] : rows) {
    EXPECT_TRUE(again[id] == entry) << id;
    EXPECT_EQ(again[id].finished, entry.finished) << id;
  }

  // A conflict: the burst that failed is done in a later run (its own
  // catalog); the newer row wins, and an older one never replaces it.
  ASSERT_EQ(run_cli("synth " + dir.file("missing") + " --width 192 --height 128 --frames 3 --seed 9 -q"), 0);
  const std::string later = dir.file("later.sqlite");
  // Rows are stamped to the second: make sure the retry's is later.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(run_cli("batch " + dir.file("list.txt") + " --out-dir " + dir.file("retry") + " --catalog " + later +
                    " -q"),
            0);
  ASSERT_EQ(run_cli("catalog merge " + merged + " " + later), 0);
  EXPECT_EQ(catalog_entries(merged)["missing"].status, "done");
  ASSERT_EQ(run_cli("catalog merge " + merged + " " + shards[0] + " " + shards[1] + " " + shards[2]), 0);
  EXPECT_EQ(catalog_entries(merged)["missing"].status, "done");

  // Damaged, foreign, missing, or the output among the inputs: refused by
  // name, nothing written.
  testing::write_bytes(dir.file("damaged.sqlite"), testing::read_bytes(shards[0]).substr(0, 100) +
                                                       std::string(3000, 'x'));
  sqlite3* foreign = nullptr;
  ASSERT_EQ(sqlite3_open(dir.file("foreign.sqlite").c_str(), &foreign), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(foreign, "CREATE TABLE photos (id TEXT)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(foreign);
  testing::write_bytes(dir.file("text.sqlite"), "id,status\nb1,done\n");
  const std::string before = testing::read_bytes(merged);
  std::string message;
  for (const std::string bad : {"damaged.sqlite", "foreign.sqlite", "text.sqlite", "absent.sqlite"}) {
    EXPECT_EQ(run_cli_stderr("catalog merge " + dir.file("new.sqlite") + " " + shards[0] + " " + dir.file(bad),
                             dir.file("stderr.txt"), &message),
              1)
        << bad;
    EXPECT_NE(message.find(dir.file(bad)), std::string::npos) << message;
    EXPECT_FALSE(fs::exists(dir.file("new.sqlite"))) << bad;
    EXPECT_EQ(run_cli("catalog merge " + merged + " " + dir.file(bad)), 1) << bad;
    EXPECT_EQ(testing::read_bytes(merged), before) << bad;
  }
  EXPECT_EQ(run_cli_stderr("catalog merge " + dir.file("foreign.sqlite") + " " + shards[0], dir.file("stderr.txt"),
                           &message),
            1);
  EXPECT_NE(message.find("not a nightburst catalog"), std::string::npos) << message;
  EXPECT_EQ(run_cli("catalog merge " + shards[0] + " " + shards[1] + " " + dir.file("shards/../shards/catalog_0.sqlite")),
            2);
}

}  // namespace
}  // namespace nb::batch
