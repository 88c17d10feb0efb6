"""``Circuit.to_qiskit`` and ``Circuit.from_qiskit``.

The reference for every state is qiskit's ``Statevector`` of the qiskit circuit,
global phase included.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import AnnotatedOperation, library
from qiskit.circuit import Parameter as QiskitParameter
from qiskit.circuit import ParameterVector as QiskitParameterVector
from qiskit.circuit.annotated_operation import ControlModifier, InverseModifier, PowerModifier
from qiskit.circuit.library import zz_feature_map
from qiskit.quantum_info import Operator, SparsePauliOp
from scipy.stats import unitary_group

import qml
from qml import Circuit, Parameter, ParameterVector, QmlError
from qml.errors import NotUnitaryError, ParameterError, UnsupportedOperationError
from qml.gates import CP, CU, STANDARD_GATES, Phase, U, Unitary
from tests.reference import QISKIT_GATES, statevector
from tests.strategies import PROPERTY_SETTINGS, circuits

GATE_CLASSES = list(STANDARD_GATES.values())
each_gate = pytest.mark.parametrize("gate_cls", GATE_CLASSES, ids=lambda cls: cls.name)


def assert_same_state(circuit: Circuit, qc: QuantumCircuit, params=None) -> None:
    np.testing.assert_allclose(qml.simulate(circuit, params), statevector(qc), atol=1e-10)


# -- to_qiskit -----------------------------------------------------------------------------------


@each_gate
def test_to_qiskit_makes_qiskit_s_gate_of_the_same_name(gate_cls):
    params = [0.1 * (i + 1) for i in range(gate_cls.num_params)]
    qubits = list(range(gate_cls.num_qubits))[::-1]
    qc = Circuit(gate_cls.num_qubits).append(gate_cls(*params), qubits).to_qiskit()
    (instruction,) = qc.data
    assert isinstance(instruction.operation, QISKIT_GATES[gate_cls.name])
    assert [float(p) for p in instruction.operation.params] == params
    assert [qc.find_bit(q).index for q in instruction.qubits] == qubits


def test_to_qiskit_keeps_global_phase_and_measurements():
    qc = Circuit(2, global_phase=0.7).h(0).measure([0, 1], [1, 0]).to_qiskit()
    assert qc.global_phase == pytest.approx(0.7)
    measured = [
        (qc.find_bit(i.qubits[0]).index, qc.find_bit(i.clbits[0]).index)
        for i in qc.data
        if i.operation.name == "measure"
    ]
    assert measured == [(0, 1), (1, 0)]


def test_to_qiskit_keeps_parameter_names_and_vectors():
    theta, x = Parameter("θ"), ParameterVector("x", 2)
    qc = Circuit(2).rx(theta, 0).ry(x[1], 1).rz(x[0], 0).to_qiskit()
    assert sorted(p.name for p in qc.parameters) == ["x[0]", "x[1]", "θ"]
    assert {type(p).__name__ for p in qc.parameters} == {"Parameter", "ParameterVectorElement"}


def test_to_qiskit_writes_unitary_as_a_unitary_gate():
    matrix = unitary_group.rvs(4, random_state=1)
    (instruction,) = Circuit(2).unitary(matrix, [1, 0]).to_qiskit().data
    assert isinstance(instruction.operation, library.UnitaryGate)
    np.testing.assert_allclose(instruction.operation.to_matrix(), matrix)


class _SqrtSwap(qml.gates.Gate):
    """A user's gate qiskit has no class for."""

    name, num_qubits = "sqrt_swap", 2
    fixed_matrix = np.array(
        [[1, 0, 0, 0], [0, (1 + 1j) / 2, (1 - 1j) / 2, 0], [0, (1 - 1j) / 2, (1 + 1j) / 2, 0],
         [0, 0, 0, 1]]
    )  # fmt: skip


class _Givens(qml.gates.Gate):
    name, num_qubits, num_params = "givens", 2, 1

    def _matrix(self, theta):
        return Unitary(np.eye(4)).matrix() * np.cos(theta)  # only its symbolic use matters


def test_to_qiskit_writes_a_user_gate_as_its_matrix():
    circuit = Circuit(3).h(0).append(_SqrtSwap(), [0, 2])
    qc = circuit.to_qiskit()
    assert qc.data[1].operation.name == "unitary"
    assert qc.data[1].operation.label == "sqrt_swap"
    assert_same_state(circuit, qc)


def test_to_qiskit_refuses_an_unbound_user_gate_with_advice():
    circuit = Circuit(2).append(_Givens(Parameter("t")), [0, 1])
    with pytest.raises(UnsupportedOperationError, match="bind its parameters"):
        circuit.to_qiskit()


def test_to_qiskit_refuses_batched_parameters_with_advice():
    with pytest.raises(QmlError, match=r"batched.*one sample at a time"):
        Circuit(1).rx(np.array([0.1, 0.2]), 0).to_qiskit()


# -- from_qiskit: gates ----------------------------------------------------------------------------


@each_gate
def test_from_qiskit_maps_each_standard_gate_to_the_qml_gate(gate_cls):
    params = [0.1 * (i + 1) for i in range(gate_cls.num_params)]
    qubits = list(range(gate_cls.num_qubits))[::-1]
    qc = QuantumCircuit(gate_cls.num_qubits)
    qc.append(QISKIT_GATES[gate_cls.name](*params), qubits)
    assert Circuit.from_qiskit(qc).instructions == ((gate_cls(*params), tuple(qubits)),)


@pytest.mark.parametrize(
    ("qiskit_gate", "expected"),
    [
        (library.U1Gate(0.3), Phase(0.3)),
        (library.U2Gate(0.3, 0.4), U(np.pi / 2, 0.3, 0.4)),
        (library.U3Gate(0.2, 0.3, 0.4), U(0.2, 0.3, 0.4)),
        (library.CU1Gate(0.3), CP(0.3)),
        (library.CU3Gate(0.2, 0.3, 0.4), CU(0.2, 0.3, 0.4, 0.0)),
    ],
    ids=["u1", "u2", "u3", "cu1", "cu3"],
)
def test_from_qiskit_maps_legacy_gates_to_their_settings(qiskit_gate, expected):
    qc = QuantumCircuit(qiskit_gate.num_qubits)
    qc.append(qiskit_gate, range(qiskit_gate.num_qubits))
    (instruction,) = Circuit.from_qiskit(qc).instructions
    assert instruction.gate == expected
    np.testing.assert_allclose(expected.matrix(), qiskit_gate.to_matrix(), atol=1e-12)


def test_from_qiskit_turns_a_unitary_gate_into_unitary():
    matrix = unitary_group.rvs(4, random_state=5)
    qc = QuantumCircuit(3)
    qc.h(1)
    qc.append(library.UnitaryGate(matrix), [2, 0])
    c = Circuit.from_qiskit(qc)
    gate, qubits = c[1]
    assert (type(gate), qubits) == (Unitary, (2, 0))
    np.testing.assert_allclose(gate.matrix(), matrix)
    assert_same_state(c, qc)


@pytest.mark.filterwarnings("ignore::scipy.sparse.SparseEfficiencyWarning")
def test_from_qiskit_uses_a_gate_s_matrix_over_its_approximate_definition():
    # PauliEvolutionGate's definition is one Trotter step; its matrix is exact, as in Operator
    evolution = library.PauliEvolutionGate(SparsePauliOp(["XXI", "ZIY"], [0.3, 0.5]), time=0.7)
    qc = QuantumCircuit(3)
    qc.h([0, 1, 2])
    qc.append(evolution, [0, 1, 2])
    assert_same_state(Circuit.from_qiskit(qc), qc)


def test_from_qiskit_handles_open_controls():
    qc = QuantumCircuit(3)
    qc.h([0, 1, 2])
    qc.cx(0, 1, ctrl_state=0)
    qc.append(library.RYGate(0.4).control(1, ctrl_state=0, annotated=False), [2, 0])
    qc.append(library.CCXGate(ctrl_state="01"), [2, 0, 1])
    qc.append(library.RZGate(0.9).control(2, ctrl_state="10", annotated=False), [0, 2, 1])
    assert_same_state(Circuit.from_qiskit(qc), qc)


def test_from_qiskit_handles_annotated_operations():
    # what gate.control() returns by default from qiskit 3 on
    modifiers = [
        InverseModifier(),
        ControlModifier(1, 0),
        ControlModifier(2, 1),
        PowerModifier(0.5),
    ]
    qc = QuantumCircuit(4)
    qc.h(range(4))
    qc.ry(0.3, 1)
    qc.append(library.RYGate(0.4).control(2, ctrl_state="01", annotated=True), [0, 1, 2])
    qc.append(AnnotatedOperation(library.SGate(), modifiers), [3, 0, 2, 1])
    assert_same_state(Circuit.from_qiskit(qc), qc)


def test_annotated_operations_keep_their_parameters():
    t = QiskitParameter("t")
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.append(library.RZGate(t).control(1, annotated=True), [0, 1])
    c = Circuit.from_qiskit(qc)
    assert [p.name for p in c.parameters] == ["t"]
    assert_same_state(c, qc.assign_parameters([0.7]), params=[0.7])


def test_from_qiskit_keeps_open_controlled_parameters_symbolic():
    theta = QiskitParameter("θ")
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.append(library.CRYGate(theta, ctrl_state=0), [0, 1])
    c = Circuit.from_qiskit(qc)
    assert [p.name for p in c.parameters] == ["θ"]
    assert_same_state(c, qc.assign_parameters([0.7]), params=[0.7])


def test_an_open_controlled_gate_does_not_become_the_closed_one():
    qc = QuantumCircuit(2)
    qc.cx(0, 1, ctrl_state=0)
    gate, _ = Circuit.from_qiskit(qc)[0]
    assert gate.name != "cx"


# -- from_qiskit: structure ------------------------------------------------------------------------


def test_from_qiskit_keeps_the_global_phase():
    qc = QuantumCircuit(1, global_phase=0.4)
    qc.h(0)
    c = Circuit.from_qiskit(qc)
    assert c.global_phase == pytest.approx(0.4)
    assert_same_state(c, qc)


def test_from_qiskit_keeps_a_global_phase_gate():
    qc = QuantumCircuit(1)
    qc.h(0)
    qc.append(library.GlobalPhaseGate(0.25), [])
    assert_same_state(Circuit.from_qiskit(qc), qc)


def test_from_qiskit_decomposes_instructions_and_gates_with_their_phases():
    sub = QuantumCircuit(2, global_phase=0.7)
    sub.h(0)
    sub.cx(0, 1)
    sub.rz(0.3, 1)
    qc = QuantumCircuit(3, global_phase=0.1)
    qc.append(sub.to_instruction(), [2, 0])
    qc.append(sub.to_gate(), [0, 1])
    c = Circuit.from_qiskit(qc)
    assert {gate.name for gate, _ in c} == {"h", "cx", "rz"}
    assert c.global_phase == pytest.approx(0.1 + 0.7 + 0.7)
    assert_same_state(c, qc)


def test_from_qiskit_decomposes_nested_composites():
    inner = QuantumCircuit(1, global_phase=0.2)
    inner.sx(0)
    middle = QuantumCircuit(2, global_phase=-0.5)
    middle.append(inner.to_gate(), [1])
    middle.cz(0, 1)
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.append(middle.to_instruction(), [1, 0])
    assert_same_state(Circuit.from_qiskit(qc), qc)


def test_from_qiskit_decomposes_a_parameterized_composite():
    a = QiskitParameter("a")
    sub = QuantumCircuit(1, global_phase=a)
    sub.rx(2 * a, 0)
    qc = QuantumCircuit(1)
    qc.append(sub.to_gate(), [0])
    c = Circuit.from_qiskit(qc)
    assert [p.name for p in c.parameters] == ["a"]
    assert_same_state(c, qc.assign_parameters([0.4]), params=[0.4])


def test_from_qiskit_decomposes_library_circuits():
    qc = QuantumCircuit(5)
    qc.h(range(5))
    qc.append(library.QFTGate(5), range(5))
    qc.append(library.MCXGate(3, ctrl_state=5), [0, 1, 4, 2])
    qc.append(library.StatePreparation(np.ones(4) / 2), [3, 4])
    assert_same_state(Circuit.from_qiskit(qc), qc)


def test_a_user_gate_named_like_a_standard_gate_follows_its_definition():
    sub = QuantumCircuit(1)
    sub.x(0)
    gate = sub.to_gate()
    gate.name = "h"  # not a Hadamard: gates are matched by class, not by name
    qc = QuantumCircuit(1)
    qc.append(gate, [0])
    assert Circuit.from_qiskit(qc) == Circuit(1).x(0)


def test_a_wide_library_gate_keeps_its_structure_and_is_never_made_dense():
    qc = QuantumCircuit(13)
    qc.x(range(12))
    qc.append(library.MCXGate(12), range(13))
    c = Circuit.from_qiskit(qc)
    assert not any(isinstance(gate, Unitary) for gate, _ in c)
    assert c[-1].gate.structure == "permutation"  # a controlled X: a swap of two amplitudes
    assert_same_state(c, qc)


def test_from_qiskit_skips_barriers():
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.barrier()
    qc.cx(0, 1)
    assert Circuit.from_qiskit(qc) == Circuit(2).h(0).cx(0, 1)


def test_from_qiskit_keeps_final_measurements():
    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.barrier()
    qc.measure([0, 1], [1, 0])
    c = Circuit.from_qiskit(qc)
    assert c.measurements == {0: 1, 1: 0}
    assert_same_state(c, qc)


def test_from_qiskit_uses_global_bit_indices_across_registers():
    qa, qb, ca, cb = (
        QuantumRegister(1, "a"),
        QuantumRegister(2, "b"),
        *map(ClassicalRegister, (1, 2)),
    )
    qc = QuantumCircuit(qa, qb, ca, cb)
    qc.h(qb[1])
    qc.cx(qb[1], qa[0])
    qc.measure(qa[0], cb[0])
    c = Circuit.from_qiskit(qc)
    assert [(g.name, q) for g, q in c] == [("h", (2,)), ("cx", (2, 0))]
    assert c.measurements == {0: 1}


def test_from_qiskit_refuses_a_mid_circuit_measurement_naming_the_instruction():
    qc = QuantumCircuit(1, 1)
    qc.h(0)
    qc.measure(0, 0)
    qc.x(0)
    with pytest.raises(UnsupportedOperationError, match="instruction 'x' acts on qubit 0 after"):
        Circuit.from_qiskit(qc)


def test_from_qiskit_refuses_reset_naming_it():
    qc = QuantumCircuit(1)
    qc.h(0)
    qc.reset(0)
    with pytest.raises(NotUnitaryError, match=r"'reset' is not unitary.*Remove it") as caught:
        Circuit.from_qiskit(qc)
    assert isinstance(caught.value, QmlError)


def test_from_qiskit_names_a_non_unitary_instruction_inside_a_composite():
    qc = QuantumCircuit(2)
    qc.initialize([0, 1, 0, 0], [0, 1])
    with pytest.raises(NotUnitaryError, match="'reset inside initialize'"):
        Circuit.from_qiskit(qc)


def test_from_qiskit_refuses_classical_control():
    qc = QuantumCircuit(2, 1)
    qc.h(0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.x(1)
    with pytest.raises(QmlError, match="if_else"):
        Circuit.from_qiskit(qc)


def test_from_qiskit_refuses_what_is_not_a_qiskit_circuit():
    with pytest.raises(QmlError, match="needs a qiskit QuantumCircuit, got Circuit") as caught:
        Circuit.from_qiskit(Circuit(1))
    assert isinstance(caught.value, TypeError)


# -- parameters across the boundary ----------------------------------------------------------------


def test_an_affine_expression_survives_the_round_trip_with_its_name():
    theta = QiskitParameter("θ")
    qc = QuantumCircuit(1)
    qc.rx(2 * theta + 1, 0)
    c = Circuit.from_qiskit(qc)
    (p,) = c.parameters
    assert p.name == "θ"
    assert c[0].gate.params[0].affine() == (p, 2.0, 1.0)
    back = c.to_qiskit()
    assert [q.name for q in back.parameters] == ["θ"]
    bound = back.assign_parameters([0.3])
    assert float(bound.data[0].operation.params[0]) == pytest.approx(1.6)


def test_a_parameterized_global_phase_survives_the_round_trip():
    theta = QiskitParameter("θ")
    qc = QuantumCircuit(1, global_phase=theta / 2)
    qc.rx(theta, 0)
    c = Circuit.from_qiskit(qc)
    assert Circuit.from_qiskit(c.to_qiskit()) == c
    assert_same_state(c, qc.assign_parameters([0.9]), params=[0.9])


def test_zz_feature_map_round_trips_with_its_names():
    feature_map = zz_feature_map(3, reps=2)
    c = Circuit.from_qiskit(feature_map)
    assert [p.name for p in c.parameters] == ["x[0]", "x[1]", "x[2]"]
    back = c.to_qiskit()
    assert [p.name for p in back.parameters] == ["x[0]", "x[1]", "x[2]"]
    assert Circuit.from_qiskit(back) == c
    x = np.array([0.1, 0.7, -0.4])
    assert_same_state(c, feature_map.assign_parameters(x), params=x)


def test_qiskit_parameter_vectors_become_vector_elements():
    w = QiskitParameterVector("w", 3)
    qc = QuantumCircuit(2)
    qc.ry(w[2], 0)
    qc.rx(w[0] * w[1], 1)
    c = Circuit.from_qiskit(qc)
    assert [(p.name, p.vector_name, p.index) for p in c.parameters] == [
        ("w[2]", "w", 2),
        ("w[0]", "w", 0),
        ("w[1]", "w", 1),
    ]


@pytest.mark.parametrize("name", ["a_1", "x1", "my param", "a+b", "2x", "π", "pi", "e"])
def test_awkward_parameter_names_survive(name):
    other = QiskitParameter("a")
    p = QiskitParameter(name)
    qc = QuantumCircuit(1)
    qc.rx(2 * p - other, 0)
    c = Circuit.from_qiskit(qc)
    by_name = {q.name: q for q in c.parameters}
    assert set(by_name) == {name, "a"}
    values = {by_name[name]: 0.3, by_name["a"]: 0.1}
    assert_same_state(c, qc.assign_parameters({p: 0.3, other: 0.1}), params=values)


def test_round_trip_returns_the_same_parameter_objects():
    theta, x = Parameter("θ"), ParameterVector("x", 2)
    c = Circuit(2).rx(theta * x[1], 0).ry(x[0], 1)
    assert Circuit.from_qiskit(c.to_qiskit()).parameters == c.parameters


def test_a_non_polynomial_expression_is_refused_with_advice():
    p = QiskitParameter("p")
    qc = QuantumCircuit(1)
    qc.rx(p.sin(), 0)
    with pytest.raises(ParameterError, match=r"not a polynomial.*bind those parameters"):
        Circuit.from_qiskit(qc)


# -- properties ----------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(circuits(max_qubits=6, generic=False))
def test_from_qiskit_of_to_qiskit_is_the_same_circuit(circuit):
    assert Circuit.from_qiskit(circuit.to_qiskit()) == circuit


@PROPERTY_SETTINGS
@given(circuits(max_qubits=5))
def test_from_qiskit_of_to_qiskit_keeps_the_operator_of_generic_gates(circuit):
    # a controlled RZ comes back as qiskit's CRZ, a qml CRZ: the same operator, phase and all
    np.testing.assert_allclose(
        Operator(Circuit.from_qiskit(circuit.to_qiskit()).to_qiskit()).data,
        Operator(circuit.to_qiskit()).data,
        atol=1e-10,
    )


@PROPERTY_SETTINGS
@given(circuits(max_qubits=4, max_gates=10))
def test_to_qiskit_has_the_same_operator(circuit):
    np.testing.assert_allclose(
        Operator(circuit.to_qiskit()).data,
        _operator_from_qiskit_gates(circuit),
        atol=1e-10,
    )


def _operator_from_qiskit_gates(circuit: Circuit) -> np.ndarray:
    """The circuit's operator built from qiskit's own gate classes, gate by gate."""
    qc = QuantumCircuit(circuit.num_qubits, global_phase=float(circuit.global_phase))
    for gate, qubits in circuit:
        if type(gate) is STANDARD_GATES.get(gate.name):
            qc.append(QISKIT_GATES[gate.name](*gate.params), qubits)
        else:  # Unitary and the generic gates: their matrices (checked against qiskit apart)
            qc.append(library.UnitaryGate(gate.matrix()), qubits)
    return Operator(qc).data
