"""Bad input to channels, readout errors, noise models and specs: each refused with a
QmlError that is also the built-in a Python user expects, quickly (issue 12). The fuzzing
layer (test_fuzz.py) covers arbitrary input; these pin down each case that used to escape."""

from __future__ import annotations

import time

import numpy as np
import pytest

from qml import Circuit, QmlError
from qml.errors import NoiseError, OptionError, QubitError, QubitIndexError
from qml.noise import (
    BitFlip,
    Channel,
    Depolarizing,
    NoiseModel,
    PauliChannel,
    ReadoutError,
    noise_from_spec,
    noise_model,
    pauli_matrix,
)


def refused(call, builtin: type[Exception], match: str = "") -> str:
    """``call()`` raises a QmlError that is also ``builtin``, matching ``match``; its message."""
    start = time.perf_counter()
    with pytest.raises(QmlError, match=match) as caught:
        call()
    assert time.perf_counter() - start < 2, "the refusal took too long"
    assert isinstance(caught.value, builtin), type(caught.value).__mro__
    return str(caught.value)


def test_a_probability_too_large_for_a_float_is_a_noise_error():
    refused(lambda: BitFlip(10**400), NoiseError, "between 0 and 1")


def test_a_0d_array_probability_is_a_probability():
    assert BitFlip(np.array(0.25)).p == 0.25


def test_depolarizing_wider_than_the_channel_limit_is_refused_at_once():
    refused(lambda: Depolarizing(0.1, 20), NoiseError, "at most 5")
    refused(lambda: Depolarizing(0.1, 2**70), NoiseError, "at most 5")


def test_depolarizing_takes_numpy_integer_widths():
    assert Depolarizing(0.1, np.array(2)).num_qubits == 2


def test_a_pauli_channel_on_too_many_qubits_is_refused_at_once():
    refused(lambda: PauliChannel({"I" * 12: 1.0}), NoiseError, "at most 5")


def test_a_channel_wider_than_the_limit_is_refused_before_copying():
    huge = np.broadcast_to(np.complex128(0), (1 << 13, 1 << 13))  # a view: no memory
    refused(lambda: Channel(huge), NoiseError, "at most 5")


def test_a_tensor_product_beyond_the_limit_is_refused_before_building():
    three = BitFlip(0.1).tensor(BitFlip(0.1)).tensor(BitFlip(0.1))
    refused(lambda: three.tensor(three), NoiseError, "at most 5")


def test_pauli_matrix_beyond_the_limit_is_refused():
    refused(lambda: pauli_matrix("Z" * 30), NoiseError, "at most 5")


def test_kraus_operators_of_text_or_booleans_are_type_errors():
    refused(lambda: Channel([["1", "0"], ["0", "1"]]), TypeError, "expected numbers")
    refused(lambda: Channel(np.eye(2, dtype=bool)), TypeError, "expected numbers")


def test_readout_errors_refuse_text_booleans_and_complex_entries():
    refused(lambda: ReadoutError([["1", "0"], ["0", "1"]]), TypeError, "real 2 x 2")
    refused(lambda: ReadoutError(np.eye(2, dtype=bool)), TypeError, "real 2 x 2")
    refused(lambda: ReadoutError([[1, 0], [0, 1j]]), TypeError, "real 2 x 2")


def test_noise_model_gate_names_must_be_text():
    model = NoiseModel()
    refused(lambda: model.add_all_qubit_quantum_error(BitFlip(0.1), None), TypeError, "names")
    refused(lambda: model.add_all_qubit_quantum_error(BitFlip(0.1), 5), TypeError, "names")
    refused(lambda: model.add_all_qubit_quantum_error(BitFlip(0.1), [["h"]]), TypeError, "'cx'")
    assert model.is_ideal()


def test_noise_model_qubits_take_0d_arrays():
    model = NoiseModel().add_readout_error([[0.9, 0.1], [0.1, 0.9]], np.array(1))
    model.add_quantum_error(BitFlip(0.1), "h", [np.array(0)])
    assert model.readout_error(1) is not None and model.channels_after("h", (0,))


def test_noise_model_refuses_qubits_beyond_the_limit():
    model = NoiseModel()
    refused(lambda: model.add_quantum_error(BitFlip(0.1), "h", [2**70]), QubitIndexError, "beyond")


def test_noise_model_queries_refuse_what_is_not_a_name_or_qubit():
    model = NoiseModel().add_quantum_error(BitFlip(0.1), "h", [0])
    refused(lambda: model.channels_after("h", None), QubitError, "sequence of ints")
    refused(lambda: model.channels_after(5, [0]), TypeError, "a gate name is a string")
    refused(lambda: model.readout_matrix([1]), QubitError, "must be an int")


def test_to_qiskit_refuses_basis_gates_that_are_not_names():
    refused(lambda: NoiseModel().to_qiskit(5), TypeError, "basis_gates")


def test_noise_model_from_items_refuses_unknown_names_and_bad_probabilities():
    circuit = Circuit(1).h(0)
    refused(lambda: noise_model([("x", 0.1)], circuit), OptionError, "unknown noise 'x'")
    refused(lambda: noise_model([("readout", 2)], circuit), OptionError, r"not a probability")
    refused(lambda: noise_model([("readout", float("nan"))], circuit), OptionError, "probab")
    refused(lambda: noise_model([5], circuit), TypeError, r"\(name, p\) pair")
    refused(lambda: noise_model(None, circuit), TypeError, "parse_noise")


def test_noise_model_needs_a_circuit():
    refused(lambda: noise_model([("depolarizing", 0.1)], None), TypeError, "qml Circuit")


def test_a_spec_over_gates_of_one_name_and_different_widths_is_refused():
    # one channel per name: a 2-qubit channel would follow the 1-qubit unitary too
    circuit = Circuit(2).unitary(np.eye(2), 0).unitary(np.eye(4), [0, 1])
    refused(lambda: noise_from_spec("depolarizing=0.1", circuit), OptionError, "on 1 and on 2")


def test_a_spec_over_gates_wider_than_a_channel_is_refused():
    circuit = Circuit(7).unitary(np.eye(64), list(range(6)))
    refused(lambda: noise_from_spec("bit_flip=0.1", circuit), OptionError, "at most 5 qubits")


def test_noise_items_of_a_0d_array_are_a_type_error():
    refused(lambda: noise_model(np.array(0), Circuit(1).h(0)), TypeError, "parse_noise")
