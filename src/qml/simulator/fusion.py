"""Gate fusion for large states: fewer passes over memory, same result.

On a large state every op is a pass over memory, so the planner merges ops
whose combination costs no more arithmetic than one of them:

* **diagonal groups**: diagonal gates (RZ, P, CZ, RZZ, ...) commute with each
  other and with any gate on other qubits, so each one moves back to the
  latest group it can join; a group becomes one pass multiplying amplitude
  ``i`` by ``low[i & mask] * high[i >> h]``, two tables over the low and high
  halves of the qubits (a member must lie within one half);
* **one-qubit chains**: consecutive non-diagonal one-qubit gates on the same
  qubit, with nothing else touching it in between, become one 2x2 matrix.

The plan depends only on the program's structure and is cached on it; the
fused tables and matrices are computed per call by running the member ops
themselves on tiny systems (the identity for a chain, a vector of ones for a
table), so fusion never needs a second copy of any gate formula.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qml.simulator.program import OP_DIAGSPLIT, OP_MAT1, Program, static_table


@dataclass
class _Group:
    kind: str  # "op", "chain" or "diagonal"
    ops: list[int]


def plan(program: Program) -> list[_Group]:
    """The fused order of ``program``'s ops (structure only; cached on the program)."""
    cached = getattr(program, "_fusion_plan", None)
    if cached is not None:
        return cached
    n = program.num_qubits
    split = n // 2
    groups: list[_Group] = []
    blocker = [-1] * n  # latest non-diagonal group touching each qubit
    toucher = [-1] * n  # latest group of any kind touching each qubit
    open_diagonal = -1  # latest diagonal group
    for i in range(len(program.code)):
        qubits = [int(q) for q in program.qubits[i, : program.arity[i]]]
        if program.diagonal[i] and (max(qubits) < split or min(qubits) >= split):
            if open_diagonal > max(blocker[q] for q in qubits):
                target = open_diagonal
                groups[target].ops.append(i)
            else:
                groups.append(_Group("diagonal", [i]))
                target = open_diagonal = len(groups) - 1
            for q in qubits:
                toucher[q] = max(toucher[q], target)
            continue
        if len(qubits) == 1 and not program.diagonal[i]:
            q = qubits[0]
            last = toucher[q]
            if last >= 0 and last == blocker[q] and groups[last].kind == "chain":
                groups[last].ops.append(i)
                continue
            groups.append(_Group("chain", [i]))
        else:
            groups.append(_Group("op", [i]))
        for q in qubits:
            blocker[q] = toucher[q] = len(groups) - 1
    program._fusion_plan = groups  # type: ignore[attr-defined]
    return groups


def _run_small(
    program: Program, ops: list[int], states: np.ndarray, n: int, shift: int, phases: np.ndarray
) -> None:
    """Run ``ops`` of ``program`` on a small system of ``n`` qubits, qubits lowered by ``shift``."""
    from qml.simulator import kernels

    qubits = program.qubits[ops].copy()
    for row, i in enumerate(ops):
        qubits[row, : program.arity[i]] -= shift
    code, arity, moff = program.code[ops], program.arity[ops], program.moff[ops]
    static = static_table(code, qubits, arity, program.mats, moff)
    varies = np.zeros(len(ops), dtype=bool)  # fusion runs with shared phases only
    kernels.run_ops(states, phases, varies, n, code, static, qubits, arity, program.slot[ops],
                    moff, program.mats, False, 0, len(ops), 1, 0, 1)  # fmt: skip


def fuse(program: Program, phases: np.ndarray) -> tuple[Program, np.ndarray]:
    """``program`` with its fused groups lowered to single ops, for shared ``phases``."""
    groups = plan(program)
    if len(groups) == len(program.code):
        return program, phases
    n = program.num_qubits
    split = n // 2
    codes, rows, arities, slots, offsets, nslots = [], [], [], [], [], []
    extra: list[np.ndarray] = []
    size = len(program.mats)
    for group in groups:
        first = group.ops[0]
        if len(group.ops) == 1:
            codes.append(program.code[first])
            rows.append(program.qubits[first])
            arities.append(program.arity[first])
            slots.append(program.slot[first])
            offsets.append(program.moff[first])
            nslots.append(program.nslots[first])
            continue
        row = np.zeros(program.qubits.shape[1], dtype=np.int64)
        if group.kind == "chain":
            q = int(program.qubits[first, 0])
            # columns of the chain's matrix are its images of |0> and |1>
            basis = np.eye(2, dtype=np.complex128)
            _run_small(program, group.ops, basis, 1, q, phases)
            data = basis.T.ravel()
            codes.append(OP_MAT1)
            row[0] = q
            arities.append(1)
        else:
            low_ops = [i for i in group.ops if program.qubits[i, 0] < split]
            high_ops = [i for i in group.ops if program.qubits[i, 0] >= split]
            low = np.ones((1, 1 << split), dtype=np.complex128)
            high = np.ones((1, 1 << (n - split)), dtype=np.complex128)
            if low_ops:
                _run_small(program, low_ops, low, split, 0, phases)
            if high_ops:
                _run_small(program, high_ops, high, n - split, split, phases)
            data = np.concatenate([low[0], high[0]])
            codes.append(OP_DIAGSPLIT)
            row[0] = split
            arities.append(0)
        rows.append(row)
        slots.append(0)
        nslots.append(0)
        offsets.append(size)
        extra.append(data)
        size += data.size
    fused = Program(
        num_qubits=n,
        parameters=program.parameters,
        code=np.array(codes, dtype=np.int64),
        qubits=np.array(rows, dtype=np.int64),
        arity=np.array(arities, dtype=np.int64),
        slot=np.array(slots, dtype=np.int64),
        moff=np.array(offsets, dtype=np.int64),
        mats=np.concatenate([program.mats, *extra]),
        slots=program.slots,
        diagonal=np.zeros(len(codes), dtype=bool),
        nslots=np.array(nslots, dtype=np.int64),
    )
    fused.static = static_table(fused.code, fused.qubits, fused.arity, fused.mats, fused.moff)
    return fused, phases
