"""``QuantumClassifier``: the hybrid model as a scikit-learn classifier.

Pipeline: features -> angles (fixed: standardise, PCA, scale; or a trainable
dense layer) -> encoding circuit -> variational ansatz -> ``<Z_q>`` on every
qubit -> linear head -> softmax, trained end to end on the cross-entropy with
exact gradients (one adjoint sweep per mini-batch). The estimator follows
scikit-learn's contract: ``__init__`` only stores its arguments, learned state
ends in ``_`` and is born in ``fit``, ``random_state`` makes ``fit`` reproducible.
"""

from __future__ import annotations

import numbers
import os
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_random_state, validate_data

from qml.errors import DataError, ModelFileError, OptionError, QmlTypeError, QmlValueError
from qml.errors import NotFittedError as QmlNotFittedError
from qml.hybrid.features import (
    ANGLE_RANGES,
    AffineMap,
    check_features,
    count_rows,
    fit_fixed_map,
    standardizer,
)
from qml.hybrid.model import Architecture, HybridModel, softmax
from qml.hybrid.optim import OPTIMIZERS, SCHEDULES, SPSA, learning_rate, make_optimizer
from qml.hybrid.persistence import read_model, write_model
from qml.simulator.memory import available_memory, check_fits

#: Rows per pass when predicting (fewer if memory is short), so memory stays bounded.
PREDICT_CHUNK = 4096


class NotFittedError(QmlNotFittedError, SklearnNotFittedError):
    """qml's ``NotFittedError`` that is also scikit-learn's, as its estimator checks expect."""


class QuantumClassifier(ClassifierMixin, BaseEstimator):
    """A hybrid quantum-classical classifier (binary and multi-class).

    Parameters
    ----------
    n_qubits : int
        Qubits of the circuit; features are reduced (PCA) or repeated to match.
    n_layers : int
        Ansatz layers (with ``reuploading``, the encoding precedes each).
    encoding : "angle", "zz", "iqp" or "amplitude"
    ansatz : "hardware_efficient", "real_amplitudes", "efficient_su2" or
        "strongly_entangling_layers"
    reuploading : bool
        Repeat the encoding before every ansatz layer (data re-uploading).
    features : "pca" (fixed: standardise, PCA, scale into the encoding's range)
        or "dense" (a trainable linear layer from all features to the angles).
    optimizer : "adam", "sgd" (with ``momentum``), "spsa", "L-BFGS-B" or "COBYLA"
    learning_rate, lr_schedule, momentum : step size, its schedule over epochs
        ("constant", "cosine", "exponential"), SGD's momentum.
    epochs, batch_size : passes over the data and samples per step.
    validation_fraction, early_stopping, patience : hold out this fraction and
        stop when its loss has not improved for ``patience`` epochs, keeping the
        best parameters (mini-batch optimizers; L-BFGS-B and COBYLA use every row
        and stop after ``epochs`` iterations).
    shots : int or None
        Train and predict from this many measurement shots (with "spsa" or
        "COBYLA"); None for exact expectations.
    random_state : int, RandomState, Generator or None
    verbose : bool
        Show a progress bar with loss and accuracy per epoch.

    Attributes
    ----------
    classes_, n_features_in_, feature_names_in_ (if X had names), params_ (flat
    trained parameters), history_ (a dict per epoch: loss, accuracy,
    val_loss, val_accuracy, learning_rate), n_iter_ (epochs run).
    """

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
        self.random_state = random_state
        self.verbose = verbose

    # -- checks -------------------------------------------------------------------------------
    def _check_options(self) -> None:
        for name, minimum in (
            ("n_qubits", 1),
            ("n_layers", 1),
            ("epochs", 1),
            ("batch_size", 1),
            ("patience", 1),
        ):
            value = getattr(self, name)
            if (
                not isinstance(value, numbers.Integral)
                or isinstance(value, bool)
                or value < minimum
            ):
                raise QmlValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
        if self.optimizer not in OPTIMIZERS:
            raise OptionError(
                f"unknown optimizer {self.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}"
            )
        if self.lr_schedule not in SCHEDULES:
            raise OptionError(
                f"unknown lr_schedule {self.lr_schedule!r}; choose one of {', '.join(SCHEDULES)}"
            )
        if not 0 <= self.validation_fraction < 1:
            raise QmlValueError(
                f"validation_fraction must be in [0, 1), got {self.validation_fraction!r}"
            )
        if self.shots is not None and self.optimizer not in ("spsa", "COBYLA"):
            raise OptionError(
                "training from shots needs a gradient-free optimizer: use optimizer='spsa' "
                "or 'COBYLA' with shots, or shots=None for exact gradients"
            )

    def _architecture(self, n_classes: int) -> Architecture:
        arch = Architecture(
            self.n_qubits,
            self.n_layers,
            n_classes,
            self.encoding,
            self.ansatz,
            bool(self.reuploading),
            self.features,
        )
        arch.check()
        return arch

    def _validate(self, X: Any, y: Any = None, *, reset: bool) -> Any:
        """scikit-learn's validation, its errors re-raised as qml ``DataError``s."""
        try:
            if y is None and not reset:
                X = validate_data(self, X, reset=False, ensure_all_finite=False, dtype=np.float64)
            else:
                X, y = validate_data(self, X, y, ensure_all_finite=False, dtype=np.float64)
        except ValueError as error:
            raise DataError(f"{error}") from None
        except TypeError as error:  # e.g. sparse input
            raise QmlTypeError(f"{error}") from None
        check_features(X)
        return X if y is None and not reset else (X, y)

    # -- fitting ----------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any) -> QuantumClassifier:
        """Train on ``X`` ``(n_samples, n_features)`` and labels ``y`` ``(n_samples,)``."""
        self._check_options()
        n_x, n_y = count_rows(X), count_rows(y)
        if n_x is not None and n_y is not None and n_x != n_y:
            raise DataError(
                f"X has {n_x} samples but y has {n_y} labels; give one label per row of X"
            )
        X, y = self._validate(X, y, reset=True)
        try:
            check_classification_targets(y)
        except ValueError as error:
            raise DataError(f"{error}; a classifier needs discrete class labels") from None
        self.classes_, targets = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise DataError(
                f"y has only one class ({self.classes_[0]!r}); a classifier needs at least 2 "
                "classes (one class cannot be told apart from anything)"
            )
        arch = self._architecture(len(self.classes_))
        # a mini-batch of states and their adjoint copies must fit (prediction adapts its chunks)
        check_fits(self.n_qubits, self.batch_size, copies=3)
        rng = np.random.default_rng(check_random_state(self.random_state).randint(2**31))
        train, valid = self._split(targets, rng)
        self.input_map_, dense_init = self._fit_inputs(X[train], arch)
        self.model_ = HybridModel(arch, self.n_features_in_)
        inputs = self._inputs(X)
        vector = self.model_.initial(rng, dense_init)
        if self.optimizer in ("L-BFGS-B", "COBYLA"):
            vector = self._fit_scipy(vector, inputs[train], targets[train], rng)
        else:
            vector = self._fit_loop(vector, inputs, targets, train, valid, rng)
        self.params_ = vector
        return self

    def _split(self, targets: np.ndarray, rng: np.random.Generator) -> tuple:
        """Indices of the training rows and of the validation rows (maybe empty)."""
        n = len(targets)
        everything = np.arange(n)
        n_valid = round(self.validation_fraction * n)
        full_batch = self.optimizer in ("L-BFGS-B", "COBYLA")  # they stop by maxiter, use all rows
        if not self.early_stopping or full_batch or n_valid < 2 or n - n_valid < 2:
            return everything, everything[:0]
        valid = []  # stratified: the same fraction of every class
        for label in np.unique(targets):
            rows = rng.permutation(np.flatnonzero(targets == label))
            valid.extend(rows[: round(self.validation_fraction * len(rows))])
        valid = np.sort(np.array(valid, dtype=np.int64))
        return np.setdiff1d(everything, valid), valid

    def _fit_inputs(self, X: np.ndarray, arch: Architecture) -> tuple[AffineMap, Any]:
        """The fixed input map, and the dense layer's starting weights (dense only)."""
        angle_range = ANGLE_RANGES[arch.encoding]
        width = arch.n_inputs - 1 if arch.encoding == "amplitude" else arch.n_inputs
        if arch.features == "dense":
            scaler = standardizer(X)
            start = fit_fixed_map(scaler(X), width, angle_range)
            return scaler, np.vstack([start.matrix, start.offset])
        return fit_fixed_map(X, width, angle_range), None

    def _inputs(self, X: np.ndarray) -> np.ndarray:
        inputs = self.input_map_(X)
        if self.encoding == "amplitude":  # a constant component keeps every vector nonzero
            inputs = np.hstack([inputs, np.ones((len(inputs), 1))])
        return inputs

    def _epoch_report(
        self,
        epoch: int,
        lr: float,
        losses: list,
        hits: int,
        count: int,
        valid_stats: tuple[float, float] | None,
    ) -> dict:
        record = {"epoch": epoch + 1, "loss": float(np.mean(losses)),
                  "accuracy": hits / max(count, 1), "learning_rate": lr}  # fmt: skip
        if valid_stats is not None:
            record["val_loss"], record["val_accuracy"] = valid_stats
        return record

    def _evaluate(
        self, vector: np.ndarray, inputs: np.ndarray, targets: np.ndarray, rng: np.random.Generator
    ) -> tuple[float, float]:
        loss, logits = self.model_.loss(vector, inputs, targets, self.shots, rng)
        return loss, float(np.mean(np.argmax(logits, axis=1) == targets))

    def _fit_loop(
        self,
        vector: np.ndarray,
        inputs: np.ndarray,
        targets: np.ndarray,
        train: np.ndarray,
        valid: np.ndarray,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Mini-batch training (Adam, SGD or SPSA) with early stopping on ``valid``."""
        if self.verbose:
            from tqdm.auto import tqdm
        else:  # tqdm.auto warns in Jupyter without ipywidgets, even for a disabled bar
            from tqdm import tqdm

        step_rule = make_optimizer(self.optimizer, self.momentum)
        self.history_: list[dict[str, float]] = []
        best = (np.inf, vector.copy())
        waited = 0
        bar = tqdm(range(self.epochs), desc="training", unit="epoch", disable=not self.verbose)
        for epoch in bar:
            lr = learning_rate(self.lr_schedule, self.learning_rate, epoch, self.epochs)
            losses, hits = [], 0
            order = rng.permutation(train)
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                if isinstance(step_rule, SPSA):

                    def batch_loss(v: np.ndarray, rows: np.ndarray = rows) -> float:
                        return self.model_.loss(v, inputs[rows], targets[rows], self.shots, rng)[0]

                    grad = step_rule.gradient(batch_loss, vector, rng)
                    vector = vector - lr * grad
                    loss, logits = self.model_.loss(
                        vector, inputs[rows], targets[rows], self.shots, rng
                    )
                else:
                    loss, grad, logits = self.model_.loss_and_gradient(
                        vector, inputs[rows], targets[rows]
                    )
                    vector = step_rule.step(vector, grad, lr)
                losses.append(loss)
                hits += int(np.sum(np.argmax(logits, axis=1) == targets[rows]))
            valid_stats = (
                self._evaluate(vector, inputs[valid], targets[valid], rng) if len(valid) else None
            )
            record = self._epoch_report(epoch, lr, losses, hits, len(train), valid_stats)
            self.history_.append(record)
            bar.set_postfix({k: f"{v:.3f}" for k, v in record.items() if k not in ("epoch",)})
            if valid_stats is not None:
                if valid_stats[0] < best[0] - 1e-6:
                    best, waited = (valid_stats[0], vector.copy()), 0
                else:
                    waited += 1
                    if waited >= self.patience:
                        break
        bar.close()
        self.n_iter_ = len(self.history_)
        return best[1] if len(valid) else vector

    def _fit_scipy(
        self, vector: np.ndarray, inputs: np.ndarray, targets: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """Full-batch ``scipy.optimize.minimize`` (L-BFGS-B with gradients, or COBYLA)."""
        from scipy.optimize import minimize

        self.history_ = []

        def record(loss: float, logits: np.ndarray) -> None:
            accuracy = float(np.mean(np.argmax(logits, axis=1) == targets))
            self.history_.append(
                {
                    "epoch": len(self.history_) + 1,
                    "loss": loss,
                    "accuracy": accuracy,
                    "learning_rate": 0.0,
                }
            )

        if self.optimizer == "L-BFGS-B":

            def objective(v: np.ndarray) -> tuple[float, np.ndarray]:
                loss, grad, logits = self.model_.loss_and_gradient(v, inputs, targets)
                record(loss, logits)
                return loss, grad

            result = minimize(
                objective, vector, jac=True, method="L-BFGS-B", options={"maxiter": self.epochs}
            )
        else:

            def objective(v: np.ndarray) -> float:
                loss, logits = self.model_.loss(v, inputs, targets, self.shots, rng)
                record(loss, logits)
                return loss

            result = minimize(
                objective,
                vector,
                method="COBYLA",
                options={"maxiter": self.epochs * 10, "rhobeg": 0.5},
            )
        self.n_iter_ = int(result.nit) if hasattr(result, "nit") else len(self.history_)
        return result.x

    # -- predicting --------------------------------------------------------------------------------
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "params_")

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit(X, y) first "
                "(or load a saved model with QuantumClassifier.load)"
            )

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
        state_bytes = 16 << self.n_qubits
        return int(min(PREDICT_CHUNK, max(1, available_memory() // (3 * state_bytes))))

    def decision_function(self, X: Any, **evaluation: Any) -> np.ndarray:
        """Logits: ``(n_samples,)`` (class 1 minus class 0) when binary, else ``(n, n_classes)``.

        ``evaluation`` options (``noise``, ``shots``, ``seed``, ``backend``) are
        those of ``readout``.
        """
        logits = self._logits(X, **evaluation)
        return logits[:, 1] - logits[:, 0] if len(self.classes_) == 2 else logits

    def predict_proba(self, X: Any, **evaluation: Any) -> np.ndarray:
        """Class probabilities, ``(n_samples, n_classes)`` in ``classes_`` order.

        ``evaluation`` options (``noise``, ``shots``, ``seed``, ``backend``) are
        those of ``readout``.
        """
        return softmax(self._logits(X, **evaluation))

    def predict(self, X: Any, **evaluation: Any) -> np.ndarray:
        """The most probable class of each row of ``X`` (``evaluation``: see ``readout``)."""
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

        ``noise`` is a ``qml.noise.NoiseModel`` (exact under noise, from the
        density matrix), ``shots`` estimates from samples (readout errors
        included), ``backend`` is ``"qml"`` (this package's simulators) or
        ``"aer"`` (qiskit-aer, one job per chunk of rows): the cross-check of a
        model trained here on the reference simulator.
        """
        from qml.circuits.observables import Pauli
        from qml.simulator import expectation

        if backend not in ("qml", "aer"):
            raise OptionError(f"unknown backend {backend!r}; choose 'qml' or 'aer'")
        rows = self.readout_params(X)  # checks the model is fitted and X its width
        circuit = self.model_.circuit
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
        trained weights), so any simulator or backend can compute the read-out
        ``z[:, q] = <Z_q>`` of ``self.model_.circuit`` itself; the class scores
        are then ``z @ head["head_weight"].T + head["head_bias"]`` with
        ``head = self.model_.unflatten(self.params_)``, exactly what ``predict``
        computes with qml's engine.
        """
        self._check_fitted()
        inputs = self._inputs(self._validate(X, reset=False))
        params = self.model_.unflatten(self.params_)
        return self.model_._circuit_params(params, self.model_.data_angles(params, inputs))

    # -- model files ---------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write the fitted model to one JSON file at ``path``, atomically (never pickle)."""
        self._check_fitted()
        # numpy scalars (np.arange grids, ...) as plain numbers JSON can hold
        config = {k: v.item() if isinstance(v, np.generic) else v
                  for k, v in self.get_params().items()}  # fmt: skip
        if not isinstance(config["random_state"], (int, type(None))):
            config["random_state"] = None  # a generator object is not data; its seed is gone
        state = {
            "classes": self.classes_.tolist(),
            "classes_dtype": self.classes_.dtype.str,
            "n_features_in": int(self.n_features_in_),
            "feature_names_in": (
                list(map(str, self.feature_names_in_))
                if hasattr(self, "feature_names_in_")
                else None
            ),
            "history": self.history_,
            "n_iter": int(self.n_iter_),
        }
        arrays = {"params": self.params_, "input_matrix": self.input_map_.matrix,
                  "input_offset": self.input_map_.offset}  # fmt: skip
        write_model(path, type(self).__name__, config, state, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> QuantumClassifier:
        """A fitted classifier read from a file written by ``save`` (checked before use)."""
        config, state, arrays = read_model(path, cls.__name__)
        try:
            clf = cls(**config)
            clf._check_options()
            classes = np.array(state["classes"], dtype=np.dtype(state["classes_dtype"]))
            n_features = int(state["n_features_in"])
            arch = clf._architecture(len(classes))
            model = HybridModel(arch, n_features)
            width = arch.n_inputs - (arch.encoding == "amplitude")
            expected = {"params": (model.size,), "input_offset": (
                n_features if arch.features == "dense" else width,)}  # fmt: skip
            expected["input_matrix"] = (n_features, expected["input_offset"][0])
            for name, shape in expected.items():
                if arrays[name].shape != shape:
                    raise ModelFileError(
                        f"{path}: {name} has shape {arrays[name].shape}, but this "
                        f"model needs {shape}; the file is corrupted"
                    )
            history, n_iter, names = (
                state["history"],
                int(state["n_iter"]),
                state["feature_names_in"],
            )
        except ModelFileError:
            raise
        except (KeyError, TypeError, ValueError) as error:
            raise ModelFileError(f"{path} does not describe a valid model ({error!r}); the file is "
                                 "corrupted or from an incompatible qml") from None  # fmt: skip
        # everything checked: only now does the object get its fitted state
        clf.classes_, clf.n_features_in_, clf.model_ = classes, n_features, model
        if names is not None:
            clf.feature_names_in_ = np.array(names, dtype=object)
        clf.input_map_ = AffineMap(arrays["input_matrix"], arrays["input_offset"])
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
