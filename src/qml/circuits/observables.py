"""Observables: Pauli strings and their real-weighted sums.

``Pauli("XZI")`` uses qiskit's string order: the rightmost character acts on
qubit 0. ``0.5 * Pauli("ZZ") + Pauli("XI")`` is a ``PauliSum``. A Pauli string
is a permutation of amplitudes times a phase, so the simulator applies it
without a dense matrix: with ``x`` the bits it flips (X, Y) and ``z`` the bits
it reads (Z, Y), ``P|j> = i**n_Y * (-1)**popcount(j & z) |j ^ x>``.
A ``qiskit.quantum_info.SparsePauliOp`` is accepted wherever an observable is.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from qml.errors import QmlTypeError, QmlValueError, QubitError, QubitIndexError

_LETTERS = frozenset("IXYZ")
#: Imaginary parts of coefficients up to this size are rounding, not physics.
HERMITIAN_TOLERANCE = 1e-10


class PauliSum:
    """A Hermitian observable ``sum_t c_t P_t`` of Pauli strings with real coefficients.

    ``terms`` is a tuple of ``(coefficient, label)``; all labels have the same
    length, ``num_qubits``, in qiskit's order (rightmost character = qubit 0).
    """

    __array_ufunc__ = None  # numpy scalars defer to our reflected operators

    def __init__(self, terms: Iterable[tuple[float, str]]) -> None:
        combined: dict[str, float] = {}
        for coefficient, label in terms:
            label = _check_label(label)
            combined[label] = combined.get(label, 0.0) + _real(coefficient)
        if not combined:
            raise QmlValueError("an observable needs at least one Pauli term")
        sizes = {len(label) for label in combined}
        if len(sizes) > 1:
            raise QmlValueError(
                f"Pauli terms of different lengths {sorted(sizes)} cannot be added; pad the "
                "shorter labels with 'I' so every term names every qubit"
            )
        self._terms = tuple((c, label) for label, c in combined.items())

    @property
    def terms(self) -> tuple[tuple[float, str], ...]:
        """``((coefficient, label), ...)``."""
        return self._terms

    @property
    def num_qubits(self) -> int:
        """Number of qubits every label names."""
        return len(self._terms[0][1])

    # -- arithmetic -------------------------------------------------------------------------
    def __add__(self, other: Any) -> PauliSum:
        if isinstance(other, numbers.Number) and other == 0:
            return self  # sum([...]) starts from 0: adding it changes nothing
        other = as_observable(other) if not isinstance(other, numbers.Number) else other
        if isinstance(other, PauliSum):
            return PauliSum(self._terms + other._terms)
        if isinstance(other, numbers.Real):
            return PauliSum((*self._terms, (float(other), "I" * self.num_qubits)))
        return NotImplemented

    __radd__ = __add__

    def __neg__(self) -> PauliSum:
        return PauliSum((-c, label) for c, label in self._terms)

    def __sub__(self, other: Any) -> PauliSum:
        return self + (-as_observable(other) if not isinstance(other, numbers.Number) else -other)

    def __rsub__(self, other: Any) -> PauliSum:
        return (-self) + other

    def __mul__(self, scalar: Any) -> PauliSum:
        if not isinstance(scalar, numbers.Number):
            return NotImplemented
        return PauliSum((c * _real(scalar), label) for c, label in self._terms)

    __rmul__ = __mul__

    def __truediv__(self, scalar: Any) -> PauliSum:
        if not isinstance(scalar, numbers.Number):
            return NotImplemented
        return self * (1.0 / _real(scalar))

    # -- conversion -----------------------------------------------------------------------------
    def masks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(coefficients, x, z, n_y)``: per term, the bits flipped, the bits read, Y count."""
        coefficients = np.array([c for c, _ in self._terms], dtype=np.float64)
        x = np.zeros(len(self._terms), dtype=np.int64)
        z = np.zeros(len(self._terms), dtype=np.int64)
        n_y = np.zeros(len(self._terms), dtype=np.int64)
        for t, (_, label) in enumerate(self._terms):
            for qubit, letter in enumerate(reversed(label)):
                if letter in "XY":
                    x[t] |= 1 << qubit
                if letter in "ZY":
                    z[t] |= 1 << qubit
                n_y[t] += letter == "Y"
        return coefficients, x, z, n_y

    def is_diagonal(self) -> bool:
        """True when every term is made of I and Z only."""
        return all(set(label) <= {"I", "Z"} for _, label in self._terms)

    def matrix(self) -> np.ndarray:
        """The dense ``(2**n, 2**n)`` matrix (for checks on small systems only)."""
        size = 1 << self.num_qubits
        out = np.zeros((size, size), dtype=np.complex128)
        coefficients, x, z, n_y = self.masks()
        index = np.arange(size)
        for c, xt, zt, yt in zip(coefficients, x, z, n_y, strict=True):
            signs = 1 - 2 * (popcount(index & zt) & 1)
            out[index ^ xt, index] += c * (1j**yt) * signs
        return out

    def to_qiskit(self) -> Any:
        """This observable as a ``qiskit.quantum_info.SparsePauliOp``."""
        from qiskit.quantum_info import SparsePauliOp

        return SparsePauliOp([label for _, label in self._terms], [c for c, _ in self._terms])

    @classmethod
    def from_qiskit(cls, operator: Any) -> PauliSum:
        """Convert a ``SparsePauliOp`` (or ``Pauli``) with real coefficients."""
        if hasattr(operator, "paulis") and hasattr(operator, "coeffs"):
            labels = operator.paulis.to_labels()
            coefficients = operator.coeffs
        elif hasattr(operator, "to_label"):
            labels, coefficients = [operator.to_label()], [1.0]
        else:
            raise QmlTypeError(
                f"cannot read a {type(operator).__name__} as an observable; pass a qml.Pauli, "
                "a sum of them, or a qiskit SparsePauliOp"
            )
        terms = []
        for label, coefficient in zip(labels, coefficients, strict=True):
            phase = 1.0 + 0j
            while label[0] in "-i":  # qiskit labels may carry a phase prefix: "-iXZ"
                phase *= -1 if label[0] == "-" else 1j
                label = label[1:]
            terms.append((_real(complex(coefficient) * phase), label))
        return cls(terms)

    # -- identity ---------------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PauliSum):
            return NotImplemented
        return dict((label, c) for c, label in self._terms) == dict(
            (label, c) for c, label in other._terms
        )

    def __hash__(self) -> int:
        return hash(frozenset((label, c) for c, label in self._terms))

    def __repr__(self) -> str:
        if len(self._terms) == 1 and self._terms[0][0] == 1.0:
            return f"Pauli({self._terms[0][1]!r})"
        return " + ".join(f"{c:g} * Pauli({label!r})" for c, label in self._terms)


class Pauli(PauliSum):
    """One Pauli string with coefficient 1, in qiskit's order: ``Pauli("XZI")``.

    The rightmost character acts on qubit 0. ``Pauli.on("ZZ", [0, 3], 5)``
    places letters on chosen qubits of a larger register.
    """

    def __init__(self, label: str) -> None:
        super().__init__([(1.0, label)])

    @property
    def label(self) -> str:
        """The Pauli string."""
        return self._terms[0][1]

    @classmethod
    def on(cls, letters: str, qubits: Sequence[int], num_qubits: int) -> Pauli:
        """``letters[j]`` on qubit ``qubits[j]`` of ``num_qubits`` qubits, identity elsewhere."""
        if len(letters) != len(qubits):
            raise QmlValueError(f"{len(letters)} letter(s) for {len(qubits)} qubit(s)")
        if len(set(qubits)) != len(qubits):
            raise QubitError(f"qubits {list(qubits)} repeat a qubit; list each qubit once")
        chars = ["I"] * num_qubits
        for letter, q in zip(letters, qubits, strict=True):
            if not 0 <= q < num_qubits:
                raise QubitIndexError(f"qubit {q} is out of range for {num_qubits} qubit(s)")
            chars[num_qubits - 1 - q] = letter
        return cls("".join(chars))


def _check_label(label: Any) -> str:
    if not isinstance(label, str):
        raise QmlTypeError(f"a Pauli label must be a string like 'XZI', got {label!r}")
    label = label.upper()
    if not label or not set(label) <= _LETTERS:
        bad = sorted(set(label) - _LETTERS) or ["(empty)"]
        raise QmlValueError(
            f"invalid Pauli label {label!r}: unexpected {', '.join(bad)}; use the letters I, X, "
            "Y and Z, one per qubit, rightmost for qubit 0"
        )
    return label


def _real(value: Any) -> float:
    if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real):
        if abs(value.imag) > HERMITIAN_TOLERANCE:
            raise QmlValueError(
                f"the coefficient {value} is not real, so the observable is not Hermitian; "
                "use real coefficients"
            )
        return float(value.real)
    if not isinstance(value, numbers.Real):
        raise QmlTypeError(f"a coefficient must be a number, got {value!r}")
    return float(value)


def popcount(values: np.ndarray) -> np.ndarray:
    """Number of set bits of each non-negative integer in ``values``."""
    count = np.zeros_like(values)
    v = values.copy()
    while np.any(v):
        count += v & 1
        v >>= 1
    return count


def as_observable(value: Any) -> PauliSum:
    """``value`` as a ``PauliSum``: a qml observable, a Pauli label, or a qiskit SparsePauliOp."""
    if isinstance(value, PauliSum):
        return value
    if isinstance(value, str):
        return Pauli(value)
    return PauliSum.from_qiskit(value)
