"""``Circuit``: an ordered list of gates on qubits, with symbolic parameters.

Qubit ``q`` of a circuit is bit ``q`` of a state vector's index (qiskit's
little-endian order). ``circuit.parameters`` lists each distinct parameter once,
in order of first appearance; that order fixes the columns of every ``params``
array, of ``assign_parameters(sequence)`` and of every gradient.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from qml.circuits.parameters import Parameter, ParameterExpression, ParameterVector
from qml.errors import (
    ParameterError,
    QmlTypeError,
    QubitError,
    QubitIndexError,
    ShapeError,
    UnsupportedOperationError,
)
from qml.gates import STANDARD_GATES, Gate, Unitary
from qml.gates.base import is_symbolic

if TYPE_CHECKING:
    import qiskit


class Instruction(NamedTuple):
    """A gate placed on qubits: ``qubits[j]`` plays the gate's qubit ``j``."""

    gate: Gate
    qubits: tuple[int, ...]


ParameterValues = Mapping[Any, Any] | Sequence[Any] | np.ndarray


def _builder(gate_cls: type[Gate]) -> Any:
    """A ``Circuit`` method ``c.<name>(*params, *qubits)`` appending one ``gate_cls``."""
    k, p, name = gate_cls.num_qubits, gate_cls.num_params, gate_cls.name

    def method(self: Circuit, *args: Any) -> Circuit:
        if len(args) != p + k:
            usage = ", ".join([f"param{i}" for i in range(p)] + [f"qubit{j}" for j in range(k)])
            raise QubitError(
                f"{name}() takes {p} parameter(s) then {k} qubit(s): "
                f"c.{name}({usage}); got {len(args)} argument(s)"
            )
        params, qubits = args[:p], args[p:]
        if any(_is_qubit_list(q) for q in qubits):  # qiskit-style broadcast: c.h(range(3))
            columns = [list(q) if _is_qubit_list(q) else None for q in qubits]
            lengths = {len(c) for c in columns if c is not None}
            if len(lengths) != 1:
                raise QubitError(f"{name}(): qubit lists of different lengths {sorted(lengths)}")
            for row in range(lengths.pop()):
                chosen = [
                    c[row] if c is not None else q for c, q in zip(columns, qubits, strict=True)
                ]
                self.append(gate_cls(*params), chosen)
            return self
        return self.append(gate_cls(*params), qubits)

    doc = (gate_cls.__doc__ or "").strip().splitlines()[0]
    method.__name__ = method.__qualname__ = name
    method.__doc__ = (
        f"Append {gate_cls.__name__}: {doc}\n\n"
        f"Arguments: {p} parameter(s) (float, array of shape (B,), or Parameter), then {k} "
        "qubit index(es); a list of qubits applies the gate to each. Returns the circuit."
    )
    return method


def _is_qubit_list(value: Any) -> bool:
    return isinstance(value, (list, tuple, range, np.ndarray))


class Circuit:
    """A quantum circuit on ``num_qubits`` qubits.

    Build it with chained methods (``Circuit(2).h(0).cx(0, 1)``) or
    ``append(gate, qubits)``. ``global_phase`` multiplies the whole state by
    ``exp(i * global_phase)``. Final measurements (``measure``) are recorded for
    sampling; gates after a measurement on the same qubit are refused.
    """

    def __init__(
        self,
        num_qubits: int,
        global_phase: float | ParameterExpression = 0.0,
        *,
        name: str | None = None,
    ) -> None:
        if not isinstance(num_qubits, numbers.Integral) or isinstance(num_qubits, bool):
            raise QmlTypeError(f"num_qubits must be an int, got {num_qubits!r}")
        if num_qubits < 0:
            raise QubitError(f"num_qubits must be >= 0, got {num_qubits}")
        self._num_qubits = int(num_qubits)
        self._instructions: list[Instruction] = []
        self._parameters: dict[Parameter, None] = {}
        self._names: dict[str, Parameter] = {}
        self._measurements: dict[int, int] = {}
        self.name = name
        self.global_phase = global_phase

    # -- basic facts ------------------------------------------------------------------
    @property
    def num_qubits(self) -> int:
        """Number of qubits."""
        return self._num_qubits

    @property
    def instructions(self) -> tuple[Instruction, ...]:
        """The gates in order, as ``(gate, qubits)`` pairs."""
        return tuple(self._instructions)

    @property
    def global_phase(self) -> float | ParameterExpression:
        """Phase ``φ`` of the overall factor ``exp(iφ)``."""
        return self._global_phase

    @global_phase.setter
    def global_phase(self, value: float | ParameterExpression) -> None:
        if isinstance(value, ParameterExpression):
            self._register(value)
            self._global_phase: float | ParameterExpression = value
        elif isinstance(value, numbers.Real) and np.isfinite(value):
            self._global_phase = float(value)
        else:
            raise QmlTypeError(
                f"global_phase must be a finite float or a parameter expression, got {value!r}"
            )

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        """Distinct unbound parameters, in order of first appearance."""
        return tuple(self._parameters)

    @property
    def num_parameters(self) -> int:
        """``len(circuit.parameters)``."""
        return len(self._parameters)

    @property
    def measurements(self) -> dict[int, int]:
        """Final measurements, ``{qubit: classical bit}``."""
        return dict(self._measurements)

    @property
    def num_clbits(self) -> int:
        """Classical bits needed by the measurements."""
        return max(self._measurements.values(), default=-1) + 1

    def __len__(self) -> int:
        return len(self._instructions)

    def __iter__(self) -> Iterator[Instruction]:
        return iter(self._instructions)

    def __getitem__(self, index: int) -> Instruction:
        return self._instructions[index]

    # -- building ----------------------------------------------------------------------
    def append(self, gate: Gate | type[Gate], qubits: int | Sequence[int]) -> Circuit:
        """Append ``gate`` on ``qubits`` (``qubits[j]`` plays the gate's qubit ``j``).

        A gate class without parameters may be passed as is (``c.append(H, 0)``).
        Returns the circuit.
        """
        if isinstance(gate, type) and issubclass(gate, Gate):
            gate = gate()
        if not isinstance(gate, Gate):
            raise QmlTypeError(f"append() needs a qml Gate, got {type(gate).__name__}")
        if isinstance(qubits, numbers.Integral):
            qubits = (int(qubits),)
        qubits = gate.check_qubits(qubits, self._num_qubits)
        for q in qubits:
            if q in self._measurements:
                raise UnsupportedOperationError(
                    f"qubit {q} was already measured; qml simulates unitary circuits with final "
                    "measurements only, so add gates before measure()"
                )
        for p in gate.params:
            if is_symbolic(p):
                self._register(p)
        self._instructions.append(Instruction(gate, qubits))
        return self

    def _register(self, expression: ParameterExpression) -> None:
        for p in expression.parameters:
            other = self._names.get(p.name)
            if other is not None and other != p:
                raise ParameterError(
                    f"the circuit already has a different parameter named {p.name!r}; "
                    "reuse that Parameter object or give the new one another name"
                )
            self._names[p.name] = p
            self._parameters.setdefault(p)

    def measure(
        self, qubits: int | Sequence[int], clbits: int | Sequence[int] | None = None
    ) -> Circuit:
        """Measure ``qubits`` into ``clbits`` (default: the same indices) at the end."""
        qubits = [qubits] if isinstance(qubits, numbers.Integral) else list(qubits)
        clbits = (
            list(qubits)
            if clbits is None
            else ([clbits] if isinstance(clbits, numbers.Integral) else list(clbits))
        )
        if len(qubits) != len(clbits):
            raise QubitError(f"measure() got {len(qubits)} qubit(s) but {len(clbits)} clbit(s)")
        for q, b in zip(qubits, clbits, strict=True):
            if not 0 <= q < self._num_qubits:
                raise QubitIndexError(f"qubit {q} is out of range for {self._num_qubits} qubit(s)")
            if b < 0:
                raise QubitIndexError(f"classical bit {b} is negative")
            self._measurements[int(q)] = int(b)
        return self

    def measure_all(self) -> Circuit:
        """Measure every qubit ``q`` into classical bit ``q``."""
        return self.measure(range(self._num_qubits))

    def unitary(
        self, matrix: Any, qubits: int | Sequence[int], label: str | None = None
    ) -> Circuit:
        """Append ``Unitary(matrix)`` on ``qubits`` (little-endian over ``qubits``)."""
        return self.append(Unitary(matrix, label=label), qubits)

    # builder methods, one per standard gate, named as qiskit names them
    id = _builder(STANDARD_GATES["id"])
    h = _builder(STANDARD_GATES["h"])
    x = _builder(STANDARD_GATES["x"])
    y = _builder(STANDARD_GATES["y"])
    z = _builder(STANDARD_GATES["z"])
    s = _builder(STANDARD_GATES["s"])
    sdg = _builder(STANDARD_GATES["sdg"])
    t = _builder(STANDARD_GATES["t"])
    tdg = _builder(STANDARD_GATES["tdg"])
    sx = _builder(STANDARD_GATES["sx"])
    sxdg = _builder(STANDARD_GATES["sxdg"])
    rx = _builder(STANDARD_GATES["rx"])
    ry = _builder(STANDARD_GATES["ry"])
    rz = _builder(STANDARD_GATES["rz"])
    p = _builder(STANDARD_GATES["p"])
    u = _builder(STANDARD_GATES["u"])
    cx = _builder(STANDARD_GATES["cx"])
    cy = _builder(STANDARD_GATES["cy"])
    cz = _builder(STANDARD_GATES["cz"])
    ch = _builder(STANDARD_GATES["ch"])
    swap = _builder(STANDARD_GATES["swap"])
    iswap = _builder(STANDARD_GATES["iswap"])
    crx = _builder(STANDARD_GATES["crx"])
    cry = _builder(STANDARD_GATES["cry"])
    crz = _builder(STANDARD_GATES["crz"])
    cp = _builder(STANDARD_GATES["cp"])
    cu = _builder(STANDARD_GATES["cu"])
    rxx = _builder(STANDARD_GATES["rxx"])
    ryy = _builder(STANDARD_GATES["ryy"])
    rzz = _builder(STANDARD_GATES["rzz"])
    rzx = _builder(STANDARD_GATES["rzx"])
    ecr = _builder(STANDARD_GATES["ecr"])
    ccx = _builder(STANDARD_GATES["ccx"])
    ccz = _builder(STANDARD_GATES["ccz"])
    cswap = _builder(STANDARD_GATES["cswap"])
    cnot, toffoli, fredkin = cx, ccx, cswap

    # -- parameters ----------------------------------------------------------------------
    def parameter_values(self, values: ParameterValues) -> dict[Parameter, Any]:
        """Resolve ``values`` into ``{Parameter: float or (B,) array}``.

        ``values`` is a mapping keyed by ``Parameter``, ``ParameterVector`` or
        parameter name, or a sequence/array in ``self.parameters`` order: shape
        ``(n_params,)``, or ``(B, n_params)`` for a batch (columns become arrays).
        """
        if isinstance(values, Mapping):
            return self._values_from_mapping(values)
        array = np.asarray(values, dtype=np.float64) if not _has_symbols(values) else None
        if array is None:
            raise QmlTypeError("parameter values must be numbers; got symbolic values")
        n = self.num_parameters
        if array.ndim == 1 and array.shape[0] == n:
            return {p: float(v) for p, v in zip(self._parameters, array, strict=True)}
        if array.ndim == 2 and array.shape[1] == n:
            return {p: array[:, i] for i, p in enumerate(self._parameters)}
        names = ", ".join(p.name for p in self._parameters) or "none"
        raise ShapeError(
            f"expected parameter values of shape ({n},) or (B, {n}) in the order of "
            f"circuit.parameters ({names}); got shape {array.shape}"
        )

    def _values_from_mapping(self, values: Mapping[Any, Any]) -> dict[Parameter, Any]:
        resolved: dict[Parameter, Any] = {}
        for key, value in values.items():
            if isinstance(key, ParameterVector):
                array = np.asarray(value, dtype=np.float64)
                if array.shape[-1:] != (len(key),) or array.ndim > 2:
                    raise ShapeError(
                        f"ParameterVector {key.name!r} has {len(key)} elements; "
                        f"got values of shape {array.shape}"
                    )
                for i, p in enumerate(key):
                    resolved[p] = array[..., i] if array.ndim == 2 else float(array[i])
                continue
            if isinstance(key, str):
                if key not in self._names:
                    raise ParameterError(
                        f"the circuit has no parameter named {key!r}; it has "
                        f"{', '.join(self._names) or 'none'}"
                    )
                key = self._names[key]
            if not isinstance(key, Parameter):
                raise QmlTypeError(
                    f"parameter values must be keyed by Parameter, ParameterVector "
                    f"or name; got a key of type {type(key).__name__}"
                )
            array = np.asarray(value, dtype=np.float64)
            if array.ndim > 1:
                raise ShapeError(
                    f"the value of {key.name!r} must be a float or an array of shape "
                    f"(B,); got shape {array.shape}"
                )
            resolved[key] = array if array.ndim else float(array)
        return resolved

    def assign_parameters(self, values: ParameterValues, *, strict: bool = True) -> Circuit:
        """A new circuit with parameters replaced by ``values`` (see ``parameter_values``).

        Values may be arrays of shape ``(B,)``: the new circuit's gates are then
        batched. ``strict`` refuses keys that are not parameters of the circuit.
        """
        resolved = self.parameter_values(values)
        if strict:
            foreign = [p.name for p in resolved if p not in self._parameters]
            if foreign:
                raise ParameterError(
                    f"not parameters of this circuit: {', '.join(foreign)}; "
                    "pass strict=False to ignore them"
                )
        out = self._empty_like()
        phase = self._global_phase
        out.global_phase = phase.bind(resolved) if isinstance(phase, ParameterExpression) else phase
        for gate, qubits in self._instructions:
            out.append(gate.bind(resolved), qubits)
        out._measurements = dict(self._measurements)
        return out

    # -- whole-circuit operations ----------------------------------------------------------
    def _empty_like(self) -> Circuit:
        return Circuit(self._num_qubits, name=self.name)

    def copy(self) -> Circuit:
        """A shallow copy (gates are immutable and shared)."""
        out = self._empty_like()
        out.global_phase = self._global_phase
        for gate, qubits in self._instructions:
            out.append(gate, qubits)
        out._measurements = dict(self._measurements)
        return out

    def inverse(self) -> Circuit:
        """The inverse circuit: gates reversed and inverted, global phase negated."""
        if self._measurements:
            raise UnsupportedOperationError(
                "a circuit with measurements has no inverse; "
                "invert the circuit before adding measure()"
            )
        out = self._empty_like()
        out.global_phase = -self._global_phase
        for gate, qubits in reversed(self._instructions):
            out.append(gate.inverse(), qubits)
        return out

    def compose(
        self, other: Circuit, qubits: Sequence[int] | None = None, *, front: bool = False
    ) -> Circuit:
        """A new circuit: ``other`` appended (or prepended with ``front``) on ``qubits``.

        ``qubits[j]`` of this circuit receives ``other``'s qubit ``j``; by default
        ``other`` acts on qubits ``0 .. other.num_qubits - 1``.
        """
        if not isinstance(other, Circuit):
            raise QmlTypeError(f"compose() needs a Circuit, got {type(other).__name__}")
        if qubits is None:
            if other.num_qubits > self._num_qubits:
                raise QubitError(
                    f"cannot compose a {other.num_qubits}-qubit circuit onto "
                    f"{self._num_qubits} qubits; pass qubits=[...] or widen this one"
                )
            qubits = range(other.num_qubits)
        mapping = list(qubits)
        if len(mapping) != other.num_qubits:
            raise QubitError(
                f"compose() needs {other.num_qubits} qubit(s) for the other circuit, "
                f"got {len(mapping)}"
            )
        first, second = (other, self) if front else (self, other)
        out = self._empty_like()
        out.global_phase = self._global_phase + other.global_phase
        for circuit in (first, second):
            remap = mapping if circuit is other else range(self._num_qubits)
            for gate, qs in circuit:
                out.append(gate, [remap[q] for q in qs])
            for q, b in circuit._measurements.items():
                out.measure(remap[q], b)
        return out

    def depth(self) -> int:
        """Number of layers when every gate goes as early as its qubits allow."""
        level = [0] * self._num_qubits
        for _, qubits in self._instructions:
            top = max(level[q] for q in qubits) + 1
            for q in qubits:
                level[q] = top
        for q in self._measurements:
            level[q] += 1
        return max(level, default=0)

    def count_ops(self) -> dict[str, int]:
        """``{gate name: count}``, most frequent first."""
        counts: dict[str, int] = {}
        for gate, _ in self._instructions:
            counts[gate.name] = counts.get(gate.name, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: -item[1]))

    def draw(self) -> str:
        """A text drawing in the style of qiskit's ``QuantumCircuit.draw()``."""
        from qml.circuits.drawing import draw_text

        return draw_text(self)

    # -- interoperability ----------------------------------------------------------------
    @classmethod
    def from_qiskit(cls, circuit: qiskit.QuantumCircuit) -> Circuit:
        """Convert a qiskit ``QuantumCircuit`` (see ``qml.circuits.qiskit_io``)."""
        from qml.circuits.qiskit_io import from_qiskit

        return from_qiskit(circuit)

    def to_qiskit(self) -> qiskit.QuantumCircuit:
        """This circuit as a qiskit ``QuantumCircuit`` (parameters keep their names)."""
        from qml.circuits.qiskit_io import to_qiskit

        return to_qiskit(self)

    @classmethod
    def from_qasm(cls, text: str) -> Circuit:
        """Parse OpenQASM 2 text (qiskit's parser, its legacy gate set included)."""
        from qml.circuits.qiskit_io import from_qasm

        return from_qasm(text)

    @classmethod
    def from_qasm_file(cls, path: str) -> Circuit:
        """Parse an OpenQASM 2 file."""
        with open(path, encoding="utf-8") as handle:
            return cls.from_qasm(handle.read())

    def to_qasm(self) -> str:
        """This circuit as OpenQASM 2 text (parameters must be bound)."""
        from qml.circuits.qiskit_io import to_qasm

        return to_qasm(self)

    # -- identity -----------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Circuit):
            return NotImplemented
        return (
            self._num_qubits == other._num_qubits
            and self._instructions == other._instructions
            and self._global_phase == other._global_phase
            and self._measurements == other._measurements
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        extra = f", {self.num_parameters} parameters" if self._parameters else ""
        return f"<Circuit: {self._num_qubits} qubits, {len(self)} gates{extra}>"

    def __str__(self) -> str:
        return self.draw()


def _has_symbols(values: Iterable[Any] | np.ndarray) -> bool:
    if isinstance(values, np.ndarray):
        return values.dtype == object and any(is_symbolic(v) for v in values.ravel())
    try:
        return any(is_symbolic(v) for v in values)
    except TypeError:
        return False
