"""qiskit-machine-learning and qiskit-algorithms running on qml's primitives.

Each test runs the library twice, once on ``qml.interop.qiskit``'s primitives and
once on qiskit's reference ``StatevectorSampler`` / ``StatevectorEstimator`` with
the same seed, and asks for the same results to 1e-9 (qml reproduces the
reference's shots, so sampled results agree too). Skipped, saying so, where a
library is not installed.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip(
    "qiskit_machine_learning", reason="qiskit-machine-learning is not installed (.[test] has it)"
)

from qiskit.circuit.library import real_amplitudes, zz_feature_map
from qiskit.primitives import StatevectorEstimator, StatevectorSampler
from qiskit.quantum_info import SparsePauliOp
from qiskit_machine_learning.algorithms import VQC
from qiskit_machine_learning.kernels import FidelityQuantumKernel
from qiskit_machine_learning.neural_networks import SamplerQNN
from qiskit_machine_learning.optimizers import COBYLA
from qiskit_machine_learning.state_fidelities import ComputeUncompute

from qml.interop.qiskit import Estimator, Sampler


def test_sampler_qnn_forward_and_backward_equal_the_reference(rng):
    feature_map, ansatz = zz_feature_map(2), real_amplitudes(2, reps=1)
    qc = feature_map.compose(ansatz)
    qc.measure_all()

    def network(sampler):
        return SamplerQNN(circuit=qc, sampler=sampler, input_params=feature_map.parameters,
                          weight_params=ansatz.parameters)  # fmt: skip

    x, w = rng.uniform(-1, 1, (6, 2)), rng.uniform(-1, 1, ansatz.num_parameters)
    ours, reference = network(Sampler(seed=3)), network(StatevectorSampler(seed=3))
    np.testing.assert_allclose(ours.forward(x, w), reference.forward(x, w), atol=1e-9)
    np.testing.assert_allclose(ours.backward(x, w)[1], reference.backward(x, w)[1], atol=1e-9)


def test_vqc_fits_the_same_model_as_on_the_reference(rng):
    x = rng.uniform(-1, 1, (12, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(int)

    def fit(sampler):
        return VQC(
            feature_map=zz_feature_map(2), ansatz=real_amplitudes(2, reps=1),
            optimizer=COBYLA(maxiter=12), sampler=sampler, initial_point=np.full(4, 0.1),
        ).fit(x, y)  # fmt: skip

    ours, reference = fit(Sampler(seed=5)), fit(StatevectorSampler(seed=5))
    np.testing.assert_allclose(ours.weights, reference.weights, atol=1e-9)
    np.testing.assert_array_equal(ours.predict(x), reference.predict(x))


def test_fidelity_quantum_kernel_equals_the_reference(rng):
    x, z = rng.uniform(-1, 1, (5, 3)), rng.uniform(-1, 1, (3, 3))

    def kernel(sampler):
        fidelity = ComputeUncompute(sampler=sampler)
        return FidelityQuantumKernel(feature_map=zz_feature_map(3), fidelity=fidelity)

    ours, reference = kernel(Sampler(seed=1)), kernel(StatevectorSampler(seed=1))
    np.testing.assert_allclose(ours.evaluate(x), reference.evaluate(x), atol=1e-9)
    np.testing.assert_allclose(ours.evaluate(x, z), reference.evaluate(x, z), atol=1e-9)


def test_vqe_finds_the_reference_s_minimum():
    algorithms = pytest.importorskip(
        "qiskit_algorithms", reason="qiskit-algorithms is not installed (pip install .[test])"
    )
    from qiskit_algorithms.optimizers import COBYLA as AlgorithmsCOBYLA

    hamiltonian = SparsePauliOp(["ZZ", "XI", "IX"], [1.0, 0.5, 0.5])

    def minimum(estimator):
        vqe = algorithms.VQE(estimator, real_amplitudes(2, reps=2), AlgorithmsCOBYLA(maxiter=50),
                             initial_point=np.full(6, 0.1))  # fmt: skip
        return vqe.compute_minimum_eigenvalue(hamiltonian)

    ours, reference = minimum(Estimator()), minimum(StatevectorEstimator())
    assert ours.eigenvalue == pytest.approx(reference.eigenvalue, abs=1e-9)
    np.testing.assert_allclose(ours.optimal_point, reference.optimal_point, atol=1e-9)
