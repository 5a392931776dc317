#!/usr/bin/env bash
# The core on 64-bit ARM: cross-builds nightburst_core and its tests with
# Debian's aarch64-linux-gnu toolchain (cmake/aarch64-linux-gnu.cmake), the
# Halide stages generated for arm-64-linux by the host build's generator
# executables, and runs the tests under qemu-aarch64. Then libnightburst.so for
# Android (NIGHTBURST_ANDROID, stages for arm-64-android), linked with the same
# cross compiler in place of the NDK's, and checked: arm64 code, Halide's
# Android runtime inside, only the C API exported. Needs the host build
# (scripts/test.sh builds it first).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/cmake/nightburst-halide_generators-config.cmake ] && [ -x build/halide_generators/nb_merge_temporal_generator ] || {
  echo "test-arm64: build the host tree first (scripts/test.sh), its generators run for arm64" >&2
  exit 1
}
generators=(-Dnightburst-halide_generators_DIR="$PWD/build/cmake")

cmake -S . -B build/arm64 -DCMAKE_BUILD_TYPE=Release -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
  -DNIGHTBURST_BUILD_APPS=OFF "${generators[@]}"
cmake --build build/arm64 -j"$(nproc)"
ctest --test-dir build/arm64 --output-on-failure -j"$(nproc)"

cmake -S . -B build/android-arm64 -DCMAKE_BUILD_TYPE=Release -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
  -DNIGHTBURST_ANDROID=ON -DNIGHTBURST_HALIDE_TARGETS=arm-64-android "${generators[@]}"
cmake --build build/android-arm64 -j"$(nproc)" --target nightburst
library=build/android-arm64/src/libnightburst.so
fail() { echo "test-arm64: $library: $*" >&2; exit 1; }
# (Outputs captured first: grep -q closing a pipe early would fail it under pipefail.)
for stage in build/android-arm64/halide_generators/*.a; do
  formats=$(aarch64-linux-gnu-objdump -f "$stage" | grep "file format" | sort -u)
  grep -q "elf64-littleaarch64" <<<"$formats" && ! grep -qv "elf64-littleaarch64" <<<"$formats" ||
    fail "$stage holds objects other than arm64: $formats"
done
# Halide's Android runtime logs through liblog; the Linux one does not.
undefined=$(aarch64-linux-gnu-nm -D --undefined-only "$library")
grep -q " __android_log_print$" <<<"$undefined" || fail "no Android Halide runtime inside"
exported=$(aarch64-linux-gnu-nm -D --defined-only "$library" | awk '{print $3}' | sort)
declared=$(grep -o '\bnb_[a-z0-9_]*(' include/nightburst/nightburst_c.h | tr -d '(' | sort -u)
[ "$exported" = "$declared" ] || fail "exports differ from nightburst_c.h's functions: $(diff <(echo "$declared") <(echo "$exported") | tr '\n' ' ')"
echo "test-arm64: arm64 tests passed under qemu; $library exports the $(echo "$declared" | wc -l) C API functions only"
