"""Which primitive the lowering picks, asked of the gate's facts, never of its name.

Correctness of every choice is checked elsewhere (native against numpy and qiskit on
random circuits); these pin down that structured gates get their cheap primitives.
"""

from __future__ import annotations

import numpy as np
import pytest

from qml.gates import (
    CCX,
    CCZ,
    CP,
    CRX,
    CRY,
    CRZ,
    CSWAP,
    CX,
    CZ,
    ECR,
    RX,
    RXX,
    RY,
    RYY,
    RZ,
    RZX,
    RZZ,
    SWAP,
    Controlled,
    Diagonal,
    Gate,
    H,
    I,
    Permutation,
    Phase,
    S,
    T,
    U,
    Unitary,
    X,
    Y,
    Z,
)  # fmt: skip
from qml.simulator import lowering as lw


def kinds(gate: Gate) -> list[int]:
    return [op.kind for op in lw.lower(gate, list(range(gate.num_qubits)))]


@pytest.mark.parametrize(
    ("gate", "kind"),
    [
        (I(), lw.NOP),
        (H(), lw.REAL1),
        (Y(), lw.MAT1),
        (X(), lw.SWAP),
        (CX(), lw.SWAP),
        (CCX(), lw.SWAP),
        (SWAP(), lw.SWAP),
        (CSWAP(), lw.SWAP),
        (Z(), lw.PHASE),
        (S(), lw.PHASE),
        (T(), lw.PHASE),
        (CZ(), lw.PHASE),
        (CCZ(), lw.PHASE),
        (RX(0.1), lw.RX),
        (CRX(0.1), lw.RX),
        (RY(0.1), lw.REAL1),
        (CRY(0.1), lw.REAL1),
        (RZ(0.1), lw.DIAG1),
        (CRZ(0.1), lw.DIAG1),
        (Phase(0.1), lw.PHASE),
        (CP(0.1), lw.PHASE),
        (RZZ(0.1), lw.PARITY),
        (RXX(0.1), lw.PAULI),
        (RYY(0.1), lw.PAULI),
        (RZX(0.1), lw.PAULI),
        (ECR(), lw.MATK),
        (U(0.1, 0.2, 0.3), lw.MAT1),
    ],
    ids=lambda value: getattr(value, "name", str(value)),
)
def test_standard_gates_get_their_structured_primitive(gate, kind):
    assert kinds(gate) == [kind]


def test_a_parameterized_gate_of_several_angles_is_a_matrix_per_call():
    from qml import Parameter

    (op,) = lw.lower(U(Parameter("a"), 0.2, 0.3), [0])
    assert (op.kind, op.source) == (lw.MAT1, lw.FROM_ROWS)


def test_a_many_controlled_x_is_a_swap_of_two_amplitudes_not_a_matrix():
    (op,) = lw.lower(Controlled(X(), 9, ctrl_state=0b101010101), list(range(10)))
    assert op.kind == lw.SWAP
    assert op.on == 0b101010101  # the controls in state 1; the others inserted as 0
    assert sorted(op.inserted) == list(range(10))


def test_a_controlled_rotation_with_open_controls_keeps_its_rotation_kind():
    (op,) = lw.lower(Controlled(RY(0.3), 2, ctrl_state=0b01), [0, 1, 2])
    assert op.kind == lw.REAL1 and op.source == lw.FROM_PHASE
    assert (op.on, op.t) == (0b001, 2)


def test_unitaries_that_are_diagonal_or_permutations_are_found_out():
    assert kinds(Unitary(np.diag([1, 1, 1, 1j]))) == [lw.PHASE]
    assert kinds(Unitary(np.diag([1, 1j]))) == [lw.PHASE]
    assert kinds(Unitary(np.diag([1j, -1j, 1, 1]))) == [lw.DIAG1]
    assert kinds(Unitary(np.eye(4)[[0, 1, 3, 2]])) == [lw.SWAP]
    assert kinds(Diagonal(np.exp(1j * np.arange(8)))) == [lw.DIAGK]
    assert kinds(Permutation([1, 2, 3, 0])) == [lw.PERMK]
    assert kinds(Permutation.of_qubits([1, 0])) == [lw.SWAP]
