"""Command line: ``python -m mnist_course train|evaluate|predict ...``.

* ``train MODEL [--epochs N] [--out PATH] [--workers N]``: train a course model, save it, print
  test accuracy (Ctrl-C leaves ``PATH`` as it was and exits 130); with ``--workers``, on N
  worker processes (:func:`mnist_course.cluster.train_on_workers`);
* ``evaluate MODEL.keras [MODEL.keras ...] [--mistakes PICTURE.png]``: loss, accuracy and
  the per-digit table on the test set; given several models, also their ensemble (the
  probabilities averaged), and a picture of its most confident mistakes;
* ``predict MODEL.keras IMAGE [IMAGE ...]``: the digit in each image file (or each file of a
  folder), and its probability; one line per file, whatever the others did;
* ``doctor [--data PATH]``: check this machine's setup and say what to fix (exit 1 if a problem).

``MNIST_COURSE_LANG=zh`` makes its messages Chinese (:mod:`mnist_course.language`).

Errors a user can cause (bad arguments, missing or corrupt data, unwritable output) give
one clear line on stderr and a non-zero exit: 2 for usage errors, 1 for the others.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import MnistCourseError
from .language import tr


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(tr("{text!r} is not a whole number", text=text)) from None
    if value < 1:
        raise argparse.ArgumentTypeError(tr("must be at least 1, got {value}", value=value))
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            tr("{text!r} is not a number of seconds", text=text)
        ) from None
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError(
            tr("must be above 0 and at most 600, got {text}", text=text)
        )
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(tr("{text!r} is not a whole number", text=text)) from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(
            tr("must be from 0 to 4294967295, got {value}", value=value)
        )
    return value


# The recipe names, written here so that --help and usage errors need no TensorFlow;
# tests/test_cli.py checks they match mnist_course.recipes.RECIPES.
RECIPE_NAMES = ("tiny-mlp", "mlp", "lenet", "cnn", "fast-cnn")


def _parser() -> argparse.ArgumentParser:

    parser = argparse.ArgumentParser(
        prog="python -m mnist_course",
        description=tr("Train the mnist-course models from the command line."),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train = commands.add_parser(
        "train",
        help=tr("train a model, save it and print its test accuracy"),
        description=tr(
            "Train a course model on MNIST, save it (.keras) and print its test accuracy."
        ),
    )
    train.add_argument("model", choices=RECIPE_NAMES, help=tr("which model (recipe) to train"))
    train.add_argument(
        "--epochs", type=_positive_int, help=tr("passes over the data (default: the recipe's)")
    )
    train.add_argument(
        "--out", type=Path, help=tr("where to save the model (default: MODEL.keras)")
    )
    train.add_argument(
        "--data",
        type=Path,
        help=tr("mnist.npz or IDX folder (default: $MNIST_COURSE_DATA, else download)"),
    )
    train.add_argument(
        "--limit", type=_positive_int, help=tr("train on only the first N training images")
    )
    train.add_argument("--seed", type=_seed, default=0, help=tr("random seed (default: 0)"))
    train.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        help=tr(
            "train on N worker processes with MultiWorkerMirroredStrategy, as on N "
            "machines (default: 1, this process)"
        ),
    )
    train.add_argument(
        "--keep-interrupted",
        action="store_true",
        help=tr(
            "on Ctrl-C, save the best weights so far as MODEL.interrupted.keras (never over --out)"
        ),
    )
    evaluate = commands.add_parser(
        "evaluate",
        help=tr("test loss, accuracy and per-digit table of a saved model"),
        description=tr("Evaluate a saved .keras model on the MNIST test set."),
    )
    evaluate.add_argument(
        "model_files",
        type=Path,
        nargs="+",
        metavar="MODEL.keras",
        help=tr(
            "one model, or several: then each, and the ensemble of them (their "
            "probabilities averaged)"
        ),
    )
    evaluate.add_argument(
        "--data", type=Path, help=tr("mnist.npz or IDX folder (default: as train)")
    )
    evaluate.add_argument(
        "--mistakes",
        type=Path,
        metavar="PICTURE.png",
        help=tr("also draw the most confident mistakes (of the ensemble, if several models)"),
    )
    predict = commands.add_parser(
        "predict",
        help=tr("read the digit in image files"),
        description=tr(
            "Predict the digit in each image (PNG, JPEG, ...; any size, dark-on-light "
            "or light-on-dark), after turning it into an MNIST-style 28x28 input."
        ),
    )
    predict.add_argument("model_file", type=Path, metavar="MODEL.keras")
    predict.add_argument(
        "images", type=Path, nargs="+", metavar="IMAGE", help=tr("image files, or folders of them")
    )
    doctor = commands.add_parser(
        "doctor",
        help=tr("check this machine's setup for the course (run this first)"),
        description=tr(
            "Check Python, TensorFlow and Keras, where MNIST will come from, the "
            "precision this CPU uses and the notebook widgets, and say what to fix. Never "
            "downloads anything. Exit status 1 if a problem is found."
        ),
    )
    doctor.add_argument(
        "--data", type=Path, help=tr("the MNIST path you will use (default: as train)")
    )
    doctor.add_argument(
        "--timeout", type=_seconds, default=3.0, help=tr("seconds to wait for the download server")
    )
    return parser


def _train(args: argparse.Namespace) -> int:
    from .data.loading import load_mnist
    from .evaluation.metrics import evaluate
    from .training.callbacks import EpochLog
    from .training.fitting import set_seed
    from .training.recipes import DEFAULT_EPOCHS, train_course_model
    from .training.saving import plain_model, save_model

    out = args.out or Path(f"{args.model}.keras")
    if out.suffix != ".keras":
        raise MnistCourseError(tr("--out {out}: the file name must end in .keras", out=out))
    if not out.parent.resolve().is_dir():
        raise MnistCourseError(
            tr("--out {out}: folder {folder} does not exist", out=out, folder=out.parent)
        )
    if out.is_dir():
        raise MnistCourseError(tr("--out {out}: is a folder; give a file name inside it", out=out))
    if len(out.name.encode()) > 255:  # checked now, not after minutes of training
        raise MnistCourseError(
            tr(
                "--out: the file name is {n} bytes long; most file systems allow 255",
                n=len(out.name.encode()),
            )
        )
    if args.workers > 1:
        return _train_on_workers(args, out)
    (x_train, y_train), (x_test, y_test) = load_mnist(args.data)
    if args.limit:
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
    epochs = args.epochs or DEFAULT_EPOCHS[args.model]
    print(
        tr("Training {model} on {count} images for 1 epoch", model=args.model, count=len(x_train))
        if epochs == 1
        else tr(
            "Training {model} on {count} images for {epochs} epochs",
            model=args.model,
            count=len(x_train),
            epochs=epochs,
        ),
        flush=True,
    )
    set_seed(args.seed)  # this process is the command's own: the run repeats exactly
    model, history = train_course_model(
        args.model,
        x_train,
        y_train,
        epochs=epochs,
        seed=args.seed,
        progress=EpochLog(lambda line: print(line, flush=True)),
    )
    if getattr(history, "interrupted", False):
        kept = out.exists()
        print(
            tr("Interrupted: {path} was not written (it still holds the model it had).", path=out)
            if kept
            else tr("Interrupted: {path} was not written.", path=out),
            file=sys.stderr,
        )
        partial = out.with_name(f"{out.stem}.interrupted.keras")
        if args.keep_interrupted:
            save_model(model, partial)
            print(tr("The partly trained model is in {path}.", path=partial), file=sys.stderr)
        else:
            print(
                tr(
                    "To keep a partly trained model next time, add --keep-interrupted: it goes "
                    "to {path}.",
                    path=partial,
                ),
                file=sys.stderr,
            )
        return 130
    save_model(model, out)
    # Reported from the saved model, as `evaluate` will report it for the same file.
    result = evaluate(plain_model(model), x_test, y_test)
    print(tr("Saved {path} ({count:,} parameters)", path=out, count=model.count_params()))
    print(tr("Test: {result} on {count} test images", result=result, count=len(x_test)))
    return 0


def _train_on_workers(args: argparse.Namespace, out: Path) -> int:
    from .data.loading import load_mnist
    from .distribute.cluster import train_on_workers
    from .evaluation.metrics import evaluate
    from .training.saving import load_model

    print(tr("Starting {workers} workers on 127.0.0.1", workers=args.workers), flush=True)
    run = train_on_workers(
        args.model,
        workers=args.workers,
        epochs=args.epochs,
        limit=args.limit,
        validation=0,  # all the training images, as without --workers
        seed=args.seed,
        data=args.data,
        out=out,
        print_fn=lambda line: print(line, flush=True),
    )
    print(run)
    _, (x_test, y_test) = load_mnist(args.data)
    result = evaluate(load_model(run.path), x_test, y_test)
    print(tr("Test: {result} on {count} test images", result=result, count=len(x_test)))
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from .data.loading import load_mnist
    from .evaluation.metrics import (
        check_ensemble,
        classification_report,
        evaluate,
        evaluate_ensemble,
    )
    from .training.saving import load_model

    if args.mistakes is not None:
        _check_picture_path(args.mistakes)  # before minutes of loading and predicting
    models = [load_model(path) for path in args.model_files]
    if len(models) > 1:
        check_ensemble(models)  # the same file twice: said before the test set is read
    _, (x_test, y_test) = load_mnist(args.data)
    for path, model in zip(args.model_files, models, strict=True):
        result = evaluate(model, x_test, y_test)
        print(
            tr(
                "{path}: {result} on {count} test images",
                path=path,
                result=result,
                count=len(y_test),
            )
        )
    if len(models) > 1:
        result = evaluate_ensemble(models, x_test, y_test)
        print(
            tr(
                "ensemble of {n} (probabilities averaged): {result} on {count} test images",
                n=len(models),
                result=result,
                count=len(y_test),
            )
        )
    print(classification_report(result.labels, result.predictions))
    if args.mistakes is not None:
        _draw_mistakes(args.mistakes, x_test, result)
    return 0


def _check_picture_path(path: Path) -> None:
    from .errors import InputError

    if path.suffix.lower() != ".png":
        raise InputError(
            tr(
                "--mistakes: the picture is written as PNG; give a name ending in .png, "
                "got {path}.",
                path=path,
            )
        )
    if not path.parent.resolve().is_dir():
        raise InputError(
            tr(
                "--mistakes: the folder {folder} does not exist; create it first.",
                folder=path.parent,
            )
        )
    if path.is_dir():
        raise InputError(
            tr("--mistakes: {path} is a folder; give a file name inside it.", path=path)
        )


def _draw_mistakes(path: Path, images, result) -> None:
    from .errors import InputError
    from .evaluation.metrics import most_confident_mistakes
    from .files import atomic_path
    from .language import tr_plot
    from .plots import plot_mistakes

    worst = most_confident_mistakes(result.probabilities, result.labels, count=32)
    if len(worst) == 0:
        print(tr("no mistakes to draw: every test image was read right"))
        return
    figure = plot_mistakes(
        images,
        result.labels,
        result.probabilities,
        worst,
        title=tr_plot("the most confident mistakes"),
    )
    try:
        with atomic_path(path) as tmp:  # an interrupted write leaves no half picture
            figure.savefig(tmp, format="png", dpi=100)
    except OSError as error:
        raise InputError(
            tr("--mistakes: could not write {path} ({reason}).", path=path, reason=error.strerror)
        ) from None
    print(tr("{count} mistakes drawn in {path}", count=len(worst), path=path))


def _predict(args: argparse.Namespace) -> int:
    from .data.images import to_mnist_image
    from .evaluation.metrics import predict_digit
    from .training.saving import load_model

    model = load_model(args.model_file)
    failed = 0
    paths = []
    for path in args.images:  # a folder stands for the files in it
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if not p.name.startswith("."))
            if not inside:
                print(tr("error: {path}: the folder holds no files.", path=path), file=sys.stderr)
                failed += 1
            paths += inside
        else:
            paths.append(path)
    # every image is read, whatever the ones before it did: one line each, the errors on
    # stderr, and a non-zero exit at the end if any failed (Ctrl-C still stops the run)
    for path in paths:
        try:
            digit, probability, _ = predict_digit(model, to_mnist_image(path))
        except Exception as error:
            failed += 1
            text = " ".join(str(error).split())  # one line, whatever the message holds
            if not isinstance(error, MnistCourseError):
                text = tr(
                    "{path}: could not be read ({kind}: {text})",
                    path=path,
                    kind=type(error).__name__,
                    text=text,
                )
            elif str(path) not in text:
                text = f"{path}: {text}"
            print(tr("error: {message}", message=text), file=sys.stderr)
            sys.stderr.flush()
            continue
        print(f"{path}: {digit} ({probability:.1%})", flush=True)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        # Ctrl-C during the slow TensorFlow import lands here too: one line, no traceback.
        if args.command == "train":
            return _train(args)
        if args.command == "evaluate":
            return _evaluate(args)
        if args.command == "predict":
            return _predict(args)
        if args.command == "doctor":
            from .setup.doctor import doctor

            print(
                tr("Checking your setup (importing TensorFlow takes a few seconds)..."),
                flush=True,
            )
            report = doctor(args.data, timeout=args.timeout)
            print(report)
            return 0 if report.ok else 1
    except MnistCourseError as error:
        print(tr("error: {message}", message=error), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(tr("interrupted"), file=sys.stderr)
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
