"""Classical feature extraction: raw features -> one rotation angle per qubit.

The fixed stage is fitted on training data with scikit-learn: standardise,
then PCA down to ``n_qubits`` components when there are more features than
qubits, then scale each column into the encoding's angle range. All three are
affine, so the fitted stage is stored as one map ``angles = X @ A + c``: exact
to save, cheap to apply, identical after loading. With fewer features than
qubits, features are repeated cyclically over the qubits (qubit ``q`` gets
feature ``q mod d``).

The trainable ("dense") stage standardises and then applies ``W z + b``; it is
initialised to the fixed stage's own map, so training starts from the PCA
embedding and improves on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from qml.errors import DataError

#: Angle range each encoding's features are scaled into.
ANGLE_RANGES: dict[str, tuple[float, float]] = {
    "angle": (0.0, np.pi),
    "zz": (0.0, np.pi),
    "iqp": (0.0, np.pi),
    "amplitude": (-1.0, 1.0),
}


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
    """Zero mean and unit variance per column (scikit-learn's ``StandardScaler``)."""
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X)
    scale = np.asarray(scaler.scale_, dtype=np.float64)
    return AffineMap(np.diag(1.0 / scale), -scaler.mean_ / scale)


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
