"""Each channel against its Kraus definition, qiskit.quantum_info and qiskit-aer; validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit.quantum_info import DensityMatrix, Kraus, SuperOp
from qiskit_aer.noise import (
    QuantumError,
    amplitude_damping_error,
    depolarizing_error,
    pauli_error,
    phase_damping_error,
)

from qml.errors import NoiseError, QmlError, QmlTypeError, ShapeError
from qml.noise import (
    AmplitudeDamping,
    BitFlip,
    Channel,
    Depolarizing,
    PauliChannel,
    PhaseDamping,
    PhaseFlip,
    pauli_matrix,
)
from qml.simulator.density import transfer_matrix

I2 = np.eye(2)
X = np.array([[0, 1], [1, 0]])
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1, -1])
s = np.sqrt

#: Each named channel at one parameter value: its Kraus operators written out, and
#: qiskit-aer's own constructor of the same error.
DEFINITIONS = [
    (BitFlip(0.3), [s(0.7) * I2, s(0.3) * X], pauli_error([("X", 0.3), ("I", 0.7)])),
    (PhaseFlip(0.2), [s(0.8) * I2, s(0.2) * Z], pauli_error([("Z", 0.2), ("I", 0.8)])),
    (
        Depolarizing(0.4),
        [s(0.7) * I2, s(0.1) * X, s(0.1) * Y, s(0.1) * Z],
        depolarizing_error(0.4, 1),
    ),
    (
        AmplitudeDamping(0.36),
        [np.array([[1, 0], [0, 0.8]]), np.array([[0, 0.6], [0, 0]])],
        amplitude_damping_error(0.36),
    ),
    (
        PhaseDamping(0.19),
        [np.array([[1, 0], [0, 0.9]]), np.array([[0, 0], [0, s(0.19)]])],
        phase_damping_error(0.19),
    ),
    (
        PauliChannel({"XI": 0.25, "IZ": 0.25, "YY": 0.5}),
        [0.5 * np.kron(X, I2), 0.5 * np.kron(I2, Z), s(0.5) * np.kron(Y, Y)],
        pauli_error([("XI", 0.25), ("IZ", 0.25), ("YY", 0.5)]),
    ),
]
IDS = [type(channel).__name__ for channel, _, _ in DEFINITIONS]


def random_density(k: int, rng: np.random.Generator) -> np.ndarray:
    a = rng.normal(size=(1 << k, 1 << k)) + 1j * rng.normal(size=(1 << k, 1 << k))
    rho = a @ a.conj().T
    return rho / np.trace(rho)


def kraus_action(kraus: list[np.ndarray], rho: np.ndarray) -> np.ndarray:
    return sum(k @ rho @ k.conj().T for k in kraus)


def assert_density_matrix(rho: np.ndarray) -> None:
    np.testing.assert_allclose(rho, rho.conj().T, atol=1e-12)
    assert abs(np.trace(rho) - 1) < 1e-12
    assert np.linalg.eigvalsh(rho).min() >= -1e-12


@pytest.mark.parametrize(("channel", "kraus", "aer"), DEFINITIONS, ids=IDS)
def test_named_channel_is_its_definition(
    channel: Channel, kraus: list[np.ndarray], aer: QuantumError
) -> None:
    assert channel.num_qubits == int(np.log2(kraus[0].shape[0]))
    assert len(channel.kraus()) == len(kraus)
    for ours, written in zip(channel.kraus(), kraus, strict=True):
        np.testing.assert_allclose(ours, written, atol=1e-15)
    # qiskit's SuperOp of Aer's own error, and of qiskit's Kraus of our operators
    expected = SuperOp(aer).data
    np.testing.assert_allclose(SuperOp(Kraus(channel.kraus())).data, expected, atol=1e-12)
    np.testing.assert_allclose(SuperOp(channel.to_qiskit()).data, expected, atol=1e-12)


@pytest.mark.parametrize(("channel", "kraus", "aer"), DEFINITIONS, ids=IDS)
def test_transfer_matrix_acts_on_row_major_rho(
    channel: Channel, kraus: list[np.ndarray], aer: QuantumError
) -> None:
    rho = random_density(channel.num_qubits, np.random.default_rng(5))
    d = rho.shape[0]
    out = (channel.transfer_matrix() @ rho.ravel()).reshape(d, d)
    np.testing.assert_allclose(out, kraus_action(kraus, rho), atol=1e-12)
    np.testing.assert_allclose(out, DensityMatrix(rho).evolve(SuperOp(aer)).data, atol=1e-12)
    # qiskit's SuperOp stacks columns: the same matrix with row and column swapped
    swapped = channel.transfer_matrix().reshape(d, d, d, d).transpose(1, 0, 3, 2)
    np.testing.assert_allclose(swapped.reshape(d * d, d * d), SuperOp(aer).data, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["bit", "phase", "depolarizing", "amplitude", "dephasing"]),
    st.floats(0, 1),
    st.integers(0, 2**32 - 1),
)
def test_channels_keep_trace_and_positivity(kind: str, p: float, seed: int) -> None:
    make = {
        "bit": BitFlip,
        "phase": PhaseFlip,
        "depolarizing": Depolarizing,
        "amplitude": AmplitudeDamping,
        "dephasing": PhaseDamping,
    }[kind]
    channel = make(p)
    kraus = channel.kraus()
    np.testing.assert_allclose(sum(k.conj().T @ k for k in kraus), I2, atol=1e-12)
    assert_density_matrix(kraus_action(kraus, random_density(1, np.random.default_rng(seed))))


@pytest.mark.parametrize("n", [1, 2, 3])
def test_depolarizing_matches_aer_on_n_qubits(n: int) -> None:
    top = 4**n / (4**n - 1)
    for p in (0.0, 0.37, 1.0, top):
        channel = Depolarizing(p, n)
        np.testing.assert_allclose(
            SuperOp(Kraus(channel.kraus())).data, SuperOp(depolarizing_error(p, n)).data, atol=1e-12
        )
    rho = random_density(n, np.random.default_rng(n))
    full = kraus_action(Depolarizing(1.0, n).kraus(), rho)
    np.testing.assert_allclose(full, np.eye(1 << n) / (1 << n), atol=1e-12)


def test_pauli_labels_are_in_qiskit_order() -> None:
    np.testing.assert_array_equal(pauli_matrix("XZ"), np.kron(X, Z))
    flip_qubit_1 = PauliChannel({"XI": 1.0})
    rho = np.zeros((4, 4))
    rho[0, 0] = 1
    out = kraus_action(flip_qubit_1.kraus(), rho)
    assert out[0b10, 0b10] == 1


def test_tensor_puts_the_other_channel_on_qubit_0() -> None:
    a, b = AmplitudeDamping(0.3), PhaseFlip(0.2)
    ours = a.tensor(b)
    assert ours.num_qubits == 2
    expected = SuperOp(a.to_qiskit().tensor(b.to_qiskit())).data
    np.testing.assert_allclose(SuperOp(ours.to_qiskit()).data, expected, atol=1e-12)


def test_general_channel_round_trips_through_qiskit() -> None:
    rng = np.random.default_rng(2)
    isometry, _ = np.linalg.qr(rng.normal(size=(12, 4)) + 1j * rng.normal(size=(12, 4)))
    channel = Channel(list(isometry.reshape(3, 4, 4)))
    assert channel.num_qubits == 2
    np.testing.assert_allclose(
        SuperOp(channel.to_qiskit()).data, SuperOp(Kraus(channel.kraus())).data, atol=1e-12
    )
    unitary = Channel(pauli_matrix("Y"))  # a single matrix is a unitary channel
    assert len(unitary.kraus()) == 1
    assert not unitary.is_ideal()


def test_ideal_channels() -> None:
    assert Depolarizing(0.0, 2).is_ideal()
    assert AmplitudeDamping(0).is_ideal()
    assert Channel([0.6 * I2, 0.8 * I2]).is_ideal()
    assert not BitFlip(1e-6).is_ideal()


def test_kraus_operators_must_be_trace_preserving() -> None:
    with pytest.raises(NoiseError, match=r"not trace preserving: max \|Σ K†K - I\| = 2.00e-01"):
        Channel([s(0.9) * I2, s(0.3) * X])
    with pytest.raises(ValueError, match="add √"):  # the message says how to fix it
        Channel([np.array([[1, 0], [0, 0]])])
    Channel([s(0.9) * I2, s(0.1) * X + 1e-12])  # within 1e-10


@pytest.mark.parametrize(
    ("operators", "error"),
    [
        ([np.eye(3)], ShapeError),
        ([np.eye(2), np.eye(4)], ShapeError),
        ([[1.0]], ShapeError),
        (np.ones((2, 2, 3)), ShapeError),
        ([np.array([[np.nan, 0], [0, 1]])], NoiseError),
        ("not matrices", QmlTypeError),
    ],
)
def test_malformed_kraus_operators(operators: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        Channel(operators)
    with pytest.raises(QmlError):
        Channel(operators)


@pytest.mark.parametrize(
    "make",
    [
        lambda: BitFlip(-0.1),
        lambda: PhaseFlip(1.5),
        lambda: AmplitudeDamping(float("nan")),
        lambda: PhaseDamping(2),
        lambda: Depolarizing(4 / 3 + 1e-9),
        lambda: Depolarizing(16 / 15 + 1e-9, 2),
        lambda: Depolarizing(0.1, 0),
        lambda: PauliChannel({"I": 0.5, "X": 0.4}),
        lambda: PauliChannel({"I": 0.5, "XX": 0.5}),
        lambda: PauliChannel({"I": 0.5, "Q": 0.5}),
    ],
)
def test_bad_parameters_are_noise_errors(make: object) -> None:
    with pytest.raises(NoiseError):
        make()  # type: ignore[operator]


def test_bad_parameter_types() -> None:
    with pytest.raises(QmlTypeError):
        BitFlip("0.1")  # type: ignore[arg-type]
    with pytest.raises(QmlTypeError):
        Depolarizing(0.1, 1.5)  # type: ignore[arg-type]
    with pytest.raises(QmlTypeError):
        PauliChannel({})
    with pytest.raises(QmlTypeError):
        BitFlip(0.1).tensor(np.eye(2))  # type: ignore[arg-type]


def test_reprs() -> None:
    assert repr(BitFlip(0.1)) == "BitFlip(0.1)"
    assert repr(Depolarizing(0.2, 2)) == "Depolarizing(0.2, num_qubits=2)"
    assert "3 Kraus operator(s)" in repr(Channel([s(0.5) * I2, s(0.25) * X, s(0.25) * Z]))
    assert transfer_matrix(BitFlip(0.0).kraus()).shape == (4, 4)
