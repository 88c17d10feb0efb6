"""Gate fusion: fewer passes over memory, same result.

On a large state (or a large batch) every op is a pass over memory, so the
planner merges ops whose combination costs no more arithmetic than one of them:

* **diagonal groups**: diagonal ops (RZ, P, CZ, RZZ, ...) commute with each
  other and with any op on other qubits, so each one moves back to the latest
  group it can join; a group becomes one pass multiplying amplitude ``i`` by
  ``low[i & mask] * high[i >> h]``, two tables over the low and high halves of
  the qubits (a member must lie within one half);
* **one-qubit chains**: consecutive uncontrolled one-qubit ops on the same
  qubit, with nothing else touching it in between, become one 2x2 matrix; a
  chain of rotations about one axis (``RY(x) RY(w)``, an encoding followed by a
  layer) becomes one rotation by the summed angle even where the angles vary
  over the batch: its slot phase is the product of the members' phases.

The plan depends only on the program's structure and is kept in the program's
cache; the fused tables and matrices are computed per call by running the
member ops themselves on tiny systems (the identity for a chain, a vector of
ones for a table), so fusion never needs a second copy of any gate formula.
Both the state-vector and the density-matrix paths fuse through ``fuse``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from qml.simulator import lowering
from qml.simulator.lowering import (
    DIAGONAL_KINDS,
    FROM_PHASE,
    KIND,
    MAT1,
    NINS,
    ON,
    QOFF,
    REAL1,
    RX,
    SPLIT,
    A,
    B,
    K,
    T,
)
from qml.simulator.program import Bound, Program, ProgramCache

#: Up to this many qubits a diagonal group is one table over the whole state (a single
#: vectorised multiply); above, two tables over the low and high halves of the qubits.
FULL_TABLE_QUBITS = 12
#: Kinds a one-qubit chain is made of, and those of them that merge as rotations.
_CHAINABLE = frozenset({MAT1, REAL1, RX})
_ROTATIONS = frozenset({REAL1, RX})

RunOps = Callable[[Program, np.ndarray, Bound], None]


@dataclass
class Group:
    """Ops fused into one: ``kind`` is "op" (alone), "chain", "rotation" or "diagonal"."""

    kind: str
    ops: list[int]


def split_position(num_qubits: int) -> int:
    """Qubits in the low table of a diagonal group (all of them for small states)."""
    return num_qubits if num_qubits <= FULL_TABLE_QUBITS else num_qubits // 2


def _one_qubit(program: Program, i: int) -> bool:
    row = program.ops[i]
    return row[KIND] in _CHAINABLE and row[NINS] == 1 and row[ON] == 0


def plan(program: Program) -> list[Group]:
    """The fused order of ``program``'s ops (structure only; kept in the program's cache).

    A diagonal group stays open and floats forward past ops on other qubits
    (they commute), collecting the diagonal ops that follow, until an op
    touches one of its qubits; it is placed just before that op. A one-qubit
    chain grows while nothing else has touched its qubit.
    """
    if program.cache.fusion_plan is not None:
        return program.cache.fusion_plan
    n = program.num_qubits
    split = split_position(n)
    groups: list[Group] = []
    toucher = [-1] * n  # latest placed group touching each qubit
    pending: list[int] = []  # the open diagonal group
    pending_qubits: set[int] = set()

    def place(group: Group, qubits: set[int]) -> None:
        groups.append(group)
        for q in qubits:
            toucher[q] = len(groups) - 1

    for i in range(program.num_ops):
        qubits = set(program.op_qubits[i])
        if program.ops[i, KIND] == lowering.NOP:
            continue
        diagonal = program.ops[i, KIND] in DIAGONAL_KINDS
        if diagonal and qubits and (max(qubits) < split or min(qubits) >= split):
            pending.append(i)
            pending_qubits |= qubits
            continue
        if pending_qubits & qubits:
            place(Group("diagonal", pending), pending_qubits)
            pending, pending_qubits = [], set()
        if _one_qubit(program, i):
            (q,) = qubits
            last = toucher[q]
            if last >= 0 and groups[last].kind == "chain":
                groups[last].ops.append(i)
                continue
            place(Group("chain", [i]), qubits)
        else:
            place(Group("op", [i]), qubits)
    if pending:
        place(Group("diagonal", pending), pending_qubits)
    for group in groups:
        kinds = {int(program.ops[i, KIND]) for i in group.ops}
        phases = all(program.ops[i, lowering.SRC] == FROM_PHASE for i in group.ops)
        if group.kind == "chain" and len(group.ops) > 1 and len(kinds) == 1 and phases:
            if kinds <= _ROTATIONS:
                group.kind = "rotation"
    program.cache.fusion_plan = groups
    return groups


@dataclass
class Layout:
    """A fused program's op table for one pattern of which groups fuse; numbers per call.

    ``source[j]`` is the original op that op ``j`` copies, or -1 for a fused one;
    ``fused`` lists the fused groups in order, with their data offsets in ``mats``.
    """

    program: Program
    source: np.ndarray
    fused: list[tuple[Group, int]]


def fuse(program: Program, bound: Bound, run_ops: RunOps) -> tuple[Program, Bound]:
    """``program`` with its fusable groups lowered to single ops, and the numbers they read.

    A group fuses when none of its ops' numbers vary over the rows (weights
    shared by a batch); its matrix or table is computed from row 0 by
    ``run_ops`` on a tiny system. Rotations about one axis always fuse: their
    phases multiply row by row into a new slot. Other groups keep their ops,
    which is as valid: fusion only reorders ops that commute.
    """
    groups = plan(program)
    if len(groups) == program.num_ops:
        return program, bound
    fusable = tuple(
        len(g.ops) > 1 and (g.kind == "rotation" or not bound.varies[g.ops].any()) for g in groups
    )
    if not any(fusable):
        return program, bound
    layout = program.cache.fusion_layouts.get(fusable)
    if layout is None:
        layout = program.cache.fusion_layouts[fusable] = _build_layout(program, groups, fusable)
    n = program.num_qubits
    split = split_position(n)
    shared = replace(bound, phases=bound.phases[:1], rowdata=bound.rowdata[:1],
                     varies=np.zeros_like(bound.varies))  # fmt: skip
    extra, summed = [], []
    for group, _ in layout.fused:
        if group.kind == "rotation":
            summed.append(np.prod(bound.phases[:, program.ops[group.ops, lowering.SLOT]], axis=1))
        elif group.kind == "chain":
            # columns of the chain's matrix are its images of |0> and |1>
            basis = np.eye(2, dtype=np.complex128)
            q = next(iter(program.op_qubits[group.ops[0]]))
            run_ops(_small(program, group.ops, 1, q), basis, shared)
            extra.append(basis.T.ravel())
        else:
            low_ops = [i for i in group.ops if max(program.op_qubits[i]) < split]
            high_ops = [i for i in group.ops if min(program.op_qubits[i]) >= split]
            low = np.ones((1, 1 << split), dtype=np.complex128)
            high = np.ones((1, 1 << (n - split)), dtype=np.complex128)
            if low_ops:
                run_ops(_small(program, low_ops, split, 0), low, shared)
            if high_ops:
                run_ops(_small(program, high_ops, n - split, split), high, shared)
            extra.append(np.concatenate([low[0], high[0]]))
    phases = bound.phases
    if summed:
        phases = np.concatenate([phases, np.stack(summed, axis=1)], axis=1)
    fused = layout.program
    mats = np.concatenate([program.mats, *extra]) if extra else program.mats
    kept = layout.source >= 0
    varies = np.zeros(fused.num_ops, dtype=bool)
    varies[kept] = bound.varies[layout.source[kept]]
    for position, (group, _) in zip(np.flatnonzero(~kept), layout.fused, strict=True):
        varies[position] = group.kind == "rotation" and bound.varies[group.ops].any()
    fused = replace(fused, mats=mats, cache=ProgramCache())  # runs as is: never planned again
    return fused, Bound(bound.angles, phases, varies, bound.rowdata)


def _small(program: Program, ops: list[int], n: int, shift: int) -> Program:
    """Ops ``ops`` of ``program`` on a system of ``n`` qubits, their qubits lowered by ``shift``
    (decoded once per group and shift, kept in the program's cache)."""
    key = (tuple(ops), shift)
    small = program.cache.small_programs.get(key)
    if small is None:
        rows = program.ops[ops].copy()
        qlist: list[int] = []
        for row in rows:
            count = int(row[NINS] + row[K])
            start = int(row[QOFF])
            row[QOFF] = len(qlist)
            qlist.extend(int(q) - shift for q in program.qlist[start : start + count])
            row[ON] >>= shift
            row[A] >>= shift
            row[B] >>= shift
            row[T] -= shift if row[KIND] != SPLIT else 0
        small = program.cache.small_programs[key] = replace(
            program,
            num_qubits=n,
            ops=rows,
            qlist=np.array(qlist or [0], dtype=np.int64),
            cache=ProgramCache(),
        )
    return small


def _build_layout(program: Program, groups: list[Group], fusable: tuple[bool, ...]) -> Layout:
    """The op table of the fused program for one fusable pattern."""
    n = program.num_qubits
    split = split_position(n)
    rows: list[np.ndarray] = []
    source: list[int] = []  # original op of each row, -1 for a fused one
    qlist = list(program.qlist)
    fused: list[tuple[Group, int]] = []
    size = len(program.mats)
    merged = 0
    for group, fuses in zip(groups, fusable, strict=True):
        if not fuses:
            rows.extend(program.ops[i] for i in group.ops)
            source.extend(group.ops)
            continue
        row = program.ops[group.ops[0]].copy()
        source.append(-1)
        if group.kind == "rotation":  # the first member's row, reading the new slot
            row[lowering.SLOT] = program.slots.count + merged
            merged += 1
            fused.append((group, 0))
        elif group.kind == "chain":
            row[KIND], row[lowering.SRC], row[lowering.DOFF] = MAT1, lowering.FROM_MATS, size
            row[lowering.GSLOT] = -1
            fused.append((group, size))
            size += 4
        else:
            row[:] = 0
            row[KIND], row[T], row[lowering.DOFF] = SPLIT, split, size
            row[lowering.GSLOT], row[QOFF] = -1, len(qlist)
            fused.append((group, size))
            size += (1 << split) + (1 << (n - split))
        rows.append(row)
    table = np.array(rows, dtype=np.int64).reshape(-1, lowering.WIDTH)
    out = replace(program, ops=table, qlist=np.array(qlist, dtype=np.int64), runtime=(),
                  cache=ProgramCache())  # fmt: skip
    return Layout(out, np.array(source, dtype=np.int64), fused)
