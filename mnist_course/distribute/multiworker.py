"""One worker of a multi-machine run, ``TF_CONFIG`` naming all workers and this one::

    TF_CONFIG='{"cluster": {"worker": ["10.0.0.1:12345", "10.0.0.2:12345"]},
                "task": {"type": "worker", "index": 0}}'
    python -m mnist_course.distribute.multiworker lenet --out lenet.keras

Worker 0, the chief, saves the model. Keras 3's ``model.fit`` does not run under
``MultiWorkerMirroredStrategy`` (keras-team/keras#20585): the loop is written out here."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import threading
import time
import traceback
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

    count, replicas = len(images), strategy.num_replicas_in_sync

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

        order = tf.data.Dataset.range(count).shuffle(count, seed=seed)  # reshuffled every epoch
        options = tf.data.Options()
        options.autotune.enabled = False  # as in fitting: steadier on few cores
        # Split between the replicas by hand above.
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
        return order.batch(batch_size).flat_map(shares).prefetch(2).with_options(options)

    return strategy.distribute_datasets_from_function(dataset_fn)


def _train(name, images, labels, strategy, epochs, seed, validation, precision, print_fn):
    """Train ``name`` on uint8 ``images`` under ``strategy``; return the model and its history."""
    from ..backend import keras, tf
    from ..data.arrays import one_hot
    from ..models.builders import as_input
    from ..training.callbacks import EpochLog
    from ..training.fitting import input_dtype, set_seed
    from ..training.recipes import RECIPES

    set_seed(seed)
    with strategy.scope():
        # compiled as one process would be, so the saved file records the same settings
        model = RECIPES[name].compiled_model(epochs, len(images), precision)
        model.optimizer.build(model.trainable_variables)  # its slots mirrored too
    batch_size = RECIPES[name].batch_size
    x, dtype = as_input(model, images), input_dtype(model)
    batches = _distributed_batches(strategy, x, one_hot(labels), batch_size, seed, dtype)
    if validation is not None:
        x_val, y_val = as_input(model, validation[0]), validation[1]
    replicas = strategy.num_replicas_in_sync

    def replica_step(x, y, size):
        with tf.GradientTape() as tape:
            probabilities = model(x, training=True)
            losses = keras.losses.categorical_crossentropy(y, probabilities)
            penalty = tf.add_n(model.losses) if model.losses else tf.constant(0.0)
            # Summed over the replicas, these gradients are the global batch's mean loss.
            objective = tf.reduce_sum(losses) / tf.cast(size, tf.float32) + penalty / replicas
        gradients = tape.gradient(objective, model.trainable_variables)
        model.optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
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
    log.epochs = epochs
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
    add = parser.add_argument
    add("model", choices=MODELS_ON_WORKERS)
    add("--epochs", type=int, help="default: the recipe's")
    add("--limit", type=int, help="train on the first N training images")
    add("--validation", type=int, default=5000, help="hold out the last N images (0: none)")
    add("--seed", type=int, default=0)
    add("--data", type=Path, help="mnist.npz (default: as mc.load_mnist)")
    add("--out", type=Path, help="where the chief saves the model")
    add("--precision", help="float32, mixed_bfloat16 or auto")
    add("--threads", type=int, help="TensorFlow threads (default: all cores)")
    add("--report", type=Path, help="folder for this worker's report")
    add("--deadline", type=float, help="give up after this many seconds")
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
        raise MnistCourseError("TF_CONFIG is not set: it names the workers and this one's index.")
    from ..data.loading import load_mnist

    # The data first (NumPy only): a wrong path fails in a second, before TensorFlow loads.
    (x, y), _ = load_mnist(args.data)
    held, most = args.validation, len(x) - 1
    if not 0 <= held <= most:
        raise InputError(
            "--validation {held}: hold out between 0 and {most} images.", held=held, most=most
        )
    end = min(len(x) - held, args.limit or len(x))
    validation = (x[len(x) - held :], y[len(x) - held :]) if held else None
    from ..backend import tf
    from ..training.recipes import RECIPES
    from ..training.saving import save_model

    if args.threads:  # fixed before TensorFlow runs anything
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    # The strategy before any TensorFlow op: it sets up the links to the other workers.
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    index, chief = strategy.cluster_resolver.task_id or 0, strategy.extended.should_checkpoint
    epochs = args.epochs or RECIPES[args.model].epochs
    say = (lambda line: print(line, flush=True)) if chief else (lambda line: None)
    replicas = strategy.num_replicas_in_sync
    said = {"model": args.model, "count": end, "epochs": epochs, "workers": replicas}
    say(tr("Training {model} on {count} images for {epochs} epoch(s), {workers} replicas", **said))
    model, history = _train(
        args.model, x[:end], y[:end], strategy, epochs, args.seed, validation, args.precision, say
    )
    if chief and args.out is not None:
        save_model(model, args.out)
        say(tr("Saved {path}", path=shown_path(args.out)))
    if args.report is not None:  # read only once this worker has exited with status 0
        seconds = time.perf_counter() - start
        report = {"index": index, "pid": os.getpid(), "history": history, "seconds": seconds}
        weights = model.get_weights()
        np.savez(args.report / f"worker-{index}.npz", *weights, report=json.dumps(report))


if __name__ == "__main__":
    try:
        status = main()
    except BaseException:  # a bug, not a learner's error: show where, then leave as below
        traceback.print_exc()
        status = 1
    sys.stdout.flush()
    sys.stderr.flush()
    # Leave at once: the report and the model are written; TensorFlow's teardown of the
    # connections between workers took about ten seconds at exit.
    os._exit(status)
