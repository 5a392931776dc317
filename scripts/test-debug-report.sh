#!/usr/bin/env bash
# The --debug-dir report as a person opens it: headless Chromium (Debian's
# chromium) loads index.html from disk, with nothing from the network; the
# page's own inline check counts the images that loaded, which must be all
# of them; a page with a missing image must be caught by the same check;
# and a screenshot is kept for a person to look at.
#   bash scripts/test-debug-report.sh [BUILD_DIR]   (default: build)
# The screenshot: BUILD_DIR/debug-report-screenshot.png.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
cli=$build/apps/nightburst
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$cli" synth "$work/burst" --frames 6 --moving-object -q
"$cli" process "$work/burst" -o "$work/night.png" --debug-dir "$work/report" -q >/dev/null

# As root (CI containers) Chromium's sandbox cannot start; the page is our own file.
chromium_run() {
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$work/profile" \
    --virtual-time-budget=10000 "$@" 2>/dev/null
}
# The page's verdict, from the DOM after its load event: "loaded broken".
verdict() {
  chromium_run --dump-dom "file://$work/report/index.html" |
    sed -n 's/.*<body data-images-loaded="\([0-9]*\)" data-images-broken="\([0-9]*\)".*/\1 \2/p' | head -1
}

images=$(grep -o '<img ' "$work/report/index.html" | wc -l)
read -r loaded broken <<<"$(verdict)" || true
echo "test-debug-report: $images images on the page; Chromium loaded ${loaded:-none}, ${broken:-?} did not load"
if [ "${loaded:-}" != "$images" ] || [ "${broken:-}" != 0 ] || [ "$images" -lt 10 ]; then
  echo "test-debug-report: FAILED: every image must load" >&2
  exit 1
fi

# The check catches a broken page: one image taken away.
mv "$work/report/noise.png" "$work/noise.png"
read -r loaded broken <<<"$(verdict)" || true
mv "$work/noise.png" "$work/report/noise.png"
if [ "${broken:-}" != 1 ]; then
  echo "test-debug-report: FAILED: a missing image went unnoticed (broken=${broken:-none})" >&2
  exit 1
fi

shot=$build/debug-report-screenshot.png
chromium_run --screenshot="$work/shot.png" --window-size=1280,4200 "file://$work/report/index.html" >/dev/null
size=$(stat -c %s "$work/shot.png" 2>/dev/null || echo 0)
if [ "$size" -lt 100000 ]; then
  echo "test-debug-report: FAILED: the screenshot is missing or blank ($size bytes)" >&2
  exit 1
fi
cp "$work/shot.png" "$shot"
echo "test-debug-report: passed; screenshot $shot ($size bytes)"
