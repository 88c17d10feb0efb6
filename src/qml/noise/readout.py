"""``ReadoutError``: a classical confusion matrix applied to one qubit's measurement."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from qml.errors import NoiseError, QmlTypeError, ShapeError
from qml.gates.base import complex_array

if TYPE_CHECKING:
    import qiskit_aer.noise

#: Largest |row sum - 1| accepted for a row of a confusion matrix.
ROW_TOLERANCE = 1e-10


class ReadoutError:
    """One qubit read wrongly: ``probabilities[i][j]`` is P(read j | the qubit is in state i).

    ``probabilities`` is a ``(2, 2)`` matrix of numbers in [0, 1] whose rows sum
    to 1 (qiskit-aer's ``ReadoutError`` layout), e.g. ``[[0.98, 0.02], [0.05,
    0.95]]``: ``|1>`` is read as 0 five times in a hundred.
    """

    num_qubits = 1

    def __init__(self, probabilities: Any) -> None:
        if isinstance(probabilities, ReadoutError):
            probabilities = probabilities.probabilities
        refusal = QmlTypeError(
            f"a readout error needs a real 2 x 2 matrix of probabilities, got {probabilities!r}"
        )
        try:
            entries = complex_array(probabilities, "a readout error")
        except (QmlTypeError, ShapeError):
            raise refusal from None
        if np.any(entries.imag != 0):
            raise refusal
        matrix = entries.real.copy()
        if matrix.shape != (2, 2):
            hint = (
                "; qml models one-qubit readout errors only (qiskit-aer applies a "
                "k-qubit one only to a k-qubit measure instruction, which qiskit circuits "
                "do not have): give each qubit its own"
                if matrix.ndim == 2 and matrix.shape[0] == matrix.shape[1] and matrix.shape[0] > 2
                else ""
            )
            raise ShapeError(
                f"a readout error needs a 2 x 2 matrix [[P(0|0), P(1|0)], [P(0|1), P(1|1)]]; "
                f"got shape {matrix.shape}{hint}"
            )
        if not np.all((matrix >= 0) & (matrix <= 1)):  # NaN fails too
            raise NoiseError(
                f"readout probabilities must be between 0 and 1; got {matrix.tolist()}"
            )
        sums = matrix.sum(axis=1)
        if np.abs(sums - 1).max() > ROW_TOLERANCE:
            raise NoiseError(
                f"each row of a readout error must sum to 1 (row i lists P(read j | state i)); "
                f"the rows sum to {sums.tolist()}. Set P(1|0) = 1 - P(0|0) and P(0|1) = 1 - P(1|1)"
            )
        matrix.setflags(write=False)
        self._matrix = matrix

    @property
    def probabilities(self) -> np.ndarray:
        """The ``(2, 2)`` confusion matrix: P(read j | state i) at ``[i, j]``."""
        return self._matrix

    def is_ideal(self) -> bool:
        """True for the identity (no readout error); noise models skip it, as qiskit-aer does."""
        return bool(np.abs(self._matrix - np.eye(2)).max() <= 1e-12)

    def to_qiskit(self) -> qiskit_aer.noise.ReadoutError:
        """qiskit-aer's ``ReadoutError`` with the same matrix."""
        from qiskit_aer.noise import ReadoutError as AerReadoutError

        return AerReadoutError(self._matrix.tolist())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ReadoutError):
            return NotImplemented
        return bool(np.array_equal(self._matrix, other._matrix))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ReadoutError({self._matrix.tolist()!r})"


__all__ = ["ReadoutError"]
