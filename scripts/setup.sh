#!/usr/bin/env bash
# Installs nightburst's build and test dependencies from Debian 12's packages.
# Idempotent: installs only what is missing. Runs as root or through sudo.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libhalide14-0-dev          # Halide 14: generators, runtime, Adams2019 autoscheduler
  libraw-dev                 # reading every raw format LibRaw supports
  libtiff-dev                # writing DNG
  libpng-dev                 # writing PNG
  libjpeg-dev                # reading JPEG scene pictures (nightburst synth --content)
  libeigen3-dev              # colour matrices, small linear algebra
  nlohmann-json3-dev         # JSON reports
  libcli11-dev               # command-line parsing
  libsqlite3-dev sqlite3     # the batch catalog (and the shell to query it)
  libcsv-dev                 # CSV batch manifests
  libopencv-dev              # tests' baselines and the CLI's --debug-dir plots (imgproc), never the core
  libgtest-dev libgmock-dev  # unit tests
  libbenchmark-dev           # benchmark harness
  time                       # GNU time: the harness's peak memory of a fresh CLI process
  python3                    # the harness's table (scripts/bench_table.py, standard library only)
  rawtran-doc                # a real Canon EOS 30D CR2 for the real-raw test
  colord-data                # CIE illuminant spectra for training the learned white balance
  clang-14 libclang-rt-14-dev  # the sanitizer build and libFuzzer targets (scripts/test-sanitizers.sh)
  g++-aarch64-linux-gnu binutils-aarch64-linux-gnu  # the arm64 cross build (scripts/test-arm64.sh)
  qemu-user                  # runs the arm64 tests (qemu-aarch64)
  ccache                     # compiled objects cached outside the clone: a fresh clone rebuilds fast
  libimage-exiftool-perl     # exiftool: the DNG tests validate the files written
  python3-pybind11 python3-numpy python3-pytest  # the Python module, its arrays and its tests
  slurm-wlm munge            # a one-node Slurm cluster for the sharded batch test (scripts/test-slurm.sh)
  python3-pil                # composing the README's before/after picture (scripts/readme-images.sh)
  chromium                   # renders the --debug-dir report headless (scripts/test-debug-report.sh)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
# rawtran-doc lives in the documentation path that minimal images exclude;
# make sure its files are not filtered out by dpkg's path-exclude rules.
if [ -d /etc/dpkg/dpkg.cfg.d ] && grep -rqs 'path-exclude=/usr/share/doc' /etc/dpkg/dpkg.cfg.d; then
  echo 'path-include=/usr/share/doc/rawtran-doc/*' | "${sudo_cmd[@]}" tee /etc/dpkg/dpkg.cfg.d/zz-nightburst-rawtran >/dev/null
fi
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup: done"
