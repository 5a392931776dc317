#!/usr/bin/env bash
# The installable package, checked as a user of it would use it: nightburst
# (already built in build/) installed into a temporary prefix, then a small
# C and C++ project (tests/package) built against it with find_package, and
# the C program once more with pkg-config alone; both run.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install build --prefix "$work/prefix" >/dev/null
cmake -S tests/package -B "$work/consumer" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer" -j"$(nproc)" >/dev/null
"$work/consumer/consumer_c"
"$work/consumer/consumer_cpp" "$work/photo.png" testdata/night_burst/*.dng
cmp -n 8 "$work/photo.png" <(printf '\x89PNG\r\n\x1a\n')  # a PNG's signature
# pkg-config, for C builds without CMake.
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$(find "$work/prefix" -name nightburst.pc)")
cc tests/package/consumer.c $(pkg-config --cflags --libs nightburst) -Wl,-rpath,"$(pkg-config --variable=libdir nightburst)" \
   -o "$work/consumer_c_pkgconfig"
"$work/consumer_c_pkgconfig"
echo "test-package: installed into a temporary prefix; the C and C++ consumers built (find_package, pkg-config) and ran"
