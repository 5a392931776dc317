#!/usr/bin/env bash
# Builds nightburst and runs its benchmarks; JSON to build/bench.json, a table on stdout.
# Extra arguments go to the benchmark program (e.g. --benchmark_filter=Align).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$root/build" -j "$(nproc)" --target nightburst_bench
"$root/build/apps/nightburst_bench" --benchmark_out="$root/build/bench.json" --benchmark_out_format=json "$@"
