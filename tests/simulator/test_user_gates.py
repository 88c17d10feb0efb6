"""A user's own gate: defined by its matrix alone, it runs on the compiled engine and
differentiates by the generator it declares (finite differences without one).

Oracles: qiskit's Statevector of the same circuit with the gate as a UnitaryGate, the
numpy backend (each gate's own ``apply``), and central finite differences.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.linalg import expm

import qml
from qml.gates import Gate, pauli_matrix
from qml.simulator import engine, lowering
from qml.simulator.program import compile_program
from tests.reference import statevector

#: A Hermitian generator with three distinct eigenvalues (1, 3 and -2.5: frequencies
#: 1, 2.75 and 1.75), so its shift rule is neither the two- nor the four-term one.
GENERATOR = np.diag([1.0, 3.0, -2.5, 1.0]).astype(complex)
GENERATOR = (lambda q: q @ GENERATOR @ q.conj().T)(
    np.linalg.qr(np.random.default_rng(0).normal(size=(4, 4)) + 1j)[0]
)


class Sqrt5X(Gate):
    """A fixed user gate: X**(1/5), given by its matrix only."""

    name, num_qubits = "sqrt5x", 1
    fixed_matrix = expm(-1j * np.pi / 10 * (pauli_matrix("X") - np.eye(2)))


class Twist(Gate):
    """A parameterized two-qubit user gate exp(-iθG/2), batched over θ, with no generator."""

    name, num_qubits, num_params = "twist", 2, 1

    def _matrix(self, theta: Any) -> np.ndarray:
        theta = np.asarray(theta, dtype=float)
        values, vectors = np.linalg.eigh(GENERATOR)
        phases = np.exp(-0.5j * theta[..., None] * values)
        return (vectors * phases[..., None, :]) @ vectors.conj().T


class KnownTwist(Twist):
    """The same gate, declaring its generator."""

    name = "known_twist"

    def generator(self) -> np.ndarray:
        return GENERATOR


def example(gate_cls: type[Gate]) -> qml.Circuit:
    x, w = qml.Parameter("x"), qml.Parameter("w")
    circuit = qml.Circuit(3).h(0).ry(x, 1).append(gate_cls(2 * w + 0.3), [1, 2])
    circuit.append(Sqrt5X(), [0]).cx(0, 2).append(gate_cls(x * w), [2, 0]).rz(w, 1)
    return circuit


def test_a_user_gate_lowers_to_compiled_ops_not_to_a_fallback():
    program = compile_program(example(Twist))
    kinds = set(program.ops[:, lowering.KIND])
    assert lowering.MATK in kinds  # Twist: a dense two-qubit op, numbers per call
    assert lowering.MAT1 in kinds  # Sqrt5X: a constant 2x2


@pytest.mark.parametrize("batch", [None, 4])
def test_user_gates_simulate_like_qiskit(batch):
    circuit = example(Twist)
    rng = np.random.default_rng(1)
    params = rng.uniform(-2, 2, (batch or 1, 2))
    states = qml.simulate(circuit, params if batch else params[0])
    for row, state in zip(params, np.atleast_2d(states), strict=True):
        bound = circuit.assign_parameters(row)
        np.testing.assert_allclose(state, statevector(bound.to_qiskit()), atol=1e-12)


def test_native_and_numpy_backends_agree_on_user_gates():
    circuit = example(Twist)
    params = np.random.default_rng(2).uniform(-2, 2, (5, 2))
    with engine.using_backend("numpy"):
        reference = qml.simulate(circuit, params)
    np.testing.assert_allclose(qml.simulate(circuit, params), reference, atol=1e-12)


def finite_differences(circuit: qml.Circuit, observable, params: np.ndarray) -> np.ndarray:
    step = 1e-6
    out = np.zeros(params.shape)
    for j in range(params.shape[-1]):
        shift = np.zeros(params.shape[-1])
        shift[j] = step
        up = qml.expectation(circuit, observable, params + shift)
        down = qml.expectation(circuit, observable, params - shift)
        out[..., j] = (up - down) / (2 * step)
    return out


@pytest.mark.parametrize("method", ["adjoint", "parameter-shift"])
@pytest.mark.parametrize("backend", engine.BACKENDS)
def test_a_user_gate_with_a_generator_differentiates_exactly(method, backend):
    circuit = example(KnownTwist)
    observable = 0.5 * qml.Pauli("ZXI") - qml.Pauli("IYY")
    params = np.random.default_rng(3).uniform(-2, 2, (3, 2))
    with engine.using_backend(backend):
        grads = qml.gradient(circuit, observable, params, method=method)
    np.testing.assert_allclose(grads, finite_differences(circuit, observable, params), atol=1e-7)


@pytest.mark.parametrize("method", ["adjoint", "parameter-shift"])
def test_a_user_gate_without_a_generator_is_refused_pointing_to_finite_differences(method):
    circuit = example(Twist)
    with pytest.raises(qml.QmlError, match=r"twist.*no generator.*finite-diff"):
        qml.gradient(circuit, "ZZZ", [0.1, 0.2], method=method)


def test_a_user_gate_without_a_generator_differentiates_by_finite_differences():
    circuit = example(Twist)
    params = np.array([0.4, -0.9])
    grads = qml.gradient(circuit, "ZZZ", params, method="finite-diff")
    np.testing.assert_allclose(grads, finite_differences(circuit, "ZZZ", params), atol=1e-8)


def test_a_user_gate_with_a_generator_has_its_spectrum_s_shift_rule():
    from qml.simulator.shift_rules import rule_for

    theta = 0.37
    rule = rule_for(GENERATOR)
    circuit = qml.Circuit(2).h(0).h(1)
    value = qml.Parameter("t")
    circuit.append(KnownTwist(value), [0, 1])

    def energy(angle: float) -> float:
        return qml.expectation(circuit, "XY", [angle])

    shifted = sum(c * energy(theta + s) for c, s in rule)
    assert shifted == pytest.approx((energy(theta + 1e-6) - energy(theta - 1e-6)) / 2e-6, abs=1e-7)


class PerSampleMatrix(Gate):
    """A gate that holds one matrix per sample, ``(B, 2, 2)`` (what a broadcast
    ``QubitUnitary`` of PennyLane becomes): no parameters, a batch of its own."""

    name, num_qubits = "per_sample", 1

    def __init__(self, matrices: np.ndarray) -> None:
        self._matrices = np.asarray(matrices, dtype=complex)
        self.params = ()

    @property
    def batch_size(self) -> int | None:
        return self._matrices.shape[0]

    def _matrix(self) -> np.ndarray:
        return self._matrices

    def with_params(self, *params: Any) -> Gate:
        return self


def test_a_gate_with_one_matrix_per_sample_runs_batched_on_the_engine():
    from scipy.stats import unitary_group

    matrices = np.stack([unitary_group.rvs(2, random_state=s) for s in range(3)])
    theta = qml.Parameter("t")
    circuit = qml.Circuit(2).ry(theta, 1).append(PerSampleMatrix(matrices), [0]).cx(0, 1)
    (op,) = [o for o in lowering.lower(PerSampleMatrix(matrices), [0])]
    assert (op.kind, op.source) == (lowering.MAT1, lowering.FROM_ROWS)
    params = np.array([[0.1], [0.2], [0.3]])
    states = qml.simulate(circuit, params)
    assert states.shape == (3, 4)
    for row, (matrix, angle) in enumerate(zip(matrices, params[:, 0], strict=True)):
        bound = qml.Circuit(2).ry(angle, 1).unitary(matrix, [0]).cx(0, 1)
        np.testing.assert_allclose(states[row], statevector(bound.to_qiskit()), atol=1e-12)
