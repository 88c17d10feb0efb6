"""Independent oracles: qiskit's own gates, Operator and Statevector.

Nothing here goes through qml's kernels or its qiskit conversion, so a test that
compares qml with these compares two independent implementations.
"""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import library
from qiskit.quantum_info import Operator, Statevector

from qml.gates import STANDARD_GATES

#: qiskit's gate class for every qml standard gate, by qiskit name: the class each gate
#: names (``qiskit_class``). Every test that uses it checks qiskit's own gate of that class
#: (its name, size and matrix), so a wrong claim fails rather than passes.
QISKIT_GATES: dict[str, type] = {
    name: getattr(library, cls.qiskit_class) for name, cls in STANDARD_GATES.items()
}


def qiskit_matrix(name: str, params) -> np.ndarray:
    """qiskit's ``to_matrix()`` of the gate called ``name``."""
    return QISKIT_GATES[name](*(float(p) for p in params)).to_matrix()


def evolve(state: np.ndarray, matrix: np.ndarray, qubits) -> np.ndarray:
    """``matrix`` applied to ``qubits`` of ``state`` by qiskit's ``Statevector.evolve``."""
    return Statevector(state).evolve(Operator(matrix), qargs=list(qubits)).data


def statevector(qc: QuantumCircuit) -> np.ndarray:
    """qiskit's state of ``qc`` from |0...0>, final measurements removed."""
    return Statevector(qc.remove_final_measurements(inplace=False)).data


def random_state(rng: np.random.Generator, num_qubits: int, batch: int | None = None):
    """A normalised random state of shape ``(2**n,)`` or ``(batch, 2**n)``."""
    shape = (1 << num_qubits,) if batch is None else (batch, 1 << num_qubits)
    state = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    return state / np.linalg.norm(state, axis=-1, keepdims=True)
