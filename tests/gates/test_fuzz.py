"""Fuzzing the gates: arbitrary arguments to every gate and to the Gate trait's methods.

The contract (tests/fuzzing.py): a QmlError or a finite result of the documented shape;
a gate that is made has a unitary matrix whose inverse is its conjugate transpose.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import unitary_group

import qml.gates
from qml.gates import STANDARD_GATES, Controlled, Diagonal, Gate, Permutation, Unitary
from tests.fuzzing import (
    FUZZ_SETTINGS,
    Refused,
    anything,
    arrays,
    assert_finite,
    assert_unitary,
    attempt,
    qubit_lists,
)

# numpy casting complex values to real inside qml drops the imaginary parts silently
pytestmark = pytest.mark.filterwarnings("error::numpy.exceptions.ComplexWarning")

GATE_CLASSES = [
    cls
    for name in qml.gates.__all__
    if inspect.isclass(cls := getattr(qml.gates, name)) and issubclass(cls, Gate)
]

#: Gate parameters, valid or not: angles, (B,) batches, and anything else.
parameters = st.one_of(
    st.floats(-7, 7),
    st.lists(st.floats(-7, 7), min_size=0, max_size=3).map(np.array),
    anything(),
)


def exercise(gate: Gate) -> None:
    """Ask a gate that was made for its facts and operators; check what they return."""
    assert_finite(gate, repr(gate))
    k = gate.num_qubits
    assert isinstance(k, int) and k >= 1
    assert isinstance(repr(gate), str)
    if gate.is_parameterized:
        assert isinstance(attempt(gate.matrix), Refused)  # unbound: no matrix
        return
    batch = attempt(lambda: gate.batch_size)
    matrix = attempt(gate.matrix)
    if isinstance(matrix, Refused) or isinstance(batch, Refused):
        return
    expected = (1 << k, 1 << k) if batch is None else (batch, 1 << k, 1 << k)
    assert matrix.shape == expected
    assert_unitary(matrix, f"{gate!r}.matrix()")
    inverse = attempt(gate.inverse)
    if not isinstance(inverse, Refused):
        np.testing.assert_allclose(
            inverse.matrix(), np.conj(np.swapaxes(matrix, -1, -2)), atol=1e-9
        )
    conjugate = attempt(gate.conjugate)
    if not isinstance(conjugate, Refused):
        np.testing.assert_allclose(conjugate.matrix(), np.conj(matrix), atol=1e-9)
    generator = attempt(gate.generator)
    if generator is not None and not isinstance(generator, Refused):
        assert generator.shape == (1 << k, 1 << k)
        assert_finite(generator)
        np.testing.assert_allclose(generator, generator.conj().T, atol=1e-9)
    if gate.structure == "diagonal":
        diagonal = attempt(gate.diagonal)
        if not isinstance(diagonal, Refused):
            assert diagonal.shape == expected[:-1]
            np.testing.assert_allclose(diagonal, np.diagonal(matrix, axis1=-2, axis2=-1))


@pytest.mark.parametrize("cls", GATE_CLASSES, ids=lambda cls: cls.__name__)
@FUZZ_SETTINGS
@given(st.lists(anything(), max_size=4))
def test_every_gate_class_takes_any_arguments(cls, args):
    gate = attempt(cls, *args)
    if not isinstance(gate, Refused):
        exercise(gate)


@pytest.mark.parametrize("cls", list(STANDARD_GATES.values()), ids=lambda cls: cls.name)
@FUZZ_SETTINGS
@given(st.data())
def test_standard_gates_take_any_parameters(cls, data):
    params = [data.draw(parameters) for _ in range(cls.num_params)]
    gate = attempt(cls, *params)
    if not isinstance(gate, Refused):
        exercise(gate)


@st.composite
def matrices(draw):
    """Matrices near and far from unitary: Haar-random ones, spoilt ones, and any array."""
    kind = draw(st.sampled_from(["haar", "spoilt", "any"]))
    if kind == "any":
        return draw(st.one_of(arrays(), anything()))
    k = draw(st.integers(1, 3))
    matrix = unitary_group.rvs(1 << k, random_state=draw(st.integers(0, 2**32 - 1)))
    if kind == "spoilt":
        index = draw(st.tuples(st.integers(0, (1 << k) - 1), st.integers(0, (1 << k) - 1)))
        matrix[index] = draw(st.sampled_from([np.nan, np.inf, 1e308, 0.0, 1e-12, 2.0]))
    return matrix


@FUZZ_SETTINGS
@given(matrices(), st.one_of(st.none(), anything()))
def test_unitary_takes_any_matrix_and_label(matrix, label):
    gate = attempt(Unitary, matrix, label)
    if not isinstance(gate, Refused):
        exercise(gate)
        assert isinstance(gate.label, (str, type(None)))


@FUZZ_SETTINGS
@given(
    st.one_of(st.sampled_from([qml.gates.X(), qml.gates.RY(0.4), qml.gates.H()]), anything()),
    anything(),
    st.one_of(st.none(), anything()),
)
def test_controlled_takes_any_base_count_and_state(base, num_controls, ctrl_state):
    gate = attempt(Controlled, base, num_controls, ctrl_state)
    if not isinstance(gate, Refused):
        exercise(gate)


@FUZZ_SETTINGS
@given(st.one_of(arrays(), anything()))
def test_diagonal_permutation_and_qubit_patterns_take_any_table(table):
    for make in (Diagonal, Permutation, Permutation.of_qubits):
        gate = attempt(make, table)
        if not isinstance(gate, Refused):
            exercise(gate)


@st.composite
def states(draw):
    """States for ``apply``: valid ones of 1 to 3 qubits (batched or not), and anything."""
    if draw(st.booleans()):
        return draw(st.one_of(arrays(), anything()))
    n = draw(st.integers(1, 3))
    shape = (1 << n,) if draw(st.booleans()) else (draw(st.integers(0, 3)), 1 << n)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    state = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    state /= np.linalg.norm(state, axis=-1, keepdims=True)
    dtype = draw(st.sampled_from([np.complex128, np.complex64, np.float64]))
    return (state.real if dtype is np.float64 else state).astype(dtype)


@FUZZ_SETTINGS
@given(
    st.sampled_from(
        [
            qml.gates.H(),
            qml.gates.CX(),
            qml.gates.RZ(np.array([0.1, 0.2])),
            qml.gates.CCZ(),
            Unitary(unitary_group.rvs(4, random_state=1)),
            Permutation([1, 0, 3, 2]),
        ]
    ),
    states(),
    qubit_lists(),
)
def test_apply_takes_any_state_and_qubits(gate, state, qubits):
    before = np.array(state, copy=True) if isinstance(state, np.ndarray) else None
    result = attempt(gate.apply, state, qubits)
    if isinstance(result, Refused):
        return
    assert result is None
    assert_finite(state)
    norms = np.linalg.norm(state, axis=-1)
    np.testing.assert_allclose(norms, np.linalg.norm(before, axis=-1), rtol=1e-5)


@FUZZ_SETTINGS
@given(qubit_lists(), anything())
def test_check_qubits_takes_any_qubits_and_width(qubits, width):
    checked = attempt(qml.gates.CX().check_qubits, qubits, width)
    if not isinstance(checked, Refused):
        assert isinstance(checked, tuple) and len(checked) == 2 and len(set(checked)) == 2
        assert all(type(q) is int and 0 <= q < width for q in checked)


@FUZZ_SETTINGS
@given(st.one_of(st.text(alphabet="IXYZ01Q", max_size=20), anything()))
def test_pauli_matrix_takes_any_letters(letters):
    matrix = attempt(qml.gates.pauli_matrix, letters)
    if not isinstance(matrix, Refused):
        assert matrix.shape == (1 << len(letters), 1 << len(letters))
        assert_finite(matrix)
