#!/usr/bin/env bash
# Makes the README's before/after picture (docs/images/before_after.png) from a
# burst the repository synthesises itself: the reference frame finished alone
# beside the merged burst, at the same look and white balance, each above 1:1
# crops of two regions. Prints the finished images' PSNR against the ground
# truth finished the same way. Needs the build (scripts/demo.sh makes it) and
# Debian's python3-pil (scripts/setup.sh installs it) to lay the pictures out.
set -euo pipefail
cd "$(dirname "$0")/.."
nightburst=${NIGHTBURST:-build/apps/nightburst}
[ -x "$nightburst" ] || { echo "readme-images: $nightburst not built (run scripts/demo.sh)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A dark hand-held night street: 8 frames, 1024x768, scene mean 1 % of white,
# stars and a passing object.
"$nightburst" synth "$work/burst" --width 1024 --height 768 --frames 8 --seed 5 --scene-mean 0.01 \
  --shot-noise 0.006 --stars 60 --moving-object >/dev/null
"$nightburst" process "$work/burst" -o "$work/merged.png" --report "$work/merged.json" --ref 0 -q >/dev/null
# The reference alone, the ground truth and the burst again, all with the
# light fixed to the merge's estimate and the same look: the differences
# are the merge's, not the white balance's.
light=$(/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(",".join("%.6f" % v for v in r["awb"]["illuminant_rgb"]))' "$work/merged.json")
"$nightburst" process "$work/burst/frame_00.dng" -o "$work/reference.png" --awb "$light" -q >/dev/null
"$nightburst" process "$work/burst/truth/ground_truth.dng" -o "$work/truth.png" --awb "$light" -q >/dev/null
"$nightburst" process "$work/burst" -o "$work/merged_fixed.png" --awb "$light" --ref 0 -q \
  --merged-dng "$work/merged.dng" >/dev/null

# The merge's gain where the pipeline's quality figures measure it: the
# linear mosaic against the clean one, 16 px border left out.
PYTHONPATH="$PWD/build/src/python" /usr/bin/python3 - "$work" <<'PY'
import sys
import numpy as np
import nightburst

work = sys.argv[1]
def linear(path):
    frame = nightburst.read_raw(path)
    black = np.array(frame.black_level, np.float64).reshape(2, 2)
    mosaic = frame.mosaic.astype(np.float64)
    levels = np.tile(black, (mosaic.shape[0] // 2, mosaic.shape[1] // 2))
    return ((mosaic - levels) / (frame.white_level - levels))[16:-16, 16:-16]
truth = linear(f"{work}/burst/truth/ground_truth.dng")
psnr = lambda path: 10 * np.log10(1 / np.mean((linear(path) - truth) ** 2))
reference, merged = psnr(f"{work}/burst/frame_00.dng"), psnr(f"{work}/merged.dng")
print(f"linear mosaic against the ground truth: reference frame {reference:.2f} dB, "
      f"merged {merged:.2f} dB (+{merged - reference:.2f} dB)")
PY

mkdir -p docs/images
/usr/bin/python3 - "$work" docs/images/before_after.png <<'PY'
import math, sys
from PIL import Image, ImageChops, ImageDraw, ImageStat

work, out = sys.argv[1], sys.argv[2]
reference = Image.open(f"{work}/reference.png").convert("RGB")
merged = Image.open(f"{work}/merged_fixed.png").convert("RGB")
truth = Image.open(f"{work}/truth.png").convert("RGB")

def psnr(image):
    mse = sum(ImageStat.Stat(ImageChops.difference(image, truth).point(lambda v: v * v)).mean) / 3
    return 10 * math.log10(255 ** 2 / mse) if mse else float("inf")

print(f"finished 8-bit sRGB against the ground truth finished alike: "
      f"reference frame {psnr(reference):.2f} dB, merged {psnr(merged):.2f} dB")

# Overview at half size; crops 1:1 (regions chosen in the synthetic scene:
# the chart and the street's dark shadow).
w, h = reference.size
half = (w // 2, h // 2)
crops = [(int(w * 0.08), int(h * 0.55)), (int(w * 0.55), int(h * 0.62))]
size = 248
gap = 8
canvas = Image.new("RGB", (2 * half[0] + gap, half[1] + gap + size), "white")
for column, image in enumerate([reference, merged]):
    x0 = column * (half[0] + gap)
    canvas.paste(image.resize(half, Image.LANCZOS), (x0, 0))
    draw = ImageDraw.Draw(canvas)
    for i, (cx, cy) in enumerate(crops):
        box = (cx, cy, cx + size, cy + size)
        canvas.paste(image.crop(box), (x0 + i * (size + gap), half[1] + gap))
        draw.rectangle([x0 + cx // 2, cy // 2, x0 + (cx + size) // 2, (cy + size) // 2], outline=(255, 200, 0))
canvas.save(out, optimize=True)
print(f"wrote {out} ({canvas.size[0]}x{canvas.size[1]})")
PY
