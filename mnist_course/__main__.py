"""``python -m mnist_course train | evaluate | predict | doctor``; ``--help`` says more.

A user's error is one line on stderr and exit status 2 (usage) or 1 (the others); Ctrl-C exits
130. ``MNIST_COURSE_LANG=zh`` makes the messages Chinese."""

import argparse
import functools
import os
import sys
from argparse import ArgumentTypeError
from pathlib import Path

from .errors import InputError, MnistCourseError
from .language import tr, trn

# Written here so that --help and usage errors need no TensorFlow; tests/test_cli.py checks
# that they match mnist_course.training.recipes.RECIPES.
RECIPE_NAMES = ("tiny-mlp", "mlp", "lenet", "cnn", "fast-cnn")
MAX_WORKERS = 16  # as mnist_course.distribute.cluster's: each worker starts its own TensorFlow
echo = functools.partial(print, flush=True)


def _whole(text: str, seed: bool = False, most: int = 2**31 - 1) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ArgumentTypeError(tr("{text!r} is not a whole number", text=text)) from None
    if seed and not 0 <= value < 2**32:
        raise ArgumentTypeError(tr("must be from 0 to 4294967295, got {value}", value=value))
    if not seed and value < 1:
        raise ArgumentTypeError(tr("must be at least 1, got {value}", value=value))
    if not seed and value > most:  # TensorFlow counts epochs and steps in 32 bits
        raise ArgumentTypeError(tr("must be at most {most}, got {value}", most=most, value=value))
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ArgumentTypeError(tr("{text!r} is not a number of seconds", text=text)) from None
    if not 0 < value <= 600:
        raise ArgumentTypeError(tr("must be above 0 and at most 600, got {text}", text=text))
    return value


def _path(text: str) -> Path:
    """A path as the shell would give it: ``~`` is the home folder, even after ``--out=``."""
    try:
        return Path(text).expanduser()
    except RuntimeError:  # ~someone who does not exist: the path as written, refused later
        return Path(text)


def _not_an_input(path: Path, option: str, inputs: list[Path | None]) -> None:
    """Refuse an output that is one of the command's inputs: writing it would destroy it."""
    for given in inputs:
        if given is not None and path.exists() and given.exists() and path.samefile(given):
            raise MnistCourseError(
                "{option} {path}: that is {given}, which this command reads; write to another file",
                option=option,
                path=path,
                given=given,
            )


def _check_writable(path: Path, option: str) -> None:
    """Raise unless ``path`` can be written: before the minutes of work that produce it."""
    import tempfile

    if (n := len(path.name.encode())) > 255:
        raise MnistCourseError(
            "{option}: the file name is {n} bytes long; most file systems allow 255",
            option=option,
            n=n,
        )
    try:  # a whole path longer than the system allows fails every test below
        path.exists()
    except OSError as error:
        raise MnistCourseError(
            "{option} {path}: cannot use this path ({reason})",
            option=option,
            path=path,
            reason=error.strerror or error,
        ) from None
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise MnistCourseError(
            "{option} {path}: {folder} is a file, not a folder",
            option=option,
            path=path,
            folder=folder,
        )
    if not folder.resolve().is_dir():
        raise MnistCourseError(
            "{option} {path}: folder {folder} does not exist; create it first",
            option=option,
            path=path,
            folder=folder,
        )
    if path.is_dir():
        raise MnistCourseError(
            "{option} {path}: is a folder; give a file name inside it", option=option, path=path
        )
    if path.exists() and not os.access(path, os.W_OK):
        raise MnistCourseError(
            "{option} {path}: the file is read-only; make it writable, or give another name",
            option=option,
            path=path,
        )
    try:  # the only sure test: permissions, read-only disks and the like all show here
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise MnistCourseError(
            "{option} {path}: cannot write in folder {folder} ({reason})",
            option=option,
            path=path,
            folder=folder,
            reason=error.strerror or error,
        ) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mnist_course",
        description=tr("Train the mnist-course models from the command line."),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add = commands.add_parser(
        "train",
        help=tr("train a model, save it and print its test accuracy"),
        description=tr(
            "Train a course model on MNIST, save it (.keras) and print its test accuracy."
        ),
    ).add_argument
    add("model", choices=RECIPE_NAMES, help=tr("which model (recipe) to train"))
    add("--epochs", type=_whole, help=tr("passes over the data (default: the recipe's)"))
    add("--out", type=_path, help=tr("where to save the model (default: MODEL.keras)"))
    default_data = tr("mnist.npz or IDX folder (default: $MNIST_COURSE_DATA, else download)")
    add("--data", type=_path, help=default_data)
    add("--limit", type=_whole, help=tr("train on only the first N training images"))
    seed = functools.partial(_whole, seed=True)
    add("--seed", type=seed, default=0, help=tr("random seed (default: 0)"))
    workers = tr(
        "train on N worker processes with MultiWorkerMirroredStrategy, as on N "
        "machines (default: 1, this process)"
    )
    add("--workers", type=functools.partial(_whole, most=MAX_WORKERS), default=1, help=workers)
    keep = tr(
        "on Ctrl-C, save the best weights so far as MODEL.interrupted.keras (never over --out)"
    )
    add("--keep-interrupted", action="store_true", help=keep)
    add = commands.add_parser(
        "evaluate",
        help=tr("test loss, accuracy and per-digit table of a saved model"),
        description=tr("Evaluate a saved .keras model on the MNIST test set."),
    ).add_argument
    several = tr(
        "one model, or several: then each, and the ensemble of them (their probabilities averaged)"
    )
    add("model_files", type=_path, nargs="+", metavar="MODEL.keras", help=several)
    add("--data", type=_path, help=tr("mnist.npz or IDX folder (default: as train)"))
    mistakes = tr("also draw the most confident mistakes (of the ensemble, if several models)")
    add("--mistakes", type=_path, metavar="PICTURE.png", help=mistakes)
    shifted = tr(
        "also read each test image moved one pixel up, down, left and right, and average "
        "the five answers (test-time augmentation)"
    )
    add("--shifted", action="store_true", help=shifted)
    add = commands.add_parser(
        "predict",
        help=tr("read the digit in image files"),
        description=tr(
            "Predict the digit in each image (PNG, JPEG, ...; any size, dark-on-light "
            "or light-on-dark), after turning it into an MNIST-style 28x28 input."
        ),
    ).add_argument
    add("model_file", type=_path, metavar="MODEL.keras")
    add(
        "images", type=_path, nargs="+", metavar="IMAGE", help=tr("image files, or folders of them")
    )
    add = commands.add_parser(
        "doctor",
        help=tr("check this machine's setup for the course (run this first)"),
        description=tr(
            "Check Python, TensorFlow and Keras, where MNIST will come from, the "
            "precision this CPU uses and the notebook widgets, and say what to fix. Never "
            "downloads anything. Exit status 1 if a problem is found."
        ),
    ).add_argument
    add("--data", type=_path, help=tr("the MNIST path you will use (default: as train)"))
    add("--timeout", type=_seconds, default=3.0, help=tr("seconds to wait for the download server"))
    return parser


def _train(args: argparse.Namespace) -> int:
    """Train, save and evaluate; ``--out`` is checked first, not after minutes of training."""
    from .data.loading import load_mnist
    from .evaluation.metrics import evaluate
    from .training.callbacks import EpochLog
    from .training.fitting import set_seed
    from .training.recipes import DEFAULT_EPOCHS, train_course_model
    from .training.saving import load_model, plain_model, save_model

    out = args.out or Path(f"{args.model}.keras")
    if out.suffix != ".keras":
        raise MnistCourseError(
            "--out {out}: the file name must be a name ending in .keras, such as lenet.keras",
            out=out,
        )
    _check_writable(out, "--out")
    _not_an_input(out, "--out", [args.data])
    partial = out.with_name(f"{out.stem}.interrupted.keras")
    if args.keep_interrupted:  # found out after Ctrl-C, the partly trained model would be lost
        _check_writable(partial, "--keep-interrupted")
    if args.workers > 1:
        from .distribute.cluster import train_on_workers

        echo(tr("Starting {workers} workers on 127.0.0.1", workers=args.workers))
        options = {key: getattr(args, key) for key in ("workers", "epochs", "limit", "seed")}
        # validation=0: all the training images, as without --workers
        run = train_on_workers(
            args.model, **options, validation=0, data=args.data, out=out, print_fn=echo
        )
        print(run)
        _, (x_test, y_test) = load_mnist(args.data)
        model = load_model(run.path)
    else:
        (x_train, y_train), (x_test, y_test) = load_mnist(args.data)
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
        epochs = args.epochs or DEFAULT_EPOCHS[args.model]
        # Two counts, two plurals: gettext gives each message one plural number.
        images = trn("{count} image", "{count} images", len(x_train), count=len(x_train))
        epochs_said = trn("{count} epoch", "{count} epochs", epochs, count=epochs)
        echo(
            tr(
                "Training {model} on {images} for {epochs}",
                model=args.model,
                images=images,
                epochs=epochs_said,
            )
        )
        set_seed(args.seed)  # this process is the command's own: the run repeats exactly
        model, history = train_course_model(
            args.model, x_train, y_train, epochs=epochs, seed=args.seed, progress=EpochLog(echo)
        )
        if getattr(history, "interrupted", False):
            kept = tr(
                "Interrupted: {path} was not written (it still holds the model it had).", path=out
            )
            print(
                kept if out.exists() else tr("Interrupted: {path} was not written.", path=out),
                file=sys.stderr,
            )
            if args.keep_interrupted:
                save_model(model, partial)
                print(tr("The partly trained model is in {path}.", path=partial), file=sys.stderr)
            else:
                hint = tr(
                    "To keep a partly trained model next time, add --keep-interrupted: "
                    "it goes to {path}.",
                    path=partial,
                )
                print(hint, file=sys.stderr)
            return 130
        save_model(model, out)
        print(tr("Saved {path} ({count:,} parameters)", path=out, count=model.count_params()))
        model = plain_model(model)  # reported as `evaluate` will report the saved file
    result = evaluate(model, x_test, y_test)
    print(tr("Test: {result} on {count} test images", result=result, count=len(x_test)))
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from .data.loading import load_mnist
    from .evaluation import metrics

    picture = args.mistakes  # checked before minutes of loading and predicting
    if picture is not None and picture.suffix.lower() != ".png":
        raise InputError(
            "--mistakes: the picture is written as PNG; give a name ending in .png, got {path}.",
            path=picture,
        )
    if picture is not None:
        _check_writable(picture, "--mistakes")
        _not_an_input(picture, "--mistakes", [args.data, *args.model_files])
    models = [_checked_model(path) for path in args.model_files]
    if len(models) > 1:
        metrics.check_ensemble(models)  # the same file twice: said before the test set is read
    _, (x_test, y_test) = load_mnist(args.data)
    count = len(y_test)
    if args.shifted:
        print(tr("Each test image is read 5 times: as it is and moved one pixel each way."))
    result = metrics.evaluate_ensemble(models, x_test, y_test, shifted=args.shifted)
    for path, member in zip(args.model_files, result.members, strict=True):
        print(tr("{path}: {result} on {count} test images", path=path, result=member, count=count))
    if len(models) > 1:
        said = tr(
            "ensemble of {n} (probabilities averaged): {result} on {count} test images",
            n=len(models),
            result=result,
            count=count,
        )
        print(said)
    print(metrics.classification_report(result.labels, result.predictions))
    if picture is None:
        return 0
    worst = metrics.most_confident_mistakes(result.probabilities, result.labels, count=32)
    if len(worst) == 0:
        print(tr("no mistakes to draw: every test image was read right"))
        return 0
    from .files import atomic_path
    from .language import tr_plot
    from .plots import plot_mistakes

    title = tr_plot("the most confident mistakes")
    figure = plot_mistakes(x_test, result.labels, result.probabilities, worst, title=title)
    try:
        with atomic_path(picture) as tmp:  # an interrupted write leaves no half picture
            figure.savefig(tmp, format="png", dpi=100)
    except OSError as error:
        raise InputError(
            "--mistakes: could not write {path} ({reason}).", path=picture, reason=error.strerror
        ) from None
    drawn = trn(
        "{count} mistake drawn in {path}",
        "{count} mistakes drawn in {path}",
        len(worst),
        count=len(worst),
        path=picture,
    )
    print(drawn)
    return 0


def _checked_model(path: Path) -> object:
    """The model in ``path``, checked as an MNIST classifier; an error names the file."""
    import numpy as np

    from .evaluation.metrics import predict
    from .models.builders import check_model
    from .training.saving import load_model

    model = check_model(load_model(path), name=str(path))
    try:  # one blank image: a model without a softmax is said once, before any work
        predict(model, np.zeros((1, 28, 28), np.uint8))
    except MnistCourseError as error:
        raise MnistCourseError("{path}: {message}", path=path, message=error) from None
    return model


def _predict(args: argparse.Namespace) -> int:
    """Every image is read, whatever the ones before it did; exit 1 at the end if any failed."""
    from .data.images import to_mnist_image
    from .evaluation.metrics import predict_digit

    model = _checked_model(args.model_file)
    failed, paths = 0, []
    for path in args.images:  # a folder stands for the files in it
        try:
            folder = path.is_dir()
        except OSError:  # a name too long to look up: said when it is read, below
            folder = False
        inside = sorted(p for p in path.iterdir() if p.name[0] != ".") if folder else [path]
        if not inside:
            print(tr("error: {path}: the folder holds no files.", path=path), file=sys.stderr)
            failed += 1
        paths += inside
    for path in paths:
        try:
            digit, probability, _ = predict_digit(model, to_mnist_image(path))
        except Exception as error:  # one line on stderr each; Ctrl-C still stops the run
            failed += 1
            text = " ".join(str(error).split())  # one line, whatever the message holds
            if not isinstance(error, MnistCourseError):
                kind = type(error).__name__
                text = tr(
                    "{path}: could not be read ({kind}: {text})", path=path, kind=kind, text=text
                )
            elif str(path) not in text:
                text = f"{path}: {text}"
            print(tr("error: {message}", message=text), file=sys.stderr)
        else:
            echo(f"{path}: {digit} ({probability:.1%})")
    return 1 if failed else 0


def _doctor(args: argparse.Namespace) -> int:
    from .setup.doctor import doctor

    echo(tr("Checking your setup (importing TensorFlow takes a few seconds)..."))
    report = doctor(args.data, timeout=args.timeout)
    print(report)
    return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    commands = {"train": _train, "evaluate": _evaluate, "predict": _predict, "doctor": _doctor}
    try:  # Ctrl-C during the slow TensorFlow import lands here too: one line, no traceback
        return commands[args.command](args)
    except (MnistCourseError, OSError) as error:  # OSError: a name too long, a full disk...
        print(tr("error: {message}", message=error), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(tr("interrupted"), file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
