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

import os
import time
from typing import Any, ClassVar

import numpy as np
from sklearn.utils.validation import check_random_state

from qml.circuits.library import ANSATZE
from qml.errors import ModelFileError, OptionError
from qml.hybrid.base import (
    Boolean,
    Check,
    Constraint,
    HybridEstimator,
    Integer,
    NotFittedError,
    OneOf,
    Optional,
    Real,
)
from qml.hybrid.encodings import ENCODINGS
from qml.hybrid.features import FEATURE_STAGES
from qml.hybrid.model import Architecture, HybridModel, softmax
from qml.hybrid.optim import OPTIMIZERS, SCHEDULES, Optimizer, learning_rate, make_optimizer
from qml.hybrid.persistence import read_model, write_model
from qml.simulator import lazy
from qml.simulator.memory import available_memory, check_fits

__all__ = ["MIN_VALIDATION_SIZE", "PREDICT_CHUNK", "NotFittedError", "QuantumClassifier"]

#: Rows per pass when predicting (fewer if memory is short), so memory stays bounded.
PREDICT_CHUNK = 4096
#: Early stopping judges on at least this many held-out rows (see ``QuantumClassifier``).
MIN_VALIDATION_SIZE = 10
#: True until the first training loop of this process has started (it compiles the kernels).
_FIRST_FIT = [True]


def _is_noise(value: Any) -> bool:
    return value is None or isinstance(value, str) or hasattr(value, "channels_after")


class _Rows:
    """A batch of rows as the optimizers see it: ``loss(v)`` and ``loss_and_gradient(v)``."""

    __slots__ = ("inputs", "model", "rng", "shots", "targets")

    def __init__(self, model: HybridModel, inputs: np.ndarray, targets: np.ndarray,
                 shots: int | None, rng: np.random.Generator) -> None:  # fmt: skip
        self.model, self.inputs, self.targets, self.shots, self.rng = (
            model, inputs, targets, shots, rng)  # fmt: skip

    def loss(self, vector: np.ndarray) -> tuple[float, np.ndarray]:
        if isinstance(self.inputs, lazy.PartitionedRows):  # a dask fit: where the rows live
            return _partitioned(self, vector, gradient=False)  # type: ignore[return-value]
        return self.model.loss(vector, self.inputs, self.targets, self.shots, self.rng)

    def loss_and_gradient(self, vector: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        if isinstance(self.inputs, lazy.PartitionedRows):  # a dask fit: where the rows live
            return _partitioned(self, vector, gradient=True)  # type: ignore[return-value]
        return self.model.loss_and_gradient(vector, self.inputs, self.targets)


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

    Parameters
    ----------
    n_qubits : int
        Qubits of the circuit; features are reduced (PCA) or repeated to match.
    n_layers : int
        Ansatz layers (with ``reuploading``, the encoding precedes each).
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
    learning_rate, lr_schedule, momentum : step size, its schedule over epochs
        ("constant", "cosine", "exponential"), SGD's momentum.
    epochs : the training budget. For the mini-batch optimizers (adam, sgd, spsa)
        passes over the training data; for L-BFGS-B iterations; for COBYLA, which
        makes one objective evaluation per iteration, 10 evaluations per epoch.
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
    random_state : int, RandomState, Generator or None
    verbose : bool
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
        "n_qubits": Integer(1),
        "n_layers": Integer(1),
        "epochs": Integer(1),
        "batch_size": Integer(1),
        "patience": Integer(1),
        "encoding": OneOf(ENCODINGS),
        "ansatz": OneOf(tuple(ANSATZE)),
        "features": OneOf(FEATURE_STAGES),
        "optimizer": OneOf(OPTIMIZERS),
        "lr_schedule": OneOf(SCHEDULES),
        "learning_rate": Real(0.0),
        "momentum": Real(0.0, 1.0),
        "validation_fraction": Real(0.0, 1.0),
        "shots": Optional(Integer(1)),
        "noise": Check(_is_noise, "None, a spec such as 'depolarizing=0.02', or a NoiseModel"),
        "reuploading": Boolean(),
        "early_stopping": Boolean(),
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
        rows = X  # a dask array: the steps run where its blocks live (data-parallel)
        X, targets = self._check_targets(X, y)
        arch = self._architecture(len(self.classes_))
        optimizer = make_optimizer(self.optimizer, self.momentum)
        # a mini-batch of states and their adjoint copies must fit (prediction adapts its chunks)
        check_fits(self.n_qubits * (1 if self.noise is None else 2), self.batch_size, copies=3)
        rng = np.random.default_rng(check_random_state(self.random_state).randint(2**31))
        train, valid = self._split(targets, rng, optimizer)
        start = self._fit_inputs(X[train])
        self.model_ = self._make_model(arch, self.n_features_in_)
        inputs = (lazy.PartitionedRows(self._inputs(rows.astype(np.float64)), targets,
                                       self._row_bytes())
                  if lazy.is_lazy(rows) else self._inputs(X))  # fmt: skip
        vector = self.model_.initial(rng, start)
        if optimizer.full_batch:
            vector = self._fit_full_batch(optimizer, vector, inputs[train], targets[train], rng)
        else:
            vector = self._fit_loop(optimizer, vector, inputs, targets, train, valid, rng)
        self.params_ = vector
        return self

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
        return np.setdiff1d(everything, valid), valid

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
        # the first training in a process compiles (or loads) the kernels: say so
        first = _FIRST_FIT[0]
        _FIRST_FIT[0] = False
        bar = self._progress(self.epochs, "training (compiling kernels, first run only)"
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
    ) -> np.ndarray:
        if noise is not None or shots is not None or backend != "qml":
            z = self.readout(X, noise=noise, shots=shots, seed=seed, backend=backend)
            head = self.model_.unflatten(self.params_)
            return z @ head["head_weight"].T + head["head_bias"]
        self._check_fitted()
        X = self._validate(X, reset=False)
        inputs = self._inputs(X)
        rng = np.random.default_rng(seed)
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
        from sklearn.metrics import accuracy_score

        return float(accuracy_score(y, self.predict(X, **evaluation), sample_weight=sample_weight))

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
        if backend not in ("qml", "aer"):
            raise OptionError(f"unknown backend {backend!r}; choose 'qml' or 'aer'")
        rows = self.readout_params(X)  # checks the model is fitted and X its width
        circuit = self.model_.circuit
        if isinstance(noise, str):
            from qml.noise import noise_from_spec

            noise = noise_from_spec(noise, circuit)
        n = circuit.num_qubits
        observables = [Pauli.on("Z", [q], n) for q in range(n)]
        rng = np.random.default_rng(seed)
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
        """A fitted classifier read from a file written by ``save`` (checked before use)."""
        config, state, arrays = read_model(path, cls.__name__)
        try:
            clf = cls(**config)
            clf._check_options()
            classes, n_features, names = clf._restore_state(state)
            model = clf._make_model(clf._architecture(len(classes)), n_features)
            if arrays["params"].shape != (model.size,):
                raise ModelFileError(
                    f"{path}: params has shape {arrays['params'].shape}, but this model "
                    f"needs {(model.size,)}; the file is corrupted"
                )
            input_map = clf._file_input_map(arrays, n_features, path)
            history, n_iter = state["history"], int(state["n_iter"])
        except ModelFileError:
            raise
        except (KeyError, TypeError, ValueError) as error:
            raise ModelFileError(f"{path} does not describe a valid model ({error!r}); the file is "
                                 "corrupted or from an incompatible qml") from None  # fmt: skip
        # everything checked: only now does the object get its fitted state
        clf._set_common(classes, n_features, names, state.get("notes"))
        clf.model_, clf.input_map_ = model, input_map
        clf.params_, clf.history_, clf.n_iter_ = arrays["params"], history, n_iter
        return clf


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
