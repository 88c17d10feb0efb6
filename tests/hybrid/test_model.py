"""The hybrid network: its end-to-end gradient against finite differences, and its shapes."""

from __future__ import annotations

import numpy as np
import pytest

from qml.errors import OptionError
from qml.hybrid.model import Architecture, HybridModel, build_circuit, softmax

N_FEATURES = 5

# (n_qubits, n_layers, n_classes, encoding, ansatz, reuploading, features)
CASES = [
    (3, 2, 2, "angle", "hardware_efficient", True, "pca"),
    (3, 2, 3, "angle", "hardware_efficient", False, "dense"),
    (3, 1, 2, "zz", "real_amplitudes", True, "dense"),
    (3, 2, 4, "zz", "efficient_su2", False, "pca"),
    (2, 2, 3, "iqp", "strongly_entangling_layers", True, "pca"),
    (3, 1, 2, "iqp", "hardware_efficient", False, "dense"),
    (2, 2, 2, "angle", "strongly_entangling_layers", False, "dense"),
    (3, 2, 3, "iqp", "real_amplitudes", True, "dense"),
    (2, 1, 3, "amplitude", "real_amplitudes", False, "pca"),
    (2, 3, 2, "angle", "hardware_efficient", True, "layerwise"),
    (2, 2, 3, "zz", "strongly_entangling_layers", True, "layerwise"),
    (1, 4, 2, "angle", "real_amplitudes", True, "layerwise"),
    (2, 2, 2, "iqp", "efficient_su2", False, "raw"),
    (2, 1, 2, "amplitude", "real_amplitudes", False, "raw"),
]


def _case_id(case: tuple) -> str:
    n_qubits, n_layers, n_classes, encoding, ansatz, reuploading, features = case
    upload = "reupload" if reuploading else "once"
    return f"{encoding}-{ansatz}-{upload}-{features}-{n_classes}cls-{n_qubits}q{n_layers}l"


def _problem(case: tuple, rng: np.random.Generator) -> tuple[HybridModel, np.ndarray, np.ndarray]:
    arch = Architecture(*case)
    model = HybridModel(arch, N_FEATURES)
    batch = 6
    if arch.features in ("dense", "layerwise"):
        inputs = rng.normal(size=(batch, N_FEATURES))  # standardised features
    elif arch.encoding == "amplitude":
        inputs = rng.uniform(-1, 1, size=(batch, arch.n_inputs))
    else:
        inputs = rng.uniform(0, np.pi, size=(batch, arch.n_qubits))  # angles
    targets = np.arange(batch) % arch.n_classes
    return model, inputs, targets


def _random_vector(model: HybridModel, rng: np.random.Generator) -> np.ndarray:
    # a generic point: nonzero head bias and dense weights not at their PCA start
    return rng.normal(scale=0.7, size=model.size)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_gradient_matches_central_differences_of_the_loss(case, rng) -> None:
    model, inputs, targets = _problem(case, rng)
    vector = _random_vector(model, rng)
    loss, grad, _ = model.loss_and_gradient(vector, inputs, targets)
    step = 1e-5
    numeric = np.empty(model.size)
    for i in range(model.size):
        shift = np.zeros(model.size)
        shift[i] = step
        up = model.loss(vector + shift, inputs, targets)[0]
        down = model.loss(vector - shift, inputs, targets)[0]
        numeric[i] = (up - down) / (2 * step)
    assert loss == pytest.approx(model.loss(vector, inputs, targets)[0], abs=1e-12)
    assert grad.shape == (model.size,)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("case", CASES[:2], ids=_case_id)
def test_every_named_parameter_block_gets_a_nonzero_gradient(case, rng) -> None:
    model, inputs, targets = _problem(case, rng)
    _, grad, _ = model.loss_and_gradient(_random_vector(model, rng), inputs, targets)
    for name, block in model.unflatten(grad).items():
        assert np.any(np.abs(block) > 1e-8), name


def test_loss_and_gradient_logits_equal_logits(rng) -> None:
    model, inputs, targets = _problem(CASES[1], rng)
    vector = _random_vector(model, rng)
    _, _, logits = model.loss_and_gradient(vector, inputs, targets)
    np.testing.assert_allclose(logits, model.logits(vector, inputs), atol=1e-12)
    assert logits.shape == (len(inputs), 3)


def test_loss_is_the_mean_cross_entropy_of_the_softmax(rng) -> None:
    model, inputs, targets = _problem(CASES[3], rng)
    vector = _random_vector(model, rng)
    loss, logits = model.loss(vector, inputs, targets)
    probs = softmax(logits)
    assert loss == pytest.approx(-np.mean(np.log(probs[np.arange(len(targets)), targets])))


def test_parameter_shapes_and_flatten_round_trip(rng) -> None:
    arch = Architecture(3, 2, 4, "angle", "hardware_efficient", True, "dense")
    model = HybridModel(arch, N_FEATURES)
    assert model.shapes["head_weight"] == (4, 3)
    assert model.shapes["head_bias"] == (4,)
    assert model.shapes["dense_weight"] == (N_FEATURES, 3)
    assert model.shapes["dense_bias"] == (3,)
    assert model.n_data == 3
    assert model.shapes["theta"] == (model.circuit.num_parameters - 3,)
    vector = rng.normal(size=model.size)
    np.testing.assert_array_equal(model.flatten(model.unflatten(vector)), vector)


def test_circuit_lists_data_parameters_before_weights() -> None:
    circuit = build_circuit(Architecture(3, 2, 2, "zz", "real_amplitudes", True, "pca"))
    names = [p.name for p in circuit.parameters]
    assert names[:3] == ["x[0]", "x[1]", "x[2]"]
    assert all(not name.startswith("x[") for name in names[3:])


def test_softmax_is_stable_for_huge_logits() -> None:
    probs = softmax(np.array([[1000.0, 0.0], [-1000.0, -1000.0]]))
    np.testing.assert_allclose(probs, [[1.0, 0.0], [0.5, 0.5]])


@pytest.mark.parametrize(
    ("field", "value", "valid"),
    [
        ("encoding", "fourier", ["angle", "zz", "iqp", "amplitude"]),
        ("ansatz", "qaoa", ["hardware_efficient", "real_amplitudes", "efficient_su2"]),
        ("features", "autoencoder", ["pca", "dense"]),
    ],
)
def test_architecture_refuses_unknown_names_listing_valid_ones(field, value, valid) -> None:
    options = dict(
        n_qubits=2,
        n_layers=1,
        n_classes=2,
        encoding="angle",
        ansatz="hardware_efficient",
        reuploading=False,
        features="pca",
    )
    options[field] = value
    with pytest.raises(OptionError) as info:
        Architecture(**options).check()
    assert repr(value) in str(info.value)
    assert all(name in str(info.value) for name in valid)


@pytest.mark.parametrize(("features", "reuploading"), [("dense", False), ("pca", True)])
def test_amplitude_encoding_refuses_dense_features_and_reuploading(features, reuploading) -> None:
    arch = Architecture(2, 1, 2, "amplitude", "real_amplitudes", reuploading, features)
    with pytest.raises(OptionError, match="amplitude"):
        arch.check()


def test_layerwise_circuit_gives_every_layer_its_own_data_parameters() -> None:
    arch = Architecture(2, 3, 2, "angle", "hardware_efficient", True, "layerwise")
    model = HybridModel(arch, N_FEATURES)
    names = [p.name for p in model.circuit.parameters]
    data = [name for name in names if name.startswith("x")]
    assert data == [f"x{layer}[{q}]" for layer in range(3) for q in range(2)]
    assert model.shapes["layer_weight"] == (3, N_FEATURES, 2)
    assert model.shapes["layer_bias"] == (3, 2)
    # without the encodings it is exactly the ansatz alone, gate for gate
    plain = build_circuit(Architecture(2, 3, 2, "angle", "hardware_efficient", False, "pca"))
    weights = [(g.name, tuple(q)) for g, q in model.circuit if not any(
        str(p).startswith("x") for p in g.params)]  # fmt: skip
    assert weights == [(g.name, tuple(q)) for g, q in plain][2:]


def test_layerwise_angles_are_each_layers_affine_map_of_the_features(rng) -> None:
    arch = Architecture(2, 3, 2, "angle", "hardware_efficient", True, "layerwise")
    model = HybridModel(arch, N_FEATURES)
    vector = rng.normal(size=model.size)
    params = model.unflatten(vector)
    inputs = rng.normal(size=(4, N_FEATURES))
    rows = model.circuit_params(vector, inputs)
    for layer in range(3):
        expected = inputs @ params["layer_weight"][layer] + params["layer_bias"][layer]
        columns = [i for i, p in enumerate(model.circuit.parameters)
                   if p.name.startswith(f"x{layer}[")]  # fmt: skip
        np.testing.assert_allclose(rows[:, columns], expected, atol=1e-14)


def test_layerwise_needs_reuploading_and_a_linear_encoding() -> None:
    with pytest.raises(OptionError, match="reuploading=True"):
        Architecture(2, 2, 2, "angle", "hardware_efficient", False, "layerwise").check()
    with pytest.raises(OptionError, match="amplitude"):
        Architecture(2, 2, 2, "amplitude", "hardware_efficient", True, "layerwise").check()
