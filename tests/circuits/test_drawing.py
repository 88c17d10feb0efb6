"""Text drawings: one small exact snapshot, the rest checks of structure."""

from __future__ import annotations

import re

import numpy as np
import pytest

from qml import Circuit, Parameter
from qml.gates import STANDARD_GATES

ONE_QUBIT = [cls for cls in STANDARD_GATES.values() if cls.num_qubits == 1]

BELL = """\
     ┌───┐
q_0: ┤ H ├──■───
     └───┘┌─┴─┐
q_1: ─────┤ X ├─
          └───┘"""


def box_label(drawing: str) -> str:
    """The text in the first gate box of a drawing."""
    return re.search(r"┤ *(.*?) *├", drawing).group(1)


def wire(drawing: str, q: int) -> str:
    """The text line of qubit ``q``'s wire."""
    return next(line for line in drawing.splitlines() if line.startswith(f"q_{q}: "))


def test_bell_circuit_drawing():
    assert Circuit(2).h(0).cx(0, 1).draw() == BELL


def test_str_is_the_drawing():
    c = Circuit(2).h(0).cx(0, 1)
    assert str(c) == c.draw()


def test_each_qubit_has_one_labelled_wire_with_qubit_0_on_top():
    lines = Circuit(4).h(0).x(3).draw().splitlines()
    labelled = [line[:5] for line in lines if line.startswith("q_")]
    assert labelled == ["q_0: ", "q_1: ", "q_2: ", "q_3: "]
    assert len(lines) == 2 * 4 + 1


def test_gates_are_drawn_on_their_wires_in_order():
    drawing = Circuit(2).h(0).x(0).y(1).draw()
    assert wire(drawing, 0).index("H") < wire(drawing, 0).index("X")
    assert "Y" in wire(drawing, 1) and "H" not in wire(drawing, 1)


def test_parameters_are_printed_like_qiskit():
    theta = Parameter("θ")
    drawing = Circuit(1).ry(np.pi / 2, 0).rx(theta, 0).rz(0.123456, 0).p(-np.pi, 0).draw()
    assert "Ry(π/2)" in drawing
    assert "Rx(θ)" in drawing
    assert "Rz(0.12346)" in drawing
    assert "P(-π)" in drawing


@pytest.mark.parametrize("gate_cls", ONE_QUBIT, ids=lambda cls: cls.name)
@pytest.mark.parametrize("value", [0.1234567, -np.pi / 4, 12.5, 1e-5], ids=str)
def test_one_qubit_gate_label_is_qiskit_s(gate_cls, value):
    c = Circuit(1).append(gate_cls(*([value] * gate_cls.num_params)), [0])
    qiskit_drawing = str(c.to_qiskit().draw(output="text"))
    assert box_label(c.draw()) == box_label(qiskit_drawing)


def test_a_control_is_a_dot_joined_to_its_target_box():
    drawing = Circuit(3).crx(0.5, 2, 0).draw()
    lines = drawing.splitlines()
    column = wire(drawing, 2).index("■")
    assert "Rx(0.5)" in wire(drawing, 0)
    assert all(lines[i][column] in "│┼┬┴" for i in range(2, 5))  # wire 1 is crossed


def test_swap_is_drawn_as_two_crosses():
    drawing = Circuit(2).swap(0, 1).draw()
    assert "X" in wire(drawing, 0) and "X" in wire(drawing, 1)
    assert "┌" not in drawing  # no box


def test_a_two_qubit_gate_box_numbers_its_qubits():
    drawing = Circuit(2).rzz(0.5, 1, 0).draw()  # the gate's qubit 0 is wire 1
    assert "0 Rzz(0.5)" in wire(drawing, 1)
    assert "1" in wire(drawing, 0) and "Rzz" not in wire(drawing, 0)


def test_unitary_is_drawn_with_its_label():
    assert "V" in Circuit(1).unitary(np.eye(2), [0], label="V").draw()


def test_measurements_are_drawn_last():
    drawing = Circuit(2).h(0).measure_all().draw()
    assert wire(drawing, 0).index("M") > wire(drawing, 0).index("H")
    assert "M" in wire(drawing, 1)


def test_global_phase_is_a_header():
    drawing = Circuit(1, global_phase=np.pi / 2).h(0).draw()
    assert drawing.splitlines()[0] == "global phase: π/2"


def test_independent_gates_share_a_column():
    one_layer = Circuit(2).h(0).h(1).draw()
    two_layers = Circuit(2).h(0).h(0).draw()
    assert len(wire(one_layer, 0)) < len(wire(two_layers, 0))


def test_a_long_circuit_folds_at_80_columns():
    c = Circuit(2)
    for _ in range(40):
        c.rx(0.123, 0).cx(0, 1)
    drawing = c.draw()
    assert max(len(line) for line in drawing.splitlines()) <= 80
    assert drawing.count("q_0: ") > 1  # more than one page


def test_a_circuit_of_no_qubits_says_so():
    assert Circuit(0).draw() == "(empty circuit: 0 qubits)"


def test_a_circuit_without_gates_draws_bare_wires():
    assert Circuit(2).draw().strip().splitlines() == ["q_0: ─", "", "q_1: ─"]
