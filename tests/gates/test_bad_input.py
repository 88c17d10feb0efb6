"""Bad input to gates: each refused with a QmlError that is also the built-in a Python user
expects, before anything large is allocated (issue 12). The fuzzing layer
(test_fuzz.py) covers arbitrary input; these pin down each case that used to escape."""

from __future__ import annotations

import time

import numpy as np
import pytest

from qml import QmlError
from qml.errors import NotUnitaryError, QubitError, ShapeError
from qml.gates import (
    CX,
    RX,
    Conjugated,
    Controlled,
    ControlledGate,
    Diagonal,
    Gate,
    H,
    Inverse,
    Permutation,
    Unitary,
    pauli_matrix,
)


def refused(call, builtin: type[Exception], match: str = "") -> str:
    """``call()`` raises a QmlError that is also ``builtin``, matching ``match``; its message."""
    with pytest.raises(QmlError, match=match) as caught:
        call()
    assert isinstance(caught.value, builtin), type(caught.value).__mro__
    return str(caught.value)


# -- qubits ---------------------------------------------------------------------------------


def test_a_0d_integer_array_is_a_qubit_index():
    assert CX().check_qubits([np.array(1), np.int64(0)], 2) == (1, 0)
    assert H().check_qubits(np.array(1), 2) == (1,)


def test_a_0d_float_array_is_not_a_qubit_index():
    refused(lambda: H().check_qubits([np.array(0.0)], 2), ValueError, "must be integers")


def test_a_set_of_qubits_is_refused_because_it_has_no_order():
    refused(lambda: CX().check_qubits({0, 1}, 2), ValueError, "in order")


def test_a_register_width_that_is_not_an_int_is_refused():
    refused(lambda: H().check_qubits([0], None), TypeError, "number of qubits must be an int")


# -- parameters -----------------------------------------------------------------------------


def test_a_batched_parameter_of_text_is_a_type_error():
    refused(lambda: RX(["a"]), TypeError, "expected real numbers")


def test_a_ragged_batched_parameter_is_a_shape_error():
    refused(lambda: RX([[1, 2], [3]]), ShapeError, "ragged")


def test_a_boolean_batch_is_refused_like_a_boolean_angle():
    refused(lambda: RX(np.array([True, False])), TypeError, "dtype bool")


def test_a_batch_of_none_is_a_type_error_not_a_nan():
    refused(lambda: RX([None]), TypeError, "got None")


def test_an_int_too_large_for_a_float_is_refused():
    refused(lambda: RX(10**400), ValueError, "does not fit in a float")


# -- the trait ------------------------------------------------------------------------------


def test_a_gate_class_that_states_no_operator_is_refused_when_made():
    class Nothing(Gate):
        name, num_qubits = "nothing", 1

    refused(Nothing, TypeError, "states no operator: define fixed_matrix or _matrix")
    refused(Gate, TypeError, "states no operator")


def test_a_gate_class_of_an_unknown_structure_is_refused():
    class Odd(Gate):
        name, num_qubits, structure = "odd", 1, "sparse"
        fixed_matrix = np.eye(2)

    refused(Odd, TypeError, "'dense', 'diagonal' or 'permutation'")


def test_a_controlled_gate_class_without_a_target_is_refused():
    refused(ControlledGate, TypeError, "sets target")


def test_apply_refuses_a_real_state_whose_imaginary_parts_it_would_drop():
    refused(lambda: H().apply(np.array([1.0, 0.0]), [0]), TypeError, "complex numpy array")


def test_apply_refuses_a_read_only_state():
    state = np.array([1, 0], dtype=np.complex128)
    state.setflags(write=False)
    refused(lambda: H().apply(state, [0]), ValueError, "read-only")


def test_apply_to_an_empty_batch_changes_nothing():
    state = np.zeros((0, 4), dtype=np.complex128)
    CX().apply(state, [0, 1])
    assert state.shape == (0, 4)


def test_a_dense_matrix_beyond_the_limit_is_refused_before_allocating():
    gate = Controlled(H(), 29)
    start = time.perf_counter()
    refused(gate.matrix, MemoryError, r"30-qubit gate .* GiB")
    assert time.perf_counter() - start < 1


def test_pauli_letters_beyond_the_limit_are_refused_before_allocating():
    refused(lambda: pauli_matrix("Z" * 30), MemoryError, "GiB")


def test_pauli_letters_must_be_pauli_letters():
    refused(lambda: pauli_matrix("ZQ"), ValueError, "I, X, Y, Z, 0 and 1")


# -- gates made from data -------------------------------------------------------------------


def test_unitary_refuses_text_entries():
    refused(lambda: Unitary([["1", "0"], ["0", "1"]]), TypeError, "expected numbers")


def test_unitary_refuses_a_label_that_is_not_text():
    refused(lambda: Unitary(np.eye(2), label=5), TypeError, "label must be a string")


def test_unitary_refuses_infinite_entries_as_not_unitary():
    refused(lambda: Unitary([[np.inf, 0], [0, 1]]), NotUnitaryError, "not unitary")


def test_unitary_wider_than_twelve_qubits_is_refused_before_checking():
    huge = np.broadcast_to(np.complex128(0), (1 << 13, 1 << 13))  # a view: no memory
    start = time.perf_counter()
    refused(lambda: Unitary(huge), ShapeError, "at most 12 qubits")
    assert time.perf_counter() - start < 1


def test_diagonal_refuses_boolean_phases():
    refused(lambda: Diagonal([True, True]), TypeError, "dtype bool")


def test_diagonal_keeps_its_own_copy_of_the_phases():
    phases = np.array([1, 1j])
    gate = Diagonal(phases)
    phases[1] = -1
    np.testing.assert_array_equal(gate.diagonal(), [1, 1j])


def test_permutation_refuses_a_ragged_table():
    refused(lambda: Permutation([None, []]), TypeError, "1-D array of integers")


def test_a_qubit_pattern_refuses_what_is_not_an_int():
    refused(lambda: Permutation.of_qubits(["a"]), TypeError, "sequence of ints")
    refused(lambda: Permutation.of_qubits(None), TypeError, "sequence of ints")
    refused(lambda: Permutation.of_qubits([0.5, 0]), TypeError, "sequence of ints")


def test_a_qubit_pattern_beyond_the_table_limit_is_refused_before_allocating():
    refused(lambda: Permutation.of_qubits(range(40)), MemoryError, "GiB")


def test_controlled_refuses_an_absurd_number_of_controls():
    refused(lambda: Controlled(H(), 2**70), ValueError, "exceed the 65,536 qubits")


def test_controlled_takes_numpy_integers_for_its_count_and_state():
    gate = Controlled(H(), np.int64(2), np.array(1))
    assert (gate.num_controls, gate.ctrl_state) == (2, 1)


def test_controlled_refuses_a_float_control_state():
    refused(lambda: Controlled(H(), 1, 1.0), ValueError, "ctrl_state must be an int")


def test_inverse_and_conjugated_refuse_a_gate_class():
    refused(lambda: Inverse(H), TypeError, r"instantiate a gate class first \(H\(\)")
    refused(lambda: Conjugated(5), TypeError, "needs a qml Gate instance")


def test_the_bound_on_permutation_tables_refuses_wide_controlled_x_when_made():
    refused(lambda: Controlled(qml_x(), 40), MemoryError, "permutation")


def qml_x():
    from qml.gates import X

    return X()


def test_standard_gates_still_refuse_the_same_qubit_twice():
    refused(lambda: CX().check_qubits([1, 1], 2), QubitError, "same qubit twice")
