#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds nightburst, and runs the whole test
# suite through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each step's wall time, for the CI-time figures (docs/development.md).
step() {
  local start=$SECONDS
  "$@"
  echo "test.sh: $((SECONDS - start)) s: $*"
}
step bash scripts/setup.sh
step cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
step cmake --build build -j"$(nproc)"
step ctest --test-dir build --output-on-failure -j"$(nproc)"
# The installed package, used from a C and a C++ project of someone else's;
# the Python module's tests.
step bash scripts/test-package.sh
step bash scripts/test-python.sh
# The --debug-dir report rendered in headless Chromium, every image loaded.
step bash scripts/test-debug-report.sh
# A sharded batch through a one-node Slurm cluster, its catalogs merged.
step bash scripts/test-slurm.sh
# The core and its tests cross-built for arm64 and run under qemu; the
# Android library built and checked.
step bash scripts/test-arm64.sh
# Then the suite under ASan + UBSan, and the fuzz targets' smoke runs.
step bash scripts/test-sanitizers.sh
