"""The Python module against the pipeline's own figures: run with pytest,
the built module on PYTHONPATH (scripts/test-python.sh does both)."""
import glob
import json
import os
import pathlib
import re
import threading
import time

import numpy as np
import pytest

import nightburst

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BURST = sorted(glob.glob(os.path.join(REPO, "testdata", "night_burst", "*.dng")))
PLAIN = dict(reference=0, awb="asshot", look="natural", chroma_denoise=0, sharpen=0)


def psnr(a, b):
    a = a.astype(np.float64) / 65535
    b = b.astype(np.float64) / 65535
    return 10 * np.log10(1 / np.mean((a - b) ** 2))


def clean_frame(burst):
    """The noise-free mosaic as a raw frame of the reference's levels."""
    ref = burst["frames"][burst["reference"]]
    black = ref.black_level[0]
    samples = np.rint(burst["clean_mosaic"] * (ref.white_level - black) + black).astype(np.uint16)
    return nightburst.RawFrame(samples, cfa=ref.cfa, black_level=black, white_level=ref.white_level,
                               as_shot_neutral=ref.as_shot_neutral, color_matrix=ref.color_matrix,
                               noise_profile=(1e-9, 1e-9), name="clean")


def test_merge_beats_the_reference_frame_against_ground_truth():
    burst = nightburst.synth(width=384, height=256, frames=8, seed=5, shot_noise=0.004, read_noise=2e-5)
    ideal, _ = nightburst.process([clean_frame(burst)], **PLAIN)
    merged, report = nightburst.process(burst["frames"], **PLAIN)
    single, _ = nightburst.process(burst["frames"][:1], **PLAIN)
    gain = psnr(merged, ideal) - psnr(single, ideal)
    print(f"merged {psnr(merged, ideal):.2f} dB, reference frame {psnr(single, ideal):.2f} dB: +{gain:.2f} dB")
    assert report["reference"] == 0 and len(report["motion"]) == 8
    assert gain > 4


def test_paths_frames_and_session_give_the_same_image():
    by_path, report = nightburst.process(BURST)
    frames = [nightburst.read_raw(p) for p in BURST]
    by_frame, _ = nightburst.process(frames)
    session = nightburst.Session()
    for p in BURST:
        session.add_frame(pathlib.Path(p))
    streamed, _ = session.finish()
    assert by_path.shape == (384, 512, 3) and by_path.dtype == np.uint16
    assert np.array_equal(by_path, by_frame) and np.array_equal(by_path, streamed)
    assert report["version"] == nightburst.__version__
    with pytest.raises(ValueError, match="finished"):
        session.finish()


def test_frames_from_numpy_are_viewed_not_copied():
    f = nightburst.read_raw(BURST[0])
    samples = np.array(f.mosaic)  # a copy of our own
    frame = nightburst.RawFrame(samples, cfa=f.cfa, black_level=list(f.black_level), white_level=f.white_level,
                                as_shot_neutral=f.as_shot_neutral, color_matrix=f.color_matrix,
                                noise_profile=f.noise_profile, exposure_s=f.exposure_s, iso=f.iso, make=f.make,
                                model=f.model, name="from numpy")
    assert np.shares_memory(frame.mosaic, samples)
    assert not frame.mosaic.flags.writeable
    image, _ = nightburst.process([frame] + [nightburst.read_raw(p) for p in BURST[1:]])
    reference, _ = nightburst.process(BURST)
    assert np.array_equal(image, reference)


def test_the_gil_is_released_while_the_pipeline_runs():
    ticks = []
    done = threading.Event()

    def tick():
        while not done.is_set():
            ticks.append(1)
            done.wait(0.005)

    # The bundled burst takes ~50 ms, about ten 5 ms ticks: too close to the
    # bound to judge by one call on a fast machine. Calls for at least 0.3 s:
    # with the GIL held the ticker could tick only between calls (about once
    # per call); released, it ticks throughout.
    t = threading.Thread(target=tick)
    t.start()
    calls = 0
    start = time.monotonic()
    while calls == 0 or time.monotonic() - start < 0.3:
        nightburst.process(BURST)
        calls += 1
    done.set()
    t.join()
    assert len(ticks) > calls + 10


@pytest.mark.parametrize("make, error, message", [
    (lambda: nightburst.RawFrame(np.zeros((64, 64), np.float32), white_level=1023), ValueError, "uint16"),
    (lambda: nightburst.RawFrame(np.zeros((64, 128), np.uint16)[:, ::2], white_level=1023), ValueError,
     "C-contiguous"),
    (lambda: nightburst.RawFrame(np.zeros((2, 64, 64), np.uint16), white_level=1023), ValueError, "2-D"),
    (lambda: nightburst.RawFrame(np.zeros((64, 64), np.uint16), black_level=2000, white_level=1023), ValueError,
     "black level"),
    (lambda: nightburst.RawFrame(np.zeros((63, 64), np.uint16), white_level=1023), ValueError, "must be even"),
    (lambda: nightburst.RawFrame(np.zeros((64, 64), np.uint16), cfa="RGBW", white_level=1023), ValueError,
     "RGGB"),
    (lambda: nightburst.RawFrame(np.zeros((64, 64), np.uint16), white_level=1023, color_matrix=[1, 2]),
     ValueError, "9 numbers"),
    (lambda: nightburst.read_raw(os.path.join(REPO, "README.md")), ValueError, "not a raw file"),
    (lambda: nightburst.read_raw("/nonexistent/frame.dng"), OSError, "no such file"),
    (lambda: nightburst.process(BURST, look="nite"), ValueError, "natural, bright, night"),
    (lambda: nightburst.process(BURST, sharpen=9), ValueError, "sharpen"),
    (lambda: nightburst.process(BURST, colour="warm"), TypeError, "unexpected option 'colour'"),
    (lambda: nightburst.process([]), ValueError, "no frames"),
    (lambda: nightburst.process([42]), TypeError, "a frame must be a path or a nightburst.RawFrame, not int"),
    (lambda: nightburst.process([nightburst.read_raw(BURST[0]),
                                 nightburst.synth(width=64, height=64, frames=1)["frames"][0]]),
     ValueError, "size"),
])
def test_bad_input_raises_with_the_reason(make, error, message):
    with pytest.raises(error, match=re.escape(message)):
        make()


# The README's quick start (its "## Python" section) and the whole Python page.
@pytest.mark.parametrize("doc, heading", [("README.md", "## Python"), ("docs/python.md", None)])
def test_documented_examples_run(doc, heading, tmp_path, monkeypatch):
    """Every ```python block of the document (or of its section), in order, from the repository root."""
    text = open(os.path.join(REPO, doc)).read()
    if heading:
        text = text.split(heading + "\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks
    monkeypatch.chdir(REPO)
    scope = {}
    for block in blocks:
        exec(block.replace("night.png", str(tmp_path / "night.png")), scope)
