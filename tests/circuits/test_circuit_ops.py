"""Whole-circuit operations: inverse, compose, depth, copy, equality, measurements.

qiskit's own ``inverse``, ``compose`` and ``depth`` on the converted circuit are
the reference.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from qiskit.quantum_info import Operator

from qml import Circuit, Parameter, QmlError
from qml.errors import QubitError, QubitIndexError, UnsupportedOperationError
from tests.strategies import PROPERTY_SETTINGS, circuits


def operator(circuit: Circuit) -> Operator:
    return Operator(circuit.to_qiskit())


@PROPERTY_SETTINGS
@given(circuits(max_qubits=4, max_gates=10))
def test_inverse_is_qiskit_s_inverse(circuit):
    np.testing.assert_allclose(
        operator(circuit.inverse()).data,
        Operator(circuit.to_qiskit().inverse()).data,
        atol=1e-10,
    )


def test_inverse_reverses_and_inverts_the_gates_and_negates_the_phase():
    theta = Parameter("θ")
    c = Circuit(2, global_phase=0.3).s(0).rx(theta, 1).cx(0, 1)
    assert c.inverse() == Circuit(2, global_phase=-0.3).cx(0, 1).rx(-theta, 1).sdg(0)


def test_inverse_of_a_measured_circuit_is_refused():
    with pytest.raises(UnsupportedOperationError, match="invert the circuit before adding measure"):
        Circuit(1).h(0).measure_all().inverse()


@PROPERTY_SETTINGS
@given(circuits(min_qubits=3, max_qubits=4, max_gates=6), circuits(max_qubits=3, max_gates=6))
def test_compose_is_qiskit_s_compose(first, second):
    qubits = list(range(first.num_qubits))[::-1][: second.num_qubits]
    expected = first.to_qiskit().compose(second.to_qiskit(), qubits)
    np.testing.assert_allclose(
        operator(first.compose(second, qubits)).data, Operator(expected).data, atol=1e-10
    )


def test_compose_in_front_puts_the_other_circuit_first():
    c = Circuit(2).h(0).compose(Circuit(1).x(0), [1], front=True)
    assert c == Circuit(2).x(1).h(0)


def test_compose_adds_the_global_phases():
    c = Circuit(2, global_phase=0.25).compose(Circuit(1, global_phase=0.5))
    assert c.global_phase == 0.75


def test_compose_leaves_both_circuits_unchanged():
    a, b = Circuit(2).h(0), Circuit(2).cx(0, 1)
    a.compose(b)
    assert (len(a), len(b)) == (1, 1)


def test_compose_of_a_wider_circuit_asks_for_qubits():
    with pytest.raises(QubitError, match=r"cannot compose a 2-qubit circuit onto 1 qubits; pass"):
        Circuit(1).compose(Circuit(2))


def test_compose_with_the_wrong_number_of_qubits_is_refused():
    with pytest.raises(QubitError, match=r"needs 2 qubit\(s\) for the other circuit, got 1"):
        Circuit(3).compose(Circuit(2), [0])


@PROPERTY_SETTINGS
@given(circuits(max_qubits=6, max_gates=20))
def test_depth_is_qiskit_s_depth(circuit):
    assert circuit.depth() == circuit.to_qiskit().depth()


def test_depth_counts_final_measurements_as_qiskit_does():
    c = Circuit(3).h(0).cx(0, 1).h(2).measure_all()
    assert c.depth() == c.to_qiskit().depth() == 3


def test_depth_of_an_empty_circuit_is_zero():
    assert Circuit(0).depth() == Circuit(3).depth() == 0


def test_copy_is_equal_and_independent():
    c = Circuit(2, global_phase=0.1).h(0).measure(0)
    copy = c.copy()
    copy.x(1)
    assert (len(c), len(copy), copy.measurements) == (1, 2, {0: 0})


def test_circuits_compare_by_gates_qubits_phase_and_measurements():
    base = Circuit(2).h(0).cx(0, 1)
    assert base == Circuit(2).h(0).cx(0, 1)
    assert base != Circuit(2).h(0).cx(1, 0)
    assert base != Circuit(2, global_phase=0.1).h(0).cx(0, 1)
    assert base != Circuit(2).h(0).cx(0, 1).measure(0)
    assert base != Circuit(3).h(0).cx(0, 1)


def test_global_phases_are_compared_modulo_2_pi():
    assert Circuit(1, global_phase=-np.pi) == Circuit(1, global_phase=np.pi)
    assert Circuit(1, global_phase=-0.3) == Circuit(1, global_phase=2 * np.pi - 0.3)
    assert Circuit(1, global_phase=0.3) != Circuit(1, global_phase=0.3 + 1e-9)


def test_count_ops_counts_gate_names_most_frequent_first():
    c = Circuit(2).h(0).cx(0, 1).h(1).rz(0.1, 0).h(0)
    assert list(c.count_ops().items()) == [("h", 3), ("cx", 1), ("rz", 1)]


def test_measure_records_final_measurements():
    c = Circuit(3).h(0).measure([0, 2], [1, 0])
    assert (c.measurements, c.num_clbits) == ({0: 1, 2: 0}, 2)
    assert Circuit(2).measure_all().measurements == {0: 0, 1: 1}


def test_a_gate_after_a_measurement_of_its_qubit_is_refused():
    with pytest.raises(UnsupportedOperationError, match=r"qubit 0 was already measured.*before"):
        Circuit(2).measure(0).cx(1, 0)


def test_a_gate_on_an_unmeasured_qubit_may_follow_a_measurement():
    assert len(Circuit(2).measure(0).h(1)) == 1


def test_measure_refuses_a_qubit_out_of_range():
    with pytest.raises(QubitIndexError, match=r"qubit -1 is out of range.* 0 to 1"):
        Circuit(2).measure(-1)


def test_circuit_sizes_must_be_non_negative_ints():
    with pytest.raises(QmlError, match="num_qubits must be >= 0"):
        Circuit(-1)
    with pytest.raises(QmlError, match="num_qubits must be an int") as caught:
        Circuit(2.0)
    assert isinstance(caught.value, TypeError)


def test_repr_summarises_the_circuit():
    assert (
        repr(Circuit(2).rx(Parameter("a"), 0).h(1)) == "<Circuit: 2 qubits, 2 gates, 1 parameters>"
    )
