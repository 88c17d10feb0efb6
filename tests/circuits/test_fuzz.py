"""Fuzzing circuits: builders, measurements, parameters and their arithmetic, observables,
the template library, and qiskit/OpenQASM import and export, given arbitrary arguments.

The contract (tests/fuzzing.py): a QmlError or a finite result of the documented shape,
within the time limit. Results are also checked for what must hold of them: a circuit's
gates sit on distinct qubits in range, bound expressions are finite, observables keep
finite real coefficients, templates have the gates and parameters they document.
"""

from __future__ import annotations

import operator
import os
import tempfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter as QiskitParameter
from qiskit.circuit.random import random_circuit
from qiskit.quantum_info import Pauli as QiskitPauli
from qiskit.quantum_info import SparsePauliOp

import qml
from qml import Circuit, Parameter, ParameterVector, Pauli, PauliSum
from qml.circuits import ParameterExpression, qiskit_io
from qml.circuits import library as lib
from qml.circuits.circuit import MAX_CLBITS
from qml.circuits.observables import as_observable
from qml.gates import STANDARD_GATES
from tests.fuzzing import (
    FUZZ_SETTINGS,
    Refused,
    anything,
    arrays,
    assert_finite,
    attempt,
    complexes,
    floats,
    ints,
    qubit_lists,
    texts,
)
from tests.strategies import circuits as valid_circuits

# numpy casting complex values to real inside qml drops the imaginary parts silently
pytestmark = pytest.mark.filterwarnings("error::numpy.exceptions.ComplexWarning")


def exercise(circuit: Circuit) -> None:
    """Ask a circuit that was made for its facts, drawing and conversions; check them."""
    n = circuit.num_qubits
    assert isinstance(n, int) and 0 <= n <= qml.gates.base.MAX_QUBITS
    for gate, qubits in circuit:
        assert_finite(gate)
        assert len(qubits) == gate.num_qubits == len(set(qubits))
        assert all(type(q) is int and 0 <= q < n for q in qubits)
    assert all(0 <= b < MAX_CLBITS for _, b in circuit.measurement_pairs)
    assert_finite(circuit.global_phase, "global_phase")
    assert isinstance(attempt(circuit.depth), (int, Refused))
    if n <= 64 and len(circuit) <= 200:  # drawing and export are linear: keep them quick
        assert isinstance(attempt(circuit.draw), (str, Refused))
        attempt(circuit.to_qiskit)
    copy = circuit.copy()
    assert copy == circuit
    if not circuit.measurements:
        inverse = attempt(circuit.inverse)
        if not isinstance(inverse, Refused):
            assert len(inverse) == len(circuit)


# -- Circuit ---------------------------------------------------------------------------------


@FUZZ_SETTINGS
@given(
    st.one_of(st.integers(0, 6), ints, anything()),
    st.one_of(floats, anything()),
    st.one_of(st.none(), texts, anything()),
)
def test_circuit_takes_any_width_phase_and_name(num_qubits, phase, name):
    circuit = attempt(Circuit, num_qubits, phase, name=name)
    if not isinstance(circuit, Refused):
        exercise(circuit)


BUILDERS = [*STANDARD_GATES, "cnot", "toffoli", "fredkin", "unitary", "measure", "measure_all"]


@pytest.mark.parametrize("name", BUILDERS)
@FUZZ_SETTINGS
@given(st.lists(st.one_of(st.floats(-4, 4), qubit_lists(), anything()), max_size=5))
def test_every_builder_takes_any_arguments(name, args):
    circuit = Circuit(4)
    result = attempt(getattr(circuit, name), *args)
    if not isinstance(result, Refused) and result is not None:
        assert result is circuit
        exercise(circuit)


@FUZZ_SETTINGS
@given(
    st.one_of(
        st.sampled_from([qml.gates.H(), qml.gates.CX(), qml.gates.H, qml.gates.RX, qml.gates.U]),
        anything(),
    ),
    qubit_lists(),
)
def test_append_takes_any_gate_and_qubits(gate, qubits):
    circuit = Circuit(4).h(0)
    result = attempt(circuit.append, gate, qubits)
    if not isinstance(result, Refused):
        assert result is circuit and len(circuit) == 2
    else:
        assert len(circuit) == 1  # a refused append adds nothing
    exercise(circuit)


@FUZZ_SETTINGS
@given(qubit_lists(), st.one_of(st.none(), qubit_lists(70), st.sampled_from([63, 64, 2**70])))
def test_measure_takes_any_qubits_and_clbits(qubits, clbits):
    circuit = Circuit(4).h(0)
    result = attempt(circuit.measure, qubits, clbits)
    if isinstance(result, Refused):
        assert circuit.measurement_pairs == ()  # a refused measure records nothing
    exercise(circuit)
    assert circuit.num_clbits <= MAX_CLBITS


@FUZZ_SETTINGS
@given(anything())
def test_indexing_a_circuit_takes_anything(index):
    circuit = Circuit(2).h(0).cx(0, 1)
    item = attempt(operator.getitem, circuit, index)
    if not isinstance(item, Refused):
        assert isinstance(item, (qml.circuits.Instruction, list))


@FUZZ_SETTINGS
@given(
    st.one_of(st.sampled_from([Circuit(1).x(0), Circuit(2).cx(0, 1), Circuit(3)]), anything()),
    st.one_of(st.none(), qubit_lists()),
    st.one_of(st.booleans(), anything()),
)
def test_compose_takes_any_circuit_qubits_and_front(other, qubits, front):
    circuit = Circuit(3, 0.5).h(0)
    result = attempt(circuit.compose, other, qubits, front=front)
    if not isinstance(result, Refused):
        assert len(result) == len(circuit) + len(other)
        exercise(result)


@FUZZ_SETTINGS
@given(st.one_of(floats, arrays(), anything()))
def test_global_phase_takes_anything(phase):
    circuit = Circuit(1)
    result = attempt(setattr, circuit, "global_phase", phase)
    if not isinstance(result, Refused):
        assert_finite(circuit.global_phase)


def parameterized_circuit() -> tuple[Circuit, Parameter, ParameterVector]:
    a, x = Parameter("a"), ParameterVector("x", 2)
    return Circuit(2).rx(a, 0).ry(2 * x[0] + 1, 1).rzz(a * x[1], 0, 1), a, x


@st.composite
def parameter_values(draw):
    """Values for the circuit above: arrays of any shape, mappings with any keys and values."""
    kind = draw(st.sampled_from(["array", "mapping", "any"]))
    if kind == "array":
        return draw(arrays())
    if kind == "mapping":
        keys = st.sampled_from(["a", "x[0]", "x[1]", "b", 5, None])
        return draw(st.dictionaries(keys, st.one_of(floats, arrays(), anything()), max_size=3))
    return draw(anything())


@FUZZ_SETTINGS
@given(parameter_values(), st.one_of(st.booleans(), anything()))
def test_assign_parameters_takes_any_values(values, strict):
    circuit, _, _ = parameterized_circuit()
    resolved = attempt(circuit.parameter_values, values)
    if not isinstance(resolved, Refused):
        for value in resolved.values():
            assert isinstance(value, float) or (isinstance(value, np.ndarray) and value.ndim == 1)
            assert_finite(value)
    bound = attempt(circuit.assign_parameters, values, strict=strict)
    if not isinstance(bound, Refused):
        exercise(bound)
        assert set(bound.parameters) <= set(circuit.parameters)


# -- parameters and expressions ----------------------------------------------------------------


@FUZZ_SETTINGS
@given(st.one_of(texts, anything()), st.one_of(st.integers(-2, 6), ints, anything()))
def test_parameter_and_vector_take_any_name_and_length(name, length):
    attempt(Parameter, name)
    vector = attempt(ParameterVector, name, length)
    if not isinstance(vector, Refused):
        assert len(vector) == length and [p.name for p in vector] == [
            f"{name}[{i}]" for i in range(length)
        ]


@FUZZ_SETTINGS
@given(st.one_of(ints, anything()))
def test_indexing_a_parameter_vector_takes_anything(index):
    vector = ParameterVector("v", 3)
    item = attempt(operator.getitem, vector, index)
    if not isinstance(item, Refused):
        assert isinstance(item, (Parameter, list))


P, Q = Parameter("p"), Parameter("q")
EXPRESSIONS = [P, 2 * P + 1, P * Q - 3, (P + Q) ** 3, P - P + 2.5, 1e200 * P]
BINARY = [
    operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
    operator.mod, operator.floordiv, operator.lt, operator.ge, operator.eq,
]  # fmt: skip


@FUZZ_SETTINGS
@given(
    st.sampled_from(EXPRESSIONS),
    st.sampled_from(BINARY),
    st.one_of(st.sampled_from(EXPRESSIONS), floats, ints, anything()),
    st.booleans(),
)
def test_expression_arithmetic_takes_any_operand(expression, op, other, reflected):
    result = attempt(op, other, expression) if reflected else attempt(op, expression, other)
    assert_finite(result)
    for unary in (operator.neg, operator.pos, abs, float):
        assert_finite(attempt(unary, expression))


@FUZZ_SETTINGS
@given(
    st.sampled_from(EXPRESSIONS),
    st.one_of(
        st.dictionaries(st.sampled_from([P, Q]), st.one_of(floats, arrays(), anything())),
        anything(),
    ),
)
def test_bind_and_evaluate_take_any_values(expression, values):
    bound = attempt(expression.bind, values)
    assert_finite(bound)
    value = attempt(expression.evaluate, values)
    if not isinstance(value, Refused):
        assert isinstance(value, float) or (isinstance(value, np.ndarray) and value.ndim == 1)
        assert_finite(value)


@FUZZ_SETTINGS
@given(st.sampled_from(EXPRESSIONS), st.one_of(st.sampled_from([P, Q]), anything()))
def test_derivative_takes_anything(expression, parameter):
    assert_finite(attempt(expression.derivative, parameter))


@FUZZ_SETTINGS
@given(anything())
def test_expression_constructor_takes_anything(terms):
    assert_finite(attempt(ParameterExpression, terms))


# -- observables -------------------------------------------------------------------------------


def exercise_observable(observable: PauliSum) -> None:
    assert_finite(observable)
    n = observable.num_qubits
    if n <= 63:
        coefficients, x, z, n_y = observable.masks()
        assert coefficients.shape == x.shape == z.shape == n_y.shape == (len(observable.terms),)
    if n <= 6:
        matrix = observable.matrix()
        assert matrix.shape == (1 << n, 1 << n)
        np.testing.assert_allclose(matrix, matrix.conj().T, atol=1e-12)


pauli_labels = st.one_of(st.text(alphabet="IXYZixyzQ", max_size=8), texts, anything())


@FUZZ_SETTINGS
@given(pauli_labels, st.lists(st.tuples(st.one_of(floats, anything()), pauli_labels), max_size=3))
def test_pauli_and_pauli_sum_take_any_labels_and_terms(label, terms):
    for made in (attempt(Pauli, label), attempt(PauliSum, terms), attempt(as_observable, label)):
        if not isinstance(made, Refused):
            exercise_observable(made)


OBSERVABLES = [Pauli("ZZ"), 0.5 * Pauli("XI") - Pauli("YZ"), Pauli("XYZI")]


@FUZZ_SETTINGS
@given(
    st.sampled_from(OBSERVABLES),
    st.sampled_from([operator.add, operator.sub, operator.mul, operator.truediv]),
    st.one_of(st.sampled_from(OBSERVABLES), floats, ints, pauli_labels, anything()),
    st.booleans(),
)
def test_observable_arithmetic_takes_any_operand(observable, op, other, reflected):
    result = attempt(op, other, observable) if reflected else attempt(op, observable, other)
    if isinstance(result, PauliSum):
        exercise_observable(result)


@FUZZ_SETTINGS
@given(pauli_labels, qubit_lists(), st.one_of(st.integers(-1, 6), ints, anything()))
def test_pauli_on_takes_any_arguments(letters, qubits, num_qubits):
    observable = attempt(Pauli.on, letters, qubits, num_qubits)
    if not isinstance(observable, Refused):
        assert observable.num_qubits == num_qubits
        exercise_observable(observable)


@st.composite
def qiskit_operators(draw):
    """SparsePauliOps and Paulis with any coefficients: complex, NaN, huge, parameters."""
    n = draw(st.integers(1, 3))
    labels = draw(st.lists(st.text(alphabet="IXYZ", min_size=n, max_size=n), min_size=1))
    coefficient = st.one_of(floats, st.complex_numbers(allow_nan=True, allow_infinity=True))
    if draw(st.booleans()):
        return QiskitPauli(draw(st.sampled_from(["", "-", "i", "-i"])) + labels[0])
    if draw(st.integers(0, 4)) == 0:  # a parameter as a coefficient
        return SparsePauliOp(labels[:1], np.array([QiskitParameter("c")], dtype=object))
    return SparsePauliOp(labels, [draw(coefficient) for _ in labels])


@FUZZ_SETTINGS
@given(st.one_of(qiskit_operators(), anything()))
def test_as_observable_takes_any_qiskit_operator(operator_):
    observable = attempt(as_observable, operator_)
    if not isinstance(observable, Refused):
        exercise_observable(observable)


# -- the template library --------------------------------------------------------------------

TEMPLATES = {**lib.ENCODINGS, **lib.ANSATZE}
OPTION_VALUES = st.one_of(
    st.sampled_from(["linear", "full", "ring", "rx", ["ry", "rz"], [(0, 1)], 2, True, None]),
    st.integers(-1, 4),
    floats,
    anything(),
)


@pytest.mark.parametrize("name", TEMPLATES)
@FUZZ_SETTINGS
@given(st.one_of(st.integers(-1, 5), ints, anything()), st.data())
def test_every_template_takes_any_arguments(name, size, data):
    build = TEMPLATES[name]
    options = [p for p in list(__import__("inspect").signature(build).parameters)[1:]]
    chosen = data.draw(st.lists(st.sampled_from(options), unique=True, max_size=3))
    kwargs = {option: data.draw(OPTION_VALUES) for option in chosen}
    circuit = attempt(build, size, **kwargs)
    if not isinstance(circuit, Refused):
        assert len(circuit) <= lib.MAX_TEMPLATE_GATES
        exercise(circuit)


@FUZZ_SETTINGS
@given(
    st.one_of(st.integers(-1, 6), ints, anything()),
    st.one_of(st.sampled_from(lib.ENTANGLEMENTS), st.lists(qubit_lists(), max_size=3), anything()),
)
def test_entanglement_pairs_takes_any_arguments(num_qubits, entanglement):
    pairs = attempt(lib.entanglement_pairs, num_qubits, entanglement)
    if not isinstance(pairs, Refused):
        for pair in pairs:
            assert len(pair) == 2 and pair[0] != pair[1]
            assert all(type(q) is int and 0 <= q < num_qubits for q in pair)


@FUZZ_SETTINGS
@given(
    st.one_of(arrays(max_side=8), anything()),
    st.one_of(st.none(), st.integers(-1, 4), anything()),
    st.one_of(st.booleans(), anything()),
)
def test_amplitude_angles_takes_any_data(X, num_qubits, complex_amplitudes):
    angles = attempt(
        lib.amplitude_angles, X, num_qubits=num_qubits, complex_amplitudes=complex_amplitudes
    )
    if not isinstance(angles, Refused):
        data = np.asarray(X)
        n = data.shape[-1].bit_length() - 1
        count = (2 ** (n + 1) - 1) if complex_amplitudes else (2**n - 1)
        assert angles.shape == (*data.shape[:-1], count)
        assert_finite(angles)


@FUZZ_SETTINGS
@given(
    st.one_of(
        st.dictionaries(
            st.sampled_from(["x", "θ", "w"]), st.one_of(arrays(), anything()), max_size=3
        ),
        anything(),
    )
)
def test_stack_parameters_takes_any_values(values):
    circuit = lib.angle_encoding(2).compose(lib.real_amplitudes(2, reps=1))
    stacked = attempt(lib.stack_parameters, circuit, values)
    if not isinstance(stacked, Refused):
        assert stacked.shape[-1] == circuit.num_parameters and stacked.ndim in (1, 2)
        assert_finite(stacked)


# -- qiskit and OpenQASM -------------------------------------------------------------------------

QASM_LINES = [
    'OPENQASM 2.0;', 'include "qelib1.inc";', "qreg q[3];", "creg c[3];", "h q[0];",
    "cx q[0],q[1];", "rx(pi/2) q[2];", "u3(0.1,0.2,0.3) q[1];", "measure q -> c;",
    "gate g(a) x, y { rz(a) x; cx x, y; }", "g(0.5) q[0], q[2];", "barrier q;", "reset q[0];",
    "qreg r[100000000];", "rx(1e400) q[0];", "rx(0/0) q[0];", "creg d[99999999999999999999];",
    "if (c == 1) x q[0];", "ry(-pi) q[5];", "cu1(1) q[0],q[0];", "OPENQASM 3.0;",
]  # fmt: skip


@st.composite
def qasm_programs(draw):
    """OpenQASM 2 text: lines of real programs in any order, then characters mutated."""
    lines = draw(st.lists(st.sampled_from(QASM_LINES), max_size=10))
    text = "\n".join(lines)
    for _ in range(draw(st.integers(0, 3))):
        if not text:
            break
        at = draw(st.integers(0, len(text) - 1))
        text = text[:at] + draw(st.text(max_size=3)) + text[at + 1 :]
    return text


@FUZZ_SETTINGS
@given(st.one_of(qasm_programs(), anything()))
def test_from_qasm_takes_any_text(text):
    circuit = attempt(Circuit.from_qasm, text)
    if not isinstance(circuit, Refused):
        exercise(circuit)


@FUZZ_SETTINGS
@given(st.sampled_from(["missing", "folder", "bytes", "text", "any"]), st.binary(max_size=64))
def test_from_qasm_file_takes_any_path(kind, content):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "program.qasm")
        if kind == "bytes":
            with open(path, "wb") as handle:
                handle.write(content)
        elif kind == "text":
            with open(path, "w", encoding="utf-8") as handle:
                handle.write('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[0];\n')
        target = {"folder": folder, "any": content}.get(kind, path)
        circuit = attempt(Circuit.from_qasm_file, target)
        if kind == "text":
            assert not isinstance(circuit, Refused) and len(circuit) == 1
        if kind in ("missing", "folder"):
            assert isinstance(circuit, Refused)


@st.composite
def qiskit_circuits(draw):
    """qiskit circuits of every standard gate, measurements, resets, conditions, and
    parameters, bound or not, to NaN, infinity and huge values included."""
    n = draw(st.integers(1, 4))
    qc = random_circuit(
        n,
        draw(st.integers(0, 4)),
        max_operands=min(n, 3),
        measure=draw(st.booleans()),
        reset=draw(st.integers(0, 3)) == 0,
        seed=draw(st.integers(0, 2**31)),
    )
    if draw(st.booleans()):
        theta = QiskitParameter("θ")
        angles = [theta, 2 * theta + 1, theta**2, theta.sin(), theta**0.5]
        extra = QuantumCircuit(n)
        extra.rx(draw(st.one_of(st.sampled_from(angles), floats)), 0)  # NaN and inf included
        qc = extra.compose(qc)
    qc.global_phase = draw(st.one_of(st.floats(-4, 4), st.sampled_from([np.nan, np.inf])))
    return qc


@FUZZ_SETTINGS
@given(st.one_of(qiskit_circuits(), anything()))
def test_from_qiskit_takes_any_circuit(qc):
    circuit = attempt(Circuit.from_qiskit, qc)
    if not isinstance(circuit, Refused):
        exercise(circuit)


@FUZZ_SETTINGS
@given(valid_circuits(max_qubits=4, max_gates=8), st.sampled_from(["bound", "symbolic", "batched"]))
def test_to_qiskit_and_to_qasm_take_any_circuit(circuit, kind):
    if kind != "bound":
        theta = Parameter("θ")
        circuit.rx(theta if kind == "symbolic" else np.array([0.1, 0.2]), 0)
    attempt(circuit.to_qiskit)
    text = attempt(circuit.to_qasm)
    if not isinstance(text, Refused):
        again = attempt(Circuit.from_qasm, text)
        assert not isinstance(again, Refused), again.error
        assert again.num_qubits == circuit.num_qubits


@FUZZ_SETTINGS
@given(
    st.one_of(floats, ints, complexes, st.sampled_from([P, 2 * P + 1]), anything()),
    st.one_of(st.none(), st.just({}), anything()),
)
def test_qiskit_conversion_helpers_take_anything(value, vectors):
    assert_finite(attempt(qiskit_io.expression_from_qiskit, value))
    converted = attempt(qiskit_io.expression_to_qiskit, value, vectors)
    if not isinstance(converted, (Refused, float)):
        assert qiskit_io.expression_from_qiskit(converted) == value  # the round trip
    for helper in (qiskit_io.qiskit_gate, qiskit_io.qiskit_class_of, qiskit_io.qml_gate):
        attempt(helper, value)
    attempt(qiskit_io.to_qiskit, value)
    attempt(qiskit_io.to_qasm, value)
