#!/usr/bin/env bash
# Builds timothybrooks/hdr-plus, the speed anchor of docs/benchmarks.md, with
# Debian's Halide 14, from a checkout of its public source that you bring
# (nothing of it is kept in this repository):
#
#   scripts/build-hdrplus.sh HDRPLUS_SOURCE SCRATCH_DIR
#
# The source is copied into SCRATCH_DIR/src and changed there in three ways
# Halide 14 needs: C enabled in its project() (Halide 14's CMake package
# uses it), Func::output_types() for types(), and an explicit Halide target
# (never `host`, which Halide 14 misreads on some of these CPUs; the widest
# target the machine has, as nightburst's own multi-target list picks at run
# time). The binary is SCRATCH_DIR/build/hdrplus; run the harness with
# --hdrplus=SCRATCH_DIR/build/hdrplus.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 HDRPLUS_SOURCE SCRATCH_DIR" >&2; exit 2; }
source_dir=$1
scratch=$2
[ -f "$source_dir/src/hdrplus_pipeline_generator.cpp" ] || { echo "$source_dir: not an hdr-plus checkout" >&2; exit 1; }
mkdir -p "$scratch"
rm -rf "$scratch/src"
cp -r "$source_dir" "$scratch/src"
cd "$scratch/src"
sed -i 's/^project(HDR_PLUS LANGUAGES CXX)/project(HDR_PLUS LANGUAGES C CXX)/' CMakeLists.txt
sed -i 's/input\.types()\[0\]/input.output_types()[0]/g' src/util.cpp
sed -i 's|^ *# HALIDE_TARGET \${HALIDE_TARGET}.*|    TARGETS ${HDRPLUS_TARGET}|' CMakeLists.txt
grep -q "LANGUAGES C CXX" CMakeLists.txt && [ "$(grep -c 'TARGETS \${HDRPLUS_TARGET}' CMakeLists.txt)" -eq 2 ] ||
  { echo "$source_dir: its CMakeLists.txt is not the one this script knows how to change" >&2; exit 1; }
if grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo; then
  target=x86-64-linux-avx-avx2-avx512-avx512_skylake-f16c-fma-sse41
elif grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
  target=x86-64-linux-avx-avx2-f16c-fma-sse41
else
  target=x86-64-linux-sse41
fi
cmake -S . -B ../build -DCMAKE_BUILD_TYPE=Release -DHDRPLUS_TARGET="$target" > /dev/null
cmake --build ../build -j"$(nproc)" --target hdrplus
echo "build-hdrplus: $scratch/build/hdrplus (Halide target $target)"
