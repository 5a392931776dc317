#!/usr/bin/env bash
# The launcher of every custom command (RULE_LAUNCH_CUSTOM, set in
# halide_generators/CMakeLists.txt): a Halide generator run
# (`... nb_<stage>_generator -n NAME ... -o DIR ...`) is answered from a cache
# outside the build tree when the same generator binary was run with the same
# arguments before, on this machine, from any clone: LLVM's code generation
# for three x86 targets is most of a clean build, and its output depends on
# nothing else. Any other command runs as it is.
#
# Cache: $NIGHTBURST_GENERATOR_CACHE, default ~/.cache/nightburst/generators;
# NIGHTBURST_GENERATOR_CACHE=off runs every generator. Entries unused for 30
# days are removed.
set -euo pipefail

generator_run=0
output_dir=""
args=("$@")
for ((i = 0; i < ${#args[@]}; ++i)); do
  case "${args[i]}" in
    */nb_*_generator | nb_*_generator) generator_run=1 ;;
    -o) output_dir="${args[i + 1]:-}" ;;
  esac
done
cache_root="${NIGHTBURST_GENERATOR_CACHE:-${HOME:-/tmp}/.cache/nightburst/generators}"
if [ "$generator_run" = 0 ] || [ -z "$output_dir" ] || [ "$cache_root" = off ]; then
  exec "$@"
fi

generator=""
for a in "${args[@]}"; do
  case "$a" in */nb_*_generator | nb_*_generator) generator="$a" ;; esac
done
# The key: the generator binary's bytes and every argument but the output folder.
key=$( {
  sha256sum <"$generator"
  for ((i = 0; i < ${#args[@]}; ++i)); do
    if [ "${args[i]}" = -o ]; then ((++i)); continue; fi
    [ "${args[i]}" = "$generator" ] && continue
    printf '%s\n' "${args[i]}"
  done
} | sha256sum | cut -c1-32)
entry="$cache_root/$key"

if [ -f "$entry/complete" ]; then
  cp "$entry"/files/* "$output_dir"/
  touch "$entry/complete"
  exit 0
fi

# Run into a folder of its own (generators run in parallel in one folder),
# then copy the outputs into place and into the cache.
mkdir -p "$cache_root"
scratch=$(mktemp -d "$cache_root/.run.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
run=()
for ((i = 0; i < ${#args[@]}; ++i)); do
  if [ "${args[i]}" = -o ]; then
    run+=(-o "$scratch/files")
    ((++i))
  else
    run+=("${args[i]}")
  fi
done
mkdir -p "$scratch/files"
"${run[@]}"
cp "$scratch"/files/* "$output_dir"/
touch "$scratch/complete"
if mv -T "$scratch" "$entry" 2>/dev/null; then trap - EXIT; fi
find "$cache_root" -mindepth 1 -maxdepth 1 -type d -mtime +30 -exec rm -rf {} + 2>/dev/null || true
