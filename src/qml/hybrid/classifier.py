"""``QuantumClassifier``: the hybrid model as a scikit-learn classifier.

Pipeline: features -> inputs (fixed: standardise, PCA, scale; raw; or a trainable
dense or per-layer map) -> encoding circuit -> variational ansatz -> ``<Z_q>`` on
every qubit -> linear head -> softmax, trained end to end on the cross-entropy
with exact gradients (one adjoint sweep per mini-batch; under ``noise``,
density-matrix parameter shift). The estimator follows scikit-learn's contract:
``__init__`` only stores its arguments, learned state ends in ``_`` and is born
in ``fit``, ``random_state`` makes ``fit`` reproducible.
"""

from __future__ import annotations

import math
import numbers
import os
import time
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from qml.circuits.library import ANSATZE
from qml.errors import (
    ModelFileError,
    OptionError,
    QmlError,
    QmlTypeError,
    QmlValueError,
    is_choice,
)
from qml.hybrid.base import (
    MAX_EPOCHS,
    MAX_LAYERS,
    MAX_QUBITS,
    Boolean,
    Check,
    Constraint,
    HybridEstimator,
    Integer,
    NotFittedError,
    OneOf,
    Optional,
    RandomState,
    Real,
    file_history,
    seed_from,
    show,
)
from qml.hybrid.encodings import ENCODINGS
from qml.hybrid.features import FEATURE_STAGES
from qml.hybrid.model import Architecture, HybridModel, softmax
from qml.hybrid.optim import OPTIMIZERS, SCHEDULES, Optimizer, learning_rate, make_optimizer
from qml.hybrid.persistence import read_model, write_model
from qml.simulator import lazy
from qml.simulator.measure import MAX_SHOTS
from qml.simulator.memory import available_memory, check_fits

__all__ = [
    "MAX_PARAMETER",
    "MIN_VALIDATION_SIZE",
    "PREDICT_CHUNK",
    "NotFittedError",
    "QuantumClassifier",
]

#: Rows per pass when predicting (fewer if memory is short), so memory stays bounded.
PREDICT_CHUNK = 4096
#: Largest |parameter| of a trained model: float64 angles beyond it carry no phase (their
#: spacing is about a radian), so training that gets there has diverged, and a model file
#: holding more is corrupted.
MAX_PARAMETER = 1e15
#: Early stopping judges on at least this many held-out rows (see ``QuantumClassifier``).
MIN_VALIDATION_SIZE = 10
#: True until the first training loop of this process has started (it compiles the kernels).
_FIRST_FIT = [True]


@dataclass(frozen=True)
class _Noise(Constraint):
    """None, a ``qml.noise.NoiseModel``, or a noise spec that parses (``"depolarizing=0.02"``)."""

    def check(self, name: str, value: Any) -> None:
        """Refuse other values, and specs that do not parse (``OptionError`` saying why)."""
        if value is None or hasattr(value, "channels_after"):
            return
        if not isinstance(value, str):
            raise QmlValueError(f"{name} must be None, a spec such as 'depolarizing=0.02', or a "
                                f"qml.noise.NoiseModel, got {show(value)}")  # fmt: skip
        from qml.noise import parse_noise

        try:
            parse_noise(value)
        except OptionError as error:
            raise OptionError(f"{name}: {error}") from None


def _is_verbosity(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return True
    return isinstance(value, numbers.Integral) and value >= 0


def _generator(seed: Any) -> np.random.Generator:
    """A Generator from an evaluation ``seed``: None, an int >= 0, or a Generator (used as is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and not (
        isinstance(seed, numbers.Integral) and not isinstance(seed, (bool, np.bool_)) and seed >= 0
    ):
        raise QmlValueError(f"seed must be None, an int >= 0 or a numpy.random.Generator, got "
                            f"{show(seed)}")  # fmt: skip
    return np.random.default_rng(None if seed is None else int(seed))


class _Diverged(QmlValueError):
    """Training reached a non-finite loss or parameters (``fit`` re-raises it with advice)."""


class _Rows:
    """A batch of rows as the optimizers see it: ``loss(v)`` and ``loss_and_gradient(v)``."""

    __slots__ = ("inputs", "model", "rng", "shots", "targets")

    def __init__(self, model: HybridModel, inputs: np.ndarray, targets: np.ndarray,
                 shots: int | None, rng: np.random.Generator) -> None:  # fmt: skip
        self.model, self.inputs, self.targets, self.shots, self.rng = (
            model, inputs, targets, shots, rng)  # fmt: skip

    # the simulator refuses non-finite angles, and a non-finite loss is caught here: a step
    # that diverged costs nothing to detect while training goes well (in one process or,
    # for rows held on dask workers, summed over their blocks)
    def loss(self, vector: np.ndarray) -> tuple[float, np.ndarray]:
        try:
            if isinstance(self.inputs, lazy.PartitionedRows):
                loss, logits = _partitioned(self, vector, gradient=False)
            else:
                loss, logits = self.model.loss(
                    vector, self.inputs, self.targets, self.shots, self.rng
                )
        except QmlValueError:
            _check_finite(vector)  # diverged parameters, or else the error as it was
            raise
        if not math.isfinite(loss):
            raise _Diverged(f"the loss became {loss}")
        return loss, logits

    def loss_and_gradient(self, vector: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        try:
            if isinstance(self.inputs, lazy.PartitionedRows):
                loss, gradient, logits = _partitioned(self, vector, gradient=True)
            else:
                loss, gradient, logits = self.model.loss_and_gradient(
                    vector, self.inputs, self.targets
                )
        except QmlValueError:
            _check_finite(vector)
            raise
        if not math.isfinite(loss):
            raise _Diverged(f"the loss became {loss}")
        return loss, gradient, logits


def _check_finite(vector: np.ndarray) -> None:
    """Raise ``_Diverged`` for non-finite parameters, or parameters beyond ``MAX_PARAMETER``."""
    if not np.isfinite(vector).all():
        raise _Diverged("the parameters became NaN or infinite")
    if np.abs(vector).max(initial=0.0) > MAX_PARAMETER:
        raise _Diverged(f"the parameters grew beyond {MAX_PARAMETER:g}")


def _partitioned(batch: _Rows, vector: np.ndarray, gradient: bool) -> tuple:
    """``_Rows.loss`` or ``loss_and_gradient`` of rows held in partitions on the workers.

    Each block computes its rows' share (the mean over its rows times their count, and
    their logits in batch order); a tree reduction sums the shares; the means are taken
    here. Without shots the result is the single-process one up to the order of the sums.
    """
    model, n = batch.model, len(batch.inputs)
    n_classes, size = model.arch.n_classes, model.size if gradient else 0
    # shots: every block draws from its own stream, spawned from one draw of this rng
    seed = None if gradient or batch.shots is None else int(batch.rng.integers(2**63))
    total = batch.inputs.total(_partition_terms, 1 + size + n * n_classes,  # type: ignore[union-attr]
                               model, vector, n, gradient, batch.shots, seed)  # fmt: skip
    logits = total[1 + size :].reshape(n, n_classes)
    if gradient:
        return total[0] / n, total[1 : 1 + size] / n, logits
    return total[0] / n, logits


def _partition_terms(
    rows: np.ndarray, positions: np.ndarray, start: int, model: HybridModel, vector: np.ndarray,
    n_selected: int, gradient: bool, shots: int | None, seed: int | None,
) -> np.ndarray:  # fmt: skip
    """One block's share of a batch, on its worker: ``[loss sum, gradient sum, logits]``.

    ``rows`` are the block's rows of the batch (model inputs, then the class index),
    ``positions`` where they stand in the batch of ``n_selected`` rows.
    """
    inputs, targets = rows[:, :-1], rows[:, -1].astype(np.int64)
    count = len(targets)
    if gradient:
        loss, grad, logits = model.loss_and_gradient(vector, inputs, targets)
        sums = [np.array([loss * count]), grad * count]
    else:
        rng = None if seed is None else np.random.default_rng([seed, start])
        loss, logits = model.loss(vector, inputs, targets, shots, rng)
        sums = [np.array([loss * count])]
    scattered = np.zeros((n_selected, logits.shape[1]))
    scattered[positions] = logits
    return np.concatenate([*sums, scattered.ravel()])


class QuantumClassifier(HybridEstimator):
    """A hybrid quantum-classical classifier (binary and multi-class).

    Every option is checked in ``fit`` (and ``load``), with a ``QmlError`` naming
    the option and its valid values.

    Parameters
    ----------
    n_qubits : int
        Qubits of the circuit, 1 to ``MAX_QUBITS`` (40; the memory guard decides what
        fits here); features are reduced (PCA) or repeated to match.
    n_layers : int
        Ansatz layers, 1 to ``MAX_LAYERS`` (1000) (with ``reuploading``, the encoding
        precedes each).
    encoding : "angle", "zz", "iqp" or "amplitude" (any name in
        ``qml.hybrid.encodings.ENCODINGS``)
    ansatz : "hardware_efficient", "real_amplitudes", "efficient_su2" or
        "strongly_entangling_layers"
    reuploading : bool
        Repeat the encoding before every ansatz layer (data re-uploading).
    features : "pca" (fixed: standardise, PCA, scale into the encoding's range),
        "raw" (the features are the encoding's inputs, unchanged: as many as it
        takes), "dense" (a trainable linear layer from all features to the angles)
        or "layerwise" (re-uploading in which every layer has its own trainable
        weights and offsets from all features to that layer's angles, the form of
        Pérez-Salinas et al. 2020).
    optimizer : "adam", "sgd" (with ``momentum``), "spsa", "L-BFGS-B" or "COBYLA"
    learning_rate, lr_schedule, momentum : step size (finite, >= 0), its schedule over
        epochs ("constant", "cosine", "exponential"), SGD's momentum (in [0, 1)). A
        training whose loss or parameters become non-finite (or pass ``MAX_PARAMETER``)
        stops with a ``QmlValueError`` saying which option to lower.
    epochs : the training budget, 1 to ``MAX_EPOCHS`` (10**6). For the mini-batch
        optimizers (adam, sgd, spsa) passes over the training data; for L-BFGS-B
        iterations; for COBYLA, which makes one objective evaluation per iteration,
        10 evaluations per epoch.
    batch_size : samples per step (mini-batch optimizers).
    validation_fraction, early_stopping, patience : hold out this fraction, but never
        fewer than ``MIN_VALIDATION_SIZE`` (10) rows, and stop when its loss has not
        improved for ``patience`` epochs, keeping the best parameters. With fewer than
        twice ``MIN_VALIDATION_SIZE`` rows there is no early stopping: every row
        trains and every epoch runs. (Mini-batch optimizers only; L-BFGS-B and
        COBYLA use every row and stop at their budget.)
    shots : int or None
        Train and predict from this many measurement shots (with a gradient-free
        optimizer: "spsa" or "COBYLA"); None for exact expectations.
    noise : None, a spec such as ``"depolarizing=0.02"`` (see ``qml.noise.spec``),
        or a ``qml.noise.NoiseModel``
        Train (forward and exact gradients, by density-matrix parameter shift) and
        predict under this noise. Costs a density matrix (4**n) per sample.
    random_state : int in [0, 2**32 - 1], RandomState, Generator or None
    verbose : bool (or a verbosity level >= 0)
        Show a progress bar with loss and accuracy per epoch.

    Notes
    -----
    Dask arrays. ``predict``, ``predict_proba``, ``decision_function``, ``readout`` and
    ``readout_params`` of a dask array return lazy dask arrays, one task per block of
    rows. ``fit`` on a dask array ``X`` is data-parallel: the rows are gathered once to
    validate them and fit the feature stage (scikit-learn's scaler and PCA), then the
    model inputs are kept in blocks on the workers, and every loss and gradient is
    computed there, on the rows of the step that each block holds, and summed by a tree
    reduction; the optimizer steps here. With the same ``random_state`` and mini-batches,
    the parameters are those of the single-process fit, up to the order of floating-point
    sums (about 1e-15); only a parameter that changes no output (its gradient is rounding
    noise, which Adam divides by its ``eps``) drifts apart, by about 1e-10 over a hundred
    steps. From shots, the draws differ. Each step is one round trip to
    the workers (tens of milliseconds on a local cluster), so it pays when a step's
    simulations take longer than that: large ``batch_size`` (thousands of rows), big
    circuits or noise, or the full-batch optimizers ("L-BFGS-B", "COBYLA") on many rows;
    at the default ``batch_size=16`` one process is faster.

    Attributes
    ----------
    classes_, n_features_in_, feature_names_in_ (if X had names), params_ (flat
    trained parameters), history_ (a dict per epoch: loss, accuracy,
    val_loss, val_accuracy, learning_rate), n_iter_ (epochs run, or the scipy
    optimizer's iterations).
    """

    _parameter_constraints: ClassVar[dict[str, Constraint]] = {
        "n_qubits": Integer(1, MAX_QUBITS),
        "n_layers": Integer(1, MAX_LAYERS),
        "epochs": Integer(1, MAX_EPOCHS),
        "batch_size": Integer(1),
        "patience": Integer(1),
        "encoding": OneOf(ENCODINGS),
        "ansatz": OneOf(ANSATZE),
        "features": OneOf(FEATURE_STAGES),
        "optimizer": OneOf(OPTIMIZERS),
        "lr_schedule": OneOf(SCHEDULES),
        "learning_rate": Real(0.0),
        "momentum": Real(0.0, 1.0),
        "validation_fraction": Real(0.0, 1.0),
        "shots": Optional(Integer(1, MAX_SHOTS)),
        "noise": _Noise(),
        "reuploading": Boolean(),
        "early_stopping": Boolean(),
        "random_state": RandomState(),
        "verbose": Check(_is_verbosity, "True, False or a verbosity level >= 0"),
    }
    _fitted_attribute: ClassVar[str] = "params_"
    _layers_option: ClassVar[str | None] = "n_layers"

    def __init__(
        self,
        n_qubits: int = 4,
        n_layers: int = 3,
        *,
        encoding: str = "angle",
        ansatz: str = "hardware_efficient",
        reuploading: bool = True,
        features: str = "pca",
        optimizer: str = "adam",
        learning_rate: float = 0.05,
        lr_schedule: str = "cosine",
        momentum: float = 0.9,
        epochs: int = 60,
        batch_size: int = 16,
        validation_fraction: float = 0.1,
        early_stopping: bool = True,
        patience: int = 15,
        shots: int | None = None,
        noise: Any = None,
        random_state: Any = None,
        verbose: bool = False,
    ) -> None:
        self.n_qubits = n_qubits
        self.n_layers = n_layers
        self.encoding = encoding
        self.ansatz = ansatz
        self.reuploading = reuploading
        self.features = features
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.lr_schedule = lr_schedule
        self.momentum = momentum
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.patience = patience
        self.shots = shots
        self.noise = noise
        self.random_state = random_state
        self.verbose = verbose

    # -- checks -------------------------------------------------------------------------------
    def _check_options(self) -> None:
        super()._check_options()
        if self.shots is not None and not make_optimizer(self.optimizer).gradient_free:
            free = [name for name, make in OPTIMIZERS.items() if make().gradient_free]
            raise OptionError(
                "training from shots needs a gradient-free optimizer: use optimizer="
                f"{' or '.join(map(repr, free))} with shots, or shots=None for exact gradients"
            )

    def _architecture(self, n_classes: int) -> Architecture:
        arch = Architecture(self.n_qubits, self.n_layers, n_classes, self.encoding, self.ansatz,
                            bool(self.reuploading), self.features)  # fmt: skip
        arch.check()
        return arch

    def _noise_model(self, circuit: Any) -> Any:
        """The noise model of ``noise`` for ``circuit`` (a spec is built for its gates)."""
        if isinstance(self.noise, str):
            from qml.noise import noise_from_spec

            return noise_from_spec(self.noise, circuit)
        return self.noise

    def _make_model(self, arch: Architecture, n_features: int) -> HybridModel:
        model = HybridModel(arch, n_features)
        if self.noise is None:
            return model
        return HybridModel(arch, n_features, noise=self._noise_model(model.circuit))

    # -- fitting ----------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any) -> QuantumClassifier:
        """Train on ``X`` ``(n_samples, n_features)`` and labels ``y`` ``(n_samples,)``."""
        self._check_options()
        self._forget_fit()  # a fit that fails leaves the estimator unfitted, not half-refitted
        rows = X  # a dask array: the steps run where its blocks live (data-parallel)
        X, targets = self._check_targets(X, y)
        arch = self._architecture(len(self.classes_))
        optimizer = make_optimizer(self.optimizer, self.momentum)
        # a mini-batch of states and their adjoint copies must fit (prediction adapts its chunks)
        batch = min(self.batch_size, len(targets))
        check_fits(self.n_qubits * (1 if self.noise is None else 2), batch, copies=3)
        rng = np.random.default_rng(seed_from(self.random_state))
        train, valid = self._split(targets, rng, optimizer)
        start = self._fit_inputs(X[train])
        self.model_ = self._make_model(arch, self.n_features_in_)
        inputs = (lazy.PartitionedRows(self._inputs(rows.astype(np.float64)), targets,
                                       self._row_bytes())
                  if lazy.is_lazy(rows) else self._inputs(X))  # fmt: skip
        vector = self.model_.initial(rng, start)
        try:
            # an overflow shows as non-finite numbers, refused below with advice; numpy's
            # warnings about it would only add noise
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                if optimizer.full_batch:
                    vector = self._fit_full_batch(
                        optimizer, vector, inputs[train], targets[train], rng
                    )
                else:
                    vector = self._fit_loop(optimizer, vector, inputs, targets, train, valid, rng)
            _check_finite(vector)
        except _Diverged as error:
            raise self._diverged(error, optimizer) from None
        self.params_ = vector
        return self

    def _diverged(self, error: _Diverged, optimizer: Optimizer) -> QmlValueError:
        """The error of a training that diverged, saying which option to change."""
        epoch = len(getattr(self, "history_", [])) + 1
        where = f"in {optimizer.unit} {epoch}" if optimizer.full_batch else f"in epoch {epoch}"
        if optimizer.full_batch:
            advice = (f"optimizer={self.optimizer!r} has no learning rate: try optimizer='adam', "
                      "or rescale the features")  # fmt: skip
        else:
            advice = (f"lower learning_rate (now {self.learning_rate:g}; try "
                      f"{self.learning_rate / 10:g}, or the default 0.05)")  # fmt: skip
            if getattr(optimizer, "momentum", 0.0) > 0:  # SGD's heavy ball
                advice += f" or momentum (now {self.momentum:g})"
        return QmlValueError(
            f"training diverged: {error} {where}, so there is no trained model; {advice}"
        )

    def _split(
        self, targets: np.ndarray, rng: np.random.Generator, optimizer: Optimizer
    ) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the training rows and of the validation rows (maybe empty).

        The validation set is stratified and holds ``validation_fraction`` of the rows,
        at least ``MIN_VALIDATION_SIZE``; below twice that, there is none.
        """
        n = len(targets)
        everything = np.arange(n)
        n_valid = max(round(self.validation_fraction * n), MIN_VALIDATION_SIZE)
        if (
            not self.early_stopping
            or optimizer.full_batch  # scipy stops at its budget and uses every row
            or self.validation_fraction == 0
            or n < 2 * MIN_VALIDATION_SIZE
        ):
            return everything, everything[:0]
        valid = []  # stratified: every class in proportion to its size
        for label in np.unique(targets):
            rows = rng.permutation(np.flatnonzero(targets == label))
            valid.extend(rows[: round(n_valid * len(rows) / n)])
        valid = np.sort(np.array(valid, dtype=np.int64))
        train = np.setdiff1d(everything, valid)
        if len(np.unique(targets[train])) < len(np.unique(targets)):
            raise QmlValueError(
                f"validation_fraction={self.validation_fraction:g} holds out {len(valid)} of "
                f"{n} rows, leaving no training row of some class; lower validation_fraction "
                "(default 0.1) or pass more rows"
            )
        return train, valid

    def _progress(self, total: int, description: str) -> Any:
        if self.verbose:
            from tqdm.auto import tqdm
        else:  # tqdm.auto warns in Jupyter without ipywidgets, even for a disabled bar
            from tqdm import tqdm
        # smoothing=0: the rate is (epochs - initial) / elapsed, which _fit_loop restarts
        # after the first epoch so that its compile time never enters the ETA
        return tqdm(total=total, desc=description, unit="epoch", disable=not self.verbose,
                    smoothing=0)  # fmt: skip

    def _fit_loop(
        self,
        optimizer: Optimizer,
        vector: np.ndarray,
        inputs: np.ndarray,
        targets: np.ndarray,
        train: np.ndarray,
        valid: np.ndarray,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Mini-batch training (Adam, SGD or SPSA) with early stopping on ``valid``."""
        self.history_: list[dict[str, float]] = []
        best = (np.inf, vector.copy())
        waited = 0
        # the first training in a process loads the kernels and the libraries: say so
        first = _FIRST_FIT[0]
        _FIRST_FIT[0] = False
        bar = self._progress(self.epochs, "training (loading kernels, first run only)"
                             if first else "training")  # fmt: skip
        held_out = _Rows(self.model_, inputs[valid], targets[valid], self.shots, rng)
        for epoch in range(self.epochs):
            lr = learning_rate(self.lr_schedule, self.learning_rate, epoch, self.epochs)
            loss_sum, hits = 0.0, 0
            order = rng.permutation(train)
            for first in range(0, len(order), self.batch_size):
                rows = order[first : first + self.batch_size]
                batch = _Rows(self.model_, inputs[rows], targets[rows], self.shots, rng)
                vector, loss, logits = optimizer.update(vector, batch, lr, rng)
                loss_sum += loss * len(rows)
                hits += int(np.count_nonzero(logits.argmax(axis=1) == batch.targets))
            record = {"epoch": epoch + 1, "loss": loss_sum / max(len(train), 1),
                      "accuracy": hits / max(len(train), 1), "learning_rate": lr}  # fmt: skip
            if len(valid):
                val_loss, val_logits = held_out.loss(vector)
                record["val_loss"] = val_loss
                record["val_accuracy"] = float(
                    np.mean(val_logits.argmax(axis=1) == held_out.targets)
                )
            self.history_.append(record)
            bar.set_postfix({k: f"{v:.3f}" for k, v in record.items() if k != "epoch"},
                            refresh=False)  # fmt: skip
            if epoch == 0 and self.verbose:
                # the ETA comes from the epochs after the first (which compiles): the rate
                # counts epochs from `initial` on, timed from now
                bar.set_description("training", refresh=False)
                bar.n = bar.initial = 1
                bar.start_t = bar.last_print_t = time.time()
                bar.refresh()
            else:
                bar.update(1)
            if len(valid):
                if record["val_loss"] < best[0] - 1e-6:
                    best, waited = (record["val_loss"], vector.copy()), 0
                else:
                    waited += 1
                    if waited >= self.patience:
                        break
        bar.close()
        self.n_iter_ = len(self.history_)
        return best[1] if len(valid) else vector

    def _fit_full_batch(
        self,
        optimizer: Optimizer,
        vector: np.ndarray,
        inputs: np.ndarray,
        targets: np.ndarray,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """A full-batch optimizer (L-BFGS-B, COBYLA) on every training row."""
        self.history_ = []

        def record(loss: float, logits: np.ndarray) -> None:
            accuracy = float(np.mean(np.argmax(logits, axis=1) == targets))
            self.history_.append({"epoch": len(self.history_) + 1, "loss": loss,
                                  "accuracy": accuracy, "learning_rate": 0.0})  # fmt: skip

        rows = _Rows(self.model_, inputs, targets, self.shots, rng)
        vector, self.n_iter_ = optimizer.minimize(vector, rows, self.epochs, record)
        return vector

    # -- predicting --------------------------------------------------------------------------------
    def _logits(
        self,
        X: Any,
        seed: Any = None,
        *,
        noise: Any = None,
        shots: int | None = None,
        backend: str = "qml",
        **unknown: Any,
    ) -> np.ndarray:
        if unknown:
            raise QmlTypeError(f"unknown option(s) {', '.join(unknown)}; the evaluation options "
                               "are noise, shots, seed and backend (see readout)")  # fmt: skip
        if noise is not None or shots is not None or not is_choice(backend, ("qml",)):
            z = self.readout(X, noise=noise, shots=shots, seed=seed, backend=backend)
            head = self.model_.unflatten(self.params_)
            return z @ head["head_weight"].T + head["head_bias"]
        self._check_fitted()
        X = self._validate(X, reset=False)
        inputs = self._inputs(X)
        rng = _generator(seed)
        chunk = self._chunk()
        chunks = [
            self.model_.logits(self.params_, inputs[i : i + chunk], self.shots, rng)
            for i in range(0, len(inputs), chunk)
        ]
        return np.vstack(chunks) if chunks else np.zeros((0, len(self.classes_)))

    def _chunk(self) -> int:
        """Rows per pass: ``PREDICT_CHUNK``, fewer if three states per row would not fit."""
        state_bytes = 16 << (self.n_qubits * (1 if self.noise is None else 2))
        return int(min(PREDICT_CHUNK, max(1, available_memory() // (3 * state_bytes))))

    def decision_function(self, X: Any, **evaluation: Any) -> np.ndarray:
        """Logits: ``(n_samples,)`` (class 1 minus class 0) when binary, else ``(n, n_classes)``.

        ``evaluation`` options (``noise``, ``shots``, ``seed``, ``backend``) are
        those of ``readout``.
        """
        if lazy.is_lazy(X):  # a dask array: a lazy result, one task per block of rows
            return self._lazy(self.decision_function, X, **evaluation)
        logits = self._logits(X, **evaluation)
        return logits[:, 1] - logits[:, 0] if len(self.classes_) == 2 else logits

    def predict_proba(self, X: Any, **evaluation: Any) -> np.ndarray:
        """Class probabilities, ``(n_samples, n_classes)`` in ``classes_`` order.

        ``evaluation`` options (``noise``, ``shots``, ``seed``, ``backend``) are
        those of ``readout``.
        """
        if lazy.is_lazy(X):  # a dask array: a lazy result, one task per block of rows
            return self._lazy(self.predict_proba, X, **evaluation)
        return softmax(self._logits(X, **evaluation))

    def predict(self, X: Any, **evaluation: Any) -> np.ndarray:
        """The most probable class of each row of ``X`` (``evaluation``: see ``readout``)."""
        if lazy.is_lazy(X):  # a dask array: a lazy result, one task per block of rows
            return self._lazy(self.predict, X, **evaluation)
        logits = self._logits(X, **evaluation)  # checks fitted before classes_ is touched
        return self.classes_[np.argmax(logits, axis=1)]

    def score(self, X: Any, y: Any, sample_weight: Any = None, **evaluation: Any) -> float:
        """Mean accuracy on ``(X, y)``; under noise or from shots with ``evaluation`` options.

        ``clf.score(X, y, noise=model, shots=1024)`` evaluates the trained model
        under a ``qml.noise.NoiseModel`` from shots, on qml's density-matrix
        simulator or (``backend="aer"``) on qiskit-aer; see ``readout``.
        """
        return self._accuracy(X, y, sample_weight, lambda rows: self.predict(rows, **evaluation))

    def readout(
        self,
        X: Any,
        *,
        noise: Any = None,
        shots: int | None = None,
        seed: Any = None,
        backend: str = "qml",
    ) -> np.ndarray:
        """``<Z_q>`` of the trained circuit for every row of ``X``: ``(n_samples, n_qubits)``.

        ``noise`` is a ``qml.noise.NoiseModel`` or a spec such as
        ``"depolarizing=0.02"`` (exact under noise, from the density matrix),
        ``shots`` estimates from samples (readout errors included), ``backend`` is
        ``"qml"`` (this package's simulators) or ``"aer"`` (qiskit-aer, one job per
        chunk of rows): the cross-check of a model trained here on the reference
        simulator.
        """
        from qml.circuits.observables import Pauli
        from qml.simulator import expectation

        if lazy.is_lazy(X):  # a dask array: a lazy result, one task per block of rows
            return self._lazy(self.readout, X, noise=noise, shots=shots, seed=seed,
                              backend=backend)  # fmt: skip
        if not is_choice(backend, ("qml", "aer")):
            raise OptionError(f"unknown backend {show(backend)}; choose 'qml' or 'aer'")
        rows = self.readout_params(X)  # checks the model is fitted and X its width
        circuit = self.model_.circuit
        if isinstance(noise, str):
            from qml.noise import noise_from_spec

            noise = noise_from_spec(noise, circuit)
        n = circuit.num_qubits
        observables = [Pauli.on("Z", [q], n) for q in range(n)]
        rng = _generator(seed)
        if backend == "aer":
            run = _aer_readout(circuit, observables, shots, noise, rng)
        else:

            def run(chunk: np.ndarray) -> np.ndarray:
                return expectation(circuit, observables, chunk, shots=shots, seed=rng, noise=noise)

        step = self._chunk()
        parts = [np.asarray(run(rows[i : i + step])) for i in range(0, len(rows), step)]
        return np.vstack(parts) if parts else np.zeros((0, n))

    def readout_params(self, X: Any) -> np.ndarray:
        """The circuit's parameter rows for the rows of ``X``: ``(n_samples, n_params)``.

        Columns follow ``self.model_.circuit.parameters`` (data angles, then the
        trained weights; with ``features="layerwise"`` each layer's angles precede
        its weights), so any simulator or backend can compute the read-out
        ``z[:, q] = <Z_q>`` of ``self.model_.circuit`` itself; the class scores
        are then ``z @ head["head_weight"].T + head["head_bias"]`` with
        ``head = self.model_.unflatten(self.params_)``, exactly what ``predict``
        computes with qml's engine.
        """
        if lazy.is_lazy(X):  # a dask array: a lazy result, one task per block of rows
            return self._lazy(self.readout_params, X)
        self._check_fitted()
        inputs = self._inputs(self._validate(X, reset=False))
        return self.model_.circuit_params(self.params_, inputs)

    # -- model files ---------------------------------------------------------------------------
    def save(self, path: str | os.PathLike, *, notes: dict[str, Any] | None = None) -> None:
        """Write the fitted model to one JSON file at ``path``, atomically (never pickle).

        A ``noise`` given as a NoiseModel object is not stored (a spec string is);
        the trained parameters do not need it to predict. ``notes`` is JSON data kept
        with the model (e.g. where its training data came from); ``load`` gives it
        back as ``notes_``.
        """
        self._check_fitted()
        state = {**self._file_state(notes), "history": self.history_, "n_iter": int(self.n_iter_)}
        arrays = {"params": self.params_, "input_matrix": self.input_map_.matrix,
                  "input_offset": self.input_map_.offset}  # fmt: skip
        write_model(path, type(self).__name__, self._file_config(), state, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> QuantumClassifier:
        """A fitted classifier read from a file written by ``save`` (checked before use).

        Every field is validated before anything is built from it (``ModelFileError``
        naming the field): the configuration within the constructor's limits, the
        classes, the arrays' dtypes, shapes and finiteness.
        """
        config, state, arrays = read_model(path, cls.__name__, _ARRAYS)
        clf = cls._configured(config, path)
        classes, n_features, names, notes = clf._restore_state(state, path, ("history", "n_iter"))
        history, n_iter = file_history(state["history"], state["n_iter"], path)
        try:
            arch = clf._architecture(len(classes))
        except QmlError as error:
            raise ModelFileError(f"{path}: config: {error}; the file is corrupted") from None
        # the input map bounds n_features by the data the file really holds, before the
        # model (whose size grows with n_features) is built
        input_map = clf._file_input_map(arrays, n_features, path)
        try:
            model = clf._make_model(arch, n_features)
        except QmlError as error:  # a noise spec that does not apply to the circuit
            raise ModelFileError(f"{path}: config: {error}; the file is corrupted") from None
        if arrays["params"].shape != (model.size,):
            raise ModelFileError(
                f"{path}: params has shape {arrays['params'].shape}, but this model "
                f"needs {(model.size,)}; the file is corrupted"
            )
        if np.abs(arrays["params"]).max(initial=0.0) > MAX_PARAMETER:
            raise ModelFileError(
                f"{path}: params holds values beyond {MAX_PARAMETER:g} (largest "
                f"{np.abs(arrays['params']).max():.3g}), which no training keeps; the file is "
                "corrupted"
            )
        # everything checked: only now does the object get its fitted state
        clf._set_common(classes, n_features, names, notes)
        clf.model_, clf.input_map_ = model, input_map
        clf.params_, clf.history_, clf.n_iter_ = arrays["params"], history, n_iter
        return clf


#: The arrays of a classifier's model file: dtype and number of dimensions.
_ARRAYS = {"params": ("<f8", 1), "input_matrix": ("<f8", 2), "input_offset": ("<f8", 1)}


def _aer_readout(
    circuit: Any, observables: list, shots: int | None, noise: Any, rng: np.random.Generator
) -> Any:
    """A function of parameter rows returning ``<Z_q>`` ``(B, n)`` from qiskit-aer."""
    from qml.backends import AerBackend

    backend = AerBackend(shots=shots, seed=int(rng.integers(2**31)), noise_model=noise)
    n = circuit.num_qubits
    signs = 1 - 2 * ((np.arange(1 << n)[:, None] >> np.arange(n)[None, :]) & 1)

    def run(rows: np.ndarray) -> np.ndarray:
        if shots is None:
            return np.asarray(backend.expectation(circuit, observables, params=rows))
        z = np.zeros((len(rows), n))
        for b, table in enumerate(backend.sample(circuit, shots=shots, params=rows)):
            for key, count in table.items():  # bit strings, qubit 0 rightmost
                z[b] += count * signs[int(key.replace(" ", ""), 2)]
        return z / shots

    return run
