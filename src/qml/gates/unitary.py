"""``Unitary(matrix)``: any unitary as a gate, validated when it is made."""

from __future__ import annotations

from typing import Any

import numpy as np

from qml.errors import NotUnitaryError, QmlTypeError, ShapeError
from qml.gates.base import Gate, complex_array

#: Largest entry of |U†U - I| accepted as unitary.
UNITARY_TOLERANCE = 1e-10

#: Widest ``Unitary``: a dense 12-qubit matrix takes 256 MiB and its unitarity check
#: seconds; a 13-qubit one 1 GiB and minutes. Wider operators want structure
#: (``Diagonal``, ``Permutation``, ``Controlled``) or a decomposition.
MAX_UNITARY_QUBITS = 12


class Unitary(Gate):
    """A gate given by its matrix, indexed little-endian over the gate's qubits.

    ``matrix`` must be square with a power-of-two side ``2**k`` (1 <= k <= 12) and
    unitary: ``max |U†U - I| <= 1e-10``. ``label`` (a string) is only for drawings.
    """

    name = "unitary"

    def __init__(self, matrix: Any, label: str | None = None) -> None:
        if isinstance(matrix, (str, bytes)) or matrix is None:
            raise QmlTypeError(f"Unitary needs a numeric matrix; got {type(matrix).__name__}")
        if label is not None and not isinstance(label, str):
            raise QmlTypeError(f"a Unitary's label must be a string or None, got {label!r}")
        shape = np.shape(matrix) if isinstance(matrix, np.ndarray) else None
        if shape is not None and len(shape) == 2 and max(shape) > 1 << MAX_UNITARY_QUBITS:
            self._refuse_width(max(shape))  # before copying or checking a huge array
        array = complex_array(matrix, "Unitary needs a numeric matrix")
        if array.ndim != 2 or array.shape[0] != array.shape[1]:
            raise ShapeError(f"Unitary needs a square matrix; got shape {array.shape}")
        side = array.shape[0]
        k = side.bit_length() - 1
        if side < 2 or 1 << k != side:
            raise ShapeError(
                f"Unitary needs a 2**k x 2**k matrix (k >= 1 qubits); got "
                f"{side} x {side}. Pad or build the operator on whole qubits"
            )
        if k > MAX_UNITARY_QUBITS:
            self._refuse_width(side)
        if isinstance(matrix, np.ndarray) and np.may_share_memory(array, matrix):
            array = array.copy()  # ours alone: made read-only below
        with np.errstate(all="ignore"):  # NaN or huge entries: the check below refuses them
            error = np.abs(array.conj().T @ array - np.eye(side)).max()
        if not error <= UNITARY_TOLERANCE:
            raise NotUnitaryError(
                f"the matrix is not unitary: max |U†U - I| = {error:.2e} > {UNITARY_TOLERANCE:g}; "
                "orthonormalise it (e.g. scipy.linalg.polar) or check its entries"
            )
        array.setflags(write=False)
        self._unitary = array
        self.num_qubits = k
        self.params = ()
        self.label = label

    @staticmethod
    def _refuse_width(side: int) -> None:
        raise ShapeError(
            f"Unitary takes matrices of at most {MAX_UNITARY_QUBITS} qubits "
            f"({1 << MAX_UNITARY_QUBITS} x {1 << MAX_UNITARY_QUBITS}); got a side of {side:,}. "
            "Give a wider operator structure (Diagonal, Permutation, Controlled) or decompose it"
        )

    def matrix(self) -> np.ndarray:
        return self._unitary.copy()

    def with_params(self, *params: Any) -> Gate:
        return self

    def inverse(self) -> Gate:
        return Unitary(self._unitary.conj().T, label=f"{self.label or 'unitary'}_dg")

    def conjugate(self) -> Gate:
        return Unitary(self._unitary.conj(), label=self.label)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Unitary):
            return NotImplemented
        return self._unitary.shape == other._unitary.shape and np.array_equal(
            self._unitary, other._unitary
        )

    def __hash__(self) -> int:
        return hash(("unitary", self.num_qubits))

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        side = self._unitary.shape[0]
        return f"Unitary(<{side}x{side} matrix>{label})"
