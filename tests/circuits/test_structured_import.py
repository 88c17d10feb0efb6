"""qiskit gates that keep their structure on import, and QASM-defined gates built once.

Oracles: qiskit's ``Statevector`` and ``Operator`` of the same circuits. The MQT Bench
circuits in ``data/mqt`` (MIT licence, see its LICENSE) were generated with mqt.bench 2.3:
amplitude estimation on 12 qubits (QPY, for its controlled unitaries and 11-qubit
permutation) and Grover on 9 and 10 qubits (OpenQASM 2, whose defined gates span 10 qubits).
"""

from __future__ import annotations

import pathlib

import numpy as np
import pytest
from qiskit import QuantumCircuit, qasm2, qpy
from qiskit.circuit import library
from qiskit.quantum_info import Operator, Statevector
from scipy.stats import unitary_group

import qml
from qml import Circuit
from qml.gates import Controlled, Diagonal, Permutation, Unitary
from tests.reference import statevector

DATA = pathlib.Path(__file__).parent / "data" / "mqt"


def assert_same_state(circuit: Circuit, qc: QuantumCircuit) -> None:
    np.testing.assert_allclose(qml.simulate(circuit), statevector(qc), atol=1e-10)


def prepared(num_qubits: int, seed: int = 0) -> QuantumCircuit:
    """A random product state, so that every basis state has weight."""
    rng = np.random.default_rng(seed)
    qc = QuantumCircuit(num_qubits)
    for q in range(num_qubits):
        qc.u(*rng.uniform(-np.pi, np.pi, 3), q)
    return qc


def test_an_eleven_qubit_permutation_gate_imports_as_a_permutation():
    pattern = list(np.random.default_rng(1).permutation(11))
    qc = prepared(11)
    qc.append(library.PermutationGate(pattern), range(11))
    circuit = Circuit.from_qiskit(qc)
    assert isinstance(circuit[-1].gate, Permutation)
    assert_same_state(circuit, qc)


def test_permutation_of_qubits_equals_qiskit_s_permutation_gate():
    pattern = [2, 0, 3, 1]
    gate = Permutation.of_qubits(pattern)
    np.testing.assert_allclose(
        gate.matrix(), Operator(library.PermutationGate(pattern)).data, atol=1e-15
    )


def test_a_diagonal_gate_imports_as_a_diagonal():
    phases = np.exp(1j * np.random.default_rng(2).uniform(-3, 3, 8))
    qc = prepared(4)
    qc.append(library.DiagonalGate(list(phases)), [3, 0, 2])
    circuit = Circuit.from_qiskit(qc)
    assert isinstance(circuit[-1].gate, Diagonal)
    assert_same_state(circuit, qc)


@pytest.mark.parametrize(
    "make",
    [
        lambda: library.MCXGate(5),
        lambda: library.MCXGate(4, ctrl_state="0110"),
        lambda: library.HGate().control(3, ctrl_state=5, annotated=False),
        lambda: library.RYGate(0.7).control(2, annotated=False),
        lambda: library.MCPhaseGate(0.3, 4),
        lambda: library.UnitaryGate(unitary_group.rvs(4, random_state=3)).control(
            2, annotated=False
        ),
        lambda: library.SwapGate().control(2, ctrl_state=1, annotated=False),
    ],
    ids=["mcx", "mcx-open", "ch-open", "ccry", "mcphase", "c-unitary", "cswap-open"],
)
def test_controlled_gates_import_as_controls_on_their_base(make):
    gate = make()
    qc = prepared(gate.num_qubits + 1, seed=gate.num_qubits)
    qc.append(gate, list(range(gate.num_qubits))[::-1])
    circuit = Circuit.from_qiskit(qc)
    imported = circuit[-1].gate
    assert isinstance(imported, Controlled)
    assert imported.num_controls == gate.num_ctrl_qubits
    assert_same_state(circuit, qc)


def test_exported_controlled_diagonal_and_inverse_gates_keep_their_operator():
    rng = np.random.default_rng(4)
    gates = [
        (Controlled(qml.gates.RZ(0.4), 2, ctrl_state=2), [2, 0, 1]),
        (Controlled(Unitary(unitary_group.rvs(2, random_state=5)), 1), [1, 0]),
        (Diagonal(np.exp(1j * rng.uniform(-3, 3, 4))), [0, 2]),
        (qml.gates.Inverse(Unitary(unitary_group.rvs(4, random_state=6))), [2, 1]),
    ]
    for gate, qubits in gates:
        circuit = Circuit(3).append(gate, qubits)
        np.testing.assert_allclose(
            Operator(circuit.to_qiskit()).data,
            Operator(Circuit.from_qiskit(circuit.to_qiskit()).to_qiskit()).data,
            atol=1e-12,
        )
        assert_same_state(circuit, circuit.to_qiskit())


def test_a_qasm_defined_gate_is_built_once_per_parameter_values():
    text = """OPENQASM 2.0;
include "qelib1.inc";
gate twist(a) p, q { h p; crz(a) p, q; sx q; }
qreg r[3];
twist(0.5) r[0], r[1];
twist(0.5) r[1], r[2];
twist(0.5) r[2], r[0];
twist(0.25) r[0], r[2];
"""
    circuit = Circuit.from_qasm(text)
    gates = [gate for gate, _ in circuit]
    assert gates[0] is gates[1] is gates[2]  # one matrix for three uses
    assert gates[3] is not gates[0]
    qc = qasm2.loads(text, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    assert_same_state(circuit, qc)


@pytest.mark.parametrize("name", ["grover_indep_n9", "grover_indep_n10"])
def test_mqt_grover_imports_and_simulates_like_qiskit(name):
    text = (DATA / f"{name}.qasm").read_text()
    circuit = Circuit.from_qasm(text)
    qc = qasm2.loads(text, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    # qiskit's own decomposition of the defined gates (its Statevector would otherwise
    # build each use's 10-qubit matrix, minutes in all)
    bodies = qc.remove_final_measurements(False).decompose(reps=2)
    np.testing.assert_allclose(qml.simulate(circuit), Statevector(bodies).data, atol=1e-10)


def test_mqt_amplitude_estimation_imports_and_simulates_like_qiskit():
    with open(DATA / "ae_alg_n12.qpy", "rb") as handle:
        (qc,) = qpy.load(handle)
    circuit = Circuit.from_qiskit(qc)
    assert any(isinstance(gate, Controlled) for gate, _ in circuit)
    np.testing.assert_allclose(
        qml.simulate(circuit), Statevector(qc.remove_final_measurements(False)).data, atol=1e-10
    )
