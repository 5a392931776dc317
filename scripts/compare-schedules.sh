#!/usr/bin/env bash
# Hand-written schedules against Halide's Adams2019 autoscheduler on x86-64:
# two build trees for one AVX2 target (so both sides run the same
# instructions), one with the stages below autoscheduled, each running the
# stage benchmarks of the harness, alternately; then the table of ratios.
#
#   scripts/compare-schedules.sh [benchmark options...]
#
# Stages not listed: Adams2019 cannot schedule them with Debian's Halide 14
# (nb_merge_temporal and nb_merge_spatial, FFT pipelines of ~100 stages, run
# out of 24 GB; nb_align_search stops at an internal error on its data-
# dependent Lucas-Kanade gathers: "Unbounded producer->consumer relationship"),
# or its schedules fail at run time (nb_align_pyramid and nb_local_tone: its
# splits round the small coarse levels up past their edges, "Output buffer
# level0 is accessed at 751, which is beyond the max (749)").
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target=x86-64-linux-avx-avx2-f16c-fma-sse41
autoscheduled="nb_finish_basic;nb_merge_planes_u16;nb_merge_planes_f32"
filter='(Merge|Finish)Halide/width:4000/height:3000/frames:8/threads:2'
for variant in hand adams2019; do
  stages=""
  [ "$variant" = adams2019 ] && stages="$autoscheduled"
  cmake -S "$root" -B "$root/build/schedules-$variant" -DCMAKE_BUILD_TYPE=Release -DNIGHTBURST_BUILD_TESTS=OFF \
    -DNIGHTBURST_HALIDE_TARGETS="$target" -DNIGHTBURST_AUTOSCHEDULE="$stages" > /dev/null
  cmake --build "$root/build/schedules-$variant" -j "$(nproc)" --target nightburst_bench
done
# Alternating rounds: the machine's speed drifts over minutes.
for round in 1 2 3; do
  for variant in hand adams2019; do
    "$root/build/schedules-$variant/apps/nightburst_bench" --benchmark_filter="$filter" \
      --benchmark_out="$root/build/schedules-$variant/round$round.json" --benchmark_out_format=json "$@" > /dev/null
  done
done
# One JSON per variant with every round's runs (the table takes each case's minimum).
for variant in hand adams2019; do
  python3 - "$root/build/schedules-$variant" <<'PY'
import glob, json, sys
runs = [json.load(open(p)) for p in sorted(glob.glob(sys.argv[1] + "/round*.json"))]
merged = dict(runs[0], benchmarks=[b for r in runs for b in r["benchmarks"]])
json.dump(merged, open(sys.argv[1] + "/rounds.json", "w"))
PY
done
echo "Adams2019 ($autoscheduled) against hand-written schedules; ratio below 1: the autoscheduler is faster"
python3 "$root/scripts/bench_table.py" "$root/build/schedules-adams2019/rounds.json" \
  --compare "$root/build/schedules-hand/rounds.json"
