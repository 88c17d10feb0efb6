"""Gates made from data or from other gates: diagonals, permutations, controls, inverses.

These are what qiskit's ``DiagonalGate``, ``PermutationGate`` and controlled
gates (``MCXGate``, ``gate.control(k)``) import as, and how a gate is inverted
or conjugated when it has no closed form of its own. Each keeps the structure
of what it is made from, so the engine runs it on its fast paths (a controlled
X of ten qubits is a swap of two amplitudes, not a 2**10 x 2**10 matrix).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from qml.errors import NotUnitaryError, QmlTypeError, QmlValueError, ShapeError
from qml.gates.base import (
    MAX_QUBITS,
    Gate,
    check_gate_size,
    complex_array,
    controlled_matrix,
    embed_diagonal,
    integer,
)

#: Largest |phase| - 1 accepted for a diagonal unitary (as ``Unitary``'s tolerance).
PHASE_TOLERANCE = 1e-10


def _power_of_two(size: int, what: str) -> int:
    k = size.bit_length() - 1
    if size < 2 or 1 << k != size:
        raise ShapeError(f"{what} needs 2**k entries for k >= 1 qubits; got {size}")
    return k


class Diagonal(Gate):
    """A diagonal unitary given by its phases: ``diag(phases)``, little-endian over its qubits.

    ``phases`` has ``2**k`` entries of modulus 1 (qiskit's ``DiagonalGate``).
    """

    name = "diagonal"
    structure = "diagonal"

    def __init__(self, phases: Any) -> None:
        if isinstance(phases, (str, bytes)) or phases is None:
            raise QmlTypeError(f"Diagonal needs numeric phases; got {type(phases).__name__}")
        array = complex_array(phases, "Diagonal needs numeric phases")
        if isinstance(phases, np.ndarray) and np.may_share_memory(array, phases):
            array = array.copy()  # ours alone: made read-only below
        if array.ndim != 1:
            raise ShapeError(f"Diagonal needs a 1-D array of phases; got shape {array.shape}")
        self.num_qubits = _power_of_two(array.shape[0], "Diagonal")
        with np.errstate(all="ignore"):  # NaN and infinity fail the check below
            error = np.abs(np.abs(array) - 1).max()
        if not error <= PHASE_TOLERANCE:
            raise NotUnitaryError(
                f"a diagonal unitary needs entries of modulus 1; max ||d| - 1| = {error:.2e}. "
                "Normalise the phases (d / abs(d))"
            )
        array.setflags(write=False)
        self._phases = array
        self.params = ()

    def _diagonal(self) -> np.ndarray:
        return self._phases.copy()

    def with_params(self, *params: Any) -> Gate:
        return self

    def inverse(self) -> Gate:
        return Diagonal(self._phases.conj())

    def conjugate(self) -> Gate:
        return Diagonal(self._phases.conj())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Diagonal):
            return NotImplemented
        return np.array_equal(self._phases, other._phases)

    def __hash__(self) -> int:
        return hash(("diagonal", self.num_qubits))

    def __repr__(self) -> str:
        return f"Diagonal(<{self._phases.shape[0]} phases>)"


class Permutation(Gate):
    """A permutation of basis states: ``new[i] = old[table[i]]`` on the gate's local index.

    ``table`` is a permutation of ``range(2**k)``. ``Permutation.of_qubits(pattern)``
    builds qiskit's ``PermutationGate(pattern)``, which moves qubit ``pattern[j]`` to
    position ``j``.
    """

    name = "permutation"
    structure = "permutation"

    def __init__(self, table: Any) -> None:
        try:
            array = np.asarray(table)
        except (ValueError, TypeError, OverflowError):  # ragged or unreadable nesting
            array = np.asarray(None)
        if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
            raise QmlTypeError(
                f"Permutation needs a 1-D array of integers; got {array.dtype} {array.shape}"
            )
        self.num_qubits = _power_of_two(array.shape[0], "Permutation")
        if not np.array_equal(np.sort(array), np.arange(array.shape[0])):
            raise QmlValueError(
                "Permutation needs each index 0 .. 2**k - 1 exactly once; "
                "check the table for repeats"
            )
        self.permutation = array.astype(np.int64)
        self.permutation.setflags(write=False)
        self.params = ()

    @classmethod
    def of_qubits(cls, pattern: Any) -> Permutation:
        """qiskit's ``PermutationGate(pattern)``: qubit ``pattern[j]`` ends at position ``j``."""
        if isinstance(pattern, (str, bytes)) or integer(pattern) is not None:
            raise QmlTypeError(f"a qubit pattern is a sequence of ints, got {pattern!r}")
        try:
            entries = list(pattern)
        except TypeError:
            raise QmlTypeError(f"a qubit pattern is a sequence of ints, got {pattern!r}") from None
        indices = [integer(q) for q in entries]
        if None in indices or not entries:
            raise QmlTypeError(f"a qubit pattern is a non-empty sequence of ints, got {entries!r}")
        pattern = [int(q) for q in indices]  # type: ignore[arg-type]
        if sorted(pattern) != list(range(len(pattern))):
            raise QmlValueError(f"a qubit pattern must permute 0 .. k-1; got {pattern}")
        check_gate_size(1 << len(pattern), 8, f"the table of a {len(pattern)}-qubit permutation")
        index = np.arange(1 << len(pattern))
        table = np.zeros_like(index)
        for j, q in enumerate(pattern):  # new bit j comes from old bit q
            table |= ((index >> j) & 1) << q
        return cls(table)

    def qubit_pattern(self) -> list[int] | None:
        """The ``pattern`` of ``of_qubits`` if this permutes whole qubits, else None."""
        table = self.permutation
        pattern = [int(table[1 << j]).bit_length() - 1 for j in range(self.num_qubits)]
        if sorted(pattern) != list(range(self.num_qubits)):
            return None
        same = np.array_equal(Permutation.of_qubits(pattern).permutation, table)
        return pattern if same else None

    def with_params(self, *params: Any) -> Gate:
        return self

    def inverse(self) -> Gate:
        return Permutation(np.argsort(self.permutation))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Permutation):
            return NotImplemented
        return np.array_equal(self.permutation, other.permutation)

    def __hash__(self) -> int:
        return hash(("permutation", self.num_qubits))

    def __repr__(self) -> str:
        return f"Permutation(<{self.permutation.shape[0]} entries>)"


class Controlled(Gate):
    """``base`` applied to the last qubits when the first ``num_controls`` are in ``ctrl_state``.

    ``ctrl_state`` is an int whose bit ``j`` is the state control ``j`` needs
    (default: all ``|1>``, as qiskit's). Structure, parameters and generator follow
    from ``base``: ``Controlled(RZ(θ), 3)`` is a diagonal rotation.
    """

    draw_as = "control"

    def __init__(self, base: Gate, num_controls: int = 1, ctrl_state: int | None = None) -> None:
        if not isinstance(base, Gate):
            raise QmlTypeError(f"Controlled needs a qml Gate to control, got {type(base).__name__}")
        count = integer(num_controls)
        if count is None or count < 1:
            raise QmlValueError(f"num_controls must be a positive int, got {num_controls!r}")
        if count + base.num_qubits > MAX_QUBITS:
            raise QmlValueError(
                f"{count:,} controls on a {base.num_qubits}-qubit gate exceed the "
                f"{MAX_QUBITS:,} qubits a qml circuit may have"
            )
        num_controls = count
        full = (1 << num_controls) - 1
        state = full if ctrl_state is None else integer(ctrl_state)
        if state is None or not 0 <= state <= full:
            raise QmlValueError(
                f"ctrl_state must be an int from 0 to {full} for {num_controls} control(s); "
                f"got {ctrl_state!r}"
            )
        self.base = base
        self.num_controls = num_controls  # type: ignore[misc]
        self.ctrl_state = int(state)
        self.num_qubits = num_controls + base.num_qubits
        self.num_params = base.num_params  # type: ignore[misc]
        self.params = base.params
        self.structure = base.structure  # type: ignore[misc]
        self.label = base.label or base.name.upper()
        prefix = "c" * num_controls if num_controls <= 2 else f"c{num_controls}"
        suffix = "" if self.ctrl_state == full else f"_o{self.ctrl_state}"  # as qiskit names them
        self.name = prefix + base.name + suffix  # type: ignore[misc]
        if base.pauli_generator is not None and base.num_params == 1:
            letters = "".join(
                "1" if (self.ctrl_state >> j) & 1 else "0" for j in range(num_controls)
            )
            self.pauli_generator = letters + base.pauli_generator  # type: ignore[misc]
            self.generator_scale = base.generator_scale  # type: ignore[misc]
        if base.structure == "permutation":
            check_gate_size(
                1 << self.num_qubits, 8, f"the table of a {self.num_qubits}-qubit permutation"
            )
            self.permutation = self._controlled_permutation()  # type: ignore[misc]

    def _active(self) -> np.ndarray:
        """Local indices where every control is in its state, in the base's order."""
        k = self.num_controls
        return (np.arange(1 << self.base.num_qubits) << k) | self.ctrl_state

    def _controlled_permutation(self) -> np.ndarray:
        table = np.arange(1 << self.num_qubits)
        active = self._active()
        table[active] = active[np.asarray(self.base.permutation)]
        return table

    def _diagonal(self, *values: Any) -> np.ndarray:
        inner = self.base.with_params(*values).diagonal()
        out = np.ones((*inner.shape[:-1], 1 << self.num_qubits), dtype=np.complex128)
        out[..., self._active()] = inner
        return out

    def _matrix(self, *values: Any) -> np.ndarray:
        return controlled_matrix(self.target_matrix(*values), self.num_controls, self.ctrl_state)

    def target_matrix(self, *values: Any) -> np.ndarray:
        """The base gate's matrix (applied when the controls are in ``ctrl_state``)."""
        base = self.base.with_params(*values) if values else self.base
        return base.matrix()

    def generator(self) -> np.ndarray | None:
        if self.pauli_generator is not None:
            return super().generator()
        inner = self.base.generator()
        if inner is None:
            return None
        check_gate_size(1 << (2 * self.num_qubits), 16, f"the generator of {self.name!r}")
        d = 1 << self.num_qubits
        out = np.zeros((d, d), dtype=np.complex128)
        active = self._active()
        out[np.ix_(active, active)] = inner
        return out

    def with_params(self, *params: Any) -> Gate:
        return Controlled(self.base.with_params(*params), self.num_controls, self.ctrl_state)

    def inverse(self) -> Gate:
        return Controlled(self.base.inverse(), self.num_controls, self.ctrl_state)

    def conjugate(self) -> Gate:
        return Controlled(self.base.conjugate(), self.num_controls, self.ctrl_state)

    def decompose(self) -> list[tuple[Gate, tuple[int, ...]]] | None:
        parts = self.base.decompose()
        if parts is None:
            return None
        k = self.num_controls
        controls = tuple(range(k))
        return [
            (Controlled(gate, k, self.ctrl_state), controls + tuple(q + k for q in qubits))
            for gate, qubits in parts
        ]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Controlled):
            return NotImplemented
        return (self.num_controls, self.ctrl_state) == (
            other.num_controls,
            other.ctrl_state,
        ) and self.base == other.base

    def __hash__(self) -> int:
        return hash(("controlled", self.num_controls, hash(self.base)))

    def __repr__(self) -> str:
        state = "" if self.ctrl_state == (1 << self.num_controls) - 1 else f", {self.ctrl_state}"
        return f"Controlled({self.base!r}, {self.num_controls}{state})"


class DerivedGate(Gate):
    """A gate defined by a transformation of another gate's matrix, with its parameters.

    The base of ``Inverse`` and ``Conjugated``: they keep the wrapped gate's
    structure and parameters (symbolic or batched) and transform its matrix.
    """

    suffix: ClassVar[str] = ""

    def __init__(self, gate: Gate) -> None:
        if not isinstance(gate, Gate):
            raise QmlTypeError(
                f"{type(self).__name__} needs a qml Gate instance, got {gate!r}; "
                "instantiate a gate class first (H(), RX(0.1))"
            )
        self.gate = gate
        self.num_qubits = gate.num_qubits
        self.num_params = gate.num_params  # type: ignore[misc]
        self.params = gate.params
        self.structure = gate.structure  # type: ignore[misc]
        self.name = gate.name + self.suffix  # type: ignore[misc]
        self.label = (gate.label or gate.name) + self.suffix
        if gate.structure == "permutation":
            self.permutation = self._permutation(np.asarray(gate.permutation))  # type: ignore[misc]

    def _permutation(self, table: np.ndarray) -> np.ndarray:
        return table

    def with_params(self, *params: Any) -> Gate:
        return type(self)(self.gate.with_params(*params))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.gate == other.gate  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, hash(self.gate)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.gate!r})"


class Inverse(DerivedGate):
    """The inverse of ``gate``, parameters kept symbolic: its matrix is the conjugate transpose."""

    suffix = "_dg"

    def _permutation(self, table: np.ndarray) -> np.ndarray:
        return np.argsort(table)

    def _diagonal(self, *values: Any) -> np.ndarray:
        return self.gate.with_params(*values).diagonal().conj()

    def _matrix(self, *values: Any) -> np.ndarray:
        return np.conj(np.swapaxes(self.gate.with_params(*values).matrix(), -1, -2))

    def generator(self) -> np.ndarray | None:
        inner = self.gate.generator()  # U(θ)^-1 = exp(+iθG/2) = exp(-iθ(-G)/2)
        return None if inner is None else -inner

    def inverse(self) -> Gate:
        return self.gate


class Conjugated(DerivedGate):
    """``gate`` with its matrix complex-conjugated (what a density matrix's columns see)."""

    suffix = "_conj"

    def _diagonal(self, *values: Any) -> np.ndarray:
        return self.gate.with_params(*values).diagonal().conj()

    def _matrix(self, *values: Any) -> np.ndarray:
        return np.conj(self.gate.with_params(*values).matrix())

    def generator(self) -> np.ndarray | None:
        inner = self.gate.generator()  # conj(exp(-iθG/2)) = exp(-iθ(-conj G)/2)
        return None if inner is None else -np.conj(inner)

    def conjugate(self) -> Gate:
        return self.gate


def matrix_of(gate: Gate) -> np.ndarray:
    """``gate``'s dense matrix whatever its structure: ``(d, d)`` or ``(B, d, d)``."""
    if gate.structure == "diagonal":
        return embed_diagonal(gate.diagonal())
    return gate.matrix()
