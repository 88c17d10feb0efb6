"""The toy data sets: shapes, classes, geometry, reproducibility, and refusals."""

from __future__ import annotations

import numpy as np
import pytest

from qml.errors import OptionError, QmlError, QmlValueError, StateTooLargeError
from qml.hybrid.datasets import (
    DATASETS,
    ad_hoc,
    blobs,
    circles,
    iris,
    load_dataset,
    moons,
    parity,
    xor,
)

RANDOM = {
    "moons": dict(n_samples=37, noise=0.1),
    "circles": dict(n_samples=37, noise=0.1),
    "xor": dict(n_samples=37, noise=0.1),
    "parity": dict(n_bits=5, n_samples=37),
    "blobs": dict(n_samples=37, centers=4, n_features=3),
}
SHAPES = {"moons": (2, 2), "circles": (2, 2), "xor": (2, 2), "parity": (5, 2), "blobs": (3, 4)}


@pytest.mark.parametrize("name", list(RANDOM))
def test_shapes_dtypes_and_classes(name: str) -> None:
    X, y = load_dataset(name, random_state=0, **RANDOM[name])
    n_features, n_classes = SHAPES[name]
    assert X.shape == (37, n_features) and y.shape == (37,)
    assert X.dtype == np.float64 and y.dtype == np.int64
    assert set(np.unique(y)) == set(range(n_classes))


@pytest.mark.parametrize("name", list(RANDOM))
def test_same_seed_same_data_and_global_state_untouched(name: str) -> None:
    # the legacy global generator is exactly what must stay untouched
    before = np.random.get_state()  # noqa: NPY002
    X1, y1 = load_dataset(name, random_state=7, **RANDOM[name])
    X2, y2 = load_dataset(name, random_state=7, **RANDOM[name])
    X3, _ = load_dataset(name, random_state=8, **RANDOM[name])
    after = np.random.get_state()  # noqa: NPY002
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    assert before[0] == after[0] and np.array_equal(before[1], after[1]) and before[2] == after[2]


@pytest.mark.parametrize("name", list(RANDOM))
def test_a_generator_is_accepted_and_advanced(name: str) -> None:
    X1, _ = load_dataset(name, random_state=np.random.default_rng(3), **RANDOM[name])
    X2, _ = load_dataset(name, random_state=np.random.default_rng(3), **RANDOM[name])
    assert np.array_equal(X1, X2)
    rng = np.random.default_rng(3)
    first, _ = load_dataset(name, random_state=rng, **RANDOM[name])
    second, _ = load_dataset(name, random_state=rng, **RANDOM[name])
    assert not np.array_equal(first, second)


def test_moons_lie_on_their_arcs() -> None:
    X, y = moons(51, shuffle=False)
    assert np.array_equal(y, np.repeat([0, 1], [25, 26]))
    upper, lower = X[y == 0], X[y == 1]
    assert np.allclose(np.hypot(*upper.T), 1)
    assert np.all(upper[:, 1] >= -1e-12)
    assert np.allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)


def test_circles_have_their_radii() -> None:
    X, y = circles(40, factor=0.3, random_state=1)
    radii = np.hypot(*X.T)
    assert np.allclose(radii[y == 0], 1) and np.allclose(radii[y == 1], 0.3)
    with pytest.raises(ValueError, match="< 1"):
        circles(factor=1.0)


def test_xor_labels_follow_the_quadrants() -> None:
    X, y = xor(200, random_state=2)
    assert np.all(np.abs(X) <= 1)
    assert np.array_equal(y, ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(int))


def test_parity_full_table_and_samples() -> None:
    X, y = parity(3)
    assert X.shape == (8, 3)
    for i in range(8):
        assert list(X[i]) == [(i >> j) & 1 for j in range(3)]
        assert y[i] == bin(i).count("1") % 2
    X, y = parity(6, n_samples=50, random_state=0)
    assert set(np.unique(X)) <= {0.0, 1.0}
    assert np.array_equal(y, X.sum(axis=1).astype(int) % 2)
    with pytest.raises(ValueError, match="n_samples"):
        parity(30)


def test_blobs_centres_and_sizes() -> None:
    centres = [[0.0, 0.0, 0.0], [5.0, 5.0, 5.0]]
    X, y = blobs(7, centers=centres, cluster_std=0.0, shuffle=False)
    assert X.shape == (7, 3)
    assert np.array_equal(np.bincount(y), [4, 3])
    assert np.array_equal(X, np.asarray(centres)[y])
    X, y = blobs(3000, centers=centres, cluster_std=[0.5, 2.0], random_state=0)
    assert np.allclose([X[y == k].std() for k in (0, 1)], [0.5, 2.0], rtol=0.1)
    with pytest.raises(ValueError, match="cluster_std"):
        blobs(centers=3, cluster_std=[1.0, 2.0])


def test_iris_is_sklearns_copy() -> None:
    X, y = iris()
    assert X.shape == (150, 4) and np.array_equal(np.bincount(y), [50, 50, 50])
    assert np.allclose(X[0], [5.1, 3.5, 1.4, 0.2])
    Xb, yb = iris(classes=[2, 1])
    assert Xb.shape == (100, 4)
    assert np.array_equal(Xb[yb == 0], X[y == 2]) and np.array_equal(Xb[yb == 1], X[y == 1])
    with pytest.raises(ValueError, match="distinct species"):
        iris(classes=[0, 0])
    with pytest.raises(ValueError, match="distinct species"):
        iris(classes=[3])


def test_load_dataset_refuses_unknown_names_and_options() -> None:
    with pytest.raises(OptionError) as info:
        load_dataset("mnist")
    assert all(name in str(info.value) for name in DATASETS)
    assert isinstance(info.value, ValueError)
    with pytest.raises(OptionError, match="n_samples"):
        load_dataset("iris", n_samples=10)
    X, _ = load_dataset("moons", n_samples=10, random_state=0)
    assert X.shape == (10, 2)


@pytest.mark.parametrize(
    "call",
    [
        lambda: moons(0),
        lambda: moons(10, noise=-0.1),
        lambda: circles(10, noise=float("nan")),
        lambda: xor(10, random_state="seed"),
        lambda: xor(10, random_state=-1),
        lambda: blobs(10, centers=0),
        lambda: blobs(10, centers=np.zeros(3)),
        lambda: parity(0),
        lambda: moons(2.5),
    ],
)
def test_bad_arguments_are_refused(call) -> None:
    with pytest.raises(QmlError):
        call()


# -- the papers' data sets ---------------------------------------------------------------------
def test_circle_labels_the_points_inside_radius_sqrt_2_over_pi() -> None:
    from qml.hybrid.datasets import circle

    X, y = circle(4000, random_state=0)
    assert X.shape == (4000, 2) and np.all(np.abs(X) <= 1)
    np.testing.assert_array_equal(y, (np.hypot(X[:, 0], X[:, 1]) < np.sqrt(2 / np.pi)))
    assert abs(y.mean() - 0.5) < 0.03  # the radius halves the square's area


def _zz_state_expectations(X: np.ndarray, observable: np.ndarray) -> np.ndarray:
    """<Φ(x)|O|Φ(x)> from qml's simulator of the ZZ feature map (an independent oracle).

    qml's map applies P(2φ) = e^{iφ} exp(-iφZ), the conjugate of the paper's exp(+iφZ) up to
    a global phase; and its qubit 0 is the lowest bit, where the paper's is the first factor.
    """
    import qml
    from qml.circuits.library import zz_feature_map

    n = X.shape[1]
    states = qml.simulate(zz_feature_map(n, reps=2), X)
    index = np.arange(1 << n)
    reversed_bits = sum(((index >> q) & 1) << (n - 1 - q) for q in range(n))
    paper = states[:, np.argsort(reversed_bits)].conj()
    return np.einsum("bi,ij,bj->b", paper.conj(), observable, paper).real


def test_ad_hoc_labels_follow_the_expectation_of_the_zz_state_and_the_gap() -> None:
    from qml.hybrid.datasets import _ad_hoc_observable, ad_hoc_labels

    rng = np.random.default_rng(1)
    observable = _ad_hoc_observable(2, rng)
    X = rng.uniform(0, 2 * np.pi, size=(300, 2))
    values = _zz_state_expectations(X, observable)
    expected = np.where(values > 0.3, 1, np.where(values < -0.3, -1, 0))
    np.testing.assert_array_equal(ad_hoc_labels(X, observable, 0.3), expected)


def test_ad_hoc_points_lie_outside_the_gap_with_balanced_classes() -> None:
    from qml.hybrid.datasets import ad_hoc

    X, y = ad_hoc(60, gap=0.3, random_state=0)
    assert X.shape == (60, 2) and np.bincount(y).tolist() == [30, 30]
    assert X.min() >= 0 and X.max() < 2 * np.pi


@pytest.mark.parametrize("seed", [0, 3])
def test_ad_hoc_is_qiskit_machine_learnings_data(seed: int) -> None:
    try:
        from qiskit_machine_learning.datasets import ad_hoc_data
        from qiskit_machine_learning.utils import algorithm_globals
    except ImportError:
        pytest.skip("qiskit-machine-learning is not installed: ad_hoc not compared with it")
    from qml.hybrid.datasets import ad_hoc

    algorithm_globals.random_seed = seed
    train_x, train_y, test_x, test_y = ad_hoc_data(20, 10, 2, gap=0.3, one_hot=False)
    X, y = ad_hoc(60, gap=0.3, shuffle=False, random_state=seed)
    theirs = np.vstack([train_x[:20], test_x[:10], train_x[20:], test_x[10:]])
    np.testing.assert_array_equal(X, theirs)
    np.testing.assert_array_equal(y, np.concatenate([train_y[:20], test_y[:10],
                                                     train_y[20:], test_y[10:]]))  # fmt: skip


@pytest.mark.parametrize(
    "call",
    [
        lambda: blobs(10, centers=2, n_features=2**62),
        lambda: blobs(10, center_box=("a", "b")),
        lambda: blobs(10, center_box=(0.0, float("nan"))),
        lambda: blobs(10, centers=[[0.0, np.inf]]),
        lambda: blobs(10, cluster_std=[[1.0]]),
        lambda: blobs(10, cluster_std="wide"),
        lambda: moons(10, shuffle=np.array([1, 2])),
        lambda: moons(2**62),
        lambda: moons(10, noise=1e308, random_state=0),
        lambda: iris(classes=5),
        lambda: parity(3, n_samples=2**62),
    ],
    ids=["features", "box-text", "box-nan", "centres-inf", "std-2d", "std-text", "shuffle",
         "samples", "noise-overflow", "classes-int", "parity-samples"],
)  # fmt: skip
def test_arguments_that_would_crash_or_overflow_are_refused(call) -> None:
    with pytest.raises(QmlError):
        call()


def test_a_data_set_too_large_for_memory_says_so_before_allocating() -> None:
    with pytest.raises(StateTooLargeError, match="samples x 2 features needs"):
        moons(2**50)


def test_an_ad_hoc_gap_no_grid_point_clears_is_refused_instead_of_drawing_forever() -> None:
    with pytest.raises(QmlValueError, match="use a smaller gap"):
        ad_hoc(10, gap=0.9999, random_state=0)
