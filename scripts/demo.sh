#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds nightburst, and runs the CLI on the
# bundled test burst. Prints where the PNG went.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target nightburst
mkdir -p out
./build/apps/nightburst process testdata/night_burst -o out/night.png \
  --merged-dng out/night_merged.dng --report out/night_report.json
echo "PNG written to $(pwd)/out/night.png (report: out/night_report.json, merged raw: out/night_merged.dng)"
