"""ReadoutError: validation, and its effect on probabilities against qiskit-aer's counts."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit_aer import AerSimulator
from qiskit_aer.noise import ReadoutError as AerReadoutError

from qml.circuits import Circuit
from qml.errors import NoiseError, QmlError, QmlTypeError, ShapeError
from qml.noise import Depolarizing, NoiseModel, ReadoutError
from qml.simulator.density import probabilities_from_density, simulate_density


def test_readout_error_holds_aer_layout() -> None:
    error = ReadoutError([[0.98, 0.02], [0.05, 0.95]])
    np.testing.assert_array_equal(error.probabilities, [[0.98, 0.02], [0.05, 0.95]])
    aer = error.to_qiskit()
    assert isinstance(aer, AerReadoutError)
    np.testing.assert_array_equal(aer.probabilities, error.probabilities)
    assert not error.is_ideal()
    assert ReadoutError(np.eye(2)).is_ideal()
    assert eval(repr(error), {"ReadoutError": ReadoutError}) == error


@pytest.mark.parametrize(
    ("matrix", "error", "message"),
    [
        ([[0.9, 0.2], [0.1, 0.9]], NoiseError, "rows sum to"),
        ([[1.1, -0.1], [0.0, 1.0]], NoiseError, "between 0 and 1"),
        ([[np.nan, 1.0], [0.0, 1.0]], NoiseError, "between 0 and 1"),
        ([0.9, 0.1], ShapeError, "2 x 2"),
        (np.eye(4), ShapeError, "one-qubit readout errors only"),
        ("bad", QmlTypeError, "real 2 x 2"),
    ],
)
def test_readout_error_validation(matrix: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        ReadoutError(matrix)
    with pytest.raises(QmlError):
        ReadoutError(matrix)


def test_readout_probabilities_match_aer_counts() -> None:
    """Aer applies readout errors to sampled counts only: compare frequencies (5 sigma)."""
    circuit = Circuit(3).h(0).cx(0, 1).ry(1.2, 2).rx(0.4, 1)
    model = NoiseModel().add_all_qubit_quantum_error(Depolarizing(0.1, 2), ["cx"])
    model.add_all_qubit_readout_error([[0.9, 0.1], [0.2, 0.8]])
    model.add_readout_error([[0.7, 0.3], [0.05, 0.95]], [2])
    probs = probabilities_from_density(simulate_density(circuit, noise=model), noise=model)

    qc = circuit.to_qiskit()
    qc.measure_all()
    shots = 200_000
    sim = AerSimulator(method="density_matrix", noise_model=model.to_qiskit())
    counts = sim.run(qc, shots=shots, seed_simulator=7).result().get_counts()
    frequencies = np.zeros(8)
    for bits, count in counts.items():
        frequencies[int(bits, 2)] = count / shots
    sigma = np.sqrt(probs * (1 - probs) / shots)
    assert np.all(np.abs(frequencies - probs) <= 5 * sigma + 1e-4)
    # without the readout errors the two differ by far more than that
    bare = probabilities_from_density(simulate_density(circuit, noise=model))
    assert np.abs(frequencies - bare).max() > 0.02
