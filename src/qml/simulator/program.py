"""Lowering a circuit to a program: flat arrays of opcodes the kernels execute.

A ``Program`` depends only on a circuit's structure (gate kinds, qubits, which
parameter feeds which gate). Parameter *values* enter at run time through
"slots": one slot per gate parameter, holding ``exp(i*angle/2)`` so the kernels
build every gate matrix from multiplications alone (``cos``/``sin`` of the
half angle are its real and imaginary parts). A program is compiled once per
circuit structure and reused across parameter values and batches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qml.circuits import Circuit, Parameter, ParameterExpression
from qml.errors import UnsupportedOperationError
from qml.gates import STANDARD_GATES, Gate, Unitary

# Opcodes. Constant-matrix ops read ``mats[moff:]``; parameterized ops read slots.
OP_MAT1, OP_DIAG1, OP_RX, OP_RY, OP_RZ, OP_P, OP_U, OP_X = 0, 1, 2, 3, 4, 5, 6, 7
OP_CX, OP_SWAP, OP_CCX, OP_CSWAP, OP_CZ, OP_CCZ, OP_CP, OP_CRZ = 8, 9, 10, 11, 12, 13, 14, 15
OP_RZZ, OP_CRX, OP_CRY, OP_CU, OP_CMAT1, OP_RXX, OP_RYY, OP_RZX = 16, 17, 18, 19, 20, 21, 22, 23
OP_MAT2, OP_MATK, OP_DIAGSPLIT, OP_NOP = 24, 25, 26, 27

# Primitive kinds the kernels dispatch on (decoded once per program, see ``static_table``).
K_PAIR, K_REAL, K_RX, K_DIAG, K_PHASE, K_SWAP, K_PARITY, K_WIDE, K_NOP = range(9)

#: How each standard gate lowers: its opcode, and whether the op reads a constant
#: matrix ("matrix"), a constant diagonal ("diagonal") or nothing but slots.
LOWERING: dict[str, tuple[int, str | None]] = {
    "id": (OP_NOP, None), "h": (OP_MAT1, "matrix"), "y": (OP_MAT1, "matrix"),
    "sx": (OP_MAT1, "matrix"), "sxdg": (OP_MAT1, "matrix"), "z": (OP_DIAG1, "diagonal"),
    "s": (OP_DIAG1, "diagonal"), "sdg": (OP_DIAG1, "diagonal"), "t": (OP_DIAG1, "diagonal"),
    "tdg": (OP_DIAG1, "diagonal"), "rx": (OP_RX, None), "ry": (OP_RY, None),
    "rz": (OP_RZ, None), "p": (OP_P, None), "u": (OP_U, None), "x": (OP_X, None),
    "cx": (OP_CX, None), "swap": (OP_SWAP, None), "ccx": (OP_CCX, None),
    "cswap": (OP_CSWAP, None), "cz": (OP_CZ, None), "ccz": (OP_CCZ, None),
    "cp": (OP_CP, None), "crz": (OP_CRZ, None), "rzz": (OP_RZZ, None),
    "crx": (OP_CRX, None), "cry": (OP_CRY, None), "cu": (OP_CU, None),
    "cy": (OP_CMAT1, "target"), "ch": (OP_CMAT1, "target"), "rxx": (OP_RXX, None),
    "ryy": (OP_RYY, None), "rzx": (OP_RZX, None), "iswap": (OP_MAT2, "matrix"),
    "ecr": (OP_MAT2, "matrix"),
}  # fmt: skip


@dataclass
class SlotTable:
    """Where each slot's angle comes from, grouped by kind for vectorised evaluation.

    Kinds: a constant float, a constant ``(B,)`` array, ``a * column + b`` of the
    parameter matrix (the common case), or a general polynomial expression.
    """

    count: int = 0
    constant_index: list[int] = field(default_factory=list)
    constant_value: list[float] = field(default_factory=list)
    array_index: list[int] = field(default_factory=list)
    array_value: list[np.ndarray] = field(default_factory=list)
    affine_index: list[int] = field(default_factory=list)
    affine_column: list[int] = field(default_factory=list)
    affine_scale: list[float] = field(default_factory=list)
    affine_offset: list[float] = field(default_factory=list)
    general_index: list[int] = field(default_factory=list)
    general_expression: list[ParameterExpression] = field(default_factory=list)

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

    def _is_identity(self, num_parameters: int) -> bool:
        """Is slot ``k`` exactly parameter column ``k`` (so angles are the matrix itself)?"""
        identity = self.__dict__.get("_identity")
        if identity is None:
            k = self.count
            identity = self._identity = (
                len(self.affine_index) == k
                and self.affine_index == list(range(k))
                and self.affine_column == list(range(k))
                and all(scale == 1.0 for scale in self.affine_scale)
                and all(offset == 0.0 for offset in self.affine_offset)
            )
        return identity and num_parameters == self.count

    def batch_size(self) -> int | None:
        """``B`` of the constant ``(B,)`` arrays, if any."""
        return self.array_value[0].shape[0] if self.array_value else None

    def angles(self, matrix: np.ndarray, values: dict[Parameter, Any]) -> np.ndarray:
        """Every slot's angle: shape ``(Bp, count)`` with ``Bp`` 1 or the batch size.

        ``matrix`` holds the circuit parameters' values, ``(Bp, n_params)``.
        """
        if self._is_identity(matrix.shape[1]):
            return matrix  # each slot is one parameter as is (most circuits)
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


#: Generators of the one-parameter gates, which enter as ``exp(-iθG/2)``: one letter
#: per gate qubit (in the gate's order; "1" is a projector onto |1>), and a factor.
#: P(λ) = exp(iλ|1><1|) has G = -2|1><1|. Gradients first rewrite U and CU into these.
GENERATORS: dict[str, tuple[str, float]] = {
    "rx": ("X", 1.0), "ry": ("Y", 1.0), "rz": ("Z", 1.0), "p": ("1", -2.0),
    "rxx": ("XX", 1.0), "ryy": ("YY", 1.0), "rzz": ("ZZ", 1.0), "rzx": ("ZX", 1.0),
    "crx": ("1X", 1.0), "cry": ("1Y", 1.0), "crz": ("1Z", 1.0), "cp": ("11", -2.0),
}  # fmt: skip


@dataclass
class Program:
    """A circuit lowered to opcode arrays (see the module docstring).

    ``code[i]`` is op i's opcode, ``qubits[i, :k]`` its qubits in the gate's
    order, ``arity[i]`` its k, ``slot[i]`` its first slot, ``moff[i]`` the offset
    of its constant matrix in ``mats``. Differentiable programs also carry each
    op's generator as masks (``gen_*``; ``gen_slot[i]`` is -1 for fixed ops).
    """

    num_qubits: int
    parameters: tuple[Parameter, ...]
    code: np.ndarray
    qubits: np.ndarray
    arity: np.ndarray
    slot: np.ndarray
    moff: np.ndarray
    mats: np.ndarray
    slots: SlotTable
    diagonal: np.ndarray  # bool per op: the op is diagonal (fusion groups them)
    gates: list[Gate] = field(default_factory=list)  # the gate of each op
    nslots: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    static: np.ndarray = field(default_factory=lambda: np.zeros((0, 9), dtype=np.int64))
    gen_on: np.ndarray | None = None
    gen_x: np.ndarray | None = None
    gen_z: np.ndarray | None = None
    gen_y: np.ndarray | None = None
    gen_factor: np.ndarray | None = None
    gen_slot: np.ndarray | None = None

    def angles(self, values: dict[Parameter, Any]) -> np.ndarray:
        """Slot angles ``(Bp, n_slots)`` for parameter values (floats or ``(B,)`` arrays)."""
        # values are floats or (B,) arrays (see Circuit.parameter_values)
        batch = max((v.shape[0] for v in values.values() if isinstance(v, np.ndarray)), default=1)
        matrix = np.empty((batch, len(self.parameters)), dtype=np.float64)
        for column, parameter in enumerate(self.parameters):
            matrix[:, column] = values[parameter]
        return self.slots.angles(matrix, values)

    def varying_ops(self, phases: np.ndarray) -> np.ndarray:
        """Per op: do its angles differ between the rows of ``phases``? (else shared).

        Remembered for the last ``phases`` asked about: a forward pass and its
        adjoint sweep ask about the same array.
        """
        last = getattr(self, "_last_varying", None)
        if last is not None and last[0] is phases:
            return last[1]
        varies = self._varying_ops(phases)
        self._last_varying = (phases, varies)
        return varies

    def _varying_ops(self, phases: np.ndarray) -> np.ndarray:
        if phases.shape[0] == 1:
            return np.zeros(len(self.code), dtype=bool)
        return self._ops_varying((phases[1:] != phases[:1]).any(axis=0))

    def _ops_varying(self, by_slot: np.ndarray) -> np.ndarray:
        """Per op: does any of its slots vary (``by_slot``, one flag per slot)?"""
        by_slot = np.concatenate([by_slot, np.zeros(4, bool)])
        varies = np.zeros(len(self.code), dtype=bool)
        for j in range(int(self.nslots.max(initial=0))):
            varies |= (self.nslots > j) & by_slot[self.slot + j]
        return varies

    def kernel_arrays(self) -> tuple[np.ndarray, ...]:
        """``(code, static, qubits, arity, slot, moff, mats)``, as the kernels take them."""
        return (self.code, self.static, self.qubits, self.arity, self.slot, self.moff, self.mats)

    def phases(
        self, values: dict[Parameter, Any] | None = None, *, angles: Any = None
    ) -> np.ndarray:
        """``exp(i*angle/2)`` per slot, ``(Bp, n_slots)``: what the kernels read."""
        if angles is None:
            angles = self.angles(values or {})
        angles = np.asarray(angles, dtype=np.float64)
        if angles.shape[0] == 1:
            return np.exp(0.5j * angles)
        # columns shared by every row (weights) need one exp, not one per sample
        by_slot = (angles[1:] != angles[:1]).any(axis=0)
        out = np.empty(angles.shape, dtype=np.complex128)
        out[:] = np.exp(0.5j * angles[0])
        columns = np.flatnonzero(by_slot)
        out[:, columns] = np.exp(0.5j * angles[:, columns])
        self._last_varying = (out, self._ops_varying(by_slot))  # see varying_ops
        return out


_DIAGONAL_CODES = {OP_DIAG1, OP_RZ, OP_P, OP_CZ, OP_CCZ, OP_CP, OP_CRZ, OP_RZZ}


def compile_program(circuit: Circuit, *, differentiable: bool = False) -> Program:
    """Lower ``circuit`` to a ``Program`` (cached on the circuit until it changes).

    ``differentiable`` also records every parameterized op's generator (see
    ``GENERATORS``; gates with several parameters must be rewritten first).
    """
    key = "gradient_program" if differentiable else "program"
    cached = circuit._derived.get(key)
    if cached is not None:
        return cached
    columns = {p: i for i, p in enumerate(circuit.parameters)}
    slots = SlotTable()
    codes, first_slots, offsets = [], [], []
    mats: list[np.ndarray] = []
    size = 0
    for gate, _ in circuit:
        code, constant = _lowering(gate)
        offset = 0
        if constant is not None:
            data = _constant_data(gate, constant)
            offset = size
            mats.append(data)
            size += data.size
        first_slots.append(slots.count)
        for value in gate.params:
            slots.add(value, columns)
        codes.append(code)
        offsets.append(offset)
    rows = [qubits for _, qubits in circuit]
    qubit_table = np.zeros((len(rows), max([3, *map(len, rows)])), dtype=np.int64)
    for i, qubits in enumerate(rows):
        qubit_table[i, : len(qubits)] = qubits
    code_array = np.array(codes, dtype=np.int64)
    program = Program(
        num_qubits=circuit.num_qubits,
        parameters=circuit.parameters,
        code=code_array,
        qubits=qubit_table,
        arity=np.array([len(q) for q in rows], dtype=np.int64),
        slot=np.array(first_slots, dtype=np.int64),
        moff=np.array(offsets, dtype=np.int64),
        mats=np.concatenate(mats) if mats else np.zeros(1, dtype=np.complex128),
        slots=slots,
        diagonal=np.isin(code_array, list(_DIAGONAL_CODES)),
        gates=[gate for gate, _ in circuit],
        nslots=np.array([len(gate.params) for gate, _ in circuit], dtype=np.int64),
    )
    program.static = static_table(program.code, program.qubits, program.arity, program.mats,
                                  program.moff)  # fmt: skip
    if differentiable:
        _attach_generators(program)
    circuit._derived[key] = program
    return program


_PAIR_KINDS = {
    OP_RX: K_RX, OP_CRX: K_RX, OP_RY: K_REAL, OP_CRY: K_REAL, OP_RZ: K_DIAG, OP_CRZ: K_DIAG,
    OP_DIAG1: K_DIAG, OP_U: K_PAIR, OP_CU: K_PAIR, OP_P: K_PHASE, OP_CP: K_PHASE,
    OP_CZ: K_PHASE, OP_CCZ: K_PHASE, OP_RZZ: K_PARITY, OP_X: K_SWAP, OP_CX: K_SWAP,
    OP_CCX: K_SWAP, OP_SWAP: K_SWAP, OP_CSWAP: K_SWAP, OP_NOP: K_NOP,
}  # fmt: skip


def static_table(
    code: np.ndarray, qubits: np.ndarray, arity: np.ndarray, mats: np.ndarray, moff: np.ndarray
) -> np.ndarray:
    """Each op decoded for the kernels: ``(kind, count, s0, s1, s2, on, t, a, b)``.

    ``kind`` picks the primitive; ``s0 < s1 < s2`` are the op's qubits sorted
    (for base-index insertion); ``on`` the bits that must be set (controls, or
    every bit for phase gates); ``t`` the target; ``a``, ``b`` the bits a swap
    exchanges (``a = 0`` for X-type flips) or a parity reads.
    """
    table = np.zeros((len(code), 9), dtype=np.int64)
    for i, op in enumerate(code):
        k = int(arity[i])
        qs = [int(q) for q in qubits[i, :k]]
        if op in (OP_MAT2, OP_RXX, OP_RYY, OP_RZX, OP_MATK, OP_DIAGSPLIT):
            table[i, 0] = K_WIDE
            continue
        if op in (OP_MAT1, OP_CMAT1):
            real = not np.any(mats[moff[i] : moff[i] + 4].imag)
            kind = K_REAL if real else K_PAIR
        else:
            kind = _PAIR_KINDS[int(op)]
        ordered = sorted(qs) + [0] * (3 - k)
        controls = sum(1 << q for q in qs[:-1])
        target = qs[-1] if qs else 0
        a, b = 0, 1 << target
        if op in (OP_P, OP_CP, OP_CZ, OP_CCZ):
            controls |= 1 << target
        elif op == OP_SWAP:
            controls, a, b = 0, 1 << qs[0], 1 << qs[1]
        elif op == OP_CSWAP:
            controls, a, b = 1 << qs[0], 1 << qs[1], 1 << qs[2]
        elif op == OP_RZZ:
            controls, a, b = 0, 1 << qs[0], 1 << qs[1]
        table[i] = (kind, k, *ordered, controls, target, a, b)
    return table


def _attach_generators(program: Program) -> None:
    count = len(program.code)
    program.gen_on = np.zeros(count, dtype=np.int64)
    program.gen_x = np.zeros(count, dtype=np.int64)
    program.gen_z = np.zeros(count, dtype=np.int64)
    program.gen_y = np.zeros(count, dtype=np.int64)
    program.gen_factor = np.zeros(count, dtype=np.float64)
    program.gen_slot = np.full(count, -1, dtype=np.int64)
    for i, gate in enumerate(program.gates):
        if not gate.num_params:
            continue
        if gate.name not in GENERATORS:
            raise UnsupportedOperationError(
                f"gate {gate.name!r} has no known generator, so it cannot be differentiated "
                "analytically; use method='finite-diff'"
            )
        letters, factor = GENERATORS[gate.name]
        for letter, q in zip(letters, program.qubits[i], strict=False):
            bit = 1 << int(q)
            if letter == "1":
                program.gen_on[i] |= bit
            if letter in "XY":
                program.gen_x[i] |= bit
            if letter in "ZY":
                program.gen_z[i] |= bit
            program.gen_y[i] += letter == "Y"
        program.gen_factor[i] = factor
        program.gen_slot[i] = program.slot[i]


def _lowering(gate: Gate) -> tuple[int, str | None]:
    if isinstance(gate, Unitary):
        if gate.num_qubits == 1:
            return OP_MAT1, "matrix"
        if gate.num_qubits == 2:
            return OP_MAT2, "matrix"
        return OP_MATK, "matrix"
    if gate.name not in LOWERING or type(gate) is not STANDARD_GATES.get(gate.name):
        raise UnsupportedOperationError(
            f"the compiled engine does not know the gate {type(gate).__name__}; "
            "it runs on the numpy backend instead"
        )
    return LOWERING[gate.name]


def _constant_data(gate: Gate, kind: str) -> np.ndarray:
    if kind == "diagonal":
        data = gate.diagonal()
    elif kind == "target":
        data = gate.target_matrix()
    else:
        data = gate.matrix()
    return np.ascontiguousarray(data, dtype=np.complex128).ravel()
