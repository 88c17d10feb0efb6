"""``Unitary(matrix)``: any unitary as a gate, validated when it is made."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.circuit.library import UnitaryGate
from scipy.stats import unitary_group

from qml import QmlError
from qml.errors import NotUnitaryError, ShapeError
from qml.gates import Unitary
from tests.reference import evolve, random_state

each_size = pytest.mark.parametrize("k", [1, 2, 3])


def haar(k: int, seed: int = 7) -> np.ndarray:
    return unitary_group.rvs(1 << k, random_state=seed)


@each_size
def test_a_random_unitary_is_accepted_as_is(k):
    matrix = haar(k)
    gate = Unitary(matrix)
    assert (gate.name, gate.num_qubits, gate.params) == ("unitary", k, ())
    np.testing.assert_array_equal(gate.matrix(), matrix)


@each_size
def test_matrix_equals_qiskit_unitary_gate(k):
    matrix = haar(k)
    np.testing.assert_allclose(Unitary(matrix).matrix(), UnitaryGate(matrix).to_matrix())


@each_size
def test_apply_equals_qiskit_evolve_at_random_qubits(k, rng):
    matrix = haar(k)
    for _ in range(4):
        n = int(rng.integers(k, 6))
        qubits = [int(q) for q in rng.permutation(n)[:k]]
        state = random_state(rng, n)
        expected = evolve(state, matrix, qubits)
        Unitary(matrix).apply(state, qubits)
        np.testing.assert_allclose(state, expected, atol=1e-12)


@each_size
def test_inverse_is_the_conjugate_transpose(k):
    matrix = haar(k)
    np.testing.assert_allclose(Unitary(matrix).inverse().matrix(), matrix.conj().T, atol=1e-15)


def test_later_changes_to_the_input_do_not_reach_the_gate():
    matrix = haar(1)
    gate = Unitary(matrix)
    matrix[0, 0] = 5.0
    assert gate.matrix()[0, 0] != 5.0


def test_equal_matrices_make_equal_gates_whatever_the_label():
    assert Unitary(haar(2), label="a") == Unitary(haar(2), label="b")
    assert Unitary(haar(2)) != Unitary(haar(2, seed=8))
    assert Unitary(haar(1)) != Unitary(haar(2))


def test_repr_names_the_size_and_label():
    assert repr(Unitary(haar(2), label="V")) == "Unitary(<4x4 matrix>, label='V')"


def test_a_unitary_within_the_tolerance_is_accepted():
    matrix = haar(2) * (1 + 1e-12)
    assert Unitary(matrix).num_qubits == 2


@pytest.mark.parametrize(
    "matrix",
    [
        np.array([[1, 1], [0, 1]]),
        2 * np.eye(2),
        haar(2) * (1 + 1e-8),
        np.full((2, 2), np.nan),
    ],
    ids=["shear", "scaled", "just-outside-tolerance", "nan"],
)
def test_a_non_unitary_matrix_is_refused_with_advice(matrix):
    with pytest.raises(NotUnitaryError, match=r"not unitary: max \|U†U - I\|.*orthonormalise"):
        Unitary(matrix)


def test_the_refusal_is_a_qml_error_and_a_value_error():
    with pytest.raises(QmlError) as caught:
        Unitary(2 * np.eye(2))
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        (np.eye(4)[:2], r"square matrix; got shape \(2, 4\)"),
        (np.eye(8).reshape(2, 4, 8), r"square matrix; got shape \(2, 4, 8\)"),
        (np.eye(3), r"2\*\*k x 2\*\*k matrix .* got 3 x 3"),
        (np.eye(6), r"2\*\*k x 2\*\*k matrix .* got 6 x 6"),
        (np.eye(1), r"2\*\*k x 2\*\*k matrix \(k >= 1 qubits\); got 1 x 1"),
    ],
    ids=["non-square", "three-dimensional", "3x3", "6x6", "1x1"],
)
def test_a_matrix_of_the_wrong_shape_is_refused(matrix, message):
    with pytest.raises(ShapeError, match=message) as caught:
        Unitary(matrix)
    assert isinstance(caught.value, QmlError) and isinstance(caught.value, ValueError)


def test_a_non_numeric_matrix_is_a_type_error():
    with pytest.raises(QmlError, match="numeric matrix; got str") as caught:
        Unitary("identity")
    assert isinstance(caught.value, TypeError)
