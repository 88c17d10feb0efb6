"""What the two estimators share: option checks, input validation, the feature stage, model files.

``HybridEstimator`` is the base of ``QuantumClassifier`` and
``QuantumKernelClassifier``. It follows scikit-learn's contract (``__init__``
stores its arguments, learned state ends in ``_`` and is born in ``fit``) and
adds what both need:

* ``_parameter_constraints``: every constructor option with a declarative check
  (``Integer``, ``Real``, ``OneOf``, ``Boolean``), checked in ``fit`` and ``load``
  with one message format;
* ``_validate`` / ``_check_targets``: scikit-learn's validation with qml's errors
  (NaN and inf refused in fit and predict alike);
* ``_fit_inputs`` / ``_inputs``: the fixed input map of the feature stage, fitted on
  the training rows, stored as one affine map;
* ``_file_config`` / ``_file_state`` / ``_restore_state``: the configuration and
  the common fitted state of a model file.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from qml.errors import DataError, ModelFileError, OptionError, QmlTypeError, QmlValueError
from qml.errors import NotFittedError as QmlNotFittedError
from qml.hybrid.encodings import get_encoding
from qml.hybrid.features import AffineMap, check_features, count_rows, get_feature_stage, pad_map
from qml.simulator import lazy


class NotFittedError(QmlNotFittedError, SklearnNotFittedError):
    """qml's ``NotFittedError`` that is also scikit-learn's, as its estimator checks expect."""


# -- declarative option checks ------------------------------------------------------------------
class Constraint:
    """A check of one constructor option: ``check(name, value)`` raises with a clear message."""

    def check(self, name: str, value: Any) -> None:
        """Raise a ``QmlError`` naming ``name`` when ``value`` is not allowed."""
        raise NotImplementedError


@dataclass(frozen=True)
class Integer(Constraint):
    """An int (not a bool) of at least ``minimum``."""

    minimum: int

    def check(self, name: str, value: Any) -> None:
        """Refuse non-integers and values below ``minimum`` (``QmlValueError``)."""
        if (
            not isinstance(value, numbers.Integral)
            or isinstance(value, bool)
            or value < self.minimum
        ):
            raise QmlValueError(f"{name} must be an integer >= {self.minimum}, got {value!r}")


@dataclass(frozen=True)
class Real(Constraint):
    """A finite real number in ``[low, high)`` (``high`` None: no upper bound), or ``> low``."""

    low: float
    high: float | None = None
    open_low: bool = False

    def check(self, name: str, value: Any) -> None:
        """Refuse non-numbers, NaN, inf and values out of range (``QmlValueError``)."""
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
        ok = ok and math.isfinite(value)
        ok = ok and (value > self.low if self.open_low else value >= self.low)
        ok = ok and (self.high is None or value < self.high)
        if not ok:
            bracket = "(" if self.open_low else "["
            upper = f"{self.high})" if self.high is not None else "inf)"
            raise QmlValueError(f"{name} must be a number in {bracket}{self.low}, {upper}, "
                                f"got {value!r}")  # fmt: skip


@dataclass(frozen=True)
class OneOf(Constraint):
    """A name from ``choices`` (a live registry or a tuple)."""

    choices: Mapping[str, Any] | tuple[str, ...]

    def check(self, name: str, value: Any) -> None:
        """Refuse unknown names, listing the valid ones (``OptionError``)."""
        if not isinstance(value, str) or value not in self.choices:
            raise OptionError(f"unknown {name} {value!r}; choose one of {', '.join(self.choices)}")


@dataclass(frozen=True)
class Boolean(Constraint):
    """``True`` or ``False`` (numpy booleans too)."""

    def check(self, name: str, value: Any) -> None:
        """Refuse anything but a boolean (``QmlValueError``)."""
        if not isinstance(value, (bool, np.bool_)):
            raise QmlValueError(f"{name} must be True or False, got {value!r}")


@dataclass(frozen=True)
class Optional(Constraint):
    """None, or a value ``inner`` accepts."""

    inner: Constraint

    def check(self, name: str, value: Any) -> None:
        """Accept None; otherwise defer to ``inner``."""
        if value is not None:
            self.inner.check(name, value)


@dataclass(frozen=True)
class Check(Constraint):
    """Any test: ``test(value)`` True, else ``QmlValueError`` with ``expected``."""

    test: Callable[[Any], bool]
    expected: str

    def check(self, name: str, value: Any) -> None:
        """Refuse values ``test`` rejects."""
        if not self.test(value):
            raise QmlValueError(f"{name} must be {self.expected}, got {value!r}")


# -- the base ------------------------------------------------------------------------------------
class HybridEstimator(ClassifierMixin, BaseEstimator):
    """The shared base of qml's estimators (see the module docstring)."""

    #: Every constructor option and its check.
    _parameter_constraints: ClassVar[dict[str, Constraint]] = {}
    #: The attribute ``fit`` sets last: the estimator is fitted when it exists.
    _fitted_attribute: ClassVar[str] = "params_"
    #: Re-uploading layers the feature stage may have to feed (1 for a kernel).
    _layers_option: ClassVar[str | None] = None

    # -- options ------------------------------------------------------------------------------
    def _check_options(self) -> None:
        for name, constraint in self._parameter_constraints.items():
            constraint.check(name, getattr(self, name))

    # -- data ---------------------------------------------------------------------------------
    def _validate(self, X: Any, y: Any = None, *, reset: bool) -> Any:
        """scikit-learn's validation, its errors re-raised as qml ``DataError``s."""
        try:
            if reset:
                X, y = validate_data(self, X, y, ensure_all_finite=False, dtype=np.float64)
            else:
                X = validate_data(self, X, reset=False, ensure_all_finite=False, dtype=np.float64)
        except ValueError as error:
            raise DataError(f"{error}") from None
        except TypeError as error:  # e.g. sparse input
            raise QmlTypeError(f"{error}") from None
        check_features(X)
        return (X, y) if reset else X

    def _check_targets(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Validated ``(X, targets)``; sets ``classes_`` (and ``n_features_in_``)."""
        n_x, n_y = count_rows(X), count_rows(y)
        if n_x is not None and n_y is not None and n_x != n_y:
            raise DataError(
                f"X has {n_x} samples but y has {n_y} labels; give one label per row of X"
            )
        X, y = self._validate(X, y, reset=True)
        try:
            check_classification_targets(y)
        except ValueError as error:
            raise DataError(f"{error}; a classifier needs discrete class labels") from None
        self.classes_, targets = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise DataError(
                f"y has only one class ({self.classes_[0]!r}); a classifier needs at least 2 "
                "classes (one class cannot be told apart from anything)"
            )
        return X, targets

    # -- the feature stage ---------------------------------------------------------------------
    def _n_layers(self) -> int:
        return int(getattr(self, self._layers_option)) if self._layers_option else 1

    def _fit_inputs(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """Fit ``input_map_`` on the training rows; the trainable stage's starting arrays."""
        encoding, stage = get_encoding(self.encoding), get_feature_stage(self.features)
        self.input_map_, start = stage.fit(X, encoding, self.n_qubits, self._n_layers())
        return start

    def _inputs(self, X: np.ndarray) -> np.ndarray:
        """The model's input rows for validated feature rows ``X``."""
        return self.input_map_(X)

    def _input_width(self, n_features: int) -> int:
        """Columns of ``input_map_``'s output for ``n_features`` features."""
        stage = get_feature_stage(self.features)
        return stage.input_width(n_features, get_encoding(self.encoding).width(self.n_qubits))

    # -- fitted or not -------------------------------------------------------------------------
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, self._fitted_attribute)

    def _check_fitted(self) -> None:
        if not hasattr(self, self._fitted_attribute):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit(X, y) first "
                f"(or load a saved model with {type(self).__name__}.load)"
            )

    # -- dask arrays -----------------------------------------------------------------------------
    def _row_bytes(self) -> int:
        """Memory one row needs while predicted: its state (4**n under noise) and working copies."""
        return lazy.STATE_COPIES * lazy.state_bytes(self.n_qubits, getattr(self, "noise", None))

    def _lazy(self, method: Callable[..., Any], X: Any, **options: Any) -> Any:
        """``method(rows, **options)`` (one of this estimator's) over the blocks of dask ``X``.

        A lazy array; each block is one task that runs the numpy method on a copy of the
        fitted estimator (see :mod:`qml.simulator.lazy`).
        """
        self._check_fitted()
        return lazy.map_rows(method, X, kwargs=options, row_bytes=self._row_bytes())

    # -- model files ---------------------------------------------------------------------------
    def _file_config(self) -> dict[str, Any]:
        """The constructor options as JSON data (objects that are not data become None)."""
        config = {}
        for key, value in self.get_params().items():
            if isinstance(value, np.generic):  # numpy scalars (np.arange grids, ...)
                value = value.item()
            if not isinstance(value, (str, int, float, bool, type(None))):
                value = None  # a generator or a noise model object is not data
            config[key] = value
        return config

    def _file_state(self, notes: dict[str, Any] | None = None) -> dict[str, Any]:
        """The fitted state both estimators store: classes, features, feature names, notes."""
        return {
            "notes": notes,
            "classes": self.classes_.tolist(),
            "classes_dtype": self.classes_.dtype.str,
            "n_features_in": int(self.n_features_in_),
            "feature_names_in": (
                list(map(str, self.feature_names_in_))
                if hasattr(self, "feature_names_in_")
                else None
            ),
        }

    def _file_input_map(
        self, arrays: dict[str, np.ndarray], n_features: int, path: Any
    ) -> AffineMap:
        """The stored input map, checked against the configuration (``ModelFileError``).

        Files written before an encoding's pad columns were part of the map lack them;
        they are added back (always 1), so those files load unchanged.
        """
        matrix, offset = arrays["input_matrix"], arrays["input_offset"]
        width = self._input_width(n_features)
        pad = get_encoding(self.encoding).pad
        if (
            pad
            and not get_feature_stage(self.features).trainable
            and offset.shape == (width - pad,)
        ):
            padded = pad_map(AffineMap(matrix, offset), pad)
            matrix, offset = padded.matrix, padded.offset
        for name, array, shape in (("input_offset", offset, (width,)),
                                   ("input_matrix", matrix, (n_features, width))):  # fmt: skip
            if array.shape != shape:
                raise ModelFileError(
                    f"{path}: {name} has shape {array.shape}, but this model needs {shape}; "
                    "the file is corrupted"
                )
        return AffineMap(matrix, offset)

    def _restore_state(self, state: dict[str, Any]) -> tuple[np.ndarray, int, Any]:
        """``(classes, n_features, feature names or None)`` read from a file's state."""
        classes = np.array(state["classes"], dtype=np.dtype(state["classes_dtype"]))
        return classes, int(state["n_features_in"]), state.get("feature_names_in")

    def _set_common(
        self, classes: np.ndarray, n_features: int, names: Any, notes: Any = None
    ) -> None:
        self.classes_, self.n_features_in_ = classes, n_features
        self.notes_ = notes if isinstance(notes, dict) else None
        if names is not None:
            self.feature_names_in_ = np.array(names, dtype=object)
