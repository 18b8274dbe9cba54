"""Command line: ``python -m mnist_course train|evaluate|predict ...``.

* ``train MODEL [--epochs N] [--out PATH]``: train a course model, save it, print test accuracy;
* ``evaluate MODEL.keras``: loss, accuracy and the per-digit table on the test set;
* ``predict MODEL.keras IMAGE [IMAGE ...]``: the digit in each image file, and its probability;
* ``doctor [--data PATH]``: check this machine's setup and say what to fix (exit 1 if a problem).

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
    try:
        from .training import RECIPES
    except ImportError:  # TensorFlow is broken: `doctor` must still run and say so
        RECIPES = None

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
    train.add_argument(
        "model", choices=RECIPES and list(RECIPES), help="which model (recipe) to train"
    )
    train.add_argument(
        "--epochs", type=_positive_int, help="passes over the data (default: the recipe's)"
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
    evaluate = commands.add_parser(
        "evaluate",
        help="test loss, accuracy and per-digit table of a saved model",
        description="Evaluate a saved .keras model on the MNIST test set.",
    )
    evaluate.add_argument("model_file", type=Path, metavar="MODEL.keras")
    evaluate.add_argument("--data", type=Path, help="mnist.npz or IDX folder (default: as train)")
    predict = commands.add_parser(
        "predict",
        help="read the digit in image files",
        description="Predict the digit in each image (PNG, JPEG, ...; any size, dark-on-light "
        "or light-on-dark), after turning it into an MNIST-style 28x28 input.",
    )
    predict.add_argument("model_file", type=Path, metavar="MODEL.keras")
    predict.add_argument("images", type=Path, nargs="+", metavar="IMAGE")
    doctor = commands.add_parser(
        "doctor",
        help="check this machine's setup for the course (run this first)",
        description="Check Python, TensorFlow and Keras, where MNIST will come from, the "
        "precision this CPU uses and the notebook widgets, and say what to fix. Never "
        "downloads anything. Exit status 1 if a problem is found.",
    )
    doctor.add_argument("--data", type=Path, help="the MNIST path you will use (default: as train)")
    doctor.add_argument(
        "--timeout", type=float, default=3.0, help="seconds to wait for the download server"
    )
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
    unit = "epoch" if epochs == 1 else "epochs"
    print(f"Training {args.model} on {len(x_train)} images for {epochs} {unit}", flush=True)
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


def _evaluate(args: argparse.Namespace) -> int:
    from .data import load_mnist
    from .evaluation import classification_report, evaluate
    from .training import load_model

    model = load_model(args.model_file)
    _, (x_test, y_test) = load_mnist(args.data)
    result = evaluate(model, x_test, y_test)
    print(f"{args.model_file}: {result} on {len(y_test)} test images")
    print(classification_report(result.labels, result.predictions))
    return 0


def _predict(args: argparse.Namespace) -> int:
    from .evaluation import predict_digit
    from .images import to_mnist_image
    from .training import load_model

    model = load_model(args.model_file)
    failed = 0
    for path in args.images:
        try:
            digit, probability, _ = predict_digit(model, to_mnist_image(path))
        except MnistCourseError as error:
            failed += 1
            text = str(error)
            print(f"error: {text if str(path) in text else f'{path}: {text}'}", file=sys.stderr)
            continue
        print(f"{path}: {digit} ({probability:.1%})", flush=True)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "train":
            return _train(args)
        if args.command == "evaluate":
            return _evaluate(args)
        if args.command == "predict":
            return _predict(args)
        if args.command == "doctor":
            from .doctor import doctor

            print("Checking your setup (importing TensorFlow takes a few seconds)...", flush=True)
            report = doctor(args.data, timeout=args.timeout)
            print(report)
            return 0 if report.ok else 1
    except MnistCourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
