"""qml on Dask: every lazy result against the single-process one, on a real two-worker cluster.

One ``LocalCluster`` of two worker processes (one thread each) serves the module; every
distributed result is compared with what the same call gives on numpy arrays in this
process. Tests of the block layout and of argument checks need no cluster.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("dask", reason="dask is not installed (pip install 'qml[dask]')")
distributed = pytest.importorskip(
    "distributed", reason="dask.distributed is not installed (pip install 'qml[dask]')"
)
import dask.array as da  # noqa: E402

import qml  # noqa: E402
import qml.simulator.memory  # noqa: E402
from qml.errors import QmlValueError, ShapeError  # noqa: E402
from qml.hybrid import (  # noqa: E402
    QuantumClassifier,
    QuantumKernel,
    QuantumKernelClassifier,
    load_dataset,
)
from qml.simulator import lazy  # noqa: E402


@pytest.fixture(scope="module")
def client():
    """A two-worker LocalCluster (processes, one thread each), closed after the module."""
    from qml.interop.dask import local_cluster

    with (
        local_cluster(n_workers=2, threads_per_worker=1) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of a few dozen rows, so that small test batches spread over both workers."""
    monkeypatch.setattr(lazy, "MIN_BLOCK_ROWS", 32)


def _circuit() -> qml.Circuit:
    x, w = qml.ParameterVector("x", 3), qml.ParameterVector("w", 3)
    c = qml.Circuit(3).ry(x[0], 0).ry(x[1], 1).ry(x[2], 2).cx(0, 1).cx(1, 2)
    return c.ry(w[0], 0).rz(w[1], 1).crx(w[2], 2, 0)


def _rows(rng, n: int = 200, width: int = 6) -> np.ndarray:
    return rng.uniform(-np.pi, np.pi, size=(n, width))


def _workers_that_ran(stream, prefix: str) -> set[str]:
    """Workers that ran tasks whose key starts with ``prefix`` (from a task stream)."""
    keys = (record["key"] for record in stream.data)
    return {
        record["worker"]
        for record, key in zip(stream.data, keys, strict=True)
        if str(key[0] if isinstance(key, tuple) else key).startswith(prefix)
    }


# -- the simulator's entry points ------------------------------------------------------------------
def test_simulate_of_a_dask_array_is_lazy_and_equals_numpy_on_both_workers(
    client, rng, small_blocks
):
    c, P = _circuit(), _rows(rng)
    states = qml.simulate(c, da.from_array(P, chunks=50))
    assert lazy.is_lazy(states) and states.shape == (200, 8) and states.dtype == np.complex128
    with distributed.get_task_stream(client) as stream:
        result = states.compute()
    np.testing.assert_array_equal(result, qml.simulate(c, P))
    assert len(_workers_that_ran(stream, "qml-simulate")) == 2


@pytest.mark.parametrize(
    "observables",
    ["ZZI", ["ZZI", "IXY", qml.Pauli("ZII") + 0.5 * qml.Pauli("XXX")]],
    ids=["one", "three"],
)
def test_expectation_of_a_dask_array_equals_numpy(client, rng, small_blocks, observables):
    c, P = _circuit(), _rows(rng)
    values = qml.expectation(c, observables, da.from_array(P, chunks=64))
    expected = qml.expectation(c, observables, P)
    assert values.shape == expected.shape
    np.testing.assert_array_equal(values.compute(), expected)


def test_one_row_as_a_dask_array_gives_the_unbatched_shape(client, rng):
    c, p = _circuit(), _rows(rng, 1)[0]
    value = qml.expectation(c, ["ZZI", "IIX"], da.from_array(p))
    assert value.shape == (2,)
    np.testing.assert_array_equal(value.compute(), qml.expectation(c, ["ZZI", "IIX"], p))


def test_probabilities_of_a_dask_array_equal_numpy(client, rng, small_blocks):
    c, P = _circuit(), _rows(rng)
    probs = qml.probabilities(c, [2, 0], da.from_array(P, chunks=70))
    np.testing.assert_array_equal(probs.compute(), qml.probabilities(c, [2, 0], P))


def test_noisy_expectation_of_a_dask_array_equals_numpy(client, rng, small_blocks):
    from qml.noise import Depolarizing, NoiseModel

    noise = NoiseModel().add_all_qubit_quantum_error(Depolarizing(0.05), ["ry", "rz"])
    c, P = _circuit(), _rows(rng, 80)
    lazy_values = qml.expectation(c, ["ZZI", "XIX"], da.from_array(P, chunks=20), noise=noise)
    expected = qml.expectation(c, ["ZZI", "XIX"], P, noise=noise)
    np.testing.assert_allclose(lazy_values.compute(), expected, rtol=0, atol=1e-14)


@pytest.mark.parametrize("method", ["adjoint", "parameter-shift"])
def test_gradient_of_a_dask_array_equals_numpy(client, rng, small_blocks, method):
    c, P = _circuit(), _rows(rng, 100)
    observables = ["ZZI", "IXI"]
    grads = qml.gradient(c, observables, da.from_array(P, chunks=30), method=method)
    assert grads.shape == (100, 2, 6)
    np.testing.assert_array_equal(grads.compute(), qml.gradient(c, observables, P, method=method))


def test_vjp_of_a_dask_array_pulls_back_lazy_and_numpy_cotangents(client, rng, small_blocks):
    c, P = _circuit(), _rows(rng, 120)
    observables = ["ZZI", "IXI", "YYY"]
    weights = rng.normal(size=(120, 3))
    values, pullback = qml.vjp(c, observables, da.from_array(P, chunks=40))
    expected_values, expected_pullback = qml.vjp(c, observables, P)
    np.testing.assert_array_equal(values.compute(), expected_values)
    expected = expected_pullback(weights)
    np.testing.assert_array_equal(pullback(weights).compute(), expected)
    np.testing.assert_array_equal(pullback(da.from_array(weights, chunks=25)).compute(), expected)
    with pytest.raises(ShapeError, match="shape of the values"):
        pullback(weights[:, :2])


def test_shots_give_each_block_its_own_reproducible_stream(client, small_blocks):
    c = qml.Circuit(1).h(0)
    P = da.zeros((256, 0), chunks=64)  # 256 identical rows: <Z> = 0, sampled
    first = qml.expectation(c, "Z", P, shots=100, seed=7).compute()
    again = qml.expectation(c, "Z", P, shots=100, seed=7).compute()
    np.testing.assert_array_equal(first, again)
    blocks = first.reshape(-1, 32)  # blocks of 32 rows (MIN_BLOCK_ROWS)
    assert len({block.tobytes() for block in blocks}) == len(blocks)  # no repeated stream
    # mean of 256 * 100 fair ±1 draws: standard deviation 1/160
    assert abs(first.mean()) < 5 / 160


# -- block layout and checks (no cluster needed) ---------------------------------------------------
def test_blocks_follow_the_memory_guard_not_the_callers_chunks(monkeypatch, rng):
    c, P = _circuit(), _rows(rng, 3000)
    expected = qml.simulate(c, P)
    states = qml.simulate(c, da.from_array(P, chunks=7))
    assert states.chunks[0][0] == lazy.MIN_BLOCK_ROWS  # 3000 rows: ~3000/32 is below the minimum
    # a machine with little memory: a block holds what fits in an eighth of it; a row of
    # 3 qubits needs 3 states of 128 bytes while computed, and its result, 128 more
    monkeypatch.setattr(qml.simulator.memory, "available_memory", lambda: 8 * 512 * 75)
    states = qml.simulate(c, da.from_array(P, chunks=7))
    assert set(states.chunks[0][:-1]) == {75}
    np.testing.assert_array_equal(states.compute(scheduler="sync"), expected)


def test_the_threaded_scheduler_gives_the_numpy_results(rng):
    # no cluster: dask's threads call qml from several threads of this process at once
    c, P = _circuit(), _rows(rng, 4000)
    rows = da.from_array(P, chunks=500)
    states = qml.simulate(c, rows).compute(scheduler="threads")
    np.testing.assert_array_equal(states, qml.simulate(c, P))
    grads = qml.gradient(c, ["ZZI", "XIX"], rows).compute(scheduler="threads")
    np.testing.assert_array_equal(grads, qml.gradient(c, ["ZZI", "XIX"], P))


def test_block_rows_spread_large_batches_over_about_target_blocks():
    rows = lazy.block_rows(1_000_000, row_bytes=100)
    assert rows == 1_000_000 // lazy.TARGET_BLOCKS
    assert lazy.block_rows(10, row_bytes=100) == 10
    assert lazy.block_rows(1_000_000, row_bytes=lazy.BLOCK_BYTES * 4) == 1


def test_errors_are_raised_at_the_call_not_in_a_worker(rng):
    c, P = _circuit(), da.from_array(_rows(rng, 10))
    with pytest.raises(ShapeError):  # 5 columns for 6 parameters
        qml.simulate(c, P[:, :5])
    with pytest.raises(QmlValueError, match="qubit"):  # an observable of 2 qubits for 3
        qml.expectation(c, "ZZ", P)
    with pytest.raises(QmlValueError, match="method"):
        qml.gradient(c, "ZZZ", P, method="backprop")


def test_rows_of_unknown_count_are_refused_with_the_fix(rng):
    P = da.from_array(_rows(rng, 10))
    filtered = P[P[:, 0] > 0]  # dask cannot know how many rows survive
    with pytest.raises(ShapeError, match="compute_chunk_sizes"):
        qml.simulate(_circuit(), filtered)


def test_numpy_inputs_never_load_dask():
    from tests.interop.test_init import loaded_frameworks

    code = ("import numpy as np, qml\nc = qml.Circuit(1).ry(qml.Parameter('a'), 0)\n"
            "qml.expectation(c, 'Z', np.zeros((4, 1)))")  # fmt: skip
    assert "dask" not in loaded_frameworks(code)


# -- kernels ---------------------------------------------------------------------------------------
def test_gram_matrix_of_dask_arrays_equals_numpy(client, rng, small_blocks):
    kernel = QuantumKernel(3, "zz")
    X, Y = rng.uniform(0, np.pi, (150, 3)), rng.uniform(0, np.pi, (70, 3))
    gram = kernel(da.from_array(X, chunks=40))
    assert gram.shape == (150, 150) and gram.numblocks == (5, 5)
    np.testing.assert_allclose(gram.compute(), kernel(X), rtol=0, atol=1e-14)
    cross = kernel(da.from_array(X, chunks=40), Y)  # a numpy side stays whole
    np.testing.assert_allclose(cross.compute(), kernel(X, Y), rtol=0, atol=1e-14)
    np.testing.assert_allclose(kernel(Y, da.from_array(X)).compute(), kernel(Y, X), atol=1e-14)


def test_gram_matrix_simulates_each_row_once(monkeypatch, rng, small_blocks):
    import qml.hybrid.kernel

    simulated = []

    def counting(circuit, params=None, **options):
        simulated.append(len(params))
        return qml.simulate(circuit, params, **options)

    monkeypatch.setattr(qml.hybrid.kernel, "simulate", counting)
    X = rng.uniform(0, np.pi, (200, 2))
    gram = QuantumKernel(2, "zz")(da.from_array(X, chunks=50))
    simulated.clear()  # the call's check simulated one row
    gram.compute(scheduler="sync")
    assert sum(simulated) == 200  # O(N) circuits for the N x N matrix, not O(N**2)


def test_kernel_classifier_fit_and_predict_on_dask_equal_numpy(client, rng, small_blocks):
    X, y = load_dataset("ad_hoc", n_samples=120, random_state=1)
    local = QuantumKernelClassifier(n_qubits=2, encoding="zz", features="raw").fit(X, y)
    remote = QuantumKernelClassifier(n_qubits=2, encoding="zz", features="raw").fit(
        da.from_array(X, chunks=30), da.from_array(y, chunks=30)
    )
    np.testing.assert_array_equal(remote.train_states_, local.train_states_)
    np.testing.assert_array_equal(remote.svc_.dual_coef_, local.svc_.dual_coef_)
    rows = da.from_array(X, chunks=25)
    np.testing.assert_array_equal(remote.predict(rows).compute(), local.predict(X))
    np.testing.assert_array_equal(remote.decision_function(rows).compute(),
                                  local.decision_function(X))  # fmt: skip


# -- the variational classifier --------------------------------------------------------------------
@pytest.fixture(scope="module")
def fitted():
    X, y = load_dataset("moons", n_samples=240, noise=0.1, random_state=0)
    clf = QuantumClassifier(n_qubits=2, n_layers=2, epochs=4, batch_size=60, random_state=0)
    return clf.fit(X, y), X, y


@pytest.mark.parametrize(
    "method", ["predict", "predict_proba", "decision_function", "readout", "readout_params"]
)
def test_prediction_methods_of_dask_arrays_equal_numpy(client, fitted, small_blocks, method):
    clf, X, _ = fitted
    result = getattr(clf, method)(da.from_array(X, chunks=50))
    expected = getattr(clf, method)(X)
    assert lazy.is_lazy(result) and result.shape == expected.shape
    np.testing.assert_array_equal(result.compute(), expected)


def test_prediction_of_a_dask_array_checks_the_feature_count_at_once(fitted):
    from qml.errors import DataError

    clf, X, _ = fitted
    with pytest.raises(DataError, match="features"):
        clf.predict(da.from_array(np.hstack([X, X])))


def test_score_of_dask_arrays_equals_numpy(client, fitted, small_blocks):
    clf, X, y = fitted
    assert clf.score(da.from_array(X, chunks=50), da.from_array(y, chunks=50)) == clf.score(X, y)


def _fit_both(X, y, chunks, **options):
    local = QuantumClassifier(random_state=3, **options).fit(X, y)
    remote = QuantumClassifier(random_state=3, **options).fit(
        da.from_array(X, chunks=chunks), da.from_array(y, chunks=chunks)
    )
    return local, remote


def test_data_parallel_fit_equals_the_single_process_fit(client, small_blocks):
    X, y = load_dataset("moons", n_samples=300, noise=0.15, random_state=2)
    with distributed.get_task_stream(client) as stream:
        local, remote = _fit_both(X, y, 40, n_qubits=2, n_layers=2, ansatz="real_amplitudes",
                                  features="dense", epochs=5, batch_size=64)  # fmt: skip
    np.testing.assert_allclose(remote.params_, local.params_, rtol=0, atol=1e-10)
    assert remote.n_iter_ == local.n_iter_
    for mine, theirs in zip(remote.history_, local.history_, strict=True):
        assert mine.keys() == theirs.keys()
        np.testing.assert_allclose(list(mine.values()), list(theirs.values()), atol=1e-10)
    assert len({record["worker"] for record in stream.data}) == 2  # steps ran on both workers


def test_data_parallel_fit_of_the_default_model_differs_only_in_dead_parameters(
    client, small_blocks
):
    # the default ansatz ends with RZ gates before the Z read-out: their gradient is zero
    # up to rounding, and Adam turns that rounding noise into steps (lr * noise / eps),
    # different noise in each fit; every other parameter agrees to rounding
    X, y = load_dataset("moons", n_samples=300, noise=0.15, random_state=2)
    local, remote = _fit_both(X, y, 40, n_qubits=2, n_layers=2, epochs=5, batch_size=64)
    _, grad, _ = local.model_.loss_and_gradient(local.params_, local._inputs(X), y)
    live = np.abs(grad) > 1e-12
    assert (~live).sum() == 2  # the last RZ on each qubit
    np.testing.assert_allclose(remote.params_[live], local.params_[live], rtol=0, atol=1e-10)
    np.testing.assert_allclose(remote.params_[~live], local.params_[~live], rtol=0, atol=1e-7)
    np.testing.assert_array_equal(remote.predict(X), local.predict(X))


def test_data_parallel_full_batch_fit_equals_the_single_process_fit(client, small_blocks):
    X, y = load_dataset("circles", n_samples=200, noise=0.05, random_state=4)
    local, remote = _fit_both(X, y, 50, n_qubits=2, n_layers=2, optimizer="L-BFGS-B", epochs=8)
    np.testing.assert_allclose(remote.params_, local.params_, rtol=0, atol=1e-10)


# -- hyper-parameter search ------------------------------------------------------------------------
def test_grid_search_on_the_joblib_dask_backend_equals_the_sequential_search(client):
    import joblib
    from sklearn.model_selection import GridSearchCV

    X, y = load_dataset("moons", n_samples=80, noise=0.1, random_state=5)
    grid = {"n_layers": [1, 2], "learning_rate": [0.05, 0.2]}
    estimator = QuantumClassifier(n_qubits=2, epochs=3, batch_size=20, random_state=0)
    sequential = GridSearchCV(estimator, grid, cv=2).fit(X, y)
    with joblib.parallel_backend("dask"), distributed.get_task_stream(client) as stream:
        parallel = GridSearchCV(estimator, grid, cv=2).fit(X, y)
    assert stream.data  # the fits ran on the cluster
    np.testing.assert_array_equal(parallel.cv_results_["mean_test_score"],
                                  sequential.cv_results_["mean_test_score"])  # fmt: skip
    assert parallel.best_params_ == sequential.best_params_
    np.testing.assert_array_equal(parallel.best_estimator_.params_,
                                  sequential.best_estimator_.params_)  # fmt: skip


# -- the helpers of qml.interop.dask ---------------------------------------------------------------
def test_workers_pin_qmls_threads_and_keep_freed_arrays(client):
    import os

    from qml.interop.dask import ALLOCATOR_VARIABLES

    assert set(client.run(qml.get_num_threads).values()) == {1}
    for name, value in ALLOCATOR_VARIABLES.items():  # set before the worker started
        assert set(client.run(os.environ.get, name).values()) == {value}


def test_worker_memory_is_the_smallest_workers_limit(client):
    from qml.interop.dask import worker_memory

    limits = [w["memory_limit"] for w in client.scheduler_info()["workers"].values()]
    assert worker_memory(client) == min(limits) > 0


def test_local_cluster_refuses_a_bad_worker_count():
    from qml.interop.dask import local_cluster

    with pytest.raises(QmlValueError, match="n_workers"):
        local_cluster(n_workers=0)
