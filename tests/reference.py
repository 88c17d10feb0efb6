"""Independent oracles: qiskit's own gates, Operator and Statevector.

Nothing here goes through qml's kernels or its qiskit conversion, so a test that
compares qml with these compares two independent implementations.
"""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import library
from qiskit.quantum_info import Operator, Statevector

#: qiskit's gate class for every qml standard gate, by qiskit name.
QISKIT_GATES: dict[str, type] = {
    "id": library.IGate, "h": library.HGate, "x": library.XGate, "y": library.YGate,
    "z": library.ZGate, "s": library.SGate, "sdg": library.SdgGate, "t": library.TGate,
    "tdg": library.TdgGate, "sx": library.SXGate, "sxdg": library.SXdgGate,
    "rx": library.RXGate, "ry": library.RYGate, "rz": library.RZGate, "p": library.PhaseGate,
    "u": library.UGate, "cx": library.CXGate, "cy": library.CYGate, "cz": library.CZGate,
    "ch": library.CHGate, "swap": library.SwapGate, "iswap": library.iSwapGate,
    "crx": library.CRXGate, "cry": library.CRYGate, "crz": library.CRZGate,
    "cp": library.CPhaseGate, "cu": library.CUGate, "rxx": library.RXXGate,
    "ryy": library.RYYGate, "rzz": library.RZZGate, "rzx": library.RZXGate,
    "ecr": library.ECRGate, "ccx": library.CCXGate, "ccz": library.CCZGate,
    "cswap": library.CSwapGate,
}  # fmt: skip


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
