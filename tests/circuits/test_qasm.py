"""OpenQASM 2: ``Circuit.from_qasm``, ``Circuit.from_qasm_file`` and ``Circuit.to_qasm``."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import qasm2
from scipy.stats import unitary_group

import qml
from qml import Circuit, Parameter, QmlError
from qml.errors import QasmError, UnboundParameterError
from qml.gates import STANDARD_GATES
from tests.reference import statevector

HEADER = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'
GATE_CLASSES = list(STANDARD_GATES.values())


def qiskit_parse(text: str):
    return qasm2.loads(text, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)


def test_from_qasm_reads_a_program():
    text = HEADER + "qreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n"
    c = Circuit.from_qasm(text)
    assert c == Circuit(2).h(0).cx(0, 1).measure_all()


def test_from_qasm_reads_legacy_gates_and_custom_definitions():
    text = HEADER + (
        "gate mix(t) a,b { h a; cu1(t) a,b; u2(0.1,0.2) b; }\n"
        "qreg q[3];\n"
        "u3(0.3,0.2,0.1) q[0];\nu1(0.5) q[1];\ncu3(0.1,0.2,0.3) q[2],q[0];\n"
        "mix(pi/3) q[1],q[2];\nrzz(0.7) q[0],q[2];\n"
    )
    np.testing.assert_allclose(
        qml.simulate(Circuit.from_qasm(text)), statevector(qiskit_parse(text)), atol=1e-12
    )


def test_a_definition_of_a_standard_gate_reads_as_that_gate_with_its_phase():
    # qiskit's exporter defines ecr (no global phase in OpenQASM 2); it reads back exactly
    text = HEADER + "gate ecr a,b { s a; sx b; cx a,b; x a; }\nqreg q[2];\necr q[0],q[1];\n"
    assert Circuit.from_qasm(text) == Circuit(2).ecr(0, 1)


def test_a_custom_gate_of_another_name_follows_its_definition():
    text = HEADER + "gate flip a { x a; }\nqreg q[2];\nflip q[1];\n"
    np.testing.assert_allclose(qml.simulate(Circuit.from_qasm(text)), [0, 0, 1, 0], atol=1e-12)


def test_from_qasm_file_reads_the_file(tmp_path):
    path = tmp_path / "bell.qasm"
    path.write_text(HEADER + "qreg q[2];\nh q[0];\ncx q[0],q[1];\n", encoding="utf-8")
    assert Circuit.from_qasm_file(str(path)) == Circuit(2).h(0).cx(0, 1)


@pytest.mark.parametrize("gate_cls", GATE_CLASSES, ids=lambda cls: cls.name)
def test_to_qasm_then_from_qasm_gives_the_same_circuit(gate_cls):
    params = [0.1 * (i + 1) for i in range(gate_cls.num_params)]
    c = Circuit(3).h([0, 1, 2]).append(gate_cls(*params), list(range(gate_cls.num_qubits))[::-1])
    assert Circuit.from_qasm(c.to_qasm()) == c


def test_to_qasm_is_read_by_qiskit_as_the_same_circuit():
    c = Circuit(3).h(0).cx(0, 1).rzx(0.4, 2, 1).cswap(1, 2, 0).measure([0, 2], [1, 0])
    np.testing.assert_allclose(statevector(qiskit_parse(c.to_qasm())), qml.simulate(c), atol=1e-12)


def test_to_qasm_keeps_measurements():
    text = Circuit(2).h(0).measure([0, 1], [1, 0]).to_qasm()
    assert "measure q[0] -> c[1];" in text and "measure q[1] -> c[0];" in text


def test_to_qasm_writes_unitary_as_a_gate_equal_up_to_global_phase():
    # OpenQASM 2 has no global phase: the one of the circuit and of the decomposition is lost
    matrix = unitary_group.rvs(4, random_state=0)
    c = Circuit(2, global_phase=0.5).h(0).unitary(matrix, [1, 0])
    state, back = qml.simulate(c), qml.simulate(Circuit.from_qasm(c.to_qasm()))
    assert abs(np.vdot(back, state)) == pytest.approx(1.0, abs=1e-10)


def test_to_qasm_refuses_unbound_parameters_naming_them():
    c = Circuit(1).rx(Parameter("θ"), 0)
    with pytest.raises(UnboundParameterError, match="bind θ with assign_parameters"):
        c.to_qasm()


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("qreg q[2];\nh q[0]\ncx q[0],q[1];\n", 5),  # qiskit notices the missing ';' here
        ("qreg q[2];\nfoo q[0];\n", 4),
        ("qreg q[2];\nh q[0];\n\ncx q[0],q[2];\n", 6),
    ],
    ids=["missing-semicolon", "unknown-gate", "index-out-of-range"],
)
def test_a_qasm_error_names_the_line_and_shows_it(body, line):
    with pytest.raises(QasmError, match=rf"line {line}, column \d+") as caught:
        Circuit.from_qasm(HEADER + body)
    source = (HEADER + body).splitlines()[line - 1]
    assert f"{line} | {source}" in str(caught.value)
    assert isinstance(caught.value, QmlError) and isinstance(caught.value, ValueError)


def test_openqasm_3_is_refused_with_advice():
    with pytest.raises(QasmError, match="OpenQASM 3; qml reads OpenQASM 2"):
        Circuit.from_qasm("OPENQASM 3.0;\nqubit[2] q;\n")


def test_from_qasm_needs_text():
    with pytest.raises(QmlError, match="as a str, got bytes") as caught:
        Circuit.from_qasm(b"OPENQASM 2.0;")
    assert isinstance(caught.value, TypeError)
