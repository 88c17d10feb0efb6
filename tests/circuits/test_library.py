"""The circuit library against qiskit's circuits and independent numpy constructions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from qiskit.circuit.library import efficient_su2 as qiskit_efficient_su2
from qiskit.circuit.library import real_amplitudes as qiskit_real_amplitudes
from qiskit.circuit.library import zz_feature_map as qiskit_zz_feature_map
from qiskit.quantum_info import Statevector

import qml
from qml.circuits import Circuit, library
from qml.circuits.library import (
    ANSATZE,
    ENCODINGS,
    ENTANGLEMENTS,
    amplitude_angles,
    amplitude_encoding,
    angle_encoding,
    data_reuploading,
    efficient_su2,
    entanglement_pairs,
    hardware_efficient,
    iqp_encoding,
    real_amplitudes,
    stack_parameters,
    strongly_entangling_layers,
    zz_feature_map,
)
from qml.errors import (
    DataError,
    OptionError,
    ParameterError,
    QmlError,
    QubitError,
    ShapeError,
    UnboundParameterError,
)

QISKIT_ENTANGLEMENTS = ("full", "linear", "reverse_linear", "circular", "pairwise")
ATOL = 1e-10


# -- oracles -------------------------------------------------------------------------------
def qiskit_states(qc, rows: np.ndarray) -> np.ndarray:
    """qiskit's state for each row of values, element ``i`` of qiskit's vector taking column i."""
    return np.array(
        [
            Statevector(qc.assign_parameters({p: row[p.index] for p in qc.parameters})).data
            for row in rows
        ]
    )


def signature(circuit: Circuit) -> list[tuple]:
    """Gate names, qubits and parameters (as text): what must agree instruction by instruction."""
    return [(g.name, qs, tuple(str(p) for p in g.params)) for g, qs in circuit]


def qiskit_signature(qc) -> list[tuple]:
    return [
        (inst.operation.name, tuple(qc.find_bit(q).index for q in inst.qubits)) for inst in qc.data
    ]


def ry(t: float) -> np.ndarray:
    return np.array([[math.cos(t / 2), -math.sin(t / 2)], [math.sin(t / 2), math.cos(t / 2)]])


def rx(t: float) -> np.ndarray:
    c, s = math.cos(t / 2), math.sin(t / 2)
    return np.array([[c, -1j * s], [-1j * s, c]])


def rz(t: float) -> np.ndarray:
    return np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])


def apply_1q(state: np.ndarray, matrix: np.ndarray, q: int, n: int) -> np.ndarray:
    """Little-endian: qubit q is axis n-1-q of the (2,)*n tensor."""
    tensor = np.moveaxis(state.reshape([2] * n), n - 1 - q, 0)
    tensor = np.tensordot(matrix, tensor, axes=(1, 0))
    return np.moveaxis(tensor, 0, n - 1 - q).reshape(-1)


def apply_cx(state: np.ndarray, control: int, target: int) -> np.ndarray:
    index = np.arange(state.size)
    source = np.where((index >> control) & 1, index ^ (1 << target), index)
    return state[source]


def zero_state(n: int) -> np.ndarray:
    state = np.zeros(2**n, dtype=complex)
    state[0] = 1
    return state


# -- entanglement --------------------------------------------------------------------------
@pytest.mark.parametrize("name", QISKIT_ENTANGLEMENTS)
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_entanglement_pairs_are_qiskits(name: str, n: int) -> None:
    qc = qiskit_real_amplitudes(n, name, reps=1, skip_final_rotation_layer=True)
    expected = [qubits for op, qubits in qiskit_signature(qc) if op == "cx"]
    assert entanglement_pairs(n, name) == expected


def test_ring_is_the_usual_cx_ring() -> None:
    assert entanglement_pairs(4, "ring") == [(0, 1), (1, 2), (2, 3), (3, 0)]
    assert entanglement_pairs(2, "ring") == [(0, 1)]
    assert entanglement_pairs(1, "ring") == []


def test_explicit_pairs_are_checked() -> None:
    assert entanglement_pairs(3, [(2, 0), [0, 1]]) == [(2, 0), (0, 1)]
    with pytest.raises(QubitError):
        entanglement_pairs(3, [(1, 1)])
    with pytest.raises(QubitError, match="out of range"):
        entanglement_pairs(3, [(0, 3)])
    with pytest.raises(OptionError):
        entanglement_pairs(3, ["linear"])


@pytest.mark.parametrize(
    "build",
    [
        lambda e: entanglement_pairs(3, e),
        lambda e: zz_feature_map(3, entanglement=e),
        lambda e: iqp_encoding(3, entanglement=e),
        lambda e: real_amplitudes(3, entanglement=e),
        lambda e: efficient_su2(3, entanglement=e),
        lambda e: hardware_efficient(3, entanglement=e),
    ],
)
def test_unknown_entanglement_lists_the_valid_ones(build) -> None:
    with pytest.raises(OptionError) as info:
        build("star")
    assert isinstance(info.value, ValueError) and isinstance(info.value, QmlError)
    assert all(name in str(info.value) for name in ENTANGLEMENTS)


@pytest.mark.parametrize(
    "build",
    [
        lambda r: angle_encoding(2, r),
        lambda r: efficient_su2(2, [r]),
        lambda r: hardware_efficient(2, rotations=("ry", r)),
    ],
)
def test_unknown_rotation_lists_the_valid_ones(build) -> None:
    with pytest.raises(OptionError, match="rx, ry, rz"):
        build("ryy")


# -- qiskit's n-local ansätze --------------------------------------------------------------
@pytest.mark.parametrize("entanglement", QISKIT_ENTANGLEMENTS)
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_real_amplitudes_is_qiskits(n: int, entanglement: str, rng) -> None:
    for reps in (0, 1, 3):
        for skip in (False, True):
            ours = real_amplitudes(n, entanglement, reps, skip_final_rotation_layer=skip)
            theirs = qiskit_real_amplitudes(n, entanglement, reps, skip_final_rotation_layer=skip)
            assert [p.name for p in ours.parameters] == [
                p.name for p in sorted(theirs.parameters, key=lambda p: p.index)
            ]
            assert [(name, qs) for name, qs, _ in signature(ours)] == qiskit_signature(theirs)
            if ours.num_parameters:
                rows = rng.uniform(-np.pi, np.pi, (3, ours.num_parameters))
                assert np.allclose(qml.simulate(ours, rows), qiskit_states(theirs, rows), atol=ATOL)


@pytest.mark.parametrize("entanglement", QISKIT_ENTANGLEMENTS)
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_efficient_su2_is_qiskits(n: int, entanglement: str, rng) -> None:
    for reps in (0, 1, 2):
        for skip in (False, True):
            ours = efficient_su2(n, None, entanglement, reps, skip_final_rotation_layer=skip)
            theirs = qiskit_efficient_su2(
                n, None, entanglement, reps, skip_final_rotation_layer=skip
            )
            assert ours.num_parameters == theirs.num_parameters == 2 * n * (reps + (not skip))
            assert [(name, qs) for name, qs, _ in signature(ours)] == qiskit_signature(theirs)
            if ours.num_parameters:
                rows = rng.uniform(-np.pi, np.pi, (3, ours.num_parameters))
                assert np.allclose(qml.simulate(ours, rows), qiskit_states(theirs, rows), atol=ATOL)


@pytest.mark.parametrize("gates", ["rx", ["rz", "rx", "ry"], ("ry",)])
def test_efficient_su2_gate_choices_are_qiskits(gates, rng) -> None:
    ours = efficient_su2(3, gates, "full", 2)
    theirs = qiskit_efficient_su2(3, gates, "full", 2)
    rows = rng.uniform(-np.pi, np.pi, (2, ours.num_parameters))
    assert np.allclose(qml.simulate(ours, rows), qiskit_states(theirs, rows), atol=ATOL)


def test_defaults_are_qiskits() -> None:
    for ours, theirs in [
        (real_amplitudes(3), qiskit_real_amplitudes(3)),
        (efficient_su2(3), qiskit_efficient_su2(3)),
    ]:
        assert [(name, qs) for name, qs, _ in signature(ours)] == qiskit_signature(theirs)


def test_hardware_efficient_is_efficient_su2_without_final_layer(rng) -> None:
    for n, reps, entanglement in [(1, 2, "ring"), (3, 2, "ring"), (4, 3, "linear")]:
        ours = hardware_efficient(n, reps, entanglement)
        general = efficient_su2(n, ["ry", "rz"], entanglement, reps, skip_final_rotation_layer=True)
        assert signature(ours) == signature(general)
        assert ours.num_parameters == 2 * n * reps
    # against qiskit, the ring given as explicit pairs
    ours = hardware_efficient(4, 2)
    theirs = qiskit_efficient_su2(
        4, None, [(0, 1), (1, 2), (2, 3), (3, 0)], 2, skip_final_rotation_layer=True
    )
    rows = rng.uniform(-np.pi, np.pi, (3, ours.num_parameters))
    assert np.allclose(qml.simulate(ours, rows), qiskit_states(theirs, rows), atol=ATOL)


# -- strongly entangling layers ------------------------------------------------------------
def strongly_entangling_oracle(weights: np.ndarray, ranges: list[int]) -> np.ndarray:
    layers, n, _ = weights.shape
    state = zero_state(n)
    for layer in range(layers):
        for q in range(n):
            phi, theta, omega = weights[layer, q]
            state = apply_1q(state, rz(omega) @ ry(theta) @ rz(phi), q, n)  # PennyLane's Rot
        if n > 1:
            for q in range(n):
                state = apply_cx(state, q, (q + ranges[layer]) % n)
    return state


@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("layers", [1, 2, 5])
def test_strongly_entangling_layers_match_closed_form(n: int, layers: int, rng) -> None:
    circuit = strongly_entangling_layers(n, layers)
    assert circuit.num_parameters == 3 * n * layers
    weights = rng.uniform(-np.pi, np.pi, (layers, n, 3))
    ranges = [(layer % (n - 1)) + 1 if n > 1 else 0 for layer in range(layers)]
    expected = strongly_entangling_oracle(weights, ranges)
    assert np.allclose(qml.simulate(circuit, weights.reshape(-1)), expected, atol=ATOL)


def test_strongly_entangling_custom_ranges(rng) -> None:
    circuit = strongly_entangling_layers(4, 3, ranges=[3, 2, 2])
    weights = rng.uniform(-np.pi, np.pi, (3, 4, 3))
    expected = strongly_entangling_oracle(weights, [3, 2, 2])
    assert np.allclose(qml.simulate(circuit, weights.reshape(-1)), expected, atol=ATOL)
    with pytest.raises(ShapeError, match="one value per layer"):
        strongly_entangling_layers(4, 3, ranges=[1, 2])
    with pytest.raises(ValueError, match="own target"):
        strongly_entangling_layers(4, 2, ranges=[1, 4])


# -- encodings -----------------------------------------------------------------------------
@pytest.mark.parametrize("rotation, matrix", [("rx", rx), ("ry", ry), ("rz", rz)])
def test_angle_encoding_is_a_product_state(rotation: str, matrix, rng) -> None:
    n, scale = 3, 0.7
    circuit = angle_encoding(n, rotation, scale=scale)
    assert [p.name for p in circuit.parameters] == ["x[0]", "x[1]", "x[2]"]
    X = rng.uniform(-np.pi, np.pi, (4, n))
    expected = []
    for row in X:
        factors = [matrix(scale * row[q]) @ np.array([1, 0]) for q in reversed(range(n))]
        expected.append(_kron(factors))
    assert np.allclose(qml.simulate(circuit, X), np.array(expected), atol=ATOL)


def _kron(factors: list[np.ndarray]) -> np.ndarray:
    out = np.ones(1)
    for f in factors:
        out = np.kron(out, f)
    return out


@pytest.mark.parametrize("entanglement", ["full", "linear", "circular"])
@pytest.mark.parametrize("n", [2, 3, 4])
def test_zz_feature_map_is_qiskits(n: int, entanglement: str, rng) -> None:
    for reps, alpha in [(1, 2.0), (2, 2.0), (3, 1.3)]:
        ours = zz_feature_map(n, reps, entanglement, alpha=alpha)
        theirs = qiskit_zz_feature_map(n, reps, entanglement, alpha=alpha)
        assert [p.name for p in ours.parameters] == [f"x[{i}]" for i in range(n)]
        X = rng.uniform(0, 2 * np.pi, (4, n))
        assert np.allclose(qml.simulate(ours, X), qiskit_states(theirs, X), atol=ATOL)


def test_zz_feature_map_of_one_feature() -> None:
    # qiskit refuses one feature; ours is then H and P(alpha x) per rep
    state = qml.simulate(zz_feature_map(1, reps=1), [0.4])
    assert np.allclose(state, [1 / math.sqrt(2), np.exp(0.8j) / math.sqrt(2)], atol=ATOL)


def iqp_oracle(x: np.ndarray, pairs: list[tuple[int, int]], reps: int) -> np.ndarray:
    n = x.size
    index = np.arange(2**n)
    z = 1 - 2 * ((index[:, None] >> np.arange(n)[None, :]) & 1)  # Z eigenvalue of each qubit
    energy = z @ x + sum(x[i] * x[j] * z[:, i] * z[:, j] for i, j in pairs)
    diagonal = np.exp(-0.5j * energy)
    hadamards = _kron([np.array([[1, 1], [1, -1]]) / math.sqrt(2)] * n)
    state = zero_state(n)
    for _ in range(reps):
        state = diagonal * (hadamards @ state)
    return state


@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("entanglement", ["full", "linear"])
def test_iqp_encoding_matches_closed_form(n: int, entanglement: str, rng) -> None:
    for reps in (1, 2):
        circuit = iqp_encoding(n, reps, entanglement)
        X = rng.uniform(-np.pi, np.pi, (3, n))
        pairs = entanglement_pairs(n, entanglement)
        expected = np.array([iqp_oracle(row, pairs, reps) for row in X])
        assert np.allclose(qml.simulate(circuit, X), expected, atol=ATOL)


# -- amplitude encoding --------------------------------------------------------------------
def special_rows(n: int) -> np.ndarray:
    size = 2**n
    rows = [np.eye(size)[0], np.eye(size)[-1], -np.eye(size)[size // 2], -np.ones(size)]
    sparse = np.zeros(size)
    sparse[::3] = np.arange(1, len(sparse[::3]) + 1) * (-1) ** np.arange(len(sparse[::3]))
    return np.array([*rows, sparse])


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_amplitude_encoding_prepares_real_vectors_exactly(n: int, rng) -> None:
    circuit = amplitude_encoding(n)
    assert circuit.num_parameters == 2**n - 1
    assert set(circuit.count_ops()) <= {"ry", "cx"}
    X = np.concatenate([rng.normal(size=(6, 2**n)) * 3, special_rows(n)])
    angles = amplitude_angles(X, num_qubits=n)
    assert angles.shape == (len(X), 2**n - 1)
    expected = X / np.linalg.norm(X, axis=1, keepdims=True)
    assert np.allclose(qml.simulate(circuit, angles), expected, atol=ATOL)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_amplitude_encoding_prepares_complex_vectors_with_their_phase(n: int, rng) -> None:
    circuit = amplitude_encoding(n, complex_amplitudes=True)
    assert circuit.num_parameters == 2 ** (n + 1) - 1
    assert set(circuit.count_ops()) <= {"ry", "rz", "cx"}
    X = rng.normal(size=(6, 2**n)) + 1j * rng.normal(size=(6, 2**n))
    X = np.concatenate([X, special_rows(n) * np.exp(0.3j)])
    angles = amplitude_angles(X, complex_amplitudes=True)
    expected = X / np.linalg.norm(X, axis=1, keepdims=True)
    assert np.allclose(qml.simulate(circuit, angles), expected, atol=ATOL)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 3).flatmap(
        lambda n: hnp.arrays(
            np.float64,
            2**n,
            elements=st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False),
        )
    )
)
def test_amplitude_encoding_any_nonzero_vector(vector: np.ndarray) -> None:
    assume(np.any(vector != 0))
    n = vector.size.bit_length() - 1
    for complex_amplitudes in (False, True):
        circuit = amplitude_encoding(n, complex_amplitudes=complex_amplitudes)
        state = qml.simulate(
            circuit, amplitude_angles(vector, complex_amplitudes=complex_amplitudes)
        )
        scaled = vector / np.max(np.abs(vector))
        assert np.allclose(state, scaled / np.linalg.norm(scaled), atol=ATOL)


def test_amplitude_angles_of_one_vector_and_of_tiny_vectors() -> None:
    vector = np.array([1.0, -2.0, 0.0, 0.5])
    angles = amplitude_angles(vector)
    assert angles.shape == (3,)
    state = qml.simulate(amplitude_encoding(2), angles)
    assert np.allclose(state, vector / np.linalg.norm(vector), atol=ATOL)
    assert np.allclose(amplitude_angles(1e-200 * vector), angles, atol=ATOL)


def test_amplitude_encoding_through_qiskit(rng) -> None:
    vector = rng.normal(size=8) + 1j * rng.normal(size=8)
    circuit = amplitude_encoding(3, complex_amplitudes=True)
    bound = circuit.assign_parameters(amplitude_angles(vector, complex_amplitudes=True))
    assert np.allclose(
        Statevector(bound.to_qiskit()).data, vector / np.linalg.norm(vector), atol=ATOL
    )


@pytest.mark.parametrize(
    "X, error, message",
    [
        (np.zeros(4), DataError, "zero vector"),
        (np.array([[1.0, 0, 0, 0], [0, 0, 0, 0]]), DataError, "row.* 1 "),
        (np.ones(6), ShapeError, "pad each sample with zeros to 8"),
        (np.ones(1), ShapeError, "2\\*\\*n features"),
        (np.ones((2, 2, 2)), ShapeError, "shape"),
        (np.array([1.0, np.nan]), DataError, "NaN"),
        (np.array([1.0, np.inf]), DataError, "NaN or infinite"),
        (np.array([1.0, 1j]), DataError, "complex_amplitudes=True"),
        (np.array(["a", "b"]), DataError, "numeric"),
    ],
)
def test_amplitude_angles_refuses_bad_data(X, error, message) -> None:
    with pytest.raises(error, match=message) as info:
        amplitude_angles(X)
    assert isinstance(info.value, ValueError)


def test_amplitude_angles_checks_the_qubit_count() -> None:
    with pytest.raises(ShapeError, match="3 qubits encode"):
        amplitude_angles(np.ones(4), num_qubits=3)


# -- data re-uploading ---------------------------------------------------------------------
def layer_size(name: str, n: int) -> int:
    """Instructions of one layer of each named ansatz with its default entanglement."""
    return {
        "hardware_efficient": 2 * n + len(entanglement_pairs(n, "ring")),
        "real_amplitudes": n + len(entanglement_pairs(n, "reverse_linear")),
        "efficient_su2": 2 * n + len(entanglement_pairs(n, "reverse_linear")),
        "strongly_entangling_layers": 3 * n + (n if n > 1 else 0),
    }[name]


@pytest.mark.parametrize("name", list(ANSATZE))
@pytest.mark.parametrize("n", [1, 3])
def test_data_reuploading_inserts_the_encoding_before_every_layer(name: str, n: int) -> None:
    encoding = angle_encoding(n)
    circuit = data_reuploading(encoding, name, reps=3)
    alone = signature(ANSATZE[name](n, reps=3))
    size = layer_size(name, n)
    expected = []
    for layer in range(3):
        expected += signature(encoding) + alone[layer * size : (layer + 1) * size]
    expected += alone[3 * size :]  # real_amplitudes' and efficient_su2's final rotations
    assert signature(circuit) == expected
    names = [p.name for p in circuit.parameters]
    weights = [p.name for p in ANSATZE[name](n, reps=3).parameters]
    assert names == [f"x[{i}]" for i in range(n)] + weights


def test_data_reuploading_passes_options(rng) -> None:
    encoding = zz_feature_map(3, reps=1)
    circuit = data_reuploading(
        encoding, "real_amplitudes", reps=2, entanglement="full", parameter_prefix="w"
    )
    assert [p.name for p in circuit.parameters][3:] == [f"w[{i}]" for i in range(9)]
    with pytest.raises(OptionError, match="rotations"):
        data_reuploading(encoding, "hardware_efficient", reps=2, su2_gates=["rx"])
    with pytest.raises(OptionError, match="hardware_efficient"):
        data_reuploading(encoding, "qaoa")


def test_data_reuploading_with_explicit_layers(rng) -> None:
    encoding = angle_encoding(2, "rx")
    layers = [
        hardware_efficient(2, 1, parameter_prefix="a"),
        strongly_entangling_layers(2, 1, parameter_prefix="b"),
    ]
    circuit = data_reuploading(encoding, layers)
    expected = []
    for layer in layers:
        expected += signature(encoding) + signature(layer)
    assert signature(circuit) == expected
    # one sample, checked against composing the bound pieces one after another
    x, a, b = rng.uniform(-3, 3, 2), rng.uniform(-3, 3, 4), rng.uniform(-3, 3, 6)
    params = stack_parameters(circuit, {"x": x, "a": a, "b": b})
    enc = encoding.assign_parameters(x)
    sequential = enc.compose(layers[0].assign_parameters(a)).compose(enc)
    sequential = sequential.compose(layers[1].assign_parameters(b))
    assert np.allclose(qml.simulate(circuit, params), qml.simulate(sequential), atol=ATOL)
    with pytest.raises(QubitError):
        data_reuploading(encoding, [hardware_efficient(3, 1)])
    with pytest.raises(TypeError):
        data_reuploading(encoding, layers, entanglement="full")
    with pytest.raises(ValueError, match="measure"):
        data_reuploading(angle_encoding(2).measure_all(), "real_amplitudes")


def test_data_reuploading_keeps_the_encodings_global_phase() -> None:
    encoding = amplitude_encoding(1, complex_amplitudes=True)
    circuit = data_reuploading(encoding, [Circuit(1).h(0), Circuit(1).x(0)])
    phase = encoding.parameters[-1]
    assert circuit.global_phase == 2 * phase


# -- parameters ----------------------------------------------------------------------------
def test_templates_name_their_parameters_in_order() -> None:
    for circuit, prefix in [
        (angle_encoding(3), "x"),
        (zz_feature_map(3), "x"),
        (iqp_encoding(3), "x"),
        (amplitude_encoding(3, complex_amplitudes=True), "x"),
        (hardware_efficient(3), "θ"),
        (real_amplitudes(3), "θ"),
        (efficient_su2(3), "θ"),
        (strongly_entangling_layers(3), "θ"),
        (real_amplitudes(2, parameter_prefix="w"), "w"),
    ]:
        names = [p.name for p in circuit.parameters]
        assert names == [f"{prefix}[{i}]" for i in range(len(names))], circuit.name


def test_encoding_then_ansatz_lists_data_first(rng) -> None:
    encoding, ansatz = angle_encoding(3), real_amplitudes(3, reps=1)
    circuit = encoding.compose(ansatz)
    X, w = rng.uniform(-1, 1, (5, 3)), rng.uniform(-1, 1, ansatz.num_parameters)
    params = stack_parameters(circuit, {"x": X, "θ": w})
    assert np.array_equal(params, np.hstack([X, np.broadcast_to(w, (5, w.size))]))
    # the other way round, stack_parameters still puts every value in its column
    reverse = ansatz.compose(encoding)
    flipped = stack_parameters(reverse, {"θ": w, "x": X})
    assert np.array_equal(flipped, np.hstack([np.broadcast_to(w, (5, w.size)), X]))
    assert stack_parameters(circuit, {"x": X[0], "θ": w}).shape == (circuit.num_parameters,)


def test_stack_parameters_refuses_mistakes(rng) -> None:
    circuit = angle_encoding(2).compose(hardware_efficient(2, 1))
    with pytest.raises(ParameterError, match="'w'"):
        stack_parameters(circuit, {"x": [0, 0], "θ": np.zeros(4), "w": [1]})
    with pytest.raises(UnboundParameterError, match="θ"):
        stack_parameters(circuit, {"x": [0, 0]})
    with pytest.raises(ShapeError, match=r"\(4,\) or \(B, 4\)"):
        stack_parameters(circuit, {"x": [0, 0], "θ": np.zeros(3)})
    with pytest.raises(ShapeError, match="batch size"):
        stack_parameters(circuit, {"x": np.zeros((2, 2)), "θ": np.zeros((3, 4))})


def test_same_prefix_twice_is_refused() -> None:
    with pytest.raises(ParameterError, match="x\\[0\\]"):
        angle_encoding(2).compose(zz_feature_map(2))


@pytest.mark.parametrize(
    "circuit",
    [
        zz_feature_map(3, reps=1),
        iqp_encoding(3, reps=1),
        angle_encoding(3, scale=0.5),
        strongly_entangling_layers(3, 2),
        efficient_su2(3, reps=1),
    ],
    ids=lambda c: c.name,
)
def test_templates_survive_to_qiskit(circuit: Circuit, rng) -> None:
    values = rng.uniform(-np.pi, np.pi, circuit.num_parameters)
    theirs = circuit.to_qiskit()
    by_name = {p.name: p for p in theirs.parameters}
    bound = theirs.assign_parameters(
        {by_name[p.name]: v for p, v in zip(circuit.parameters, values, strict=True)}
    )
    assert np.allclose(Statevector(bound).data, qml.simulate(circuit, values), atol=ATOL)


def test_registries_and_docstrings() -> None:
    for build in ENCODINGS.values():
        assert isinstance(build(2), Circuit)
    for build in ANSATZE.values():
        assert isinstance(build(2), Circuit)
    for name in library.__all__:
        obj = getattr(library, name)
        if callable(obj):
            assert obj.__doc__ and obj.__doc__.strip(), name


def test_bad_counts_are_refused() -> None:
    with pytest.raises(TypeError):
        real_amplitudes(2.5)
    with pytest.raises(ValueError, match=">= 1"):
        angle_encoding(0)
    with pytest.raises(ValueError, match=">= 0"):
        zz_feature_map(2, reps=-1)
