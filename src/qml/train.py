"""``python -m qml.train``: train and evaluate a hybrid quantum classifier.

With no arguments it trains the default ``QuantumClassifier`` (4 qubits, 3
layers) on the moons data set, 70/30 stratified split, seed 0, showing a
progress bar, and prints train and test accuracy. Options choose the data (a
built-in data set or the user's own CSV file), the model (variational
classifier or quantum-kernel SVM) and its training, write a model file,
metrics and plots (``--out``), evaluate a saved model (``--load``), and
cross-check the test accuracy on qiskit-aer, from shots, or under a noise model.

Results go to stdout, the progress bar to stderr. A mistake prints one line
``qml.train: error: ...`` on stderr (no traceback) and sets the exit status:

* 2: the command line is wrong (an unknown option or name, a bad number,
  options that do not go together); the message lists the valid choices.
  These are :class:`qml.errors.OptionError`.
* 1: the command line is fine but the run failed: unusable data (a CSV file
  with a missing target column or non-numeric features), a model file that is
  corrupted or was trained on another number of features, a backend that is
  not available. These are the other :class:`qml.QmlError` subclasses.

``main(argv)`` is the entry point; it returns the exit status instead of
exiting, so tests and scripts can call it in-process.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import inspect
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qml.circuits.library import ANSATZE, ENCODINGS
from qml.errors import (
    DataError,
    ModelFileError,
    NoiseError,
    OptionError,
    QmlError,
    QmlValueError,
    UnsupportedOperationError,
)
from qml.hybrid.classifier import QuantumClassifier
from qml.hybrid.datasets import DATASETS, load_dataset
from qml.hybrid.kernel import QuantumKernelClassifier
from qml.hybrid.model import FEATURES
from qml.hybrid.optim import OPTIMIZERS

PROG = "python -m qml.train"
NAME = "qml.train"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

#: Optimizers that run scipy on the whole training set (history per objective evaluation).
SCIPY_OPTIMIZERS = ("L-BFGS-B", "COBYLA")
MODELS = {"vqc": QuantumClassifier, "kernel": QuantumKernelClassifier}
BACKENDS = ("qml", "aer")
DEFAULT_DATASET = "moons"
DEFAULT_SAMPLES = 300
DEFAULT_DATA_NOISE = 0.1
DEFAULT_TEST_SIZE = 0.3
DEFAULT_SEED = 0
#: Options the command line gives a data set beyond ``n_samples`` and ``noise``.
DATASET_EXTRAS: dict[str, dict[str, Any]] = {"circles": {"factor": 0.5}}
#: Rows per simulator (or Aer) call in the cross-check, so memory stays bounded.
#: Points per axis of the decision-boundary grid.
GRID = 120
DPI = 100
#: Names of ``--noise``: channels after every gate, and ``readout`` bit flips.
NOISE_NAMES = (
    "depolarizing",
    "bit_flip",
    "phase_flip",
    "amplitude_damping",
    "phase_damping",
    "readout",
)

DESCRIPTION = """\
Train a hybrid quantum classifier on a toy data set or your own CSV file, print
its train and test accuracy, and optionally save the model, metrics and plots.
Defaults: a 4-qubit, 3-layer variational classifier on moons (300 samples, noise
0.1), 70/30 stratified split, seed 0.
"""

EPILOG = f"""\
examples:
  {PROG}
      train the default 4-qubit classifier on moons and print its accuracy
  {PROG} --dataset circles --epochs 30 --out runs/circles
      train on circles and write model.json, metrics.json, training.png and
      decision_boundary.png into runs/circles
  {PROG} --load runs/circles/model.json --dataset circles --backend aer --shots 2000
      evaluate that saved model on the same test split, again on qiskit-aer
  {PROG} --csv data.csv --target label --model kernel
      an SVM on a quantum kernel for your own data (numeric feature columns)

exit status: 0 success; 2 the command line is wrong (unknown option or name,
bad number, options that do not go together); 1 the run failed (unusable data,
a bad model file, a backend that is not available). Errors are one line on
stderr.
"""


# -- the command line ----------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose mistakes are ``OptionError``s instead of ``sys.exit(2)``.

    ``main`` turns them into one line on stderr and exit status 2, and tests can
    catch them as the ``qml.QmlError`` they are.
    """

    def error(self, message: str) -> None:  # type: ignore[override]
        raise OptionError(self._explain(message))

    def _explain(self, message: str) -> str:
        prefix = "unrecognized arguments: "
        if not message.startswith(prefix):
            return f"{message}; see {PROG} --help"
        words = message[len(prefix) :].split()
        known = sorted(s for action in self._actions for s in action.option_strings)
        options = [w for w in words if w.startswith("-")]
        if not options:
            return (
                f"unexpected argument {words[0]!r}: {NAME} takes options only "
                f"(e.g. --dataset moons); see {PROG} --help"
            )
        wrong = options[0].split("=", 1)[0]
        close = difflib.get_close_matches(wrong, known, n=1)
        hint = f"; did you mean {close[0]}?" if close else "."
        return f"unknown option {wrong}{hint} Valid options: {', '.join(known)}"


def _number(kind: Callable[[str], Any], test: Callable[[Any], bool], what: str) -> Callable:
    def convert(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not test(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
        return value

    convert.__name__ = what  # argparse names the type in some messages
    return convert


_positive_int = _number(int, lambda v: v >= 1, "a positive integer")
_nonnegative_int = _number(int, lambda v: v >= 0, "a non-negative integer")
_positive_float = _number(float, lambda v: math.isfinite(v) and v > 0, "a positive number")
_nonnegative_float = _number(float, lambda v: math.isfinite(v) and v >= 0, "a number >= 0")
_fraction = _number(float, lambda v: 0 < v <= 1, "a fraction in (0, 1]")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m qml.train`` (its mistakes raise ``OptionError``)."""
    vqc = QuantumClassifier().get_params()
    kernel = QuantumKernelClassifier().get_params()
    parser = _Parser(
        prog=PROG,
        usage="%(prog)s [options]  (all optional; see the examples below)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    data = parser.add_argument_group("data")
    data.add_argument(
        "--dataset",
        choices=list(DATASETS),
        help=f"built-in data set (default {DEFAULT_DATASET}); made locally, nothing is "
        "downloaded. moons, circles, xor and blobs are 2-D; parity has 4 bits; iris has 4 "
        "features and 3 classes",
    )
    data.add_argument(
        "--samples",
        type=_positive_int,
        metavar="N",
        help=f"number of samples of a synthetic data set (default {DEFAULT_SAMPLES}; parity: "
        "the full table of 16 bit strings; iris has a fixed 150)",
    )
    data.add_argument(
        "--data-noise",
        type=_nonnegative_float,
        metavar="SIGMA",
        help="standard deviation of the Gaussian noise added to moons, circles or xor "
        f"(default {DEFAULT_DATA_NOISE})",
    )
    data.add_argument(
        "--csv",
        metavar="PATH",
        help="train on your own data: a CSV file with a header row, numeric feature columns "
        "and a label column named by --target (instead of --dataset)",
    )
    data.add_argument(
        "--target",
        metavar="COLUMN",
        help="the column of --csv that holds the class labels; every other column is a feature",
    )
    data.add_argument(
        "--test-size",
        type=_fraction,
        metavar="FRACTION",
        help=f"fraction of the samples held out for testing, stratified by class (default "
        f"{DEFAULT_TEST_SIZE}); with --load, 1 evaluates on every sample",
    )
    data.add_argument(
        "--seed",
        type=_nonnegative_int,
        default=DEFAULT_SEED,
        metavar="N",
        help=f"seed of the data, the split, the model's initial weights and shots (default "
        f"{DEFAULT_SEED}); the same seed gives the same run",
    )

    model = parser.add_argument_group("model")
    model.add_argument(
        "--model",
        choices=list(MODELS),
        help="vqc: a variational circuit with a classical head, trained by gradient descent "
        "(QuantumClassifier, the default); kernel: an SVM on the encoding's fidelity kernel "
        "(QuantumKernelClassifier), solved in one step",
    )
    model.add_argument(
        "--qubits",
        type=_positive_int,
        metavar="N",
        help=f"qubits of the circuit (default {vqc['n_qubits']}); the features are reduced by "
        "PCA or repeated to match",
    )
    model.add_argument(
        "--layers",
        type=_positive_int,
        metavar="N",
        help=f"vqc: ansatz layers, each preceded by the encoding (default {vqc['n_layers']}); "
        f"kernel: repetitions of the zz or iqp feature map (default {kernel['reps']})",
    )
    model.add_argument(
        "--encoding",
        choices=list(ENCODINGS),
        help=f"how features enter the circuit (default {vqc['encoding']}); amplitude turns data "
        "re-uploading off",
    )
    model.add_argument(
        "--ansatz",
        choices=list(ANSATZE),
        help=f"vqc: the trainable layers (default {vqc['ansatz']})",
    )
    model.add_argument(
        "--features",
        choices=list(FEATURES),
        help=f"vqc: the classical stage before the circuit (default {vqc['features']}): pca "
        "standardises, reduces and scales the features into angles; dense is a trainable "
        "linear layer trained with the circuit",
    )

    training = parser.add_argument_group("training (vqc)")
    training.add_argument(
        "--epochs",
        type=_positive_int,
        metavar="N",
        help=f"passes over the training data (default {vqc['epochs']}); early stopping on a "
        f"{vqc['validation_fraction'] * 100:.0f}%% validation split may end training sooner",
    )
    training.add_argument(
        "--batch-size",
        type=_positive_int,
        metavar="N",
        help=f"samples per gradient step (default {vqc['batch_size']})",
    )
    training.add_argument(
        "--lr",
        type=_positive_float,
        metavar="RATE",
        help=f"learning rate, decayed along a cosine over the epochs (default "
        f"{vqc['learning_rate']})",
    )
    training.add_argument(
        "--optimizer",
        choices=list(OPTIMIZERS),
        help=f"optimizer (default {vqc['optimizer']}); L-BFGS-B and COBYLA run scipy on the "
        "whole training set, with --epochs as their iteration budget",
    )
    training.add_argument(
        "--quiet", action="store_true", help="no progress bar (results are still printed)"
    )

    files = parser.add_argument_group("files")
    files.add_argument(
        "--out",
        metavar="DIR",
        help="write model.json (the trained model), metrics.json (data, options, accuracies, "
        "timings, history), training.png (loss and accuracy per epoch; vqc only) and, for "
        "2-feature data, decision_boundary.png into DIR (created if needed)",
    )
    files.add_argument(
        "--load",
        metavar="MODEL",
        help="evaluate a saved model file (vqc or kernel, as written by --out) on the test "
        "split of --dataset or --csv instead of training; use the data options (and --seed) "
        "it was trained with to get the same held-out samples",
    )

    check = parser.add_argument_group("cross-check (vqc): the test accuracy recomputed elsewhere")
    check.add_argument(
        "--backend",
        choices=list(BACKENDS),
        help="simulator of the cross-check: qml (its own engine, the default) or aer "
        "(qiskit-aer, which computes the circuit's <Z_i> read-out; an independent check)",
    )
    check.add_argument(
        "--shots",
        type=_positive_int,
        metavar="N",
        help="estimate each <Z_i> from N measurement shots per test sample instead of exactly",
    )
    check.add_argument(
        "--noise",
        metavar="SPEC",
        help="evaluate under a noise model (training stays noiseless): comma-separated "
        f"NAME=P with NAME in {', '.join(NOISE_NAMES)}, e.g. depolarizing=0.01 "
        "(after every gate) or depolarizing=0.01,readout=0.02; readout errors act on "
        "measurements, so only with --shots",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    return parser


def _version() -> str:
    from qml import __version__

    return __version__


def _plural(count: int, noun: str, nouns: str | None = None) -> str:
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


#: Options that shape or train the model (meaningless with --load).
MODEL_OPTIONS = ("model", "qubits", "layers", "encoding", "ansatz", "features")
TRAINING_OPTIONS = ("epochs", "batch_size", "lr", "optimizer")
#: Options of the variational classifier only.
VQC_ONLY = ("ansatz", "features", *TRAINING_OPTIONS)


def check_options(args: argparse.Namespace) -> None:
    """Refuse options that do not go together (``OptionError``, exit status 2)."""
    given = [name for name, value in vars(args).items() if value is not None]
    if args.csv is not None:
        if args.dataset is not None:
            raise OptionError("give --dataset or --csv, not both")
        for name in ("samples", "data_noise"):
            if name in given:
                raise OptionError(
                    f"{_flag(name)} shapes a built-in data set, not a --csv file; drop it"
                )
    elif args.target is not None:
        raise OptionError("--target names the label column of a --csv file; add --csv PATH")
    if args.load is not None:
        for name in (*MODEL_OPTIONS, *TRAINING_OPTIONS):
            if name in given:
                raise OptionError(
                    f"{_flag(name)} does not apply with --load: the model file fixes the model; "
                    "drop it"
                )
    elif args.test_size == 1:
        raise OptionError(
            "--test-size 1 leaves nothing to train on; it is for evaluating with --load "
            f"(training needs a fraction below 1, default {DEFAULT_TEST_SIZE})"
        )
    if args.model == "kernel":
        for name in VQC_ONLY:
            if name in given:
                raise OptionError(
                    f"{_flag(name)} does not apply to --model kernel (an SVM on the encoding's "
                    "fidelity kernel: no ansatz, no epochs); drop it, or use --model vqc"
                )
        _check_crosscheck_applies(args, "--model kernel")


def _crosscheck_requested(args: argparse.Namespace) -> bool:
    return args.backend == "aer" or args.shots is not None or args.noise is not None


def _check_crosscheck_applies(args: argparse.Namespace, what: str) -> None:
    if _crosscheck_requested(args):
        used = [_flag(n) for n in ("backend", "shots", "noise") if getattr(args, n) is not None]
        raise OptionError(
            f"{' '.join(used)}: the cross-check recomputes the variational classifier's <Z_i> "
            f"read-out, which {what} does not have (its kernel is a state overlap); drop "
            f"{' '.join(used)}, or use a vqc model"
        )


# -- noise -----------------------------------------------------------------------------------
def _noise_channels() -> dict[str, Callable[[float], Any]]:
    from qml.noise import AmplitudeDamping, BitFlip, PhaseDamping, PhaseFlip

    return {
        "bit_flip": BitFlip,
        "phase_flip": PhaseFlip,
        "amplitude_damping": AmplitudeDamping,
        "phase_damping": PhaseDamping,
    }


def parse_noise(spec: str) -> list[tuple[str, float]]:
    """``"depolarizing=0.01,readout=0.02"`` as ``[(name, p), ...]``, checked."""
    items = []
    for part in spec.split(","):
        name, sep, value = part.strip().partition("=")
        name = name.strip().lower().replace("-", "_")
        if not sep or not name:
            raise OptionError(
                f"--noise {spec!r}: write NAME=P (e.g. depolarizing=0.01), several joined by commas"
            )
        if name not in NOISE_NAMES:
            close = difflib.get_close_matches(name, NOISE_NAMES, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise OptionError(
                f"--noise: unknown noise {name!r}{hint}; valid names: {', '.join(NOISE_NAMES)}"
            )
        try:
            p = float(value)
        except ValueError:
            raise OptionError(f"--noise: {name}={value!r} needs a probability, e.g. 0.01") from None
        if not 0 <= p <= 1:
            raise OptionError(f"--noise: {name}={value} is not a probability in [0, 1]")
        items.append((name, p))
    return items


def noise_model(items: list[tuple[str, float]], circuit: Any) -> Any:
    """A ``qml.noise.NoiseModel`` putting each channel after every gate of ``circuit``.

    ``depolarizing=p`` is the ``k``-qubit depolarizing channel after each ``k``-qubit
    gate; the other channels act on each qubit of a gate; ``readout=p`` flips each
    measured bit with probability ``p``.
    """
    from qml.noise import Depolarizing, NoiseModel

    gates: dict[str, int] = {}
    for gate, _ in circuit:
        gates[gate.name] = gate.num_qubits
    model = NoiseModel()
    channels = _noise_channels()
    try:
        for name, p in items:
            if name == "readout":
                model.add_all_qubit_readout_error([[1 - p, p], [p, 1 - p]])
                continue
            for gate_name, k in sorted(gates.items()):
                if name == "depolarizing":
                    channel = Depolarizing(p, k)
                else:
                    channel = one = channels[name](p)
                    for _ in range(k - 1):
                        channel = channel.tensor(one)
                model.add_all_qubit_quantum_error(channel, [gate_name])
    except NoiseError as error:
        raise OptionError(f"--noise: {error}") from None
    return model


# -- data ----------------------------------------------------------------------------------
@dataclass
class Data:
    """Features, labels and where they came from."""

    name: str
    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def classes(self) -> np.ndarray:
        return np.unique(self.y)

    def describe(self) -> str:
        return (
            f"{self.name}: {len(self.y)} samples, {_plural(self.X.shape[1], 'feature')}, "
            f"{_plural(len(self.classes), 'class', 'classes')}"
        )


def load_data(args: argparse.Namespace) -> Data:
    """The data chosen on the command line: ``--csv`` or a built-in data set."""
    if args.csv is not None:
        return read_csv(args.csv, args.target)
    name = args.dataset or DEFAULT_DATASET
    accepted = inspect.signature(DATASETS[name]).parameters
    kwargs: dict[str, Any] = {}
    if "n_samples" not in accepted:
        if args.samples is not None:
            raise OptionError(f"--samples: the {name} data set has a fixed size; drop --samples")
    elif args.samples is not None or name != "parity":
        kwargs["n_samples"] = args.samples or DEFAULT_SAMPLES
    if "noise" in accepted:
        kwargs["noise"] = DEFAULT_DATA_NOISE if args.data_noise is None else args.data_noise
    elif args.data_noise is not None:
        noisy = [n for n, make in DATASETS.items() if "noise" in inspect.signature(make).parameters]
        raise OptionError(
            f"--data-noise: the {name} data set takes no noise; it applies to {', '.join(noisy)}"
        )
    kwargs.update(DATASET_EXTRAS.get(name, {}))
    options = dict(kwargs)
    if "random_state" in accepted:
        kwargs["random_state"] = args.seed
    X, y = load_dataset(name, **kwargs)
    names = [f"feature {j}" for j in range(X.shape[1])]
    return Data(name, X, y, names, options)


def read_csv(path: str, target: str | None) -> Data:
    """Numeric features and a label column from a CSV file with a header row.

    The delimiter is the first of ``,``, tab and ``;`` found in the header. Labels
    may be any text; labels that are all integers become integers. Every mistake
    is a ``DataError`` naming the line and column, and how to fix it.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"no CSV file at {path}; check the path given to --csv") from None
    except IsADirectoryError:
        raise DataError(f"--csv {path} is a folder; give the path of a CSV file") from None
    except UnicodeDecodeError:
        raise DataError(f"{path} is not UTF-8 text; save it as a UTF-8 CSV file") from None
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror or error}") from None
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), None)
    if header_line is None:
        raise DataError(f"{path} is empty; a CSV file needs a header row and data rows")
    delimiter = next((d for d in (",", "\t", ";") if d in header_line), ",")
    rows = [
        (number, row)
        for number, row in enumerate(csv.reader(lines, delimiter=delimiter), start=1)
        if any(cell.strip() for cell in row)
    ]
    (_, header), body = rows[0], rows[1:]
    header = [name.strip() for name in header]
    duplicates = sorted({n for n in header if header.count(n) > 1})
    if duplicates:
        raise DataError(
            f"{path}: the header repeats column(s) {', '.join(map(repr, duplicates))}; "
            "give every column its own name"
        )
    columns = ", ".join(header)
    if target is None:
        raise OptionError(
            f"--csv needs --target COLUMN, the column of class labels; {path} has "
            f"columns: {columns}"
        )
    if target not in header:
        close = difflib.get_close_matches(target, header, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise DataError(
            f"{path} has no column {target!r}{hint}; its columns are: {columns}. "
            "Pass the label column's name with --target"
        )
    if len(header) < 2:
        raise DataError(f"{path} has only the label column {target!r}; add feature columns")
    if not body:
        raise DataError(f"{path} has a header but no data rows")
    t = header.index(target)
    features = [j for j in range(len(header)) if j != t]
    X = np.empty((len(body), len(features)))
    labels = []
    for i, (number, row) in enumerate(body):
        if len(row) != len(header):
            raise DataError(
                f"{path} line {number} has {len(row)} field(s) but the header has "
                f"{len(header)}; fix that row (or quote values that hold "
                f"{delimiter!r})"
            )
        for k, j in enumerate(features):
            X[i, k] = _csv_number(row[j], path, number, header[j])
        label = row[t].strip()
        if not label:
            raise DataError(
                f"{path} line {number}: the label ({target!r}) is empty; fill it in or drop the row"
            )
        labels.append(label)
    y = _labels(labels)
    return Data(
        Path(path).name, X, y, [header[j] for j in features], {"csv": str(path), "target": target}
    )


def _csv_number(cell: str, path: str, line: int, column: str) -> float:
    text = cell.strip()
    where = f"{path} line {line}, column {column!r}"
    if not text:
        raise DataError(f"{where} is empty (a missing value); fill it in or drop the row")
    try:
        value = float(text)
    except ValueError:
        raise DataError(
            f"{where}: {text!r} is not a number; features must be numeric, so encode that "
            "column as numbers or remove it (only the --target column may hold text)"
        ) from None
    if not math.isfinite(value):
        raise DataError(f"{where}: {text!r} is not a finite number; replace it or drop the row")
    return value


def _labels(labels: list[str]) -> np.ndarray:
    """Class labels as integers when they all are (``"1"``, ``"2.0"``), else as text."""
    try:
        values = [float(label) for label in labels]
    except ValueError:
        return np.array(labels)
    if all(math.isfinite(v) and v == int(v) for v in values):
        return np.array([int(v) for v in values], dtype=np.int64)
    return np.array(labels)


def split(data: Data, test_size: float, seed: int) -> tuple[np.ndarray, ...]:
    """``X_train, X_test, y_train, y_test``: stratified by class, reproducible by ``seed``."""
    from sklearn.model_selection import train_test_split

    if test_size == 1:
        return data.X[:0], data.X, data.y[:0], data.y
    counts = {c: int(np.sum(data.y == c)) for c in data.classes.tolist()}
    if len(counts) < 2:
        raise DataError(
            f"{data.name} has one class only ({next(iter(counts))!r}); a classifier "
            "needs at least 2"
        )
    rare = [c for c, n in counts.items() if n < 2]
    if rare:
        many = len(counts) > max(10, len(data.y) // 4)
        hint = (
            f" (the labels have {len(counts)} distinct values: is the label column a "
            "measurement rather than a class?)"
            if many
            else ""
        )
        raise DataError(
            f"{data.name}: class(es) {', '.join(map(repr, rare[:5]))} have a single "
            "sample, too few to split into train and test; add samples or drop "
            f"them{hint}"
        )
    try:
        return tuple(
            train_test_split(
                data.X, data.y, test_size=test_size, stratify=data.y, random_state=seed
            )
        )
    except ValueError as error:
        raise DataError(
            f"cannot split {len(data.y)} samples of {len(counts)} classes with "
            f"--test-size {test_size}: {error}; use more samples or another "
            "--test-size"
        ) from None


# -- models --------------------------------------------------------------------------------
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
    options.update(
        {key: getattr(args, name) for name, key in names.items() if getattr(args, name) is not None}
    )
    options["reuploading"] = options.get("encoding") != "amplitude"
    return QuantumClassifier(verbose=not args.quiet, **options)


def load_model(path: str) -> QuantumClassifier | QuantumKernelClassifier:
    """The model saved at ``path``, of whichever kind its file says."""
    kinds = {cls.__name__: cls for cls in MODELS.values()}
    try:
        with open(path, encoding="utf-8") as handle:
            kind = json.load(handle).get("kind")
    except (OSError, ValueError, AttributeError):
        kind = None  # the loader below says what is wrong with the file
    if kind not in kinds and kind is not None:
        raise ModelFileError(
            f"{path} holds a {kind!r} model; {NAME} evaluates {' and '.join(kinds)} files"
        )
    return kinds.get(kind, QuantumClassifier).load(path)


def describe_model(clf: Any) -> str:
    p = clf.get_params()
    if isinstance(clf, QuantumKernelClassifier):
        reps = f", {p['reps']} reps" if p["encoding"] in ("zz", "iqp") else ""
        return (
            f"kernel (QuantumKernelClassifier): {p['n_qubits']} qubits, {p['encoding']} "
            f"encoding{reps}, SVM with C={p['C']}"
        )
    return (
        f"vqc (QuantumClassifier): {p['n_qubits']} qubits, {p['n_layers']} layers, "
        f"{p['encoding']} encoding, {p['ansatz']} ansatz, {p['features']} features; "
        f"{p['optimizer']}, lr {p['learning_rate']}, up to {_plural(p['epochs'], 'epoch')}, batch "
        f"{p['batch_size']}"
    )


def check_compatible(clf: Any, data: Data, path: str) -> None:
    """Refuse data the loaded model cannot evaluate, saying what would fit."""
    if data.X.shape[1] != clf.n_features_in_:
        raise DataError(
            f"the model in {path} was trained on {_plural(clf.n_features_in_, 'feature')}, "
            f"but {data.name} has {data.X.shape[1]}; evaluate it on data like its training data "
            "(the same --dataset, or a --csv file with the same feature columns)"
        )
    known = set(clf.classes_.tolist())
    unknown = sorted({str(v) for v in data.y.tolist() if v not in known})
    if unknown:
        raise DataError(
            f"the labels {', '.join(unknown[:5])} of {data.name} are not classes of the model in "
            f"{path} ({', '.join(map(str, sorted(known, key=str)))}); evaluate it on data "
            "labelled like its training data"
        )


# -- cross-check -----------------------------------------------------------------------------
def readout_accuracy(
    clf: QuantumClassifier,
    X: np.ndarray,
    y: np.ndarray,
    *,
    backend: str = "qml",
    shots: int | None = None,
    noise: Any = None,
    seed: int | None = None,
) -> float:
    """Accuracy of ``clf`` on ``(X, y)`` with the circuit's ``<Z_i>`` computed elsewhere.

    ``backend`` "qml" uses qml's simulators (with ``shots`` and ``noise``), "aer"
    qiskit-aer; the classical head is the model's own (``QuantumClassifier.score``).
    """
    try:
        return clf.score(X, y, backend=backend, shots=shots, noise=noise, seed=seed)
    except ImportError as error:
        raise UnsupportedOperationError(
            f"the Aer backend is not available ({type(error).__name__}: {error}); it needs "
            "qiskit-aer (pip install qiskit-aer); use --backend qml meanwhile"
        ) from None


# -- outputs ---------------------------------------------------------------------------------
def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def plot_training(history: list[dict], title: str, xlabel: str = "epoch") -> Any:
    """A figure of loss and accuracy per epoch, train and (if any) validation, side by side."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(10, 4), dpi=DPI, layout="constrained")
    axes = fig.subplots(1, 2)
    epochs = [record["epoch"] for record in history]
    for ax, key, label in (
        (axes[0], "loss", "loss (cross-entropy)"),
        (axes[1], "accuracy", "accuracy"),
    ):
        ax.plot(epochs, [r[key] for r in history], marker=".", label="train")
        if all(f"val_{key}" in r for r in history):
            ax.plot(epochs, [r[f"val_{key}"] for r in history], marker=".", label="validation")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(label)
        ax.set_title(label.split(" ")[0].capitalize())
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right" if key == "loss" else "lower right")
    axes[1].set_ylim(-0.02, 1.02)
    fig.suptitle(title)
    return fig


def plot_decision_boundary(
    clf: Any,
    sets: list[tuple[str, np.ndarray, np.ndarray, str]],
    feature_names: list[str],
    title: str,
) -> Any:
    """A figure of the predicted class over the 2-D feature plane, the data points on top.

    ``sets`` are ``(label, X, y, marker)``: e.g. the train and test samples.
    """
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    classes = clf.classes_
    points = np.vstack([X for _, X, _, _ in sets if len(X)])
    low, high = points.min(axis=0), points.max(axis=0)
    pad = np.where(high > low, 0.08 * (high - low), 0.5)
    gx = np.linspace(low[0] - pad[0], high[0] + pad[0], GRID)
    gy = np.linspace(low[1] - pad[1], high[1] + pad[1], GRID)
    xx, yy = np.meshgrid(gx, gy)
    predicted = clf.predict(np.column_stack([xx.ravel(), yy.ravel()]))
    index = np.searchsorted(classes, predicted).reshape(xx.shape)
    palette = colormaps["tab10" if len(classes) <= 10 else "tab20"]
    colors = [palette(i % palette.N) for i in range(len(classes))]

    fig = Figure(figsize=(6.4, 5.2), dpi=DPI, layout="constrained")
    ax = fig.subplots()
    levels = np.arange(len(classes) + 1) - 0.5
    ax.contourf(xx, yy, index, levels=levels, cmap=ListedColormap(colors), alpha=0.25)
    if len(classes) > 1:
        ax.contour(xx, yy, index, levels=levels[1:-1], colors="k", linewidths=0.8, alpha=0.6)
    for _, X, y, marker in sets:
        for k, c in enumerate(classes):
            mask = y == c
            ax.scatter(
                X[mask, 0],
                X[mask, 1],
                s=26,
                marker=marker,
                color=colors[k],
                edgecolors="k",
                linewidths=0.5,
            )
    handles: list[Any] = [
        Patch(facecolor=colors[k], edgecolor="k", alpha=0.6, label=f"class {c}")
        for k, c in enumerate(classes)
    ]
    handles += [
        Line2D(
            [],
            [],
            linestyle="",
            marker=marker,
            color="0.5",
            markeredgecolor="k",
            label=f"{label} ({len(y)})",
        )
        for label, _, y, marker in sets
    ]
    ax.legend(handles=handles, loc="best", fontsize="small", framealpha=0.85)
    ax.set_xlabel(feature_names[0])
    ax.set_ylabel(feature_names[1])
    ax.set_title(title)
    return fig


def write_outputs(
    out: str,
    clf: Any,
    data: Data,
    parts: tuple[np.ndarray, ...],
    metrics: dict[str, Any],
    *,
    loaded: str | None = None,
) -> list[str]:
    """Write the model, plots and ``metrics.json`` into ``out``; the lines to print.

    ``loaded`` is the model file of ``--load``: then no model file is written and
    ``training.png`` shows the history stored in that file.
    """
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise QmlValueError(
            f"cannot create the --out folder {out}: {error.strerror or error}; "
            "choose another folder"
        ) from None
    notes, written = [], []
    X_train, X_test, y_train, y_test = parts
    kind = "vqc" if isinstance(clf, QuantumClassifier) else "kernel"
    try:
        if not loaded:
            clf.save(folder / "model.json")
            written.append("model.json")
        history = getattr(clf, "history_", None)
        if history:
            scipy = clf.optimizer in SCIPY_OPTIMIZERS
            title = (
                f"Training history of {Path(loaded).name} ({kind}, {clf.n_qubits} qubits)"
                if loaded
                else f"Training: {kind} on {data.name} ({clf.n_qubits} qubits)"
            )
            xlabel = "objective evaluation" if scipy else "epoch"
            plot_training(history, title, xlabel).savefig(folder / "training.png", dpi=DPI)
            written.append("training.png")
        else:
            notes.append(
                "note: training.png skipped: the kernel model is solved in one step and has "
                "no epochs"
            )
        if data.X.shape[1] == 2:
            sets = [("train", X_train, y_train, "o"), ("test", X_test, y_test, "^")]
            sets = [s for s in sets if len(s[1])]
            accuracy = metrics["test_accuracy"]
            title = f"Decision boundary: {kind} on {data.name} (test accuracy {accuracy:.3f})"
            figure = plot_decision_boundary(clf, sets, data.feature_names, title)
            figure.savefig(folder / "decision_boundary.png", dpi=DPI)
            written.append("decision_boundary.png")
        else:
            notes.append(
                f"note: decision_boundary.png skipped: {data.name} has {data.X.shape[1]} "
                "features, the plot needs 2"
            )
        written.append("metrics.json")
        metrics["files"] = written
        metrics["notes"] = [note.removeprefix("note: ") for note in notes]
        (folder / "metrics.json").write_text(
            json.dumps(metrics, indent=2, default=_json_default) + "\n", encoding="utf-8"
        )
    except OSError as error:
        raise QmlValueError(
            f"cannot write into {out}: {error.strerror or error}; check the "
            "folder's permissions and free space"
        ) from None
    return [f"wrote {', '.join(written)} to {folder}", *notes]


# -- the run -------------------------------------------------------------------------------
def run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Do what the parsed command line asks; raise ``QmlError`` on failure."""
    start = time.perf_counter()
    check_options(args)
    noise_items = parse_noise(args.noise) if args.noise is not None else None
    test_size = DEFAULT_TEST_SIZE if args.test_size is None else args.test_size
    data = load_data(args)
    timings = {"data_s": time.perf_counter() - start}

    if args.load is not None:
        clf = load_model(args.load)
        if not isinstance(clf, QuantumClassifier):
            _check_crosscheck_applies(args, f"the kernel model in {args.load}")
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
        clf.fit(X_train, y_train)
        timings["fit_s"] = time.perf_counter() - fit_start
        if isinstance(clf, QuantumClassifier):
            if clf.optimizer in SCIPY_OPTIMIZERS:
                steps = f"{clf.n_iter_} {clf.optimizer} iterations"
            else:
                stopped = " (early stopping)" if clf.n_iter_ < clf.epochs else ""
                steps = f"{_plural(clf.n_iter_, 'epoch')}{stopped}"
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
    if _crosscheck_requested(args):
        crosscheck = run_crosscheck(args, clf, X_test, y_test, noise_items, test_accuracy)
        timings["crosscheck_s"] = crosscheck["seconds"]

    timings["total_s"] = time.perf_counter() - start
    if args.out is not None:
        metrics = {
            "qml_version": _version(),
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
                "params": {k: v for k, v in clf.get_params().items() if k != "verbose"},
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


def run_crosscheck(
    args: argparse.Namespace,
    clf: QuantumClassifier,
    X_test: np.ndarray,
    y_test: np.ndarray,
    noise_items: list[tuple[str, float]] | None,
    exact: float,
) -> dict[str, Any]:
    """The test accuracy recomputed on ``--backend`` from ``--shots`` under ``--noise``."""
    backend = args.backend or "qml"
    noise = noise_model(noise_items, clf.model_.circuit) if noise_items else None
    if noise_items and args.shots is None and any(name == "readout" for name, _ in noise_items):
        print("note: readout errors act on measured bits only; add --shots N to include them")
    began = time.perf_counter()
    accuracy = readout_accuracy(
        clf, X_test, y_test, backend=backend, shots=args.shots, noise=noise, seed=args.seed
    )
    seconds = time.perf_counter() - began
    where = "qiskit-aer" if backend == "aer" else "qml"
    how = [f"{args.shots} shots" if args.shots else "exact <Z_i>"]
    if args.noise is not None:
        how.append(f"noise {args.noise}")
    print(f"test accuracy on {where} ({', '.join(how)}): {accuracy:.3f} (qml exact: {exact:.3f})")
    return {
        "backend": backend,
        "shots": args.shots,
        "noise": args.noise,
        "test_accuracy": accuracy,
        "seconds": seconds,
    }


def _one_line(error: BaseException) -> str:
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
