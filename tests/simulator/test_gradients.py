"""Gradients and vector-Jacobian products against finite differences of qiskit.

The oracle is independent of qml: each circuit is also built directly from qiskit's
gate classes (``tests/variational.py``), its expectation values come from
``Statevector.expectation_value``, and derivatives from a five-point stencil on those.
Every method runs on both backends, over every rotation gate, with parameters shared
between gates and used inside expressions (``2*a + 1``, ``a*b``, ``a**2``).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit import QuantumCircuit
from qiskit.circuit.library import CXGate, RYGate, RZGate
from qiskit.quantum_info import SparsePauliOp, Statevector

import qml
from qml.simulator import engine
from qml.simulator.gradients import ExpectationFunction
from tests.strategies import PROPERTY_SETTINGS
from tests.variational import (
    ROTATIONS,
    Angle,
    Op,
    Spec,
    pauli_terms,
    qiskit_expectations,
    qiskit_jacobian,
    qiskit_observable,
    qml_observable,
    row_values,
    specs,
)

BACKENDS = engine.BACKENDS
METHODS = ("adjoint", "parameter-shift", "finite-diff")
#: Exact methods against the five-point stencil (whose own error is about 1e-10).
EXACT_TOLERANCE = 1e-7
#: qml's central differences (step 1e-6) carry about 1e-10 / 1e-6 of rounding error.
FINITE_DIFF_TOLERANCE = 1e-6
#: Each hypothesis example runs a few dozen qiskit simulations for the oracle.
GRADIENT_SETTINGS = settings(PROPERTY_SETTINGS, max_examples=40)


def tolerance(method: str) -> float:
    return FINITE_DIFF_TOLERANCE if method == "finite-diff" else EXACT_TOLERANCE


def random_rows(circuit: qml.Circuit, batch: int | None, seed: int) -> np.ndarray:
    """Parameter values in [-2, 2]: shape ``(n_params,)``, or ``(batch, n_params)``."""
    rng = np.random.default_rng(seed)
    shape = (circuit.num_parameters,) if batch is None else (batch, circuit.num_parameters)
    return rng.uniform(-2, 2, shape)


def oracle_jacobian(spec: Spec, circuit: qml.Circuit, params: np.ndarray, terms) -> np.ndarray:
    """qiskit finite differences, ``(B, K, P)``, for ``params`` of either shape."""
    names = [p.name for p in circuit.parameters]
    return qiskit_jacobian(
        spec, names, np.atleast_2d(params), [qiskit_observable(t) for t in terms]
    )


# -- against finite differences of qiskit ---------------------------------------------------------


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("method", METHODS)
@GRADIENT_SETTINGS
@given(specs(), st.sampled_from([None, 1, 3]), st.integers(0, 2**32 - 1), st.data())
def test_gradient_matches_qiskit_finite_differences(method, name, spec, batch, seed, data):
    circuit = spec.qml_circuit()
    terms = data.draw(pauli_terms(circuit.num_qubits))
    params = random_rows(circuit, batch, seed)
    with engine.using_backend(name):
        grads = qml.gradient(circuit, qml_observable(terms), params, method=method)
    expected = oracle_jacobian(spec, circuit, params, [terms])[:, 0]
    assert grads.shape == params.shape
    np.testing.assert_allclose(np.atleast_2d(grads), expected, rtol=0, atol=tolerance(method))


@pytest.mark.parametrize("method", METHODS)
@GRADIENT_SETTINGS
@given(specs(max_qubits=3), st.sampled_from([None, 2]), st.integers(0, 2**32 - 1), st.data())
def test_gradient_of_an_observable_list_matches_qiskit(method, spec, batch, seed, data):
    circuit = spec.qml_circuit()
    terms = data.draw(st.lists(pauli_terms(circuit.num_qubits), min_size=1, max_size=3))
    params = random_rows(circuit, batch, seed)
    grads = qml.gradient(circuit, [qml_observable(t) for t in terms], params, method=method)
    expected = oracle_jacobian(spec, circuit, params, terms)
    if batch is None:
        assert grads.shape == (len(terms), circuit.num_parameters)
        expected = expected[0]
    else:
        assert grads.shape == (batch, len(terms), circuit.num_parameters)
    np.testing.assert_allclose(grads, expected, rtol=0, atol=tolerance(method))


def single_gate_spec(gate: str) -> Spec:
    """``gate`` between fixed gates on 3 qubits, each angle a different expression of a, b.

    a is shared: it also drives an RY before the gate, so its column sums two gates.
    """
    arity = qml.gates.STANDARD_GATES[gate].num_qubits
    expressions = ["2*a + 1", "a*b", "a**2", "0.5*a*b - a + 0.3"]
    count = qml.gates.STANDARD_GATES[gate].num_params
    gate_angles = tuple(Angle(kind, "a", "b") for kind in expressions[:count])
    return Spec(
        3,
        [
            Op("h", (0,)),
            Op("sx", (1,)),
            Op("ry", (2,), (Angle("a", "a", "a"),)),
            Op("cx", (0, 2)),
            Op("t", (1,)),
            Op(gate, (2, 0, 1)[:arity], gate_angles),
            Op("ecr", (1, 2)),
            Op("rx", (0,), (Angle("-a", "b", "b"),)),
        ],
    )


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("gate", ROTATIONS)
def test_every_rotation_gate_differentiates_like_qiskit(gate, method, name):
    spec = single_gate_spec(gate)
    circuit = spec.qml_circuit()
    terms = [(0.7, "ZXY"), (-1.3, "YIZ"), (0.4, "IXX")]
    params = np.array([[0.37, -1.21], [1.9, 0.6]])
    with engine.using_backend(name):
        grads = qml.gradient(circuit, qml_observable(terms), params, method=method)
    expected = oracle_jacobian(spec, circuit, params, [terms])[:, 0]
    np.testing.assert_allclose(grads, expected, rtol=0, atol=tolerance(method))


def test_shared_parameters_and_expressions_differentiate_like_qiskit():
    # x in five gates (plain, 2x+1, x*y, x**2, and in U), y in three
    spec = Spec(
        2,
        [
            Op("rx", (0,), (Angle("a", "x", "x"),)),
            Op("ry", (1,), (Angle("2*a + 1", "x", "x"),)),
            Op("crz", (0, 1), (Angle("a*b", "x", "y"),)),
            Op("u", (1,), (Angle("a**2", "x", "x"), Angle("a", "y", "y"), Angle("-a", "x", "x"))),
            Op("rzz", (0, 1), (Angle("a - 0.5*b", "y", "x"),)),
        ],
    )
    circuit = spec.qml_circuit()
    assert [p.name for p in circuit.parameters] == ["x", "y"]
    terms = [(1.0, "XY"), (0.5, "ZZ")]
    expected = oracle_jacobian(spec, circuit, np.array([0.8, -0.45]), [terms])[0, 0]
    for method in METHODS:
        grads = qml.gradient(circuit, qml_observable(terms), [0.8, -0.45], method=method)
        np.testing.assert_allclose(grads, expected, rtol=0, atol=tolerance(method))


@pytest.mark.parametrize("name", BACKENDS)
@GRADIENT_SETTINGS
@given(specs(max_qubits=4, max_gates=10), st.sampled_from([None, 4]), st.integers(0, 2**32 - 1),
       st.data())  # fmt: skip
def test_adjoint_and_parameter_shift_agree_to_1e_8(name, spec, batch, seed, data):
    circuit = spec.qml_circuit()
    observable = qml_observable(data.draw(pauli_terms(circuit.num_qubits)))
    params = random_rows(circuit, batch, seed)
    with engine.using_backend(name):
        adjoint = qml.gradient(circuit, observable, params, method="adjoint")
        shift = qml.gradient(circuit, observable, params, method="parameter-shift")
    np.testing.assert_allclose(adjoint, shift, rtol=0, atol=1e-8)


def classifier(
    num_qubits: int, layers: int
) -> tuple[qml.Circuit, qml.ParameterVector, qml.ParameterVector]:
    """RY(x_i) encoding of data, then layers of RY(w), RZ(w) and a CX ring."""
    x = qml.ParameterVector("x", num_qubits)
    w = qml.ParameterVector("w", 2 * num_qubits * layers)
    circuit = qml.Circuit(num_qubits)
    for q in range(num_qubits):
        circuit.ry(x[q], q)
    for layer in range(layers):
        for q in range(num_qubits):
            circuit.ry(w[2 * num_qubits * layer + q], q)
            circuit.rz(w[2 * num_qubits * layer + num_qubits + q], q)
        for q in range(num_qubits):
            circuit.cx(q, (q + 1) % num_qubits)
    return circuit, x, w


def qiskit_classifier(num_qubits: int, layers: int, x: np.ndarray, w: np.ndarray) -> QuantumCircuit:
    qc = QuantumCircuit(num_qubits)
    for q in range(num_qubits):
        qc.append(RYGate(x[q]), [q])
    for layer in range(layers):
        for q in range(num_qubits):
            qc.append(RYGate(w[2 * num_qubits * layer + q]), [q])
            qc.append(RZGate(w[2 * num_qubits * layer + num_qubits + q]), [q])
        for q in range(num_qubits):
            qc.append(CXGate(), [q, (q + 1) % num_qubits])
    return qc


@pytest.mark.parametrize("method", ["adjoint", "parameter-shift"])
def test_gradient_with_respect_to_data_inputs_matches_qiskit(method):
    n, layers, batch = 3, 2, 4
    circuit, x, w = classifier(n, layers)
    rng = np.random.default_rng(5)
    features = rng.uniform(-np.pi, np.pi, (batch, n))
    weights = rng.uniform(-np.pi, np.pi, 2 * n * layers)
    params = {x: features, w: weights}
    observable = SparsePauliOp(["IIZ", "ZXI"], [1.0, 0.5])
    grads = qml.gradient(circuit, observable, params, method=method)
    assert grads.shape == (batch, n + 2 * n * layers)

    def energy(xs, ws):
        return Statevector(qiskit_classifier(n, layers, xs, ws)).expectation_value(observable).real

    step = 1e-5
    for b in range(batch):
        for i in range(n):  # data inputs: the first n columns, in circuit.parameters order
            up, down = features[b].copy(), features[b].copy()
            up[i] += step
            down[i] -= step
            expected = (energy(up, weights) - energy(down, weights)) / (2 * step)
            assert grads[b, i] == pytest.approx(expected, abs=1e-7)
        for k in range(weights.size):  # shared weights, differentiated at each sample's x
            up, down = weights.copy(), weights.copy()
            up[k] += step
            down[k] -= step
            expected = (energy(features[b], up) - energy(features[b], down)) / (2 * step)
            assert grads[b, circuit.parameters.index(w[k])] == pytest.approx(expected, abs=1e-7)


def test_gradient_columns_follow_circuit_parameters_order():
    z, a = qml.Parameter("z"), qml.Parameter("a")
    circuit = qml.Circuit(1).rx(z, 0).ry(3 * a, 0)
    assert circuit.parameters == (z, a)
    grads = qml.gradient(circuit, "Z", [0.4, 0.0])
    # <Z> = cos(z) cos(3a) - ... at a = 0: d/dz = -sin(z), d/da = 0 (a stationary point)
    np.testing.assert_allclose(grads, [-np.sin(0.4), 0.0], atol=1e-12)


def test_a_parameter_only_in_the_global_phase_has_zero_gradient():
    theta, phi = qml.Parameter("theta"), qml.Parameter("phi")
    circuit = qml.Circuit(1, global_phase=2 * phi).ry(theta, 0)
    assert circuit.parameters == (theta, phi)
    for method in METHODS:
        grads = qml.gradient(circuit, "Z", [0.3, 1.1], method=method)
        np.testing.assert_allclose(grads, [-np.sin(0.3), 0.0], atol=1e-9)


@pytest.mark.parametrize(
    ("batch", "as_list", "shape"),
    [(None, False, (6,)), (3, False, (3, 6)), (None, True, (2, 6)), (3, True, (3, 2, 6))],
)
@pytest.mark.parametrize("method", METHODS)
def test_gradient_shapes(method, batch, as_list, shape):
    circuit, _, _ = classifier(2, 1)  # 2 inputs + 4 weights
    params = random_rows(circuit, batch, 0)
    observable = ["ZI", "XX"] if as_list else "ZZ"
    assert qml.gradient(circuit, observable, params, method=method).shape == shape


# -- with shots ----------------------------------------------------------------------------------


def test_parameter_shift_with_shots_is_close_to_exact():
    spec = Spec(
        3,
        [
            Op("h", (0,)),
            Op("ry", (1,), (Angle("a", "a", "a"),)),
            Op("crx", (0, 2), (Angle("a", "b", "b"),)),
            Op("rzz", (1, 2), (Angle("a", "c", "c"),)),
            Op("cp", (2, 0), (Angle("a", "a", "a"),)),
            Op("sx", (2,)),
        ],
    )
    circuit = spec.qml_circuit()
    terms = [(1.0, "ZIZ"), (-0.5, "IXI"), (0.8, "YYI")]
    params = np.array([0.7, -1.1, 0.4])
    shots = 40_000
    grads = qml.gradient(circuit, qml_observable(terms), params, method="parameter-shift",
                         shots=shots, seed=2024)  # fmt: skip
    exact = oracle_jacobian(spec, circuit, params, [terms])[0, 0]
    # Each shifted energy is a shot estimate with standard error <= sum|c| / sqrt(shots)
    # (terms may share samples, so the triangle inequality, not independence); a gradient
    # entry sums sum|rule coefficient| <= 1.2 such estimates per gate using the parameter
    # (a appears in two gates). Six such errors: false failures below 1e-8.
    sigma = sum(abs(c) for c, _ in terms) / np.sqrt(shots)
    np.testing.assert_allclose(grads, exact, rtol=0, atol=6 * 2 * 1.2 * sigma)
    assert not np.allclose(grads, exact, atol=1e-9)  # it really is an estimate


def test_parameter_shift_with_shots_is_reproducible_with_a_seed():
    circuit = qml.Circuit(2).rx(qml.Parameter("t"), 0).cry(qml.Parameter("u"), 0, 1)
    first = qml.gradient(circuit, "ZZ", [0.3, 0.9], method="parameter-shift", shots=500, seed=9)
    again = qml.gradient(circuit, "ZZ", [0.3, 0.9], method="parameter-shift", shots=500, seed=9)
    np.testing.assert_array_equal(first, again)


# -- vector-Jacobian products ---------------------------------------------------------------------


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("method", ["adjoint", "parameter-shift"])
@GRADIENT_SETTINGS
@given(specs(max_qubits=3, max_gates=6), st.sampled_from([None, 3]), st.booleans(),
       st.integers(0, 2**32 - 1), st.data())  # fmt: skip
def test_vjp_equals_grad_outputs_times_the_qiskit_jacobian(
    method, name, spec, batch, as_list, seed, data
):
    circuit = spec.qml_circuit()
    count = data.draw(st.integers(1, 3)) if as_list else 1
    terms = [data.draw(pauli_terms(circuit.num_qubits)) for _ in range(count)]
    observables = [qml_observable(t) for t in terms] if as_list else qml_observable(terms[0])
    params = random_rows(circuit, batch, seed)
    with engine.using_backend(name):
        values, pullback = qml.vjp(circuit, observables, params, method=method)
        rng = np.random.default_rng(seed)
        grad_outputs = rng.normal(size=np.shape(values))
        pulled = pullback(grad_outputs)
    rows = np.atleast_2d(params)
    operators = [qiskit_observable(t) for t in terms]
    expected_values = np.array(
        [qiskit_expectations(spec, row_values(circuit, row), operators) for row in rows]
    )
    jacobian = oracle_jacobian(spec, circuit, params, terms)  # (B, K, P)
    weights = np.reshape(grad_outputs, (rows.shape[0], count))
    expected = np.einsum("bk,bkp->bp", weights, jacobian)
    np.testing.assert_allclose(np.reshape(values, (-1, count)), expected_values, atol=1e-10)
    assert pulled.shape == params.shape
    np.testing.assert_allclose(np.atleast_2d(pulled), expected, rtol=0, atol=EXACT_TOLERANCE)


@pytest.mark.parametrize("name", BACKENDS)
@GRADIENT_SETTINGS
@given(specs(max_qubits=3, max_gates=6), st.integers(0, 2**32 - 1), st.data())
def test_expectation_function_values_and_vjp_match_qiskit(name, spec, seed, data):
    # the compiled function a training loop calls: params (B, P) -> (B, K), and its vjp
    circuit = spec.qml_circuit()
    terms = [data.draw(pauli_terms(circuit.num_qubits)) for _ in range(2)]
    params = random_rows(circuit, 3, seed)
    with engine.using_backend(name):
        function = ExpectationFunction(circuit, [qml_observable(t) for t in terms])
        values = function(params)
        again, pullback = function.vjp(params)
        grad_outputs = np.random.default_rng(seed).normal(size=values.shape)
        pulled = pullback(grad_outputs)
    operators = [qiskit_observable(t) for t in terms]
    expected = [qiskit_expectations(spec, row_values(circuit, row), operators) for row in params]
    np.testing.assert_allclose(values, expected, rtol=0, atol=1e-10)
    np.testing.assert_allclose(again, expected, rtol=0, atol=1e-10)
    jacobian = oracle_jacobian(spec, circuit, params, terms)
    np.testing.assert_allclose(
        pulled, np.einsum("bk,bkp->bp", grad_outputs, jacobian), rtol=0, atol=EXACT_TOLERANCE
    )


def test_vjp_pullback_can_be_called_again():
    circuit, _, _ = classifier(2, 1)
    params = random_rows(circuit, 2, 1)
    values, pullback = qml.vjp(circuit, ["ZI", "IZ"], params)
    first = pullback(np.ones_like(values))
    np.testing.assert_array_equal(pullback(np.ones_like(values)), first)
    np.testing.assert_allclose(
        first, qml.gradient(circuit, ["ZI", "IZ"], params, method="finite-diff").sum(axis=1),
        atol=FINITE_DIFF_TOLERANCE,
    )  # fmt: skip


# -- errors ----------------------------------------------------------------------------------------


def small_circuit() -> qml.Circuit:
    return qml.Circuit(2).rx(qml.Parameter("t"), 0).cx(0, 1)


def test_an_unknown_method_is_a_qml_error_listing_the_methods():
    with pytest.raises(qml.QmlError, match=r"unknown gradient method 'backprop'.*adjoint"):
        qml.gradient(small_circuit(), "ZZ", [0.1], method="backprop")


def test_vjp_with_an_unsupported_method_is_a_qml_error():
    with pytest.raises(qml.QmlError, match=r"adjoint.*parameter-shift.*'finite-diff'"):
        qml.vjp(small_circuit(), "ZZ", [0.1], method="finite-diff")


def test_shots_with_the_adjoint_method_is_a_qml_error_that_suggests_parameter_shift():
    with pytest.raises(qml.QmlError, match=r"adjoint.*parameter-shift"):
        qml.gradient(small_circuit(), "ZZ", [0.1], method="adjoint", shots=100)


@pytest.mark.parametrize("shots", [0, -1, 2.5])
def test_a_bad_shot_count_is_a_qml_error(shots):
    with pytest.raises(qml.QmlError, match="shots must be a positive integer"):
        qml.gradient(small_circuit(), "ZZ", [0.1], method="parameter-shift", shots=shots)


def test_a_non_positive_step_is_a_qml_error():
    with pytest.raises(qml.QmlError, match="step must be positive"):
        qml.gradient(small_circuit(), "ZZ", [0.1], method="finite-diff", step=0.0)


@pytest.mark.parametrize("method", ["adjoint", "parameter-shift"])
def test_grad_outputs_of_the_wrong_shape_is_a_qml_error_naming_both_shapes(method):
    _, pullback = qml.vjp(small_circuit(), ["ZZ", "XI"], [[0.1], [0.2], [0.3]], method=method)
    with pytest.raises(qml.QmlError, match=r"\(3, 2\).*\(3,\)"):
        pullback(np.ones(3))


def test_params_of_the_wrong_shape_is_a_qml_error():
    with pytest.raises(qml.QmlError, match="shape"):
        qml.gradient(small_circuit(), "ZZ", [0.1, 0.2])


def test_an_observable_of_the_wrong_size_is_a_qml_error():
    with pytest.raises(qml.QmlError, match="acts on 3 qubit"):
        qml.gradient(small_circuit(), "ZZZ", [0.1])


class _Givens(qml.gates.Gate):
    """A user's one-parameter gate that qml knows no generator for."""

    name, num_qubits, num_params = "givens", 1, 1

    def _matrix(self, theta):
        c, s = np.cos(theta / 2), np.sin(theta / 2)
        return qml.gates.base.matrix_from_entries([[c, -s], [s, c]])


@pytest.mark.parametrize("method", ["adjoint", "parameter-shift"])
def test_a_gate_without_a_generator_is_refused_pointing_to_finite_differences(method):
    circuit = qml.Circuit(1)
    circuit.append(_Givens(qml.Parameter("a")), [0])
    with pytest.raises(qml.QmlError, match=r"Givens.*finite-diff"):
        qml.gradient(circuit, qml.Pauli("Z"), [0.3], method=method)


def test_finite_differences_differentiate_any_gate():
    circuit = qml.Circuit(1)
    circuit.append(_Givens(qml.Parameter("a")), [0])
    grad = qml.gradient(circuit, qml.Pauli("Z"), [0.3], method="finite-diff")
    np.testing.assert_allclose(grad, [-np.sin(0.3)], atol=1e-8)  # <Z> = cos(a)
