"""``Circuit``: an ordered list of gates on qubits, with symbolic parameters.

Qubit ``q`` of a circuit is bit ``q`` of a state vector's index (qiskit's
little-endian order). ``circuit.parameters`` lists each distinct parameter once,
in order of first appearance in the gates, followed by any that appear only in
the global phase (sorted by name); that order fixes the columns of every
``params`` array, of ``assign_parameters(sequence)`` and of every gradient. It
does not depend on when the global phase was set, so ``copy()``,
``assign_parameters`` and a round trip through qiskit keep it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from qml.circuits.parameters import Parameter, ParameterExpression, ParameterVector
from qml.errors import (
    ParameterError,
    QasmError,
    QmlIndexError,
    QmlTypeError,
    QubitError,
    QubitIndexError,
    ShapeError,
    UnsupportedOperationError,
)
from qml.gates import STANDARD_GATES, Gate, Unitary
from qml.gates.base import MAX_QUBITS, as_real, index_list, integer, is_symbolic, real_array

#: Most classical bits a circuit may have (measure's indices are below it), as for qubits.
MAX_CLBITS = MAX_QUBITS

#: Largest OpenQASM file ``from_qasm_file`` reads (bytes): far beyond any real program,
#: and a mistaken path to a huge file is refused before it is read into memory.
MAX_QASM_BYTES = 1 << 28

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
    if isinstance(value, np.ndarray):
        return value.ndim > 0  # a 0-d array is one index
    return isinstance(value, (list, tuple, range))


def _flag(value: Any, what: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise QmlTypeError(f"{what} must be True or False, got {value!r}")
    return bool(value)


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
        width = integer(num_qubits)
        if width is None:
            raise QmlTypeError(f"num_qubits must be an int, got {num_qubits!r}")
        if width < 0:
            raise QubitError(f"num_qubits must be >= 0, got {width}")
        if width > MAX_QUBITS:
            raise QubitError(
                f"a circuit of {width:,} qubits is beyond qml's limit of {MAX_QUBITS:,} "
                "(a state vector of 50 qubits already needs 16 PiB)"
            )
        if name is not None and not isinstance(name, str):
            raise QmlTypeError(f"a circuit's name must be a string or None, got {name!r}")
        self._num_qubits = width
        self._instructions: list[Instruction] = []
        self._parameters: dict[Parameter, None] = {}  # of the gates, in order
        self._names: dict[str, Parameter] = {}  # the same, by name
        self._measurements: list[tuple[int, int]] = []  # (qubit, clbit), in order
        # Data derived from the structure (the simulator's compiled program), dropped on change.
        self._derived: dict[str, Any] = {}
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
        """Phase ``φ`` of the overall factor ``exp(iφ)``: a float, a parameter expression,
        or an array of shape ``(B,)`` once batched values are assigned to one."""
        return self._global_phase

    @global_phase.setter
    def global_phase(self, value: float | ParameterExpression) -> None:
        self._derived.clear()
        what = "global_phase (a finite float, a parameter expression or a real (B,) array)"
        if isinstance(value, ParameterExpression):
            _check_names(value.parameters, self._names)
            self._global_phase: float | ParameterExpression = value
        elif isinstance(value, np.ndarray) and value.ndim == 1:  # assign_parameters: (B,)
            batch = real_array(value, what).copy()
            batch.setflags(write=False)
            self._global_phase = batch
        else:
            self._global_phase = as_real(value, what)

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        """Distinct unbound parameters: in order of first appearance in the gates, then
        those that appear only in the global phase, sorted by name."""
        phase = getattr(self, "_global_phase", 0.0)
        if not isinstance(phase, ParameterExpression):
            return tuple(self._parameters)
        only_phase = [p for p in phase.parameters if p not in self._parameters]
        return (*self._parameters, *sorted(only_phase, key=lambda p: p.sort_key))

    @property
    def num_parameters(self) -> int:
        """``len(circuit.parameters)``."""
        return len(self.parameters)

    def _parameters_by_name(self) -> dict[str, Parameter]:
        return {p.name: p for p in self.parameters}

    @property
    def measurements(self) -> dict[int, int]:
        """Final measurements, ``{qubit: classical bit}`` (the last one of each qubit)."""
        return dict(self._measurements)

    @property
    def measurement_pairs(self) -> tuple[tuple[int, int], ...]:
        """Every final measurement, ``(qubit, classical bit)``, in the order made.

        A qubit may be measured into several classical bits; a classical bit
        written twice keeps the last, as in qiskit.
        """
        return tuple(self._measurements)

    @property
    def num_clbits(self) -> int:
        """Classical bits needed by the measurements."""
        return max((b for _, b in self._measurements), default=-1) + 1

    def __len__(self) -> int:
        return len(self._instructions)

    def __iter__(self) -> Iterator[Instruction]:
        return iter(self._instructions)

    def __getitem__(self, index: int) -> Instruction:
        if isinstance(index, slice):
            return self._instructions[index]  # type: ignore[return-value]
        position = integer(index)
        if position is None:
            raise QmlTypeError(f"a circuit is indexed by an int or a slice, got {index!r}")
        if not -len(self._instructions) <= position < len(self._instructions):
            raise QmlIndexError(
                f"gate {position} is out of range for a circuit of {len(self)} gate(s)"
            )
        return self._instructions[position]

    # -- building ----------------------------------------------------------------------
    def append(self, gate: Gate | type[Gate], qubits: int | Sequence[int]) -> Circuit:
        """Append ``gate`` on ``qubits`` (``qubits[j]`` plays the gate's qubit ``j``).

        A gate class without parameters may be passed as is (``c.append(H, 0)``).
        Returns the circuit.
        """
        if isinstance(gate, type) and issubclass(gate, Gate):
            try:
                gate = gate()
            except TypeError as error:  # a gate class that needs arguments
                raise QmlTypeError(
                    f"append() got the class {gate.__name__}, which cannot be made without "
                    f"arguments ({error}); pass a gate, e.g. {gate.__name__}(...)"
                ) from None
        if not isinstance(gate, Gate):
            raise QmlTypeError(f"append() needs a qml Gate, got {type(gate).__name__}")
        qubits = gate.check_qubits(qubits, self._num_qubits)
        for q in qubits:
            if any(q == measured for measured, _ in self._measurements):
                raise UnsupportedOperationError(
                    f"qubit {q} was already measured; qml simulates unitary circuits with final "
                    "measurements only, so add gates before measure()"
                )
        for p in gate.params:
            if is_symbolic(p):
                self._register(p)
        self._instructions.append(Instruction(gate, qubits))
        self._derived.clear()
        return self

    def _register(self, expression: ParameterExpression) -> None:
        """Record the parameters of a gate's expression, refusing a clash of names."""
        phase = getattr(self, "_global_phase", 0.0)
        if isinstance(phase, ParameterExpression):
            _check_names(expression.parameters, {p.name: p for p in phase.parameters})
        _check_names(expression.parameters, self._names)
        for p in expression.parameters:
            self._names[p.name] = p
            self._parameters.setdefault(p)

    def measure(
        self, qubits: int | Sequence[int], clbits: int | Sequence[int] | None = None
    ) -> Circuit:
        """Measure ``qubits`` into ``clbits`` (default: the same indices) at the end.

        Each is an int or a sequence of ints; classical bits are ``0 .. MAX_CLBITS - 1``.
        """
        qubits = index_list(qubits, "measure(): qubits")
        clbits = list(qubits) if clbits is None else index_list(clbits, "measure(): clbits")
        if len(qubits) != len(clbits):
            raise QubitError(f"measure() got {len(qubits)} qubit(s) but {len(clbits)} clbit(s)")
        for q, b in zip(qubits, clbits, strict=True):
            if not 0 <= q < self._num_qubits:
                raise QubitIndexError(
                    f"qubit {q} is out of range for {self._num_qubits} qubit(s); valid "
                    f"indices are 0 to {self._num_qubits - 1} (negative indices do not wrap)"
                )
            if not 0 <= b < MAX_CLBITS:
                raise QubitIndexError(
                    f"classical bit {b} is out of range; classical bits are numbered 0 to "
                    f"{MAX_CLBITS - 1}"
                )
        pairs = list(zip(qubits, clbits, strict=True))  # all checked: none added on a refusal
        self._measurements.extend(pairs)
        self._derived.clear()
        return self

    def measure_all(self) -> Circuit:
        """Measure every qubit ``q`` into classical bit ``q``."""
        return self.measure(range(self._num_qubits))

    def unitary(
        self, matrix: Any, qubits: int | Sequence[int], label: str | None = None
    ) -> Circuit:
        """Append ``Unitary(matrix)`` on ``qubits`` (little-endian over ``qubits``)."""
        return self.append(Unitary(matrix, label=label), qubits)

    # -- parameters ----------------------------------------------------------------------
    def parameter_values(self, values: ParameterValues) -> dict[Parameter, Any]:
        """Resolve ``values`` into ``{Parameter: float or (B,) array}``.

        ``values`` is a mapping keyed by ``Parameter``, ``ParameterVector`` or
        parameter name, or a sequence/array in ``self.parameters`` order: shape
        ``(n_params,)``, or ``(B, n_params)`` for a batch (columns become arrays).
        """
        if isinstance(values, Mapping):
            return self._values_from_mapping(values)
        if _has_symbols(values):
            raise QmlTypeError("parameter values must be numbers; got symbolic values")
        array = _float_array(values, "parameter values")
        if array.ndim == 0:
            raise ShapeError(
                f"expected parameter values of shape ({self.num_parameters},) or "
                f"(B, {self.num_parameters}) in the order of circuit.parameters; got one "
                "number (wrap it in a list)"
            )
        parameters = self.parameters
        n = len(parameters)
        if array.ndim == 1 and array.shape[0] == n:
            return {p: float(v) for p, v in zip(parameters, array, strict=True)}
        if array.ndim == 2 and array.shape[1] == n:
            return {p: array[:, i] for i, p in enumerate(parameters)}
        names = ", ".join(p.name for p in parameters) or "none"
        raise ShapeError(
            f"expected parameter values of shape ({n},) or (B, {n}) in the order of "
            f"circuit.parameters ({names}); got shape {array.shape}"
        )

    def gate_batch_sizes(self) -> set[int]:
        """The ``B`` of every gate bound to ``(B,)`` arrays (empty when none is batched)."""
        sizes = self.derived(
            "gate_batch_sizes",
            lambda: {gate.batch_size for gate, _ in self if gate.batch_size is not None},
        )
        return set(sizes)

    def derived(self, key: str, build: Callable[[], Any]) -> Any:
        """``build()``, remembered under ``key`` until the circuit changes.

        For data derived from the circuit's structure (the simulator's compiled
        program, its gradient expansion), so repeated calls on one circuit pay once.
        """
        if not callable(build):
            raise QmlTypeError(f"derived() needs a function that builds the value, got {build!r}")
        value = self._derived.get(key)
        if value is None:
            value = self._derived[key] = build()
        return value

    def _values_from_mapping(self, values: Mapping[Any, Any]) -> dict[Parameter, Any]:
        resolved: dict[Parameter, Any] = {}
        by_name = self._parameters_by_name()
        for key, value in values.items():
            if isinstance(key, ParameterVector):
                array = _float_array(value, f"the values of ParameterVector {key.name!r}")
                if array.shape[-1:] != (len(key),) or array.ndim > 2:
                    raise ShapeError(
                        f"ParameterVector {key.name!r} has {len(key)} elements; "
                        f"got values of shape {array.shape}"
                    )
                for i, p in enumerate(key):
                    resolved[p] = array[..., i] if array.ndim == 2 else float(array[i])
                continue
            if isinstance(key, str):
                if key not in by_name:
                    raise ParameterError(
                        f"the circuit has no parameter named {key!r}; it has "
                        f"{', '.join(by_name) or 'none'}"
                    )
                key = by_name[key]
            if not isinstance(key, Parameter):
                raise QmlTypeError(
                    f"parameter values must be keyed by Parameter, ParameterVector "
                    f"or name; got a key of type {type(key).__name__}"
                )
            array = _float_array(value, f"the value of {key.name!r}")
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
        strict = _flag(strict, "strict")
        resolved = self.parameter_values(values)
        if strict:
            own = set(self.parameters)
            foreign = [p.name for p in resolved if p not in own]
            if foreign:
                names = {p.name for p in own}
                twins = [name for name in foreign if name in names]
                hint = (
                    f" ({', '.join(twins)}: a different Parameter object with the name of one "
                    "of the circuit's; key by the circuit's own Parameter or by its name)"
                    if twins
                    else ""
                )
                raise ParameterError(
                    f"not parameters of this circuit: {', '.join(foreign)}{hint}; "
                    "pass strict=False to ignore them"
                )
        out = self._empty_like()
        phase = self._global_phase
        out.global_phase = phase.bind(resolved) if isinstance(phase, ParameterExpression) else phase
        for gate, qubits in self._instructions:
            out.append(gate.bind(resolved), qubits)
        out._measurements = list(self._measurements)
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
        out._measurements = list(self._measurements)
        return out

    def inverse(self) -> Circuit:
        """The inverse circuit: gates reversed and inverted, global phase negated.

        Its ``parameters`` keep this circuit's order.
        """
        if self._measurements:
            raise UnsupportedOperationError(
                "a circuit with measurements has no inverse; "
                "invert the circuit before adding measure()"
            )
        out = self._empty_like()
        # keep this circuit's parameter order, so one params array serves both circuits
        out._parameters = dict.fromkeys(self._parameters)
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
        front = _flag(front, "front")
        if qubits is None:
            if other.num_qubits > self._num_qubits:
                raise QubitError(
                    f"cannot compose a {other.num_qubits}-qubit circuit onto "
                    f"{self._num_qubits} qubits; pass qubits=[...] or widen this one"
                )
            qubits = range(other.num_qubits)
        mapping = index_list(qubits, "compose(): qubits")
        if len(mapping) != other.num_qubits:
            raise QubitError(
                f"compose() needs {other.num_qubits} qubit(s) for the other circuit, "
                f"got {len(mapping)}"
            )
        for q in mapping:
            if not 0 <= q < self._num_qubits:
                raise QubitIndexError(
                    f"qubit {q} is out of range for {self._num_qubits} qubit(s); valid "
                    f"indices are 0 to {self._num_qubits - 1} (negative indices do not wrap)"
                )
        if len(set(mapping)) != len(mapping):
            raise QubitError(
                f"compose() was given the same qubit twice: {mapping}; each qubit of the "
                "other circuit needs its own qubit here"
            )
        first, second = (other, self) if front else (self, other)
        out = self._empty_like()
        out.global_phase = _add_phases(self._global_phase, other.global_phase)
        for circuit in (first, second):
            remap = mapping if circuit is other else range(self._num_qubits)
            for gate, qs in circuit:
                out.append(gate, [remap[q] for q in qs])
            for q, b in circuit._measurements:
                out.measure(remap[q], b)
        return out

    def depth(self) -> int:
        """Number of layers when every gate goes as early as its qubits allow."""
        level = [0] * self._num_qubits
        for _, qubits in self._instructions:
            top = max(level[q] for q in qubits) + 1
            for q in qubits:
                level[q] = top
        for q in {q for q, _ in self._measurements}:
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
    def from_qasm_file(cls, path: str | os.PathLike[str]) -> Circuit:
        """Parse an OpenQASM 2 file (UTF-8 text, at most ``MAX_QASM_BYTES``)."""
        if not isinstance(path, (str, os.PathLike)) or isinstance(path, bytes):
            raise QmlTypeError(
                f"from_qasm_file needs a file path (str or pathlib.Path), got {path!r}"
            )
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_QASM_BYTES + 1)
        except FileNotFoundError:
            raise QasmError(f"no OpenQASM file at {path!r}; check the path") from None
        except IsADirectoryError:
            raise QasmError(f"{path!r} is a folder; give the path of an OpenQASM file") from None
        except OSError as error:
            raise QasmError(f"cannot read {path!r}: {error.strerror or error}") from None
        if len(data) > MAX_QASM_BYTES:
            raise QasmError(
                f"{path!r} is larger than {MAX_QASM_BYTES // 2**20} MiB, far beyond any "
                "OpenQASM program; check the path"
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise QasmError(
                f"{path!r} is not UTF-8 text, so not an OpenQASM program; check the path"
            ) from None
        return cls.from_qasm(text)

    def to_qasm(self) -> str:
        """This circuit as OpenQASM 2 text (parameters must be bound)."""
        from qml.circuits.qiskit_io import to_qasm

        return to_qasm(self)

    # -- identity -----------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        """Same qubits, gates and measurements, and global phases equal modulo 2π.

        qiskit stores a numeric global phase reduced to [0, 2π), so the phase
        is compared modulo 2π, up to the rounding of that reduction.
        """
        if not isinstance(other, Circuit):
            return NotImplemented
        return (
            self._num_qubits == other._num_qubits
            and self._instructions == other._instructions
            and _phase_equal(self._global_phase, other._global_phase)
            and self._measurements == other._measurements
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        n = self.num_parameters
        extra = f", {n} parameters" if n else ""
        return f"<Circuit: {self._num_qubits} qubits, {len(self)} gates{extra}>"

    def __str__(self) -> str:
        return self.draw()


# Builder methods, one per standard gate, named as qiskit names them (``c.h(0)``,
# ``c.crx(θ, 0, 1)``): generated from the registry, so a gate added there has its method.
for _name, _cls in STANDARD_GATES.items():
    setattr(Circuit, _name, _builder(_cls))
Circuit.cnot, Circuit.toffoli, Circuit.fredkin = (  # type: ignore[attr-defined]
    _builder(STANDARD_GATES["cx"]),
    _builder(STANDARD_GATES["ccx"]),
    _builder(STANDARD_GATES["cswap"]),
)


def _add_phases(a: Any, b: Any) -> Any:
    """The sum of two global phases: floats, expressions, or (B,) arrays of one length."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if isinstance(a, ParameterExpression) or isinstance(b, ParameterExpression):
            raise UnsupportedOperationError(
                "cannot add a batched global phase to a symbolic one; compose before "
                "assigning batched values, or assign the other circuit's parameters too"
            )
        if np.ndim(a) == np.ndim(b) == 1 and np.shape(a) != np.shape(b):
            raise ShapeError(
                f"global phases batched over {np.shape(a)[0]} and {np.shape(b)[0]} samples "
                "cannot be added; give both circuits the same batch"
            )
    with np.errstate(over="ignore"):
        total = a + b
    return total


def _phase_equal(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)
    if isinstance(a, float) and isinstance(b, float):
        scale = max(1.0, abs(a), abs(b))
        return a == b or abs(math.remainder(a - b, 2 * math.pi)) <= 1e-12 * scale
    return bool(a == b)


def _check_names(parameters: Iterable[Parameter], known: Mapping[str, Parameter]) -> None:
    """Refuse two different parameters with one name, among ``parameters`` or with ``known``."""
    seen: dict[str, Parameter] = {}
    for p in parameters:
        other = known.get(p.name) or seen.setdefault(p.name, p)
        if other != p:
            raise ParameterError(
                f"the circuit already has a different parameter named {p.name!r}; "
                "reuse that Parameter object or give the new one another name"
            )


def _float_array(values: Any, what: str) -> np.ndarray:
    """``values`` as a float64 array of finite real numbers, or a QmlError saying what
    was wrong (see ``qml.gates.base.real_array``)."""
    return real_array(values, what)


def _has_symbols(values: Iterable[Any] | np.ndarray) -> bool:
    if isinstance(values, np.ndarray):
        return values.dtype == object and any(is_symbolic(v) for v in values.ravel())
    try:
        return any(is_symbolic(v) for v in values)
    except TypeError:
        return False
