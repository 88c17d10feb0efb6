"""Conversion to and from qiskit ``QuantumCircuit`` and OpenQASM 2.

qiskit is imported here only, inside the functions, so ``import qml`` never
loads it. Both libraries use the same little-endian qubit order and the same
gate matrices, so a gate maps to the gate of the same name.

``from_qiskit`` accepts every unitary qiskit circuit: standard gates (matched by
class, not by name) map to qml gates; other gates with a matrix of at most 10
qubits become ``Unitary`` (their matrix wins over a definition that may only
approximate it, as in qiskit's ``Operator``); the rest are decomposed through
their definitions, every global phase kept; annotated operations are expanded;
barriers and delays are skipped; final measurements are kept. Anything that is
not unitary (reset, mid-circuit measurement, classical control) is refused.
"""

from __future__ import annotations

import ast
import functools
import math
import numbers
import re
import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from qml.circuits.circuit import Circuit
from qml.circuits.parameters import (
    Parameter,
    ParameterExpression,
    ParameterVectorElement,
)
from qml.errors import (
    NotUnitaryError,
    ParameterError,
    QasmError,
    QmlTypeError,
    UnboundParameterError,
    UnsupportedOperationError,
)
from qml.gates import STANDARD_GATES, U, Unitary
from qml.gates.base import Gate, is_symbolic

if TYPE_CHECKING:
    import qiskit

# qiskit's legacy gates that are settings of qml gates: name -> (qml gate, params map)
_LEGACY: dict[str, tuple[type[Gate], Any]] = {
    "u1": (STANDARD_GATES["p"], lambda lam: (lam,)),
    "u2": (U, lambda phi, lam: (math.pi / 2, phi, lam)),
    "u3": (U, lambda theta, phi, lam: (theta, phi, lam)),
    "cu1": (STANDARD_GATES["cp"], lambda lam: (lam,)),
    "cu3": (STANDARD_GATES["cu"], lambda theta, phi, lam: (theta, phi, lam, 0.0)),
}
_SKIPPED = {"barrier", "delay"}
#: Wider gates are decomposed through their definitions rather than densified
#: (a dense matrix of 10 qubits already takes 16 MiB).
_MAX_MATRIX_QUBITS = 10

# qiskit Parameters that to_qiskit made, mapped back to the qml parameters they came from,
# so from_qiskit(to_qiskit(c)) has the very same parameters as c.
_ORIGINS: weakref.WeakValueDictionary[Any, Parameter] = weakref.WeakValueDictionary()


# -- parameters ------------------------------------------------------------------------------


def _qiskit_parameter(p: Parameter, vectors: dict[str, Any]) -> Any:
    from qiskit.circuit import Parameter as QiskitParameter
    from qiskit.circuit import ParameterVector as QiskitVector

    if isinstance(p, ParameterVectorElement):
        vector = vectors.get(p.vector_name)
        if vector is None:
            vector = vectors[p.vector_name] = QiskitVector(p.vector_name, 0)
        if len(vector) <= p.index:
            vector.resize(p.index + 1)
        target = vector[p.index]
    else:
        target = QiskitParameter(p.name, uuid=p.uuid)
    _ORIGINS[target.uuid] = p
    return target


def expression_to_qiskit(value: Any, vectors: dict[str, Any] | None = None) -> Any:
    """A qml number or polynomial expression as a qiskit float or ParameterExpression."""
    if not isinstance(value, ParameterExpression):
        if isinstance(value, np.ndarray):
            raise QmlTypeError(
                "qiskit circuits hold one value per parameter; this gate has a "
                "batched (B,) parameter. Convert one sample at a time or keep "
                "the parameter symbolic"
            )
        return float(value)
    vectors = {} if vectors is None else vectors
    symbols = {p: _qiskit_parameter(p, vectors) for p in value.parameters}
    total: Any = 0.0
    for monomial, coefficient in value.terms.items():
        term: Any = coefficient
        for p, k in monomial:
            term = term * symbols[p] ** k if k > 1 else term * symbols[p]
        total = total + term
    return total


def _qml_parameter(qp: Any) -> Parameter:
    origin = _ORIGINS.get(qp.uuid)
    if origin is not None and origin.name == qp.name:
        return origin
    vector = getattr(qp, "vector", None)
    if vector is not None:
        p: Parameter = ParameterVectorElement(vector.name, qp.index, uuid=qp.uuid)
    else:
        p = Parameter(qp.name, uuid=qp.uuid)
    _ORIGINS[qp.uuid] = p
    return p


_ALLOWED_NODES = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Load,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd,
)  # fmt: skip


def expression_from_qiskit(value: Any) -> float | ParameterExpression:
    """A qiskit parameter value (number, Parameter or expression) as a qml value.

    qiskit prints expressions exactly (shortest round-trip floats); the text is
    read back as a polynomial. Non-polynomial expressions (``sin(θ)``) are
    refused with the advice to bind them first.
    """
    from qiskit.circuit import ParameterExpression as QiskitExpression

    if not isinstance(value, QiskitExpression):
        if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real):
            if abs(value.imag) > 1e-12:
                raise ParameterError(f"the complex parameter {value} is not a gate angle")
            value = value.real
        return float(value)
    if not value.parameters:
        number = value.numeric()
        return expression_from_qiskit(number)
    originals = {qp.name: qp for qp in value.parameters}
    placeholders = {name: f"_qmlp{i}" for i, name in enumerate(originals)}
    pattern = "|".join(re.escape(n) for n in sorted(originals, key=len, reverse=True))
    text = re.sub(
        rf"(?<![\w.\[])(?:{pattern})(?![\w\[])", lambda m: placeholders[m.group(0)], str(value)
    )
    symbols = {placeholders[n]: _qml_parameter(qp) for n, qp in originals.items()}
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise ParameterError(f"cannot read the qiskit expression {value}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ParameterError(
                f"the qiskit parameter expression {value} is not a polynomial, which is what qml's "
                "expressions are; bind those parameters (assign_parameters) before converting"
            )
    return _evaluate(tree.body, symbols, value)


def _evaluate(node: ast.AST, symbols: dict[str, Parameter], source: Any) -> Any:
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, (int, float)):
            raise ParameterError(f"cannot read the constant {node.value!r} in {source}")
        return float(node.value)
    if isinstance(node, ast.Name):
        if node.id not in symbols:
            raise ParameterError(f"unknown symbol {node.id!r} in the qiskit expression {source}")
        return symbols[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, symbols, source)
        return -operand if isinstance(node.op, ast.USub) else operand
    assert isinstance(node, ast.BinOp)
    left, right = _evaluate(node.left, symbols, source), _evaluate(node.right, symbols, source)
    if isinstance(node.op, ast.Add):
        return left + right
    if isinstance(node.op, ast.Sub):
        return left - right
    if isinstance(node.op, ast.Mult):
        return left * right
    if isinstance(node.op, ast.Div):
        return left / right
    if isinstance(right, ParameterExpression) or float(right) != int(right) or right < 0:
        raise ParameterError(f"{source}: only non-negative integer powers are polynomials")
    return left ** int(right)


# -- circuits -----------------------------------------------------------------------------------


@functools.cache
def _qiskit_gate_classes() -> dict[str, type]:
    """qiskit's gate class for each qml standard gate (and legacy gate), by name."""
    from qiskit.circuit import library

    return {
        "id": library.IGate, "h": library.HGate, "x": library.XGate, "y": library.YGate,
        "z": library.ZGate, "s": library.SGate, "sdg": library.SdgGate, "t": library.TGate,
        "tdg": library.TdgGate, "sx": library.SXGate, "sxdg": library.SXdgGate,
        "rx": library.RXGate, "ry": library.RYGate, "rz": library.RZGate,
        "p": library.PhaseGate, "u": library.UGate, "cx": library.CXGate, "cy": library.CYGate,
        "cz": library.CZGate, "ch": library.CHGate, "swap": library.SwapGate,
        "iswap": library.iSwapGate, "crx": library.CRXGate, "cry": library.CRYGate,
        "crz": library.CRZGate, "cp": library.CPhaseGate, "cu": library.CUGate,
        "rxx": library.RXXGate, "ryy": library.RYYGate, "rzz": library.RZZGate,
        "rzx": library.RZXGate, "ecr": library.ECRGate, "ccx": library.CCXGate,
        "ccz": library.CCZGate, "cswap": library.CSwapGate, "u1": library.U1Gate,
        "u2": library.U2Gate, "u3": library.U3Gate, "cu1": library.CU1Gate, "cu3": library.CU3Gate,
    }  # fmt: skip


@functools.cache
def _qml_gates_by_qiskit_class() -> dict[type, tuple[type[Gate], Any]]:
    """qiskit gate class -> (qml gate class, parameter map)."""
    out: dict[type, tuple[type[Gate], Any]] = {}
    for name, qiskit_class in _qiskit_gate_classes().items():
        out[qiskit_class] = _LEGACY.get(name) or (STANDARD_GATES[name], lambda *p: p)
    return out


def to_qiskit(circuit: Circuit) -> qiskit.QuantumCircuit:
    """``circuit`` as a qiskit ``QuantumCircuit``, with its phase, parameters and measurements."""
    from qiskit import QuantumCircuit

    qiskit_gates = _qiskit_gate_classes()
    vectors: dict[str, Any] = {}
    qc = QuantumCircuit(circuit.num_qubits, circuit.num_clbits, name=circuit.name)
    qc.global_phase = expression_to_qiskit(circuit.global_phase, vectors)
    for gate, qubits in circuit:
        if isinstance(gate, Unitary) or gate.name not in qiskit_gates:
            # Unitary, or a user's Gate subclass qiskit has no class for: export its matrix
            from qiskit.circuit.library import UnitaryGate

            if gate.is_parameterized:
                raise UnsupportedOperationError(
                    f"gate {gate.name!r} has no qiskit equivalent, so it is exported as its "
                    "matrix, which needs numbers: bind its parameters first "
                    "(Circuit.assign_parameters)"
                )
            label = gate.label if isinstance(gate, Unitary) else gate.name
            qc.append(UnitaryGate(gate.matrix(), label=label, check_input=False), qubits)
            continue
        params = [expression_to_qiskit(p, vectors) for p in gate.params]
        qc.append(qiskit_gates[gate.name](*params), qubits)
    for qubit, clbit in circuit.measurement_pairs:
        qc.measure(qubit, clbit)
    return qc


def from_qiskit(qc: qiskit.QuantumCircuit) -> Circuit:
    """Convert a qiskit ``QuantumCircuit`` to a ``Circuit`` (see the module docstring)."""
    from qiskit import QuantumCircuit

    if not isinstance(qc, QuantumCircuit):
        raise QmlTypeError(f"from_qiskit needs a qiskit QuantumCircuit, got {type(qc).__name__}")
    out = Circuit(qc.num_qubits, name=qc.name)
    out.global_phase = expression_from_qiskit(qc.global_phase)
    _append(out, qc, list(range(qc.num_qubits)), path=())
    return out


def _append(out: Circuit, qc: Any, qubit_map: list[int], path: tuple[str, ...]) -> None:
    for item in qc.data:
        op = _plain_operation(item.operation)
        qubits = [qubit_map[qc.find_bit(q).index] for q in item.qubits]
        where = " inside ".join(reversed((*path, op.name))) if path else op.name
        if op.name in _SKIPPED:
            continue
        if op.name == "global_phase" and op.num_qubits == 0:  # qiskit's GlobalPhaseGate
            out.global_phase = out.global_phase + expression_from_qiskit(op.params[0])
            continue
        if op.name == "measure":
            if path:
                raise UnsupportedOperationError(
                    f"a measurement inside {path[-1]!r} cannot be kept; "
                    "measure at the top level, after every gate"
                )
            out.measure(qubits[0], qc.find_bit(item.clbits[0]).index)
            continue
        gate = _standard_gate(op)
        if gate is not None:
            _check_not_measured(out, qubits, where)
            out.append(gate, qubits)
            continue
        matrix = _bound_matrix(op)
        if matrix is not None:
            _check_not_measured(out, qubits, where)
            out.append(Unitary(matrix, label=getattr(op, "label", None) or op.name), qubits)
            continue
        definition = getattr(op, "definition", None)
        if definition is None or item.clbits:
            raise NotUnitaryError(
                f"the qiskit instruction {where!r} is not unitary (no matrix and no unitary "
                "definition); qml circuits hold unitary gates and final measurements only. "
                "Remove it, or use qiskit-aer for non-unitary circuits"
            )
        _check_not_measured(out, qubits, where)
        out.global_phase = out.global_phase + expression_from_qiskit(definition.global_phase)
        _append(out, definition, qubits, (*path, op.name))


def _plain_operation(op: Any) -> Any:
    """An ``AnnotatedOperation`` (what ``gate.control()`` returns as of qiskit 3) as the plain
    gate its modifiers make, applied in order; any other operation as it is."""
    from qiskit.circuit import AnnotatedOperation
    from qiskit.circuit.annotated_operation import (
        ControlModifier,
        InverseModifier,
        PowerModifier,
    )

    if not isinstance(op, AnnotatedOperation):
        return op
    gate = _plain_operation(op.base_op)
    try:
        for modifier in op.modifiers:
            if isinstance(modifier, InverseModifier):
                gate = gate.inverse()
            elif isinstance(modifier, ControlModifier):
                gate = gate.control(
                    modifier.num_ctrl_qubits, ctrl_state=modifier.ctrl_state, annotated=False
                )
            elif isinstance(modifier, PowerModifier):
                gate = gate.power(modifier.power, annotated=False)
            else:
                return op
    except Exception:  # qiskit cannot make the plain gate: the caller reports the operation
        return op
    return gate


def _check_not_measured(out: Circuit, qubits: list[int], where: str) -> None:
    measured = [q for q in qubits if q in out.measurements]
    if measured:
        raise UnsupportedOperationError(
            f"the qiskit instruction {where!r} acts on qubit {measured[0]} after it was "
            "measured; qml keeps final measurements only. Move the measurement to the "
            "end, or use qiskit-aer for mid-circuit measurements"
        )


def _standard_gate(op: Any) -> Gate | None:
    """The qml gate for a qiskit standard (or legacy) gate, or None.

    Gates are matched by class, not by name: a user's gate called ``"h"`` is
    whatever its definition says, not a Hadamard.
    """
    entry = _qml_gates_by_qiskit_class().get(getattr(op, "base_class", None))
    if entry is None:
        return None
    ctrl_state = getattr(op, "ctrl_state", None)
    num_ctrl = getattr(op, "num_ctrl_qubits", 0)
    if ctrl_state is not None and ctrl_state != (1 << num_ctrl) - 1:
        return None  # open controls: same name, different matrix
    params = [expression_from_qiskit(p) for p in op.params] if _all_numeric(op) else None
    if params is None:
        return None
    cls, convert = entry
    return cls(*convert(*params))


def _all_numeric(op: Any) -> bool:
    from qiskit.circuit import ParameterExpression as QiskitExpression

    return all(isinstance(p, (numbers.Real, QiskitExpression)) for p in op.params)


def _bound_matrix(op: Any) -> np.ndarray | None:
    """The matrix of a bound gate that has one (``UnitaryGate``, ``PauliEvolutionGate``, ...).

    As in ``qiskit.quantum_info.Operator``, a gate's own matrix wins over its
    definition, which may only approximate it (a Trotterized ``PauliEvolutionGate``).
    """
    from qiskit.circuit import Gate as QiskitGate
    from qiskit.circuit import ParameterExpression as QiskitExpression

    if not isinstance(op, QiskitGate) or not 0 < op.num_qubits <= _MAX_MATRIX_QUBITS:
        return None
    if any(isinstance(p, QiskitExpression) and p.parameters for p in op.params):
        return None
    try:
        return np.asarray(op.to_matrix(), dtype=np.complex128)
    except Exception:  # qiskit raises CircuitError and friends for gates without a matrix
        return None


# -- OpenQASM 2 ------------------------------------------------------------------------------


def from_qasm(text: str) -> Circuit:
    """Parse OpenQASM 2 text with qiskit's parser (legacy gates such as ``u3`` included).

    As qiskit does for the gates of ``qelib1.inc``, a program's own definition of
    a gate named like a qml standard gate (``iswap``, ``ecr``, ``rzx``, ...,
    which ``to_qasm`` writes) is read as that standard gate: OpenQASM 2 has no
    global phase, so the definition alone may be off by one.
    """
    from qiskit import qasm2

    if not isinstance(text, str):
        raise QmlTypeError(f"from_qasm needs the program text as a str, got {type(text).__name__}")
    if re.match(r"\s*(//[^\n]*\n\s*)*OPENQASM\s+3", text):
        raise QasmError("this is OpenQASM 3; qml reads OpenQASM 2 (convert it with qiskit first)")
    try:
        qc = qasm2.loads(text, custom_instructions=_qasm_custom_instructions())
    except qasm2.QASM2ParseError as error:
        message = str(error).strip("'\"")
        found = re.search(r":(\d+),(\d+):\s*(.*)", message)
        if found:
            line, column, reason = found.groups()
            source = text.splitlines()[int(line) - 1] if int(line) <= len(text.splitlines()) else ""
            raise QasmError(
                f"OpenQASM syntax error at line {line}, column {column}: {reason}\n"
                f"  {line} | {source}"
            ) from None
        raise QasmError(f"OpenQASM error: {message}") from None
    return from_qiskit(qc)


@functools.cache
def _qasm_custom_instructions() -> tuple[Any, ...]:
    """qiskit's legacy instructions plus qml's standard gates that qelib1.inc lacks."""
    from qiskit import qasm2

    legacy = tuple(qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    known = {instruction.name for instruction in legacy}
    classes = _qiskit_gate_classes()
    extra = tuple(
        qasm2.CustomInstruction(name, cls.num_params, cls.num_qubits, classes[name], builtin=False)
        for name, cls in STANDARD_GATES.items()
        if name not in known
    )
    return legacy + extra


def to_qasm(circuit: Circuit) -> str:
    """OpenQASM 2 text for a circuit whose parameters are all bound.

    OpenQASM 2 has no global phase: the circuit's ``global_phase`` is dropped, and
    so is the phase of the decomposition written for each ``Unitary``. Standard
    gates keep their exact matrices; ``from_qasm(to_qasm(c))`` prepares the same
    state as ``c`` up to a global phase.
    """
    from qiskit import qasm2

    if circuit.parameters:
        names = ", ".join(p.name for p in circuit.parameters)
        raise UnboundParameterError(
            f"OpenQASM 2 has no symbolic parameters; bind {names} with "
            "assign_parameters before to_qasm()"
        )
    if any(is_symbolic(p) for gate, _ in circuit for p in gate.params):
        raise UnboundParameterError("bind every parameter before to_qasm()")
    return qasm2.dumps(to_qiskit(circuit))
