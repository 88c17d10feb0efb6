"""The compiled engine against the numpy path and qiskit: backends, fusion, threads, dtype."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import threading
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import qml
from qml.simulator import engine, fusion
from qml.simulator.program import compile_program
from qml.simulator.threads import get_num_threads, set_num_threads
from tests.reference import statevector
from tests.strategies import PROPERTY_SETTINGS, circuits

NATIVE = engine._native_backend()
pytestmark = pytest.mark.skipif(NATIVE is None, reason="the native extension is not built")


def run_plain(program, states, bound) -> None:
    NATIVE.run_ops(program, states, bound)


def run_fused(program, states, bound) -> None:
    fused_program, fused_bound = fusion.fuse(program, bound, NATIVE.run_ops)
    NATIVE.run_ops(fused_program, states, fused_bound)


@pytest.fixture
def numpy_backend():
    with engine.using_backend("numpy"):
        yield


def simulate_with(backend: str, circuit: qml.Circuit, params=None, **options) -> np.ndarray:
    with engine.using_backend(backend):
        return qml.simulate(circuit, params, **options)


def random_layers(n: int, layers: int, seed: int) -> qml.Circuit:
    """Rotations on every qubit, CX on alternating pairs, and some diagonal gates."""
    rng = np.random.default_rng(seed)
    circuit = qml.Circuit(n)
    for layer in range(layers):
        for q in range(n):
            circuit.append(_rotation(rng), [q])
        for q in range(layer % 2, n - 1, 2):
            circuit.cx(q, q + 1)
        a, b = rng.choice(n, 2, replace=False)
        circuit.rzz(rng.uniform(-4, 4), int(a), int(b)).cp(rng.uniform(-4, 4), int(b), int(a))
    return circuit


def _rotation(rng: np.random.Generator) -> qml.gates.Gate:
    kind = rng.choice(["rx", "ry", "rz", "p", "h", "t", "sx", "u"])
    cls = qml.gates.STANDARD_GATES[kind]
    return cls(*rng.uniform(-4, 4, cls.num_params))


@PROPERTY_SETTINGS
@given(circuits(max_qubits=6, max_gates=24))
def test_native_equals_numpy_on_random_circuits(circuit):
    np.testing.assert_allclose(
        simulate_with("native", circuit), simulate_with("numpy", circuit), atol=1e-12
    )


@PROPERTY_SETTINGS
@given(circuits(min_qubits=2, max_qubits=6, max_gates=30), st.integers(0, 2**32 - 1))
def test_fusion_never_changes_a_result(circuit, seed):
    program = compile_program(circuit)
    bound = program.bind(program.angles({}))
    rng = np.random.default_rng(seed)
    start = rng.normal(size=(2, 1 << circuit.num_qubits)) + 0j
    plain, fused = start.copy(), start.copy()
    run_plain(program, plain, bound)
    run_fused(program, fused, bound)
    np.testing.assert_allclose(fused, plain, atol=1e-12)


@PROPERTY_SETTINGS
@given(circuits(min_qubits=2, max_qubits=6, max_gates=30), st.integers(0, 2**32 - 1))
def test_fusion_of_a_batch_with_partly_shared_angles_never_changes_a_result(circuit, seed):
    program = compile_program(circuit)
    rng = np.random.default_rng(seed)
    angles = np.repeat(program.angles({}), 3, axis=0)
    varying = rng.random(angles.shape[1]) < 0.4  # like data inputs among shared weights
    angles[:, varying] += rng.uniform(-3, 3, (3, int(varying.sum())))
    bound = program.bind(angles)
    start = rng.normal(size=(3, 1 << circuit.num_qubits)) + 0j
    plain, fused = start.copy(), start.copy()
    run_plain(program, plain, bound)
    run_fused(program, fused, bound)
    np.testing.assert_allclose(fused, plain, atol=1e-12)


def test_fusion_merges_diagonal_gates_across_commuting_ones():
    circuit = qml.Circuit(4).rz(0.1, 0).ry(0.2, 1).rz(0.3, 2).cx(1, 3).p(0.4, 0).rz(0.5, 3)
    groups = fusion.plan(compile_program(circuit))
    kinds = [(g.kind, len(g.ops)) for g in groups]
    # the diagonal group floats past ry(1) and cx(1, 3), which touch none of its qubits,
    # collecting rz(0), rz(2), p(0) and rz(3)
    assert kinds == [("chain", 1), ("op", 1), ("diagonal", 4)]


def test_a_diagonal_group_is_placed_before_an_op_on_its_qubits():
    circuit = qml.Circuit(2).rz(0.1, 0).rz(0.2, 1).cx(0, 1).rz(0.3, 1)
    kinds = [(g.kind, len(g.ops)) for g in fusion.plan(compile_program(circuit))]
    assert kinds == [("diagonal", 2), ("op", 1), ("diagonal", 1)]


def test_fusion_merges_one_qubit_chains():
    circuit = qml.Circuit(2).h(0).ry(0.3, 0).sx(0).cx(0, 1).rx(0.2, 0)
    kinds = [(g.kind, len(g.ops)) for g in fusion.plan(compile_program(circuit))]
    assert kinds == [("chain", 3), ("op", 1), ("chain", 1)]


def test_fusion_merges_rotations_about_one_axis_into_one():
    circuit = qml.Circuit(2).ry(0.1, 0).ry(0.2, 0).rx(0.3, 1).rx(0.4, 1).rx(0.5, 0).cx(0, 1)
    kinds = [(g.kind, len(g.ops)) for g in fusion.plan(compile_program(circuit))]
    assert kinds == [("chain", 3), ("rotation", 2), ("op", 1)]


def test_merged_rotations_with_angles_varying_over_a_batch_equal_the_unfused_ones():
    x, w = qml.Parameter("x"), qml.Parameter("w")
    circuit = qml.Circuit(2).ry(x, 0).ry(w, 0).rx(2 * x, 1).rx(w + 1, 1).cx(0, 1)
    program = compile_program(circuit)
    values = {x: np.array([0.1, -0.7, 2.5]), w: 0.4}
    bound = program.bind(program.angles(values))
    fused_program, _ = fusion.fuse(program, bound, NATIVE.run_ops)
    assert fused_program.num_ops == 3  # two merged rotations and the CX
    plain = np.zeros((3, 4), dtype=np.complex128)
    plain[:, 0] = 1
    fused = plain.copy()
    run_plain(program, plain, bound)
    run_fused(program, fused, bound)
    np.testing.assert_allclose(fused, plain, atol=1e-14)
    for row, angle in zip(fused, values[x], strict=True):
        bound = circuit.assign_parameters({x: angle, w: 0.4})
        np.testing.assert_allclose(row, statevector(bound.to_qiskit()), atol=1e-12)


@pytest.mark.parametrize("threads", [1, 2])
def test_large_states_agree_with_qiskit_on_any_thread_count(threads):
    circuit = random_layers(16, 4, seed=threads)
    set_num_threads(threads)
    try:
        state = qml.simulate(circuit)
    finally:
        set_num_threads(get_num_threads())
    np.testing.assert_allclose(state, statevector(circuit.to_qiskit()), atol=1e-12)


def test_large_batched_states_equal_rows_simulated_alone():
    theta = qml.ParameterVector("θ", 3)
    circuit = random_layers(15, 2, seed=3).ry(theta[0], 0).rzz(theta[1], 3, 9).crx(theta[2], 4, 14)
    params = np.random.default_rng(0).uniform(-3, 3, (3, 3))
    batched = qml.simulate(circuit, params)
    for row, p in zip(batched, params, strict=True):
        np.testing.assert_allclose(row, simulate_with("numpy", circuit, p), atol=1e-12)


def test_small_batches_on_threads_equal_rows_simulated_alone():
    x = qml.ParameterVector("x", 4)
    circuit = qml.Circuit(4)
    for i in range(4):
        circuit.ry(x[i], i).rz(2 * x[i] + 1, i).cx(i, (i + 1) % 4)
    params = np.random.default_rng(1).uniform(-3, 3, (4096, 4))
    batched = qml.simulate(circuit, params)
    np.testing.assert_allclose(batched, simulate_with("numpy", circuit, params), atol=1e-12)


def test_complex64_agrees_with_complex128():
    circuit = random_layers(10, 3, seed=5)
    single = qml.simulate(circuit, dtype=np.complex64)
    assert single.dtype == np.complex64
    np.testing.assert_allclose(single, qml.simulate(circuit), atol=1e-5)


def test_unknown_backend_is_refused():
    with pytest.raises(qml.QmlError, match="native"):
        engine.set_backend("cuda")


def test_numpy_backend_is_used_when_chosen(numpy_backend):
    assert engine.backend_name() == "numpy"
    circuit = qml.Circuit(2).h(0).cx(0, 1)
    np.testing.assert_allclose(qml.simulate(circuit), [2**-0.5, 0, 0, 2**-0.5], atol=1e-15)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2"])
def test_set_num_threads_refuses_non_positive_ints(bad):
    with pytest.raises(qml.QmlError, match="positive"):
        set_num_threads(bad)


def test_environment_variable_sets_threads_and_backend():
    code = (
        "from qml.simulator import engine, threads;"
        "print(threads.get_num_threads(), engine.backend_name())"
    )
    env = {"QML_NUM_THREADS": "1", "QML_BACKEND": "numpy", "PATH": ""}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["1", "numpy"], out.stderr


def test_a_program_is_compiled_once_per_circuit_structure():
    theta = qml.Parameter("θ")
    circuit = qml.Circuit(2).ry(theta, 0).cx(0, 1)
    first = compile_program(circuit)
    qml.simulate(circuit, [0.1])
    assert compile_program(circuit) is first
    circuit.h(1)
    assert compile_program(circuit) is not first


def test_a_gate_batched_after_a_first_simulation_batches_the_next_one():
    circuit = qml.Circuit(1).h(0)
    assert qml.simulate(circuit).shape == (2,)
    angles = np.array([0.1, 0.2, 0.3])
    circuit.rz(angles, 0)
    states = qml.simulate(circuit)
    assert states.shape == (3, 2)
    for row, angle in zip(states, angles, strict=True):
        np.testing.assert_allclose(
            row, statevector(qml.Circuit(1).h(0).rz(angle, 0).to_qiskit()), atol=1e-12
        )


def test_the_native_extension_is_built_where_a_compiler_exists():
    # pip builds it optionally (a machine without a compiler runs on numpy); where one
    # exists, a silently missing extension would make everything slow
    compiler = sysconfig.get_config_var("CXX") or "c++"
    if shutil.which(compiler.split()[0]) is None and shutil.which("g++") is None:
        pytest.skip("no C++ compiler on this machine")
    from qml.simulator import _native  # noqa: F401


def test_using_backend_chooses_for_the_current_thread_only():
    seen = {}
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        inside.wait()
        seen["other"] = engine.backend_name()
        leave.set()

    worker = threading.Thread(target=other)
    worker.start()
    with engine.using_backend("numpy"):
        inside.set()
        leave.wait()
        seen["here"] = engine.backend_name()
    worker.join()
    assert seen == {"here": "numpy", "other": "native"}


def test_changing_the_thread_count_never_breaks_calls_in_flight():
    circuit = random_layers(17, 2, seed=8)  # large enough to run on the pool
    expected = qml.simulate(circuit)
    errors: list[BaseException] = []
    stop = threading.Event()

    def simulate_again() -> None:
        try:
            while not stop.is_set():
                np.testing.assert_allclose(qml.simulate(circuit), expected, atol=1e-12)
        except BaseException as error:  # reported below
            errors.append(error)

    workers = [threading.Thread(target=simulate_again) for _ in range(2)]
    for worker in workers:
        worker.start()
    try:
        for count in [1, 2, 3, 2, 1, 2] * 3:
            set_num_threads(count)
            time.sleep(0.005)
    finally:
        stop.set()
        for worker in workers:
            worker.join()
        set_num_threads(get_num_threads())
    assert errors == []
