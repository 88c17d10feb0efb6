"""AerBackend and crosscheck: qiskit-aer's results, in qml's shapes, equal qml's own.

The oracle is qiskit-aer itself, reached through ``Circuit.to_qiskit()``; every
comparison of exact quantities is to 1e-9, counts pass the chi-squared check of
``tests.counting``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from qiskit_aer import AerSimulator
from scipy.stats import unitary_group

import qml
from qml.backends import AerBackend, CrosscheckReport, crosscheck
from qml.circuits import Circuit, Parameter, ParameterVector
from qml.circuits.observables import Pauli
from qml.errors import OptionError, QmlTypeError, ShapeError, UnsupportedOperationError
from qml.noise import AmplitudeDamping, Depolarizing, NoiseModel, PhaseDamping, ReadoutError
from qml.simulator.density import simulate_density
from tests.counting import assert_counts_match
from tests.strategies import circuits

ATOL = 1e-9


def parameterized() -> Circuit:
    """Parameters in plain and controlled rotations, a symbolic global phase, a gate Aer
    lacks (iswap), a Unitary and final measurements (ignored by exact results)."""
    x = ParameterVector("x", 3)
    theta = Parameter("θ")
    circuit = Circuit(3, global_phase=theta + 0.5).h(0).ry(x[0], 1).cx(0, 1).rz(x[1], 2)
    circuit.crx(theta, 1, 2).iswap(0, 2).u(x[2], theta, 0.3, 1).rzz(2 * x[0] + 1, 0, 2)
    circuit.cp(x[1], 2, 0).unitary(unitary_group.rvs(4, random_state=5), [1, 0])
    return circuit


def rows(count: int, width: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-np.pi, np.pi, size=(count, width))


class CountingRuns:
    """Counts ``AerSimulator.run`` calls (jobs) and the experiments in each."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.jobs: list[int] = []
        original = AerSimulator.run

        def run(simulator, circuits, **options):
            binds = options.get("parameter_binds")
            count = len(circuits) if isinstance(circuits, list) else 1
            if binds:
                count = len(next(iter(binds[0].values())))
            self.jobs.append(count)
            return original(simulator, circuits, **options)

        monkeypatch.setattr(AerSimulator, "run", run)


# -- exact results, noiseless ------------------------------------------------------------------


@pytest.mark.parametrize("batch", [None, 5])
def test_statevector_equals_simulate(batch: int | None) -> None:
    circuit = parameterized()
    params = rows(batch or 1, circuit.num_parameters)
    params = params if batch else params[0]
    ours = qml.simulate(circuit, params)
    theirs = AerBackend().statevector(circuit, params)
    assert theirs.shape == ours.shape
    np.testing.assert_allclose(theirs, ours, atol=ATOL)


def test_probabilities_and_marginals_equal_qml() -> None:
    circuit = parameterized()
    params = rows(4, circuit.num_parameters, seed=1)
    backend = AerBackend()
    for qubits in (None, [2, 0], [1]):
        ours = qml.probabilities(circuit, qubits, params)
        theirs = backend.probabilities(circuit, qubits, params)
        assert theirs.shape == ours.shape
        np.testing.assert_allclose(theirs, ours, atol=ATOL)
    one = params[0]
    np.testing.assert_allclose(
        backend.probabilities(circuit, params=one),
        qml.probabilities(circuit, params=one),
        atol=ATOL,
    )


def test_expectation_values_and_shapes_equal_qml() -> None:
    circuit = parameterized()
    params = rows(3, circuit.num_parameters, seed=2)
    observables = [Pauli("XYZ"), 0.5 * Pauli("ZZI") - 2 * Pauli("IXX") + 0.25, Pauli("YIY")]
    backend = AerBackend()
    for observable in (observables, observables[1]):
        for p in (params, params[0]):
            ours = qml.expectation(circuit, observable, p)
            theirs = backend.expectation(circuit, observable, p)
            assert np.shape(theirs) == np.shape(ours)
            np.testing.assert_allclose(theirs, ours, atol=ATOL)
    assert isinstance(backend.expectation(circuit, "ZZZ", params[0]), float)


def test_density_matrix_equals_simulate_density() -> None:
    circuit = parameterized()
    params = rows(2, circuit.num_parameters, seed=3)
    np.testing.assert_allclose(
        AerBackend().density_matrix(circuit, params), simulate_density(circuit, params=params),
        atol=ATOL,
    )  # fmt: skip


# -- one job per batch -------------------------------------------------------------------------


def test_a_batch_is_one_job_with_parameter_binds(monkeypatch: pytest.MonkeyPatch) -> None:
    circuit = Circuit(2).ry(Parameter("a"), 0).cx(0, 1).rz(Parameter("b"), 1).swap(0, 1)
    runs = CountingRuns(monkeypatch)
    backend = AerBackend(shots=100, seed=1)
    params = rows(7, 2)
    backend.statevector(circuit, params)
    backend.probabilities(circuit, params=params)
    backend.expectation(circuit, [Pauli("ZZ"), Pauli("XI")], params)
    backend.sample(circuit, params=params)
    assert runs.jobs == [7, 7, 7, 7]  # four calls, four jobs, seven experiments each
    assert len(backend.last_result.results) == 7


def test_a_batch_with_gates_aer_cannot_bind_is_still_one_job(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # crx/cp with symbolic parameters go in as bound matrices, one circuit per row
    runs = CountingRuns(monkeypatch)
    circuit = parameterized()
    AerBackend().statevector(circuit, rows(6, circuit.num_parameters))
    assert runs.jobs == [6]


# -- counts ------------------------------------------------------------------------------------


def test_counts_of_both_fit_the_exact_distribution() -> None:
    circuit = parameterized()
    params = rows(3, circuit.num_parameters, seed=4)
    exact = qml.probabilities(circuit, params=params)
    ours = qml.sample(circuit, 4000, seed=11, params=params)
    theirs = AerBackend(shots=4000, seed=12).sample(circuit, params=params)
    assert len(theirs) == len(ours) == 3
    for row in range(3):
        assert_counts_match(ours[row], exact[row])
        assert_counts_match(theirs[row], exact[row])
        assert all(len(key) == 3 for key in theirs[row])


def test_counts_with_measurements_use_clbit_keys_like_qml() -> None:
    circuit = Circuit(3).h(0).cx(0, 2).ry(0.7, 1).measure([2, 1], [0, 1])
    theirs = AerBackend(seed=3).sample(circuit, shots=3000)
    ours = qml.sample(circuit, 3000, seed=3)
    assert set(theirs) | set(ours) <= {"00", "01", "10", "11"}
    exact = qml.probabilities(circuit, [2, 1])  # clbit j holds qubits [2, 1][j]
    assert_counts_match(theirs, exact)
    assert_counts_match(ours, exact)


def test_the_check_rejects_a_wrong_distribution() -> None:
    circuit = Circuit(2).ry(1.0, 0).cx(0, 1)
    counts = AerBackend(seed=5).sample(circuit, shots=4000)
    wrong = qml.probabilities(Circuit(2).ry(1.2, 0).cx(0, 1))  # 8 points of probability off
    with pytest.raises(AssertionError, match="do not fit"):
        assert_counts_match(counts, wrong)


# -- noise -------------------------------------------------------------------------------------


def noise_model() -> NoiseModel:
    model = NoiseModel()
    model.add_all_qubit_quantum_error(Depolarizing(0.05), ["h", "ry", "rz", "u"])
    model.add_all_qubit_quantum_error(AmplitudeDamping(0.1).tensor(PhaseDamping(0.2)), ["cx"])
    model.add_all_qubit_quantum_error(Depolarizing(0.1, 2), ["rzz"])
    return model


def noisy_circuit() -> Circuit:
    x = ParameterVector("x", 2)
    return Circuit(3).h(0).ry(x[0], 1).cx(0, 1).rz(x[1], 2).rzz(x[0], 0, 2).u(0.3, x[1], 0.2, 2)


def test_noisy_exact_results_equal_qml() -> None:
    circuit, model = noisy_circuit(), noise_model()
    params = rows(4, circuit.num_parameters, seed=6)
    backend = AerBackend(noise_model=model)
    np.testing.assert_allclose(
        backend.density_matrix(circuit, params), simulate_density(circuit, model, params),
        atol=ATOL,
    )  # fmt: skip
    observables = [Pauli("XZY"), Pauli("ZZI") + 0.5 * Pauli("IXI")]
    np.testing.assert_allclose(
        backend.expectation(circuit, observables, params),
        qml.expectation(circuit, observables, params, noise=model),
        atol=ATOL,
    )
    np.testing.assert_allclose(
        backend.probabilities(circuit, [0, 2], params),
        qml.probabilities(circuit, [0, 2], params, noise=model),
        atol=ATOL,
    )


def test_a_qiskit_aer_noise_model_is_accepted() -> None:
    circuit, model = noisy_circuit(), noise_model()
    params = rows(1, circuit.num_parameters, seed=7)[0]
    np.testing.assert_allclose(
        AerBackend(noise_model=model.to_qiskit()).density_matrix(circuit, params),
        simulate_density(circuit, model, params),
        atol=ATOL,
    )


def test_noisy_counts_with_readout_fit_qml_probabilities() -> None:
    circuit, model = noisy_circuit(), noise_model()
    model.add_all_qubit_readout_error(ReadoutError([[0.9, 0.1], [0.25, 0.75]]))
    params = rows(2, circuit.num_parameters, seed=8)
    exact = qml.probabilities(circuit, params=params, noise=model)  # readout included
    theirs = AerBackend(noise_model=model, shots=5000, seed=9).sample(circuit, params=params)
    for row in range(2):
        assert_counts_match(theirs[row], exact[row])


# -- refusals ----------------------------------------------------------------------------------


def test_refusals_say_what_to_do() -> None:
    circuit = noisy_circuit()
    with pytest.raises(OptionError, match="unknown Aer method"):
        AerBackend(method="mps")
    with pytest.raises(QmlTypeError, match="noise_model must be"):
        AerBackend(noise_model="depolarizing")
    with pytest.raises(OptionError, match="no state vector"):
        AerBackend(noise_model=noise_model()).statevector(circuit, [0.1, 0.2])
    with pytest.raises(OptionError, match="not exact"):
        AerBackend("statevector", noise_model=noise_model()).expectation(circuit, "ZZZ", [0, 0])
    with pytest.raises(OptionError, match="number of shots"):
        AerBackend().sample(circuit, params=[0.1, 0.2])
    with pytest.raises(ShapeError, match="cannot bind"):
        AerBackend().statevector(Circuit(1).rx(np.array([0.1, 0.2]), 0))
    with pytest.raises(qml.QmlError, match="no value for parameter"):
        AerBackend().statevector(circuit)
    with pytest.raises(IndexError, match="out of range"):
        AerBackend().probabilities(circuit, [3], [0.1, 0.2])
    with pytest.raises(ValueError, match="repeat a qubit"):
        AerBackend().probabilities(circuit, [1, 1], [0.1, 0.2])


def test_noise_on_a_gate_aer_must_replace_is_refused() -> None:
    # Aer's density_matrix method has no crx: run as a matrix, its noise would be lost
    model = NoiseModel().add_all_qubit_quantum_error(Depolarizing(0.1, 2), ["crx"])
    with pytest.raises(UnsupportedOperationError, match="crx"):
        AerBackend(noise_model=model).density_matrix(Circuit(2).h(0).crx(0.4, 0, 1))


# -- crosscheck --------------------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(circuits(max_qubits=4, max_gates=12))
def test_crosscheck_reports_zero_for_random_circuits(circuit: Circuit) -> None:
    report = crosscheck(circuit)
    assert isinstance(report, CrosscheckReport)
    assert report.max_difference < ATOL, str(report)
    assert report.agrees()


def test_crosscheck_of_a_noisy_batch() -> None:
    circuit = noisy_circuit()
    report = crosscheck(circuit, rows(3, circuit.num_parameters, seed=10), noise=noise_model())
    assert set(report.differences) == {"density_matrix", "probabilities", "expectation"}
    assert report.max_difference < ATOL, str(report)
    assert "largest difference" in str(report)
