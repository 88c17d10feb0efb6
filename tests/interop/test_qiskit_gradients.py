"""``AdjointEstimatorGradient``: qiskit-machine-learning's gradient interface on qml's adjoint.

Oracles: qiskit-ml's own ``ParamShiftEstimatorGradient`` on qiskit's reference
``StatevectorEstimator`` (exact), and ``EstimatorQNN``'s backward pass with it.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip(
    "qiskit_machine_learning", reason="qiskit-machine-learning is not installed (.[test] has it)"
)

from qiskit.circuit import Parameter
from qiskit.circuit.library import real_amplitudes, zz_feature_map
from qiskit.primitives import StatevectorEstimator
from qiskit.quantum_info import Pauli, SparsePauliOp
from qiskit_machine_learning.gradients import (
    DerivativeType,
    ParamShiftEstimatorGradient,
)
from qiskit_machine_learning.neural_networks import EstimatorQNN

import qml.interop.qiskit_gradients as gradients_module
from qml.errors import OptionError
from qml.interop.qiskit import AdjointEstimatorGradient, Estimator


def reference_gradients(circuits, observables, values, parameters=None):
    job = ParamShiftEstimatorGradient(StatevectorEstimator()).run(
        circuits, observables, values, parameters
    )
    return job.result().gradients


def test_gradients_equal_parameter_shift_on_the_reference(rng):
    qc = zz_feature_map(3).compose(real_amplitudes(3, reps=2))
    observables = [SparsePauliOp(["ZZI", "IXY"], [0.7, -0.4]), SparsePauliOp("IIZ")] * 3
    values = rng.uniform(-np.pi, np.pi, (6, qc.num_parameters))
    result = AdjointEstimatorGradient().run([qc] * 6, observables, values).result()
    expected = reference_gradients([qc] * 6, observables, values)
    for ours, reference in zip(result.gradients, expected, strict=True):
        np.testing.assert_allclose(ours, reference, atol=1e-9)
    assert result.metadata[0]["parameters"] == list(qc.parameters)


def test_gradients_of_requested_parameters_in_their_order(rng):
    qc = real_amplitudes(2, reps=2)
    wanted = [qc.parameters[4], qc.parameters[1]]
    values = rng.uniform(-1, 1, (2, qc.num_parameters))
    observables = [SparsePauliOp("ZX")] * 2
    ours = AdjointEstimatorGradient().run([qc] * 2, observables, values, [wanted] * 2).result()
    expected = reference_gradients([qc] * 2, observables, values, [wanted] * 2)
    np.testing.assert_allclose(ours.gradients, expected, atol=1e-9)


def test_polynomial_parameter_expressions_follow_the_chain_rule(rng):
    a, b = Parameter("a"), Parameter("b")
    template = real_amplitudes(2, reps=1)
    expressions = [2 * a + 1, a * b, b, -a]
    qc = template.assign_parameters(dict(zip(template.parameters, expressions, strict=True)))
    values = rng.uniform(-1, 1, (3, 2))
    observables = [Pauli("XZ"), SparsePauliOp("ZZ"), SparsePauliOp(["YY", "ZI"], [1, 2])]
    ours = AdjointEstimatorGradient().run([qc] * 3, observables, values).result()
    expected = reference_gradients([qc] * 3, observables, values)
    np.testing.assert_allclose(ours.gradients, expected, atol=1e-9)


def test_several_circuits_in_one_run(rng):
    first, second = real_amplitudes(2, reps=1), zz_feature_map(2)
    circuits = [first, second, first]
    values = [rng.uniform(-1, 1, c.num_parameters) for c in circuits]
    observables = [SparsePauliOp("ZZ"), SparsePauliOp("XI"), SparsePauliOp("IY")]
    ours = AdjointEstimatorGradient().run(circuits, observables, values).result().gradients
    expected = reference_gradients(circuits, observables, values)
    for a, b in zip(ours, expected, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-9)


@pytest.mark.parametrize("input_gradients", [False, True])
def test_estimator_qnn_forward_and_backward_equal_the_reference(rng, input_gradients):
    n = 3
    feature_map, ansatz = zz_feature_map(n), real_amplitudes(n, reps=2)
    qc = feature_map.compose(ansatz)
    observables = [SparsePauliOp("Z" * n), SparsePauliOp(["XII", "IZY"], [0.5, 1.5])]

    def network(estimator, gradient=None):
        return EstimatorQNN(
            circuit=qc, estimator=estimator, observables=observables, gradient=gradient,
            input_params=feature_map.parameters, weight_params=ansatz.parameters,
            input_gradients=input_gradients, default_precision=0.0,
        )  # fmt: skip

    x = rng.uniform(-1, 1, (8, n))
    w = rng.uniform(-1, 1, ansatz.num_parameters)
    ours = network(Estimator(), AdjointEstimatorGradient())
    reference = network(StatevectorEstimator())
    np.testing.assert_allclose(ours.forward(x, w), reference.forward(x, w), atol=1e-9)
    input_grad, weight_grad = ours.backward(x, w)
    ref_input, ref_weight = reference.backward(x, w)
    np.testing.assert_allclose(weight_grad, ref_weight, atol=1e-9)
    if input_gradients:
        np.testing.assert_allclose(input_grad, ref_input, atol=1e-9)
    else:
        assert input_grad is None and ref_input is None


def test_estimator_qnn_backward_is_one_batched_adjoint_call(monkeypatch, rng):
    calls = []
    original = gradients_module.gradient

    def counting(circuit, observables, params, **kwargs):
        calls.append(np.shape(params))
        return original(circuit, observables, params, **kwargs)

    monkeypatch.setattr(gradients_module, "gradient", counting)
    feature_map, ansatz = zz_feature_map(2), real_amplitudes(2, reps=1)
    network = EstimatorQNN(
        circuit=feature_map.compose(ansatz), estimator=Estimator(),
        observables=[SparsePauliOp("ZZ"), SparsePauliOp("XI")],
        gradient=AdjointEstimatorGradient(), input_params=feature_map.parameters,
        weight_params=ansatz.parameters,
    )  # fmt: skip
    network.backward(rng.uniform(-1, 1, (32, 2)), rng.uniform(-1, 1, ansatz.num_parameters))
    assert calls == [(32, 2 + ansatz.num_parameters)]  # 32 rows, 2 observables: one call


def test_only_real_derivatives_are_offered():
    with pytest.raises(OptionError, match="real derivatives"):
        AdjointEstimatorGradient(derivative_type=DerivativeType.COMPLEX)
