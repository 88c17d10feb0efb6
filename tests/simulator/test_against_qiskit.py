"""Random circuits simulated by qml and by qiskit's Statevector agree, global phase included."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from qiskit.circuit.random import random_circuit

import qml
from qml import Circuit
from tests.reference import statevector
from tests.strategies import PROPERTY_SETTINGS, circuits

#: (qubits, depth, max operands, measure, seed) for qiskit's random_circuit.
RANDOM_CIRCUITS = [
    (n, depth, min(n, 4), measure, seed)
    for seed, (n, depth) in enumerate([(1, 3), (2, 5), (3, 4), (4, 6), (5, 3), (6, 5), (8, 4)])
    for measure in (False, True)
]


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(circuits(max_qubits=8, max_gates=20))
def test_random_circuit_simulates_like_qiskit(circuit):
    np.testing.assert_allclose(
        qml.simulate(circuit), statevector(circuit.to_qiskit()), rtol=0, atol=1e-10
    )


@PROPERTY_SETTINGS
@given(circuits(max_qubits=5, max_gates=12))
def test_random_circuit_inverse_returns_to_zero(circuit):
    state = qml.simulate(circuit.compose(circuit.inverse()))
    expected = np.zeros(1 << circuit.num_qubits)
    expected[0] = 1
    np.testing.assert_allclose(state, expected, atol=1e-10)


@pytest.mark.parametrize(
    ("n", "depth", "max_operands", "measure", "seed"),
    RANDOM_CIRCUITS,
    ids=[f"n{n}-d{d}-{'measure' if m else 'unitary'}-s{s}" for n, d, _, m, s in RANDOM_CIRCUITS],
)
def test_qiskit_random_circuit_imports_and_simulates_like_qiskit(
    n, depth, max_operands, measure, seed
):
    qc = random_circuit(n, depth, max_operands=max_operands, measure=measure, seed=seed)
    circuit = Circuit.from_qiskit(qc)
    assert bool(circuit.measurements) == measure
    np.testing.assert_allclose(qml.simulate(circuit), statevector(qc), rtol=0, atol=1e-10)
