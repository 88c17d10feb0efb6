"""The fixed feature map (standardise, PCA, scale) against scikit-learn's own objects."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from qml.errors import DataError
from qml.hybrid import QuantumClassifier
from qml.hybrid.features import (
    ANGLE_RANGES,
    AffineMap,
    check_features,
    fit_fixed_map,
    standardizer,
)


def _sklearn_map(n_components: int, angle_range: tuple[float, float]):
    return make_pipeline(
        StandardScaler(), PCA(n_components=n_components), MinMaxScaler(feature_range=angle_range)
    )


@pytest.fixture
def split(rng) -> tuple[np.ndarray, np.ndarray]:
    # correlated features on very different scales, so every stage matters
    mixing = rng.normal(size=(6, 6)) * np.array([1.0, 10.0, 0.1, 5.0, 2.0, 100.0])
    X = rng.normal(size=(120, 6)) @ mixing + 3.0
    return X[:80], X[80:]


@pytest.mark.parametrize("encoding", ["angle", "amplitude"])
def test_fixed_map_equals_standard_scaler_pca_minmax_pipeline(split, encoding) -> None:
    train, test = split
    angle_range = ANGLE_RANGES[encoding]
    ours = fit_fixed_map(train, 3, angle_range)
    theirs = _sklearn_map(3, angle_range).fit(train)
    np.testing.assert_allclose(ours(train), theirs.transform(train), atol=1e-10)
    np.testing.assert_allclose(ours(test), theirs.transform(test), atol=1e-10)


def test_training_angles_span_exactly_the_encoding_range(split) -> None:
    train, _ = split
    angles = fit_fixed_map(train, 4, (0.0, np.pi))(train)
    np.testing.assert_allclose(angles.min(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(angles.max(axis=0), np.pi, atol=1e-12)


def test_test_data_is_mapped_with_training_statistics_not_refitted(split) -> None:
    train, test = split
    on_train = fit_fixed_map(train, 3, (0.0, np.pi))
    refitted = _sklearn_map(3, (0.0, np.pi)).fit(test)
    assert not np.allclose(on_train(test), refitted.transform(test), atol=1e-3)
    # test points may leave the training range: nothing is rescaled per call
    angles = on_train(test)
    assert angles.min() < 0 or angles.max() > np.pi
    np.testing.assert_array_equal(on_train(test[:5]), angles[:5])


def test_classifier_fits_its_input_map_on_the_training_data_only(split) -> None:
    train, test = split
    y = (train[:, 0] > np.median(train[:, 0])).astype(int)
    clf = QuantumClassifier(
        n_qubits=3, n_layers=1, epochs=1, early_stopping=False, random_state=0
    ).fit(train, y)
    expected = _sklearn_map(3, (0.0, np.pi)).fit(train).transform(test)
    np.testing.assert_allclose(clf.input_map_(test), expected, atol=1e-10)


def test_fewer_features_than_qubits_repeat_cyclically(rng) -> None:
    X = rng.normal(size=(50, 2)) * [1.0, 30.0] + [5.0, -2.0]
    angles = fit_fixed_map(X, 5, (0.0, np.pi))(X)
    assert angles.shape == (50, 5)
    scaled = MinMaxScaler(feature_range=(0.0, np.pi)).fit_transform(X)
    for q in range(5):
        np.testing.assert_allclose(angles[:, q], scaled[:, q % 2], atol=1e-12)


def test_as_many_features_as_qubits_skips_pca(rng) -> None:
    X = rng.normal(size=(40, 3)) @ rng.normal(size=(3, 3))
    angles = fit_fixed_map(X, 3, (0.0, np.pi))(X)
    np.testing.assert_allclose(angles, MinMaxScaler((0.0, np.pi)).fit_transform(X), atol=1e-12)


def test_a_constant_column_lands_mid_range(rng) -> None:
    X = np.column_stack([rng.normal(size=30), np.full(30, 7.0)])
    angles = fit_fixed_map(X, 2, (0.0, np.pi))(X)
    assert np.all(np.isfinite(angles))
    np.testing.assert_allclose(angles[:, 1], np.pi / 2)


def test_pca_with_fewer_samples_than_components_is_refused(rng) -> None:
    with pytest.raises(DataError, match="at least 4 samples"):
        fit_fixed_map(rng.normal(size=(3, 6)), 4, (0.0, np.pi))


def test_affine_maps_compose_in_order(rng) -> None:
    first = AffineMap(rng.normal(size=(4, 3)), rng.normal(size=3))
    second = AffineMap(rng.normal(size=(3, 2)), rng.normal(size=2))
    X = rng.normal(size=(7, 4))
    np.testing.assert_allclose(first.then(second)(X), second(first(X)), atol=1e-12)


@pytest.mark.parametrize(
    ("bad", "kind"), [(np.nan, "NaN"), (np.inf, "infinite"), (-np.inf, "infinite")]
)
def test_check_features_names_the_bad_value_and_its_row(bad, kind) -> None:
    X = np.zeros((5, 2))
    X[3, 1] = bad
    with pytest.raises(DataError, match=kind) as info:
        check_features(X)
    assert "first row 3" in str(info.value) and "impute" in str(info.value)


# -- feature stages ---------------------------------------------------------------------------
def test_raw_features_reach_the_circuit_unchanged() -> None:
    from qml.hybrid.datasets import moons

    X, y = moons(40, noise=0.1, random_state=0)
    clf = QuantumClassifier(n_qubits=2, n_layers=1, features="raw", epochs=2, random_state=0)
    clf.fit(X, y)
    np.testing.assert_array_equal(clf.readout_params(X)[:, :2], X)


def test_raw_features_of_the_wrong_width_are_refused_saying_what_fits() -> None:
    from qml.hybrid.datasets import moons

    X, y = moons(40, noise=0.1, random_state=0)
    with pytest.raises(DataError, match="takes 3 per row, but X has 2"):
        QuantumClassifier(n_qubits=3, features="raw", epochs=1).fit(X, y)


def test_amplitude_pca_map_holds_its_last_amplitude_at_one(split) -> None:
    from qml.hybrid.encodings import ENCODINGS
    from qml.hybrid.features import fit_encoding_map

    train, test = split
    affine = fit_encoding_map(train, ENCODINGS["amplitude"], 2)
    assert affine.matrix.shape == (6, 4)
    np.testing.assert_array_equal(affine(test)[:, 3], 1.0)
    np.testing.assert_allclose(affine(train)[:, :3].min(axis=0), -1.0, atol=1e-12)


# -- standardising features of any finite size (issue 12) --------------------------------------
def test_the_standardiser_is_standard_scalers_map_bit_for_bit(split) -> None:
    train, _ = split
    train = np.column_stack([train, np.full(len(train), 7.0)])  # a constant column too
    scaler = StandardScaler().fit(train)
    ours = standardizer(train)
    np.testing.assert_array_equal(np.diag(ours.matrix), 1.0 / scaler.scale_)
    np.testing.assert_array_equal(ours.offset, -scaler.mean_ / scaler.scale_)


@pytest.mark.parametrize("scale", [1e300, 1e-300, 2.0**1000, 2.0**-1000])
def test_features_of_any_finite_size_standardise_as_unscaled_ones(split, scale) -> None:
    train, test = split
    reference = StandardScaler().fit(train)
    ours = standardizer(train * scale)
    np.testing.assert_allclose(ours(test * scale), reference.transform(test), atol=1e-12)


def test_features_too_small_to_standardise_are_refused_asking_to_rescale(split) -> None:
    train, _ = split
    with pytest.raises(DataError, match="too small to standardise") as info:
        standardizer(train * 1e-310)
    assert "rescale" in str(info.value)


def test_features_near_the_largest_float_standardise_as_unscaled_ones(split) -> None:
    train, test = split
    scale = 1.7e308 / np.abs(train).max()  # the largest |value| is within 6% of the float limit
    reference = StandardScaler().fit(train)
    np.testing.assert_allclose(
        standardizer(train * scale)(test * scale), reference.transform(test), atol=1e-12
    )
