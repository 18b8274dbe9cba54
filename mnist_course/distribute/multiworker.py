"""One worker of a multi-machine run: ``python -m mnist_course.distribute.multiworker MODEL``.

Every worker runs it, ``TF_CONFIG`` naming all workers and this one::

    TF_CONFIG='{"cluster": {"worker": ["10.0.0.1:12345", "10.0.0.2:12345"]},
                "task": {"type": "worker", "index": 0}}'
    python -m mnist_course.distribute.multiworker lenet --out lenet.keras

Worker 0, the chief, saves the model. Keras 3's ``model.fit`` does not run under
``MultiWorkerMirroredStrategy`` yet (keras-team/keras#20585), so the loop ``fit`` would run is
written out, on the batches of ``mc.train_course_model(..., seed=seed)``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np

from ..errors import InputError, MnistCourseError
from ..files import shown_path
from ..language import tr

# The recipes a worker trains: cnn's random augmentation is not split between workers.
MODELS_ON_WORKERS = ("tiny-mlp", "mlp", "lenet", "fast-cnn")
EVAL_BATCH = 1000


def weights_checksum(weights: list[np.ndarray]) -> str:
    """sha256 of the weights' bytes, in order: equal only when every number is equal."""
    digest = hashlib.sha256()
    for array in weights:
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def _watch_parent(parent: int, deadline: float | None) -> None:
    # A worker blocked in an all-reduce waits for its peers for ever: it leaves rather
    # than linger as an orphan (its starter killed hard) or run long past its time.
    start = time.monotonic()
    while True:
        time.sleep(0.5)
        if parent > 1 and os.getppid() != parent:
            why = tr("its parent process is gone")
        elif deadline is not None and time.monotonic() - start > deadline:
            why = tr("past its {deadline:.0f} s limit", deadline=deadline)
        else:
            continue
        message = tr("worker stopped: {why}.", why=why)
        print(tr("error: {message}", message=message), file=sys.stderr, flush=True)
        os._exit(3)


def _distributed_batches(strategy, images, labels, batch_size: int, seed: int, dtype: str):
    """One process's global batches (fitting's order); replica r of R gets rows r, r + R, ..."""
    from ..backend import tf

    count = len(images)
    replicas = strategy.num_replicas_in_sync

    def dataset_fn(context):
        local = context.num_replicas_in_sync // context.num_input_pipelines
        first = context.input_pipeline_id * local
        held_images, held_labels = tf.cast(tf.constant(images), dtype), tf.constant(labels)

        def shares(indices):
            size = tf.shape(indices)[0]

            def share(replica):
                mine = indices[first + tf.cast(replica, tf.int32) :: replicas]
                return tf.gather(held_images, mine), tf.gather(held_labels, mine), size

            return tf.data.Dataset.range(local).map(share)

        order = tf.data.Dataset.range(count).shuffle(
            count, seed=seed, reshuffle_each_iteration=True
        )
        options = tf.data.Options()
        options.autotune.enabled = False  # as fitting._dataset: steadier on few cores
        options.experimental_distribute.auto_shard_policy = (
            tf.data.experimental.AutoShardPolicy.OFF  # split by hand above
        )
        data = order.batch(batch_size).flat_map(shares).prefetch(2)
        return data.with_options(options)

    return strategy.distribute_datasets_from_function(dataset_fn)


def train_worker(
    name: str,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    strategy,
    epochs: int,
    seed: int,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    precision: str | None = None,
    print_fn=print,
):
    """Train the recipe ``name`` under ``strategy``; every worker calls this together.

    Parameters
    ----------
    name : str
        One of :data:`MODELS_ON_WORKERS`.
    images, labels : numpy.ndarray
        The whole training set, uint8 (n, 28, 28) and digits (n,).
    strategy : tf.distribute.MultiWorkerMirroredStrategy
    epochs, seed : int
    validation : (images, labels), optional
        Evaluated after every epoch.
    precision : str, optional
        Overrides the recipe's.
    print_fn : callable
        Receives :class:`~mnist_course.callbacks.EpochLog`'s line for each epoch.

    Returns
    -------
    (model, history)
        The trained model and a dict of per-epoch ``loss``, ``accuracy`` and, with
        validation, ``val_loss``, ``val_accuracy``.
    """
    from ..backend import keras, tf
    from ..data.arrays import one_hot
    from ..models.builders import build_model, resolve_precision
    from ..training.callbacks import EpochLog
    from ..training.fitting import compile_model, input_dtype, reshape_for, set_seed
    from ..training.recipes import OPTIMIZERS, RECIPES, as_float_pixels

    if name not in MODELS_ON_WORKERS:
        raise InputError(
            tr("train on workers: choose one of {models}.", models=", ".join(MODELS_ON_WORKERS))
        )
    recipe = RECIPES[name]
    set_seed(seed)
    steps = epochs * math.ceil(len(images) / recipe.batch_size)
    with strategy.scope():
        model = build_model(
            recipe.model,
            precision=resolve_precision(precision or recipe.precision),
            **recipe.options,
        )
        optimizer = OPTIMIZERS[recipe.optimizer](recipe.schedule(steps))
        # compiled as one process would be, so the saved file records the same settings
        compile_model(model, optimizer=optimizer)
        optimizer.build(model.trainable_variables)  # its slots mirrored too
    x = reshape_for(model, as_float_pixels(images), "train on workers")
    batches = _distributed_batches(
        strategy, x, one_hot(labels), recipe.batch_size, seed, input_dtype(model)
    )
    if validation is not None:
        x_val, y_val = validation
        x_val = reshape_for(model, as_float_pixels(x_val), "train on workers (validation)")
    replicas = strategy.num_replicas_in_sync

    def replica_step(x, y, size):
        with tf.GradientTape() as tape:
            probabilities = model(x, training=True)
            losses = keras.losses.categorical_crossentropy(y, probabilities)
            penalty = tf.add_n(model.losses) if model.losses else tf.constant(0.0)
            # Summed over the replicas, these gradients are the global batch's mean loss.
            objective = tf.reduce_sum(losses) / tf.cast(size, tf.float32) + penalty / replicas
        gradients = tape.gradient(objective, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
        hits = tf.equal(tf.argmax(probabilities, -1), tf.argmax(y, -1))
        count = tf.cast(tf.shape(y)[0], tf.float32)
        total = tf.reduce_sum(losses) + penalty * count
        return total, tf.reduce_sum(tf.cast(hits, tf.float32)), count

    # One trace for every batch size (the last batch is smaller): each trace of a step
    # holding collective ops costs a second or more, and all workers must trace alike.
    @tf.function(reduce_retracing=True)
    def train_step(x, y, size):
        sums = strategy.run(replica_step, args=(x, y, size))
        return [strategy.reduce("SUM", value, axis=None) for value in sums]

    infer = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
    history: dict[str, list[float]] = {}
    log = EpochLog(print_fn)
    log.set_params({"epochs": epochs})
    log.on_train_begin()
    for epoch in range(epochs):
        log.on_epoch_begin(epoch)
        totals = np.zeros(3)
        for x_batch, y_batch, size in batches:
            totals += [float(t) for t in train_step(x_batch, y_batch, size)]
        logs = {"accuracy": totals[1] / totals[2], "loss": totals[0] / totals[2]}
        if validation is not None:
            chunks = range(0, len(x_val), EVAL_BATCH)
            p = np.concatenate(
                [np.asarray(infer(x_val[i : i + EVAL_BATCH]), np.float64) for i in chunks]
            )
            logs["val_accuracy"] = np.mean(p.argmax(1) == y_val)
            logs["val_loss"] = -np.mean(np.log(np.clip(p[np.arange(len(y_val)), y_val], 1e-7, 1)))
        for key, value in logs.items():
            history.setdefault(key, []).append(float(value))
        log.on_epoch_end(epoch, logs)
    return model, history


def main(argv: list[str] | None = None) -> int:
    """Run one worker; return its exit status (1 with one ``error:`` line on stderr)."""
    parser = argparse.ArgumentParser(
        prog="python -m mnist_course.distribute.multiworker",
        description="One worker of a MultiWorkerMirroredStrategy run; TF_CONFIG says which.",
    )
    parser.add_argument("model", choices=MODELS_ON_WORKERS)
    parser.add_argument("--epochs", type=int, help="default: the recipe's")
    parser.add_argument("--limit", type=int, help="train on the first N training images")
    parser.add_argument(
        "--validation", type=int, default=5000, help="hold out the last N training images (0: none)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, help="mnist.npz (default: as mc.load_mnist)")
    parser.add_argument("--out", type=Path, help="where the chief saves the model")
    parser.add_argument("--precision", help="float32, mixed_bfloat16 or auto")
    parser.add_argument("--threads", type=int, help="TensorFlow threads (default: all cores)")
    parser.add_argument("--report", type=Path, help="folder for this worker's report")
    parser.add_argument("--deadline", type=float, help="give up after this many seconds")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    threading.Thread(target=_watch_parent, args=(os.getppid(), args.deadline), daemon=True).start()
    try:
        _run(args, start)
    except MnistCourseError as error:
        print(tr("error: {message}", message=error), file=sys.stderr, flush=True)
        return 1
    return 0


def _run(args: argparse.Namespace, start: float) -> None:
    if "TF_CONFIG" not in os.environ:
        raise MnistCourseError(
            tr("TF_CONFIG is not set: it names the workers and this one's index.")
        )
    from ..data.loading import load_mnist

    # The data first (NumPy only): a wrong path fails in a second, before TensorFlow loads.
    (x, y), _ = load_mnist(args.data)
    held = args.validation
    if not 0 <= held < len(x):
        raise InputError(
            tr(
                "--validation {held}: hold out between 0 and {most} images.",
                held=held,
                most=len(x) - 1,
            )
        )
    end = min(len(x) - held, args.limit or len(x))
    x_fit, y_fit = x[:end], y[:end]
    from ..backend import tf
    from ..training.recipes import RECIPES
    from ..training.saving import save_model

    if args.threads:  # fixed before TensorFlow runs anything
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    # The strategy before any TensorFlow op: it sets up the links to the other workers.
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    resolver = strategy.cluster_resolver
    kind, index = resolver.task_type, resolver.task_id or 0
    chief = kind == "chief" or (
        kind in (None, "worker") and not index and "chief" not in resolver.cluster_spec().jobs
    )
    epochs = args.epochs or RECIPES[args.model].epochs
    say = (lambda line: print(line, flush=True)) if chief else (lambda line: None)
    say(
        tr(
            "Training {model} on {count} images for {epochs} epoch(s), {workers} replicas",
            model=args.model,
            count=len(x_fit),
            epochs=epochs,
            workers=strategy.num_replicas_in_sync,
        )
    )
    model, history = train_worker(
        args.model,
        x_fit,
        y_fit,
        strategy=strategy,
        epochs=epochs,
        seed=args.seed,
        validation=(x[len(x) - held :], y[len(x) - held :]) if held else None,
        precision=args.precision,
        print_fn=say,
    )
    weights = model.get_weights()
    if chief and args.out is not None:
        save_model(model, args.out)
        say(tr("Saved {path}", path=shown_path(args.out)))
    if args.report is not None:
        np.savez(args.report / f"weights-{index}.npz", *weights)
        report = {
            "index": index,
            "pid": os.getpid(),
            "history": history,
            "checksum": weights_checksum(weights),
            "seconds": time.perf_counter() - start,
        }
        temporary = args.report / f".report-{index}.json"
        temporary.write_text(json.dumps(report))
        temporary.replace(args.report / f"report-{index}.json")  # whole, or not at all


if __name__ == "__main__":
    try:
        status = main()
    except BaseException:  # a bug, not a learner's error: show where, then leave as below
        import traceback

        traceback.print_exc()
        status = 1
    sys.stdout.flush()
    sys.stderr.flush()
    # Leave at once: the report and the model are written; TensorFlow's teardown of the
    # connections between workers took about ten seconds at exit.
    os._exit(status)
