"""The PennyLane device ``"qml.qubit"`` against PennyLane's ``default.qubit``.

Every state, expectation value, probability and derivative is compared with
``default.qubit`` on the same QNode (to 1e-9); sampled results by their statistics
and their reproducibility under a seed. Wire labels are scrambled on purpose:
PennyLane reads wire 0 as the most significant bit, qml reads qubit 0 as the least.
PennyLane's own device test suite runs in ``test_pennylane_device_suite.py``.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

qp = pytest.importorskip(
    "pennylane", reason="pennylane is not installed (pip install .[pennylane])"
)

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from pennylane import numpy as pnp  # noqa: E402
from scipy.stats import unitary_group  # noqa: E402

import qml.interop.pennylane as device_module  # noqa: E402
from qml.interop.pennylane import QubitDevice  # noqa: E402
from tests.strategies import PROPERTY_SETTINGS  # noqa: E402

WIRES = ["a", 2, "c", 0]  # labels in an order that is neither sorted nor 0..n-1


def both(circuit, wires=WIRES, **qnode_options):
    """The quantum function as a QNode on qml.qubit and on default.qubit."""
    return tuple(
        qp.QNode(circuit, qp.device(name, wires=wires), **qnode_options)
        for name in ("qml.qubit", "default.qubit")
    )


def assert_same(ours, reference, atol=1e-9):
    if isinstance(reference, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(reference)
        for a, b in zip(ours, reference, strict=True):
            assert_same(a, b, atol)
        return
    assert np.shape(ours) == np.shape(reference)
    np.testing.assert_allclose(np.asarray(ours), np.asarray(reference), atol=atol)


def ring(wires=WIRES):
    """CNOTs around the wires."""
    for k, wire in enumerate(wires):
        qp.CNOT(wires=[wire, wires[(k + 1) % len(wires)]])


def prepare(wires=WIRES):
    """A state in which every wire is entangled and no amplitude is special."""
    for k, w in enumerate(wires):
        qp.RY(0.3 + 0.4 * k, wires=w)
        qp.RZ(0.2 - 0.5 * k, wires=w)
    for a, b in itertools.pairwise(wires):
        qp.CNOT(wires=[a, b])


# -- the device ------------------------------------------------------------------------------


def test_the_entry_point_names_the_device():
    dev = qp.device("qml.qubit", wires=2)
    assert isinstance(dev, QubitDevice) and dev.name == "qml.qubit"


NATIVE = {
    "Hadamard": 0, "PauliX": 0, "PauliY": 0, "PauliZ": 0, "S": 0, "T": 0, "SX": 0, "CNOT": 0,
    "CY": 0, "CZ": 0, "CH": 0, "SWAP": 0, "ISWAP": 0, "Toffoli": 0, "CSWAP": 0, "CCZ": 0,
    "RX": 1, "RY": 1, "RZ": 1, "PhaseShift": 1, "U1": 1, "U2": 2, "U3": 3, "Rot": 3, "CRX": 1,
    "CRY": 1, "CRZ": 1, "ControlledPhaseShift": 1, "IsingXX": 1, "IsingYY": 1, "IsingZZ": 1,
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(NATIVE))
@pytest.mark.parametrize("adjoint", [False, True], ids=["", "adjoint"])
def test_each_qml_gate_prepares_default_qubit_s_state(name, adjoint):
    op_class = getattr(qp, name)
    params = [0.7, -1.3, 2.1][: NATIVE[name]]
    wires = [WIRES[i] for i in (2, 0, 3)][: op_class.num_wires]

    def circuit():
        prepare()
        (qp.adjoint(op_class) if adjoint else op_class)(*params, wires=wires)
        return qp.state()

    ours, reference = both(circuit)
    assert_same(ours(), reference())


def random_unitary(k: int, seed: int) -> np.ndarray:
    return unitary_group.rvs(1 << k, random_state=seed)


OTHER_OPERATIONS = {
    "IsingXY": lambda: qp.IsingXY(0.4, wires=["c", 0]),
    "MultiRZ": lambda: qp.MultiRZ(0.9, wires=["a", "c", 0]),
    "PauliRot": lambda: qp.PauliRot(1.1, "XYZ", wires=[0, "a", 2]),
    "CRot": lambda: qp.CRot(0.1, 0.2, 0.3, wires=[2, "a"]),
    "QubitUnitary": lambda: qp.QubitUnitary(random_unitary(2, 1), wires=[0, "a"]),
    "QubitUnitary3": lambda: qp.QubitUnitary(random_unitary(3, 2), wires=["c", 0, "a"]),
    "ControlledQubitUnitary": lambda: qp.ControlledQubitUnitary(
        random_unitary(1, 3), wires=["a", 2, 0]
    ),
    "DiagonalQubitUnitary": lambda: qp.DiagonalQubitUnitary(
        np.exp(1j * np.arange(4.0)), wires=[2, 0]
    ),
    "QFT": lambda: qp.QFT(wires=[0, "c", 2]),
    "GlobalPhase": lambda: qp.GlobalPhase(0.8),
    "ECR": lambda: qp.ECR(wires=["c", "a"]),
    "SISWAP": lambda: qp.SISWAP(wires=[0, 2]),
    "PSWAP": lambda: qp.PSWAP(0.6, wires=["a", 0]),
    "MultiControlledX": lambda: qp.MultiControlledX(wires=["a", 2, 0], control_values=[1, 0]),
    "ctrl(RX)": lambda: qp.ctrl(qp.RX(0.5, wires=0), control=["a", 2]),
    "adjoint(IsingXY)": lambda: qp.adjoint(qp.IsingXY(0.4, wires=["a", 2])),
    "SingleExcitation": lambda: qp.SingleExcitation(0.3, wires=[2, "c"]),
    "DoubleExcitation": lambda: qp.DoubleExcitation(0.3, wires=WIRES),
    "Permute": lambda: qp.Permute([0, "a", "c", 2], wires=WIRES),
}


@pytest.mark.parametrize("name", sorted(OTHER_OPERATIONS))
def test_operations_without_a_qml_gate_decompose_or_apply_their_matrix(name):
    def circuit():
        prepare()
        OTHER_OPERATIONS[name]()
        return qp.state()

    ours, reference = both(circuit)
    assert_same(ours(), reference())


@pytest.mark.parametrize(
    "prep",
    [lambda: qp.StatePrep(np.arange(1.0, 17.0) / np.linalg.norm(np.arange(1.0, 17.0)), wires=WIRES),
     lambda: qp.BasisState(np.array([1, 0, 1]), wires=["c", "a", 0])],
    ids=["StatePrep", "BasisState"],
)  # fmt: skip
def test_state_preparations(prep):
    def circuit():
        prep()
        qp.CNOT(wires=["a", 0])
        qp.RY(0.3, wires="c")
        return qp.state()

    ours, reference = both(circuit)
    assert_same(ours(), reference())


# -- broadcasting ----------------------------------------------------------------------------

#: Operations the random circuits draw from: (constructor, number of parameters, wires).
RANDOM_OPERATIONS = [
    (qp.RX, 1, 1), (qp.RY, 1, 1), (qp.RZ, 1, 1), (qp.PhaseShift, 1, 1), (qp.Rot, 3, 1),
    (qp.Hadamard, 0, 1), (qp.S, 0, 1), (qp.CNOT, 0, 2), (qp.CZ, 0, 2), (qp.CRY, 1, 2),
    (qp.IsingZZ, 1, 2), (qp.IsingXY, 1, 2), (qp.SWAP, 0, 2), (qp.Toffoli, 0, 3),
    (qp.MultiRZ, 1, 3), (qp.U3, 3, 1),
]  # fmt: skip


@st.composite
def random_circuits(draw):
    """(quantum function of x, batch of x) with some parameters broadcast over x."""
    batch = draw(st.sampled_from([None, 1, 3]))
    plan = []
    for _ in range(draw(st.integers(1, 10))):
        op, num_params, k = draw(st.sampled_from(RANDOM_OPERATIONS))
        wires = draw(st.permutations(WIRES))[:k]
        params = [
            draw(st.sampled_from(["x", "const"])) if batch else "const" for _ in range(num_params)
        ]
        values = [draw(st.floats(-3, 3)) for _ in range(num_params)]
        plan.append((op, wires, params, values))
    x = np.linspace(-1, 1, batch) if batch else 0.0

    def circuit(x):
        for op, wires, params, values in plan:
            op(*(x * v if p == "x" else v for p, v in zip(params, values, strict=True)),
               wires=wires)  # fmt: skip
        return qp.state(), qp.expval(qp.Z("a") @ qp.X(0)), qp.probs(wires=[0, "c"])

    return circuit, x


@PROPERTY_SETTINGS
@given(case=random_circuits())
def test_random_broadcast_circuits_equal_default_qubit(case):
    circuit, x = case
    ours, reference = both(circuit)
    assert_same(ours(x), reference(x))


def test_a_broadcast_tape_is_one_batched_qml_call(monkeypatch):
    calls = []
    original = device_module.expectation

    def counting(circuit, observables, params=None):
        calls.append(np.shape(params))
        return original(circuit, observables, params)

    monkeypatch.setattr(device_module, "expectation", counting)

    def circuit(x, w):
        for k, wire in enumerate(WIRES):
            qp.RY(x[:, k], wires=wire)
        ring()
        qp.Rot(*w, wires="c")
        return [qp.expval(qp.Z(wire)) for wire in WIRES]

    x = np.random.default_rng(0).uniform(-1, 1, (64, 4))
    ours, reference = both(circuit)
    assert_same(ours(x, [0.1, 0.2, 0.3]), reference(x, [0.1, 0.2, 0.3]))
    assert calls == [(64, 7)]


# -- measurements ----------------------------------------------------------------------------


def test_analytic_measurements_equal_default_qubit():
    hamiltonian = qp.Hamiltonian([0.5, -1.2], [qp.X("a") @ qp.Y(2), qp.Z(0)])
    hermitian = np.array([[1.0, 2 - 1j], [2 + 1j, -0.5]])

    def circuit(x):
        prepare()
        qp.RX(x, wires=2)
        return (
            qp.expval(hamiltonian), qp.var(qp.X("c") @ qp.Z(0)), qp.probs(wires=[0, "a"]),
            qp.expval(qp.Hermitian(hermitian, wires="c")), qp.var(qp.Hadamard(2)),
            qp.density_matrix(wires=["c", 2]), qp.state(), qp.expval(qp.Projector([1, 0], [0, 2])),
        )  # fmt: skip

    ours, reference = both(circuit)
    assert_same(ours(0.4), reference(0.4))
    assert_same(ours(np.array([0.4, -1.0])), reference(np.array([0.4, -1.0])))


def test_samples_are_seeded_and_follow_the_state():
    def circuit(x):
        qp.RY(x, wires=0)
        qp.CNOT(wires=[0, 1])
        return qp.sample(wires=[1, 0]), qp.counts(wires=[0]), qp.expval(qp.Z(0)), qp.probs(0)

    def run(seed, x):
        dev = qp.device("qml.qubit", wires=2, seed=seed)
        return qp.set_shots(qp.QNode(circuit, dev), shots=20_000)(x)

    samples, counts, z, probs = run(7, np.pi / 3)
    assert samples.shape == (20_000, 2)
    assert np.all(samples[:, 0] == samples[:, 1])  # a Bell pair: both wires agree
    assert set(counts) <= {"0", "1"} and sum(counts.values()) == 20_000
    p1 = np.sin(np.pi / 6) ** 2
    assert abs(samples[:, 0].mean() - p1) < 0.02 and abs(z - (1 - 2 * p1)) < 0.03
    assert abs(probs[1] - p1) < 0.02
    again = run(7, np.pi / 3)
    np.testing.assert_array_equal(again[0], samples)
    broadcast = run(1, np.array([0.0, np.pi]))
    assert broadcast[0].shape == (2, 20_000, 2)
    assert broadcast[0][0].sum() == 0 and broadcast[0][1].min() == 1


def test_shot_vectors():
    def circuit():
        qp.Hadamard(0)
        return qp.expval(qp.Z(0))

    dev = qp.device("qml.qubit", wires=1, seed=3)
    results = qp.set_shots(qp.QNode(circuit, dev), shots=[(100, 3)])()
    assert len(results) == 3 and all(abs(r) < 0.5 for r in results)


def test_mid_circuit_measurements_are_deferred():
    def circuit(x):
        qp.RY(x, wires=0)
        m = qp.measure(0)
        qp.cond(m, qp.RX)(0.8, wires=1)
        return qp.probs(wires=[0, 1]), qp.expval(m)

    ours = qp.QNode(circuit, qp.device("qml.qubit", wires=3))
    reference = qp.QNode(circuit, qp.device("default.qubit", wires=3), mcm_method="deferred")
    assert_same(ours(0.7), reference(0.7))


# -- adjoint derivatives ---------------------------------------------------------------------


def classifier(x, w):
    for k, wire in enumerate(WIRES):
        qp.RY(x[..., k], wires=wire)
    for layer in range(2):
        for k, wire in enumerate(WIRES):
            qp.Rot(*w[layer, k], wires=wire)
        ring()
    qp.IsingXY(w[0, 0, 0], wires=["a", 0])  # no qml gate: decomposed for the adjoint method
    return qp.expval(qp.Z("a") @ qp.Z(2)), qp.expval(0.5 * qp.X("c") + qp.Y(0))


@pytest.mark.parametrize("device_vjp", [False, True], ids=["jacobian", "vjp"])
@pytest.mark.parametrize("inputs", ["single", "broadcast", "trainable broadcast"])
def test_adjoint_gradients_equal_default_qubit_backprop(device_vjp, inputs):
    rng = np.random.default_rng(1)
    shape = (4,) if inputs == "single" else (5, 4)
    x = pnp.array(rng.uniform(-1, 1, shape), requires_grad=inputs == "trainable broadcast")
    w = pnp.array(rng.uniform(-1, 1, (2, 4, 3)), requires_grad=True)
    ours = qp.QNode(classifier, qp.device("qml.qubit", wires=WIRES), diff_method="adjoint",
                    device_vjp=device_vjp)  # fmt: skip
    reference = qp.QNode(classifier, qp.device("default.qubit", wires=WIRES),
                         diff_method="backprop")  # fmt: skip

    def loss(node):
        return lambda x, w: qp.math.sum(qp.math.stack(node(x, w)) ** 2)

    assert_same(qp.grad(loss(ours))(x, w), qp.grad(loss(reference))(x, w))
    jacobian = qp.jacobian(lambda x, w: qp.math.stack(ours(x, w)))(x, w)
    expected = qp.jacobian(lambda x, w: qp.math.stack(reference(x, w)))(x, w)
    assert_same(jacobian, expected)


def test_tapes_of_one_structure_are_differentiated_in_one_call(monkeypatch):
    calls = []
    original = device_module.gradient

    def counting(circuit, observables, params):
        calls.append(np.shape(params))
        return original(circuit, observables, params)

    monkeypatch.setattr(device_module, "gradient", counting)
    dev = qp.device("qml.qubit", wires=2)
    tapes = [
        qp.tape.QuantumScript(
            [qp.RY(a, wires=0), qp.CNOT(wires=[0, 1]), qp.RX(-a, wires=1)],
            [qp.expval(qp.Z(1))], trainable_params=[0, 1],
        )
        for a in np.linspace(0, 1, 6)
    ]  # fmt: skip
    jacobians = dev.compute_derivatives(tapes)
    reference = qp.device("default.qubit").compute_derivatives(
        tapes, qp.devices.ExecutionConfig(gradient_method="adjoint")
    )
    assert_same(jacobians, reference)
    assert calls == [(6, 2)]


def test_adjoint_needs_analytic_tapes():
    dev = qp.device("qml.qubit", wires=1)
    config = qp.devices.ExecutionConfig(gradient_method="adjoint")
    tape = qp.tape.QuantumScript([qp.RX(0.1, 0)], [qp.expval(qp.Z(0))], shots=100)
    assert not dev.supports_derivatives(config, tape)
    assert dev.supports_derivatives(config, tape.copy(shots=None))
