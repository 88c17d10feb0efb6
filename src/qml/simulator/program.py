"""A circuit compiled for the engine: its gates, their angle slots, and the lowered op table.

A ``Program`` depends only on a circuit's structure (gates, qubits, which
parameter feeds which gate). Parameter *values* enter at run time through
"slots", one per gate parameter: ``program.bind(angles)`` turns the slot angles
into what the kernels read, a ``Bound``: each slot's phase ``exp(i·s·θ/2)``
(``s`` its gate's generator scale, so rotation numbers are multiplications
only), which ops' numbers differ between rows, and the per-row matrices of
gates that have no closed form in the kernels. A program is compiled once per
circuit structure and reused across parameter values and batches.

Both backends run the same program: the compiled one reads the op table
(``ops``, ``qlist``, ``mats``; see :mod:`qml.simulator.lowering`), the numpy one
the gates themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qml.circuits import Circuit, Parameter, ParameterExpression
from qml.errors import QmlValueError, UnsupportedOperationError
from qml.gates import Gate
from qml.simulator import lowering
from qml.simulator.lowering import FROM_PHASE, FROM_ROWS, GEN_DENSE, GEN_NATURAL, Op

try:  # the compiled kernels also bind phases in one pass; numpy does where they are missing
    from qml.simulator import _native  # type: ignore[attr-defined]
except ImportError:
    _native = None


class SlotTable:
    """Where each slot's angle comes from, grouped by kind for vectorised evaluation.

    Kinds: a constant float, a constant ``(B,)`` array, ``a * column + b`` of the
    parameter matrix (the common case), or a general polynomial expression.
    Built by ``add`` during compilation, then read only.
    """

    def __init__(self) -> None:
        self.count = 0
        self.constant_index: list[int] = []
        self.constant_value: list[float] = []
        self.array_index: list[int] = []
        self.array_value: list[np.ndarray] = []
        self.affine_index: list[int] = []
        self.affine_column: list[int] = []
        self.affine_scale: list[float] = []
        self.affine_offset: list[float] = []
        self.general_index: list[int] = []
        self.general_expression: list[ParameterExpression] = []
        self.identity = False

    def add(self, value: Any, columns: dict[Parameter, int]) -> int:
        """Register one gate parameter; returns its slot index."""
        index = self.count
        self.count += 1
        if isinstance(value, ParameterExpression):
            affine = value.affine()
            if affine is not None:
                parameter, scale, offset = affine
                self.affine_index.append(index)
                self.affine_column.append(columns[parameter])
                self.affine_scale.append(scale)
                self.affine_offset.append(offset)
            elif not value.parameters:
                self.constant_index.append(index)
                self.constant_value.append(value.constant)
            else:
                self.general_index.append(index)
                self.general_expression.append(value)
        elif isinstance(value, np.ndarray):
            self.array_index.append(index)
            self.array_value.append(value)
        else:
            self.constant_index.append(index)
            self.constant_value.append(float(value))
        return index

    def finish(self, num_parameters: int) -> SlotTable:
        """Record whether slot ``k`` is exactly parameter column ``k`` (then angles are the
        parameter matrix itself, as in most circuits)."""
        k = self.count
        self.identity = (
            num_parameters == k
            and self.affine_index == list(range(k))
            and self.affine_column == list(range(k))
            and all(scale == 1.0 for scale in self.affine_scale)
            and all(offset == 0.0 for offset in self.affine_offset)
        )
        return self

    @property
    def varying(self) -> list[int]:
        """Slots that depend on a parameter."""
        return sorted(self.affine_index + self.general_index)

    def batch_size(self) -> int | None:
        """``B`` of the constant ``(B,)`` arrays, if any."""
        return self.array_value[0].shape[0] if self.array_value else None

    def angles(self, matrix: np.ndarray, values: dict[Parameter, Any]) -> np.ndarray:
        """Every slot's angle: shape ``(Bp, count)`` with ``Bp`` 1 or the batch size.

        ``matrix`` holds the circuit parameters' values, ``(Bp, n_params)``.
        """
        if self.identity:
            return matrix
        batch = max(matrix.shape[0], self.batch_size() or 1)
        out = np.empty((batch, self.count), dtype=np.float64)
        if self.constant_index:
            out[:, self.constant_index] = self.constant_value
        for index, array in zip(self.array_index, self.array_value, strict=True):
            out[:, index] = array
        if self.affine_index:
            columns = matrix[:, self.affine_column]
            out[:, self.affine_index] = columns * self.affine_scale + self.affine_offset
        for index, expression in zip(self.general_index, self.general_expression, strict=True):
            out[:, index] = expression.evaluate(values)
        return out


@dataclass(frozen=True)
class Bound:
    """A program's numbers for one call: what the kernels read besides the op table.

    ``angles`` and ``phases`` are ``(Bp, n_slots)`` (``Bp`` 1 when shared by every
    row); ``varies[i]`` says op ``i``'s numbers differ between rows; ``rowdata``
    holds the per-row matrices of runtime ops, ``(Bp', row_width)``.
    """

    angles: np.ndarray
    phases: np.ndarray
    varies: np.ndarray
    rowdata: np.ndarray


@dataclass
class ProgramCache:
    """What is derived from a program's structure once and reused call after call
    (fusion plans and layouts, decoded sub-programs); owned by the program."""

    fusion_plan: Any = None
    fusion_layouts: dict = field(default_factory=dict)
    small_programs: dict = field(default_factory=dict)
    varying: dict = field(default_factory=dict)  # varying slots (bytes) -> varying ops


@dataclass(frozen=True)
class Program:
    """A circuit lowered for the engine (see the module docstring).

    ``gates[g]`` acts on ``gate_qubits[g]`` with its angles in slots
    ``gate_slot[g] ...``. Op ``i`` (a row of ``ops``) comes from gate
    ``op_gate[i]``; ``op_slots`` lists, per op, the slots its numbers read.
    ``gfactor[i]`` is ``d/dθ`` of its phase angle (the generator scale).
    """

    num_qubits: int
    parameters: tuple[Parameter, ...]
    gates: tuple[Gate, ...]
    gate_qubits: tuple[tuple[int, ...], ...]
    gate_slot: np.ndarray
    slots: SlotTable
    scale: np.ndarray
    ops: np.ndarray
    qlist: np.ndarray
    mats: np.ndarray
    gfactor: np.ndarray
    op_gate: np.ndarray
    op_reads: np.ndarray
    op_batched: np.ndarray
    op_qubits: tuple[frozenset[int], ...]
    runtime: tuple[tuple[int, Op, int], ...]  # (op index, op, rowdata offset)
    row_width: int
    differentiable: bool = False
    cache: ProgramCache = field(default_factory=ProgramCache, compare=False, repr=False)

    @property
    def num_ops(self) -> int:
        """Rows of the op table."""
        return self.ops.shape[0]

    def angles(self, values: dict[Parameter, Any]) -> np.ndarray:
        """Slot angles ``(Bp, n_slots)`` for parameter values (floats or ``(B,)`` arrays)."""
        batch = max((v.shape[0] for v in values.values() if isinstance(v, np.ndarray)), default=1)
        matrix = np.empty((batch, len(self.parameters)), dtype=np.float64)
        for column, parameter in enumerate(self.parameters):
            matrix[:, column] = values[parameter]
        return self.slots.angles(matrix, values)

    def bind(self, angles: np.ndarray) -> Bound:
        """The kernels' numbers at slot ``angles`` ``(Bp, n_slots)``."""
        angles = np.ascontiguousarray(angles, dtype=np.float64)
        if angles.size and not np.abs(angles).max() <= MAX_ANGLE:  # NaN fails the test too
            raise QmlValueError(
                f"a gate angle is not finite or beyond {MAX_ANGLE:g} (a parameter expression "
                "overflowed, or NaN got in; past 2**52 a float64 angle has no phase left); "
                "pass finite parameter values of sensible size"
            )
        rows = angles.shape[0]
        if _native is not None and rows > 1:  # one pass in compiled code: the common case
            phases = np.empty(angles.shape, dtype=np.complex128)
            by_slot = np.empty(angles.shape[1], dtype=bool)
            if not _native.bind_phases(angles, self.scale, phases, by_slot):
                phases = phases[:1]  # every row alike: one shared row
        elif rows == 1:
            by_slot = np.zeros(angles.shape[1], dtype=bool)
            phases = np.exp(0.5j * angles * self.scale)
        else:
            by_slot = (angles[1:] != angles[0]).any(axis=0)
            phases = np.exp(0.5j * angles * self.scale)
            if not by_slot.any():
                phases = phases[:1]
        varies = self.ops_varying(by_slot)
        return Bound(angles, phases, varies, self._rowdata(angles, varies))

    def ops_varying(self, by_slot: np.ndarray) -> np.ndarray:
        """Per op: does any slot it reads vary (``by_slot``: one flag per slot)?

        Remembered per pattern: a training loop asks with the same one every step.
        """
        if not by_slot.any():
            return self.op_batched
        key = by_slot.tobytes()
        varies = self.cache.varying.get(key)
        if varies is None:
            if len(self.cache.varying) > 64:
                self.cache.varying.clear()
            varies = np.append(by_slot, False)[self.op_reads].any(axis=1) | self.op_batched
            varies.flags.writeable = False
            self.cache.varying[key] = varies
        return varies

    def _rowdata(self, angles: np.ndarray, varies: np.ndarray) -> np.ndarray:
        if not self.runtime:
            return _NO_ROWS
        batched = [self.gates[int(self.op_gate[i])].batch_size for i, _, _ in self.runtime]
        rows = max([angles.shape[0] if varies[[i for i, _, _ in self.runtime]].any() else 1]
                   + [b for b in batched if b is not None])  # fmt: skip
        out = np.empty((rows, self.row_width), dtype=np.complex128)
        for i, op, offset in self.runtime:
            g = int(self.op_gate[i])
            gate, first = self.gates[g], int(self.gate_slot[g])
            columns = [
                c[:rows] if varies[i] else float(c[0])
                for c in angles[:, first : first + gate.num_params].T
            ]
            width = lowering.runtime_width(op)
            out[:, offset : offset + width] = lowering.evaluate(op, gate, columns, rows)
        return out

    def gate_values(self, g: int, angles: np.ndarray) -> tuple[Any, ...]:
        """Gate ``g``'s parameters at slot ``angles``: floats, or ``(B,)`` columns."""
        first = int(self.gate_slot[g])
        columns = angles[:, first : first + self.gates[g].num_params]
        return tuple(c if c.shape[0] > 1 else float(c[0]) for c in columns.T)


_NO_ROWS = np.zeros((1, 0), dtype=np.complex128)
#: Largest gate angle accepted: beyond about 2**52 a float64 angle carries no phase.
MAX_ANGLE = 1e15


def compile_program(circuit: Circuit, *, differentiable: bool = False) -> Program:
    """Lower ``circuit`` to a ``Program`` (remembered by the circuit until it changes).

    ``differentiable`` also records, per parameterized op, the slot the adjoint
    sweep differentiates and its generator; a gate with several parameters must
    be decomposed first, and a one-parameter gate without a generator is refused.
    """
    key = "gradient_program" if differentiable else "program"
    return circuit.derived(key, lambda: build_program(circuit, differentiable=differentiable))


def build_program(circuit: Circuit, *, differentiable: bool = False, gates: Any = None) -> Program:
    """A new ``Program`` for ``circuit``'s gates (or for ``gates``: ``(gate, qubits)`` pairs)."""
    instructions = list(circuit) if gates is None else list(gates)
    parameters = circuit.parameters
    columns = {p: i for i, p in enumerate(parameters)}
    slots = SlotTable()
    gate_slot = []
    for gate, _ in instructions:
        gate_slot.append(slots.count)
        for value in gate.params:
            slots.add(value, columns)
    slots.finish(len(parameters))
    scale = np.ones(slots.count)
    table = _TableBuilder()
    for g, (gate, qubits) in enumerate(instructions):
        for op in lowering.lower(gate, qubits):
            first = gate_slot[g]
            if op.source == FROM_PHASE:
                scale[first] = op.scale
            reads = (first,) if op.source == FROM_PHASE else ()
            if op.source == FROM_ROWS:
                reads = tuple(range(first, first + gate.num_params))
            gslot = -1
            if differentiable and gate.num_params:
                gslot = _differentiated_slot(gate, op, first)
            table.add(op, g, first, reads, gslot, batched=gate.batch_size is not None)
    return Program(
        num_qubits=circuit.num_qubits,
        parameters=parameters,
        gates=tuple(gate for gate, _ in instructions),
        gate_qubits=tuple(tuple(qubits) for _, qubits in instructions),
        gate_slot=np.array(gate_slot, dtype=np.int64),
        slots=slots,
        scale=scale,
        differentiable=differentiable,
        **table.arrays(slots.count),
    )


def _differentiated_slot(gate: Gate, op: Op, first: int) -> int:
    if gate.num_params > 1:
        raise UnsupportedOperationError(
            f"gate {gate.name!r} has {gate.num_params} parameters and no decomposition into "
            "one-parameter gates, so it cannot be differentiated analytically; use "
            "method='finite-diff'"
        )
    if op.source == FROM_PHASE or op.generator is not None:
        return first
    raise UnsupportedOperationError(
        f"gate {type(gate).__name__} ({gate.name!r}) has no generator, so it cannot be "
        "differentiated analytically; give it a generator() (U(θ) = exp(-iθG/2)) or use "
        "method='finite-diff'"
    )


def _check_walk(op: Op) -> None:
    """The invariants the kernels index by (they do not check bounds): every bit an op sets
    or swaps is an inserted zero, a pair op's target too, and a Pauli rotation pairs by its
    lowest X bit. A violation is a bug in the lowering, never the user's."""
    inserted = set(op.inserted)
    fixed = op.on | (op.a | op.b if op.kind == lowering.SWAP else 0)
    ok = len(inserted) == len(op.inserted) and all((fixed >> q) & 1 == 0 or q in inserted
                                                   for q in range(fixed.bit_length()))  # fmt: skip
    ok = ok and not fixed & ~sum(1 << q for q in inserted)
    if op.kind in (lowering.MAT1, lowering.REAL1, lowering.RX, lowering.DIAG1):
        ok = ok and op.t in inserted
    if op.kind == lowering.PAULI:
        ok = ok and (op.a & -op.a).bit_length() - 1 in inserted
    if op.kind in (lowering.MATK, lowering.DIAGK, lowering.PERMK):
        ok = ok and set(op.local) <= inserted
    if not ok:
        raise AssertionError(f"lowering produced an op the kernels cannot walk: {op}")


class _TableBuilder:
    """Packs lowered ops into the op table, qubit list and constant numbers."""

    def __init__(self) -> None:
        self.rows: list[list[int]] = []
        self.qlist: list[int] = []
        self.mats: list[np.ndarray] = []
        self.size = 0
        self.gfactor: list[float] = []
        self.op_gate: list[int] = []
        self.op_reads: list[tuple[int, ...]] = []
        self.op_batched: list[bool] = []
        self.op_qubits: list[frozenset[int]] = []
        self.runtime: list[tuple[int, Op, int]] = []
        self.row_width = 0
        self.offsets: dict[int, tuple[int, np.ndarray]] = {}

    def constant(self, data: np.ndarray) -> int:
        """The offset of ``data`` in mats (added once per array: gates lowered from one
        cached lowering share their numbers)."""
        known = self.offsets.get(id(data))
        if known is not None and known[1] is data:
            return known[0]
        offset = self.size
        self.mats.append(np.ascontiguousarray(data, dtype=np.complex128).ravel())
        self.size += self.mats[-1].size
        self.offsets[id(data)] = (offset, data)  # the array is kept: its id stays its own
        return offset

    def add(
        self, op: Op, g: int, first: int, reads: tuple[int, ...], gslot: int, *, batched: bool
    ) -> None:
        _check_walk(op)
        row = [0] * lowering.WIDTH
        inserted = sorted(op.inserted)
        row[lowering.KIND] = op.kind
        row[lowering.NINS] = len(inserted)
        row[lowering.QOFF] = len(self.qlist)
        self.qlist.extend(inserted)
        self.qlist.extend(op.local)
        row[lowering.K] = len(op.local)
        row[lowering.ON], row[lowering.T] = op.on, op.t
        row[lowering.A], row[lowering.B], row[lowering.NY] = op.a, op.b, op.ny
        row[lowering.SLOT] = first if op.source == FROM_PHASE else -1
        row[lowering.SRC] = op.source
        if op.table is not None:
            row[lowering.DOFF] = len(self.qlist)
            self.qlist.extend(int(v) for v in op.table)
        elif op.data is not None:
            row[lowering.DOFF] = self.constant(op.data)
        elif op.source == FROM_ROWS:
            row[lowering.DOFF] = self.row_width
            self.runtime.append((len(self.rows), op, self.row_width))
            self.row_width += lowering.runtime_width(op)
        row[lowering.GSLOT] = gslot
        row[lowering.GKIND] = GEN_NATURAL
        if gslot >= 0 and op.source != FROM_PHASE:
            row[lowering.GKIND] = GEN_DENSE
            row[lowering.GOFF] = self.constant(op.generator)  # type: ignore[arg-type]
        self.rows.append(row)
        self.gfactor.append(op.scale)
        self.op_gate.append(g)
        self.op_reads.append(reads)
        self.op_batched.append(batched and op.source == FROM_ROWS)
        self.op_qubits.append(op.qubits)

    def arrays(self, num_slots: int) -> dict[str, Any]:
        width = max([1, *map(len, self.op_reads)])
        reads = np.full((len(self.rows), width), num_slots, dtype=np.int64)
        for i, slots in enumerate(self.op_reads):
            reads[i, : len(slots)] = slots
        mats = np.concatenate(self.mats) if self.mats else np.zeros(1, dtype=np.complex128)
        return {
            "ops": np.array(self.rows, dtype=np.int64).reshape(-1, lowering.WIDTH),
            "qlist": np.array(self.qlist or [0], dtype=np.int64),
            "mats": mats,
            "gfactor": np.array(self.gfactor, dtype=np.float64),
            "op_gate": np.array(self.op_gate, dtype=np.int64),
            "op_reads": reads,
            "op_batched": np.array(self.op_batched, dtype=bool),
            "op_qubits": tuple(self.op_qubits),
            "runtime": tuple(self.runtime),
            "row_width": self.row_width,
        }
