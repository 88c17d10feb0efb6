"""Lowering a gate to the compiled engine's ops, by asking the gate what it is.

No gate is looked up by name. The engine reads the trait's facts
(:class:`qml.gates.Gate`) and picks the cheapest primitive that is exact:

* a one-parameter gate with a Pauli generator (``exp(-iθ·s·P/2)``) becomes a
  rotation whose numbers the kernels build from the slot phase
  ``exp(i·s·θ/2)``: about X, Y or Z on one target (RX, RY, RZ and their
  controlled forms), a phase on a projector (P, CP), a Z-string parity (RZZ) or
  a general Pauli string (RXX, RYY, RZX);
* a gate without free parameters is lowered from its data by structure: a
  permutation that flips one bit under controls, or swaps two, is a swap of
  amplitudes (X, CX, CCX, SWAP, CSWAP, MCX); a diagonal that is one phase on a
  subcube is a phase (Z, S, T, CZ, CCZ), one that depends on one bit under
  controls a two-entry diagonal; anything else a table (diagonal, permutation)
  or a dense matrix, controls kept as controls;
* any other gate (U, CU, a user's parameterized gate) is a dense op whose
  matrix is computed per call from the gate's own ``_matrix`` over the batch.

The op table's columns and kinds match ``native/ops.hpp``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qml.gates import Gate

# Columns of the op table (native/ops.hpp: enum Column).
KIND, NINS, QOFF, K, ON, T, A, B, NY, SLOT, SRC, DOFF, GSLOT, GKIND, GOFF, WIDTH = range(16)
# Kinds (native/ops.hpp: enum Kind).
NOP, MAT1, REAL1, RX, DIAG1, PHASE, SWAP, PARITY, PAULI, MATK, DIAGK, PERMK, SPLIT = range(13)
# Where an op's numbers come from, and its generator for the adjoint sweep.
FROM_MATS, FROM_ROWS, FROM_PHASE = 0, 1, 2
GEN_NATURAL, GEN_DENSE = 0, 1

#: Kinds that multiply amplitudes by phases only (fusion groups them).
DIAGONAL_KINDS = frozenset({PHASE, DIAG1, PARITY, DIAGK, SPLIT})
#: Kinds the slot phase drives, by the letter of their one non-projector generator qubit.
_ROTATION_KIND = {"X": RX, "Y": REAL1, "Z": DIAG1}


@dataclass(slots=True)
class Op:
    """One lowered op before it is packed into the table (positions are state qubits).

    ``inserted``: the qubits whose bits the walk sets to zero (then ``on`` is
    set); ``local``: a table op's qubits, or a gate's targets, in the gate's
    order. ``data`` holds constant numbers (``table`` a permutation for PERMK),
    ``runtime`` computes per-row numbers from the gate's angle columns.
    """

    kind: int
    inserted: list[int]
    on: int = 0
    t: int = 0
    a: int = 0
    b: int = 0
    ny: int = 0
    local: list[int] = field(default_factory=list)
    source: int = FROM_MATS
    data: np.ndarray | None = None
    table: np.ndarray | None = None
    runtime: Callable[[Gate], np.ndarray] | None = None
    generator: np.ndarray | None = None  # dense, over ``local`` (GEN_DENSE)
    scale: float = 1.0  # slot phase exp(i·scale·θ/2); d/dθ = scale · d/dφ

    @property
    def qubits(self) -> frozenset[int]:
        """Every qubit the op reads or writes."""
        touched = set(self.inserted)
        touched.update(self.local)
        masks, q = self.on | self.a | self.b, 0
        while masks:
            if masks & 1:
                touched.add(q)
            masks >>= 1
            q += 1
        return frozenset(touched)

    def relocated(self, qubits: Sequence[int]) -> Op:
        """This op, lowered on the gate's own qubits ``0 .. k-1``, placed on ``qubits``."""
        inserted = [qubits[j] for j in self.inserted]
        a = _spread(self.a, qubits)
        if self.kind == PAULI:  # pairs by the lowest X bit in the state's order (see _rotation)
            inserted[-1] = (a & -a).bit_length() - 1
        return Op(
            self.kind, inserted, _spread(self.on, qubits), qubits[self.t], a,
            _spread(self.b, qubits), self.ny, [qubits[j] for j in self.local], self.source,
            self.data, self.table, self.runtime, self.generator, self.scale,
        )  # fmt: skip


def _spread(mask: int, qubits: Sequence[int]) -> int:
    """Gate-local bits ``mask`` (bit ``j``: the gate's qubit ``j``) as state bits."""
    out, j = 0, 0
    while mask:
        if mask & 1:
            out |= 1 << qubits[j]
        mask >>= 1
        j += 1
    return out


def lower(gate: Gate, qubits: Sequence[int]) -> list[Op]:
    """The ops that apply ``gate`` on ``qubits`` (``qubits[j]`` plays its qubit ``j``).

    The gate is lowered on its own qubits ``0 .. k-1`` and the ops are then placed;
    a gate its class alone determines (a CX, an RY of any angle) is lowered once.
    """
    key = _class_key(gate)
    local = _LOCAL.get(key) if key is not None else None
    if local is None:
        local = _lower_local(gate)
        if key is not None:
            if len(_LOCAL) > 4096:
                _LOCAL.clear()
            _LOCAL[key] = local
    return [op.relocated(qubits) for op in local]


#: Lowered ops of gates that their class (and numeric parameters) determine, on local qubits.
_LOCAL: dict[tuple, list[Op]] = {}


def _class_key(gate: Gate) -> tuple | None:
    """What determines the lowering of ``gate``, when it is not data of the instance."""
    if gate.pauli_generator is not None and gate.num_params == 1:
        return ("rotation", gate.num_qubits, gate.pauli_generator, gate.generator_scale)
    if type(gate).__init__ is not Gate.__init__:  # instance data (Unitary, Controlled, ...)
        return None
    if gate.is_parameterized or gate.batch_size is not None:
        return None
    return (type(gate), tuple(float(p) for p in gate.params))


def _lower_local(gate: Gate) -> list[Op]:
    qubits = list(range(gate.num_qubits))
    if gate.pauli_generator is not None and gate.num_params == 1:
        return [_rotation(gate.pauli_generator, gate.generator_scale, qubits)]
    if not gate.is_parameterized and gate.batch_size is None:
        return _constant(gate, qubits)
    # angles that vary, or a gate that holds one matrix per sample: numbers per call
    return [_runtime(gate, qubits)]


def _mask(qubits: Sequence[int]) -> int:
    return sum(1 << q for q in qubits)


def _rotation(letters: str, scale: float, qubits: list[int]) -> Op:
    """``exp(-iφP/2)`` for Pauli letters (projectors ``1``/``0`` as controls)."""
    ones = [q for q, c in zip(qubits, letters, strict=True) if c == "1"]
    zeros = [q for q, c in zip(qubits, letters, strict=True) if c == "0"]
    paulis = [(q, c) for q, c in zip(qubits, letters, strict=True) if c in "XYZ"]
    controls, on = ones + zeros, _mask(ones)
    op = Op(kind=PHASE, inserted=controls, on=on, source=FROM_PHASE, scale=scale)
    if len(paulis) == 1:
        ((t, letter),) = paulis
        op.kind, op.t, op.inserted = _ROTATION_KIND[letter], t, [*controls, t]
    elif paulis and all(c == "Z" for _, c in paulis):
        op.kind, op.a = PARITY, _mask(q for q, _ in paulis)
    elif paulis:
        x = _mask(q for q, c in paulis if c in "XY")
        op.kind, op.a, op.b = PAULI, x, _mask(q for q, c in paulis if c in "ZY")
        op.ny = sum(c == "Y" for _, c in paulis)
        # the lowest X bit: each pair visited once, and runs of amplitudes (which stay below
        # every inserted bit) never reach an X bit, so partners are a run too
        op.inserted = [*controls, (x & -x).bit_length() - 1]
    return op


# -- constant gates, lowered from their data -------------------------------------------------------


def _constant(gate: Gate, qubits: list[int]) -> list[Op]:
    if gate.structure == "permutation":
        return [_permutation(np.asarray(gate.permutation), qubits)]
    if gate.structure == "diagonal":
        return [_diagonal(np.asarray(gate.diagonal()), qubits)]
    matrix = np.asarray(gate.matrix(), dtype=np.complex128)
    if _is_diagonal(matrix):  # a Unitary (or user gate) that is structured after all
        return [_diagonal(np.diag(matrix).copy(), qubits)]
    if _is_permutation(matrix):
        return [_permutation(np.argmax(np.abs(matrix), axis=1), qubits)]
    controls, targets, on, block = _controlled_block(gate, matrix, qubits)
    return [_dense(block, controls, targets, on)]


def _is_diagonal(matrix: np.ndarray) -> bool:
    return not np.any(matrix - np.diag(np.diag(matrix)))


def _is_permutation(matrix: np.ndarray) -> bool:
    return bool(np.all((matrix == 0) | (matrix == 1)) and np.all(matrix.sum(axis=1) == 1))


def _controlled_block(
    gate: Gate, matrix: np.ndarray, qubits: list[int]
) -> tuple[list[int], list[int], int, np.ndarray]:
    """``(controls, targets, on, target block)`` of a gate that declares controls."""
    c = gate.num_controls
    if not c:
        return [], qubits, 0, matrix
    state = getattr(gate, "ctrl_state", (1 << c) - 1)
    active = (np.arange(matrix.shape[-1] >> c) << c) | state
    block = matrix[..., active[:, None], active[None, :]]
    on = _mask(q for j, q in enumerate(qubits[:c]) if (state >> j) & 1)
    return qubits[:c], qubits[c:], on, block


def _state_bits(local_mask: int, qubits: list[int]) -> int:
    """The state bits of the gate-local bits ``local_mask`` (bit ``j`` is ``qubits[j]``)."""
    return _mask(q for j, q in enumerate(qubits) if (local_mask >> j) & 1)


def _dense(block: np.ndarray, controls: list[int], targets: list[int], on: int) -> Op:
    if len(targets) == 1:
        kind = MAT1 if np.any(block.imag) else REAL1
        return Op(kind, [*controls, targets[0]], on=on, t=targets[0], local=targets,
                  data=block.ravel())  # fmt: skip
    return Op(MATK, [*controls, *targets], on=on, local=targets, data=block.ravel())


def _constant_bits(indices: np.ndarray, k: int, free: int = 0) -> tuple[int, int]:
    """``(mask, value)``: the bits outside ``free`` that are constant over ``indices``."""
    varying = int(np.bitwise_or.reduce(indices ^ indices[0]))
    mask = ((1 << k) - 1) & ~varying & ~free
    return mask, int(indices[0]) & mask


def _on_subcube(index: np.ndarray, mask: int, value: int) -> np.ndarray:
    return (index & mask) == value


def _positions(mask: int, qubits: list[int]) -> list[int]:
    return [q for j, q in enumerate(qubits) if (mask >> j) & 1]


def _permutation(table: np.ndarray, qubits: list[int]) -> Op:
    """A permutation table: a swap of two amplitudes under controls if it is one, else a table.

    The candidate (which bits flip, which bits are fixed) is read off the moved
    indices, then accepted only if the permutation it implies is ``table``.
    """
    k = len(qubits)
    index = np.arange(1 << k)
    moved = index[table != index]
    if not len(moved):
        return Op(NOP, [])
    flip = int(moved[0] ^ table[moved[0]])
    bits = [j for j in range(k) if (flip >> j) & 1]
    if len(bits) in (1, 2):
        low = moved[(moved >> bits[0]) & 1 == 0]  # one index of each exchanged pair
        mask, value = _constant_bits(low, k, free=flip if len(bits) == 1 else 0)
        mask &= ~flip
        value &= mask
        visited = _on_subcube(index, mask, value)
        if len(bits) == 2:  # a swap moves only where the two bits differ
            visited &= ((index >> bits[0]) & 1) != ((index >> bits[1]) & 1)
        implied = np.where(visited, index ^ flip, index)
        if np.array_equal(implied, table):
            on = _state_bits(value, qubits)
            inserted = _positions(mask, qubits)
            if len(bits) == 1:
                t = qubits[bits[0]]
                return Op(SWAP, [*inserted, t], on=on, a=0, b=1 << t)
            pa, pb = qubits[bits[0]], qubits[bits[1]]
            return Op(SWAP, [*inserted, pa, pb], on=on, a=1 << pa, b=1 << pb)
    both = np.concatenate([table, np.argsort(table)]).astype(np.int64)
    return Op(PERMK, list(qubits), local=list(qubits), table=both)


def _diagonal(phases: np.ndarray, qubits: list[int]) -> Op:
    """A constant diagonal: nothing, one phase on a subcube, two phases by one bit, or a table.

    As for permutations, each candidate is accepted only if it implies ``phases``.
    """
    k = len(qubits)
    index = np.arange(1 << k)
    changed = index[phases != 1]
    if not len(changed):
        return Op(NOP, [])
    mask, value = _constant_bits(changed, k)
    implied = np.where(_on_subcube(index, mask, value), phases[changed[0]], 1)
    if np.array_equal(implied, phases):
        return Op(PHASE, _positions(mask, qubits), on=_state_bits(value, qubits),
                  data=np.array([phases[changed[0]], 0, 0, 1], dtype=np.complex128))  # fmt: skip
    for j in range(k):  # one bit picks between two phases where the other bits are fixed
        mask, value = _constant_bits(changed, k, free=1 << j)
        d0, d1 = phases[value], phases[value | 1 << j]
        implied = np.where(_on_subcube(index, mask, value), np.where((index >> j) & 1, d1, d0), 1)
        if np.array_equal(implied, phases):
            t = qubits[j]
            return Op(DIAG1, [*_positions(mask, qubits), t], on=_state_bits(value, qubits), t=t,
                      data=np.array([d0, d1, 0, 1], dtype=np.complex128))  # fmt: skip
    return Op(DIAGK, list(qubits), local=list(qubits), data=phases.astype(np.complex128))


# -- parameterized gates with no Pauli generator: matrices per call -----------------------------


def _runtime(gate: Gate, qubits: list[int]) -> Op:
    """A dense (or diagonal) op whose numbers ``gate._matrix`` gives per row at run time."""
    c = gate.num_controls
    generator = gate.generator()
    if gate.structure == "diagonal" and not c:
        op = Op(DIAGK, list(qubits), local=list(qubits), source=FROM_ROWS,
                runtime=lambda g: g.diagonal())  # fmt: skip
    elif c and hasattr(gate, "target_matrix"):
        state = getattr(gate, "ctrl_state", (1 << c) - 1)
        controls, targets = qubits[:c], qubits[c:]
        on = _mask(q for j, q in enumerate(controls) if (state >> j) & 1)
        kind = MAT1 if len(targets) == 1 else MATK
        op = Op(kind, [*controls, *targets], on=on, t=targets[0], local=targets,
                source=FROM_ROWS, runtime=lambda g: g.target_matrix())  # fmt: skip
        if generator is not None:
            active = (np.arange(1 << len(targets)) << c) | state
            generator = generator[np.ix_(active, active)]
    else:
        kind = MAT1 if len(qubits) == 1 else MATK
        op = Op(kind, list(qubits), t=qubits[0], local=list(qubits), source=FROM_ROWS,
                runtime=lambda g: g.matrix())  # fmt: skip
    op.generator = None if generator is None else np.asarray(generator, dtype=np.complex128)
    return op


def runtime_width(op: Op) -> int:
    """Complex numbers per row that a runtime op's data takes."""
    d = 1 << len(op.local)
    return d if op.kind == DIAGK else d * d


def evaluate(op: Op, gate: Gate, columns: Sequence[Any], rows: int) -> np.ndarray:
    """A runtime op's numbers for ``rows`` rows from its gate's angle columns: ``(rows, width)``."""
    values = [c if np.ndim(c) == 0 else np.asarray(c) for c in columns]
    data = np.asarray(op.runtime(gate.with_params(*values)), dtype=np.complex128)  # type: ignore[misc]
    return np.broadcast_to(data.reshape(-1, runtime_width(op)), (rows, runtime_width(op)))
