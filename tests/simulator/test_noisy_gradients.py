"""Gradients and vjps under noise: ``Tr(rho O)`` differentiated by parameter shift.

Oracle: finite differences (five-point stencil) of expectation values computed with
qiskit's ``DensityMatrix``, evolved gate by gate through qiskit's own gate classes and
the noise model's channels as ``qiskit.quantum_info.Kraus``: an independent density
simulation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit.quantum_info import DensityMatrix, Kraus, Operator, SparsePauliOp

import qml
from qml.noise import AmplitudeDamping, Depolarizing, NoiseModel, PhaseDamping
from tests.variational import (
    STENCIL,
    STEP,
    Spec,
    pauli_terms,
    qiskit_observable,
    qml_observable,
    specs,
)


def noise_model() -> NoiseModel:
    """Different channels on one- and two-qubit rotations and on fixed gates."""
    model = NoiseModel()
    model.add_all_qubit_quantum_error(AmplitudeDamping(0.1), ["rx", "ry", "rz", "p", "u", "h"])
    model.add_all_qubit_quantum_error(Depolarizing(0.05), ["rx", "sx"])
    two = Depolarizing(0.08, 2)
    model.add_all_qubit_quantum_error(two, ["cx", "crx", "cry", "crz", "cp", "cu", "rzz"])
    model.add_all_qubit_quantum_error(PhaseDamping(0.2).tensor(PhaseDamping(0.1)), ["rxx", "ryy"])
    return model


def qiskit_noisy_expectations(
    spec: Spec, values: Mapping[str, float], model: NoiseModel, observables: Sequence
) -> np.ndarray:
    """``Tr(rho O_k)`` from qiskit's DensityMatrix with the model's channels as Kraus maps."""
    qc = spec.qiskit_circuit(values)
    rho = DensityMatrix.from_label("0" * spec.num_qubits)
    for inst in qc.data:
        qubits = [qc.find_bit(q).index for q in inst.qubits]
        rho = rho.evolve(Operator(inst.operation), qubits)
        for channel in model.channels_after(inst.operation.name, tuple(qubits)):
            rho = rho.evolve(Kraus(list(channel.kraus())), qubits)
    return np.array([rho.expectation_value(op).real for op in observables])


def qiskit_noisy_jacobian(
    spec: Spec, names: Sequence[str], rows: np.ndarray, model: NoiseModel, observables: Sequence
) -> np.ndarray:
    out = np.zeros((rows.shape[0], len(observables), len(names)))
    for b, row in enumerate(rows):
        for j, name in enumerate(names):
            for k, weight in STENCIL:
                values = dict(zip(names, row, strict=True))
                values[name] += k * STEP
                out[b, :, j] += (
                    weight * qiskit_noisy_expectations(spec, values, model, observables) / STEP
                )
    return out


@settings(max_examples=12, deadline=None)
@given(
    spec=specs(max_qubits=3, max_gates=6, names=("a", "b")),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_noisy_parameter_shift_matches_qiskit_density_finite_differences(spec, seed, data):
    circuit = spec.qml_circuit()
    names = [p.name for p in circuit.parameters]
    rows = np.random.default_rng(seed).uniform(-np.pi, np.pi, (2, len(names)))
    terms = [data.draw(pauli_terms(spec.num_qubits)) for _ in range(2)]
    model = noise_model()
    got = qml.gradient(circuit, [qml_observable(t) for t in terms], rows, noise=model)
    want = qiskit_noisy_jacobian(spec, names, rows, model, [qiskit_observable(t) for t in terms])
    np.testing.assert_allclose(got, want, atol=1e-7)


def example() -> tuple[qml.Circuit, NoiseModel]:
    x, w = qml.ParameterVector("x", 2), qml.ParameterVector("w", 3)
    circuit = qml.Circuit(2).ry(x[0], 0).ry(x[1], 1).cx(0, 1).rx(2 * w[0] + 1, 0)
    circuit.crz(w[1], 0, 1).rzz(w[2] * x[0], 0, 1).u(w[0], w[1], 0.3, 1)
    return circuit, noise_model()


def test_noise_changes_the_gradient():
    circuit, model = example()
    params = np.linspace(-1, 1, circuit.num_parameters)
    noisy = qml.gradient(circuit, "ZZ", params, noise=model)
    pure = qml.gradient(circuit, "ZZ", params)
    assert np.abs(noisy - pure).max() > 1e-3


def test_noisy_finite_differences_agree_with_noisy_parameter_shift():
    circuit, model = example()
    params = np.random.default_rng(1).uniform(-2, 2, (3, circuit.num_parameters))
    shift = qml.gradient(circuit, ["ZI", "XX"], params, noise=model)
    fd = qml.gradient(circuit, ["ZI", "XX"], params, noise=model, method="finite-diff")
    assert shift.shape == fd.shape == (3, 2, circuit.num_parameters)
    np.testing.assert_allclose(shift, fd, atol=1e-6)


def test_noisy_vjp_values_are_the_noisy_expectations_and_pull_back_the_jacobian():
    circuit, model = example()
    params = np.random.default_rng(2).uniform(-2, 2, (4, circuit.num_parameters))
    observables = ["ZI", "IZ", "YY"]
    values, pullback = qml.vjp(circuit, observables, params, noise=model)
    np.testing.assert_allclose(
        values, qml.expectation(circuit, observables, params, noise=model), atol=1e-12
    )
    weights = np.random.default_rng(3).normal(size=values.shape)
    jacobian = qml.gradient(circuit, observables, params, noise=model)
    np.testing.assert_allclose(
        pullback(weights), np.einsum("bk,bkp->bp", weights, jacobian), atol=1e-12
    )


def test_noisy_parameter_shift_from_shots_is_close_to_exact():
    circuit, model = example()
    params = np.linspace(-1, 1, circuit.num_parameters)
    exact = qml.gradient(circuit, "ZZ", params, noise=model)
    sampled = qml.gradient(circuit, "ZZ", params, noise=model, shots=20000, seed=4)
    # each term is a difference of estimates with standard error <= 1/sqrt(shots)
    assert np.abs(sampled - exact).max() < 0.05


def test_the_adjoint_method_under_noise_is_a_qml_error_suggesting_parameter_shift():
    circuit, model = example()
    with pytest.raises(qml.QmlError, match=r"adjoint.*noise.*parameter-shift"):
        qml.gradient(circuit, "ZZ", np.zeros(circuit.num_parameters), method="adjoint", noise=model)


def test_a_noise_model_of_the_wrong_type_is_a_qml_error():
    circuit, _ = example()
    with pytest.raises(qml.QmlError, match="NoiseModel"):
        qml.gradient(circuit, "ZZ", np.zeros(circuit.num_parameters), noise="depolarizing")


def test_noiseless_density_gradient_equals_the_state_vector_gradient():
    circuit, _ = example()
    params = np.random.default_rng(5).uniform(-2, 2, (2, circuit.num_parameters))
    empty = NoiseModel()
    observable = SparsePauliOp(["XZ", "YI"], [0.5, -1.0])
    np.testing.assert_allclose(
        qml.gradient(circuit, observable, params, noise=empty),
        qml.gradient(circuit, observable, params),
        atol=1e-12,
    )
