"""The numpy backend: programs run gate by gate through each gate's own ``apply``.

It reads a program's gates, not its op table, so it is independent of the
lowering and of the compiled kernels: the reference the tests hold the native
backend to, and the fallback where the extension could not be built. Gradients
use each gate's ``generator()`` and ``inverse()``.
"""

from __future__ import annotations

import numpy as np

from qml.circuits.observables import popcount
from qml.gates import Gate
from qml.gates import apply as kernels
from qml.simulator.lowering import GSLOT
from qml.simulator.program import Bound, Program


class NumpyBackend:
    """Programs through the gates' numpy kernels (see the module docstring)."""

    name = "numpy"
    #: the gathered view and the product in ``gates.apply.apply_matrix``
    workspace_copies = 2.0

    def bound_gate(self, program: Program, g: int, bound: Bound) -> Gate:
        """Gate ``g`` with its angles for this call (floats, or ``(B,)`` columns)."""
        gate = program.gates[g]
        return gate.with_params(*program.gate_values(g, bound.angles)) if gate.num_params else gate

    def run(self, program: Program, states: np.ndarray, bound: Bound) -> None:
        """Every gate of ``program`` on every row of ``states`` ``(B, 2**n)``, in order."""
        for g, qubits in enumerate(program.gate_qubits):
            self.bound_gate(program, g, bound).apply(states, qubits)

    def term_values(
        self, states: np.ndarray, x: np.ndarray, z: np.ndarray, n_y: np.ndarray
    ) -> np.ndarray:
        """``<ψ_b|P_t|ψ_b>``: ``(B, n_terms)``."""
        index = np.arange(states.shape[1])
        out = np.empty((states.shape[0], len(x)), dtype=np.float64)
        for t in range(len(x)):
            signs = 1 - 2 * (popcount(index & z[t]) & 1)
            overlap = np.sum(states[:, index ^ x[t]].conj() * signs * states, axis=1)
            out[:, t] = (overlap * 1j ** n_y[t]).real
        return out

    def apply_pauli_sums(
        self, states: np.ndarray, coefficients: np.ndarray, x: np.ndarray, z: np.ndarray,
        n_y: np.ndarray,
    ) -> np.ndarray:  # fmt: skip
        """``out[b, k] = sum_t coefficients[b, k, t] P_t states[b]``."""
        batch, size = states.shape
        index = np.arange(size)
        out = np.zeros((batch, coefficients.shape[1], size), dtype=np.complex128)
        for t in range(len(x)):
            signs = 1 - 2 * (popcount(index & z[t]) & 1)
            term = (states * signs * 1j ** n_y[t])[:, None, :] * coefficients[:, :, t, None]
            out[:, :, index ^ x[t]] += term
        return out

    def adjoint(
        self, program: Program, states: np.ndarray, lams: np.ndarray, bound: Bound
    ) -> np.ndarray:
        """``(B, K, n_slots)`` slot derivatives: ``Im <λ|G|ψ>`` before un-applying each gate."""
        out = np.zeros((states.shape[0], lams.shape[1], program.slots.count))
        slot_of_gate = {
            int(program.op_gate[i]): int(program.ops[i, GSLOT])
            for i in range(program.num_ops)
            if program.ops[i, GSLOT] >= 0
        }
        lams = np.ascontiguousarray(lams.transpose(1, 0, 2))  # (K, B, N): each k contiguous
        for g in range(len(program.gates) - 1, -1, -1):
            gate, qubits = self.bound_gate(program, g, bound), program.gate_qubits[g]
            slot = slot_of_gate.get(g)
            if slot is not None:
                generated = states.copy()
                kernels.apply_matrix(generated, gate.generator(), qubits)
                for k in range(lams.shape[0]):
                    out[:, k, slot] += np.sum(lams[k].conj() * generated, axis=1).imag
            inverse = gate.inverse()
            inverse.apply(states, qubits)
            for k in range(lams.shape[0]):
                inverse.apply(lams[k], qubits)
        return out


NUMPY = NumpyBackend()
