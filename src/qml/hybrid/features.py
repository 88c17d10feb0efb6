"""Classical feature extraction: raw features -> the encoding's input columns.

The fixed stage is fitted on training data with scikit-learn: standardise,
then PCA down to ``n_qubits`` components when there are more features than
qubits, then scale each column into the encoding's angle range. All three are
affine, so the fitted stage is stored as one map ``angles = X @ A + c``: exact
to save, cheap to apply, identical after loading. With fewer features than
qubits, features are repeated cyclically over the qubits (qubit ``q`` gets
feature ``q mod d``).

The trainable ("dense") stage standardises and then applies ``W z + b``; it is
initialised to the fixed stage's own map, so training starts from the PCA
embedding and improves on it. "layerwise" gives every re-uploading layer its own
``W_l z + b_l`` (Pérez-Salinas et al. 2020). "raw" passes the user's features to
the encoding unchanged.

Every stage is one :class:`FeatureStage` record in ``FEATURE_STAGES``: how it is
fitted, the shapes of its trainable arrays, and its forward and backward maps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qml.errors import DataError, OptionError, QmlTypeError
from qml.hybrid.encodings import ENCODINGS, Encoding


class _AngleRanges(Mapping[str, tuple[float, float]]):
    """The angle range of every registered encoding (a live view of ``ENCODINGS``)."""

    def __getitem__(self, name: str) -> tuple[float, float]:
        return ENCODINGS[name].angle_range

    def __iter__(self) -> Iterator[str]:
        return iter(ENCODINGS)

    def __len__(self) -> int:
        return len(ENCODINGS)


#: Angle range each encoding's features are scaled into (read from the encoding registry).
ANGLE_RANGES: Mapping[str, tuple[float, float]] = _AngleRanges()


@dataclass
class AffineMap:
    """``X @ matrix + offset``: ``matrix`` is ``(n_features, n_outputs)``."""

    matrix: np.ndarray
    offset: np.ndarray

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """Apply to rows of ``X``, shape ``(B, n_features)`` -> ``(B, n_outputs)``."""
        return X @ self.matrix + self.offset

    def then(self, other: AffineMap) -> AffineMap:
        """The composition: this map first, then ``other``."""
        return AffineMap(self.matrix @ other.matrix, self.offset @ other.matrix + other.offset)


def standardizer(X: np.ndarray) -> AffineMap:
    """Zero mean and unit variance per column (scikit-learn's ``StandardScaler``).

    Columns are first divided by a power of two near their largest ``|value|``, which is
    exact, so the map is the same as ``StandardScaler``'s wherever that one works, and
    features of any finite size (``1e300``, whose squares overflow, or ``1e-300``) are
    standardised too. Features so small that ``1 / std`` overflows (subnormal numbers)
    are refused with a ``DataError``.
    """
    from sklearn.preprocessing import StandardScaler

    peak = np.max(np.abs(X), axis=0) if len(X) else np.zeros(X.shape[1])
    # e with peak < 2**e: X * 2**-e lies in (-1, 1), and ldexp scales exactly (2**e itself
    # would overflow for features near 1.8e308, and 2**-e for tiny ones)
    exponent = np.frexp(np.where(peak > 0, peak, 1.0))[1]
    scaler = StandardScaler().fit(np.ldexp(X, -exponent))
    scaled = np.asarray(scaler.scale_, dtype=np.float64)
    # a scaled column's spread is below 1: exactly 1 is StandardScaler's mark of a constant
    # column, whose scale stays 1 as it would unscaled
    scale = np.where(scaled == 1.0, 1.0, np.ldexp(scaled, exponent))
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        matrix, offset = 1.0 / scale, -np.ldexp(scaler.mean_, exponent) / scale
    if not np.isfinite(matrix).all():
        columns = np.flatnonzero(~np.isfinite(matrix))
        raise DataError(
            f"feature column(s) {', '.join(map(str, columns[:5]))} of X are too small to "
            f"standardise (spread {scale[columns[0]]:.3g}: 1 / spread overflows); rescale "
            "those features (e.g. multiply them by 1e300) or drop them"
        )

    return AffineMap(np.diag(matrix), offset)


def fit_fixed_map(
    X: np.ndarray, n_outputs: int, angle_range: tuple[float, float], seed: int = 0
) -> AffineMap:
    """Standardise, PCA to ``n_outputs`` (if needed), scale into ``angle_range``: one affine map.

    ``X`` is the training data ``(n_samples, n_features)``; the result maps any
    rows of the same features to ``(B, n_outputs)`` angles.
    """
    from sklearn.decomposition import PCA

    n_samples, n_features = X.shape
    affine = standardizer(X)
    if n_features > n_outputs:
        if n_samples < n_outputs:
            raise DataError(
                f"PCA to {n_outputs} components needs at least {n_outputs} samples, got "
                f"{n_samples}; use fewer qubits or more data"
            )
        pca = PCA(n_components=n_outputs, random_state=seed).fit(affine(X))
        components = pca.components_.T
        affine = affine.then(AffineMap(components, -pca.mean_ @ components))
    else:
        repeat = np.zeros((n_features, n_outputs))
        repeat[np.arange(n_outputs) % n_features, np.arange(n_outputs)] = 1.0
        affine = affine.then(AffineMap(repeat, np.zeros(n_outputs)))
    projected = affine(X)
    low, high = projected.min(axis=0), projected.max(axis=0)
    span = np.where(high > low, high - low, 1.0)  # a constant column lands mid-range
    target_low, target_high = angle_range
    scale = (target_high - target_low) / span
    centre = np.where(high > low, low, low - 0.5 * span)
    return affine.then(AffineMap(np.diag(scale), target_low - centre * scale))


def check_features(X: np.ndarray, what: str = "X") -> np.ndarray:
    """``X`` as a finite float64 2-D array, or a ``DataError`` naming the problem."""
    if not np.all(np.isfinite(X)):
        rows = np.unique(np.nonzero(~np.isfinite(X))[0])
        kind = "NaN" if np.isnan(X).any() else "infinite values"
        raise DataError(
            f"{what} contains {kind} (NaN or inf) in {len(rows)} row(s), first row {rows[0]}; "
            "impute or drop them first (e.g. sklearn.impute.SimpleImputer)"
        )
    return X


def count_rows(data: Any) -> int | None:
    """Rows of an array-like (sparse matrices included), or None if it has no length."""
    shape = getattr(data, "shape", None)
    if shape is not None and len(shape) >= 1:
        return int(shape[0])
    try:
        return len(data)
    except TypeError:
        return None


# -- feature stages ------------------------------------------------------------------------
Arrays = dict[str, np.ndarray]


@dataclass(frozen=True)
class FeatureStage:
    """One way of turning the user's features into the encoding's input columns.

    Attributes
    ----------
    name : the registry key ("pca", "dense", "raw", "layerwise").
    fit : ``(X, encoding, n_qubits, n_layers) -> (input_map, initial arrays)``: the
        fixed affine map fitted on the training rows ``X`` (its output is what the model
        takes as ``inputs``) and the starting values of the trainable arrays.
    shapes : ``(n_features, width, n_layers) -> {name: shape}`` of the trainable arrays.
    forward : ``(arrays, inputs (B, F)) -> angles (B, n_copies * width)``, or None when
        the inputs are the angles.
    backward : ``(arrays, inputs, d_angles) -> {name: gradient}`` (None without arrays).
    per_layer : one copy of the encoding's parameters per re-uploading layer.
    """

    name: str
    fit: Callable[[np.ndarray, Encoding, int, int], tuple[AffineMap, Arrays]]
    shapes: Callable[[int, int, int], dict[str, tuple[int, ...]]] = field(
        default=lambda n_features, width, n_layers: {}
    )
    forward: Callable[[Arrays, np.ndarray], np.ndarray] | None = None
    backward: Callable[[Arrays, np.ndarray, np.ndarray], Arrays] | None = None
    per_layer: bool = False

    def __reduce__(self) -> tuple:
        # records hold functions: pickle (copy, deepcopy) them by their registry name
        return (get_feature_stage, (self.name,))

    @property
    def trainable(self) -> bool:
        """True when the stage has weights trained with the circuit."""
        return self.forward is not None

    def input_width(self, n_features: int, width: int) -> int:
        """Columns of the fitted input map's output (the model's ``inputs``)."""
        return n_features if self.trainable else width


def fit_encoding_map(X: np.ndarray, encoding: Encoding, n_qubits: int) -> AffineMap:
    """The fixed stage for ``encoding``: ``fit_fixed_map`` into its range, its pad held at 1."""
    width = encoding.width(n_qubits)
    fitted = fit_fixed_map(X, width - encoding.pad, encoding.angle_range)
    if not encoding.pad:
        return fitted
    return pad_map(fitted, encoding.pad)


def pad_map(affine: AffineMap, pad: int) -> AffineMap:
    """``affine`` with ``pad`` more output columns that are always 1."""
    n_features = affine.matrix.shape[0]
    return AffineMap(
        np.hstack([affine.matrix, np.zeros((n_features, pad))]),
        np.concatenate([affine.offset, np.ones(pad)]),
    )


def _fit_pca(X: np.ndarray, encoding: Encoding, n_qubits: int, n_layers: int) -> tuple:
    return fit_encoding_map(X, encoding, n_qubits), {}


def _fit_raw(X: np.ndarray, encoding: Encoding, n_qubits: int, n_layers: int) -> tuple:
    width = encoding.width(n_qubits)
    if X.shape[1] != width:
        raise DataError(
            f"features='raw' gives the encoding your features unchanged, and the "
            f"{encoding.name} encoding on {n_qubits} qubit(s) takes {width} per row, but X "
            f"has {X.shape[1]}; pass {width} features, change n_qubits, or use "
            "features='pca' to reduce or repeat them"
        )
    return AffineMap(np.eye(width), np.zeros(width)), {}


def _fit_dense(X: np.ndarray, encoding: Encoding, n_qubits: int, n_layers: int) -> tuple:
    scaler = standardizer(X)
    start = fit_encoding_map(scaler(X), encoding, n_qubits)  # training starts at the PCA map
    return scaler, {"dense_weight": start.matrix, "dense_bias": start.offset}


def _fit_layerwise(X: np.ndarray, encoding: Encoding, n_qubits: int, n_layers: int) -> tuple:
    scaler = standardizer(X)
    start = fit_encoding_map(scaler(X), encoding, n_qubits)
    # every layer starts at the PCA map; the circuit weights differ per layer, so layers
    # drift apart from the first step on
    weight = np.repeat(start.matrix[None], n_layers, axis=0)
    return scaler, {"layer_weight": weight, "layer_bias": np.tile(start.offset, (n_layers, 1))}


def _layerwise_forward(arrays: Arrays, inputs: np.ndarray) -> np.ndarray:
    weight = arrays["layer_weight"]  # (L, F, W)
    layers, n_features, width = weight.shape
    flat = weight.transpose(1, 0, 2).reshape(n_features, layers * width)
    return inputs @ flat + arrays["layer_bias"].reshape(-1)


def _layerwise_backward(arrays: Arrays, inputs: np.ndarray, d_angles: np.ndarray) -> Arrays:
    layers, n_features, width = arrays["layer_weight"].shape
    flat = (inputs.T @ d_angles).reshape(n_features, layers, width)
    return {"layer_weight": flat.transpose(1, 0, 2),
            "layer_bias": d_angles.sum(axis=0).reshape(layers, width)}  # fmt: skip


_STAGES: dict[str, FeatureStage] = {}


def register_feature_stage(stage: FeatureStage) -> FeatureStage:
    """Add ``stage`` to ``FEATURE_STAGES`` (replacing one of the same name); returns it."""
    if not isinstance(stage, FeatureStage) or not isinstance(stage.name, str) or not stage.name:
        raise QmlTypeError(f"expected a FeatureStage record with a name, got {stage!r:.60}")
    _STAGES[stage.name] = stage
    return stage


class _Stages(Mapping[str, FeatureStage]):
    def __getitem__(self, name: str) -> FeatureStage:
        return _STAGES[name]

    def __iter__(self) -> Iterator[str]:
        return iter(_STAGES)

    def __len__(self) -> int:
        return len(_STAGES)


#: The feature stages by name (a live, read-only view).
FEATURE_STAGES: Mapping[str, FeatureStage] = _Stages()


def get_feature_stage(name: Any) -> FeatureStage:
    """The feature stage ``name``, or an ``OptionError`` listing the valid names."""
    if not isinstance(name, str) or name not in _STAGES:
        raise OptionError(f"unknown features {name!r}; choose one of {', '.join(_STAGES)}")
    return _STAGES[name]


for _stage in (
    FeatureStage("pca", _fit_pca),
    FeatureStage(
        "dense", _fit_dense,
        shapes=lambda n_features, width, n_layers: {
            "dense_weight": (n_features, width), "dense_bias": (width,)},
        forward=lambda a, inputs: inputs @ a["dense_weight"] + a["dense_bias"],
        backward=lambda a, inputs, d: {"dense_weight": inputs.T @ d, "dense_bias": d.sum(axis=0)},
    ),
    FeatureStage("raw", _fit_raw),
    FeatureStage(
        "layerwise", _fit_layerwise,
        shapes=lambda n_features, width, n_layers: {
            "layer_weight": (n_layers, n_features, width), "layer_bias": (n_layers, width)},
        forward=_layerwise_forward, backward=_layerwise_backward, per_layer=True,
    ),
):  # fmt: skip
    register_feature_stage(_stage)
