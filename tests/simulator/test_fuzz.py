"""Fuzzing the simulator's entry points: any input ends in a qml.QmlError or in a finite
result of the documented shape, never in a bare built-in exception or a NaN.

The example counts are modest so the suite stays quick; set QML_FUZZ_EXAMPLES for a long
run (the closing notes report how many were run).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qml
from tests.fuzzing import junk

EXAMPLES = int(os.environ.get("QML_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


def circuit() -> qml.Circuit:
    a, b = qml.Parameter("a"), qml.Parameter("b")
    return qml.Circuit(2).ry(a, 0).cx(0, 1).rz(2 * b + 1, 1).u(a, b, 0.3, 0)


def outcome(call: Any) -> Any:
    """The call's result, or None when it raised a QmlError; anything else fails the test."""
    try:
        return call()
    except qml.QmlError:
        return None


def finite(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and v > 0 for k, v in value.items())
    if isinstance(value, list):
        return all(finite(v) for v in value)
    return bool(np.all(np.isfinite(np.asarray(value))))


@FUZZ
@given(params=junk)
def test_simulate_refuses_or_answers_finitely(params):
    result = outcome(lambda: qml.simulate(circuit(), params))
    if result is not None:
        assert result.shape[-1] == 4 and finite(result)
        assert np.allclose(np.linalg.norm(np.atleast_2d(result), axis=1), 1)


@FUZZ
@given(params=junk, observable=st.one_of(junk, st.sampled_from(["ZZ", "XI", "Z", "ZZZ", "AB"])))
def test_expectation_refuses_or_answers_finitely(params, observable):
    result = outcome(lambda: qml.expectation(circuit(), observable, params))
    if result is not None:
        assert finite(result) and np.all(np.abs(result) <= 1 + 1e-12)


@FUZZ
@given(
    params=st.one_of(junk, st.just([0.1, 0.2])),
    shots=junk,
    seed=st.one_of(junk, st.integers(0, 2**64)),
)
def test_sample_refuses_or_counts(params, shots, seed):
    result = outcome(lambda: qml.sample(circuit(), shots, seed=seed, params=params))
    if result is not None:
        assert finite(result)
        rows = result if isinstance(result, list) else [result]
        assert all(sum(row.values()) == shots for row in rows)


@FUZZ
@given(params=st.one_of(junk, st.just([0.1, 0.2])), qubits=junk)
def test_probabilities_refuses_or_sums_to_one(params, qubits):
    result = outcome(lambda: qml.probabilities(circuit(), qubits=qubits, params=params))
    if result is not None:
        assert finite(result) and np.allclose(np.sum(np.atleast_2d(result), axis=-1), 1)


@FUZZ
@given(
    params=st.one_of(junk, st.just([0.1, 0.2])),
    method=st.one_of(junk, st.sampled_from(["adjoint", "parameter-shift", "finite-diff"])),
    step=st.one_of(junk, st.floats(1e-8, 1e-3)),
    shots=st.one_of(st.none(), junk),
)
def test_gradient_refuses_or_answers_finitely(params, method, step, shots):
    def call() -> Any:
        return qml.gradient(circuit(), "ZX", params, method=method, step=step, shots=shots)

    result = outcome(call)
    if result is not None:
        assert result.shape[-1] == 2 and finite(result)


@FUZZ
@given(params=st.one_of(junk, st.just([0.1, 0.2])), weights=junk)
def test_vjp_refuses_or_answers_finitely(params, weights):
    values = outcome(lambda: qml.vjp(circuit(), ["ZI", "IZ"], params))
    if values is None:
        return
    _, pullback = values
    grads = outcome(lambda: pullback(weights))
    if grads is not None:
        assert finite(grads) and grads.shape[-1] == 2


@FUZZ
@given(noise=junk, params=st.one_of(junk, st.just([0.1, 0.2])))
def test_noise_arguments_are_refused_or_used(noise, params):
    result = outcome(lambda: qml.expectation(circuit(), "ZZ", params, noise=noise))
    if result is not None:
        assert finite(result)


@pytest.mark.parametrize("threads", [0, -1, 1.5, "2", None, True])
def test_a_bad_thread_count_is_refused(threads):
    with pytest.raises(qml.QmlError):
        qml.set_num_threads(threads)
