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
    "ad_hoc",
    "blobs",
    "circle",
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
#: Working copies of the data a generator may hold at once (memory check before making it).
_COPIES = 4


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


def _flag(value: Any, what: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise QmlTypeError(f"{what} must be True or False, got {value!r:.60}")
    return bool(value)


def _check_size(rows: int, columns: int) -> None:
    """Refuse, before allocating, a data set that would not fit in memory (a few copies)."""
    from qml.errors import StateTooLargeError
    from qml.simulator.memory import available_memory

    needed = rows * (columns + 1) * 8 * _COPIES  # exact integers: any size is refused cleanly
    available = available_memory()
    if needed > available:
        raise StateTooLargeError(
            f"a data set of {rows} samples x {columns} features needs about "
            f"{needed / 2**30:.3g} GiB while it is made ({_COPIES} copies of float64), but only "
            f"{available / 2**30:.3g} GiB of memory is available; ask for fewer samples or "
            "features"
        )


def _reals(value: Any, what: str) -> np.ndarray:
    """``value`` as a finite float64 array, or a ``QmlError`` naming ``what``."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise QmlTypeError(f"{what} must be real numbers, got {value!r:.60}") from None
    if not np.isfinite(array).all():
        raise QmlValueError(f"{what} must be finite, got {value!r:.60}")
    return array


def _finish(
    X: np.ndarray, y: np.ndarray, rng: np.random.Generator, noise: float, shuffle: bool
) -> Dataset:
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    if noise:
        with np.errstate(over="ignore", invalid="ignore"):
            X = X + rng.normal(scale=noise, size=X.shape)
    if not np.isfinite(X).all():
        raise QmlValueError(
            "the data overflow float64 (noise, centres or spreads near 1e308); use values "
            "of sensible size"
        )
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
    shuffle = _flag(shuffle, "shuffle")
    _check_size(n, 2)
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
    shuffle = _flag(shuffle, "shuffle")
    _check_size(n, 2)
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
    _check_size(n, 2)
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
        n = _count(n_samples, "n_samples")
        _check_size(n, bits)
        X = _rng(random_state).integers(0, 2, size=(n, bits))
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
    shuffle = _flag(shuffle, "shuffle")
    rng = _rng(random_state)
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        k = _count(centers, "centers")
        d = _count(n_features, "n_features")
        box = _reals(center_box, "center_box")
        if box.shape != (2,) or not box[0] <= box[1]:
            raise QmlValueError(
                f"center_box must be (low, high) with low <= high, got {center_box!r:.60}"
            )
        _check_size(max(n, k), d)
        means = rng.uniform(box[0], box[1], size=(k, d))
    else:
        means = _reals(centers, "centers")
        if means.ndim != 2 or means.shape[0] < 1 or means.shape[1] < 1:
            raise QmlValueError(
                f"centers must be an int or an array (n_classes, n_features), got shape "
                f"{means.shape}"
            )
        k = means.shape[0]
        _check_size(n, means.shape[1])
    std = _reals(cluster_std, "cluster_std")
    if std.ndim > 1 or std.size not in (1, k):
        raise QmlValueError(f"cluster_std needs one value or {k} values, got {cluster_std!r:.60}")
    std = np.broadcast_to(std.reshape(-1), (k,))
    if np.any(std < 0):
        raise QmlValueError(f"cluster_std must be >= 0, got {cluster_std!r:.60}")
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
    if isinstance(classes, (str, bytes)) or not isinstance(classes, Sequence | np.ndarray):
        raise QmlTypeError(f"classes must be a list of species (0, 1, 2), got {classes!r:.60}")
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


def circle(
    n_samples: int = 200,
    *,
    random_state: RandomState = None,
) -> Dataset:
    """The circle problem of Pérez-Salinas et al. 2020 (data re-uploading).

    Points uniform in the square ``[-1, 1]^2``; class 1 inside the circle of radius
    ``sqrt(2/π)`` about the origin, class 0 outside: the radius that gives both
    classes the same area, as in the paper. Returns ``X`` ``(n_samples, 2)``, ``y`` in
    ``{0, 1}`` (about half each).
    """
    n = _count(n_samples, "n_samples")
    _check_size(n, 2)
    rng = _rng(random_state)
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = np.einsum("ij,ij->i", X, X) < 2 / math.pi
    return X, y.astype(np.int64)


#: Grid points per axis of the ad hoc data for 1, 2 and 3 features (as qiskit-ml samples).
AD_HOC_GRID = {1: 5000, 2: 100, 3: 20}


def ad_hoc_labels(X: np.ndarray, observable: np.ndarray, gap: float) -> np.ndarray:
    """Labels of the ad hoc data set: ``+1``, ``-1``, or ``0`` inside the gap.

    ``X`` ``(B, n)`` in ``[0, 2π)``; ``observable`` the ``2**n`` square Hermitian
    ``V† Z^{⊗n} V``. The state is ``|Φ(x)> = U_Φ(x) H^{⊗n} U_Φ(x) H^{⊗n} |0>`` with
    ``U_Φ(x) = exp(i Σ_S φ_S(x) Π_{i∈S} Z_i)``, ``φ_i = x_i`` and
    ``φ_ij = (π - x_i)(π - x_j)`` over all pairs (Havlíček et al. 2019); the label is
    the sign of ``<Φ(x)|O|Φ(x)>`` where its magnitude exceeds ``gap``.
    """
    n = X.shape[1]
    dim = 1 << n
    # z[k, i]: the eigenvalue of Z on the i-th Kronecker factor of basis state k (the
    # paper's and qiskit-ml's order, qubit 0 first), so the observable is used as given
    bits = (np.arange(dim)[:, None] >> (n - 1 - np.arange(n))[None, :]) & 1
    z = 1.0 - 2.0 * bits
    phase = X @ z.T  # (B, dim): sum_i x_i z_i
    for i in range(n):
        for j in range(i + 1, n):
            phase += ((np.pi - X[:, i]) * (np.pi - X[:, j]))[:, None] * (z[:, i] * z[:, j])[None]
    diagonal = np.exp(1j * phase)
    hadamard = np.array([[1.0]])
    for _ in range(n):
        hadamard = np.kron(hadamard, np.array([[1.0, 1.0], [1.0, -1.0]]) / np.sqrt(2))
    plus = np.full(dim, 1 / np.sqrt(dim))  # H^{⊗n}|0>
    psi = (diagonal * plus) @ hadamard.T * diagonal
    values = np.einsum("bi,ij,bj->b", psi.conj(), observable, psi).real
    return (np.abs(values) > gap) * np.sign(values)


def _ad_hoc_observable(n: int, rng: np.random.Generator) -> np.ndarray:
    """``V† Z^{⊗n} V`` for a random unitary ``V``: the eigenvectors of ``A†A``, ``A`` random."""
    dim = 1 << n
    a = rng.random((dim, dim)) + 1j * rng.random((dim, dim))
    values, vectors = np.linalg.eig(a.conj().T @ a)
    v = vectors[:, values.argsort()[::-1]]
    signs = np.array([(-1) ** bin(k).count("1") for k in range(dim)], dtype=float)
    return v.conj().T @ np.diag(signs) @ v


def ad_hoc(
    n_samples: int = 100,
    *,
    n_features: int = 2,
    gap: float = 0.3,
    shuffle: bool = True,
    random_state: RandomState = None,
) -> Dataset:
    """The "ad hoc" data set of Havlíček et al. 2019 (Nature 567, 209), made for the ZZ map.

    Points of the grid ``2πk/m`` (``m`` = 100 per axis for 2 features, 20 for 3, 5000
    for 1) are drawn uniformly, one coordinate at a time, and labelled by
    ``ad_hoc_labels`` with a random observable ``V† Z^{⊗n} V``: class 0 where the
    expectation exceeds ``gap``, class 1 where it is below ``-gap``; points inside
    the gap are drawn again. Class 0 gets ``n_samples // 2`` points, drawn first.
    With ``shuffle=False`` class 0 comes first, in the order drawn, then class 1: the
    points, labels and random stream are those of qiskit-machine-learning's
    ``ad_hoc_data(training_size, test_size, n, gap)`` with
    ``algorithm_globals.random_seed = random_state`` (its classes are ``A, B`` split
    into the first ``training_size`` and the rest). Returns ``X`` ``(n_samples,
    n_features)`` in ``[0, 2π)``, ``y`` in ``{0, 1}``.
    """
    n = _count(n_samples, "n_samples", 2)
    d = _count(n_features, "n_features")
    if d not in AD_HOC_GRID:
        raise QmlValueError(f"ad hoc data are sampled on a grid for 1 to 3 features, got {d}")
    gap = _nonnegative(gap, "gap")
    if gap >= 1:
        raise QmlValueError(f"gap must be below 1 (|<O>| <= 1, no point would qualify), got {gap}")
    shuffle = _flag(shuffle, "shuffle")
    _check_size(n, d)
    rng = _rng(random_state)
    observable = _ad_hoc_observable(d, rng)
    count = AD_HOC_GRID[d]
    axis = np.linspace(0, 2 * math.pi, count, endpoint=False)
    grid = np.stack(np.meshgrid(*[axis] * d, indexing="ij"), axis=-1).reshape(-1, d)
    table = ad_hoc_labels(grid, observable, gap).reshape((count,) * d)
    for label in (1, -1):
        if not np.any(table == label):  # the draws below would never end
            raise QmlValueError(
                f"no grid point has |<O>| above gap={gap} for this observable (random_state "
                f"{random_state!r:.30}); use a smaller gap (the paper's is 0.3)"
            )
    sizes = (n // 2, n - n // 2)
    found: list[np.ndarray] = []
    for label, size in zip((1, -1), sizes, strict=True):
        points: list[tuple[int, ...]] = []
        while len(points) < size:
            # one coordinate per call, as qiskit-ml draws them: the same stream
            draw = tuple(int(rng.choice(count)) for _ in range(d))
            if table[draw] == label:
                points.append(draw)
        found.append(axis[np.array(points, dtype=np.int64).reshape(-1, d)])
    X = np.vstack(found)
    y = np.repeat([0, 1], sizes)
    return _finish(X, y, rng, 0.0, shuffle)


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
        "circle": circle,
        "ad_hoc": ad_hoc,
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
