"""Quantum kernels: ``k(x, y) = |<φ(x)|φ(y)>|**2`` of an encoding, and a kernel SVM.

The fidelity kernel is computed from batched state vectors: one simulation per
data point (one batched call per set), then one matrix product, never one
circuit per pair. ``QuantumKernel`` is a callable usable as
``sklearn.svm.SVC(kernel=qk)``; ``QuantumKernelClassifier`` wraps the fixed
feature stage, the kernel and an SVC as one scikit-learn estimator.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from qml.circuits.library import ENCODINGS, amplitude_angles
from qml.errors import DataError, ModelFileError, OptionError, QmlTypeError, QmlValueError
from qml.hybrid.classifier import NotFittedError
from qml.hybrid.features import ANGLE_RANGES, AffineMap, check_features, count_rows, fit_fixed_map
from qml.hybrid.persistence import read_model, write_model
from qml.simulator.memory import check_fits
from qml.simulator.statevector import simulate

#: States simulated per call, so memory stays bounded for any number of points.
STATE_CHUNK = 4096


class QuantumKernel:
    """The fidelity kernel ``|<φ(x)|φ(y)>|**2`` of an encoding of ``n_qubits`` qubits.

    ``x`` and ``y`` are rows of the encoding's data parameters (angles, or for
    ``"amplitude"`` the amplitude vectors of length ``2**n_qubits``).
    ``qk(X, Y)`` returns the ``(len(X), len(Y))`` Gram matrix; ``qk(X)`` uses
    ``Y = X``. ``options`` go to the encoding (``reps``, ``entanglement``, ...).
    """

    def __init__(self, n_qubits: int, encoding: str = "zz", **options: Any) -> None:
        if encoding not in ENCODINGS:
            raise OptionError(f"unknown encoding {encoding!r}; choose one of "
                              f"{', '.join(ENCODINGS)}")  # fmt: skip
        self.n_qubits, self.encoding, self.options = n_qubits, encoding, options
        self.circuit = ENCODINGS[encoding](n_qubits, **options)

    def states(self, X: Any) -> np.ndarray:
        """The encoded states of the rows of ``X``: ``(len(X), 2**n_qubits)``."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        params = amplitude_angles(X) if self.encoding == "amplitude" else X
        if params.shape[1] != self.circuit.num_parameters:
            raise DataError(
                f"the {self.encoding} encoding on {self.n_qubits} qubits takes "
                f"{self.circuit.num_parameters} values per row, got {params.shape[1]}"
            )
        check_fits(self.n_qubits, min(len(params), STATE_CHUNK))
        chunks = [simulate(self.circuit, params[i : i + STATE_CHUNK])
                  for i in range(0, len(params), STATE_CHUNK)]  # fmt: skip
        return np.vstack(chunks) if chunks else np.zeros((0, 1 << self.n_qubits), complex)

    def __call__(self, X: Any, Y: Any = None) -> np.ndarray:
        """The Gram matrix ``K[i, j] = |<φ(X_i)|φ(Y_j)>|**2``."""
        left = self.states(X)
        right = left if Y is None else self.states(Y)
        return np.abs(left.conj() @ right.T) ** 2

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self.options.items())
        return f"QuantumKernel({self.n_qubits}, {self.encoding!r}{extra})"


class QuantumKernelClassifier(ClassifierMixin, BaseEstimator):
    """An SVM on a quantum fidelity kernel, with the fixed feature stage in front.

    Features are standardised, reduced by PCA to ``n_qubits`` (or repeated to
    fill them) and scaled into the encoding's angle range, all fitted on the
    training data; then ``QuantumKernel(n_qubits, encoding, reps=reps)`` feeds
    ``sklearn.svm.SVC(kernel="precomputed", C=C)``. The default angle encoding
    gives ``k(x, y) = prod_q cos((x_q - y_q) / 2)**2``, a smooth product kernel;
    ``encoding="zz"`` or ``"iqp"`` give the entangling feature maps of the
    quantum-kernel literature.
    """

    def __init__(
        self,
        n_qubits: int = 4,
        *,
        encoding: str = "angle",
        reps: int = 2,
        C: float = 3.0,
        random_state: Any = None,
    ) -> None:
        self.n_qubits = n_qubits
        self.encoding = encoding
        self.reps = reps
        self.C = C
        self.random_state = random_state

    def _kernel(self) -> QuantumKernel:
        options = {} if self.encoding in ("angle", "amplitude") else {"reps": self.reps}
        return QuantumKernel(self.n_qubits, self.encoding, **options)

    def _validate(self, X: Any, y: Any = None, *, reset: bool) -> Any:
        try:
            if reset:
                X, y = validate_data(self, X, y, ensure_all_finite=False, dtype=np.float64)
            else:
                X = validate_data(self, X, reset=False, ensure_all_finite=False, dtype=np.float64)
        except ValueError as error:
            raise DataError(str(error)) from None
        except TypeError as error:  # e.g. sparse input
            raise QmlTypeError(str(error)) from None
        check_features(X)
        return (X, y) if reset else X

    def _inputs(self, X: np.ndarray) -> np.ndarray:
        inputs = self.input_map_(X)
        if self.encoding == "amplitude":
            inputs = np.hstack([inputs, np.ones((len(inputs), 1))])
        return inputs

    def fit(self, X: Any, y: Any) -> QuantumKernelClassifier:
        """Fit the feature stage and the SVM on ``X`` ``(n_samples, n_features)`` and ``y``."""
        n_x, n_y = count_rows(X), count_rows(y)
        if n_x is not None and n_y is not None and n_x != n_y:
            raise DataError(f"X has {n_x} samples but y has {n_y} labels; give one label per row")
        X, y = self._validate(X, y, reset=True)
        try:
            check_classification_targets(y)
        except ValueError as error:
            raise DataError(f"{error}; a classifier needs discrete class labels") from None
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise DataError(f"y has only one class ({self.classes_[0]!r}); a classifier needs "
                            "at least 2 classes")  # fmt: skip
        if not self.C > 0:
            raise QmlValueError(f"C must be positive, got {self.C!r}")
        kernel = self._kernel()
        width = (1 << self.n_qubits) - 1 if self.encoding == "amplitude" else self.n_qubits
        self.input_map_ = fit_fixed_map(X, width, ANGLE_RANGES[self.encoding])
        self._solve(kernel.states(self._inputs(X)), np.searchsorted(self.classes_, y))
        return self

    def _solve(self, states: np.ndarray, targets: np.ndarray) -> None:
        """The SVM on the Gram matrix of the training ``states`` (class indices ``targets``)."""
        from sklearn.svm import SVC

        self.train_states_, self.train_targets_ = states, targets
        gram = np.abs(states.conj() @ states.T) ** 2
        self.svc_ = SVC(kernel="precomputed", C=self.C, random_state=self.random_state)
        self.svc_.fit(gram, targets)

    def _check_fitted(self) -> None:
        if not hasattr(self, "svc_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(X, y)")

    def _gram(self, X: Any) -> np.ndarray:
        self._check_fitted()
        X = self._validate(X, reset=False)
        states = self._kernel().states(self._inputs(X))
        return np.abs(states.conj() @ self.train_states_.T) ** 2

    def decision_function(self, X: Any) -> np.ndarray:
        """The SVM's decision values (``(n,)`` binary, ``(n, n_classes)`` otherwise)."""
        gram = self._gram(X)  # checks fitted before svc_ is touched
        return self.svc_.decision_function(gram)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted classes of the rows of ``X``."""
        gram = self._gram(X)
        return self.classes_[self.svc_.predict(gram)]

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "svc_")

    def save(self, path: str | os.PathLike) -> None:
        """Write the fitted model (feature map, training states and labels) atomically.

        The SVM itself is not stored: ``load`` solves it again from the saved
        training states, which gives the same solution (libsvm is deterministic
        on a precomputed Gram matrix) without pickling scikit-learn objects.
        """
        if not hasattr(self, "svc_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(X, y)")
        state = {"classes": self.classes_.tolist(), "classes_dtype": self.classes_.dtype.str,
                 "n_features_in": int(self.n_features_in_)}  # fmt: skip
        arrays = {
            "input_matrix": self.input_map_.matrix, "input_offset": self.input_map_.offset,
            "train_real": self.train_states_.real, "train_imag": self.train_states_.imag,
            "train_targets": self.train_targets_,
        }  # fmt: skip
        # numpy scalars (np.arange grids, ...) as plain numbers JSON can hold
        config = {k: v.item() if isinstance(v, np.generic) else v
                  for k, v in self.get_params().items()}  # fmt: skip
        if not isinstance(config["random_state"], (int, type(None))):
            config["random_state"] = None
        write_model(path, type(self).__name__, config, state, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> QuantumKernelClassifier:
        """A fitted kernel classifier read from a file written by ``save``."""
        config, state, arrays = read_model(path, cls.__name__)
        try:
            clf = cls(**config)
            classes = np.array(state["classes"], dtype=np.dtype(state["classes_dtype"]))
            train = arrays["train_real"] + 1j * arrays["train_imag"]
            targets = arrays["train_targets"]
            input_map = AffineMap(arrays["input_matrix"], arrays["input_offset"])
            n_features = int(state["n_features_in"])
            consistent = (
                input_map.matrix.shape[0] == n_features
                and train.shape[1] == 1 << clf.n_qubits
                and targets.shape == (len(train),)
                and targets.max() < len(classes)
            )
            if not consistent:
                raise ValueError("array shapes do not match the configuration")
        except (KeyError, TypeError, ValueError) as error:
            raise ModelFileError(f"{path} does not describe a valid model ({error!r}); the file is "
                                 "corrupted or from an incompatible qml") from None  # fmt: skip
        clf.classes_, clf.n_features_in_, clf.input_map_ = classes, n_features, input_map
        clf._solve(train, targets)
        return clf
