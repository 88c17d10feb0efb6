"""The consistency check every gate passes (after Cirq's ``consistent_protocols``).

Each test is one property, run over every standard gate by ``parametrize``; the
reference is qiskit's own gate classes, never qml's matrices.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from qiskit.quantum_info import Operator

import qml
import qml.gates
from qml import Parameter, QmlError
from qml.errors import QubitError, QubitIndexError, ShapeError, UnboundParameterError
from qml.gates import STANDARD_GATES
from tests.reference import QISKIT_GATES, evolve, qiskit_matrix, random_state

GATE_CLASSES = list(STANDARD_GATES.values())
PARAMETERIZED = [cls for cls in GATE_CLASSES if cls.num_params]
each_gate = pytest.mark.parametrize("gate_cls", GATE_CLASSES, ids=lambda cls: cls.name)
each_parameterized_gate = pytest.mark.parametrize("gate_cls", PARAMETERIZED, ids=lambda c: c.name)

#: The gates the design lists as diagonal and as permutations (at least these).
DIAGONAL = ["z", "s", "t", "rz", "p", "cz", "cp", "rzz", "ccz"]
PERMUTATION = ["x", "cx", "swap", "ccx", "cswap"]

SPECIAL_ANGLES = [0.0, np.pi / 2, np.pi, -np.pi, 2 * np.pi]


def random_params(rng: np.random.Generator, gate_cls: type, count: int = 5) -> list[np.ndarray]:
    """``count`` random parameter tuples in [-2π, 2π], then the special angles."""
    rows = [rng.uniform(-2 * np.pi, 2 * np.pi, gate_cls.num_params) for _ in range(count)]
    if gate_cls.num_params:
        rows += [np.full(gate_cls.num_params, angle) for angle in SPECIAL_ANGLES]
    return rows


def random_gates(rng: np.random.Generator, gate_cls: type, count: int = 5) -> list:
    return [gate_cls(*params) for params in random_params(rng, gate_cls, count)]


def qiskit_pattern_matrix(gate_cls: type, rng: np.random.Generator) -> np.ndarray:
    """Sum of |qiskit matrix| over random angles: zero exactly where every matrix is zero."""
    return sum(
        np.abs(qiskit_matrix(gate_cls.name, params)) for params in random_params(rng, gate_cls)
    )


# -- the matrix ----------------------------------------------------------------------------------


@each_gate
def test_matrix_equals_qiskit_to_matrix(gate_cls, rng):
    for params in random_params(rng, gate_cls):
        expected = qiskit_matrix(gate_cls.name, params)
        np.testing.assert_allclose(gate_cls(*params).matrix(), expected, atol=1e-12)


@each_gate
def test_name_and_sizes_are_qiskits(gate_cls):
    reference = QISKIT_GATES[gate_cls.name](*([0.1] * gate_cls.num_params))
    assert (gate_cls.name, gate_cls.num_qubits, gate_cls.num_params) == (
        reference.name,
        reference.num_qubits,
        len(reference.params),
    )


@each_gate
def test_matrix_is_complex128_of_the_gate_size(gate_cls, rng):
    matrix = random_gates(rng, gate_cls, 1)[0].matrix()
    d = 1 << gate_cls.num_qubits
    assert (matrix.shape, matrix.dtype) == ((d, d), np.complex128)


@each_gate
def test_matrix_is_unitary(gate_cls, rng):
    for gate in random_gates(rng, gate_cls):
        m = gate.matrix()
        np.testing.assert_allclose(m.conj().T @ m, np.eye(len(m)), atol=1e-12)


@each_gate
def test_matrix_is_a_fresh_copy(gate_cls, rng):
    gate = random_gates(rng, gate_cls, 1)[0]
    before = gate.matrix()
    gate.matrix()[...] = 7.0
    np.testing.assert_array_equal(gate.matrix(), before)


@each_gate
def test_inverse_matrix_is_conjugate_transpose(gate_cls, rng):
    for gate in random_gates(rng, gate_cls):
        np.testing.assert_allclose(gate.inverse().matrix(), gate.matrix().conj().T, atol=1e-12)


@each_gate
def test_inverse_acts_on_as_many_qubits(gate_cls, rng):
    gate = random_gates(rng, gate_cls, 1)[0]
    assert gate.inverse().num_qubits == gate.num_qubits


@each_gate
def test_conjugate_is_the_complex_conjugate_for_floats_and_batches(gate_cls, rng):
    angles = rng.uniform(-4, 4, size=(gate_cls.num_params, 3))
    for params in (angles[:, 0], angles):  # floats, then (B,) arrays
        gate = gate_cls(*params)
        np.testing.assert_allclose(gate.conjugate().matrix(), gate.matrix().conj(), atol=1e-14)


@each_parameterized_gate
def test_batched_matrix_equals_stacked_matrices(gate_cls, rng):
    batch = rng.uniform(-2 * np.pi, 2 * np.pi, (gate_cls.num_params, 4))
    stacked = np.stack([gate_cls(*column).matrix() for column in batch.T])
    batched = gate_cls(*batch).matrix()
    assert batched.shape == stacked.shape
    np.testing.assert_allclose(batched, stacked, atol=1e-14)


@pytest.mark.parametrize(
    "gate_cls", [c for c in PARAMETERIZED if c.num_params > 1], ids=lambda c: c.name
)
def test_batched_matrix_broadcasts_scalar_parameters(gate_cls, rng):
    values = [0.3 + i for i in range(gate_cls.num_params)]
    column = np.array([0.1, -1.2, 2.5])
    batched = gate_cls(column, *values[1:]).matrix()
    stacked = np.stack([gate_cls(v, *values[1:]).matrix() for v in column])
    np.testing.assert_allclose(batched, stacked, atol=1e-14)


@each_parameterized_gate
def test_batch_size_is_the_parameter_length(gate_cls):
    gate = gate_cls(*([np.zeros(5)] * gate_cls.num_params))
    assert gate.batch_size == 5
    assert gate_cls(*([0.5] * gate_cls.num_params)).batch_size is None


@each_parameterized_gate
def test_batched_inverse_is_stacked_conjugate_transposes(gate_cls, rng):
    batch = rng.uniform(-2 * np.pi, 2 * np.pi, (gate_cls.num_params, 3))
    inverse = gate_cls(*batch).inverse().matrix()
    expected = np.conj(np.swapaxes(gate_cls(*batch).matrix(), -1, -2))
    np.testing.assert_allclose(inverse, expected, atol=1e-12)


# -- apply -----------------------------------------------------------------------------------------


@each_gate
def test_apply_equals_qiskit_evolve_at_random_qubits(gate_cls, rng):
    for params in random_params(rng, gate_cls, count=4):
        n = int(rng.integers(gate_cls.num_qubits, 6))
        qubits = [int(q) for q in rng.permutation(n)[: gate_cls.num_qubits]]
        state = random_state(rng, n)
        expected = evolve(state, qiskit_matrix(gate_cls.name, params), qubits)
        gate_cls(*params).apply(state, qubits)
        np.testing.assert_allclose(state, expected, atol=1e-12)


@each_gate
def test_apply_on_a_batch_of_states_acts_on_each_row(gate_cls, rng):
    params = rng.uniform(-np.pi, np.pi, gate_cls.num_params)
    n = gate_cls.num_qubits + 1
    qubits = [int(q) for q in rng.permutation(n)[: gate_cls.num_qubits]]
    states = random_state(rng, n, batch=3)
    expected = [evolve(row, qiskit_matrix(gate_cls.name, params), qubits) for row in states]
    gate_cls(*params).apply(states, qubits)
    np.testing.assert_allclose(states, expected, atol=1e-12)


@each_parameterized_gate
def test_batched_apply_gives_each_row_its_own_parameters(gate_cls, rng):
    batch = rng.uniform(-np.pi, np.pi, (gate_cls.num_params, 3))
    n = gate_cls.num_qubits + 1
    qubits = [int(q) for q in rng.permutation(n)[: gate_cls.num_qubits]]
    states = random_state(rng, n, batch=3)
    expected = [
        evolve(row, qiskit_matrix(gate_cls.name, column), qubits)
        for row, column in zip(states, batch.T, strict=True)
    ]
    gate_cls(*batch).apply(states, qubits)
    np.testing.assert_allclose(states, expected, atol=1e-12)


@each_parameterized_gate
def test_batched_apply_refuses_a_state_batch_of_another_size(gate_cls):
    gate = gate_cls(*([np.zeros(3)] * gate_cls.num_params))
    states = np.zeros((2, 1 << gate_cls.num_qubits), dtype=np.complex128)
    with pytest.raises(ShapeError, match=r"batched over 3 samples.*\(2, "):
        gate.apply(states, list(range(gate_cls.num_qubits)))


# -- structure -------------------------------------------------------------------------------------


def test_the_design_s_diagonal_gates_declare_it():
    assert {name: STANDARD_GATES[name].structure for name in DIAGONAL} == dict.fromkeys(
        DIAGONAL, "diagonal"
    )


def test_the_design_s_permutation_gates_declare_it():
    assert {name: STANDARD_GATES[name].structure for name in PERMUTATION} == dict.fromkeys(
        PERMUTATION, "permutation"
    )


@each_gate
def test_diagonal_is_declared_exactly_when_qiskit_s_matrix_is_diagonal(gate_cls, rng):
    pattern = qiskit_pattern_matrix(gate_cls, rng)
    is_diagonal = np.count_nonzero(pattern - np.diag(np.diag(pattern)) > 1e-12) == 0
    assert (gate_cls.structure == "diagonal") == is_diagonal


@each_gate
def test_permutation_is_declared_exactly_when_qiskit_s_matrix_permutes(gate_cls, rng):
    # the identity is a permutation too, but declares itself diagonal
    matrices = [qiskit_matrix(gate_cls.name, p) for p in random_params(rng, gate_cls)]
    is_permutation = all(
        np.allclose(m, np.abs(m) > 0.5)
        and np.allclose(m.sum(axis=0), 1)
        and not np.allclose(m, np.eye(len(m)))
        for m in matrices
    )
    assert (gate_cls.structure == "permutation") == is_permutation


@pytest.mark.parametrize(
    "gate_cls", [c for c in GATE_CLASSES if c.structure == "diagonal"], ids=lambda c: c.name
)
def test_diagonal_agrees_with_the_matrix(gate_cls, rng):
    for gate in random_gates(rng, gate_cls):
        np.testing.assert_allclose(gate.diagonal(), np.diag(gate.matrix()), atol=1e-14)


@pytest.mark.parametrize(
    "gate_cls", [c for c in PARAMETERIZED if c.structure == "diagonal"], ids=lambda c: c.name
)
def test_batched_diagonal_has_one_row_per_sample(gate_cls):
    column = np.array([0.1, 0.2, 0.3, 0.4])
    diagonal = gate_cls(column).diagonal()
    expected = np.stack([gate_cls(v).diagonal() for v in column])
    np.testing.assert_allclose(diagonal, expected, atol=1e-14)


@pytest.mark.parametrize(
    "gate_cls", [c for c in GATE_CLASSES if c.structure == "permutation"], ids=lambda c: c.name
)
def test_permutation_agrees_with_qiskit_s_matrix(gate_cls):
    # new[i] = old[permutation[i]]: row i of the matrix has its 1 in column permutation[i]
    matrix = qiskit_matrix(gate_cls.name, [])
    assert list(gate_cls.permutation) == [int(np.argmax(row)) for row in np.abs(matrix)]


@pytest.mark.parametrize(
    "gate_cls", [c for c in GATE_CLASSES if c.structure != "diagonal"], ids=lambda c: c.name
)
def test_diagonal_of_a_non_diagonal_gate_is_refused(gate_cls):
    with pytest.raises(QmlError, match="not diagonal; use matrix"):
        gate_cls(*([0.2] * gate_cls.num_params)).diagonal()


# -- identity --------------------------------------------------------------------------------------


@each_gate
def test_gates_with_equal_parameters_are_equal_and_hash_alike(gate_cls):
    a, b = gate_cls(*([0.25] * gate_cls.num_params)), gate_cls(*([0.25] * gate_cls.num_params))
    assert a == b
    assert hash(a) == hash(b)


@each_parameterized_gate
def test_gates_with_different_parameters_differ(gate_cls):
    assert gate_cls(*([0.25] * gate_cls.num_params)) != gate_cls(*([0.5] * gate_cls.num_params))


@each_parameterized_gate
def test_batched_gates_compare_by_their_arrays(gate_cls):
    column = np.array([0.1, 0.2])
    same = [np.array([0.1, 0.2])] * gate_cls.num_params
    assert gate_cls(*([column] * gate_cls.num_params)) == gate_cls(*same)
    assert gate_cls(*([column] * gate_cls.num_params)) != gate_cls(*([0.1] * gate_cls.num_params))


def test_different_gate_types_are_never_equal():
    gates = [cls(*([0.3] * cls.num_params)) for cls in GATE_CLASSES]
    for i, a in enumerate(gates):
        for b in gates[i + 1 :]:
            assert a != b


@each_gate
def test_repr_evaluates_to_an_equal_gate(gate_cls, rng):
    namespace = {name: getattr(qml.gates, name) for name in qml.gates.__all__}
    for gate in random_gates(rng, gate_cls, 3):
        assert eval(repr(gate), namespace) == gate


def test_repr_of_a_symbolic_gate_shows_the_expression():
    theta = Parameter("θ")
    assert repr(qml.gates.RX(2 * theta + 1)) == "RX(2*θ + 1)"


def test_aliases_are_the_same_classes():
    g = qml.gates
    assert (g.CNOT, g.P, g.CP, g.Toffoli, g.Fredkin) == (g.CX, g.Phase, g.CPhase, g.CCX, g.CSWAP)


def test_standard_gates_are_the_design_s_list():
    design = (
        "I H X Y Z S Sdg T Tdg SX SXdg RX RY RZ Phase U CX CY CZ CH SWAP iSWAP CRX CRY CRZ "
        "CPhase CU RXX RYY RZZ RZX ECR CCX CCZ CSWAP"
    ).split()
    assert [cls.__name__ for cls in GATE_CLASSES] == design


# -- parameters -----------------------------------------------------------------------------------


@each_parameterized_gate
def test_a_symbolic_gate_has_no_matrix_until_bound(gate_cls):
    theta = Parameter("θ")
    gate = gate_cls(*([theta] * gate_cls.num_params))
    assert gate.is_parameterized
    with pytest.raises(UnboundParameterError, match=r"unbound parameter.*θ.*assign_parameters"):
        gate.matrix()
    bound = gate.bind({theta: 0.4})
    np.testing.assert_allclose(
        bound.matrix(), qiskit_matrix(gate_cls.name, [0.4] * gate_cls.num_params), atol=1e-12
    )


@each_parameterized_gate
def test_a_gate_of_an_expression_binds_to_its_value(gate_cls):
    theta = Parameter("θ")
    gate = gate_cls(*([2 * theta + 1] * gate_cls.num_params)).bind({theta: 0.25})
    assert gate == gate_cls(*([1.5] * gate_cls.num_params))


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (float("nan"), ValueError, "non-finite"),
        (float("inf"), ValueError, "non-finite"),
        (1j, TypeError, "complex parameter"),
        (True, TypeError, "boolean"),
        ("0.5", TypeError, "expected a float, an array of shape"),
        (np.zeros((2, 2)), ValueError, r"shape \(B,\); got shape \(2, 2\)"),
        (np.array([0.1, np.nan]), ValueError, "non-finite"),
    ],
    ids=["nan", "inf", "complex", "bool", "str", "2d-array", "nan-in-batch"],
)
def test_a_bad_parameter_is_refused_with_advice(value, error, message):
    with pytest.raises(QmlError, match=message) as caught:
        qml.gates.RX(value)
    assert isinstance(caught.value, error)


def test_a_wrong_number_of_parameters_is_refused():
    with pytest.raises(QmlError, match=r"U takes 3 parameter\(s\), got 1") as caught:
        qml.gates.U(0.1)
    assert isinstance(caught.value, TypeError)


def test_batched_parameters_of_different_lengths_are_refused():
    gate = qml.gates.U(np.zeros(2), np.zeros(3), 0.0)
    with pytest.raises(ShapeError, match=r"different lengths \[2, 3\]"):
        _ = gate.batch_size


# -- qubits ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qubits", "error"),
    [
        ([0, 3], QubitIndexError),
        ([-1, 0], QubitIndexError),
        ([1, 1], QubitError),
        ([0], QubitError),
        ([0, 1, 2], QubitError),
        ([0, 1.0], QubitError),
        ([0, True], QubitError),
    ],
    ids=["out-of-range", "negative", "repeated", "too-few", "too-many", "float", "bool"],
)
def test_apply_refuses_bad_qubits(qubits, error):
    state = np.zeros(8, dtype=np.complex128)
    with pytest.raises(error):
        qml.gates.CX().apply(state, qubits)


# -- the trait's other facts --------------------------------------------------------------------


@each_parameterized_gate
def test_a_declared_generator_generates_the_matrix(gate_cls, rng):
    probe = gate_cls(*([0.1] * gate_cls.num_params))
    generator = probe.generator()
    if gate_cls.num_params > 1:
        assert generator is None  # gates of several angles decompose instead
        return
    assert generator is not None
    np.testing.assert_allclose(generator, generator.conj().T, atol=1e-15)
    for theta in rng.uniform(-2 * np.pi, 2 * np.pi, 4):
        expected = scipy.linalg.expm(-0.5j * theta * generator)
        np.testing.assert_allclose(gate_cls(theta).matrix(), expected, atol=1e-12)


@pytest.mark.parametrize(
    "gate_cls", [c for c in PARAMETERIZED if c.num_params > 1], ids=lambda c: c.name
)
def test_a_gate_of_several_angles_decomposes_exactly_into_one_angle_gates(gate_cls, rng):
    for params in random_params(rng, gate_cls, 4):
        gate = gate_cls(*params)
        product = np.eye(1 << gate.num_qubits, dtype=complex)
        for part, local in gate.decompose():
            assert part.num_params == 1 and part.generator() is not None
            full = qml.Circuit(gate.num_qubits).append(part, local)
            product = _unitary(full) @ product
        np.testing.assert_allclose(product, gate.matrix(), atol=1e-12)


def _unitary(circuit) -> np.ndarray:
    """The circuit's matrix, column j the state it prepares from basis state j (qiskit)."""
    from qiskit.quantum_info import Operator

    return Operator(circuit.to_qiskit()).data


@each_gate
def test_the_drawing_label_and_style_are_stated(gate_cls):
    assert gate_cls.draw_as in ("box", "control", "symmetric", "swap")
    if gate_cls.draw_as not in ("swap", "symmetric"):  # drawn as marks only
        assert gate_cls.label  # the text qiskit's drawings use, e.g. "Ry" or "√X"
    if gate_cls.draw_as == "control":
        assert gate_cls.num_controls > 0


# -- generic gates --------------------------------------------------------------------------------


@each_gate
def test_a_controlled_gate_equals_qiskit_s_controlled_gate(gate_cls, rng):
    params = rng.uniform(-np.pi, np.pi, gate_cls.num_params)
    for controls, state in [(1, 1), (2, 1), (3, 5)]:
        gate = qml.gates.Controlled(gate_cls(*params), controls, ctrl_state=state)
        reference = QISKIT_GATES[gate_cls.name](*params).control(
            controls, ctrl_state=state, annotated=False
        )
        np.testing.assert_allclose(gate.matrix(), Operator(reference).data, atol=1e-12)


def test_a_diagonal_gate_equals_qiskit_s_diagonal_gate(rng):
    from qiskit.circuit.library import DiagonalGate

    phases = np.exp(1j * rng.uniform(-np.pi, np.pi, 8))
    np.testing.assert_allclose(
        qml.gates.Diagonal(phases).matrix(), Operator(DiagonalGate(list(phases))).data, atol=1e-12
    )


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: qml.gates.Diagonal([1, 2]), "modulus 1"),
        (lambda: qml.gates.Diagonal([1, 1, 1]), "2\\*\\*k"),
        (lambda: qml.gates.Permutation([0, 0]), "exactly once"),
        (lambda: qml.gates.Permutation([0.0, 1.0]), "integers"),
        (lambda: qml.gates.Controlled(qml.gates.X(), 0), "positive"),
        (lambda: qml.gates.Controlled(qml.gates.X(), 2, ctrl_state=4), "0 to 3"),
        (lambda: qml.gates.Controlled("x"), "qml Gate"),
    ],
    ids=["not-unitary", "not-power-of-two", "repeat", "floats", "no-controls", "state", "str"],
)
def test_a_bad_generic_gate_is_refused_with_advice(make, error):
    with pytest.raises(QmlError, match=error):
        make()
