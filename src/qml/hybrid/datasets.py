"""Small classification data sets for quantum classifiers, made locally.

Every function returns ``(X, y)``: ``X`` a float64 array of shape
``(n_samples, n_features)``, ``y`` an int64 array of shape ``(n_samples,)`` of
class labels ``0 .. n_classes - 1``. Nothing is downloaded: the synthetic sets
are generated here with numpy (the same recipes as scikit-learn's ``make_*``),
and ``iris`` reads the copy scikit-learn ships.

``random_state`` is None (fresh entropy), an int seed, or a
``numpy.random.Generator`` (which is advanced); global random state is never
touched, and the same seed gives the same data.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from qml.errors import OptionError, QmlTypeError, QmlValueError

__all__ = [
    "DATASETS",
    "blobs",
    "circles",
    "iris",
    "load_dataset",
    "moons",
    "parity",
    "xor",
]

RandomState = int | np.random.Generator | None
Dataset = tuple[np.ndarray, np.ndarray]

#: Largest ``n_bits`` for which ``parity`` lists every bit string.
MAX_PARITY_TABLE_BITS = 20


# -- argument checks -----------------------------------------------------------------------
def _rng(random_state: Any) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or (
        isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)
    ):
        if random_state is not None and random_state < 0:
            raise QmlValueError(f"random_state must be a non-negative seed, got {random_state}")
        return np.random.default_rng(None if random_state is None else int(random_state))
    raise QmlTypeError(
        f"random_state must be None, an int seed or a numpy.random.Generator, "
        f"got {type(random_state).__name__}"
    )


def _count(value: Any, what: str, minimum: int = 1) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise QmlTypeError(f"{what} must be an int, got {value!r}")
    if value < minimum:
        raise QmlValueError(f"{what} must be >= {minimum}, got {value}")
    return int(value)


def _nonnegative(value: Any, what: str) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(value):
        raise QmlTypeError(f"{what} must be a finite real number, got {value!r}")
    if value < 0:
        raise QmlValueError(f"{what} must be >= 0, got {value}")
    return float(value)


def _finish(
    X: np.ndarray, y: np.ndarray, rng: np.random.Generator, noise: float, shuffle: bool
) -> Dataset:
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    if noise:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X.astype(np.float64, copy=False), y.astype(np.int64, copy=False)


# -- synthetic sets ------------------------------------------------------------------------
def moons(
    n_samples: int = 100,
    *,
    noise: float = 0.0,
    shuffle: bool = True,
    random_state: RandomState = None,
) -> Dataset:
    """Two interleaving half circles (scikit-learn's ``make_moons`` recipe).

    Class 0 is the upper arc ``(cos t, sin t)``, class 1 the lower arc
    ``(1 - cos t, 1/2 - sin t)``, ``t`` evenly spaced in ``[0, π]``; class 0 gets
    ``n_samples // 2`` points. ``noise`` is the standard deviation of Gaussian
    noise added to every coordinate. Returns ``X`` ``(n_samples, 2)``, ``y``
    ``(n_samples,)`` in ``{0, 1}``.
    """
    n = _count(n_samples, "n_samples")
    noise = _nonnegative(noise, "noise")
    rng = _rng(random_state)
    n_upper = n // 2
    t_upper = np.linspace(0, math.pi, n_upper)
    t_lower = np.linspace(0, math.pi, n - n_upper)
    X = np.concatenate(
        [
            np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1),
            np.stack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)], axis=1),
        ]
    )
    y = np.repeat([0, 1], [n_upper, n - n_upper])
    return _finish(X, y, rng, noise, shuffle)


def circles(
    n_samples: int = 100,
    *,
    noise: float = 0.0,
    factor: float = 0.8,
    shuffle: bool = True,
    random_state: RandomState = None,
) -> Dataset:
    """A circle inside another (scikit-learn's ``make_circles`` recipe).

    Class 0 lies on the unit circle, class 1 on the circle of radius ``factor``
    (``0 <= factor < 1``), angles evenly spaced; class 0 gets ``n_samples // 2``
    points. ``noise`` is the standard deviation of Gaussian noise per
    coordinate. Returns ``X`` ``(n_samples, 2)``, ``y`` in ``{0, 1}``.
    """
    n = _count(n_samples, "n_samples")
    noise = _nonnegative(noise, "noise")
    factor = _nonnegative(factor, "factor")
    if factor >= 1:
        raise QmlValueError(f"factor is the inner radius and must be < 1, got {factor}")
    rng = _rng(random_state)
    n_outer = n // 2
    t_outer = np.linspace(0, 2 * math.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0, 2 * math.pi, n - n_outer, endpoint=False)
    X = np.concatenate(
        [
            np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1),
            factor * np.stack([np.cos(t_inner), np.sin(t_inner)], axis=1),
        ]
    )
    y = np.repeat([0, 1], [n_outer, n - n_outer])
    return _finish(X, y, rng, noise, shuffle)


def xor(
    n_samples: int = 100,
    *,
    noise: float = 0.0,
    random_state: RandomState = None,
) -> Dataset:
    """The XOR problem: points uniform in ``[-1, 1]^2``, class ``(x0 > 0) xor (x1 > 0)``.

    Labels come from the noiseless points; ``noise`` is then the standard
    deviation of Gaussian noise added to each coordinate (so points near the
    axes may cross). Returns ``X`` ``(n_samples, 2)``, ``y`` in ``{0, 1}``.
    """
    n = _count(n_samples, "n_samples")
    noise = _nonnegative(noise, "noise")
    rng = _rng(random_state)
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = (X[:, 0] > 0) ^ (X[:, 1] > 0)
    return _finish(X, y, rng, noise, shuffle=False)


def parity(
    n_bits: int = 4,
    n_samples: int | None = None,
    *,
    random_state: RandomState = None,
) -> Dataset:
    """The parity problem: bit strings labelled by the parity of their number of ones.

    With ``n_samples=None`` (default) every one of the ``2**n_bits`` strings once,
    in order: row ``i`` holds the bits of ``i``, ``X[i, j] = (i >> j) & 1`` (bit
    ``j`` as feature ``j``, qiskit's little-endian order). Otherwise
    ``n_samples`` strings drawn uniformly with replacement. Returns ``X``
    ``(n_samples, n_bits)`` of 0.0/1.0 and ``y = X.sum(1) mod 2``.
    """
    bits = _count(n_bits, "n_bits")
    if n_samples is None:
        if bits > MAX_PARITY_TABLE_BITS:
            raise QmlValueError(
                f"the full table of {bits} bits has 2**{bits} rows; "
                f"pass n_samples= to draw a sample, or use n_bits <= {MAX_PARITY_TABLE_BITS}"
            )
        index = np.arange(2**bits)
        X = (index[:, None] >> np.arange(bits)[None, :]) & 1
    else:
        X = _rng(random_state).integers(0, 2, size=(_count(n_samples, "n_samples"), bits))
    return X.astype(np.float64), (X.sum(axis=1) % 2).astype(np.int64)


def blobs(
    n_samples: int = 100,
    *,
    n_features: int = 2,
    centers: int | Sequence[Sequence[float]] | np.ndarray = 3,
    cluster_std: float | Sequence[float] = 1.0,
    center_box: tuple[float, float] = (-10.0, 10.0),
    shuffle: bool = True,
    random_state: RandomState = None,
) -> Dataset:
    """Isotropic Gaussian blobs, one class per blob (scikit-learn's ``make_blobs`` recipe).

    ``centers`` is a number of blobs (centres drawn uniformly in ``center_box``
    per coordinate) or an array ``(n_classes, n_features)`` of centres, which
    then sets ``n_features``. ``cluster_std`` is one standard deviation or one per
    blob. Samples are split as evenly as possible, the first blobs taking the
    remainder. Returns ``X`` ``(n_samples, n_features)``, ``y`` blob indices.
    """
    n = _count(n_samples, "n_samples")
    rng = _rng(random_state)
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        k = _count(centers, "centers")
        d = _count(n_features, "n_features")
        low, high = (float(v) for v in center_box)
        if not low <= high:
            raise QmlValueError(
                f"center_box must be (low, high) with low <= high, got {center_box}"
            )
        means = rng.uniform(low, high, size=(k, d))
    else:
        means = np.asarray(centers, dtype=np.float64)
        if means.ndim != 2 or means.shape[0] < 1 or means.shape[1] < 1:
            raise QmlValueError(
                f"centers must be an int or an array (n_classes, n_features), got shape "
                f"{means.shape}"
            )
        k = means.shape[0]
    std = np.asarray(cluster_std, dtype=np.float64)
    if std.ndim > 1 or std.size not in (1, k):
        raise QmlValueError(f"cluster_std needs one value or {k} values, got {cluster_std!r}")
    std = np.broadcast_to(std.reshape(-1), (k,))
    if not np.all(np.isfinite(std)) or np.any(std < 0):
        raise QmlValueError(f"cluster_std must be finite and >= 0, got {cluster_std!r}")
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    y = np.repeat(np.arange(k), sizes)
    X = means[y] + rng.normal(size=(n, means.shape[1])) * std[y, None]
    return _finish(X, y, rng, 0.0, shuffle)


def iris(*, classes: Sequence[int] | None = None) -> Dataset:
    """Fisher's iris: 150 flowers, 4 measurements (cm), 3 species (scikit-learn's copy).

    Features: sepal length, sepal width, petal length, petal width. Labels 0
    setosa, 1 versicolor, 2 virginica, 50 each, in file order. ``classes``
    keeps only those species, relabelled ``0 .. len(classes) - 1`` in the order
    given (``classes=[1, 2]``: a binary problem, versicolor 0, virginica 1).
    """
    from sklearn.datasets import load_iris  # reads a file bundled with scikit-learn

    X, y = load_iris(return_X_y=True)
    X, y = X.astype(np.float64), y.astype(np.int64)
    if classes is None:
        return X, y
    chosen = [_count(c, "each of classes", 0) for c in classes]
    if not chosen or len(set(chosen)) != len(chosen) or max(chosen) > 2:
        raise QmlValueError(
            f"classes must be distinct species among 0, 1, 2 (setosa, versicolor, "
            f"virginica), got {list(classes)}"
        )
    relabel = np.full(3, -1)
    relabel[chosen] = np.arange(len(chosen))
    keep = relabel[y] >= 0
    return X[keep], relabel[y[keep]].astype(np.int64)


# -- by name -------------------------------------------------------------------------------
#: Data sets by name.
DATASETS: Mapping[str, Callable[..., Dataset]] = MappingProxyType(
    {
        "moons": moons,
        "circles": circles,
        "xor": xor,
        "parity": parity,
        "blobs": blobs,
        "iris": iris,
    }
)


def load_dataset(name: str, **kwargs: Any) -> Dataset:
    """The data set ``name`` (a key of ``DATASETS``) made with ``kwargs``: ``(X, y)``.

    Unknown names and options raise ``OptionError`` listing the valid ones.
    """
    if not isinstance(name, str) or name not in DATASETS:
        raise OptionError(f"unknown data set {name!r}; valid data sets: {', '.join(DATASETS)}")
    make = DATASETS[name]
    accepted = list(inspect.signature(make).parameters)
    unknown = [key for key in kwargs if key not in accepted]
    if unknown:
        raise OptionError(
            f"data set {name!r} has no option(s) {', '.join(unknown)}; "
            f"its options: {', '.join(accepted) or 'none'}"
        )
    return make(**kwargs)
