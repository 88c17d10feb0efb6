"""The options of ``python -m qml.train``: the parser, its defaults, and their checks.

Mistakes raise :class:`qml.errors.OptionError` (exit status 2) with a message that
lists the valid choices; names come from the registries (encodings, feature
stages, optimizers, data sets), so a new entry there is a new choice here.
"""

from __future__ import annotations

import argparse
import difflib
import math
import re
from collections.abc import Callable
from typing import Any

from qml.circuits.library import ANSATZE
from qml.errors import OptionError, QmlError
from qml.hybrid.base import MAX_EPOCHS, MAX_LAYERS, MAX_QUBITS, MAX_SEED
from qml.hybrid.classifier import QuantumClassifier
from qml.hybrid.datasets import DATASETS
from qml.hybrid.encodings import ENCODINGS
from qml.hybrid.features import FEATURE_STAGES
from qml.hybrid.kernel import QuantumKernelClassifier
from qml.hybrid.optim import OPTIMIZERS
from qml.noise import NOISE_NAMES
from qml.simulator.measure import MAX_SHOTS

PROG = "python -m qml.train"
NAME = "qml.train"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

MODELS = {"vqc": QuantumClassifier, "kernel": QuantumKernelClassifier}
BACKENDS = ("qml", "aer")
DEFAULT_DATASET = "moons"
DEFAULT_SAMPLES = 300
DEFAULT_DATA_NOISE = 0.1
DEFAULT_TEST_SIZE = 0.3
DEFAULT_SEED = 0
#: Options the command line gives a data set beyond ``n_samples`` and ``noise``.
DATASET_EXTRAS: dict[str, dict[str, Any]] = {"circles": {"factor": 0.5}}

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
  {PROG} --dataset ad_hoc --model kernel --qubits 2 --encoding zz --features raw
      Havlicek et al.'s ad hoc data on the ZZ feature map's kernel
  {PROG} --dataset circle --qubits 1 --layers 6 --features layerwise
      Perez-Salinas et al.'s circle on one re-uploading qubit

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


def _integer(low: int, high: int) -> Callable:
    """An int in ``[low, high]`` (``low`` 0 or 1), the range stated when refused."""
    power = high >= 2**20 and high & (high - 1) == 0
    shown = f"2**{high.bit_length() - 1}" if power else str(high)
    kind = "a positive integer" if low == 1 else "a non-negative integer"
    return _number(int, lambda v: low <= v <= high, f"{kind} up to {shown}")


def _path(text: str) -> str:
    """A file or folder path: not empty, no NUL character."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path; give a file or folder name")
    if "\0" in text:
        raise argparse.ArgumentTypeError(f"{text!r} is not a path (it holds a NUL character)")
    return text


#: Largest --samples: a synthetic data set of this many rows is made in well under a minute.
MAX_SAMPLES = 10_000_000
#: Largest --data-noise: the built-in data sets span about 1, so more is noise alone.
MAX_DATA_NOISE = 1e3

_seed = _integer(0, MAX_SEED)
_samples = _integer(1, MAX_SAMPLES)
_qubits = _integer(1, MAX_QUBITS)
_layers = _integer(1, MAX_LAYERS)
_epochs = _integer(1, MAX_EPOCHS)
_batch = _integer(1, MAX_SAMPLES)
_shots = _integer(1, MAX_SHOTS)
_positive_float = _number(float, lambda v: math.isfinite(v) and v > 0, "a positive number")
_data_noise = _number(
    float, lambda v: 0 <= v <= MAX_DATA_NOISE, f"a standard deviation in [0, {MAX_DATA_NOISE:g}]"
)
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
        "downloaded. moons, circles, xor, blobs, circle (Perez-Salinas et al. 2020) and "
        "ad_hoc (Havlicek et al. 2019, made for the zz encoding with --features raw) are 2-D; "
        "parity has 4 bits; iris has 4 features and 3 classes",
    )
    data.add_argument(
        "--samples",
        type=_samples,
        metavar="N",
        help=f"number of samples of a synthetic data set (default {DEFAULT_SAMPLES}; parity: "
        "the full table of 16 bit strings; iris has a fixed 150)",
    )
    data.add_argument(
        "--data-noise",
        type=_data_noise,
        metavar="SIGMA",
        help="standard deviation of the Gaussian noise added to moons, circles or xor "
        f"(default {DEFAULT_DATA_NOISE})",
    )
    data.add_argument(
        "--csv",
        type=_path,
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
        type=_seed,
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
        type=_qubits,
        metavar="N",
        help=f"qubits of the circuit (default {vqc['n_qubits']}); the features are reduced by "
        "PCA or repeated to match",
    )
    model.add_argument(
        "--layers",
        type=_layers,
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
        choices=list(FEATURE_STAGES),
        help=f"the classical stage before the circuit (default {vqc['features']}): pca "
        "standardises, reduces and scales the features into angles; raw passes them to the "
        "encoding unchanged (as many as it takes); vqc only: dense is a trainable linear "
        "layer trained with the circuit, layerwise one such layer per re-uploading layer",
    )

    training = parser.add_argument_group("training (vqc)")
    training.add_argument(
        "--epochs",
        type=_epochs,
        metavar="N",
        help=f"the training budget (default {vqc['epochs']}): passes over the training data "
        "for adam, sgd and spsa, where early stopping on a "
        f"{vqc['validation_fraction'] * 100:.0f}%% validation split (at least 10 samples) may "
        "end training sooner; L-BFGS-B: iterations; COBYLA: 10 objective evaluations per "
        "epoch (at least the number of parameters + 2)",
    )
    training.add_argument(
        "--batch-size",
        type=_batch,
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
        "whole training set (see --epochs for what their budget counts)",
    )
    training.add_argument(
        "--quiet", action="store_true", help="no progress bar (results are still printed)"
    )

    files = parser.add_argument_group("files")
    files.add_argument(
        "--out",
        type=_path,
        metavar="DIR",
        help="write model.json (the trained model), metrics.json (data, options, accuracies, "
        "timings, history), training.png (loss and accuracy per epoch; vqc only) and, for "
        "2-feature data, decision_boundary.png into DIR (created, and checked to be "
        "writable, before training starts)",
    )
    files.add_argument(
        "--load",
        type=_path,
        metavar="MODEL",
        help="evaluate a saved model file (vqc or kernel, as written by --out) on the test "
        "split of --dataset or --csv instead of training; use the data options (and --seed) "
        "it was trained with to get the same held-out samples (data with other feature "
        "names or class labels than its training data are refused)",
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
        type=_shots,
        metavar="N",
        help="estimate each <Z_i> from N measurement shots per test sample instead of exactly",
    )
    check.add_argument(
        "--noise",
        metavar="SPEC",
        help="evaluate under a noise model (training stays noiseless unless --train-noise): "
        "comma-separated "
        f"NAME=P with NAME in {', '.join(NOISE_NAMES)}, e.g. depolarizing=0.01 "
        "(after every gate) or depolarizing=0.01,readout=0.02; readout errors act on "
        "measurements, so only with --shots",
    )
    check.add_argument(
        "--train-noise",
        action="store_true",
        default=None,
        help="vqc: train under the --noise model too (density-matrix simulation with exact "
        "parameter-shift gradients; slower, 4**n numbers per sample), so the model adapts to it",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    return parser


#: Estimator and data set options as the command line names them, for messages.
_FLAG_OF = {"learning_rate": "--lr", "n_qubits": "--qubits", "n_layers": "--layers",
            "batch_size": "--batch-size", "n_samples": "--samples"}  # fmt: skip
_OPTION_NAME = re.compile(rf"(?<![\w-])({'|'.join(_FLAG_OF)})(?!\w)")


def in_flags(error: QmlError) -> QmlError:
    """``error`` with the estimator's option names in its message as this command's flags."""
    message = _OPTION_NAME.sub(lambda match: _FLAG_OF[match[1]], str(error))
    return error if message == str(error) else type(error)(message)


def version() -> str:
    """The installed qml's version."""
    from qml import __version__

    return __version__


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``"1 epoch"``, ``"3 epochs"``."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def flag(name: str) -> str:
    """The option of an ``args`` attribute: ``batch_size`` -> ``--batch-size``."""
    return "--" + name.replace("_", "-")


#: Options that shape or train the model (meaningless with --load).
MODEL_OPTIONS = ("model", "qubits", "layers", "encoding", "ansatz", "features")
TRAINING_OPTIONS = ("epochs", "batch_size", "lr", "optimizer")
#: Options of the variational classifier only.
VQC_ONLY = ("ansatz", *TRAINING_OPTIONS, "train_noise")


def check_options(args: argparse.Namespace) -> None:
    """Refuse options that do not go together (``OptionError``, exit status 2)."""
    given = [name for name, value in vars(args).items() if value is not None]
    if args.csv is not None:
        if args.dataset is not None:
            raise OptionError("give --dataset or --csv, not both")
        for name in ("samples", "data_noise"):
            if name in given:
                raise OptionError(
                    f"{flag(name)} shapes a built-in data set, not a --csv file; drop it"
                )
    elif args.target is not None:
        raise OptionError("--target names the label column of a --csv file; add --csv PATH")
    if args.load is not None:
        for name in (*MODEL_OPTIONS, *TRAINING_OPTIONS):
            if name in given:
                raise OptionError(
                    f"{flag(name)} does not apply with --load: the model file fixes the model; "
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
                    f"{flag(name)} does not apply to --model kernel (an SVM on the encoding's "
                    "fidelity kernel: no ansatz, no epochs); drop it, or use --model vqc"
                )
        if args.features is not None and FEATURE_STAGES[args.features].trainable:
            raise OptionError(
                f"--features {args.features} is trained with the circuit; --model kernel has no "
                "training loop: use --features pca or raw, or --model vqc"
            )
        check_crosscheck_applies(args, "--model kernel")
    if args.train_noise and args.noise is None:
        raise OptionError("--train-noise trains under the --noise model; add --noise SPEC")


def crosscheck_requested(args: argparse.Namespace) -> bool:
    """True when ``--backend aer``, ``--shots`` or ``--noise`` asks for the cross-check."""
    return args.backend == "aer" or args.shots is not None or args.noise is not None


def check_crosscheck_applies(args: argparse.Namespace, what: str) -> None:
    """Refuse the cross-check options for a model without a <Z_i> read-out (``what``)."""
    if crosscheck_requested(args):
        used = [flag(n) for n in ("backend", "shots", "noise") if getattr(args, n) is not None]
        raise OptionError(
            f"{' '.join(used)}: the cross-check recomputes the variational classifier's <Z_i> "
            f"read-out, which {what} does not have (its kernel is a state overlap); drop "
            f"{' '.join(used)}, or use a vqc model"
        )
