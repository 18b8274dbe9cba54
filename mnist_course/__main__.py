"""Command line: ``python -m mnist_course train MODEL [--epochs N] [--out PATH]``.

Errors a user can cause (bad arguments, missing or corrupt data, unwritable output) give
one clear line on stderr and a non-zero exit: 2 for usage errors, 1 for the others.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import MnistCourseError


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    from .models import MODELS  # imported here so `--help` answers before TensorFlow loads

    parser = argparse.ArgumentParser(
        prog="python -m mnist_course",
        description="Train the mnist-course models from the command line.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train = commands.add_parser(
        "train",
        help="train a model, save it and print its test accuracy",
        description="Train a course model on MNIST, save it (.keras) and print its test accuracy.",
    )
    train.add_argument("model", choices=list(MODELS), help="which model to train")
    train.add_argument(
        "--epochs", type=_positive_int, help="passes over the data (default: the tutorial's)"
    )
    train.add_argument("--out", type=Path, help="where to save the model (default: MODEL.keras)")
    train.add_argument(
        "--data",
        type=Path,
        help="mnist.npz or IDX folder (default: $MNIST_COURSE_DATA, else download)",
    )
    train.add_argument(
        "--limit", type=_positive_int, help="train on only the first N training images"
    )
    train.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    return parser


def _train(args: argparse.Namespace) -> int:
    from .data import load_mnist, prepare
    from .training import DEFAULT_EPOCHS, EpochLog, save_model, train_course_model

    out = args.out or Path(f"{args.model}.keras")
    if out.suffix != ".keras":
        raise MnistCourseError(f"--out {out}: the file name must end in .keras")
    if not out.parent.resolve().is_dir():
        raise MnistCourseError(f"--out {out}: folder {out.parent} does not exist")
    (x_train, y_train), (x_test, y_test) = load_mnist(args.data)
    if args.limit:
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
    epochs = args.epochs or DEFAULT_EPOCHS[args.model]
    print(f"Training {args.model} on {len(x_train)} images for {epochs} epochs", flush=True)
    model, _ = train_course_model(
        args.model,
        x_train,
        y_train,
        epochs=epochs,
        seed=args.seed,
        progress=EpochLog(lambda line: print(line, flush=True)),
    )
    save_model(model, out)
    from .models import input_layout

    x, y = prepare(x_test, y_test, layout=input_layout(model))
    loss, accuracy = model.evaluate(x, y, batch_size=1024, verbose=0)
    print(f"Saved {out} ({model.count_params():,} parameters)")
    print(f"Test accuracy: {accuracy:.2%} (loss {loss:.4f}) on {len(x_test)} test images")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "train":
            return _train(args)
    except MnistCourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
