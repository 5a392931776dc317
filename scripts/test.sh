#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds nightburst, and runs the whole test
# suite through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j"$(nproc)"
# The installed package, used from a C and a C++ project of someone else's;
# the Python module's tests.
bash scripts/test-package.sh
bash scripts/test-python.sh
# The --debug-dir report rendered in headless Chromium, every image loaded.
bash scripts/test-debug-report.sh
# A sharded batch through a one-node Slurm cluster, its catalogs merged.
bash scripts/test-slurm.sh
# The core and its tests cross-built for arm64 and run under qemu; the
# Android library built and checked.
bash scripts/test-arm64.sh
# Then the suite under ASan + UBSan, and the fuzz targets' smoke runs.
bash scripts/test-sanitizers.sh
