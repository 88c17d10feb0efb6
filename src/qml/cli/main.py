"""``python -m qml.train``: parse, load the data, train or load a model, evaluate, report.

``main(argv)`` is the entry point (``qml.train`` calls it); it returns the exit
status instead of exiting: 0 success, 2 a wrong command line (``OptionError``),
1 a failed run (any other ``QmlError``), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any

from qml.cli.data import check_compatible, load_data, split
from qml.cli.options import (
    DEFAULT_TEST_SIZE,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    MODELS,
    NAME,
    PROG,
    build_parser,
    check_crosscheck_applies,
    check_options,
    crosscheck_requested,
    in_flags,
    plural,
    version,
)
from qml.cli.report import describe_model, prepare_out, run_crosscheck, write_outputs
from qml.errors import ModelFileError, OptionError, QmlError
from qml.hybrid.classifier import QuantumClassifier
from qml.hybrid.encodings import ENCODINGS
from qml.hybrid.kernel import QuantumKernelClassifier
from qml.hybrid.optim import make_optimizer
from qml.hybrid.persistence import read_kind
from qml.noise import parse_noise


def make_model(args: argparse.Namespace) -> QuantumClassifier | QuantumKernelClassifier:
    """The estimator the options describe (defaults are the estimators' own)."""
    options: dict[str, Any] = {"random_state": args.seed}
    if args.qubits is not None:
        options["n_qubits"] = args.qubits
    if args.encoding is not None:
        options["encoding"] = args.encoding
    if args.model == "kernel":
        if args.layers is not None:
            options["reps"] = args.layers
        if args.features is not None:
            options["features"] = args.features
        return QuantumKernelClassifier(**options)
    names = {
        "layers": "n_layers",
        "ansatz": "ansatz",
        "features": "features",
        "epochs": "epochs",
        "batch_size": "batch_size",
        "lr": "learning_rate",
        "optimizer": "optimizer",
    }
    if args.train_noise:
        options["noise"] = args.noise
    options.update(
        {key: getattr(args, name) for name, key in names.items() if getattr(args, name) is not None}
    )
    # encodings whose angles are a nonlinear map of the data cannot be re-uploaded
    options["reuploading"] = ENCODINGS[options.get("encoding", "angle")].linear
    return QuantumClassifier(verbose=not args.quiet, **options)


def load_model(path: str) -> QuantumClassifier | QuantumKernelClassifier:
    """The model saved at ``path``, of whichever kind its file says."""
    kinds = {cls.__name__: cls for cls in MODELS.values()}
    kind = read_kind(path)  # a file too large, too deep or no JSON is refused here
    if kind not in kinds and kind is not None:
        raise ModelFileError(
            f"{path} holds a {kind!r} model; {NAME} evaluates {' and '.join(kinds)} files"
        )
    return kinds.get(kind, QuantumClassifier).load(path)


def run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Do what the parsed command line asks; raise ``QmlError`` on failure."""
    start = time.perf_counter()
    check_options(args)
    try:
        noise_items = parse_noise(args.noise) if args.noise is not None else None
    except OptionError as error:
        raise OptionError(f"--noise: {error}") from None
    if args.out is not None:
        prepare_out(args.out)  # a folder that cannot be written fails now, not after training
    test_size = DEFAULT_TEST_SIZE if args.test_size is None else args.test_size
    data = load_data(args)
    timings = {"data_s": time.perf_counter() - start}

    if args.load is not None:
        clf = load_model(args.load)
        if not isinstance(clf, QuantumClassifier):
            check_crosscheck_applies(args, f"the kernel model in {args.load}")
        check_compatible(clf, data, args.load)
        parts = split(data, test_size, args.seed)
        print(
            f"data: {data.describe()}; evaluating on {len(parts[3])} test samples "
            f"(seed {args.seed})"
        )
        print(f"model: {args.load}: {describe_model(clf)}")
        train_accuracy = None
    else:
        parts = split(data, test_size, args.seed)
        X_train, _, y_train, _ = parts
        print(
            f"data: {data.describe()}; {len(y_train)} train / {len(parts[3])} test "
            f"(seed {args.seed})"
        )
        clf = make_model(args)
        print(f"model: {describe_model(clf)}")
        sys.stdout.flush()  # before the progress bar on stderr
        fit_start = time.perf_counter()
        try:
            clf.fit(X_train, y_train)
        except QmlError as error:
            raise in_flags(error) from None
        timings["fit_s"] = time.perf_counter() - fit_start
        if isinstance(clf, QuantumClassifier):
            optimizer = make_optimizer(clf.optimizer)
            if optimizer.full_batch:
                steps = (f"with {plural(clf.n_iter_, optimizer.unit)} of {clf.optimizer} "
                         f"(budget {optimizer.budget(clf.epochs)})")  # fmt: skip
            else:
                stopped = " (early stopping)" if clf.n_iter_ < clf.epochs else ""
                steps = f"{plural(clf.n_iter_, 'epoch')}{stopped}"
            print(f"trained {steps} in {timings['fit_s']:.1f} s")
        else:
            print(f"fitted in {timings['fit_s']:.1f} s")
        train_accuracy = float(clf.score(X_train, y_train))
        print(f"train accuracy: {train_accuracy:.3f}")

    eval_start = time.perf_counter()
    X_test, y_test = parts[1], parts[3]
    test_accuracy = float(clf.score(X_test, y_test))
    timings["evaluate_s"] = time.perf_counter() - eval_start
    print(f"test accuracy:  {test_accuracy:.3f}")

    crosscheck = None
    if crosscheck_requested(args):
        crosscheck = run_crosscheck(args, clf, X_test, y_test, noise_items, test_accuracy)
        timings["crosscheck_s"] = crosscheck["seconds"]

    timings["total_s"] = time.perf_counter() - start
    if args.out is not None:
        metrics = {
            "qml_version": version(),
            "command": [PROG, *argv],
            "dataset": {
                "name": data.name,
                "n_samples": len(data.y),
                "n_features": data.X.shape[1],
                "classes": data.classes.tolist(),
                "feature_names": data.feature_names,
                **data.options,
            },
            "split": {
                "test_size": test_size,
                "seed": args.seed,
                "stratified": True,
                "n_train": len(parts[2]),
                "n_test": len(y_test),
            },
            "model": {
                "kind": type(clf).__name__,
                "file": args.load,
                "params": {
                    k: v if k != "noise" or v is None else str(v)
                    for k, v in clf.get_params().items()
                    if k != "verbose"
                },
            },
            "options": {k: v for k, v in vars(args).items()},
            "train_accuracy": train_accuracy,
            "test_accuracy": test_accuracy,
            "crosscheck": crosscheck,
            "n_epochs": getattr(clf, "n_iter_", None),
            "timings": timings,
            "history": getattr(clf, "history_", None),
        }
        for line in write_outputs(args.out, clf, data, parts, metrics, loaded=args.load):
            print(line)
    print(f"done in {time.perf_counter() - start:.1f} s")
    return EXIT_OK


def _one_line(error: BaseException) -> str:
    """An error's message on one line (a CLI error is one line on stderr)."""
    return " ".join(str(error).split()) or type(error).__name__


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m qml.train``; returns the exit status (see the module doc)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        return run(args, argv)
    except SystemExit as stop:  # --help and --version print and stop here
        return stop.code if isinstance(stop.code, int) else EXIT_OK
    except OptionError as error:
        print(f"{NAME}: error: {_one_line(error)}", file=sys.stderr)
        return EXIT_USAGE
    except QmlError as error:
        print(f"{NAME}: error: {_one_line(error)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"\n{NAME}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
