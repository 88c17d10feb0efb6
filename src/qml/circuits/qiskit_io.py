"""Conversion to and from qiskit ``QuantumCircuit`` and OpenQASM 2.

qiskit is imported here only, inside the functions, so ``import qml`` never
loads it. Both libraries use the same little-endian qubit order and the same
gate matrices, so a gate maps to the gate of the same name.

``from_qiskit`` accepts every unitary qiskit circuit: standard gates (matched by
class, not by name: each qml gate states its ``qiskit_class``) map to qml gates;
controlled gates (``MCXGate``, ``gate.control(k)``, open controls included),
``DiagonalGate`` and ``PermutationGate`` keep their structure as ``Controlled``,
``Diagonal`` and ``Permutation``; other gates with a matrix of at most 10
qubits become ``Unitary`` (their matrix wins over a definition that may only
approximate it, as in qiskit's ``Operator``); the rest are decomposed through
their definitions, every global phase kept, and a wider gate with no definition
is taken as its matrix (a permutation or a diagonal when it is one). A gate a
QASM program defines has its matrix built once per definition and parameter
values. Annotated operations are expanded; barriers and delays are skipped;
final measurements are kept. Anything that is not unitary (reset, mid-circuit
measurement, classical control) is refused.
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

from qml.circuits.circuit import MAX_CLBITS, MAX_QASM_BYTES, Circuit
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
from qml.gates import (
    CU,
    STANDARD_GATES,
    Controlled,
    CPhase,
    Diagonal,
    Inverse,
    Permutation,
    Phase,
    U,
    Unitary,
)
from qml.gates.base import MAX_QUBITS, Gate, as_real, is_symbolic
from qml.gates.unitary import UNITARY_TOLERANCE

if TYPE_CHECKING:
    import qiskit

# qiskit's legacy gates, settings of qml gates: qiskit class -> (qml gate, params map)
_LEGACY: dict[str, tuple[type[Gate], Any]] = {
    "U1Gate": (Phase, lambda lam: (lam,)),
    "U2Gate": (U, lambda phi, lam: (math.pi / 2, phi, lam)),
    "U3Gate": (U, lambda theta, phi, lam: (theta, phi, lam)),
    "CU1Gate": (CPhase, lambda lam: (lam,)),
    "CU3Gate": (CU, lambda theta, phi, lam: (theta, phi, lam, 0.0)),
}
_SKIPPED = {"barrier", "delay"}
#: Wider gates are decomposed through their definitions rather than densified
#: (a dense matrix of 10 qubits already takes 16 MiB).
_MAX_MATRIX_QUBITS = 10
#: A wider gate without a definition is taken as its matrix up to this width (256 MiB).
_MAX_WIDE_MATRIX_QUBITS = 12
#: Gates a QASM program defines are matrices up to this width (built once per name and
#: parameters) and their definitions above: qiskit builds such a matrix by composing
#: the whole body (seconds for 10 qubits), and the body is exact.
_MAX_QASM_MATRIX_QUBITS = 4

#: Most gates an imported circuit may become once definitions are decomposed. A gate
#: defined as two uses of another doubles at each level, so a short program can ask for
#: more gates than any machine holds; it is refused before anything is expanded.
MAX_IMPORT_GATES = 1 << 20

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


def _vectors(vectors: Any) -> dict[str, Any]:
    """The ``{name: qiskit ParameterVector}`` shared across one conversion (new if None)."""
    if vectors is None:
        return {}
    if not isinstance(vectors, dict):
        raise QmlTypeError(f"vectors must be a dict (or None), got {type(vectors).__name__}")
    return vectors


def expression_to_qiskit(value: Any, vectors: dict[str, Any] | None = None) -> Any:
    """A qml number or polynomial expression as a qiskit float or ParameterExpression."""
    if not isinstance(value, ParameterExpression):
        if isinstance(value, np.ndarray) and value.ndim:
            raise QmlTypeError(
                "qiskit circuits hold one value per parameter; this gate has a "
                "batched (B,) parameter. Convert one sample at a time or keep "
                "the parameter symbolic"
            )
        return as_real(value, "a parameter value for qiskit")
    vectors = _vectors(vectors)
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
        return as_real(value, "the qiskit value")
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
        if not isinstance(right, ParameterExpression) and right == 0:
            raise ParameterError(f"{source} divides by zero")
        return left / right
    if (
        isinstance(right, ParameterExpression)
        or not math.isfinite(right)
        or float(right) != int(right)
        or right < 0
    ):
        raise ParameterError(f"{source}: only non-negative integer powers are polynomials")
    if isinstance(left, ParameterExpression):
        return left ** int(right)
    try:
        return math.pow(left, right)
    except (OverflowError, ValueError):
        raise ParameterError(f"{source}: a constant power overflows") from None


# -- circuits -----------------------------------------------------------------------------------


def _library() -> Any:
    from qiskit.circuit import library

    return library


def qiskit_class_of(gate: Gate | type[Gate]) -> type | None:
    """qiskit's class for a gate that names one (``Gate.qiskit_class``), else None."""
    if not (isinstance(gate, Gate) or (isinstance(gate, type) and issubclass(gate, Gate))):
        raise QmlTypeError(f"expected a qml Gate or gate class, got {type(gate).__name__}")
    name = gate.qiskit_class
    return None if name is None else getattr(_library(), name)


@functools.cache
def _qml_gates_by_qiskit_class() -> dict[type, tuple[type[Gate], Any]]:
    """qiskit gate class -> (qml gate class, parameter map), from the gates' own claims."""
    out: dict[type, tuple[type[Gate], Any]] = {}
    for cls in STANDARD_GATES.values():
        qiskit_class = qiskit_class_of(cls)
        if qiskit_class is not None:
            out[qiskit_class] = (cls, lambda *p: p)
    for name, entry in _LEGACY.items():
        out[getattr(_library(), name)] = entry
    return out


def to_qiskit(circuit: Circuit) -> qiskit.QuantumCircuit:
    """``circuit`` as a qiskit ``QuantumCircuit``, with its phase, parameters and measurements."""
    from qiskit import QuantumCircuit

    if not isinstance(circuit, Circuit):
        raise QmlTypeError(f"to_qiskit needs a qml Circuit, got {type(circuit).__name__}")
    vectors: dict[str, Any] = {}
    qc = QuantumCircuit(circuit.num_qubits, circuit.num_clbits, name=circuit.name)
    qc.global_phase = expression_to_qiskit(circuit.global_phase, vectors)
    for gate, qubits in circuit:
        qc.append(qiskit_gate(gate, vectors), qubits)
    for qubit, clbit in circuit.measurement_pairs:
        qc.measure(qubit, clbit)
    return qc


def qiskit_gate(gate: Gate, vectors: dict[str, Any] | None = None) -> Any:
    """The qiskit gate for a qml gate: its own qiskit class, the structure of a controlled,
    inverted or diagonal gate, or else its matrix (which needs bound parameters)."""
    from qiskit.circuit.library import DiagonalGate, PermutationGate, UnitaryGate

    vectors = _vectors(vectors)
    qiskit_class = qiskit_class_of(gate)
    if qiskit_class is not None and not isinstance(gate, Unitary):
        return qiskit_class(*(expression_to_qiskit(p, vectors) for p in gate.params))
    if isinstance(gate, Controlled):
        base = qiskit_gate(gate.base, vectors)
        return base.control(gate.num_controls, ctrl_state=gate.ctrl_state, annotated=False)
    if isinstance(gate, Inverse):
        return qiskit_gate(gate.gate, vectors).inverse()
    if gate.is_parameterized:
        raise UnsupportedOperationError(
            f"gate {gate.name!r} has no qiskit equivalent, so it is exported as its "
            "matrix, which needs numbers: bind its parameters first "
            "(Circuit.assign_parameters)"
        )
    if gate.batch_size is not None:
        raise QmlTypeError(
            "qiskit circuits hold one value per parameter; this gate has a "
            "batched (B,) parameter. Convert one sample at a time or keep "
            "the parameter symbolic"
        )
    if isinstance(gate, Diagonal):
        return DiagonalGate([complex(d) for d in gate.diagonal()])
    if isinstance(gate, Permutation) and gate.qubit_pattern() is not None:
        return PermutationGate(gate.qubit_pattern())
    label = gate.label if isinstance(gate, Unitary) else gate.name  # "permutation": see qml_gate
    return UnitaryGate(gate.matrix(), label=label, check_input=False)


def from_qiskit(qc: qiskit.QuantumCircuit) -> Circuit:
    """Convert a qiskit ``QuantumCircuit`` to a ``Circuit`` (see the module docstring)."""
    from qiskit import QuantumCircuit

    if not isinstance(qc, QuantumCircuit):
        raise QmlTypeError(f"from_qiskit needs a qiskit QuantumCircuit, got {type(qc).__name__}")
    if qc.num_qubits > MAX_QUBITS or qc.num_clbits > MAX_CLBITS:
        raise UnsupportedOperationError(
            f"the qiskit circuit has {qc.num_qubits:,} qubits and {qc.num_clbits:,} classical "
            f"bits; qml circuits have at most {MAX_QUBITS:,} of each"
        )
    if len(qc.data) > MAX_IMPORT_GATES:
        raise UnsupportedOperationError(
            f"the qiskit circuit has {len(qc.data):,} instructions, more than qml imports "
            f"({MAX_IMPORT_GATES:,})"
        )
    out = Circuit(qc.num_qubits, name=qc.name if isinstance(qc.name, str) else None)
    out.global_phase = expression_from_qiskit(qc.global_phase)
    _append(out, qc, list(range(qc.num_qubits)), path=(), cache={})
    return out


def _expanded_size(op: Any, cache: dict, top: bool = False) -> int:
    """How many qml gates ``op`` becomes, definitions decomposed; remembered per
    QASM-defined gate (whose definitions nest), so counting is cheap however deep."""
    key = ("size", *_program_key(op)) if _program_key(op) else None
    if key is not None and key in cache:
        return cache[key]
    if op.name in _SKIPPED or op.name == "global_phase":
        size = 0
    elif not top and (op.name == "measure" or qml_gate(op, cache) is not None):
        size = 1
    else:
        definition = getattr(op, "definition", None)
        size = 1
        if definition is not None:
            size = 0
            for item in definition.data:
                size += _expanded_size(_plain_operation(item.operation), cache)
                if size > MAX_IMPORT_GATES:
                    break  # already too many: no need to count the rest
    if key is not None:
        cache[key] = size
    return size


def _program_key(op: Any) -> tuple | None:
    """``(program id, name, qubits, parameters)`` for a gate a QASM program defines (qiskit's
    parser gives every use the program's table of gates), else None."""
    program = getattr(op, "_gates", None) if hasattr(op, "_bytecode") else None
    if program is None or not all(isinstance(p, numbers.Real) for p in op.params):
        return None
    return (id(program), op.name, op.num_qubits, tuple(float(p) for p in op.params))


def _append(
    out: Circuit, qc: Any, qubit_map: list[int], path: tuple[str, ...], cache: dict
) -> None:
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
        gate = None if item.clbits else qml_gate(op, cache)
        if gate is not None:
            _check_not_measured(out, qubits, where)
            out.append(gate, qubits)
            continue
        definition = getattr(op, "definition", None)
        if definition is None or item.clbits:
            raise NotUnitaryError(
                f"the qiskit instruction {where!r} is not unitary (no matrix and no unitary "
                "definition); qml circuits hold unitary gates and final measurements only. "
                "Remove it, or use qiskit-aer for non-unitary circuits"
            )
        _check_not_measured(out, qubits, where)
        size = _expanded_size(op, cache, top=True)
        if len(out) + size > MAX_IMPORT_GATES:
            raise UnsupportedOperationError(
                f"the qiskit instruction {where!r} expands to {size:,} gates or more (its "
                f"definition nests others); qml imports circuits of at most "
                f"{MAX_IMPORT_GATES:,} gates"
            )
        key = _program_key(op)
        if key is None:
            out.global_phase = out.global_phase + expression_from_qiskit(definition.global_phase)
            _append(out, definition, qubits, (*path, op.name), cache)
            continue
        # a gate the program defines is expanded once per name and parameters, on its own
        # qubits, then copied onto each use's qubits: nested definitions stay linear
        body = cache.get(("body", *key))
        if body is None:
            body = Circuit(op.num_qubits, expression_from_qiskit(definition.global_phase))
            _append(body, definition, list(range(op.num_qubits)), (*path, op.name), cache)
            cache[("body", *key)] = body
        for gate, local in body:
            out.append(gate, [qubits[q] for q in local])
        out.global_phase = out.global_phase + body.global_phase


def qml_gate(op: Any, cache: dict | None = None) -> Gate | None:
    """The qml gate for a qiskit operation, or None if it must be decomposed.

    In order: a standard gate (by class); a controlled gate, ``DiagonalGate`` or
    ``PermutationGate`` with its structure kept; a bound gate of at most 10
    qubits as its matrix (built once per QASM definition and parameters, through
    ``cache``); a wider gate with no definition as its matrix.
    """
    cache = {} if cache is None else cache
    gate = _standard_gate(op)
    if gate is not None:
        return gate
    structured = _structured_gate(op, cache)
    if structured is not None:
        return structured
    matrix_gate = _matrix_gate(op, cache)
    if matrix_gate is not None:
        return matrix_gate
    if getattr(op, "definition", None) is None:
        return _wide_gate(op)
    return None


def _structured_gate(op: Any, cache: dict) -> Gate | None:
    from qiskit.circuit import ControlledGate
    from qiskit.circuit.library import DiagonalGate, PermutationGate

    if isinstance(op, PermutationGate):
        return Permutation.of_qubits(op.pattern)
    if isinstance(op, DiagonalGate):
        return Diagonal(np.asarray(op.params, dtype=np.complex128))
    if isinstance(op, ControlledGate) and op.base_gate is not None:
        base = qml_gate(_plain_operation(op.base_gate), cache)
        if base is not None:
            return Controlled(base, op.num_ctrl_qubits, op.ctrl_state)
    return None


def _matrix_gate(op: Any, cache: dict) -> Gate | None:
    """A bound gate with a matrix (``UnitaryGate``, ``PauliEvolutionGate``, a QASM-defined
    gate, ...) as ``Unitary``; None if it has none or is wider than 10 qubits.

    As in ``qiskit.quantum_info.Operator``, a gate's own matrix wins over its
    definition, which may only approximate it (a Trotterized ``PauliEvolutionGate``).
    A gate that a QASM program defines is known by its name within that program
    (qiskit's parser gives every use the program's table of gates): its
    ``Unitary`` is made once per name and parameter values, not once per use, and
    only up to 4 qubits (wider ones are decomposed through their exact bodies).
    """
    from qiskit.circuit import Gate as QiskitGate
    from qiskit.circuit import ParameterExpression as QiskitExpression

    if not isinstance(op, QiskitGate) or not 0 < op.num_qubits <= _MAX_MATRIX_QUBITS:
        return None
    if any(isinstance(p, QiskitExpression) and p.parameters for p in op.params):
        return None
    program = getattr(op, "_gates", None) if hasattr(op, "_bytecode") else None
    if program is not None and op.num_qubits > _MAX_QASM_MATRIX_QUBITS:
        return None  # decomposed through its definition instead
    key = _program_key(op)
    if key is not None and key in cache:
        return cache[key][0]
    matrix = _definition_matrix(op, cache) if program is not None else None
    if matrix is None:
        try:
            matrix = np.asarray(op.to_matrix(), dtype=np.complex128)
        except Exception:  # qiskit raises CircuitError and friends for gates without a matrix
            return None
    label = getattr(op, "label", None)
    if label == Permutation.name and np.array_equal(np.abs(matrix), np.abs(matrix) > 0.5):
        return Permutation(np.argmax(np.abs(matrix), axis=1))  # what qiskit_gate exported
    gate = Unitary(matrix, label=label or op.name)
    if key is not None:
        cache[key] = (gate, program)  # the program's table is kept alive: its id stays its own
    return gate


def _definition_matrix(op: Any, cache: dict) -> np.ndarray | None:
    """The matrix of a gate a QASM program defines, from its body: each body gate (standard,
    or another defined gate, itself cached) applied to every basis state in turn. Linear in
    the body, where qiskit's ``Operator`` expands every nested definition (a gate defined
    by doubling another 14 times took it 40 s). None if a body gate has no qml form."""
    definition = getattr(op, "definition", None)
    if definition is None:
        return None
    phase = expression_from_qiskit(definition.global_phase)
    if not isinstance(phase, float):
        return None
    states = np.eye(1 << op.num_qubits, dtype=np.complex128)  # row j: the basis state |j>
    for item in definition.data:
        inner = _plain_operation(item.operation)
        if inner.name in _SKIPPED:
            continue
        gate = None if item.clbits else qml_gate(inner, cache)
        if gate is None or gate.is_parameterized or gate.batch_size is not None:
            return None
        gate.apply(states, [definition.find_bit(q).index for q in item.qubits])
    matrix = states.T * np.exp(1j * phase)
    error = np.abs(matrix.conj().T @ matrix - np.eye(matrix.shape[0])).max()
    if UNITARY_TOLERANCE / 100 < error < 1e-6:
        # a product of exact unitaries drifts by rounding (a gate squared 40 times): its
        # nearest unitary, the polar factor W V† of its SVD, is the body's matrix
        w, _, vh = np.linalg.svd(matrix)
        matrix = w @ vh
    return matrix


def _wide_gate(op: Any) -> Gate | None:
    """A gate wider than 10 qubits with no definition, as its matrix where qiskit has one:
    a ``Permutation`` or ``Diagonal`` when it is one, else a ``Unitary``."""
    from qiskit.circuit import Gate as QiskitGate

    if not isinstance(op, QiskitGate) or op.num_qubits <= _MAX_MATRIX_QUBITS:
        return None
    if op.num_qubits > _MAX_WIDE_MATRIX_QUBITS:
        raise UnsupportedOperationError(
            f"the qiskit gate {op.name!r} acts on {op.num_qubits} qubits and has no "
            f"definition; qml takes such gates as matrices up to {_MAX_WIDE_MATRIX_QUBITS} "
            "qubits. Give it a definition (or decompose it with qiskit's transpile)"
        )
    try:
        matrix = np.asarray(op.to_matrix(), dtype=np.complex128)
    except Exception:
        return None
    if np.count_nonzero(matrix) == matrix.shape[0]:  # one entry per row
        rows, columns = np.nonzero(matrix)
        entries = matrix[rows, columns]
        if np.array_equal(rows, columns):
            return Diagonal(entries)
        if np.all(entries == 1):
            return Permutation(columns[np.argsort(rows)])
    return Unitary(matrix, label=getattr(op, "label", None) or op.name)


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
    if len(text) > MAX_QASM_BYTES:
        raise QasmError(
            f"the program has {len(text):,} characters, beyond qml's limit of "
            f"{MAX_QASM_BYTES:,} for OpenQASM text"
        )
    if re.match(r"\s*(//[^\n]*\n\s*)*OPENQASM\s+3", text):
        raise QasmError("this is OpenQASM 3; qml reads OpenQASM 2 (convert it with qiskit first)")
    _check_registers(text)
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
    except BaseException as error:
        # qiskit's parser is Rust: some malformed programs (an integer of 20 digits) make
        # it panic, which reaches Python as a BaseException rather than a parse error
        if type(error).__name__ != "PanicException":
            raise
        raise QasmError(
            "OpenQASM error: qiskit's parser failed on this program (an integer too "
            "large, or another malformed token); check the numbers in it"
        ) from None
    return from_qiskit(qc)


_REGISTER = re.compile(r"\b(qreg|creg)\s+[A-Za-z_]\w*\s*\[\s*(\d+)\s*\]")


def _check_registers(text: str) -> None:
    """Refuse registers wider than qml's circuits before qiskit builds them (a register
    of 10**8 qubits takes qiskit minutes)."""
    code = re.sub(r"//[^\n]*", "", text)
    huge = re.search(r"\[\s*(\d{19,})\s*\]", code)
    if huge:  # qiskit's parser would panic on it (it reads indices as 64-bit integers)
        raise QasmError(
            f"the register size or index [{huge.group(1)[:30]}...] is far beyond any register; "
            "check the program"
        )
    totals = {"qreg": 0, "creg": 0}
    for kind, digits in _REGISTER.findall(code):
        totals[kind] += int(digits) if len(digits) < 12 else MAX_QUBITS + 1
    for kind, limit, what in (("qreg", MAX_QUBITS, "qubits"), ("creg", MAX_CLBITS, "bits")):
        if totals[kind] > limit:
            raise QasmError(
                f"the program declares {totals[kind]:,} {what} in its {kind}s; qml circuits "
                f"have at most {limit:,}"
            )


@functools.cache
def _qasm_custom_instructions() -> tuple[Any, ...]:
    """qiskit's legacy instructions plus qml's standard gates that qelib1.inc lacks."""
    from qiskit import qasm2

    legacy = tuple(qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
    known = {instruction.name for instruction in legacy}
    extra = tuple(
        qasm2.CustomInstruction(
            name, cls.num_params, cls.num_qubits, qiskit_class_of(cls), builtin=False
        )
        for name, cls in STANDARD_GATES.items()
        if name not in known and cls.qiskit_class is not None
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

    if not isinstance(circuit, Circuit):
        raise QmlTypeError(f"to_qasm needs a qml Circuit, got {type(circuit).__name__}")
    if circuit.parameters:
        names = ", ".join(p.name for p in circuit.parameters)
        raise UnboundParameterError(
            f"OpenQASM 2 has no symbolic parameters; bind {names} with "
            "assign_parameters before to_qasm()"
        )
    if any(is_symbolic(p) for gate, _ in circuit for p in gate.params):
        raise UnboundParameterError("bind every parameter before to_qasm()")
    return qasm2.dumps(_exportable(to_qiskit(circuit)))


def _exportable(qc: Any) -> Any:
    """``qc`` with every gate whose parameters are not real numbers (a ``DiagonalGate``'s
    complex phases, a controlled ``UnitaryGate``'s matrix) replaced by its definition:
    OpenQASM 2 parameters are real, and qiskit would write the others as they are."""
    from qiskit.circuit.library import UnitaryGate

    if all(_real_params(item.operation) for item in qc.data):
        return qc
    out = qc.copy_empty_like()
    for item in qc.data:
        op = item.operation
        if _real_params(op):
            out.append(op, item.qubits, item.clbits)
            continue
        definition = getattr(op, "definition", None)
        if definition is not None:
            inner = _exportable(definition)
            out.compose(inner, qubits=item.qubits, inplace=True)
        elif op.num_qubits <= _MAX_MATRIX_QUBITS:
            out.append(UnitaryGate(op.to_matrix(), check_input=False), item.qubits)
        else:
            raise UnsupportedOperationError(
                f"the gate {op.name!r} has no OpenQASM 2 form (parameters that are not real "
                "numbers and no definition); decompose it before to_qasm()"
            )
    return out


def _real_params(op: Any) -> bool:
    from qiskit.circuit.library import UnitaryGate

    return isinstance(op, UnitaryGate) or all(
        isinstance(p, numbers.Real) or (hasattr(p, "parameters") and hasattr(p, "sympify"))
        for p in op.params
    )
