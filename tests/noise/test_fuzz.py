"""Fuzzing noise: channels, readout errors, noise models and text specs, given arbitrary
arguments.

The contract (tests/fuzzing.py): a QmlError or a finite result of the documented shape.
A channel that is made is trace preserving with finite Kraus operators; a readout error
is a row-stochastic 2 x 2 matrix; a noise model only holds what it was given.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qml import Circuit
from qml.gates import Unitary
from qml.noise import (
    AmplitudeDamping,
    BitFlip,
    Channel,
    Depolarizing,
    NoiseModel,
    PauliChannel,
    PhaseDamping,
    PhaseFlip,
    ReadoutError,
    noise_from_spec,
    noise_model,
    parse_noise,
    pauli_matrix,
)
from qml.noise.spec import NOISE_NAMES
from tests.fuzzing import (
    FUZZ_SETTINGS,
    Refused,
    anything,
    arrays,
    assert_finite,
    attempt,
    floats,
    ints,
    qubit_lists,
    texts,
)

# numpy casting complex values to real inside qml drops the imaginary parts silently
pytestmark = pytest.mark.filterwarnings("error::numpy.exceptions.ComplexWarning")

probabilities = st.one_of(st.floats(0, 1), floats, anything())


def exercise(channel: Channel) -> None:
    """A channel that was made: finite, trace preserving Kraus operators of its width."""
    k = channel.num_qubits
    kraus = channel.kraus()
    assert kraus and all(op.shape == (1 << k, 1 << k) for op in kraus)
    assert_finite(kraus)
    gram = sum(op.conj().T @ op for op in kraus)
    np.testing.assert_allclose(gram, np.eye(1 << k), atol=1e-9)
    transfer = channel.transfer_matrix()
    assert transfer.shape == (4**k, 4**k)
    assert isinstance(channel.is_ideal(), bool)


@pytest.mark.parametrize("cls", [BitFlip, PhaseFlip, AmplitudeDamping, PhaseDamping])
@FUZZ_SETTINGS
@given(probabilities)
def test_named_channels_take_any_probability(cls, p):
    channel = attempt(cls, p)
    if not isinstance(channel, Refused):
        assert 0 <= float(p) <= 1
        exercise(channel)


@FUZZ_SETTINGS
@given(probabilities, st.one_of(st.integers(-1, 6), ints, anything()))
def test_depolarizing_takes_any_probability_and_width(p, num_qubits):
    channel = attempt(Depolarizing, p, num_qubits)
    if not isinstance(channel, Refused):
        assert channel.num_qubits == num_qubits
        exercise(channel)


@FUZZ_SETTINGS
@given(
    st.one_of(
        st.dictionaries(st.one_of(st.text("IXYZQ", max_size=7), texts), probabilities),
        anything(),
    )
)
def test_pauli_channel_takes_any_mapping(probabilities_):
    channel = attempt(PauliChannel, probabilities_)
    if not isinstance(channel, Refused):
        exercise(channel)


@st.composite
def kraus_operators(draw):
    """Kraus sets: valid ones (a unitary, a bit flip), spoilt ones, and any array."""
    kind = draw(st.sampled_from(["valid", "spoilt", "any"]))
    if kind == "any":
        return draw(st.one_of(arrays(), st.lists(arrays(), max_size=3), anything()))
    p = draw(st.floats(0, 1))
    operators = [np.sqrt(1 - p) * np.eye(2), np.sqrt(p) * np.array([[0, 1], [1, 0]])]
    if kind == "spoilt":
        operators[0] = operators[0] * draw(st.sampled_from([np.nan, np.inf, 2.0, 1 + 1e-9]))
    return operators


@FUZZ_SETTINGS
@given(kraus_operators(), st.one_of(st.sampled_from([BitFlip(0.1), Depolarizing(0.2)]), anything()))
def test_channel_and_tensor_take_any_operators(operators, other):
    channel = attempt(Channel, operators)
    if isinstance(channel, Refused):
        return
    exercise(channel)
    product = attempt(channel.tensor, other)
    if not isinstance(product, Refused):
        assert product.num_qubits == channel.num_qubits + other.num_qubits
        exercise(product)


@FUZZ_SETTINGS
@given(st.one_of(st.text("IXYZ", max_size=8), anything()))
def test_pauli_matrix_takes_any_label(label):
    matrix = attempt(pauli_matrix, label)
    if not isinstance(matrix, Refused):
        assert matrix.shape == (1 << len(label), 1 << len(label))
        assert_finite(matrix)


@FUZZ_SETTINGS
@given(
    st.one_of(
        st.lists(st.lists(probabilities, min_size=2, max_size=2), min_size=2, max_size=2),
        arrays(),
        anything(),
    )
)
def test_readout_error_takes_any_matrix(matrix):
    error = attempt(ReadoutError, matrix)
    if not isinstance(error, Refused):
        probs = error.probabilities
        assert probs.shape == (2, 2) and np.all((probs >= 0) & (probs <= 1))
        np.testing.assert_allclose(probs.sum(axis=1), 1, atol=1e-9)


CHANNELS = [BitFlip(0.1), Depolarizing(0.2, 2), Unitary(np.eye(2))]
NAMES = st.one_of(
    st.sampled_from(["h", "cx", "rx", "unitary", "measure", "cnot", ["h", "x"], ("cx",), []]),
    anything(),
)


@FUZZ_SETTINGS
@given(
    st.sampled_from(["all", "local", "readout", "all_readout"]),
    st.one_of(st.sampled_from(CHANNELS), anything()),
    NAMES,
    qubit_lists(),
)
def test_noise_model_add_methods_take_anything(method, error, names, qubits):
    model = NoiseModel()
    if method == "all":
        result = attempt(model.add_all_qubit_quantum_error, error, names)
    elif method == "local":
        result = attempt(model.add_quantum_error, error, names, qubits)
    elif method == "readout":
        result = attempt(model.add_readout_error, error, qubits)
    else:
        result = attempt(model.add_all_qubit_readout_error, error)
    if isinstance(result, Refused):
        assert model.is_ideal()  # a refused addition leaves the model as it was
        return
    assert result is model
    for name in model.noise_instructions:
        assert isinstance(name, str)
    assert_finite(attempt(model.readout_matrix, 0))
    attempt(model.to_qiskit)


@FUZZ_SETTINGS
@given(anything(), qubit_lists(), anything())
def test_noise_model_queries_take_anything(name, qubits, basis_gates):
    model = NoiseModel().add_all_qubit_quantum_error(BitFlip(0.1), ["h"])
    model.add_quantum_error(Depolarizing(0.1, 2), "cx", [0, 1]).add_readout_error(
        [[0.9, 0.1], [0.2, 0.8]], 0
    )
    channels = attempt(model.channels_after, name, qubits)
    if not isinstance(channels, Refused):
        assert isinstance(channels, tuple) and all(isinstance(c, Channel) for c in channels)
    matrix = attempt(model.readout_matrix, qubits)
    if not isinstance(matrix, Refused) and matrix is not None:
        assert matrix.shape == (2, 2)
    attempt(model.to_qiskit, basis_gates)


spec_texts = st.one_of(
    st.lists(
        st.tuples(
            st.one_of(st.sampled_from([*NOISE_NAMES, "depolarising", "Bit-Flip", ""]), texts),
            st.one_of(st.sampled_from(["0.01", "1", "1.5", "-0", "nan", "inf", "1e400"]), texts),
        ),
        max_size=3,
    ).map(lambda items: ",".join(f"{name}={p}" for name, p in items)),
    texts,
    anything(),
)


@FUZZ_SETTINGS
@given(
    spec_texts,
    st.one_of(
        st.sampled_from(
            [
                Circuit(2).h(0).cx(0, 1),
                Circuit(3).ccx(0, 1, 2).h(0),
                Circuit(3).unitary(np.eye(2), 0).unitary(np.eye(4), [0, 1]),
                Circuit(7).unitary(np.eye(64), list(range(6))),
            ]
        ),
        anything(),
    ),
)
def test_noise_specs_take_any_text_and_circuit(spec, circuit):
    items = attempt(parse_noise, spec)
    if not isinstance(items, Refused):
        assert all(name in NOISE_NAMES and 0 <= p <= 1 for name, p in items)
    model = attempt(noise_from_spec, spec, circuit)
    if not isinstance(model, Refused):
        assert isinstance(model, NoiseModel)


@FUZZ_SETTINGS
@given(
    st.one_of(st.lists(st.tuples(st.sampled_from(NOISE_NAMES), probabilities)), anything()),
    st.one_of(st.just(Circuit(2).h(0).cx(0, 1)), anything()),
)
def test_noise_model_from_items_takes_anything(items, circuit):
    model = attempt(noise_model, items, circuit)
    if not isinstance(model, Refused):
        assert isinstance(model, NoiseModel)
