"""Gate fusion for large states: fewer passes over memory, same result.

On a large state every op is a pass over memory, so the planner merges ops
whose combination costs no more arithmetic than one of them:

* **diagonal groups**: diagonal gates (RZ, P, CZ, RZZ, ...) commute with each
  other and with any gate on other qubits, so each one moves back to the
  latest group it can join; a group becomes one pass multiplying amplitude
  ``i`` by ``low[i & mask] * high[i >> h]``, two tables over the low and high
  halves of the qubits (a member must lie within one half);
* **one-qubit chains**: consecutive non-diagonal one-qubit gates on the same
  qubit, with nothing else touching it in between, become one 2x2 matrix;
  a chain of rotations about one axis (``RY(x) RY(w)``, an encoding followed by
  a layer) becomes one rotation by the summed angle, even where the angles vary
  over the batch: its slot phase is the product of the members' phases.

The plan depends only on the program's structure and is cached on it; the
fused tables and matrices are computed per call by running the member ops
themselves on tiny systems (the identity for a chain, a vector of ones for a
table), so fusion never needs a second copy of any gate formula.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from qml.simulator.program import OP_DIAGSPLIT, OP_MAT1, OP_RX, OP_RY, Program, static_table


@dataclass
class _Group:
    kind: str  # "op", "chain", "rotation" (a chain about one axis) or "diagonal"
    ops: list[int]


#: Rotations whose product is the rotation by the summed angle (one slot each).
_ROTATIONS = (OP_RX, OP_RY)


#: Up to this many qubits a diagonal group is one table over the whole state (a single
#: vectorised multiply); above, two tables over the low and high halves of the qubits.
FULL_TABLE_QUBITS = 12


def split_position(num_qubits: int) -> int:
    """Qubits in the low table of a diagonal group (all of them for small states)."""
    return num_qubits if num_qubits <= FULL_TABLE_QUBITS else num_qubits // 2


def plan(program: Program) -> list[_Group]:
    """The fused order of ``program``'s ops (structure only; cached on the program).

    A diagonal group stays open and floats forward past ops on other qubits
    (they commute), collecting the diagonal gates that follow, until an op
    touches one of its qubits; it is placed just before that op. A one-qubit
    chain grows while nothing else has touched its qubit.
    """
    cached = getattr(program, "_fusion_plan", None)
    if cached is not None:
        return cached
    n = program.num_qubits
    split = split_position(n)
    groups: list[_Group] = []
    toucher = [-1] * n  # latest placed group touching each qubit
    pending: list[int] = []  # the open diagonal group
    pending_qubits: set[int] = set()

    def place(group: _Group, qubits: set[int] | list[int]) -> None:
        groups.append(group)
        for q in qubits:
            toucher[q] = len(groups) - 1

    for i in range(len(program.code)):
        qubits = [int(q) for q in program.qubits[i, : program.arity[i]]]
        if program.diagonal[i] and (max(qubits) < split or min(qubits) >= split):
            pending.append(i)
            pending_qubits.update(qubits)
            continue
        if pending_qubits & set(qubits):
            place(_Group("diagonal", pending), pending_qubits)
            pending, pending_qubits = [], set()
        if len(qubits) == 1 and not program.diagonal[i]:
            last = toucher[qubits[0]]
            if last >= 0 and groups[last].kind == "chain":
                groups[last].ops.append(i)
                continue
            place(_Group("chain", [i]), qubits)
        else:
            place(_Group("op", [i]), qubits)
    if pending:
        place(_Group("diagonal", pending), pending_qubits)
    for group in groups:
        codes = {int(program.code[i]) for i in group.ops}
        if (
            group.kind == "chain"
            and len(group.ops) > 1
            and codes <= set(_ROTATIONS)
            and len(codes) == 1
        ):
            group.kind = "rotation"
    program._fusion_plan = groups  # type: ignore[attr-defined]
    return groups


def _run_small(
    program: Program, ops: list[int], states: np.ndarray, n: int, shift: int, phases: np.ndarray
) -> None:
    """Run ``ops`` of ``program`` on a small system of ``n`` qubits, qubits lowered by ``shift``."""
    from qml.simulator import kernels

    # the small program depends on structure only: decoded once, remembered on the program
    cache = program.__dict__.setdefault("_small_programs", {})
    key = (tuple(ops), shift)
    arrays = cache.get(key)
    if arrays is None:
        qubits = program.qubits[ops].copy()
        for row, i in enumerate(ops):
            qubits[row, : program.arity[i]] -= shift
        code, arity, moff = program.code[ops], program.arity[ops], program.moff[ops]
        static = static_table(code, qubits, arity, program.mats, moff)
        arrays = cache[key] = (code, static, qubits, arity, program.slot[ops], moff)
    varies = np.zeros(len(ops), dtype=bool)  # fusion runs with shared phases only
    kernels.run_ops(states, phases, varies, n, *arrays, program.mats, False, 0, len(ops), 1, 0, 1)


@dataclass
class _Layout:
    """A fused program's arrays for one pattern of which groups fuse; data filled per call."""

    program: Program
    fused: list[tuple[_Group, int]]  # the fused groups and their data offsets in mats


def fuse(program: Program, phases: np.ndarray) -> tuple[Program, np.ndarray]:
    """``program`` with its fusable groups lowered to single ops.

    A group fuses when none of its ops' angles vary over the rows of ``phases``
    (weights shared by a batch); its matrix or table is computed from row 0.
    Rotations about one axis always fuse: their phases multiply row by row into
    a new slot (a column appended to ``phases``). Other groups keep their ops,
    which is as valid: fusion only reorders ops that commute. The layout is
    cached per pattern; each call computes only the fused numbers.
    """
    groups = plan(program)
    if len(groups) == len(program.code):
        return program, phases
    varies = program.varying_ops(phases)
    fusable = tuple(
        len(g.ops) > 1 and (g.kind == "rotation" or not varies[g.ops].any()) for g in groups
    )
    if not any(fusable):
        return program, phases
    layouts = program.__dict__.setdefault("_fusion_layouts", {})
    layout = layouts.get(fusable)
    if layout is None:
        layout = layouts[fusable] = _build_layout(program, groups, fusable)
    n = program.num_qubits
    split = split_position(n)
    shared = phases[:1]
    extra = []
    summed = []  # phases of merged rotations, one new slot each
    for group, _ in layout.fused:
        first = group.ops[0]
        if group.kind == "rotation":
            summed.append(np.prod(phases[:, program.slot[group.ops]], axis=1))
        elif group.kind == "chain":
            # columns of the chain's matrix are its images of |0> and |1>
            basis = np.eye(2, dtype=np.complex128)
            _run_small(program, group.ops, basis, 1, int(program.qubits[first, 0]), shared)
            extra.append(basis.T.ravel())
        else:
            low_ops = [i for i in group.ops if program.qubits[i, 0] < split]
            high_ops = [i for i in group.ops if program.qubits[i, 0] >= split]
            low = np.ones((1, 1 << split), dtype=np.complex128)
            high = np.ones((1, 1 << (n - split)), dtype=np.complex128)
            if low_ops:
                _run_small(program, low_ops, low, split, 0, shared)
            if high_ops:
                _run_small(program, high_ops, high, n - split, split, shared)
            extra.append(np.concatenate([low[0], high[0]]))
    if summed:
        phases = np.concatenate([phases, np.stack(summed, axis=1)], axis=1)
    return replace(layout.program, mats=np.concatenate([program.mats, *extra])), phases


def _build_layout(program: Program, groups: list[_Group], fusable: tuple[bool, ...]) -> _Layout:
    """The op arrays of the fused program for one fusable pattern."""
    n = program.num_qubits
    split = split_position(n)
    keep: list[int] = []  # original ops kept, -1 for a fused one
    rows, fused, size = [], [], len(program.mats)
    codes = []
    new_slots: list[int] = []  # per fused op: its slot (merged rotations) or 0
    merged = 0
    for group, fuses in zip(groups, fusable, strict=True):
        if not fuses:
            keep.extend(group.ops)
            codes.extend(int(program.code[i]) for i in group.ops)
            rows.extend(program.qubits[i] for i in group.ops)
            continue
        row = np.zeros(program.qubits.shape[1], dtype=np.int64)
        keep.append(-1)
        new_slots.append(0)
        if group.kind == "rotation":
            row[0] = int(program.qubits[group.ops[0], 0])
            codes.append(int(program.code[group.ops[0]]))
            rows.append(row)
            fused.append((group, 0))
            new_slots[-1] = program.slots.count + merged
            merged += 1
            continue
        if group.kind == "chain":
            row[0] = int(program.qubits[group.ops[0], 0])
            codes.append(OP_MAT1)
            width = 4
        else:
            row[0] = split
            codes.append(OP_DIAGSPLIT)
            width = (1 << split) + (1 << (n - split))
        rows.append(row)
        fused.append((group, size))
        size += width
    kept = np.array(keep)
    is_kept = kept >= 0
    source = np.where(is_kept, kept, 0)
    offsets = np.where(is_kept, program.moff[source], 0)
    offsets[~is_kept] = [offset for _, offset in fused]
    arity = np.where(is_kept, program.arity[source], 0)
    arity[~is_kept] = [0 if g.kind == "diagonal" else 1 for g, _ in fused]
    slots = np.where(is_kept, program.slot[source], 0)
    slots[~is_kept] = new_slots
    nslots = np.where(is_kept, program.nslots[source], 0)
    nslots[~is_kept] = [1 if g.kind == "rotation" else 0 for g, _ in fused]
    out = Program(
        num_qubits=n,
        parameters=program.parameters,
        code=np.array(codes, dtype=np.int64),
        qubits=np.array(rows, dtype=np.int64),
        arity=arity.astype(np.int64),
        slot=slots.astype(np.int64),
        moff=offsets.astype(np.int64),
        mats=program.mats,
        slots=program.slots,
        diagonal=np.zeros(len(codes), dtype=bool),
        nslots=nslots.astype(np.int64),
    )
    # fused chains are general complex matrices whatever their values: decode with a
    # placeholder that says so (their numbers arrive per call)
    placeholder = np.concatenate([program.mats, np.full(size - len(program.mats), 1j)])
    out.static = static_table(out.code, out.qubits, out.arity, placeholder, out.moff)
    return _Layout(out, fused)
