"""The standard gate library, each gate equal to qiskit's gate of the same name.

Every class states its qiskit name, qubit count, parameters, structure and
matrix. Rotations are ``exp(-iθP/2)``; multi-qubit matrices are little-endian
over the gate's qubits (the first qubit is the least significant bit), and
controlled gates take their controls first. Parameters may be floats, arrays of
shape ``(B,)`` (a batched matrix of shape ``(B, d, d)`` results) or symbolic.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qml.gates.base import (
    ControlledGate,
    Gate,
    diagonal_from_entries,
    matrix_from_entries,
)

_R2 = 1 / np.sqrt(2)


def _cos_sin(theta: Any) -> tuple[np.ndarray, np.ndarray]:
    half = np.asarray(theta) / 2
    return np.cos(half), np.sin(half)


def _phase(angle: Any) -> np.ndarray:
    return np.exp(1j * np.asarray(angle))


# -- one qubit, fixed -----------------------------------------------------------------


class I(Gate):  # noqa: E742 - qiskit's and the textbooks' name for the identity
    """Identity: [[1, 0], [0, 1]]."""

    name, num_qubits, structure, self_inverse = "id", 1, "diagonal", True
    qiskit_class, label = "IGate", "I"

    def _diagonal(self) -> np.ndarray:
        return np.ones(2, dtype=np.complex128)


class H(Gate):
    """Hadamard: 1/√2 [[1, 1], [1, -1]]."""

    name, num_qubits, self_inverse = "h", 1, True
    qiskit_class, label = "HGate", "H"
    fixed_matrix = _R2 * np.array([[1, 1], [1, -1]], dtype=np.complex128)


class X(Gate):
    """Pauli X (NOT): [[0, 1], [1, 0]]."""

    name, num_qubits, structure, self_inverse = "x", 1, "permutation", True
    qiskit_class, label = "XGate", "X"
    permutation = np.array([1, 0])


class Y(Gate):
    """Pauli Y: [[0, -i], [i, 0]]."""

    name, num_qubits, self_inverse = "y", 1, True
    qiskit_class, label = "YGate", "Y"
    fixed_matrix = np.array([[0, -1j], [1j, 0]], dtype=np.complex128)


class Z(Gate):
    """Pauli Z: diag(1, -1)."""

    name, num_qubits, structure, self_inverse = "z", 1, "diagonal", True
    qiskit_class, label = "ZGate", "Z"

    def _diagonal(self) -> np.ndarray:
        return np.array([1, -1], dtype=np.complex128)


class S(Gate):
    """S = √Z: diag(1, i)."""

    name, num_qubits, structure = "s", 1, "diagonal"
    qiskit_class, label = "SGate", "S"

    def _diagonal(self) -> np.ndarray:
        return np.array([1, 1j], dtype=np.complex128)

    def inverse(self) -> Gate:
        return Sdg()


class Sdg(Gate):
    """S†: diag(1, -i)."""

    name, num_qubits, structure = "sdg", 1, "diagonal"
    qiskit_class, label = "SdgGate", "Sdg"

    def _diagonal(self) -> np.ndarray:
        return np.array([1, -1j], dtype=np.complex128)

    def inverse(self) -> Gate:
        return S()


class T(Gate):
    """T = √S: diag(1, e^{iπ/4})."""

    name, num_qubits, structure = "t", 1, "diagonal"
    qiskit_class, label = "TGate", "T"

    def _diagonal(self) -> np.ndarray:
        return np.array([1, np.exp(1j * np.pi / 4)], dtype=np.complex128)

    def inverse(self) -> Gate:
        return Tdg()


class Tdg(Gate):
    """T†: diag(1, e^{-iπ/4})."""

    name, num_qubits, structure = "tdg", 1, "diagonal"
    qiskit_class, label = "TdgGate", "Tdg"

    def _diagonal(self) -> np.ndarray:
        return np.array([1, np.exp(-1j * np.pi / 4)], dtype=np.complex128)

    def inverse(self) -> Gate:
        return T()


class SX(Gate):
    """√X: 1/2 [[1+i, 1-i], [1-i, 1+i]]."""

    name, num_qubits = "sx", 1
    qiskit_class, label = "SXGate", "√X"
    fixed_matrix = 0.5 * np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]], dtype=np.complex128)

    def inverse(self) -> Gate:
        return SXdg()


class SXdg(Gate):
    """√X†: 1/2 [[1-i, 1+i], [1+i, 1-i]]."""

    name, num_qubits = "sxdg", 1
    qiskit_class, label = "SXdgGate", "√Xdg"
    fixed_matrix = 0.5 * np.array([[1 - 1j, 1 + 1j], [1 + 1j, 1 - 1j]], dtype=np.complex128)

    def inverse(self) -> Gate:
        return SX()


# -- one qubit, parameterized ----------------------------------------------------------


class RX(Gate):
    """RX(θ) = exp(-iθX/2) = [[cos θ/2, -i sin θ/2], [-i sin θ/2, cos θ/2]]."""

    name, num_qubits, num_params = "rx", 1, 1
    qiskit_class, label, pauli_generator = "RXGate", "Rx", "X"

    def _matrix(self, theta: Any) -> np.ndarray:
        c, s = _cos_sin(theta)
        return matrix_from_entries([[c, -1j * s], [-1j * s, c]])


class RY(Gate):
    """RY(θ) = exp(-iθY/2) = [[cos θ/2, -sin θ/2], [sin θ/2, cos θ/2]]."""

    name, num_qubits, num_params = "ry", 1, 1
    qiskit_class, label, pauli_generator = "RYGate", "Ry", "Y"

    def _matrix(self, theta: Any) -> np.ndarray:
        c, s = _cos_sin(theta)
        return matrix_from_entries([[c, -s], [s, c]])


class RZ(Gate):
    """RZ(θ) = exp(-iθZ/2) = diag(e^{-iθ/2}, e^{iθ/2})."""

    name, num_qubits, num_params, structure = "rz", 1, 1, "diagonal"
    qiskit_class, label, pauli_generator = "RZGate", "Rz", "Z"

    def _diagonal(self, theta: Any) -> np.ndarray:
        return diagonal_from_entries(
            [_phase(-np.asarray(theta) / 2), _phase(np.asarray(theta) / 2)]
        )


class Phase(Gate):
    """Phase P(λ) = diag(1, e^{iλ}) (equal to RZ(λ) up to the global phase e^{iλ/2})."""

    name, num_qubits, num_params, structure = "p", 1, 1, "diagonal"
    qiskit_class, label = "PhaseGate", "P"
    pauli_generator, generator_scale = "1", -2.0  # exp(iλ|1><1|) = exp(-iλ(-2|1><1|)/2)

    def _diagonal(self, lam: Any) -> np.ndarray:
        return diagonal_from_entries([1.0, _phase(lam)])


class U(Gate):
    """U(θ, φ, λ) = [[cos θ/2, -e^{iλ} sin θ/2], [e^{iφ} sin θ/2, e^{i(φ+λ)} cos θ/2]]."""

    name, num_qubits, num_params = "u", 1, 3
    qiskit_class, label = "UGate", "U"

    def _matrix(self, theta: Any, phi: Any, lam: Any) -> np.ndarray:
        c, s = _cos_sin(theta)
        return matrix_from_entries(
            # e^{iφ} e^{iλ}, not e^{i(φ+λ)}: the sum of two large angles loses the bits
            # that keep the matrix unitary (U(1, 2, 2**31) was off by 5e-7)
            [[c, -_phase(lam) * s], [_phase(phi) * s, _phase(phi) * _phase(lam) * c]]
        )

    def inverse(self) -> Gate:
        theta, phi, lam = self.params
        return U(-theta, -lam, -phi)

    def conjugate(self) -> Gate:
        theta, phi, lam = self.params
        return U(theta, -phi, -lam)

    def decompose(self) -> list[tuple[Gate, tuple[int, ...]]]:
        theta, phi, lam = self.params  # U(θ, φ, λ) = P(φ) RY(θ) P(λ), exactly
        return [(Phase(lam), (0,)), (RY(theta), (0,)), (Phase(phi), (0,))]


# -- two and three qubits -------------------------------------------------------------------


class CX(ControlledGate):
    """Controlled X (CNOT): qubit 0 controls a NOT on qubit 1."""

    name, num_qubits, structure, self_inverse, target = "cx", 2, "permutation", True, X
    qiskit_class = "CXGate"
    permutation = np.array([0, 3, 2, 1])


class CY(ControlledGate):
    """Controlled Y: qubit 0 controls a Y on qubit 1."""

    name, num_qubits, self_inverse, target = "cy", 2, True, Y
    qiskit_class = "CYGate"


class CZ(ControlledGate):
    """Controlled Z: diag(1, 1, 1, -1), symmetric in its qubits."""

    name, num_qubits, structure, self_inverse, target = "cz", 2, "diagonal", True, Z
    qiskit_class, draw_as = "CZGate", "symmetric"

    def _diagonal(self) -> np.ndarray:
        return np.array([1, 1, 1, -1], dtype=np.complex128)


class CH(ControlledGate):
    """Controlled Hadamard: qubit 0 controls an H on qubit 1."""

    name, num_qubits, self_inverse, target = "ch", 2, True, H
    qiskit_class = "CHGate"


class SWAP(Gate):
    """SWAP: exchanges its two qubits."""

    name, num_qubits, structure, self_inverse = "swap", 2, "permutation", True
    qiskit_class, draw_as = "SwapGate", "swap"
    permutation = np.array([0, 2, 1, 3])


class iSWAP(Gate):
    """iSWAP: swaps its qubits and multiplies ``|01>`` and ``|10>`` by i."""

    name, num_qubits = "iswap", 2
    qiskit_class, label = "iSwapGate", "Iswap"
    fixed_matrix = np.array(
        [[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]], dtype=np.complex128
    )


class CRX(ControlledGate):
    """Controlled RX(θ): qubit 0 controls RX(θ) on qubit 1."""

    name, num_qubits, num_params, target = "crx", 2, 1, RX
    qiskit_class = "CRXGate"


class CRY(ControlledGate):
    """Controlled RY(θ): qubit 0 controls RY(θ) on qubit 1."""

    name, num_qubits, num_params, target = "cry", 2, 1, RY
    qiskit_class = "CRYGate"


class CRZ(ControlledGate):
    """Controlled RZ(θ): diag(1, e^{-iθ/2}, 1, e^{iθ/2})."""

    name, num_qubits, num_params, structure, target = "crz", 2, 1, "diagonal", RZ
    qiskit_class = "CRZGate"

    def _diagonal(self, theta: Any) -> np.ndarray:
        minus, plus = _phase(-np.asarray(theta) / 2), _phase(np.asarray(theta) / 2)
        return diagonal_from_entries([1.0, minus, 1.0, plus])


class CPhase(ControlledGate):
    """Controlled phase CP(λ) = diag(1, 1, 1, e^{iλ}), symmetric in its qubits."""

    name, num_qubits, num_params, structure, target = "cp", 2, 1, "diagonal", Phase
    qiskit_class = "CPhaseGate"

    def _diagonal(self, lam: Any) -> np.ndarray:
        return diagonal_from_entries([1.0, 1.0, 1.0, _phase(lam)])


class CU(ControlledGate):
    """Controlled e^{iγ} U(θ, φ, λ), qiskit's CUGate: qubit 0 controls qubit 1."""

    name, num_qubits, num_params, target = "cu", 2, 4, U
    qiskit_class = "CUGate"

    def target_matrix(self) -> np.ndarray:
        theta, phi, lam, gamma = self.values()
        return U(theta, phi, lam).matrix() * _phase(gamma)[..., None, None]

    def inverse(self) -> Gate:
        theta, phi, lam, gamma = self.params
        return CU(-theta, -lam, -phi, -gamma)

    def conjugate(self) -> Gate:
        theta, phi, lam, gamma = self.params
        return CU(theta, -phi, -lam, -gamma)

    def decompose(self) -> list[tuple[Gate, tuple[int, ...]]]:
        theta, phi, lam, gamma = self.params  # controlled e^{iγ} P(φ) RY(θ) P(λ)
        return [
            (CPhase(lam), (0, 1)),
            (CRY(theta), (0, 1)),
            (CPhase(phi), (0, 1)),
            (Phase(gamma), (0,)),
        ]


class RXX(Gate):
    """RXX(θ) = exp(-iθ X⊗X/2)."""

    name, num_qubits, num_params = "rxx", 2, 1
    qiskit_class, label, pauli_generator = "RXXGate", "Rxx", "XX"

    def _matrix(self, theta: Any) -> np.ndarray:
        c, s = _cos_sin(theta)
        m, z = -1j * s, np.zeros_like(c)
        return matrix_from_entries([[c, z, z, m], [z, c, m, z], [z, m, c, z], [m, z, z, c]])


class RYY(Gate):
    """RYY(θ) = exp(-iθ Y⊗Y/2)."""

    name, num_qubits, num_params = "ryy", 2, 1
    qiskit_class, label, pauli_generator = "RYYGate", "Ryy", "YY"

    def _matrix(self, theta: Any) -> np.ndarray:
        c, s = _cos_sin(theta)
        p, m, z = 1j * s, -1j * s, np.zeros_like(c)
        return matrix_from_entries([[c, z, z, p], [z, c, m, z], [z, m, c, z], [p, z, z, c]])


class RZZ(Gate):
    """RZZ(θ) = exp(-iθ Z⊗Z/2) = diag(e^{-iθ/2}, e^{iθ/2}, e^{iθ/2}, e^{-iθ/2})."""

    name, num_qubits, num_params, structure = "rzz", 2, 1, "diagonal"
    qiskit_class, label, pauli_generator = "RZZGate", "Rzz", "ZZ"

    def _diagonal(self, theta: Any) -> np.ndarray:
        even, odd = _phase(-np.asarray(theta) / 2), _phase(np.asarray(theta) / 2)
        return diagonal_from_entries([even, odd, odd, even])


class RZX(Gate):
    """RZX(θ) = exp(-iθ X⊗Z/2): Z on qubit 0, X on qubit 1 (qiskit's RZXGate)."""

    name, num_qubits, num_params = "rzx", 2, 1
    qiskit_class, label, pauli_generator = "RZXGate", "Rzx", "ZX"

    def _matrix(self, theta: Any) -> np.ndarray:
        c, s = _cos_sin(theta)
        m, p, z = -1j * s, 1j * s, np.zeros_like(c)
        return matrix_from_entries([[c, z, m, z], [z, c, z, p], [m, z, c, z], [z, p, z, c]])


class ECR(Gate):
    """Echoed cross-resonance: 1/√2 (IX - XY) on (qubit 1, qubit 0); its own inverse."""

    name, num_qubits, self_inverse = "ecr", 2, True
    qiskit_class, label = "ECRGate", "Ecr"
    fixed_matrix = _R2 * np.array(
        [[0, 1, 0, 1j], [1, 0, -1j, 0], [0, 1j, 0, 1], [-1j, 0, 1, 0]], dtype=np.complex128
    )


class CCX(ControlledGate):
    """Toffoli: qubits 0 and 1 control a NOT on qubit 2."""

    name, num_qubits, structure, self_inverse, target = "ccx", 3, "permutation", True, X
    qiskit_class = "CCXGate"
    num_controls = 2
    permutation = np.array([0, 1, 2, 7, 4, 5, 6, 3])


class CCZ(ControlledGate):
    """Doubly controlled Z: diag(1, ..., 1, -1), symmetric in its qubits."""

    name, num_qubits, structure, self_inverse, target = "ccz", 3, "diagonal", True, Z
    qiskit_class, draw_as = "CCZGate", "symmetric"
    num_controls = 2

    def _diagonal(self) -> np.ndarray:
        return np.array([1, 1, 1, 1, 1, 1, 1, -1], dtype=np.complex128)


class CSWAP(ControlledGate):
    """Fredkin: qubit 0 controls a SWAP of qubits 1 and 2."""

    name, num_qubits, structure, self_inverse, target = "cswap", 3, "permutation", True, SWAP
    qiskit_class, draw_as = "CSwapGate", "swap"
    permutation = np.array([0, 1, 2, 5, 4, 3, 6, 7])


# Aliases under the names people also use.
P = Phase
CNOT = CX
CP = CPhase
Toffoli = CCX
Fredkin = CSWAP

#: Every standard gate class, by qiskit name, in the order of this module: the one
#: registry that builder methods, qiskit/QASM I/O and the tests read.
STANDARD_GATES: dict[str, type[Gate]] = {
    cls.name: cls
    for cls in list(globals().values())
    if isinstance(cls, type) and issubclass(cls, Gate) and cls.__module__ == __name__
}
