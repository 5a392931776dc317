#!/usr/bin/env bash
# The test suite again under AddressSanitizer + UndefinedBehaviorSanitizer,
# built with clang-14 together with the libFuzzer targets, whose short smoke
# runs are tests too. It links the Halide stages the main build generated
# (build/halide_generators), so every generator still runs once per target:
# run scripts/test.sh (or at least the main build) first.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/halide_generators/libnb_finish_basic.runtime.a ] || { echo "test-sanitizers: build the main tree first (scripts/test.sh)" >&2; exit 1; }
cmake -S . -B build/sanitize -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DNIGHTBURST_SANITIZE=ON -DNIGHTBURST_FUZZ=ON \
  -DNIGHTBURST_HALIDE_LIBRARY_DIR="$PWD/build/halide_generators"
cmake --build build/sanitize -j"$(nproc)" --target nightburst_tests nightburst_core_tests fuzz_awb_model fuzz_raw_frame fuzz_cli_illuminant fuzz_dng_opcodes
# Any report fails the test that caused it.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build/sanitize --output-on-failure -j"$(nproc)"
