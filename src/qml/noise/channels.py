"""Quantum channels: ``rho -> Σ_j K_j rho K_j†``, given by their Kraus operators.

Kraus operators are little-endian over the channel's qubits, as gate matrices
are: bit ``j`` of a row/column index is the channel's qubit ``j``, which is the
``j``-th qubit of the gate the channel is attached to. Pauli labels are in
qiskit's order (the rightmost character acts on qubit 0).

Each named channel equals the qiskit-aer error of the same parameter, which
``to_qiskit()`` returns, so a noise model converts without translation::

    channel               Kraus operators                           qiskit-aer
    BitFlip(p)            √(1-p) I, √p X                            pauli_error
    PhaseFlip(p)          √(1-p) I, √p Z                            pauli_error
    Depolarizing(p, n)    √(1 - p + p/4^n) I, √(p/4^n) P  (P ≠ I)   depolarizing_error(p, n)
    AmplitudeDamping(γ)   [[1, 0], [0, √(1-γ)]], [[0, √γ], [0, 0]]  amplitude_damping_error(γ)
    PhaseDamping(λ)       [[1, 0], [0, √(1-λ)]], [[0, 0], [0, √λ]]  phase_damping_error(λ)
    PauliChannel({P: p})  √p_P P                                    pauli_error
    Channel([K, ...])     as given; Σ K†K = I is checked            QuantumError(Kraus(...))
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Mapping
from functools import reduce
from typing import TYPE_CHECKING, Any

import numpy as np

from qml.errors import NoiseError, QmlTypeError, ShapeError
from qml.gates.base import complex_array, integer
from qml.simulator.density import transfer_matrix

if TYPE_CHECKING:
    from qiskit_aer.noise import QuantumError

#: Largest entry of |Σ K†K - I| accepted as trace preserving.
KRAUS_TOLERANCE = 1e-10

#: Largest entry of |S - I| (S the channel's transfer matrix) for a channel to count as ideal.
IDEAL_TOLERANCE = 1e-12

#: Widest channel: the density-matrix simulator applies a k-qubit channel as its
#: ``4**k x 4**k`` transfer matrix (16 MiB at 5 qubits, 256 MiB at 6), and the
#: k-qubit depolarizing channel has ``4**k`` Kraus operators.
MAX_CHANNEL_QUBITS = 5

PAULIS: dict[str, np.ndarray] = {
    "I": np.eye(2, dtype=np.complex128),
    "X": np.array([[0, 1], [1, 0]], dtype=np.complex128),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=np.complex128),
    "Z": np.array([[1, 0], [0, -1]], dtype=np.complex128),
}


def pauli_matrix(label: str) -> np.ndarray:
    """The matrix of a Pauli string; the rightmost character acts on qubit 0 (qiskit's order)."""
    if not isinstance(label, str) or not label or set(label) - set(PAULIS):
        raise NoiseError(f"{label!r} is not a Pauli label: a string of I, X, Y and Z")
    _check_width(len(label), f"the Pauli label {label[:12]!r}...")
    return reduce(np.kron, (PAULIS[c] for c in label))


def _check_width(num_qubits: int, what: str) -> None:
    if num_qubits > MAX_CHANNEL_QUBITS:
        raise NoiseError(
            f"{what} acts on {num_qubits} qubits; qml's channels act on at most "
            f"{MAX_CHANNEL_QUBITS} (the density-matrix simulator applies a k-qubit channel "
            "as a 4**k x 4**k matrix). Attach noise to smaller gates"
        )


def _probability(value: Any, name: str, owner: str, top: float = 1.0) -> float:
    """``value`` as a float in ``[0, top]``, else a NoiseError naming ``owner``'s ``name``."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)):
        raise QmlTypeError(f"{owner}: {name} must be a real number, got {value!r}")
    try:
        value = float(value)
    except (OverflowError, ValueError):
        value = math.inf
    if not 0.0 <= value <= top:  # NaN fails too
        raise NoiseError(f"{owner}: {name} must be between 0 and {top:g}, got {value!r}")
    return value


def _malformed(operators: Any) -> Exception:
    """The error for Kraus operators numpy cannot stack: ragged sizes, or not numbers."""
    if not isinstance(operators, str | bytes):
        try:
            shapes = [np.shape(op) for op in operators]
        except (TypeError, ValueError):
            shapes = []
        if len(set(shapes)) > 1:
            return ShapeError(
                f"Kraus operators must all have one size (2**k, 2**k); got shapes {shapes}"
            )
    return QmlTypeError(
        "Kraus operators must be a list of equal-sized square numeric matrices; "
        f"got {type(operators).__name__}"
    )


class Channel:
    """A quantum channel given by Kraus operators: ``rho -> Σ_j K_j rho K_j†``.

    ``Channel([K0, K1, ...])`` is the general channel: ``(2**k, 2**k)``
    matrices, little-endian over the channel's qubits, with
    ``max |Σ K†K - I| <= 1e-10`` (trace preserving), else a ``NoiseError``.
    The named channels below are settings of it.
    """

    def __init__(self, operators: Any) -> None:
        if isinstance(operators, (str, bytes)) or operators is None:
            raise _malformed(operators)
        if isinstance(operators, np.ndarray) and operators.ndim in (2, 3):
            _check_width(operators.shape[-1].bit_length() - 1, "a channel")  # before copying
        try:
            stack = np.array(complex_array(operators, "Kraus operators"))
        except ShapeError:
            raise _malformed(operators) from None
        if stack.ndim == 2:  # one operator: a unitary channel
            stack = stack[None]
        side = stack.shape[-1] if stack.ndim == 3 else 0
        k = side.bit_length() - 1
        if stack.ndim != 3 or stack.shape[1] != side or side < 2 or 1 << k != side:
            raise ShapeError(
                "Kraus operators must be (2**k, 2**k) matrices on k >= 1 qubits, all of one "
                f"size; got an array of shape {stack.shape}"
            )
        _check_width(k, "a channel")
        if not np.all(np.isfinite(stack)):
            raise NoiseError("Kraus operators contain NaN or infinity")
        gram = np.einsum("jab,jac->bc", stack.conj(), stack)  # Σ_j K_j† K_j
        error = np.abs(gram - np.eye(side)).max()
        if not error <= KRAUS_TOLERANCE:
            raise NoiseError(
                f"the Kraus operators are not trace preserving: max |Σ K†K - I| = {error:.2e} "
                f"> {KRAUS_TOLERANCE:g}. Make Σ K†K = I: divide every K by √λ (λ the largest "
                "eigenvalue of Σ K†K), then add √(I - Σ K†K) as one more operator; or check "
                "their entries"
            )
        stack.setflags(write=False)
        self._operators = stack
        self.num_qubits = k

    def kraus(self) -> list[np.ndarray]:
        """The Kraus operators, each ``(2**k, 2**k)``, little-endian over the channel's qubits."""
        return [k.copy() for k in self._operators]

    def transfer_matrix(self) -> np.ndarray:
        """``Σ_j K_j ⊗ conj(K_j)``, ``(4**k, 4**k)``: the action on a row-major flattened rho."""
        return transfer_matrix(self._operators)

    def is_ideal(self) -> bool:
        """True for the identity channel (to 1e-12); noise models skip it, as qiskit-aer does."""
        side = 1 << (2 * self.num_qubits)
        return bool(np.abs(self.transfer_matrix() - np.eye(side)).max() <= IDEAL_TOLERANCE)

    def tensor(self, other: Channel) -> Channel:
        """``self ⊗ other``: ``other`` on the low qubits (qiskit's ``tensor`` order).

        ``BitFlip(p).tensor(BitFlip(p))`` is independent bit flips on both qubits
        of a two-qubit gate.
        """
        if not isinstance(other, Channel):
            raise QmlTypeError(f"tensor() needs a qml.noise Channel, got {type(other).__name__}")
        _check_width(self.num_qubits + other.num_qubits, "the tensor product")
        return Channel([np.kron(a, b) for a in self._operators for b in other._operators])

    def to_qiskit(self) -> QuantumError:
        """The qiskit-aer ``QuantumError`` of this channel."""
        from qiskit.quantum_info import Kraus
        from qiskit_aer.noise import QuantumError

        return QuantumError(Kraus(self.kraus()))

    def __repr__(self) -> str:
        count, side = self._operators.shape[:2]
        return f"Channel(<{count} Kraus operator(s), {side}x{side}>)"


class PauliChannel(Channel):
    """Applies the Pauli string ``P`` with probability ``p_P``: Kraus operators ``√p_P P``.

    ``probabilities`` maps labels of equal length (qiskit's order: the rightmost
    character acts on qubit 0) to probabilities that sum to 1.
    """

    def __init__(self, probabilities: Mapping[str, float]) -> None:
        owner = type(self).__name__
        if not isinstance(probabilities, Mapping) or not probabilities:
            raise QmlTypeError(
                f"{owner} needs a non-empty mapping {{Pauli label: probability}}, "
                f'e.g. {{"I": 0.9, "X": 0.1}}; got {probabilities!r}'
            )
        sizes = {len(label) if isinstance(label, str) else -1 for label in probabilities}
        for label in probabilities:
            if not isinstance(label, str) or not label or set(label) - set(PAULIS):
                raise NoiseError(f"{owner}: {label!r} is not a Pauli label of I, X, Y and Z")
        if len(sizes) > 1:
            raise NoiseError(f"{owner}: Pauli labels of different lengths {sorted(sizes)}")
        _check_width(sizes.pop(), owner)
        self.probabilities = {
            label: _probability(p, f"the probability of {label!r}", owner)
            for label, p in probabilities.items()
        }
        total = sum(self.probabilities.values())
        if abs(total - 1) > KRAUS_TOLERANCE:
            raise NoiseError(f"{owner}: probabilities sum to {total!r}, expected 1")
        super().__init__(
            [np.sqrt(p) * pauli_matrix(label) for label, p in self.probabilities.items() if p > 0]
        )

    def to_qiskit(self) -> QuantumError:
        """qiskit-aer's ``pauli_error`` with the same probabilities."""
        from qiskit_aer.noise import pauli_error

        return pauli_error([(label, p) for label, p in self.probabilities.items() if p > 0])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.probabilities!r})"


class BitFlip(PauliChannel):
    """X with probability ``p``: Kraus operators ``√(1-p) I`` and ``√p X`` (0 <= p <= 1)."""

    def __init__(self, p: float) -> None:
        self.p = _probability(p, "p", "BitFlip")
        super().__init__({"I": 1 - self.p, "X": self.p})

    def __repr__(self) -> str:
        return f"BitFlip({self.p!r})"


class PhaseFlip(PauliChannel):
    """Z with probability ``p``: Kraus operators ``√(1-p) I`` and ``√p Z`` (0 <= p <= 1)."""

    def __init__(self, p: float) -> None:
        self.p = _probability(p, "p", "PhaseFlip")
        super().__init__({"I": 1 - self.p, "Z": self.p})

    def __repr__(self) -> str:
        return f"PhaseFlip({self.p!r})"


class Depolarizing(PauliChannel):
    """``rho -> (1 - p) rho + p Tr(rho) I / 2**n``, qiskit-aer's ``depolarizing_error(p, n)``.

    Each of the ``4**n - 1`` non-identity Pauli strings has probability
    ``p / 4**n``, the identity ``1 - p + p / 4**n``; ``0 <= p <= 4**n / (4**n - 1)``
    (``p = 1`` is the fully depolarizing channel).
    """

    def __init__(self, p: float, num_qubits: int = 1) -> None:
        count = integer(num_qubits)
        if count is None:
            raise QmlTypeError(f"Depolarizing: num_qubits must be an int, got {num_qubits!r}")
        if count < 1:
            raise NoiseError(f"Depolarizing: num_qubits must be >= 1, got {num_qubits}")
        _check_width(count, "Depolarizing")
        num_qubits = count
        terms = 4**num_qubits
        top = terms / (terms - 1)
        self.p = _probability(p, "p", "Depolarizing", top=top)
        labels = ["".join(t) for t in itertools.product("IXYZ", repeat=int(num_qubits))]
        # identity first with qiskit-aer's 1 - p/top, exactly 0 at p = top (no rounding below 0)
        probabilities = {label: self.p / terms for label in labels[1:]}
        super().__init__({labels[0]: 1 - self.p / top, **probabilities})

    def to_qiskit(self) -> QuantumError:
        """qiskit-aer's ``depolarizing_error(p, num_qubits)``."""
        from qiskit_aer.noise import depolarizing_error

        return depolarizing_error(self.p, self.num_qubits)

    def __repr__(self) -> str:
        return f"Depolarizing({self.p!r}, num_qubits={self.num_qubits})"


class AmplitudeDamping(Channel):
    """Decay ``|1> -> |0>`` with probability γ (T1): Kraus operators below (0 <= γ <= 1).

    ``K0 = [[1, 0], [0, √(1-γ)]]``, ``K1 = [[0, √γ], [0, 0]]``.
    """

    def __init__(self, gamma: float) -> None:
        g = self.gamma = _probability(gamma, "gamma", "AmplitudeDamping")
        super().__init__([[[1, 0], [0, np.sqrt(1 - g)]], [[0, np.sqrt(g)], [0, 0]]])

    def to_qiskit(self) -> QuantumError:
        """qiskit-aer's ``amplitude_damping_error(gamma)``."""
        from qiskit_aer.noise import amplitude_damping_error

        return amplitude_damping_error(self.gamma)

    def __repr__(self) -> str:
        return f"AmplitudeDamping({self.gamma!r})"


class PhaseDamping(Channel):
    """Loss of coherence without loss of energy (T2), 0 <= λ <= 1.

    ``K0 = [[1, 0], [0, √(1-λ)]]``, ``K1 = [[0, 0], [0, √λ]]``: off-diagonal
    entries of ``rho`` shrink by ``√(1-λ)``; populations are kept.
    """

    def __init__(self, lam: float) -> None:
        x = self.lam = _probability(lam, "lam", "PhaseDamping")
        super().__init__([[[1, 0], [0, np.sqrt(1 - x)]], [[0, 0], [0, np.sqrt(x)]]])

    def to_qiskit(self) -> QuantumError:
        """qiskit-aer's ``phase_damping_error(lam)``."""
        from qiskit_aer.noise import phase_damping_error

        return phase_damping_error(self.lam)

    def __repr__(self) -> str:
        return f"PhaseDamping({self.lam!r})"


__all__ = [
    "KRAUS_TOLERANCE",
    "PAULIS",
    "AmplitudeDamping",
    "BitFlip",
    "Channel",
    "Depolarizing",
    "PauliChannel",
    "PhaseDamping",
    "PhaseFlip",
    "pauli_matrix",
]
