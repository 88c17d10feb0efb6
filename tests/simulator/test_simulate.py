"""``qml.simulate``: closed forms, qiskit's Statevector, and batches.

A batch (params of shape ``(B, n_params)``) must equal simulating each row alone.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import qml
from qml import Circuit, Parameter, ParameterVector
from tests.reference import statevector
from tests.strategies import PROPERTY_SETTINGS

R2 = 1 / np.sqrt(2)


def ansatz() -> tuple[Circuit, tuple[Parameter, ...]]:
    """A 3-qubit circuit whose gates and global phase depend on three parameters."""
    a, b, c = Parameter("a"), Parameter("b"), Parameter("c")
    circuit = (
        Circuit(3, global_phase=a - c)
        .h(0)
        .ry(a, 1)
        .cx(0, 2)
        .crz(2 * b + 1, 1, 2)
        .u(a, b, c, 0)
        .rzz(a * c, 0, 1)
        .cswap(2, 0, 1)
        .rx(np.pi / 3, 2)
    )
    return circuit, (a, b, c)


# -- closed forms ------------------------------------------------------------------------------


def test_bell_state():
    np.testing.assert_allclose(qml.simulate(Circuit(2).h(0).cx(0, 1)), [R2, 0, 0, R2])


def test_qubit_0_is_the_least_significant_bit():
    state = qml.simulate(Circuit(3).x(0))
    assert np.flatnonzero(state).tolist() == [1]
    assert np.flatnonzero(qml.simulate(Circuit(3).x(2))).tolist() == [4]


def test_ghz_state_on_n_qubits():
    c = Circuit(5).h(0)
    for q in range(4):
        c.cx(q, q + 1)
    expected = np.zeros(32)
    expected[[0, 31]] = R2
    np.testing.assert_allclose(qml.simulate(c), expected, atol=1e-15)


def test_global_phase_multiplies_the_state():
    np.testing.assert_allclose(qml.simulate(Circuit(1, global_phase=0.3)), [np.exp(0.3j), 0])


def test_ry_rotation_closed_form():
    theta = 0.7
    np.testing.assert_allclose(
        qml.simulate(Circuit(1).ry(theta, 0)), [np.cos(theta / 2), np.sin(theta / 2)]
    )


def test_rz_keeps_its_global_phase():
    theta = 0.9
    state = qml.simulate(Circuit(1).h(0).rz(theta, 0))
    np.testing.assert_allclose(state, R2 * np.exp([-0.5j * theta, 0.5j * theta]))


def test_state_is_complex128_of_length_2_to_the_n():
    state = qml.simulate(Circuit(4).h(0))
    assert (state.shape, state.dtype) == ((16,), np.complex128)


def test_a_circuit_of_no_qubits_is_its_phase():
    np.testing.assert_allclose(qml.simulate(Circuit(0, global_phase=0.5)), [np.exp(0.5j)])


def test_final_measurements_are_ignored():
    c = Circuit(2).h(0).cx(0, 1)
    np.testing.assert_allclose(qml.simulate(c.copy().measure_all()), qml.simulate(c), atol=1e-15)


# -- against qiskit ----------------------------------------------------------------------------


def test_parameterized_circuit_equals_qiskit(rng):
    circuit, _ = ansatz()
    values = rng.uniform(-np.pi, np.pi, 3)
    expected = statevector(circuit.assign_parameters(values).to_qiskit())
    np.testing.assert_allclose(qml.simulate(circuit, values), expected, atol=1e-12)


def test_params_may_be_a_mapping_by_parameter_or_name(rng):
    circuit, (a, b, c) = ansatz()
    values = rng.uniform(-np.pi, np.pi, 3)
    by_order = qml.simulate(circuit, values)
    by_parameter = dict(zip((a, b, c), values, strict=True))
    np.testing.assert_allclose(qml.simulate(circuit, by_parameter), by_order, atol=1e-15)
    by_name = dict(zip("abc", values, strict=True))
    np.testing.assert_allclose(qml.simulate(circuit, by_name), by_order, atol=1e-15)


def test_params_may_bind_a_parameter_vector():
    x = ParameterVector("x", 2)
    c = Circuit(2).rx(x[0], 0).ry(x[1], 1)
    np.testing.assert_allclose(qml.simulate(c, {x: [0.1, 0.2]}), qml.simulate(c, [0.1, 0.2]))


def test_simulate_leaves_the_circuit_unchanged():
    circuit, params = ansatz()
    before = circuit.copy()
    qml.simulate(circuit, [0.1, 0.2, 0.3])
    assert circuit == before and circuit.parameters == params


# -- batches ------------------------------------------------------------------------------------


def test_batched_params_equal_simulating_each_row(rng):
    circuit, _ = ansatz()
    batch = rng.uniform(-np.pi, np.pi, (5, 3))
    states = qml.simulate(circuit, batch)
    assert states.shape == (5, 8)
    for row, state in zip(batch, states, strict=True):
        np.testing.assert_allclose(state, qml.simulate(circuit, row), atol=1e-12)


def test_each_batched_row_equals_qiskit(rng):
    circuit, _ = ansatz()
    batch = rng.uniform(-np.pi, np.pi, (3, 3))
    for row, state in zip(batch, qml.simulate(circuit, batch), strict=True):
        expected = statevector(circuit.assign_parameters(row).to_qiskit())
        np.testing.assert_allclose(state, expected, atol=1e-12)


def test_a_batch_of_one_keeps_the_batch_axis():
    circuit, _ = ansatz()
    assert qml.simulate(circuit, np.zeros((1, 3))).shape == (1, 8)


def test_a_mapping_with_arrays_is_a_batch(rng):
    circuit, (a, b, c) = ansatz()
    batch = rng.uniform(-np.pi, np.pi, (4, 3))
    mapping = {a: batch[:, 0], b: batch[:, 1], c: batch[:, 2]}
    np.testing.assert_allclose(qml.simulate(circuit, mapping), qml.simulate(circuit, batch))


def test_a_batch_may_mix_arrays_and_floats(rng):
    circuit, (a, b, c) = ansatz()
    column = rng.uniform(-np.pi, np.pi, 4)
    states = qml.simulate(circuit, {a: column, b: 0.3, c: -0.2})
    for value, state in zip(column, states, strict=True):
        np.testing.assert_allclose(state, qml.simulate(circuit, [value, 0.3, -0.2]), atol=1e-12)


def test_a_circuit_bound_to_batches_simulates_the_batch(rng):
    circuit, _ = ansatz()
    batch = rng.uniform(-np.pi, np.pi, (3, 3))
    bound = circuit.assign_parameters(batch)
    np.testing.assert_allclose(qml.simulate(bound), qml.simulate(circuit, batch), atol=1e-12)


def test_a_circuit_whose_only_batched_value_is_its_phase_simulates_the_batch():
    gamma = Parameter("γ")
    bound = Circuit(1, global_phase=gamma).h(0).assign_parameters(np.array([[0.1], [0.2]]))
    expected = R2 * np.exp(1j * np.array([[0.1, 0.1], [0.2, 0.2]]))
    np.testing.assert_allclose(qml.simulate(bound), expected)


def test_a_batch_for_a_circuit_without_parameters_repeats_its_state():
    states = qml.simulate(Circuit(1).h(0), np.zeros((3, 0)))
    np.testing.assert_allclose(states, np.tile([R2, R2], (3, 1)))


@PROPERTY_SETTINGS
@given(
    st.integers(1, 6),
    st.lists(st.floats(-7, 7, allow_nan=False), min_size=3, max_size=3),
    st.integers(1, 4),
)
def test_batch_rows_match_single_runs_for_any_width(n, angles, batch_size):
    theta = Parameter("θ")
    c = Circuit(n).h(range(n)).ry(theta, n - 1)
    for q in range(n - 1):
        c.crx(angles[q % 3] * theta, q, q + 1)
    batch = np.linspace(-angles[0], angles[1] + 0.5, batch_size)[:, None]
    states = qml.simulate(c, batch)
    for row, state in zip(batch, states, strict=True):
        np.testing.assert_allclose(state, qml.simulate(c, row), atol=1e-12)
