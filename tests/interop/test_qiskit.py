"""``qml.interop.qiskit.Estimator`` and ``Sampler`` against qiskit's reference primitives.

The oracle is qiskit's ``StatevectorEstimator`` / ``StatevectorSampler`` run on the
same PUBs: expectation values to 1e-9, and, given the same seed, the very same
noise draws and the very same shots (qml reproduces the reference's random streams).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Parameter, ParameterVector, library
from qiskit.circuit.library import real_amplitudes, zz_feature_map
from qiskit.primitives import (
    BaseEstimatorV2,
    BaseSamplerV2,
    StatevectorEstimator,
    StatevectorSampler,
)
from qiskit.quantum_info import SparsePauliOp

import qml.interop.qiskit as interop
from qml import QmlError
from qml.errors import UnsupportedOperationError
from qml.interop.qiskit import Estimator, Sampler, search_right
from tests.strategies import PROPERTY_SETTINGS

# -- random PUBs -----------------------------------------------------------------------------

#: qiskit gates the random circuits draw from: (constructor, number of angles, qubits).
GATES = [
    (library.HGate, 0, 1), (library.SXGate, 0, 1), (library.TGate, 0, 1),
    (library.RXGate, 1, 1), (library.RYGate, 1, 1), (library.RZGate, 1, 1),
    (library.PhaseGate, 1, 1), (library.UGate, 3, 1), (library.CXGate, 0, 2),
    (library.CZGate, 0, 2), (library.CRYGate, 1, 2), (library.CPhaseGate, 1, 2),
    (library.RZZGate, 1, 2), (library.RXXGate, 1, 2), (library.SwapGate, 0, 2),
    (library.iSwapGate, 0, 2), (library.CCXGate, 0, 3), (library.XXPlusYYGate, 2, 2),
]  # fmt: skip
THETA = ParameterVector("θ", 3)
PHI = Parameter("φ")  # sorts after θ[...] in qiskit's order, appears first here: tests the mapping


@st.composite
def parameterized_circuits(draw, max_qubits: int = 4, max_gates: int = 12) -> QuantumCircuit:
    """A circuit of qiskit gates whose angles are numbers, parameters or affine expressions."""
    n = draw(st.integers(1, max_qubits))
    qc = QuantumCircuit(n, global_phase=draw(st.floats(-3, 3)))
    qc.ry(PHI, 0)
    symbols = [PHI, *THETA]
    for _ in range(draw(st.integers(0, max_gates))):
        gate, num_angles, k = draw(st.sampled_from([g for g in GATES if g[2] <= n]))
        angles = []
        for _ in range(num_angles):
            kind = draw(st.sampled_from(["number", "parameter", "affine"]))
            value = draw(st.floats(-4, 4))
            symbol = draw(st.sampled_from(symbols))
            angles.append(
                value if kind == "number" else symbol if kind == "parameter" else 2 * symbol + value
            )
        qubits = draw(st.permutations(range(n)))[:k]
        qc.append(gate(*angles), qubits)
    return qc


@st.composite
def broadcast_shapes(draw) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(bindings shape, observables shape), broadcastable, possibly of different ranks."""
    full = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=3)))
    bindings = tuple(d if draw(st.booleans()) else 1 for d in full)
    observables = tuple(d if draw(st.booleans()) else 1 for d in full)
    return bindings[draw(st.integers(0, len(bindings))) :], observables


@st.composite
def observables(draw, num_qubits: int, shape: tuple[int, ...]) -> np.ndarray:
    """An object array of random SparsePauliOps of ``shape`` (never zero: qiskit refuses it)."""
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        terms = draw(st.integers(1, 3))
        labels = [
            "".join(draw(st.sampled_from("IXYZ")) for _ in range(num_qubits)) for _ in range(terms)
        ]
        coefficients = [
            draw(st.sampled_from([-1, 1])) * draw(st.floats(0.1, 2)) for _ in range(terms)
        ]
        out[index] = SparsePauliOp(labels, coefficients)
    return out


def random_values(qc: QuantumCircuit, shape: tuple[int, ...], seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-np.pi, np.pi, (*shape, qc.num_parameters))


def evs(estimator, pubs, **options) -> list[np.ndarray]:
    return [result.data.evs for result in estimator.run(pubs, **options).result()]


# -- Estimator -------------------------------------------------------------------------------


def test_estimator_is_a_qiskit_estimator_v2():
    assert isinstance(Estimator(), BaseEstimatorV2)
    assert Estimator().default_precision == 0.0 and Estimator(seed=3).seed == 3


@PROPERTY_SETTINGS
@given(data=st.data(), qc=parameterized_circuits(), shapes=broadcast_shapes())
def test_estimator_equals_the_reference_on_random_broadcast_pubs(data, qc, shapes):
    bindings_shape, observables_shape = shapes
    obs = data.draw(observables(qc.num_qubits, observables_shape))
    pub = (qc, obs, random_values(qc, bindings_shape, data.draw(st.integers(0, 99))))
    (ours,), (reference,) = evs(Estimator(), [pub]), evs(StatevectorEstimator(), [pub])
    assert ours.shape == reference.shape == np.broadcast_shapes(bindings_shape, observables_shape)
    np.testing.assert_allclose(ours, reference, atol=1e-9)


def test_estimator_result_shapes_and_metadata():
    qc = real_amplitudes(2, reps=1)
    pub = (qc, [["ZZ"], ["XI"], ["IY"]], random_values(qc, (1, 5), 0))
    result = Estimator().run([pub]).result()
    assert result[0].data.evs.shape == result[0].data.stds.shape == (3, 5)
    assert not result[0].data.stds.any()  # as the reference: values are exact
    assert result[0].metadata["target_precision"] == 0.0
    assert result.metadata == {"version": 2}


def test_estimator_reads_observables_as_labels_paulis_and_projectors():
    qc = QuantumCircuit(2)
    qc.h(0)
    (ours,) = evs(Estimator(), [(qc, ["XI", "IX", "0I", "I+"])])
    np.testing.assert_allclose(ours, [0.0, 1.0, 1.0, 1.0], atol=1e-12)


@pytest.mark.parametrize("seed", [11, "generator"])
def test_estimator_precision_noise_is_the_reference_s_draws(seed):
    qc = zz_feature_map(3)
    pubs = [(qc, ["ZZI", "XXX"], random_values(qc, (4, 1), k)) for k in range(2)]

    def make(cls):
        return cls(seed=np.random.default_rng(5) if seed == "generator" else seed)

    ours = evs(make(Estimator), pubs, precision=0.05)
    reference = evs(make(StatevectorEstimator), pubs, precision=0.05)
    for a, b in zip(ours, reference, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-9)
    exact = evs(Estimator(), pubs)[0]
    assert 0 < np.abs(ours[0] - exact).max() < 0.5  # noise was added


def test_estimator_default_precision_and_per_pub_precision():
    qc = QuantumCircuit(1)
    qc.h(0)
    estimator = Estimator(default_precision=0.1, seed=1)
    noisy, exact = (r.data.evs for r in estimator.run([(qc, "X"), (qc, "X", None, 0.0)]).result())
    assert noisy != 1.0 and exact == pytest.approx(1.0)


def test_each_circuit_is_one_batched_qml_call(monkeypatch):
    calls = []
    original = interop.expectation

    def counting(circuit, observables, params=None):
        calls.append(None if params is None else np.shape(params))
        return original(circuit, observables, params=params)

    monkeypatch.setattr(interop, "expectation", counting)
    qc = real_amplitudes(3, reps=2)
    evs(Estimator(), [(qc, [["ZII"], ["IXI"]], random_values(qc, (2, 7), 1))])
    assert calls == [(14, qc.num_parameters)]
    # PUBs of one circuit share a call: rows stacked, identical blocks simulated once
    values = random_values(qc, (5,), 2)
    pubs = [(qc, "ZII", values), (qc, "IIX", values), (qc, "XXX", random_values(qc, (3,), 3))]
    ours = evs(Estimator(), pubs)
    assert calls[1:] == [(8, qc.num_parameters)]
    for a, b in zip(ours, evs(StatevectorEstimator(), pubs), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-9)


def test_parameters_map_by_name_not_position():
    a, b = Parameter("a"), Parameter("b")
    qc = QuantumCircuit(2)
    qc.ry(b, 0)  # qml lists b first (first appearance); qiskit sorts a first
    qc.rx(a, 1)
    qc.cx(0, 1)
    pub = (qc, [["ZI"], ["IZ"], ["ZZ"]], [[0.3, 1.1], [-0.7, 0.2]])
    np.testing.assert_allclose(
        evs(Estimator(), [pub])[0], evs(StatevectorEstimator(), [pub])[0], atol=1e-12
    )


def test_a_circuit_changed_in_place_is_converted_again():
    qc = QuantumCircuit(1)
    estimator = Estimator()
    assert evs(estimator, [(qc, "Z")])[0] == pytest.approx(1.0)
    qc.x(0)
    assert evs(estimator, [(qc, "Z")])[0] == pytest.approx(-1.0)


def test_circuit_without_parameters_broadcasts_over_observables():
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    ours = evs(Estimator(), [(qc, [["XX", "ZZ", "YY"]])])[0]
    np.testing.assert_allclose(ours, [[1.0, 1.0, -1.0]], atol=1e-12)


def test_estimator_refuses_measurements_naming_them():
    qc = QuantumCircuit(1)
    qc.h(0)
    qc.measure_all()
    with pytest.raises(UnsupportedOperationError, match="'measure' on qubit 0"):
        Estimator().run([(qc, "Z")])


def reset_circuit() -> QuantumCircuit:
    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.reset(0)
    qc.measure([0, 1], [0, 1])
    return qc


def mid_circuit_measurement() -> QuantumCircuit:
    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.measure(0, 0)
    qc.cx(0, 1)
    qc.measure(1, 1)
    return qc


def control_flow() -> QuantumCircuit:
    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.x(1)
    qc.measure(1, 1)
    return qc


@pytest.mark.parametrize(
    ("make", "named"),
    [(reset_circuit, "'reset'"), (mid_circuit_measurement, "mid-circuit"),
     (control_flow, "'if_else'")],
)  # fmt: skip
@pytest.mark.parametrize("primitive", ["estimator", "sampler"])
def test_unsupported_instructions_are_qml_errors_naming_them(make, named, primitive):
    qc = make()
    with pytest.raises(QmlError, match=named if primitive == "sampler" else "instruction"):
        if primitive == "sampler":
            Sampler().run([qc])
        else:
            Estimator().run([(qc.remove_final_measurements(inplace=False), "ZZ")])


# -- Sampler ---------------------------------------------------------------------------------


@st.composite
def measured_circuits(draw) -> QuantumCircuit:
    """A random parameterized circuit measured into one to three registers, some bits unset."""
    body = draw(parameterized_circuits(max_qubits=4, max_gates=10))
    n = body.num_qubits
    sizes = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    registers = [ClassicalRegister(size, f"c{i}") for i, size in enumerate(sizes)]
    qc = QuantumCircuit(QuantumRegister(n, "q"), *registers)
    qc.compose(body, qubits=range(n), inplace=True)
    clbits = draw(st.permutations(range(qc.num_clbits)))
    qubits = draw(st.lists(st.integers(0, n - 1), min_size=0, max_size=len(clbits)))
    for qubit, clbit in zip(qubits, clbits, strict=False):
        qc.measure(qubit, clbit)
    return qc


@PROPERTY_SETTINGS
@given(qc=measured_circuits(), shape=st.sampled_from([(), (3,), (2, 2)]), seed=st.integers(0, 99))
def test_sampler_draws_the_reference_s_shots_for_the_same_seed(qc, shape, seed):
    pub = (qc, random_values(qc, shape, seed), 64)
    (ours,) = Sampler(seed=seed).run([pub]).result()
    (reference,) = StatevectorSampler(seed=seed).run([pub]).result()
    assert ours.data.keys() == reference.data.keys()
    for name in reference.data:
        a, b = ours.data[name], reference.data[name]
        assert (a.shape, a.num_shots, a.num_bits) == (b.shape, b.num_shots, b.num_bits)
        np.testing.assert_array_equal(a.array, b.array)


def test_sampler_with_a_generator_continues_its_stream_like_the_reference():
    qc = real_amplitudes(3, reps=1)
    qc.measure_all()
    pubs = [(qc, random_values(qc, (4,), k)) for k in range(2)]
    ours = Sampler(seed=np.random.default_rng(7)).run(pubs).result()
    reference = StatevectorSampler(seed=np.random.default_rng(7)).run(pubs).result()
    for a, b in zip(ours, reference, strict=True):
        np.testing.assert_array_equal(a.data.meas.array, b.data.meas.array)
    # rows differ: the stream goes on from row to row
    assert not np.array_equal(ours[0].data.meas.array[0], ours[0].data.meas.array[1])


def test_sampler_counts_follow_the_probabilities():
    theta = Parameter("t")
    qc = QuantumCircuit(1)
    qc.ry(theta, 0)
    qc.measure_all()
    angles = np.array([[0.0], [np.pi], [np.pi / 2]])
    (result,) = Sampler(seed=0).run([(qc, angles, 20_000)]).result()
    ones = result.data.meas.bitcount().mean(axis=-1)
    np.testing.assert_allclose(ones, [0.0, 1.0, 0.5], atol=0.02)
    assert result.metadata["shots"] == 20_000


def test_sampler_default_shots_and_shape():
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.measure_all()
    (result,) = Sampler(default_shots=100).run([qc]).result()
    assert result.data.meas.num_shots == 100 and result.data.meas.shape == ()
    assert set(result.data.meas.get_counts()) <= {"00", "01"}


def test_sampler_warns_without_classical_registers_like_the_reference():
    with pytest.warns(UserWarning, match="no output classical registers"):
        result = Sampler().run([QuantumCircuit(1)]).result()
    assert len(result[0].data) == 0


def test_sampler_is_a_qiskit_sampler_v2():
    assert isinstance(Sampler(), BaseSamplerV2)
    assert Sampler().default_shots == 1024 and Sampler(seed=2).seed == 2


def test_each_sampler_pub_is_one_batched_qml_call(monkeypatch):
    calls = []
    original = interop.probabilities

    def counting(circuit, qubits=None, params=None):
        calls.append(np.shape(params))
        return original(circuit, qubits, params=params)

    monkeypatch.setattr(interop, "probabilities", counting)
    qc = real_amplitudes(3, reps=1)
    qc.measure_all()
    Sampler().run([(qc, random_values(qc, (5, 2), 0))]).result()
    assert calls == [(10, qc.num_parameters)]


@given(
    cdf=st.lists(st.floats(0, 1), min_size=1, max_size=9).map(sorted),
    draws=st.lists(st.floats(0, 1), min_size=1, max_size=9),
)
def test_search_right_is_searchsorted_right(cdf, draws):
    expected = np.searchsorted(np.array(cdf), np.array(draws), side="right")
    found = search_right(np.array([cdf]), np.array([draws]))
    np.testing.assert_array_equal(found[0], expected)
