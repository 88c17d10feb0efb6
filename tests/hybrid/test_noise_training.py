"""Training under a noise model: exact gradients on the density matrix, and what they buy."""

from __future__ import annotations

import numpy as np
import pytest

from qml.hybrid import QuantumClassifier
from qml.hybrid.datasets import moons
from qml.hybrid.model import Architecture, HybridModel
from qml.noise import AmplitudeDamping, Depolarizing, NoiseModel, noise_from_spec


@pytest.mark.parametrize("features", ["pca", "dense", "layerwise"])
def test_noisy_loss_gradient_matches_central_differences(features, rng) -> None:
    arch = Architecture(2, 2, 3, "angle", "hardware_efficient", True, features)
    circuit = HybridModel(arch, 3).circuit
    noise = noise_from_spec("depolarizing=0.05,amplitude_damping=0.03", circuit)
    model = HybridModel(arch, 3, noise=noise)
    inputs = rng.normal(size=(4, 3)) if features != "pca" else rng.uniform(0, np.pi, (4, 2))
    targets = np.array([0, 1, 2, 1])
    vector = rng.normal(scale=0.7, size=model.size)
    loss, grad, _ = model.loss_and_gradient(vector, inputs, targets)
    step, numeric = 1e-5, np.empty(model.size)
    for i in range(model.size):
        shift = np.zeros(model.size)
        shift[i] = step
        numeric[i] = (model.loss(vector + shift, inputs, targets)[0]
                      - model.loss(vector - shift, inputs, targets)[0]) / (2 * step)  # fmt: skip
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7)
    # and the noise is really there: the noiseless model's loss differs
    assert abs(loss - HybridModel(arch, 3).loss(vector, inputs, targets)[0]) > 1e-3


def test_a_noise_model_object_and_its_spec_train_the_same(rng) -> None:
    X, y = moons(40, noise=0.1, random_state=0)
    options = dict(n_qubits=2, n_layers=1, epochs=2, random_state=0)
    by_spec = QuantumClassifier(noise="depolarizing=0.05", **options).fit(X, y)
    model = (NoiseModel().add_all_qubit_quantum_error(Depolarizing(0.05), ["ry", "rz"])
             .add_all_qubit_quantum_error(Depolarizing(0.05, 2), ["cx"]))  # fmt: skip
    by_object = QuantumClassifier(noise=model, **options).fit(X, y)
    np.testing.assert_allclose(by_spec.params_, by_object.params_, atol=1e-10)


def test_training_under_noise_scores_no_worse_under_that_noise() -> None:
    # a deep circuit (8 re-uploading layers) and unbalanced classes: depolarizing shrinks
    # every <Z_i>, which moves the noiselessly trained head's boundary; training under the
    # noise fits the head to the shrunk read-out
    spec = "depolarizing=0.02"
    X, y = moons(200, noise=0.15, random_state=0)
    X_test, y_test = moons(300, noise=0.15, random_state=1)
    X, y = X[(y == 0) | (np.arange(200) % 3 == 0)], y[(y == 0) | (np.arange(200) % 3 == 0)]
    rare = (y_test == 0) | (np.arange(300) % 3 == 0)
    X_test, y_test = X_test[rare], y_test[rare]
    options = dict(n_qubits=2, n_layers=8, epochs=20, random_state=0)
    clean = QuantumClassifier(**options).fit(X, y)
    noisy = QuantumClassifier(noise=spec, **options).fit(X, y)
    under_noise = clean.score(X_test, y_test, noise=spec)
    assert noisy.score(X_test, y_test) >= under_noise
    assert noisy.score(X_test, y_test, noise=spec) == noisy.score(X_test, y_test)


def test_a_model_trained_under_a_spec_saves_and_loads_it(tmp_path) -> None:
    X, y = moons(30, noise=0.1, random_state=0)
    clf = QuantumClassifier(n_qubits=2, n_layers=1, epochs=1, noise="amplitude_damping=0.1",
                            random_state=0).fit(X, y)  # fmt: skip
    clf.save(tmp_path / "m.json")
    loaded = QuantumClassifier.load(tmp_path / "m.json")
    assert loaded.noise == "amplitude_damping=0.1"
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), atol=1e-12)
    object_model = NoiseModel().add_all_qubit_quantum_error(AmplitudeDamping(0.1), ["ry"])
    clf.set_params(noise=object_model)
    clf.save(tmp_path / "o.json")  # a NoiseModel object is not data: stored as None
    assert QuantumClassifier.load(tmp_path / "o.json").noise is None
