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
from qml.gates.base import MAX_QUBITS, as_count, check_gate_size, integer, is_sequence

_LETTERS = frozenset("IXYZ")
#: ``masks()`` packs a label's bits into int64: the simulator's observables have at most
#: this many qubits (a state of 63 qubits is far beyond memory anyway).
MAX_MASK_QUBITS = 63
#: Imaginary parts of coefficients up to this size are rounding, not physics.
HERMITIAN_TOLERANCE = 1e-10


class PauliSum:
    """A Hermitian observable ``sum_t c_t P_t`` of Pauli strings with real coefficients.

    ``terms`` is a tuple of ``(coefficient, label)``; all labels have the same
    length, ``num_qubits``, in qiskit's order (rightmost character = qubit 0).
    """

    __array_ufunc__ = None  # numpy scalars defer to our reflected operators

    def __init__(self, terms: Iterable[tuple[float, str]]) -> None:
        if not is_sequence(terms):
            raise QmlTypeError(
                f"a PauliSum needs (coefficient, label) pairs such as [(0.5, 'ZZ')], got {terms!r}"
            )
        combined: dict[str, float] = {}
        for term in terms:
            if not isinstance(term, (tuple, list)) or len(term) != 2:
                raise QmlTypeError(
                    f"each term of a PauliSum is a (coefficient, label) pair like (0.5, 'ZZ'), "
                    f"got {term!r}"
                )
            coefficient, label = term
            label = _check_label(label)
            combined[label] = combined.get(label, 0.0) + _real(coefficient)
        if not all(np.isfinite(c) for c in combined.values()):
            raise QmlValueError(
                "the observable's coefficients overflow to infinity; keep them within the "
                "float range"
            )
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
        if _is_scalar(other):
            number = _real(other)
            if number == 0:
                return self  # sum([...]) starts from 0: adding it changes nothing
            return PauliSum((*self._terms, (number, "I" * self.num_qubits)))
        return PauliSum(self._terms + as_observable(other)._terms)

    __radd__ = __add__

    def __neg__(self) -> PauliSum:
        return PauliSum((-c, label) for c, label in self._terms)

    def __sub__(self, other: Any) -> PauliSum:
        return self + (-_real(other) if _is_scalar(other) else -as_observable(other))

    def __rsub__(self, other: Any) -> PauliSum:
        return (-self) + other

    def __mul__(self, scalar: Any) -> PauliSum:
        if not _is_scalar(scalar):
            raise QmlTypeError(
                f"an observable is scaled by a real number, got {scalar!r} "
                f"({type(scalar).__name__}); products of observables are not supported: "
                "write the product's Pauli string instead"
            )
        factor = _real(scalar)
        return PauliSum((c * factor, label) for c, label in self._terms)

    __rmul__ = __mul__

    def __truediv__(self, scalar: Any) -> PauliSum:
        if not _is_scalar(scalar):
            raise QmlTypeError(
                f"an observable is divided by a real number, got {scalar!r} "
                f"({type(scalar).__name__})"
            )
        divisor = _real(scalar)
        if divisor == 0:
            raise QmlValueError("cannot divide an observable by zero")
        return self * (1.0 / divisor)

    def __rtruediv__(self, other: Any) -> PauliSum:
        raise QmlTypeError(
            f"cannot divide {other!r} by an observable; observables are scaled by numbers"
        )

    def __pow__(self, power: Any) -> PauliSum:
        raise QmlTypeError(
            "powers of observables are not supported; write the product's Pauli string "
            "(P**2 is the identity for one Pauli string)"
        )

    # -- conversion -----------------------------------------------------------------------------
    def masks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(coefficients, x, z, n_y)``: per term, the bits flipped, the bits read, Y count.

        Bits are packed in int64, so observables of at most 63 qubits have masks.
        """
        if self.num_qubits > MAX_MASK_QUBITS:
            raise QmlValueError(
                f"an observable of {self.num_qubits} qubits has no 64-bit masks (at most "
                f"{MAX_MASK_QUBITS} qubits); no state that wide can be simulated"
            )
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
        check_gate_size(1 << (2 * self.num_qubits), 16, f"the {self.num_qubits}-qubit matrix")
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
        refusal = QmlTypeError(
            f"cannot read a {type(operator).__name__} as an observable; pass a qml.Pauli, "
            "a sum of them, or a qiskit SparsePauliOp"
        )
        try:
            if hasattr(operator, "paulis") and hasattr(operator, "coeffs"):
                labels = list(operator.paulis.to_labels())
                coefficients = list(operator.coeffs)
            elif hasattr(operator, "to_label"):
                labels, coefficients = [operator.to_label()], [1.0]
            else:
                raise refusal
        except QmlTypeError:
            raise
        except Exception:  # an object that only looks like qiskit's
            raise refusal from None
        if len(labels) != len(coefficients):
            raise refusal
        terms = []
        for label, coefficient in zip(labels, coefficients, strict=True):
            if not isinstance(label, str):
                raise refusal
            phase = 1.0 + 0j
            while label[:1] in ("-", "i"):  # qiskit labels may carry a phase prefix: "-iXZ"
                phase *= -1 if label[0] == "-" else 1j
                label = label[1:]
            try:
                value = complex(coefficient)
            except (TypeError, ValueError):
                raise QmlTypeError(
                    f"the coefficient {coefficient} of {label!r} is not a number (a qiskit "
                    "parameter?); bind it before using the operator as an observable"
                ) from None
            terms.append((_real(value * phase), label))
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
        if not isinstance(letters, str):
            raise QmlTypeError(f"Pauli.on needs its letters as a string like 'ZZ', got {letters!r}")
        num_qubits = as_count(num_qubits, "num_qubits", 1, MAX_QUBITS)
        single = integer(qubits)
        if single is not None:
            qubits = [single]
        elif not is_sequence(qubits):
            raise QubitError(f"Pauli.on needs a sequence of qubit indices, got {qubits!r}")
        indices = [integer(q) for q in qubits]
        if None in indices:
            raise QubitError(f"qubit indices must be integers, got {list(qubits)!r}")
        qubits = indices  # type: ignore[assignment]
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
    if len(label) > MAX_QUBITS:
        raise QmlValueError(
            f"a Pauli label of {len(label):,} letters is beyond qml's {MAX_QUBITS:,} qubits"
        )
    if not label or not set(label) <= _LETTERS:
        bad = sorted(set(label) - _LETTERS) or ["(empty)"]
        raise QmlValueError(
            f"invalid Pauli label {label!r}: unexpected {', '.join(bad)}; use the letters I, X, "
            "Y and Z, one per qubit, rightmost for qubit 0"
        )
    return label


def _is_scalar(value: Any) -> bool:
    """True for what an observable's arithmetic takes as a coefficient (checked by ``_real``)."""
    if isinstance(value, np.ndarray):
        return value.ndim == 0
    return isinstance(value, numbers.Number) or isinstance(value, np.bool_)


def _real(value: Any) -> float:
    """A finite real coefficient, or a QmlError saying why ``value`` is not one."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (bool, np.bool_)):
        raise QmlTypeError(f"a coefficient must be a number, got the boolean {value!r}")
    if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real):
        if not np.isfinite(value):
            raise QmlValueError(f"the coefficient {value} is not finite; use a finite number")
        if abs(value.imag) > HERMITIAN_TOLERANCE:
            raise QmlValueError(
                f"the coefficient {value} is not real, so the observable is not Hermitian; "
                "use real coefficients"
            )
        return float(value.real)
    if not isinstance(value, numbers.Real):
        raise QmlTypeError(f"a coefficient must be a number, got {value!r}")
    try:
        number = float(value)
    except (OverflowError, ValueError):
        number = float("inf")
    if not np.isfinite(number):
        raise QmlValueError(
            f"the coefficient {value!r} is not finite; an observable needs finite real "
            "coefficients (NaN or infinity would make every expectation value NaN)"
        )
    return number


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
