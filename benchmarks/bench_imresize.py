"""Benchmark imresize (MATLAB's algorithm in NumPy) against scikit-image's resize.

Run ``python benchmarks/bench_imresize.py`` (``--repeats N``, default 50). On a 46x46x32
float32 stack (the face network's conv1 activation) resized to 160x160, it times
``imresize`` with each method and ``skimage.transform.resize(..., order=1)`` (and
``order=3``) on the same input, interleaved round by round after a warm-up
(``_timing.interleaved``), then prints each median and its ratio to skimage's
``order=1`` with the spread. All figures come from one process, so compare the ratios;
absolute times vary between machines and runs. On a busy machine the multi-threaded BLAS
behind imresize's matrix products makes its times jumpy; ``OPENBLAS_NUM_THREADS=1``
gives steadier figures. Not a timed test: the target (imresize within 2x of skimage's
``order=1``) is read off the table.
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import interleaved, save, table  # benchmarks/ is on sys.path when a script runs
from skimage.transform import resize

from activations import imresize

SHAPE = (46, 46, 32)
OUT = (160, 160)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--save", action="store_true", help="write results/imresize.json")
    args = parser.parse_args(argv)
    x = np.random.default_rng(0).random(SHAPE, dtype=np.float32)
    out_shape = OUT + SHAPE[2:]

    def skimage_resize(order: int):
        return lambda: resize(x, out_shape, order=order, mode="symmetric", preserve_range=True)

    cases = {  # the first is the floor of the ratios
        "skimage resize order=1": skimage_resize(1),
        "skimage resize order=3": skimage_resize(3),
        "imresize bicubic (default)": lambda: imresize(x, OUT),
        "imresize bilinear": lambda: imresize(x, OUT, method="bilinear"),
        "imresize nearest": lambda: imresize(x, OUT, method="nearest"),
    }
    timings = interleaved(cases, rounds=args.repeats, warmup=3)
    print(table(timings, f"{SHAPE} float32 -> {OUT}, interleaved over {args.repeats} rounds"))
    if args.save:
        print(f"wrote {save('imresize', [{k: t.as_dict() for k, t in timings.items()}])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
