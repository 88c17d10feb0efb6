"""QuantumKernel against qiskit's state vectors, and the kernel SVM as an estimator."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.exceptions
from qiskit.quantum_info import Statevector
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC

import qml.hybrid.kernel as kernel_module
import qml.simulator.memory
from qml.errors import (
    DataError,
    NotFittedError,
    OptionError,
    QmlError,
    QmlValueError,
    StateTooLargeError,
)
from qml.hybrid import QuantumKernel, QuantumKernelClassifier
from qml.hybrid.datasets import blobs, moons


def _qiskit_state(kernel: QuantumKernel, row: np.ndarray) -> np.ndarray:
    """The encoded state of one row, bound by qml but simulated by qiskit."""
    return Statevector(kernel.circuit.assign_parameters(row).to_qiskit()).data


@pytest.mark.parametrize(
    ("encoding", "options"),
    [("angle", {}), ("zz", {"reps": 2}), ("iqp", {"reps": 1}), ("zz", {"entanglement": "linear"})],
    ids=["angle", "zz", "iqp", "zz-linear"],
)
def test_gram_matrix_equals_squared_overlaps_of_qiskit_states(encoding, options, rng) -> None:
    kernel = QuantumKernel(3, encoding, **options)
    X, Y = rng.uniform(0, np.pi, size=(5, 3)), rng.uniform(0, np.pi, size=(4, 3))
    left = np.array([_qiskit_state(kernel, row) for row in X])
    right = np.array([_qiskit_state(kernel, row) for row in Y])
    expected = np.abs(left.conj() @ right.T) ** 2
    gram = kernel(X, Y)
    assert gram.shape == (5, 4)
    np.testing.assert_allclose(gram, expected, atol=1e-12)


def test_amplitude_kernel_is_the_squared_cosine_of_normalised_vectors(rng) -> None:
    kernel = QuantumKernel(2, "amplitude")
    X, Y = rng.normal(size=(4, 4)), rng.normal(size=(3, 4))
    unit = lambda A: A / np.linalg.norm(A, axis=1, keepdims=True)  # noqa: E731
    np.testing.assert_allclose(kernel(X, Y), (unit(X) @ unit(Y).T) ** 2, atol=1e-12)


def test_angle_kernel_is_a_product_of_squared_cosines(rng) -> None:
    X, Y = rng.uniform(0, np.pi, size=(4, 3)), rng.uniform(0, np.pi, size=(6, 3))
    expected = np.prod(np.cos((X[:, None, :] - Y[None, :, :]) / 2) ** 2, axis=2)
    np.testing.assert_allclose(QuantumKernel(3, "angle")(X, Y), expected, atol=1e-12)


def test_gram_matrix_is_symmetric_with_unit_diagonal_and_psd(rng) -> None:
    X = rng.uniform(0, np.pi, size=(8, 3))
    gram = QuantumKernel(3, "zz")(X)
    np.testing.assert_allclose(gram, gram.T, atol=1e-14)
    np.testing.assert_allclose(np.diag(gram), 1.0, atol=1e-12)
    assert np.all((gram >= -1e-14) & (gram <= 1 + 1e-12))
    assert np.linalg.eigvalsh(gram).min() > -1e-10


def test_kernel_plugs_into_sklearn_svc() -> None:
    X, y = moons(60, noise=0.05, random_state=2)
    X = (X - X.min(axis=0)) / np.ptp(X, axis=0) * np.pi
    kernel = QuantumKernel(2, "angle")
    svc = SVC(kernel=kernel).fit(X, y)
    precomputed = SVC(kernel="precomputed").fit(kernel(X), y)
    np.testing.assert_allclose(svc.decision_function(X), precomputed.decision_function(kernel(X)))
    np.testing.assert_array_equal(svc.predict(X[:7]), precomputed.predict(kernel(X[:7], X)))


def test_kernel_refuses_rows_of_the_wrong_width() -> None:
    with pytest.raises(DataError, match="takes 3 values per row, got 2"):
        QuantumKernel(3, "zz")(np.zeros((2, 2)))


def test_kernel_refuses_unknown_encodings_listing_valid_ones() -> None:
    with pytest.raises(OptionError) as info:
        QuantumKernel(2, "fourier")
    assert all(name in str(info.value) for name in ("angle", "zz", "iqp", "amplitude"))


def test_kernel_refuses_states_too_large_for_memory(monkeypatch) -> None:
    monkeypatch.setattr(qml.simulator.memory, "available_memory", lambda: 1 << 16)
    with pytest.raises(StateTooLargeError, match="12 qubits"):
        QuantumKernel(12, "angle")(np.zeros((10, 12)))


def test_gram_matrix_in_passes_equals_one_matrix_product(monkeypatch, rng) -> None:
    import qml.hybrid.kernel

    kernel = QuantumKernel(3, "zz")
    X, Y = rng.uniform(0, np.pi, size=(50, 3)), rng.uniform(0, np.pi, size=(30, 3))
    monkeypatch.setattr(qml.hybrid.kernel, "GRAM_PASS_BYTES", 16 * 30 * 7)  # passes of 7 rows
    left, right = kernel.states(X), kernel.states(Y)
    np.testing.assert_allclose(kernel(X, Y), np.abs(left.conj() @ right.T) ** 2, atol=1e-15)


def test_gram_matrix_too_large_for_memory_is_refused_naming_nystroem(monkeypatch) -> None:
    # 3000 x 3000 floats, and the SVM's copy: 137 MiB; 100 MiB available
    monkeypatch.setattr(qml.simulator.memory, "available_memory", lambda: 100 << 20)
    X, y = moons(3000, noise=0.1, random_state=0)
    clf = QuantumKernelClassifier(n_qubits=2)
    with pytest.raises(StateTooLargeError, match=r"3000 x 3000.*Nystroem") as info:
        clf.fit(X, y)
    assert isinstance(info.value, MemoryError) and not hasattr(clf, "svc_")


def test_nystroem_takes_the_quantum_kernel_whole_matrices_at_a_time(monkeypatch, rng) -> None:
    from sklearn.kernel_approximation import Nystroem

    import qml.hybrid.kernel

    simulated = []

    def counting(circuit, params=None, **options):
        simulated.append(len(params))
        return qml.simulate(circuit, params, **options)

    monkeypatch.setattr(qml.hybrid.kernel, "simulate", counting)
    kernel = QuantumKernel(2, "zz")
    X = rng.uniform(0, np.pi, size=(200, 2))
    # 2-qubit states span a 16-dimensional space of density matrices: 24 landmarks in
    # general position make the Nystroem approximation exact
    features = Nystroem(kernel=kernel, n_components=24, random_state=0).fit(X).transform(X)
    assert features.shape == (200, 24)
    assert sum(simulated) == 24 + 200 + 24 and len(simulated) == 3  # no call per pair
    np.testing.assert_allclose(features @ features.T, kernel(X), atol=1e-6)


def test_nystroem_features_train_a_linear_model_as_well_as_the_kernel_svm() -> None:
    from sklearn.kernel_approximation import Nystroem
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    X, y = moons(400, noise=0.1, random_state=1)
    X = (X - X.min(axis=0)) / np.ptp(X, axis=0) * np.pi
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5, random_state=0)
    approximate = make_pipeline(
        Nystroem(kernel=QuantumKernel(2, "angle"), n_components=40, random_state=0),
        LinearSVC(C=3.0),
    ).fit(X_train, y_train)
    exact = SVC(kernel=QuantumKernel(2, "angle"), C=3.0).fit(X_train, y_train)
    assert approximate.score(X_test, y_test) >= exact.score(X_test, y_test) - 0.03


# -- the estimator ----------------------------------------------------------------------------
def test_kernel_classifier_reaches_its_quality_bar_on_moons() -> None:
    X, y = moons(300, noise=0.1, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y
    )
    clf = QuantumKernelClassifier(random_state=0).fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.95


@pytest.fixture(scope="module")
def fitted() -> tuple[QuantumKernelClassifier, np.ndarray, np.ndarray]:
    X, y = moons(50, noise=0.1, random_state=4)
    return QuantumKernelClassifier(n_qubits=2, random_state=0).fit(X, y), X, y


def test_kernel_classifier_is_the_svc_on_the_fitted_feature_map(fitted) -> None:
    clf, X, y = fitted
    angles = clf.input_map_(X)
    kernel = QuantumKernel(2, "angle")
    svc = SVC(kernel="precomputed", C=clf.C).fit(kernel(angles), y)
    np.testing.assert_allclose(
        clf.decision_function(X), svc.decision_function(kernel(angles)), atol=1e-10
    )


def test_kernel_classifier_binary_decision_function_is_one_column(fitted) -> None:
    clf, X, _ = fitted
    assert clf.decision_function(X).shape == (len(X),)


def test_kernel_classifier_multiclass_decision_function_has_a_column_per_class() -> None:
    X, y = blobs(45, centers=3, random_state=0)
    clf = QuantumKernelClassifier(n_qubits=2, encoding="zz", reps=1).fit(X, y)
    assert clf.decision_function(X).shape == (len(X), 3)
    assert clf.score(X, y) > 0.9


def test_kernel_classifier_string_labels(fitted) -> None:
    _, X, y = fitted
    names = np.array(["no", "yes"])[y]
    clf = QuantumKernelClassifier(n_qubits=2).fit(X, names)
    assert list(clf.classes_) == ["no", "yes"]
    assert set(clf.predict(X)) <= {"no", "yes"}


@pytest.mark.parametrize("method", ["predict", "decision_function"])
def test_kernel_classifier_refuses_use_before_fit(method) -> None:
    with pytest.raises(NotFittedError) as info:
        getattr(QuantumKernelClassifier(), method)(np.zeros((2, 2)))
    assert isinstance(info.value, sklearn.exceptions.NotFittedError)


@pytest.mark.parametrize("where", ["fit", "predict"])
def test_kernel_classifier_refuses_nan_features(fitted, where) -> None:
    clf, X, y = fitted
    bad = X.copy()
    bad[1, 0] = np.nan
    with pytest.raises(DataError, match="NaN"):
        QuantumKernelClassifier(n_qubits=2).fit(bad, y) if where == "fit" else clf.predict(bad)


def test_kernel_classifier_refuses_a_single_class(fitted) -> None:
    _, X, _ = fitted
    with pytest.raises(DataError, match="only one class"):
        QuantumKernelClassifier(n_qubits=2).fit(X, np.ones(len(X)))


def test_kernel_classifier_refuses_mismatched_lengths(fitted) -> None:
    _, X, y = fitted
    with pytest.raises(DataError, match="labels"):
        QuantumKernelClassifier(n_qubits=2).fit(X, y[:10])


def test_kernel_classifier_refuses_unknown_encodings(fitted) -> None:
    _, X, y = fitted
    with pytest.raises(OptionError, match="zz"):
        QuantumKernelClassifier(n_qubits=2, encoding="fourier").fit(X, y)


# -- refusals of issue 12 ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "X", [[[1 + 1j, 0.5]], [["a", "b"]], [[0.1, 0.2], [0.3]], np.zeros((2, 2, 2)), [[np.nan, 1]]],
    ids=["complex", "text", "ragged", "3-d", "nan"],
)  # fmt: skip
def test_kernel_refuses_inputs_that_are_not_finite_real_rows(X) -> None:
    with pytest.raises(QmlError):
        QuantumKernel(2, "angle")(X)


def test_kernel_refuses_an_option_its_encoding_does_not_take() -> None:
    with pytest.raises(OptionError, match="does not take the option"):
        QuantumKernel(2, "angle", entanglement="linear")


@pytest.mark.parametrize(("n_qubits", "reps"), [(0, 2), (41, 2), (2, 0), (2, 10**6)])
def test_kernel_refuses_sizes_out_of_range(n_qubits, reps) -> None:
    with pytest.raises(QmlValueError, match="must be an integer in"):
        QuantumKernel(n_qubits, "zz", reps=reps)


def test_kernel_classifier_refuses_a_c_that_would_stall_libsvm(fitted) -> None:
    _, X, y = fitted
    with pytest.raises(QmlValueError, match=r"C must be a finite number in \(0, 1e\+06\]"):
        QuantumKernelClassifier(n_qubits=2, C=1e308).fit(X, y)


def test_a_gram_matrix_too_large_for_memory_is_refused_before_it_is_made(monkeypatch) -> None:
    kernel = QuantumKernel(1, "angle")
    states = kernel.states(np.zeros((300, 1)))
    monkeypatch.setattr(qml.simulator.memory, "available_memory", lambda: 300 * 300 * 24 - 1)
    with pytest.raises(StateTooLargeError, match="Gram matrix of 300 x 300 needs"):
        kernel_module.fidelity_matrix(states, states)
