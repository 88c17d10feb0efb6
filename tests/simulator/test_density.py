"""simulate_density against qiskit (noiseless) and qiskit-aer (noisy), batching, memory."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qiskit import QuantumCircuit
from qiskit.circuit.library import UnitaryGate
from qiskit.quantum_info import DensityMatrix, Operator
from qiskit_aer import AerSimulator
from scipy.stats import unitary_group

import qml
from qml.circuits import Circuit, Parameter, ParameterVector
from qml.errors import (
    NoiseError,
    QmlError,
    QmlTypeError,
    QubitError,
    QubitIndexError,
    ShapeError,
    StateTooLargeError,
)
from qml.gates import STANDARD_GATES
from qml.noise import (
    AmplitudeDamping,
    BitFlip,
    Channel,
    Depolarizing,
    NoiseModel,
    PauliChannel,
    PhaseDamping,
    PhaseFlip,
)
from qml.simulator import memory
from qml.simulator.density import probabilities_from_density, simulate_density
from tests.strategies import circuits

AER = AerSimulator(method="density_matrix", fusion_enable=False)
#: Gates Aer's density-matrix method runs as they are; others it would decompose.
AER_NATIVE = set(AER.configuration().basis_gates) & (set(STANDARD_GATES) | {"unitary"})

probabilities = st.one_of(st.just(0.0), st.floats(0.01, 1.0))


def random_kraus(k: int, seed: int) -> Channel:
    """A random channel: the blocks of a random isometry, so Σ K†K = I exactly."""
    rng = np.random.default_rng(seed)
    d, m = 1 << k, int(rng.integers(1, 4))
    isometry, _ = np.linalg.qr(rng.normal(size=(m * d, d)) + 1j * rng.normal(size=(m * d, d)))
    return Channel(isometry.reshape(m, d, d))


@st.composite
def channels(draw: st.DrawFn, k: int) -> Channel:
    """A random channel on k qubits, of every kind qml.noise has."""
    seed = st.integers(0, 2**32 - 1)
    if k == 1:
        kinds = [
            st.builds(Depolarizing, st.one_of(st.just(0.0), st.floats(0.01, 4 / 3))),
            st.builds(AmplitudeDamping, probabilities),
            st.builds(PhaseDamping, probabilities),
            st.builds(BitFlip, probabilities),
            st.builds(PhaseFlip, probabilities),
            st.builds(lambda p: PauliChannel({"I": 1 - p, "Y": p / 2, "Z": p / 2}), probabilities),
            st.builds(random_kraus, st.just(1), seed),
        ]
        return draw(st.one_of(kinds))
    kinds = [
        st.builds(Depolarizing, probabilities, st.just(k)),
        st.builds(random_kraus, st.just(k), seed),
    ]
    if k == 2:
        kinds.append(st.builds(Channel.tensor, channels(1), channels(1)))
    return draw(st.one_of(kinds))


@st.composite
def noisy_circuits(draw: st.DrawFn) -> tuple[Circuit, NoiseModel]:
    """A random circuit and a random noise model on gates Aer runs natively.

    Noise never goes on "unitary": the Aer copy of the circuit turns gates Aer
    lacks into unitaries, which must stay noiseless.
    """
    circuit = draw(circuits(max_qubits=5, max_gates=10))
    model = NoiseModel()
    present = {gate.name: gate.num_qubits for gate, _ in circuit}
    for name in sorted(present.keys() & (AER_NATIVE - {"unitary"})):
        for _ in range(draw(st.integers(0, 2))):
            model.add_all_qubit_quantum_error(draw(channels(present[name])), [name])
    for gate, qubits in circuit:
        if gate.name in AER_NATIVE - {"unitary"} and draw(st.integers(0, 3)) == 0:
            model.add_quantum_error(draw(channels(gate.num_qubits)), [gate.name], qubits)
    return circuit, model


def aer_density(circuit: Circuit, model: NoiseModel | None = None) -> np.ndarray:
    """qiskit-aer's density matrix, every gate kept as it is (no transpilation, no fusion)."""
    source = circuit.to_qiskit()
    qc = QuantumCircuit(circuit.num_qubits)
    for inst in source.data:
        op = inst.operation
        qc.append(op if op.name in AER_NATIVE else UnitaryGate(Operator(op).data), inst.qubits)
    qc.save_density_matrix()
    noise = None if model is None else model.to_qiskit()
    return np.asarray(AER.run(qc, noise_model=noise).result().data()["density_matrix"])


def assert_density_matrix(rho: np.ndarray) -> None:
    """Hermitian, trace 1, positive semidefinite (to rounding)."""
    np.testing.assert_allclose(rho, rho.conj().T, atol=1e-12)
    assert abs(np.trace(rho) - 1) < 1e-12
    assert np.linalg.eigvalsh(rho).min() >= -1e-12


# -- noiseless ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(circuits(max_qubits=5, max_gates=10))
def test_noiseless_equals_outer_product_and_qiskit(circuit: Circuit) -> None:
    rho = simulate_density(circuit)
    assert rho.dtype == np.complex128
    assert rho.shape == (1 << circuit.num_qubits,) * 2
    psi = qml.simulate(circuit)
    np.testing.assert_allclose(rho, np.outer(psi, psi.conj()), atol=1e-12)
    np.testing.assert_allclose(rho, DensityMatrix(circuit.to_qiskit()).data, atol=1e-12)


def test_final_measurements_and_global_phase_are_ignored() -> None:
    bare = Circuit(2, global_phase=0.7).h(0).cx(0, 1).ry(0.4, 1)
    measured = bare.copy().measure_all()
    np.testing.assert_array_equal(simulate_density(measured), simulate_density(bare))


def test_zero_qubits() -> None:
    np.testing.assert_array_equal(simulate_density(Circuit(0)), [[1]])


# -- noisy, against qiskit-aer ----------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(noisy_circuits())
def test_noisy_equals_aer(case: tuple[Circuit, NoiseModel]) -> None:
    circuit, model = case
    rho = simulate_density(circuit, noise=model)
    np.testing.assert_allclose(rho, aer_density(circuit, model), atol=1e-9)
    assert_density_matrix(rho)


def test_noise_on_every_gate_kind_equals_aer() -> None:
    """Diagonal, permutation and dense gates, 1-3 qubits, each with noise, in one circuit."""
    circuit = (
        Circuit(3).h(0).rz(0.3, 1).x(2).cx(0, 1).cz(1, 2).swap(0, 2).rxx(0.5, 1, 0)
        .ccx(2, 0, 1).rzz(0.8, 0, 2).u(0.1, 0.2, 0.3, 1)
    )  # fmt: skip
    circuit.unitary(unitary_group.rvs(4, random_state=1), [2, 0])
    model = NoiseModel()
    model.add_all_qubit_quantum_error(AmplitudeDamping(0.2), ["h", "rz", "x", "u"])
    model.add_all_qubit_quantum_error(Depolarizing(0.1, 2), ["cx", "cz", "swap", "rxx", "rzz"])
    model.add_all_qubit_quantum_error(random_kraus(2, 7), ["unitary"])
    model.add_all_qubit_quantum_error(Depolarizing(0.3, 3), ["ccx"])
    model.add_quantum_error(PhaseDamping(0.4).tensor(BitFlip(0.2)), ["cx"], [0, 1])
    rho = simulate_density(circuit, noise=model)
    np.testing.assert_allclose(rho, aer_density(circuit, model), atol=1e-9)
    assert_density_matrix(rho)


def test_channel_on_id_is_its_kraus_sum() -> None:
    prepare = unitary_group.rvs(8, random_state=3)
    channel = random_kraus(1, 11)
    circuit = Circuit(3).unitary(prepare, [0, 1, 2]).id(1)
    rho = simulate_density(circuit, NoiseModel().add_all_qubit_quantum_error(channel, "id"))
    before = np.outer(prepare[:, 0], prepare[:, 0].conj())
    # qubit 1 is the middle factor of I ⊗ K ⊗ I in little-endian order
    full = [np.kron(np.kron(np.eye(2), k), np.eye(2)) for k in channel.kraus()]
    np.testing.assert_allclose(rho, sum(k @ before @ k.conj().T for k in full), atol=1e-12)


def test_channel_of_wrong_size_on_unitary_is_refused() -> None:
    circuit = Circuit(2).unitary(np.eye(4), [0, 1])
    model = NoiseModel().add_all_qubit_quantum_error(BitFlip(0.1), ["unitary"])
    with pytest.raises(NoiseError, match="1-qubit channel is attached to gate 'unitary'"):
        simulate_density(circuit, noise=model)


def test_noise_must_be_a_qml_noise_model() -> None:
    from qiskit_aer.noise import NoiseModel as AerNoiseModel

    with pytest.raises(QmlTypeError, match=r"qml\.noise\.NoiseModel"):
        simulate_density(Circuit(1).h(0), noise=AerNoiseModel())


# -- parameters and batches ------------------------------------------------------------------


def _parameterized() -> tuple[Circuit, NoiseModel]:
    x = ParameterVector("x", 2)
    theta = Parameter("θ")
    circuit = Circuit(3, global_phase=theta).ry(x[0], 0).rx(x[1], 1).cx(0, 1)
    circuit.crz(theta, 1, 2).rzz(2 * theta + 1, 0, 2).u(x[0], theta, x[1], 2)
    model = NoiseModel().add_all_qubit_quantum_error(Depolarizing(0.05), ["ry", "rx", "u"])
    model.add_all_qubit_quantum_error(AmplitudeDamping(0.1).tensor(PhaseFlip(0.2)), ["cx", "rzz"])
    return circuit, model


def test_batched_params_equal_looping_rows() -> None:
    circuit, model = _parameterized()
    rows = np.random.default_rng(0).uniform(-np.pi, np.pi, size=(5, circuit.num_parameters))
    batch = simulate_density(circuit, noise=model, params=rows)
    assert batch.shape == (5, 8, 8)
    assert batch.dtype == np.complex128
    for row, rho in zip(rows, batch, strict=True):
        np.testing.assert_allclose(rho, simulate_density(circuit, noise=model, params=row))
        bound = circuit.assign_parameters(row)
        np.testing.assert_allclose(rho, aer_density(bound, model), atol=1e-9)


def test_params_as_mapping_and_unbound_refused() -> None:
    circuit, model = _parameterized()
    values = dict(zip(circuit.parameters, [0.1, 0.2, 0.3], strict=True))
    np.testing.assert_allclose(
        simulate_density(circuit, noise=model, params=values),
        simulate_density(circuit, noise=model, params=[0.1, 0.2, 0.3]),
    )
    with pytest.raises(QmlError, match="no value for parameter"):
        simulate_density(circuit)
    with pytest.raises(ShapeError):
        simulate_density(circuit, params=np.zeros((2, 5)))


# -- memory -----------------------------------------------------------------------------------


def test_too_large_is_refused_before_allocating() -> None:
    with pytest.raises(StateTooLargeError, match=r"density matrix of 24 qubits.*qubits fit"):
        simulate_density(Circuit(24).h(0))


def test_memory_message_says_how_many_qubits_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    # 512 KiB: a 7-qubit density matrix (256 KiB) fits, one of 8 qubits (1 MiB) does not
    monkeypatch.setattr(memory, "available_memory", lambda: 1 << 19)
    simulate_density(Circuit(7).h(0))
    with pytest.raises(StateTooLargeError) as info:
        simulate_density(Circuit(8).h(0))
    assert "a density matrix of 8 qubits" in str(info.value)
    assert "at most 7 qubits fit" in str(info.value)
    assert isinstance(info.value, MemoryError)
    with pytest.raises(StateTooLargeError, match="or a batch of at most"):
        simulate_density(Circuit(7).rx(Parameter("a"), 0), params=np.zeros((4, 1)))


# -- probabilities ------------------------------------------------------------------------------


@settings(max_examples=20, deadline=None)
@given(circuits(max_qubits=4, max_gates=8), st.data())
def test_probabilities_equal_qiskit_marginals(circuit: Circuit, data: st.DataObject) -> None:
    rho = simulate_density(circuit)
    n = circuit.num_qubits
    qargs = data.draw(st.permutations(range(n)))[: data.draw(st.integers(1, n))]
    expected = DensityMatrix(rho).probabilities(qargs)
    np.testing.assert_allclose(probabilities_from_density(rho, qubits=qargs), expected, atol=1e-12)
    np.testing.assert_allclose(
        probabilities_from_density(rho), DensityMatrix(rho).probabilities(), atol=1e-12
    )


def test_probabilities_batched_and_with_readout() -> None:
    circuit, model = _parameterized()
    confusion = np.array([[0.9, 0.1], [0.25, 0.75]])
    model.add_all_qubit_readout_error(confusion)
    model.add_readout_error([[1.0, 0.0], [0.5, 0.5]], [2])
    rows = np.random.default_rng(1).uniform(-np.pi, np.pi, size=(3, circuit.num_parameters))
    batch = simulate_density(circuit, noise=model, params=rows)
    probs = probabilities_from_density(batch, noise=model)
    assert probs.shape == (3, 8)
    # qubit 2 is the leftmost factor: P(read) = P(state) @ (R2 ⊗ R1 ⊗ R0)
    readout = np.kron(np.kron([[1.0, 0.0], [0.5, 0.5]], confusion), confusion)
    for rho, p in zip(batch, probs, strict=True):
        np.testing.assert_allclose(p, np.diagonal(rho).real @ readout, atol=1e-12)
        np.testing.assert_allclose(p.sum(), 1)
    marginal = probabilities_from_density(batch, noise=model, qubits=[2, 0])
    assert marginal.shape == (3, 4)
    np.testing.assert_allclose(marginal[:, 0b10], probs[:, [0b001, 0b011]].sum(axis=1))


def test_probabilities_refuse_bad_input() -> None:
    rho = simulate_density(Circuit(2).h(0))
    with pytest.raises(ShapeError, match=r"\(2\*\*n, 2\*\*n\)"):
        probabilities_from_density(rho[:, :3])
    with pytest.raises(ShapeError):
        probabilities_from_density(np.eye(3))
    with pytest.raises(QubitIndexError, match="out of range"):
        probabilities_from_density(rho, qubits=[2])
    with pytest.raises(QubitIndexError):
        probabilities_from_density(rho, qubits=[-1])
    with pytest.raises(QubitError, match="distinct"):
        probabilities_from_density(rho, qubits=[0, 0])
    with pytest.raises(QmlTypeError):
        probabilities_from_density(rho, noise=object())
