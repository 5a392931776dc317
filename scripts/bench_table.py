#!/usr/bin/env python3
"""Tables from nightburst_bench's JSON output (Google Benchmark format).

    bench_table.py RUN.json [--compare EARLIER.json]

Prints, per case, the minimum time over its repetitions (machines are noisy:
the minimum is the least disturbed run), MP/s and peak memory; then the
scaling figures (1 -> 2 threads, time against frame count and against pixel
count; with nightburst_bench --hdrplus=PATH, the command line's time,
memory and user CPU time against timothybrooks/hdr-plus's on the same
files); with --compare,
the ratio of each case's minimum to the earlier run's (below 1: faster
now). Standard library only.
"""
import argparse
import json
import re
import sys

CASE = re.compile(r"BM_(\w+)/width:(\d+)/height:(\d+)/frames:(\d+)/threads:(\d+)")


BATCH = re.compile(r"BM_BatchThroughput/jobs:(\d+)/large:(\d)")


def load_batch(path):
    """{(large, jobs): minimum ms} of the batch throughput cases (jobs 0: the default)."""
    with open(path) as f:
        data = json.load(f)
    out = {}
    for b in data.get("benchmarks", []):
        m = BATCH.match(b["name"])
        if not m or b.get("run_type") == "aggregate" or b.get("error_occurred"):
            continue
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b.get("time_unit", "ns")]
        key = (int(m.group(2)), int(m.group(1)))
        out[key] = min(out.get(key, float("inf")), b["real_time"] * scale)
    return out


def load(path):
    """{(stage, width, height, frames, threads): {"ms", "mps", "rss", "case_mb"}}, minimum time per case."""
    with open(path) as f:
        data = json.load(f)
    cases = {}
    for b in data.get("benchmarks", []):
        if b.get("run_type") == "aggregate" or b.get("error_occurred"):
            continue
        m = CASE.match(b["name"])
        if not m:
            continue
        key = (m.group(1),) + tuple(int(g) for g in m.groups()[1:])
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b.get("time_unit", "ns")]
        row = {"ms": b["real_time"] * scale, "mps": b.get("MP/s", 0.0), "rss": b.get("peak_rss_MB", 0.0),
               "case_mb": b.get("case_MB"), "user_s": b.get("user_s")}
        # The least user CPU time of the repetitions, kept apart from the
        # fastest run's row (the two need not be the same run).
        least_user = cases[key]["user_s"] if key in cases else None
        if row["user_s"] is not None and (least_user is None or row["user_s"] < least_user):
            least_user = row["user_s"]
        if key not in cases or row["ms"] < cases[key]["ms"]:
            cases[key] = row
        cases[key]["user_s"] = least_user
    return data.get("context", {}), cases


def label(key):
    stage, w, h, frames, threads = key
    return f"{stage} {w}x{h} x{frames} t{threads}"


def print_table(cases, earlier):
    head = f"{'case':<42} {'ms':>9} {'MP/s':>8} {'peak MB':>8} {'case MB':>8}"
    if earlier:
        head += f" {'vs earlier':>10}"
    print(head)
    print("-" * len(head))
    for key in sorted(cases, key=lambda k: (k[0], k[1] * k[2], k[3], k[4])):
        r = cases[key]
        case_mb = f"{r['case_mb']:8.0f}" if r["case_mb"] is not None else f"{'':>8}"
        line = f"{label(key):<42} {r['ms']:9.1f} {r['mps']:8.1f} {r['rss']:8.0f} {case_mb}"
        if earlier:
            line += f" {r['ms'] / earlier[key]['ms']:10.2f}" if key in earlier else f" {'new':>10}"
        print(line)


def print_scaling(cases):
    print("\nThread scaling (time on 1 thread / time on 2):")
    for key in sorted(cases):
        stage, w, h, frames, threads = key
        one = (stage, w, h, frames, 1)
        if threads == 2 and one in cases:
            print(f"  {stage:<16} {w}x{h} x{frames}: {cases[one]['ms'] / cases[key]['ms']:.2f}x")
    print("\nFrame count (ms per frame at 3 / 8 / 15 frames, 4000x3000, 2 threads):")
    for stage in sorted({k[0] for k in cases}):
        per_frame = [cases[k]["ms"] / n for n in (3, 8, 15) if (k := (stage, 4000, 3000, n, 2)) in cases]
        if len(per_frame) == 3:
            print(f"  {stage:<16} " + " / ".join(f"{v:.0f}" for v in per_frame))
    anchors = [k for k in sorted(cases) if k[0] == "HdrPlusCommandLine" and ("CommandLine",) + k[1:] in cases]
    if anchors:
        print("\nAgainst timothybrooks/hdr-plus (nightburst process / hdrplus, same DNG files; time, peak memory,"
              " user CPU time):")
        for key in anchors:
            ours, theirs = cases[("CommandLine",) + key[1:]], cases[key]
            line = (f"  {key[1]}x{key[2]} x{key[3]} t{key[4]}: {ours['ms']:.0f} / {theirs['ms']:.0f} ms = "
                    f"{ours['ms'] / theirs['ms']:.2f}; {ours['rss']:.0f} / {theirs['rss']:.0f} MB")
            if ours["user_s"] and theirs["user_s"]:
                line += (f"; user {ours['user_s']:.2f} / {theirs['user_s']:.2f} s = "
                         f"{ours['user_s'] / theirs['user_s']:.2f}")
            print(line)
    print("\nPixel count (time at 12 MP / at 3 MP, and at 48 MP / at 12 MP, 8 frames, 2 threads; 4 is linear):")
    for stage in sorted({k[0] for k in cases}):
        small, mid, big = ((stage, w, h, 8, 2) for w, h in ((2000, 1500), (4000, 3000), (8000, 6000)))
        ratios = [f"{cases[b]['ms'] / cases[a]['ms']:.2f}" if a in cases and b in cases else "-"
                  for a, b in ((small, mid), (mid, big))]
        if ratios != ["-", "-"]:
            print(f"  {stage:<16} {' / '.join(ratios)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--compare", help="an earlier run's JSON: print each case's time as a ratio to it")
    args = parser.parse_args()
    context, cases = load(args.run)
    if not cases and not load_batch(args.run):
        sys.exit(f"bench_table: {args.run} has no nightburst_bench cases")
    earlier = load(args.compare)[1] if args.compare else None
    print(f"{context.get('host_name', '?')}: {context.get('num_cpus', '?')} CPUs at {context.get('mhz_per_cpu', '?')} MHz, "
          f"{context.get('date', '')}\n")
    print_table(cases, earlier)
    print_scaling(cases)
    batch = load_batch(args.run)
    for large, (label, bursts) in enumerate([("8 bursts of 1000x750 x 4 frames", 8), ("4 bursts of 12 MP x 8 frames", 4)]):
        runs = {jobs: ms for (size, jobs), ms in batch.items() if size == large}
        if not runs:
            continue
        print(f"\nBatch ({label}):")
        for jobs in sorted(runs):
            name = "default" if jobs == 0 else f"--jobs {jobs}"
            print(f"  {name}: {runs[jobs]:.0f} ms, {bursts * 1000 / runs[jobs]:.2f} bursts/s")
        splits = [runs[j] for j in (1, 2) if j in runs]
        if 0 in runs and splits:
            print(f"  default throughput / best split's: {min(splits) / runs[0]:.2f}")

if __name__ == "__main__":
    main()
