"""Building circuits: one chaining method per standard gate, and ``append``."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import unitary_group

from qml import Circuit, Parameter, QmlError
from qml.circuits import Instruction
from qml.errors import QubitError, QubitIndexError
from qml.gates import CX, RY, STANDARD_GATES, H, Unitary

GATE_CLASSES = list(STANDARD_GATES.values())
each_gate = pytest.mark.parametrize("gate_cls", GATE_CLASSES, ids=lambda cls: cls.name)


@each_gate
def test_builder_appends_the_gate_on_the_given_qubits(gate_cls):
    params = [0.1 * (i + 1) for i in range(gate_cls.num_params)]
    qubits = list(range(gate_cls.num_qubits))[::-1]  # the last qubit first: order matters
    c = Circuit(gate_cls.num_qubits + 1)
    getattr(c, gate_cls.name)(*params, *qubits)
    assert c.instructions == (Instruction(gate_cls(*params), tuple(qubits)),)


@each_gate
def test_builder_returns_the_circuit_for_chaining(gate_cls):
    c = Circuit(gate_cls.num_qubits)
    args = [0.5] * gate_cls.num_params + list(range(gate_cls.num_qubits))
    assert getattr(c, gate_cls.name)(*args) is c


@each_gate
def test_builder_refuses_the_wrong_number_of_arguments_showing_usage(gate_cls):
    c = Circuit(4)
    with pytest.raises(QubitError, match=rf"c\.{gate_cls.name}\(.*qubit0.*\); got 0 argument"):
        getattr(c, gate_cls.name)()


def test_a_chain_builds_the_gates_in_order():
    theta = Parameter("θ")
    c = Circuit(3).h(0).cx(0, 1).ry(theta, 2).u(0.1, 0.2, 0.3, 1).cu(1, 2, 3, 4, 2, 0)
    assert [(g.name, q) for g, q in c] == [
        ("h", (0,)),
        ("cx", (0, 1)),
        ("ry", (2,)),
        ("u", (1,)),
        ("cu", (2, 0)),
    ]
    assert c[2].gate == RY(theta)


def test_alias_builders_make_the_same_gates():
    aliases = Circuit(3).cnot(0, 1).toffoli(0, 1, 2).fredkin(2, 0, 1)
    names = Circuit(3).cx(0, 1).ccx(0, 1, 2).cswap(2, 0, 1)
    assert aliases == names


def test_a_list_of_qubits_applies_the_gate_to_each():
    c = Circuit(3).h(range(3)).cx([0, 1], [1, 2]).rz(0.5, [2, 0])
    assert [(g.name, q) for g, q in c] == [
        ("h", (0,)),
        ("h", (1,)),
        ("h", (2,)),
        ("cx", (0, 1)),
        ("cx", (1, 2)),
        ("rz", (2,)),
        ("rz", (0,)),
    ]


def test_qubit_lists_of_different_lengths_are_refused():
    with pytest.raises(QubitError, match=r"different lengths \[2, 3\]"):
        Circuit(3).cx([0, 1], [1, 2, 0])


def test_unitary_builder_appends_a_unitary_gate():
    matrix = unitary_group.rvs(4, random_state=3)
    c = Circuit(3).unitary(matrix, [2, 0], label="V")
    gate, qubits = c[0]
    assert (type(gate), qubits, gate.label) == (Unitary, (2, 0), "V")
    np.testing.assert_array_equal(gate.matrix(), matrix)


def test_append_takes_a_gate_and_its_qubits_and_returns_the_circuit():
    c = Circuit(3)
    assert c.append(RY(0.3), [2]) is c
    assert c.append(CX(), (2, 0)) is c
    assert c.instructions == (Instruction(RY(0.3), (2,)), Instruction(CX(), (2, 0)))


def test_append_takes_a_single_int_qubit_and_a_gate_class():
    c = Circuit(2).append(H, 1).append(H(), np.int64(0))
    assert c.instructions == (Instruction(H(), (1,)), Instruction(H(), (0,)))


def test_append_refuses_what_is_not_a_gate():
    with pytest.raises(QmlError, match=r"append\(\) needs a qml Gate, got str") as caught:
        Circuit(1).append("h", [0])
    assert isinstance(caught.value, TypeError)


def test_builder_refuses_a_qubit_out_of_range_saying_the_valid_range():
    with pytest.raises(
        QubitIndexError, match=r"qubit 2 is out of range .* valid indices are 0 to 1"
    ):
        Circuit(2).h(2)


def test_len_counts_the_gates():
    assert len(Circuit(2)) == 0
    assert len(Circuit(2).h(0).cx(0, 1).measure_all()) == 2
