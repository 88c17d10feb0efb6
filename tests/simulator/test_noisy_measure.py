"""Noisy expectation values, probabilities and samples, and the compiled density path.

Oracles: qiskit-aer's density_matrix method with ``NoiseModel.to_qiskit()`` (its
``save_expectation_value``, ``save_probabilities`` and counts, readout errors
included), dense ``Tr(rho O)`` with numpy, and the reference numpy density path.
"""

from __future__ import annotations

from functools import reduce

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit import QuantumCircuit
from qiskit.circuit.library import UnitaryGate
from qiskit.quantum_info import Operator
from qiskit_aer import AerSimulator

import qml
from qml.circuits import Circuit, Parameter, ParameterVector
from qml.circuits.observables import Pauli, PauliSum
from qml.errors import QmlTypeError, StateTooLargeError
from qml.gates import STANDARD_GATES
from qml.noise import (
    AmplitudeDamping,
    BitFlip,
    Depolarizing,
    NoiseModel,
    PauliChannel,
    PhaseDamping,
    ReadoutError,
)
from qml.simulator import engine
from qml.simulator.density import final_density, simulate_density
from qml.simulator.measure import TermTable, density_term_values
from tests.counting import assert_counts_match, counts_p_value
from tests.strategies import circuits

ATOL = 1e-9
AER = AerSimulator(method="density_matrix", fusion_enable=False)
#: Gates Aer's density-matrix method runs as they are (others run as matrices, noiselessly).
AER_NATIVE = set(AER.configuration().basis_gates) & (set(STANDARD_GATES) | {"unitary"})
READOUT = ReadoutError([[0.92, 0.08], [0.3, 0.7]])


def aer_circuit(circuit: Circuit) -> QuantumCircuit:
    """The bound circuit for Aer: gates its density method lacks become UnitaryGates."""
    source = circuit.to_qiskit()
    qc = QuantumCircuit(*source.qregs, *source.cregs)
    for inst in source.data:
        op = inst.operation
        if op.name not in AER_NATIVE | {"measure"}:
            op = UnitaryGate(Operator(op).data)
        qc.append(op, inst.qubits, inst.clbits)
    return qc


def aer_data(circuit: Circuit, model: NoiseModel, save: str, *args) -> np.ndarray:
    qc = aer_circuit(circuit)
    getattr(qc, save)(*args)
    return AER.run(qc, noise_model=model.to_qiskit()).result().data()


def noise_for(circuit: Circuit) -> NoiseModel:
    """Errors of every kind on the gates of ``circuit`` that Aer runs natively."""
    model = NoiseModel()
    for gate, _ in circuit:
        name = gate.name
        if name not in AER_NATIVE - {"unitary", "id"} or name in model.noise_instructions:
            continue
        k = gate.num_qubits
        channel = {
            1: AmplitudeDamping(0.15),
            2: PhaseDamping(0.2).tensor(BitFlip(0.1)),
            3: Depolarizing(0.2, 3),
        }[k]
        model.add_all_qubit_quantum_error(channel, [name])
        if k == 1:
            model.add_all_qubit_quantum_error(PauliChannel({"I": 0.9, "Y": 0.1}), [name])
    return model


def example() -> tuple[Circuit, NoiseModel]:
    x = ParameterVector("x", 3)
    theta = Parameter("θ")
    circuit = Circuit(3).h(0).ry(x[0], 1).cx(0, 1).rz(x[1], 2).sx(2).rzz(theta, 0, 2)
    circuit.u(x[2], theta, 0.4, 1).y(0).cx(2, 1).crx(x[0], 1, 0)
    model = noise_for(circuit)
    return circuit, model


def rows(count: int, width: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-np.pi, np.pi, size=(count, width))


# -- exact expectation values --------------------------------------------------------------------


def test_noisy_expectation_equals_aer_row_by_row() -> None:
    circuit, model = example()
    params = rows(4, circuit.num_parameters)
    observables = [Pauli("XYZ"), 0.5 * Pauli("ZZI") - Pauli("IXX") + 0.3, Pauli("YIY")]
    values = qml.expectation(circuit, observables, params, noise=model)
    assert values.shape == (4, 3)
    for row, got in zip(params, values, strict=True):
        bound = circuit.assign_parameters(row)
        qc = aer_circuit(bound)
        for k, observable in enumerate(observables):
            qc.save_expectation_value(observable.to_qiskit(), [0, 1, 2], label=f"o{k}")
        data = AER.run(qc, noise_model=model.to_qiskit()).result().data()
        np.testing.assert_allclose(got, [data[f"o{k}"] for k in range(3)], atol=ATOL)
    single = qml.expectation(circuit, observables[1], params[0], noise=model)
    assert isinstance(single, float)
    assert single == pytest.approx(values[0, 1], abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(circuits(max_qubits=4, max_gates=10), st.data())
def test_noisy_expectation_of_random_circuits_equals_aer(circuit: Circuit, data) -> None:
    n = circuit.num_qubits
    labels = data.draw(st.lists(st.text("IXYZ", min_size=n, max_size=n), min_size=1, max_size=3))
    observable = PauliSum([(1.0 + k, label) for k, label in enumerate(labels)])
    model = noise_for(circuit)
    got = qml.expectation(circuit, observable, noise=model)
    qc = aer_circuit(circuit)
    qc.save_expectation_value(observable.to_qiskit(), list(range(n)))
    want = AER.run(qc, noise_model=model.to_qiskit()).result().data()["expectation_value"]
    assert got == pytest.approx(want, abs=ATOL)


def test_trace_from_pauli_masks_equals_the_dense_trace() -> None:
    rng = np.random.default_rng(3)
    n, batch = 3, 4
    a = rng.normal(size=(batch, 8, 8)) + 1j * rng.normal(size=(batch, 8, 8))
    rho = a @ a.conj().transpose(0, 2, 1)
    rho /= np.trace(rho, axis1=1, axis2=2)[:, None, None]
    labels = ["XYZ", "IIY", "ZZZ", "YXI", "III"]
    table = TermTable([PauliSum([(1.0, label)]) for label in labels], n)
    got = density_term_values(rho.reshape(batch, -1), table)
    want = [[np.trace(r @ Pauli(label).matrix()).real for label in table.labels] for r in rho]
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_an_ideal_noise_model_changes_nothing() -> None:
    circuit, _ = example()
    params = rows(3, circuit.num_parameters, seed=1)
    ideal = NoiseModel()
    observables = [Pauli("XYZ"), Pauli("ZIZ")]
    np.testing.assert_allclose(
        qml.expectation(circuit, observables, params, noise=ideal),
        qml.expectation(circuit, observables, params),
        atol=1e-12,
    )
    np.testing.assert_allclose(
        qml.probabilities(circuit, [2, 0], params, noise=ideal),
        qml.probabilities(circuit, [2, 0], params),
        atol=1e-12,
    )


# -- probabilities and samples ------------------------------------------------------------------


def test_noisy_probabilities_equal_aer_then_the_readout_confusion() -> None:
    circuit, model = example()
    row = rows(1, circuit.num_parameters, seed=2)[0]
    bound = circuit.assign_parameters(row)
    aer = np.asarray(aer_data(bound, model, "save_probabilities", [0, 1, 2])["probabilities"])
    np.testing.assert_allclose(qml.probabilities(circuit, params=row, noise=model), aer, atol=ATOL)
    marginal = np.asarray(aer_data(bound, model, "save_probabilities", [2, 0])["probabilities"])
    np.testing.assert_allclose(
        qml.probabilities(circuit, [2, 0], row, noise=model), marginal, atol=ATOL
    )
    # readout: P(read j) = Σ_i P(i) C[i, j], with C the kron of per-qubit confusions
    # (qubit 0 the least significant factor, so the rightmost in kron order)
    model.add_all_qubit_readout_error(READOUT)
    model.add_readout_error([[0.99, 0.01], [0.05, 0.95]], 1)
    confusions = [
        READOUT.probabilities,
        np.array([[0.99, 0.01], [0.05, 0.95]]),
        READOUT.probabilities,
    ]
    confusion = reduce(np.kron, reversed(confusions))
    np.testing.assert_allclose(
        qml.probabilities(circuit, params=row, noise=model), aer @ confusion, atol=ATOL
    )


def test_noisy_counts_of_qml_and_aer_fit_the_same_distribution() -> None:
    circuit, model = example()
    model.add_all_qubit_readout_error(READOUT)
    params = rows(2, circuit.num_parameters, seed=3)
    exact = qml.probabilities(circuit, params=params, noise=model)
    ours = qml.sample(circuit, 5000, seed=4, params=params, noise=model)
    for row, counts, p in zip(params, ours, exact, strict=True):
        qc = aer_circuit(circuit.assign_parameters(row))
        qc.measure_all()
        theirs = AER.run(qc, noise_model=model.to_qiskit(), shots=5000, seed_simulator=5)
        assert_counts_match(counts, p)
        assert_counts_match(theirs.result().get_counts(), p)


def test_readout_errors_act_on_counts() -> None:
    circuit = Circuit(2).x(0).h(1)
    model = NoiseModel().add_readout_error(READOUT, 0)
    counts = qml.sample(circuit, 4000, seed=6, noise=model)
    with_readout = qml.probabilities(circuit, noise=model)
    np.testing.assert_allclose(with_readout, [0.3 * 0.5, 0.7 * 0.5, 0.3 * 0.5, 0.7 * 0.5])
    assert_counts_match(counts, with_readout)
    assert counts_p_value(counts, qml.probabilities(circuit)) < 1e-6  # not the ideal one


def test_readout_on_measured_qubits_keys_by_clbit_like_aer() -> None:
    circuit = Circuit(3).h(0).cx(0, 1).ry(0.8, 2).measure([1, 2], [0, 1])
    model = (
        NoiseModel()
        .add_readout_error(READOUT, 1)
        .add_all_qubit_quantum_error(AmplitudeDamping(0.2), ["h", "ry"])
    )
    exact = qml.probabilities(circuit, [1, 2], noise=model)
    ours = qml.sample(circuit, 4000, seed=7, noise=model)
    theirs = AER.run(aer_circuit(circuit), noise_model=model.to_qiskit(), shots=4000,
                     seed_simulator=8).result().get_counts()  # fmt: skip
    assert set(ours) | set(theirs) <= {"00", "01", "10", "11"}
    assert_counts_match(ours, exact)
    assert_counts_match(theirs, exact)


def test_noisy_shot_estimates_converge_to_exact_or_to_the_readout_value() -> None:
    circuit, model = example()
    row = rows(1, circuit.num_parameters, seed=9)[0]
    observables = [Pauli("XYZ"), Pauli("ZIZ") + 0.5 * Pauli("IYI")]
    shots = 20000
    exact = qml.expectation(circuit, observables, row, noise=model)
    estimate = qml.expectation(circuit, observables, row, shots=shots, seed=1, noise=model)
    # each Pauli mean has standard deviation <= 1/sqrt(shots); 6 of them is ~1e-9 odds
    assert np.all(np.abs(estimate - exact) <= 6 * 1.5 / np.sqrt(shots))
    zz = qml.expectation(circuit, "ZIZ", row, noise=model)
    model.add_all_qubit_readout_error(READOUT)
    signs = 1 - 2 * (np.bitwise_count(np.arange(8) & 0b101).astype(np.int64) & 1)
    read = qml.probabilities(circuit, params=row, noise=model) @ signs  # <Z0 Z2> as read
    estimate = qml.expectation(circuit, "ZIZ", row, shots=shots, seed=2, noise=model)
    assert abs(estimate - read) <= 6 / np.sqrt(shots)
    # exact values leave readout out; the shots see it
    assert qml.expectation(circuit, "ZIZ", row, noise=model) == pytest.approx(zz, abs=1e-12)
    assert abs(read - zz) > 0.05


# -- the compiled density path ---------------------------------------------------------------------


@pytest.mark.parametrize("n", [3, 8])  # 8 qubits: 4**8 amplitudes, fused and threaded
def test_compiled_and_numpy_density_paths_agree(n: int) -> None:
    rng = np.random.default_rng(n)
    x = ParameterVector("x", n)
    circuit = Circuit(n)
    for q in range(n):
        circuit.ry(x[q], q).rz(rng.uniform(-3, 3), q).s(q)
    for q in range(n - 1):
        circuit.cx(q, q + 1).crx(x[q + 1], q + 1, q).rzz(0.3 * q, q, (q + 2) % n)
    circuit.ccx(0, 1, 2).iswap(0, n - 1).unitary(np.eye(4)[[1, 0, 3, 2]], [1, 2])
    model = noise_for(circuit)
    model.add_quantum_error(Depolarizing(0.3), ["ry"], [0])
    for params in (rows(3, n, seed=n), rows(1, n, seed=n)[0]):
        compiled = simulate_density(circuit, model, params)
        with engine.using_backend("numpy"):
            reference = simulate_density(circuit, model, params)
        np.testing.assert_allclose(compiled, reference, atol=1e-12)


def test_noise_must_be_a_qml_noise_model() -> None:
    from qiskit_aer.noise import NoiseModel as AerNoiseModel

    circuit = Circuit(1).h(0)
    for call in (
        lambda: qml.expectation(circuit, "Z", noise=AerNoiseModel()),
        lambda: qml.probabilities(circuit, noise=AerNoiseModel()),
        lambda: qml.sample(circuit, 10, noise=AerNoiseModel()),
    ):
        with pytest.raises(QmlTypeError, match=r"qml\.noise\.NoiseModel"):
            call()


def test_a_density_matrix_too_large_is_refused_before_allocating() -> None:
    with pytest.raises(StateTooLargeError, match="density matrix of 24 qubits"):
        qml.expectation(Circuit(24).h(0), "Z" * 24, noise=NoiseModel())
    with pytest.raises(StateTooLargeError):
        final_density(Circuit(24).h(0))
