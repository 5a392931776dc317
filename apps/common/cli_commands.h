// A mistyped command named, with the command it was probably meant to be.
// CLI11 answers one with "A subcommand is required", which names neither.
#pragma once

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "common/cli_words.h"

namespace nb::apps {

// Whether `word` (the argument after `prefix`'s command, or the first
// argument when `prefix` is empty; null when there is none) fails to name
// one of `parent`'s commands; if so, says why on stderr as `program`. An
// option (a leading '-') is left to CLI11.
inline bool report_unknown_command(const CLI::App& parent, const char* program, const std::string& prefix,
                                   const char* word) {
  std::vector<std::string> commands;
  for (const CLI::App* sub : parent.get_subcommands({})) commands.push_back(sub->get_name());
  if (word && word[0] == '-') return false;
  if (word && std::find(commands.begin(), commands.end(), word) != commands.end()) return false;
  std::string list;
  for (const std::string& c : commands) list += (list.empty() ? "" : ", ") + c;
  if (!word) {
    std::fprintf(stderr, "%s: error: '%s' needs a command (%s; --help for more)\n", program, prefix.c_str(),
                 list.c_str());
    return true;
  }
  const std::string nearest = nearest_word(word, commands);
  const std::string spaced_prefix = prefix.empty() ? "" : prefix + " ";
  std::fprintf(stderr, "%s: error: unknown command '%s%s'%s (%scommands: %s; --help for more)\n", program,
               spaced_prefix.c_str(), word,
               nearest.empty() ? "" : ("; did you mean '" + spaced_prefix + nearest + "'?").c_str(),
               spaced_prefix.c_str(), list.c_str());
  return true;
}

}  // namespace nb::apps
