"""Quantum kernels: ``k(x, y) = |<φ(x)|φ(y)>|**2`` of an encoding, and a kernel SVM.

The fidelity kernel is computed from batched state vectors: one simulation per
data point (one batched call per set), then one matrix product, never one
circuit per pair. ``QuantumKernel`` is a callable usable as
``sklearn.svm.SVC(kernel=qk)`` and ``sklearn.kernel_approximation.Nystroem(kernel=qk)``;
``QuantumKernelClassifier`` wraps the fixed feature stage, the kernel and an SVC as one
scikit-learn estimator.

Dask arrays of rows give lazy results (:mod:`qml.simulator.lazy`): ``qk.states(X)``
simulates each block of rows once, where it lives, and ``qk(X, Y)`` is a lazy Gram
matrix whose every block is one matrix product of two blocks of states.

Memory. A Gram matrix held in memory takes ``8 * N * M`` bytes (``N = M = 20,000``:
3.2 GB; 50,000: 20 GB), and an SVM needs the whole ``N x N`` training matrix in one
process: qml checks that it fits before assembling it (``StateTooLargeError``
otherwise). Beyond that, approximate the kernel from ``m`` landmark rows with
scikit-learn's ``Nystroem``, which takes ``QuantumKernel`` as its kernel and
needs ``m`` states and an ``N x m`` matrix::

    make_pipeline(Nystroem(kernel=QuantumKernel(4, "zz"), n_components=500), LinearSVC())
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

import numpy as np
from sklearn.gaussian_process.kernels import Kernel as SklearnKernel

from qml.errors import (
    DataError,
    ModelFileError,
    OptionError,
    QmlError,
    QmlTypeError,
    StateTooLargeError,
)
from qml.hybrid.base import (
    MAX_LAYERS,
    MAX_QUBITS,
    Check,
    Constraint,
    HybridEstimator,
    Integer,
    OneOf,
    RandomState,
    Real,
    show,
)
from qml.hybrid.encodings import ENCODINGS, get_encoding
from qml.hybrid.features import FEATURE_STAGES, check_features, get_feature_stage
from qml.hybrid.persistence import read_model, write_model
from qml.simulator import lazy, memory
from qml.simulator.memory import check_fits
from qml.simulator.statevector import simulate

#: States simulated per call, so memory stays bounded for any number of points.
STATE_CHUNK = 4096
#: Largest SVM regularisation ``C``: libsvm's time grows with it (kernel values lie in [0, 1]).
MAX_C = 1e6
#: The arrays of a kernel model file: dtype and number of dimensions.
_ARRAYS = {
    "input_matrix": ("<f8", 2), "input_offset": ("<f8", 1), "train_real": ("<f8", 2),
    "train_imag": ("<f8", 2), "train_targets": ("<i8", 1),
}  # fmt: skip
#: How far a stored training state's squared norm may be from 1 (simulated states: ~1e-14).
NORM_TOLERANCE = 1e-8
#: Bytes of the complex product computed per pass when a Gram matrix is assembled.
GRAM_PASS_BYTES = 64 << 20


def check_gram_fits(n_rows: int, n_columns: int, copies: int = 1) -> None:
    """Refuse, before allocating, a Gram matrix of ``n_rows x n_columns`` that would not fit.

    ``copies``: matrices of that size held at once (2 while an SVM is fitted on it).
    """
    needed = 8 * n_rows * n_columns * copies + min(GRAM_PASS_BYTES, 16 * n_rows * n_columns)
    available = memory.available_memory()
    if needed > available:
        raise StateTooLargeError(
            f"a Gram matrix of {n_rows} x {n_columns} needs {needed / 2**30:.3g} GiB "
            f"(8 bytes an entry{f', {copies} copies' if copies > 1 else ''}), but only "
            f"{available / 2**30:.3g} GiB of memory is available; approximate the kernel "
            "with sklearn.kernel_approximation.Nystroem(kernel=QuantumKernel(...), "
            "n_components=m) (an N x m matrix), or compute it blockwise from dask arrays"
        )


def fidelity_matrix(left: np.ndarray, right: np.ndarray, copies: int = 1) -> np.ndarray:
    """``|<l_i|r_j>|**2`` for rows of two state matrices, in memory: ``(N, M)`` float64.

    Assembled a block of rows at a time (one matrix product each), after checking that
    the result fits (``copies``: see :func:`check_gram_fits`).
    """
    check_gram_fits(len(left), len(right), copies)
    out = np.empty((len(left), len(right)))
    step = max(1, GRAM_PASS_BYTES // (16 * max(len(right), 1)))
    # one product buffer for every pass, the modulus written in place: fresh temporaries
    # of this size would be page-faulted in again on every pass (a third of the time)
    product = np.empty((min(step, len(left)), len(right)), dtype=np.complex128)
    conjugated, transposed = left.conj(), right.T
    for start in range(0, len(left), step):
        stop = min(start + step, len(left))
        rows, block = product[: stop - start], out[start:stop]
        np.matmul(conjugated[start:stop], transposed, out=rows)
        np.abs(rows, out=block)
        np.square(block, out=block)
    return out


class QuantumKernel:
    """The fidelity kernel ``|<φ(x)|φ(y)>|**2`` of an encoding of ``n_qubits`` qubits.

    ``x`` and ``y`` are rows of the encoding's inputs (angles, or for
    ``"amplitude"`` the amplitude vectors of length ``2**n_qubits``): what
    ``ENCODINGS[encoding].width(n_qubits)`` says. ``qk(X, Y)`` returns the
    ``(len(X), len(Y))`` Gram matrix; ``qk(X)`` uses ``Y = X``. ``options`` go to
    the encoding (``reps``, ``entanglement``, ...); one it does not take is an
    ``OptionError``. Rows must be finite real numbers (``DataError`` otherwise).

    Dask arrays of rows give lazy states and Gram matrices (see the module docstring).
    ``QuantumKernel`` counts as a scikit-learn kernel object (it is registered with
    ``sklearn.gaussian_process.kernels.Kernel``), so ``pairwise_kernels`` and ``Nystroem``
    hand it whole matrices of rows instead of calling it once per pair.
    """

    def __init__(self, n_qubits: int, encoding: str = "zz", **options: Any) -> None:
        Integer(1, MAX_QUBITS).check("n_qubits", n_qubits)
        self.record = get_encoding(encoding)
        self.n_qubits, self.encoding, self.options = n_qubits, encoding, options
        reps = options.get("reps", 2)
        Integer(1, MAX_LAYERS).check("reps", reps)
        extra = {k: v for k, v in options.items() if k != "reps"}
        try:
            self.circuit = self.record.build(n_qubits, reps, "x", **extra)
        except TypeError as error:  # an option the encoding's circuit does not take
            raise OptionError(f"the {encoding} encoding does not take the option(s) "
                              f"{', '.join(extra)} ({error})") from None  # fmt: skip

    def states(self, X: Any) -> np.ndarray:
        """The encoded states of the rows of ``X``: ``(len(X), 2**n_qubits)``."""
        if lazy.is_lazy(X):  # a dask array: lazy states, simulated block by block
            row_bytes = lazy.STATE_COPIES * lazy.state_bytes(self.n_qubits)
            return lazy.map_rows(self.states, X, row_bytes=row_bytes)
        X = _rows(X)
        width = self.record.width(self.n_qubits)
        if X.shape[1] != width:
            raise DataError(
                f"the {self.encoding} encoding on {self.n_qubits} qubits takes "
                f"{width} values per row, got {X.shape[1]}"
            )
        params = self.record.parameters(X)
        # the chunks kept, and the array they are stacked into
        check_fits(self.n_qubits, max(len(params), 1), copies=2)
        chunks = [simulate(self.circuit, params[i : i + STATE_CHUNK])
                  for i in range(0, len(params), STATE_CHUNK)]  # fmt: skip
        return np.vstack(chunks) if chunks else np.zeros((0, 1 << self.n_qubits), complex)

    def __call__(self, X: Any, Y: Any = None) -> np.ndarray:
        """The Gram matrix ``K[i, j] = |<φ(X_i)|φ(Y_j)>|**2`` (lazy if ``X`` or ``Y`` is)."""
        left = self.states(X)
        right = left if Y is None or Y is X else self.states(Y)  # (pairwise_kernels: Y is X)
        if lazy.is_lazy(left) or lazy.is_lazy(right):  # dask: block products, lazily
            return lazy.fidelities(left, right)
        return fidelity_matrix(left, right)

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self.options.items())
        return f"QuantumKernel({self.n_qubits}, {self.encoding!r}{extra})"


def _rows(X: Any) -> np.ndarray:
    """``X`` as finite float64 rows ``(B, width)`` (one 1-D row becomes ``(1, width)``)."""
    try:
        data = np.asarray(X)
        if data.dtype.kind == "c":
            raise DataError(
                "the kernel's inputs are real angles or amplitudes, got complex values; pass "
                "the real part (or split it into more features)"
            )
        data = np.atleast_2d(data.astype(np.float64))
    except (ValueError, OverflowError) as error:
        raise DataError(f"the kernel's inputs must be numbers in rows of equal length: "
                        f"{error}") from None  # fmt: skip
    except TypeError as error:
        raise QmlTypeError(f"the kernel's inputs must be an array of numbers: {error}") from None
    if data.ndim != 2:
        raise DataError(f"the kernel's inputs must be rows (B, width), got shape {data.shape}")
    return check_features(data)


# scikit-learn passes its kernel objects whole matrices of rows (pairwise_kernels,
# Nystroem) but calls any other callable once per pair of rows
SklearnKernel.register(QuantumKernel)


def _fixed_stage(name: Any) -> bool:
    return isinstance(name, str) and name in FEATURE_STAGES and not FEATURE_STAGES[name].trainable


class QuantumKernelClassifier(HybridEstimator):
    """An SVM on a quantum fidelity kernel, with a fixed feature stage in front.

    With ``features="pca"`` (default) features are standardised, reduced by PCA to
    ``n_qubits`` (or repeated to fill them) and scaled into the encoding's angle
    range, all fitted on the training data; with ``features="raw"`` they enter the
    encoding unchanged (as qiskit-machine-learning's QSVC does: the setting for data
    made for a feature map, such as the ad hoc data of Havlíček et al.). Then
    ``QuantumKernel(n_qubits, encoding, reps=reps)`` feeds
    ``sklearn.svm.SVC(kernel="precomputed", C=C)``. The default angle encoding
    gives ``k(x, y) = prod_q cos((x_q - y_q) / 2)**2``, a smooth product kernel;
    ``encoding="zz"`` or ``"iqp"`` give the entangling feature maps of the
    quantum-kernel literature.

    Options are checked in ``fit`` (and ``load``): ``n_qubits`` 1 to ``MAX_QUBITS``,
    ``reps`` 1 to ``MAX_LAYERS``, ``C`` in ``(0, MAX_C]`` (libsvm's time grows with
    ``C``), ``random_state`` None, an int seed, a RandomState or a Generator.

    ``fit`` assembles the ``N x N`` Gram matrix of the training rows in this process,
    where libsvm needs it: ``16 * N**2`` bytes with the SVM's own copy (``N = 20,000``:
    6.4 GB), checked before allocating (``StateTooLargeError``). Where it does not fit,
    use ``Nystroem(kernel=QuantumKernel(n_qubits, encoding), n_components=m)`` and a
    linear model (see the docstring of ``qml.hybrid.kernel``). On a dask array ``fit``
    simulates the training states and computes the Gram matrix's blocks on the workers,
    then gathers the matrix; ``predict`` and ``decision_function`` on a dask array are
    lazy, one task per block of rows.
    """

    _parameter_constraints: ClassVar[dict[str, Constraint]] = {
        "n_qubits": Integer(1, MAX_QUBITS),
        "reps": Integer(1, MAX_LAYERS),
        "encoding": OneOf(ENCODINGS),
        "features": Check(
            _fixed_stage,
            "a fixed feature stage, 'pca' or 'raw' (a kernel SVM "
            "has no training loop for 'dense' or 'layerwise')",
        ),
        "C": Real(0.0, MAX_C, open_low=True, open_high=False,
                  note=f"above {MAX_C:g} libsvm's solver can run for minutes or never finish"),
        "random_state": RandomState(),
    }  # fmt: skip
    _fitted_attribute: ClassVar[str] = "svc_"

    def __init__(
        self,
        n_qubits: int = 4,
        *,
        encoding: str = "angle",
        features: str = "pca",
        reps: int = 2,
        C: float = 3.0,
        random_state: Any = None,
    ) -> None:
        self.n_qubits = n_qubits
        self.encoding = encoding
        self.features = features
        self.reps = reps
        self.C = C
        self.random_state = random_state

    def _check_options(self) -> None:
        get_encoding(self.encoding)  # an unknown name first lists the encodings
        get_feature_stage(self.features)
        super()._check_options()

    def _kernel(self) -> QuantumKernel:
        options = {"reps": self.reps} if get_encoding(self.encoding).repeats else {}
        return QuantumKernel(self.n_qubits, self.encoding, **options)

    def fit(self, X: Any, y: Any) -> QuantumKernelClassifier:
        """Fit the feature stage and the SVM on ``X`` ``(n_samples, n_features)`` and ``y``."""
        rows = X  # a dask array: its states are simulated where its blocks live
        self._check_options()
        self._forget_fit()  # a fit that fails leaves the estimator unfitted, not half-refitted
        X, targets = self._check_targets(X, y)
        kernel = self._kernel()
        self._fit_inputs(X)
        self._solve(kernel.states(self._inputs(rows.astype(np.float64) if lazy.is_lazy(rows)
                                              else X)), targets)  # fmt: skip
        return self

    def _solve(self, states: np.ndarray, targets: np.ndarray) -> None:
        """The SVM on the Gram matrix of the training ``states`` (class indices ``targets``)."""
        from sklearn.svm import SVC

        if lazy.is_lazy(states):  # the Gram matrix's blocks on the workers, gathered here
            check_gram_fits(len(states), len(states), copies=2)
            states, gram = lazy.gathered_gram(states)
        else:
            gram = fidelity_matrix(states, states, copies=2)
        # libsvm draws random numbers for probability estimates only, which are not used here
        seed = self.random_state if not isinstance(self.random_state, np.random.Generator) else None
        svc = SVC(kernel="precomputed", C=self.C, random_state=seed)
        svc.fit(gram, targets)
        self.train_states_, self.train_targets_ = states, targets
        self.svc_ = svc  # last: the estimator is fitted once this exists

    def _gram(self, X: Any) -> np.ndarray:
        self._check_fitted()
        X = self._validate(X, reset=False)
        states = self._kernel().states(self._inputs(X))
        return fidelity_matrix(states, self.train_states_)

    def _row_bytes(self) -> int:
        # a row's state, and its row of the Gram matrix against the training states
        return super()._row_bytes() + 24 * len(self.train_states_)

    def decision_function(self, X: Any) -> np.ndarray:
        """The SVM's decision values (``(n,)`` binary, ``(n, n_classes)`` otherwise)."""
        if lazy.is_lazy(X):  # a dask array: a lazy result, one task per block of rows
            return self._lazy(self.decision_function, X)
        gram = self._gram(X)  # checks fitted before svc_ is touched
        return self.svc_.decision_function(gram)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted classes of the rows of ``X``."""
        if lazy.is_lazy(X):  # a dask array: a lazy result, one task per block of rows
            return self._lazy(self.predict, X)
        gram = self._gram(X)
        return self.classes_[self.svc_.predict(gram)]

    def save(self, path: str | os.PathLike, *, notes: dict[str, Any] | None = None) -> None:
        """Write the fitted model (feature map, training states and labels) atomically.

        The SVM itself is not stored: ``load`` solves it again from the saved
        training states, which gives the same solution (libsvm is deterministic
        on a precomputed Gram matrix) without pickling scikit-learn objects.
        ``notes`` is JSON data kept with the model; ``load`` gives it back as ``notes_``.
        """
        self._check_fitted()
        state = self._file_state(notes)
        arrays = {
            "input_matrix": self.input_map_.matrix, "input_offset": self.input_map_.offset,
            "train_real": self.train_states_.real, "train_imag": self.train_states_.imag,
            "train_targets": self.train_targets_,
        }  # fmt: skip
        write_model(path, type(self).__name__, self._file_config(), state, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> QuantumKernelClassifier:
        """A fitted kernel classifier read from a file written by ``save``.

        Every field is validated before use (``ModelFileError`` naming it): the
        configuration, the classes, the arrays' dtypes and shapes, the training states
        (unit vectors of ``2**n_qubits`` amplitudes) and their class indices (each class
        present, none outside the class list).
        """
        config, state, arrays = read_model(path, cls.__name__, _ARRAYS)
        clf = cls._configured(config, path)
        classes, n_features, names, notes = clf._restore_state(state, path)
        input_map = clf._file_input_map(arrays, n_features, path)
        real, imag, targets = arrays["train_real"], arrays["train_imag"], arrays["train_targets"]
        dim = 1 << clf.n_qubits
        if real.shape != imag.shape or real.shape[1:] != (dim,) or len(real) < 2:
            raise ModelFileError(
                f"{path}: train_real and train_imag have shapes {real.shape} and {imag.shape}, "
                f"but this model needs (n_train >= 2, {dim}); the file is corrupted"
            )
        if targets.shape != (len(real),):
            raise ModelFileError(
                f"{path}: train_targets has shape {targets.shape}, but there are {len(real)} "
                "training states; the file is corrupted"
            )
        present = np.unique(targets)
        if targets.min() < 0 or targets.max() >= len(classes) or len(present) != len(classes):
            raise ModelFileError(
                f"{path}: train_targets must index every one of the {len(classes)} classes "
                f"(0 .. {len(classes) - 1}), got values {show(present.tolist())}; the file is "
                "corrupted"
            )
        norms = np.einsum("ij,ij->i", real, real) + np.einsum("ij,ij->i", imag, imag)
        off = np.abs(norms - 1.0)
        if not np.all(off <= NORM_TOLERANCE):
            worst = int(np.argmax(off))
            raise ModelFileError(
                f"{path}: training state {worst} has squared norm {norms[worst]:.6g}, but encoded "
                "states are unit vectors; the file is corrupted"
            )
        try:
            clf._set_common(classes, n_features, names, notes)
            clf.input_map_ = input_map
            clf._solve(real + 1j * imag, targets)
        except (QmlError, ValueError) as error:
            clf._forget_fit()
            raise ModelFileError(f"{path}: the SVM cannot be solved from the stored training "
                                 f"states ({error}); the file is corrupted") from None  # fmt: skip
        return clf
