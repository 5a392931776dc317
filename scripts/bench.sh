#!/usr/bin/env bash
# Builds nightburst and runs its benchmark harness: JSON to build/bench.json,
# then the table (each stage, end to end, memory, thread/frame/pixel scaling).
#
#   scripts/bench.sh [--compare EARLIER.json] [benchmark options...]
#
# e.g. --benchmark_filter=Merge, --benchmark_repetitions=5 (the table takes
# each case's minimum), --hdrplus=PATH (timothybrooks/hdr-plus's binary,
# built outside this repository: the command line's ratio to it; add
# --benchmark_enable_random_interleaving=true to alternate their runs).
# Keep a run's JSON to compare a later one with it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
compare=()
if [[ "${1:-}" == "--compare" ]]; then
  compare=(--compare "$2")
  shift 2
fi
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$root/build" -j "$(nproc)" --target nightburst_bench nightburst
"$root/build/apps/nightburst_bench" --benchmark_out="$root/build/bench.json" --benchmark_out_format=json "$@"
echo
python3 "$root/scripts/bench_table.py" "$root/build/bench.json" "${compare[@]}"
