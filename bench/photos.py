"""How many realistic user photos of digits the course reads right, per class of photo.

Generates pictures with ``tests/user_photos.py`` (phone photos with each EXIF orientation,
thin and thick pens on large scans, a small digit in a corner of a page, uneven lighting),
saves each as a file the way a phone or scanner would, and reads it as a learner does:
``mc.predict_digit(model, mc.to_mnist_image(path))`` with the course's trained LeNet
(``mc.trained_model("lenet")``: from the cache, trained once if missing).

    python bench/photos.py [--per-class 20] [--seed 0] [--model lenet] [--classes thin,pad]

Prints one row per class: read right, read wrong, refused (an error instead of a digit),
and the seconds spent reading. Takes under a minute for the default 20 per class.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests"))

import numpy as np  # noqa: E402
import user_photos  # noqa: E402

import mnist_course as mc  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=20, help="photos per class")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default="lenet", help="a recipe of mc.trained_model")
    parser.add_argument(
        "--classes", help="comma-separated subset of " + ",".join(user_photos.CLASSES)
    )
    args = parser.parse_args(argv)
    classes = args.classes.split(",") if args.classes else user_photos.CLASSES
    model = mc.trained_model(args.model)
    print(f"{mc.__file__}: {args.model}, {args.per_class} photos per class, seed {args.seed}")
    print(f"{'class':<10} {'right':>6} {'wrong':>6} {'refused':>8} {'accuracy':>9} {'read s':>7}")
    totals = np.zeros(3, int)
    with tempfile.TemporaryDirectory() as folder:
        for kind in classes:
            rng = np.random.default_rng([args.seed, user_photos.CLASSES.index(kind)])
            counts = np.zeros(3, int)  # right, wrong, refused
            seconds = 0.0
            reasons: dict[str, int] = {}
            for i in range(args.per_class):
                digit = i % 10
                image, orientation = user_photos.photo(kind, digit, rng)
                suffix = ".png" if kind == "pad" else ".jpg"
                path = user_photos.save_photo(image, orientation, Path(folder) / f"p{i}{suffix}")
                start = time.perf_counter()
                try:
                    read, _, _ = mc.predict_digit(model, mc.to_mnist_image(path))
                except Exception as error:  # noqa: BLE001 - a crash is a result here
                    counts[2] += 1
                    reason = type(error).__name__
                    reasons[reason] = reasons.get(reason, 0) + 1
                else:
                    counts[0 if read == digit else 1] += 1
                seconds += time.perf_counter() - start
            totals += counts
            note = ", ".join(f"{n} {name}" for name, n in reasons.items())
            print(
                f"{kind:<10} {counts[0]:>6} {counts[1]:>6} {counts[2]:>8} "
                f"{counts[0] / counts.sum():>9.0%} {seconds:>7.1f}"
                + (f"  ({note})" if note else "")
            )
    print(
        f"{'all':<10} {totals[0]:>6} {totals[1]:>6} {totals[2]:>8} {totals[0] / totals.sum():>9.0%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
