"""Bad input to circuits, parameters, observables, templates and qiskit/QASM I/O: each
refused with a QmlError that is also the built-in a Python user expects, quickly, and
never a silently wrong result (issue 12). The fuzzing layer (test_fuzz.py) covers
arbitrary input; these pin down each case that used to escape, hang or mislead."""

from __future__ import annotations

import fractions
import pickle
import time

import numpy as np
import pytest
from qiskit import QuantumCircuit, qasm2
from qiskit.circuit import Parameter as QiskitParameter
from qiskit.quantum_info import Operator, SparsePauliOp

import qml
from qml import Circuit, Parameter, ParameterVector, Pauli, PauliSum, QmlError
from qml.circuits import ParameterExpression, encodings
from qml.circuits import library as lib
from qml.errors import (
    ParameterError,
    QasmError,
    QmlIndexError,
    QubitIndexError,
    ShapeError,
    UnsupportedOperationError,
)
from qml.gates import Diagonal, H, Unitary


def refused(call, builtin: type[Exception], match: str = "") -> str:
    """``call()`` raises a QmlError that is also ``builtin``, matching ``match``; its message."""
    with pytest.raises(QmlError, match=match) as caught:
        call()
    assert isinstance(caught.value, builtin), type(caught.value).__mro__
    return str(caught.value)


def quickly(call, seconds: float = 2.0):
    """``call()``'s result, failing if it took longer than ``seconds``."""
    start = time.perf_counter()
    try:
        return call()
    finally:
        assert time.perf_counter() - start < seconds, "took too long"


# -- building circuits ----------------------------------------------------------------------


def test_a_0d_integer_array_is_a_qubit_for_every_builder():
    assert Circuit(2).h(np.array(1)) == Circuit(2).h(1)
    assert Circuit(2).cx(np.array(0), np.int64(1)) == Circuit(2).cx(0, 1)
    assert Circuit(2).append(H(), np.array(1)) == Circuit(2).h(1)


def test_a_circuit_wider_than_the_limit_is_refused():
    refused(lambda: Circuit(2**70), ValueError, "beyond qml's limit of 65,536")


def test_a_circuit_name_must_be_text():
    refused(lambda: Circuit(1, name=5), TypeError, "name must be a string")


def test_measure_refuses_a_float_qubit():
    refused(lambda: Circuit(2).measure(0.5), ValueError, "sequence of ints, got 0.5")


def test_measure_refuses_none_text_and_booleans():
    refused(lambda: Circuit(2).measure(None), ValueError, "int or a sequence of ints")
    refused(lambda: Circuit(2).measure("a"), ValueError, "int or a sequence of ints")
    refused(lambda: Circuit(2).measure(True), ValueError, "sequence of ints, got True")
    refused(lambda: Circuit(2).measure(0, 0.5), ValueError, "clbits must be an int")


def test_measure_takes_0d_integer_arrays():
    assert Circuit(2).measure(np.array(1), np.array(0)).measurements == {1: 0}


def test_measure_refuses_classical_bits_beyond_the_limit():
    refused(lambda: Circuit(1).measure(0, 2**70), IndexError, "classical bit")


def test_a_refused_measure_records_nothing():
    circuit = Circuit(2)
    with pytest.raises(QubitIndexError):
        circuit.measure([0, 1], [0, -1])
    assert circuit.measurement_pairs == ()


def test_append_of_a_gate_class_that_needs_arguments_says_to_make_one():
    refused(lambda: Circuit(1).append(Unitary, 0), TypeError, r"pass a gate, e.g. Unitary\(")


def test_indexing_beyond_the_gates_is_an_index_error():
    circuit = Circuit(1).h(0)
    refused(lambda: circuit[1], IndexError, "gate 1 is out of range for a circuit of 1")
    refused(lambda: circuit["a"], TypeError, "indexed by an int or a slice")
    assert circuit[np.int64(-1)].gate == H()


def test_compose_refuses_a_repeated_qubit_it_used_to_merge():
    other = Circuit(2).h(0).h(1)
    refused(lambda: Circuit(2).compose(other, [0, 0]), ValueError, "same qubit twice")


def test_compose_takes_one_int_for_a_one_qubit_circuit():
    assert Circuit(2).compose(Circuit(1).x(0), 1) == Circuit(2).x(1)


def test_compose_refuses_a_batched_phase_with_a_symbolic_one():
    batched = Circuit(1, np.array([0.1, 0.2]))
    refused(lambda: batched.compose(Circuit(1, Parameter("a"))), ValueError, "batched global")


def test_global_phase_takes_fractions_and_0d_arrays():
    assert Circuit(1, fractions.Fraction(1, 2)).global_phase == 0.5
    assert Circuit(1, np.array(0.25)).global_phase == 0.25


def test_global_phase_refuses_huge_ints_and_booleans():
    refused(lambda: Circuit(1, 10**400), ValueError, "does not fit in a float")
    refused(lambda: Circuit(1, True), TypeError, "real number")


def test_global_phases_that_overflow_when_composed_are_refused():
    refused(lambda: Circuit(1, 1e308).compose(Circuit(1, 1e308)), ValueError, "non-finite")


# -- assigning parameters ---------------------------------------------------------------------


@pytest.fixture
def circuit_a():
    a = Parameter("a")
    return Circuit(1).rx(a, 0), a


def test_assign_parameters_refuses_an_int_too_large_for_a_float(circuit_a):
    circuit, a = circuit_a
    refused(lambda: circuit.assign_parameters({a: 10**400}), ValueError, "does not fit")


def test_assign_parameters_refuses_booleans_and_none(circuit_a):
    circuit, a = circuit_a
    refused(lambda: circuit.assign_parameters({a: np.array([True])}), TypeError, "dtype bool")
    refused(lambda: circuit.assign_parameters({a: None}), TypeError, "got None")


def test_assign_parameters_refuses_complex_values_it_used_to_truncate(circuit_a):
    circuit, _ = circuit_a
    refused(lambda: circuit.assign_parameters([0.5 + 1e-3j]), TypeError, "complex values")


def test_assign_parameters_strict_must_be_a_bool(circuit_a):
    circuit, a = circuit_a
    refused(lambda: circuit.assign_parameters({a: 0.1}, strict="no"), TypeError, "True or False")


def test_an_empty_batch_of_values_binds_to_empty_batches(circuit_a):
    circuit, _ = circuit_a
    bound = circuit.assign_parameters(np.zeros((0, 1)))
    assert bound[0].gate.batch_size == 0


# -- parameters and expressions --------------------------------------------------------------


def test_a_huge_power_is_refused_at_once():
    p = Parameter("p")
    refused(lambda: quickly(lambda: p**10**8), ParameterError, "largest power")


def test_powers_are_computed_by_squaring_and_agree_with_products():
    p = Parameter("p")
    product = ParameterExpression({(): 1.0})
    for _ in range(7):
        product = product * (p + 1)
    assert (p + 1) ** 7 == product
    assert str(quickly(lambda: p**1024)) == "p**1024"


def test_a_number_to_the_power_of_an_expression_is_refused():
    refused(lambda: 2 ** Parameter("p"), ValueError, "not a polynomial")


def test_arithmetic_with_nan_or_infinity_is_refused():
    p = Parameter("p")
    refused(lambda: p * float("nan"), ValueError, "finite numbers")
    refused(lambda: p + np.float64("inf"), ValueError, "finite numbers")


def test_coefficients_that_overflow_are_refused():
    refused(lambda: Parameter("p") * 1e308 * 10, ValueError, "overflow")


def test_dividing_by_a_zero_constant_expression_is_refused():
    p = Parameter("p")
    refused(lambda: 1 / (p - p), ValueError, "by zero")


def test_arithmetic_with_text_or_none_is_a_type_error():
    p = Parameter("p")
    refused(lambda: p + "a", TypeError, "cannot add p and 'a'")
    refused(lambda: None * p, TypeError, "cannot multiply")
    refused(lambda: np.array([1, 2]) * p, TypeError, "real numbers and other expressions")


def test_expressions_have_no_order_until_bound():
    refused(lambda: Parameter("p") < 1, TypeError, "compare the bound values")


def test_bind_refuses_text_none_and_complex_values():
    p = Parameter("p")
    refused(lambda: (2 * p).bind({p: "a"}), TypeError, "got the text")
    refused(lambda: (2 * p).bind({p: None}), TypeError, "real number")
    refused(lambda: (2 * p).bind({p: 1j}), TypeError, "complex")
    refused(lambda: (2 * p).bind(5), TypeError, "mapping")


def test_evaluate_refuses_a_result_that_overflows():
    p = Parameter("p")
    refused(lambda: (p**2).evaluate({p: 1e200}), ValueError, "overflows")
    refused(lambda: (p**2).evaluate({p: np.array([1.0, 1e200])}), ValueError, "overflows")


def test_derivative_is_with_respect_to_a_parameter():
    refused(lambda: Parameter("p").derivative("p"), TypeError, "with respect to a Parameter")


def test_expressions_still_pickle_with_their_parameters():
    p = Parameter("p")
    expression = pickle.loads(pickle.dumps(3 * p**2 + 1))
    assert expression.evaluate({expression.parameters[0]: 2.0}) == 13.0


def test_a_parameter_vector_index_out_of_range_is_an_index_error():
    vector = ParameterVector("v", 2)
    refused(lambda: vector[2], QmlIndexError, "out of range for ParameterVector 'v' of length 2")
    refused(lambda: vector["a"], TypeError, "int or a slice")
    assert vector[np.int64(-1)] is vector[1]


def test_a_parameter_vector_longer_than_the_limit_is_refused_at_once():
    refused(lambda: quickly(lambda: ParameterVector("x", 10**12)), ValueError, "limit")


def test_a_parameter_vector_needs_a_name_and_an_int_length():
    refused(lambda: ParameterVector(5, 2), TypeError, "non-empty string name")
    refused(lambda: ParameterVector("x", True), TypeError, "non-negative int")


# -- observables ---------------------------------------------------------------------------------


def test_dividing_an_observable_by_zero_is_refused():
    refused(lambda: Pauli("ZZ") / 0, ValueError, "divide an observable by zero")


def test_nan_or_infinite_coefficients_are_refused():
    refused(lambda: float("nan") * Pauli("ZZ"), ValueError, "not finite")
    refused(lambda: Pauli("ZZ") + np.inf, ValueError, "not finite")
    refused(lambda: PauliSum([(np.nan, "Z")]), ValueError, "not finite")


def test_coefficients_that_overflow_are_refused_in_observables():
    refused(lambda: Pauli("ZZ") * 1e308 * 10, ValueError, "not finite")
    refused(lambda: PauliSum([(1e308, "Z"), (1e308, "Z")]), ValueError, "overflow")


def test_adding_a_complex_number_is_refused_as_not_hermitian():
    refused(lambda: Pauli("ZZ") + 5j, ValueError, "not Hermitian")


def test_products_and_powers_of_observables_are_type_errors():
    refused(lambda: Pauli("ZZ") * Pauli("XX"), TypeError, "products of observables")
    refused(lambda: 1 / Pauli("ZZ"), TypeError, "cannot divide")
    refused(lambda: Pauli("Z") ** 2, TypeError, "powers of observables")


def test_masks_refuse_more_than_63_qubits():
    refused(Pauli("Z" * 64).masks, ValueError, "at most 63 qubits")


def test_the_matrix_of_a_wide_observable_is_refused_before_allocating():
    refused(Pauli("Z" * 20).matrix, MemoryError, "GiB")


def test_a_pauli_sum_refuses_terms_that_are_not_pairs():
    refused(lambda: PauliSum(None), TypeError, "pairs")
    refused(lambda: PauliSum([1]), TypeError, r"\(coefficient, label\) pair")
    refused(lambda: PauliSum([(1, 2, 3)]), TypeError, r"\(coefficient, label\) pair")


def test_a_sparse_pauli_op_with_a_parameter_coefficient_is_refused():
    operator = SparsePauliOp(["ZZ"], np.array([QiskitParameter("c")], dtype=object))
    refused(lambda: qml.circuits.observables.as_observable(operator), TypeError, "bind it")


def test_pauli_on_refuses_float_qubits_and_text_widths():
    refused(lambda: Pauli.on("ZZ", [0, 0.5], 3), ValueError, "integers")
    refused(lambda: Pauli.on("Z", [0], "a"), TypeError, "num_qubits must be an int")
    assert Pauli.on("Z", np.array(1), 2) == Pauli("ZI")


# -- templates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: lib.zz_feature_map(5000),
        lambda: lib.real_amplitudes(2, reps=10**9),
        lambda: lib.amplitude_encoding(30),
        lambda: lib.iqp_encoding(5000),
        lambda: lib.strongly_entangling_layers(3, reps=2**70),
        lambda: lib.entanglement_pairs(60000, "full"),
    ],
    ids=["zz", "reps", "amplitude", "iqp", "strong", "pairs"],
)
def test_templates_beyond_the_gate_limit_are_refused_before_building(build):
    refused(lambda: quickly(build), ValueError, "gates")


def test_explicit_entanglement_refuses_float_and_boolean_qubits():
    refused(lambda: lib.entanglement_pairs(3, [(0.5, 1)]), ValueError, "pairs of qubit indices")
    refused(lambda: lib.entanglement_pairs(3, [(True, 0)]), ValueError, "pairs of qubit indices")


def test_template_options_are_checked():
    refused(lambda: lib.angle_encoding(2, parameter_prefix=5), TypeError, "parameter_prefix")
    refused(lambda: lib.real_amplitudes(2, before_layer=5), TypeError, "before_layer")
    refused(lambda: lib.real_amplitudes(2, skip_final_rotation_layer="a"), TypeError, "True")
    refused(lambda: lib.efficient_su2(2, su2_gates=5), TypeError, "rotation name")
    refused(lambda: lib.angle_encoding(2, scale=10**400), ValueError, "does not fit")


def test_the_fast_walsh_transform_equals_the_dense_one():
    rng = np.random.default_rng(3)
    for size in (1, 2, 8, 64):
        alpha = rng.normal(size=(3, size))
        index = np.arange(size)
        gray = index ^ (index >> 1)
        signs = np.array([[(-1) ** bin(j & g).count("1") for g in gray] for j in index])
        np.testing.assert_allclose(
            encodings._walsh_transform(alpha), alpha @ signs / size, atol=1e-12
        )


def test_amplitude_angles_of_twenty_qubits_is_fast():
    angles = quickly(lambda: lib.amplitude_angles(np.ones(1 << 20)), seconds=10)
    assert angles.shape == ((1 << 20) - 1,)


def test_amplitude_angles_refuses_ragged_data():
    refused(lambda: lib.amplitude_angles([[1, 0], [1]]), ShapeError, "ragged")


def test_stack_parameters_refuses_nan_and_needs_a_mapping():
    circuit = lib.angle_encoding(2)
    refused(lambda: lib.stack_parameters(circuit, {"x": [np.nan, 1]}), ValueError, "finite")
    refused(lambda: lib.stack_parameters(circuit, [1, 2]), TypeError, "mapping")


def test_stack_parameters_of_an_empty_batch_has_no_rows():
    circuit = lib.angle_encoding(2)
    assert lib.stack_parameters(circuit, {"x": np.zeros((0, 2))}).shape == (0, 2)


# -- OpenQASM and qiskit ---------------------------------------------------------------------------


def test_from_qasm_file_on_a_missing_file_is_a_qasm_error(tmp_path):
    refused(lambda: Circuit.from_qasm_file(tmp_path / "no.qasm"), ValueError, "no OpenQASM file")


def test_from_qasm_file_on_a_folder_is_a_qasm_error(tmp_path):
    refused(lambda: Circuit.from_qasm_file(tmp_path), ValueError, "is a folder")


def test_from_qasm_file_on_binary_data_is_a_qasm_error(tmp_path):
    path = tmp_path / "binary.qasm"
    path.write_bytes(b"\xff\xfe\x00")
    refused(lambda: Circuit.from_qasm_file(path), QasmError, "not UTF-8")


def test_from_qasm_file_refuses_what_is_not_a_path():
    # open(5) would read (and then close) file descriptor 5
    refused(lambda: Circuit.from_qasm_file(5), TypeError, "file path")


def test_from_qasm_refuses_huge_registers_before_qiskit_builds_them():
    program = "OPENQASM 2.0;\nqreg q[100000000];"
    refused(lambda: quickly(lambda: Circuit.from_qasm(program)), QasmError, "100,000,000 qubits")


def test_a_huge_register_index_is_a_qasm_error_not_a_parser_panic():
    program = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nx q[1180591620717411303424];'
    refused(lambda: Circuit.from_qasm(program), QasmError, "far beyond any register")


def nested(depth: int, width: int) -> str:
    """A program whose gate ``g{i}`` is ``g{i-1}`` twice: 2**depth gates when expanded."""
    qubits = ",".join(f"a{j}" for j in range(width))
    lines = ["OPENQASM 2.0;", 'include "qelib1.inc";', f"qreg q[{width}];"]
    lines.append(f"gate g0 {qubits} {{ " + " ".join(f"h a{j};" for j in range(width)) + " }")
    lines += [
        f"gate g{i} {qubits} {{ g{i - 1} {qubits}; g{i - 1} {qubits}; }}" for i in range(1, depth)
    ]
    lines.append(f"g{depth - 1} " + ",".join(f"q[{j}]" for j in range(width)) + ";")
    return "\n".join(lines)


def test_a_gate_nested_by_doubling_gets_its_matrix_from_its_body():
    # H applied 2**39 times is the identity; qiskit's Operator would expand every use
    circuit = quickly(lambda: Circuit.from_qasm(nested(40, 1)))
    np.testing.assert_allclose(circuit[0].gate.matrix(), np.eye(2), atol=1e-9)


def test_a_defined_gate_s_matrix_equals_qiskit_s():
    program = nested(4, 3).replace("h a1;", "t a1; cx a1, a2;")
    expected = Operator(qasm2.loads(program).data[0].operation).data
    np.testing.assert_allclose(Circuit.from_qasm(program)[0].gate.matrix(), expected, atol=1e-12)


def test_wide_nested_definitions_beyond_the_import_limit_are_refused_at_once():
    message = refused(
        lambda: quickly(lambda: Circuit.from_qasm(nested(40, 5))),
        UnsupportedOperationError,
        "qml imports circuits of at most 1,048,576 gates",
    )
    assert "'g39'" in message


def test_from_qiskit_refuses_a_non_finite_global_phase():
    qc = QuantumCircuit(1)
    qc.global_phase = float("inf")
    refused(lambda: Circuit.from_qiskit(qc), ValueError, "non-finite")


def test_to_qasm_writes_gates_with_complex_parameters_as_their_definitions():
    circuit = Circuit(2).h(0).h(1).append(Diagonal([1, 1j, -1, np.exp(0.3j)]), [0, 1])
    again = Circuit.from_qasm(circuit.to_qasm())
    overlap = np.vdot(qml.simulate(circuit), qml.simulate(again))
    assert abs(abs(overlap) - 1) < 1e-9  # the same state up to the phase QASM 2 drops


def test_a_0d_array_is_not_taken_for_a_sequence():
    # a 0-d array claims to be iterable, then refuses to be iterated
    zero = np.array(0)
    refused(lambda: Pauli.on("", np.array(0.0), 1), ValueError, "sequence of qubit indices")
    refused(lambda: lib.hardware_efficient(2, rotations=zero), TypeError, "rotation name")
    refused(lambda: PauliSum(zero), TypeError, "pairs")
    refused(lambda: lib.strongly_entangling_layers(3, ranges=zero), TypeError, "ranges")


def test_amplitude_angles_of_subnormal_complex_data_are_finite():
    # complex / real divides by computing 1 / scale first: infinity for a subnormal scale
    angles = lib.amplitude_angles(np.array([0, 1e-320j]), complex_amplitudes=True)
    expected = lib.amplitude_angles(np.array([0, 1j]), complex_amplitudes=True)
    np.testing.assert_allclose(angles, expected)
