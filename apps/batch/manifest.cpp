#include "batch/manifest.h"

#include <csv.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace nb::batch {
namespace {

namespace fs = std::filesystem;

std::string lower_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext;
}

// A manifest path, relative to the manifest's folder unless absolute.
std::string resolve(const fs::path& base, const std::string& p) {
  const fs::path path(p);
  return path.is_absolute() ? p : (base / path).lexically_normal().string();
}

std::string folder_name(const std::string& folder) {
  fs::path p = fs::path(folder).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

std::string where(const std::string& manifest, int line) {
  return manifest + ":" + std::to_string(line) + ": ";
}

Status read_json_lines(const std::string& path, const fs::path& base, std::vector<BurstJob>* jobs) {
  std::ifstream in(path);
  std::string text;
  for (int line = 1; std::getline(in, text); ++line) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return bad_input(where(path, line) + "not a JSON object");
    BurstJob job;
    if (j.contains("folder") && j["folder"].is_string()) {
      job.inputs.push_back(resolve(base, j["folder"]));
      job.id = folder_name(job.inputs.back());
    } else if (j.contains("frames") && j["frames"].is_array() && !j["frames"].empty()) {
      for (const auto& f : j["frames"]) {
        if (!f.is_string())
          return bad_input(where(path, line) + "\"frames\" must be a list of paths");
        job.inputs.push_back(resolve(base, f));
      }
    } else {
      return bad_input(where(path, line) + "needs \"folder\" or a non-empty \"frames\" list");
    }
    if (j.contains("id")) {
      if (!j["id"].is_string() && !j["id"].is_number())
        return bad_input(where(path, line) + "\"id\" must be text");
      job.id = j["id"].is_string() ? j["id"].get<std::string>() : j["id"].dump();
    }
    if (job.id.empty()) return bad_input(where(path, line) + "no \"id\" (needed with \"frames\")");
    job.options = j.contains("options") ? j["options"] : nlohmann::json::object();
    if (!job.options.is_object())
      return bad_input(where(path, line) + "\"options\" must be an object");
    jobs->push_back(std::move(job));
  }
  return Status();
}

struct CsvRows {
  std::vector<std::vector<std::string>> rows{{}};
};
void csv_field(void* data, size_t size, void* out) {
  static_cast<CsvRows*>(out)->rows.back().emplace_back(static_cast<const char*>(data), size);
}
void csv_row_end(int, void* out) { static_cast<CsvRows*>(out)->rows.emplace_back(); }

Status read_csv(const std::string& path, const fs::path& base, std::vector<BurstJob>* jobs) {
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0)
    return internal_error("libcsv could not start");
  CsvRows out;
  const bool parsed =
      csv_parse(&parser, text.data(), text.size(), csv_field, csv_row_end, &out) == text.size() &&
      csv_fini(&parser, csv_field, csv_row_end, &out) == 0;
  const std::string error = parsed ? "" : csv_strerror(csv_error(&parser));
  csv_free(&parser);
  if (!parsed) return bad_input(path + ": not valid CSV (" + error + ")");
  out.rows.erase(
      std::remove_if(out.rows.begin(), out.rows.end(), [](const auto& r) { return r.empty(); }),
      out.rows.end());
  if (out.rows.empty()) return bad_input(path + ": no header row");
  std::map<std::string, size_t> column;
  for (size_t c = 0; c < out.rows[0].size(); ++c) column[out.rows[0][c]] = c;
  if (!column.count("folder") && !column.count("frames"))
    return bad_input(path + ": the header names neither a \"folder\" nor a \"frames\" column");
  auto field = [&](const std::vector<std::string>& row, const char* name) {
    auto it = column.find(name);
    return it != column.end() && it->second < row.size() ? row[it->second] : std::string();
  };
  for (size_t r = 1; r < out.rows.size(); ++r) {
    const int line = int(r) + 1;  // rows, counting the header as line 1 (quoted newlines aside)
    const auto& row = out.rows[r];
    BurstJob job;
    if (!field(row, "folder").empty()) {
      job.inputs.push_back(resolve(base, field(row, "folder")));
      job.id = folder_name(job.inputs.back());
    } else {
      std::stringstream frames(field(row, "frames"));
      for (std::string f; std::getline(frames, f, ';');)
        if (!f.empty()) job.inputs.push_back(resolve(base, f));
      if (job.inputs.empty()) return bad_input(where(path, line) + "no folder and no frames");
    }
    if (!field(row, "id").empty()) job.id = field(row, "id");
    if (job.id.empty()) return bad_input(where(path, line) + "no id (needed with frames)");
    const std::string options = field(row, "options");
    job.options =
        options.empty() ? nlohmann::json::object() : nlohmann::json::parse(options, nullptr, false);
    if (!job.options.is_object())
      return bad_input(where(path, line) + "options must be a JSON object");
    jobs->push_back(std::move(job));
  }
  return Status();
}

Status read_folder_list(const std::string& path, const fs::path& base,
                        std::vector<BurstJob>* jobs) {
  std::ifstream in(path);
  std::string text;
  for (int line = 1; std::getline(in, text); ++line) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    const size_t start = text.find_first_not_of(" \t");
    if (start == std::string::npos || text[start] == '#') continue;
    BurstJob job;
    job.inputs.push_back(resolve(base, text.substr(start)));
    job.id = folder_name(job.inputs.back());
    job.options = nlohmann::json::object();
    if (job.id.empty())
      return bad_input(where(path, line) + "'" + text + "' has no folder name to use as the id");
    jobs->push_back(std::move(job));
  }
  return Status();
}

}  // namespace

Status read_manifest(const std::string& path, std::vector<BurstJob>* jobs) {
  jobs->clear();
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<std::string> folders;
    for (const auto& e : fs::directory_iterator(path, ec))
      if (e.is_directory()) folders.push_back(e.path().string());
    if (ec) return io_error(path + ": cannot list the directory: " + ec.message());
    std::sort(folders.begin(), folders.end());
    for (const std::string& f : folders)
      jobs->push_back({folder_name(f), {f}, nlohmann::json::object()});
    if (jobs->empty()) return bad_input(path + ": holds no burst folders");
    return Status();
  }
  if (!fs::is_regular_file(path, ec))
    return bad_input(path + ": no such manifest file or directory");
  const fs::path base = fs::path(path).parent_path();
  const std::string ext = lower_extension(path);
  Status s = ext == ".jsonl" || ext == ".ndjson" ? read_json_lines(path, base, jobs)
             : ext == ".csv"                     ? read_csv(path, base, jobs)
                                                 : read_folder_list(path, base, jobs);
  NB_RETURN_IF_ERROR(s);
  if (jobs->empty()) return bad_input(path + ": lists no bursts");
  std::set<std::string> ids;
  for (const BurstJob& job : *jobs) {
    if (job.id.find('/') != std::string::npos || job.id == "." || job.id == "..")
      return bad_input(path + ": id '" + job.id + "' cannot name an output file");
    if (!ids.insert(job.id).second) return bad_input(path + ": id '" + job.id + "' appears twice");
  }
  return Status();
}

std::vector<BurstJob> shard(const std::vector<BurstJob>& jobs, int index, int count) {
  std::vector<BurstJob> mine;
  for (size_t i = index; i < jobs.size(); i += count) mine.push_back(jobs[i]);
  return mine;
}

}  // namespace nb::batch
