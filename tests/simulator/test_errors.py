"""Bad input on the way to a simulation: each a ``qml.QmlError`` that says how to fix it.

Every error is also the built-in exception a Python user would catch
(``IndexError``, ``ValueError``, ``TypeError``), and its message says what was
wrong, with numbers, and what to do.
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit

import qml
from qml import Circuit, Parameter, QmlError


def check(call, builtin: type[Exception], match: str) -> str:
    """Run ``call``: a QmlError that is also ``builtin``, its message matching; the message."""
    with pytest.raises(QmlError, match=match) as caught:
        call()
    assert isinstance(caught.value, builtin), type(caught.value).__mro__
    return str(caught.value)


# -- qubits -------------------------------------------------------------------------------------


def test_qubit_out_of_range():
    check(
        lambda: Circuit(2).cx(0, 2),
        IndexError,
        r"qubit 2 is out of range for 2 qubit\(s\); valid indices are 0 to 1",
    )


def test_negative_qubit_does_not_wrap():
    check(
        lambda: Circuit(3).h(-1),
        IndexError,
        r"qubit -1 is out of range.*negative indices do not wrap",
    )


def test_same_qubit_twice():
    check(
        lambda: Circuit(3).ccx(0, 2, 0),
        ValueError,
        r"'ccx' was given the same qubit twice: \[0, 2, 0\]; a gate needs distinct qubits",
    )


def test_wrong_number_of_qubits_for_append():
    check(
        lambda: Circuit(3).append(qml.gates.SWAP(), [1]),
        ValueError,
        r"'swap' acts on 2 qubit\(s\) but was given 1: \[1\]",
    )


def test_wrong_number_of_arguments_for_a_builder():
    check(
        lambda: Circuit(3).crx(0.1, 0),
        ValueError,
        r"crx\(\) takes 1 parameter\(s\) then 2 qubit\(s\): c\.crx\(param0, qubit0, qubit1\)",
    )


def test_non_integer_qubit():
    check(lambda: Circuit(2).h(0.5), ValueError, "qubit indices must be integers; gate 'h' got 0.5")


# -- Unitary ------------------------------------------------------------------------------------


def test_non_unitary_matrix():
    message = check(lambda: Circuit(1).unitary([[1, 1], [0, 1]], [0]), ValueError, r"not unitary")
    assert "max |U†U - I| = 1.00e+00" in message and "scipy.linalg.polar" in message


def test_non_power_of_two_matrix():
    check(
        lambda: Circuit(2).unitary(np.eye(3), [0, 1]),
        ValueError,
        r"2\*\*k x 2\*\*k matrix.*got 3 x 3\. Pad or build the operator on whole qubits",
    )


def test_unitary_on_the_wrong_number_of_qubits():
    check(
        lambda: Circuit(3).unitary(np.eye(4), [0]),
        ValueError,
        r"'unitary' acts on 2 qubit\(s\) but was given 1",
    )


# -- parameters ---------------------------------------------------------------------------------


def test_unbound_parameters_are_named():
    c = Circuit(2).rx(Parameter("θ"), 0).ry(Parameter("φ"), 1)
    check(
        lambda: qml.simulate(c),
        ValueError,
        r"no value for parameter\(s\) θ, φ; pass params= with 2 value\(s\) in circuit\.parameters",
    )


def test_a_mapping_missing_a_parameter_names_it():
    theta, phi = Parameter("θ"), Parameter("φ")
    c = Circuit(2).rx(theta, 0).ry(phi, 1)
    check(lambda: qml.simulate(c, {theta: 0.1}), ValueError, r"no value for parameter\(s\) φ")


def test_params_of_the_wrong_length():
    c = Circuit(2).rx(Parameter("θ"), 0).ry(Parameter("φ"), 1)
    check(
        lambda: qml.simulate(c, [0.1]),
        ValueError,
        r"expected parameter values of shape \(2,\) or \(B, 2\) in the order of "
        r"circuit\.parameters \(θ, φ\); got shape \(1,\)",
    )


@pytest.mark.parametrize("shape", [(4, 3), (2, 2, 2), (2, 1)], ids=str)
def test_params_of_the_wrong_shape(shape):
    c = Circuit(2).rx(Parameter("θ"), 0).ry(Parameter("φ"), 1)
    check(
        lambda: qml.simulate(c, np.zeros(shape)),
        ValueError,
        rf"shape \(2,\) or \(B, 2\).*got shape {re_shape(shape)}",
    )


def re_shape(shape: tuple[int, ...]) -> str:
    return str(shape).replace("(", r"\(").replace(")", r"\)")


def test_params_for_a_circuit_without_parameters():
    check(
        lambda: qml.simulate(Circuit(1).h(0), [0.1]),
        ValueError,
        r"shape \(0,\) or \(B, 0\) .*\(none\); got shape \(1,\)",
    )


def test_batches_of_different_sizes():
    theta, phi = Parameter("θ"), Parameter("φ")
    c = Circuit(2).rx(theta, 0).ry(phi, 1)
    check(
        lambda: qml.simulate(c, {theta: np.zeros(3), phi: np.zeros(2)}),
        ValueError,
        r"disagree on the batch size: \[2, 3\]",
    )


def test_non_numeric_params():
    c = Circuit(1).rx(Parameter("θ"), 0)
    check(lambda: qml.simulate(c, ["x"]), TypeError, "expected real numbers")


def test_non_finite_params():
    c = Circuit(1).rx(Parameter("θ"), 0)
    check(lambda: qml.simulate(c, [np.inf]), ValueError, "must be finite")


def test_simulating_something_else_than_a_circuit():
    qc = QuantumCircuit(1)
    check(lambda: qml.simulate(qc), TypeError, "got QuantumCircuit; convert qiskit circuits with")


# -- imports ------------------------------------------------------------------------------------


def test_qasm_syntax_error_names_the_line():
    text = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nh q[0];\nrx(0.1 q[0];\n'
    message = check(lambda: qml.Circuit.from_qasm(text), ValueError, r"syntax error at line 5")
    assert "5 | rx(0.1 q[0];" in message


def test_non_unitary_qiskit_instruction_is_named():
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.reset(1)
    check(
        lambda: Circuit.from_qiskit(qc),
        ValueError,
        r"qiskit instruction 'reset' is not unitary.*Remove it, or use qiskit-aer",
    )


def test_an_angle_beyond_any_phase_a_float_can_hold_is_refused():
    theta = qml.Parameter("t")
    circuit = qml.Circuit(1).rx(theta, 0)
    with pytest.raises(qml.QmlError, match="beyond 1e\\+15"):
        qml.simulate(circuit, [1e16])
    assert qml.simulate(circuit, [1e3]).shape == (2,)  # large but meaningful: fine
