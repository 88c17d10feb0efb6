"""What the two estimators share: option checks, input validation, the feature stage, model files.

``HybridEstimator`` is the base of ``QuantumClassifier`` and
``QuantumKernelClassifier``. It follows scikit-learn's contract (``__init__``
stores its arguments, learned state ends in ``_`` and is born in ``fit``) and
adds what both need:

* ``_parameter_constraints``: every constructor option with a declarative check
  (``Integer``, ``Real``, ``OneOf``, ``Boolean``, ``RandomState``, ``Check``), checked
  in ``fit`` and ``load`` with one message format that names the option and its valid
  range; sizes are capped (``MAX_QUBITS``, ``MAX_LAYERS``, ``MAX_EPOCHS``) so that no
  option, and no model file, can ask for a circuit or a loop that would never finish;
* ``_validate`` / ``_check_targets`` / ``_accuracy``: scikit-learn's validation with
  qml's errors (NaN and inf refused in fit, predict and score alike; labels mixing
  text and numbers, bad sample weights refused);
* ``_fit_inputs`` / ``_inputs``: the fixed input map of the feature stage, fitted on
  the training rows, stored as one affine map (rows it would overflow are refused);
* ``_file_config`` / ``_file_state`` / ``_configured`` / ``_restore_state``: the
  configuration and the common fitted state of a model file, every field checked
  before anything is built from it.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_random_state, validate_data

from qml.errors import (
    DataError,
    ModelFileError,
    OptionError,
    QmlError,
    QmlTypeError,
    QmlValueError,
    is_choice,
)
from qml.errors import NotFittedError as QmlNotFittedError
from qml.hybrid.encodings import get_encoding
from qml.hybrid.features import AffineMap, check_features, count_rows, get_feature_stage, pad_map
from qml.hybrid.persistence import finite_json
from qml.simulator import lazy


class NotFittedError(QmlNotFittedError, SklearnNotFittedError):
    """qml's ``NotFittedError`` that is also scikit-learn's, as its estimator checks expect."""


# -- limits ---------------------------------------------------------------------------------------
#: Most qubits an estimator (or a model file) may ask for: 2**40 amplitudes are 16 TiB, beyond
#: any machine; below that, the memory guard decides what fits here.
MAX_QUBITS = 40
#: Most ansatz layers (kernel: feature-map repetitions): building a 40-qubit circuit of this
#: many layers takes seconds; a file asking for more is refused before anything is built.
MAX_LAYERS = 1000
#: Most epochs of a training budget (a loop that cannot end in a lifetime is a mistake).
MAX_EPOCHS = 1_000_000


def show(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters (a message never quotes a whole array)."""
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the real mistake
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- declarative option checks --------------------------------------------------------------------
class Constraint:
    """A check of one constructor option: ``check(name, value)`` raises with a clear message."""

    def check(self, name: str, value: Any) -> None:
        """Raise a ``QmlError`` naming ``name`` when ``value`` is not allowed."""
        raise NotImplementedError


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _integer_text(value: int) -> str:
    """``2**62`` rather than 19 digits for a large power of two."""
    if value >= 2**20 and value & (value - 1) == 0:
        return f"2**{value.bit_length() - 1}"
    return str(value)


@dataclass(frozen=True)
class Integer(Constraint):
    """An int (not a bool) in ``[minimum, maximum]`` (``maximum`` None: no upper bound)."""

    minimum: int
    maximum: int | None = None

    def check(self, name: str, value: Any) -> None:
        """Refuse non-integers and values out of range (``QmlValueError``)."""
        ok = _is_int(value) and value >= self.minimum
        if not (ok and (self.maximum is None or value <= self.maximum)):
            span = (f">= {self.minimum}" if self.maximum is None
                    else f"in [{self.minimum}, {_integer_text(self.maximum)}]")  # fmt: skip
            raise QmlValueError(f"{name} must be an integer {span}, got {show(value)}")


@dataclass(frozen=True)
class Real(Constraint):
    """A finite real number between ``low`` and ``high`` (None: no upper bound).

    ``open_low`` / ``open_high`` exclude the bound; ``note`` says why the range is what it is.
    """

    low: float
    high: float | None = None
    open_low: bool = False
    open_high: bool = True
    note: str = ""

    def check(self, name: str, value: Any) -> None:
        """Refuse non-numbers, NaN, inf and values out of range (``QmlValueError``)."""
        ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
        try:
            ok = ok and math.isfinite(value)  # a huge int overflows the conversion
        except (OverflowError, TypeError, ValueError):
            ok = False
        ok = ok and (value > self.low if self.open_low else value >= self.low)
        if ok and self.high is not None:
            ok = value < self.high if self.open_high else value <= self.high
        if not ok:
            lower = f"{'(' if self.open_low else '['}{self.low:g}"
            upper = (
                "inf)" if self.high is None else f"{self.high:g}{')' if self.open_high else ']'}"
            )
            note = f" ({self.note})" if self.note else ""
            raise QmlValueError(f"{name} must be a finite number in {lower}, {upper}{note}, "
                                f"got {show(value)}")  # fmt: skip


@dataclass(frozen=True)
class OneOf(Constraint):
    """A name from ``choices`` (a live registry or a tuple)."""

    choices: Mapping[str, Any] | tuple[str, ...]

    def check(self, name: str, value: Any) -> None:
        """Refuse unknown names, listing the valid ones (``OptionError``)."""
        if not is_choice(value, tuple(self.choices)):
            raise OptionError(
                f"unknown {name} {show(value)}; choose one of {', '.join(self.choices)}"
            )


@dataclass(frozen=True)
class Boolean(Constraint):
    """``True`` or ``False`` (numpy booleans too)."""

    def check(self, name: str, value: Any) -> None:
        """Refuse anything but a boolean (``QmlValueError``)."""
        if not isinstance(value, (bool, np.bool_)):
            raise QmlValueError(f"{name} must be True or False, got {show(value)}")


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
            raise QmlValueError(f"{name} must be {self.expected}, got {show(value)}")


#: Seeds numpy's legacy RandomState (and hence scikit-learn) accepts.
MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class RandomState(Constraint):
    """None, an int seed in ``[0, 2**32 - 1]``, a ``numpy.random.RandomState`` or ``Generator``."""

    def check(self, name: str, value: Any) -> None:
        """Refuse other seeds (``QmlValueError``)."""
        if value is None or isinstance(value, (np.random.RandomState, np.random.Generator)):
            return
        if not (_is_int(value) and 0 <= value <= MAX_SEED):
            raise QmlValueError(
                f"{name} must be None, an int seed in [0, 2**32 - 1], a numpy.random.RandomState "
                f"or a numpy.random.Generator, got {show(value)}"
            )


def seed_from(random_state: Any) -> int:
    """A seed in ``[0, 2**31)`` drawn from a checked ``random_state`` (a Generator advances)."""
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**31))
    return int(check_random_state(random_state).randint(2**31))


# -- labels and weights ---------------------------------------------------------------------------
def _shorten(message: str, limit: int = 400) -> str:
    """scikit-learn's message without the data it quotes (a message is one readable line)."""
    message = re.sub(r"array=\[.*?\]\.?", "array=[...].", message, flags=re.S)
    message = re.sub(r"\n\s*\[.*", "", message, flags=re.S)  # a data dump on its own lines
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 3] + "..."


def _is_text(labels: np.ndarray) -> bool:
    if labels.dtype.kind in "US":
        return True
    return labels.dtype == object and any(isinstance(v, (str, np.str_)) for v in labels.flat)


def check_label_kinds(y: Any) -> None:
    """Refuse labels that mix text with numbers (numpy would turn the numbers into text)."""
    if isinstance(y, np.ndarray) and y.dtype != object:
        return
    try:
        values = np.asarray(y, dtype=object).ravel()
    except (ValueError, TypeError):
        return  # scikit-learn's validation says what is wrong with it
    text = [isinstance(v, (str, np.str_)) for v in values]
    if any(text) and not all(text):
        first_text = values[text.index(True)]
        other = values[text.index(False)]
        raise DataError(
            f"y mixes text labels with other values (e.g. {show(first_text)} and {show(other)}); "
            "give every label the same type, e.g. all strings (np.asarray(y).astype(str))"
        )


def check_whole_labels(y: np.ndarray) -> None:
    """Refuse float labels that are whole numbers beyond int64, saying so.

    scikit-learn would call them continuous values, a misleading message for labels.
    """
    if y.dtype.kind != "f" or not len(y) or not np.isfinite(y).all():
        return
    if np.all(y == np.floor(y)) and np.max(np.abs(y)) >= 2.0**63:
        raise DataError(
            f"y holds whole-number labels beyond the 64-bit integer range (e.g. "
            f"{np.max(np.abs(y)):g}); give the labels as strings (y.astype(str)) or as smaller "
            "integers"
        )


def check_sample_weight(sample_weight: Any, n_rows: int | None) -> np.ndarray | None:
    """``sample_weight`` as finite non-negative float64 ``(n_rows,)`` (not all zero), or None."""
    if sample_weight is None:
        return None
    try:
        weights = np.asarray(sample_weight, dtype=np.float64)
    except (ValueError, TypeError, OverflowError):
        raise DataError(f"sample_weight must be numbers, one per row of X, got "
                        f"{show(sample_weight)}") from None  # fmt: skip
    if weights.ndim != 1 or (n_rows is not None and len(weights) != n_rows):
        raise DataError(f"sample_weight must be 1-D with one weight per row of X ({n_rows}), got "
                        f"shape {weights.shape}")  # fmt: skip
    if not np.isfinite(weights).all() or np.any(weights < 0) or not np.any(weights > 0):
        raise DataError(
            "sample_weight must be finite and >= 0, with at least one weight > 0; "
            "drop the rows you do not want counted instead of weighting them NaN"
        )
    return weights


# -- model files ----------------------------------------------------------------------------------
#: dtype kinds of class labels a model file may hold, and the JSON values of each.
_CLASS_KINDS: dict[str, tuple[type, ...]] = {
    "b": (bool,), "i": (int,), "u": (int,), "f": (float,), "U": (str,), "O": (str, int, float),
}  # fmt: skip


def _file_classes(values: Any, dtype_text: Any, path: Any) -> np.ndarray:
    """A file's class labels as ``fit`` stored them, or a ``ModelFileError`` naming the field."""
    bad = f"{path}: state.classes"
    try:
        dtype = np.dtype(dtype_text) if isinstance(dtype_text, str) else None
    except (TypeError, ValueError):
        dtype = None
    if dtype is None or dtype.kind not in _CLASS_KINDS:
        raise ModelFileError(f"{path}: state.classes_dtype {show(dtype_text)} is not a dtype of "
                             "class labels (bool, integer, float or text); the file is "
                             "corrupted")  # fmt: skip
    allowed = _CLASS_KINDS[dtype.kind]
    if not isinstance(values, list) or len(values) < 2:
        raise ModelFileError(f"{bad} must be a list of at least 2 labels, got {show(values)}; "
                             "the file is corrupted")  # fmt: skip
    kinds = {type(value) for value in values}
    if dtype.kind == "f":
        ok = kinds <= {int, float}  # JSON may write a whole float without its ".0"
    else:
        ok = len(kinds) == 1 and kinds <= set(allowed)
    ok = ok and finite_json(values)
    if not ok:
        names = ", ".join(sorted(kind.__name__ for kind in kinds))
        raise ModelFileError(f"{bad} holds {names} values, not finite labels of dtype "
                             f"{dtype.str}; the file is corrupted")  # fmt: skip
    try:
        classes = np.array(values, dtype=dtype)
        same = classes.tolist() == values and len(classes) == len(values)
        ordered = np.unique(classes)
    except (TypeError, ValueError, OverflowError):
        same, ordered = False, None
    if not same or ordered is None:
        raise ModelFileError(f"{bad} do not fit dtype {dtype.str} (e.g. a label too long or too "
                             "large); the file is corrupted")  # fmt: skip
    if len(ordered) != len(classes) or not np.array_equal(ordered, classes):
        raise ModelFileError(
            f"{bad} {show(values)} are not distinct labels in sorted order, as fit stores them "
            "(a repeated or swapped class would relabel every prediction); the file is corrupted"
        )
    return classes


def file_history(history: Any, n_iter: Any, path: Any) -> tuple[list[dict[str, Any]], int]:
    """A classifier file's training history and iteration count, checked."""
    if not _is_int(n_iter) or n_iter < 0:
        raise ModelFileError(f"{path}: state.n_iter must be an integer >= 0, got {show(n_iter)}; "
                             "the file is corrupted")  # fmt: skip
    ok = isinstance(history, list) and all(
        isinstance(record, dict)
        and all(
            isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            for value in record.values()
        )
        for record in history
    )
    if not ok:
        raise ModelFileError(
            f"{path}: state.history must be a list of records of finite numbers, got "
            f"{show(history)}; the file is corrupted"
        )
    return history, n_iter


# -- the base -------------------------------------------------------------------------------------
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

    def _forget_fit(self) -> None:
        """Drop the fitted attributes (names ending in ``_``) of an earlier fit."""
        for name in [name for name in vars(self) if name.endswith("_") and name[:1] != "_"]:
            delattr(self, name)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Mean accuracy of ``predict(X)`` against labels ``y`` (``sample_weight``: per row)."""
        return self._accuracy(X, y, sample_weight, self.predict)

    # -- data ---------------------------------------------------------------------------------
    def _validate(self, X: Any, y: Any = None, *, reset: bool) -> Any:
        """scikit-learn's validation, its errors re-raised as qml ``DataError``s."""
        try:
            if reset:
                X, y = validate_data(self, X, y, ensure_all_finite=False, dtype=np.float64)
            else:
                X = validate_data(self, X, reset=False, ensure_all_finite=False, dtype=np.float64)
        except (ValueError, OverflowError) as error:  # OverflowError: ints beyond float64
            raise DataError(_shorten(f"{error}")) from None
        except TypeError as error:  # e.g. sparse input
            raise QmlTypeError(_shorten(f"{error}")) from None
        check_features(X)
        return (X, y) if reset else X

    def _check_targets(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Validated ``(X, targets)``; sets ``classes_`` (and ``n_features_in_``)."""
        n_x, n_y = count_rows(X), count_rows(y)
        if n_x is not None and n_y is not None and n_x != n_y:
            raise DataError(
                f"X has {n_x} samples but y has {n_y} labels; give one label per row of X"
            )
        check_label_kinds(y)
        X, y = self._validate(X, y, reset=True)
        check_whole_labels(y)
        try:
            check_classification_targets(y)
        except ValueError as error:
            hint = "a classifier needs discrete class labels"
            if y.dtype == object:
                hint = ("labels in an object array must be text: convert them, e.g. "
                        "y.astype(int) or y.astype(str)")  # fmt: skip
            raise DataError(f"{_shorten(str(error))}; {hint}") from None
        try:
            classes, targets = np.unique(y, return_inverse=True)
        except TypeError as error:  # labels numpy cannot order
            raise DataError(f"the labels in y cannot be sorted ({error}); give every label the "
                            "same type, e.g. all strings") from None  # fmt: skip
        if len(classes) < 2:
            raise DataError(
                f"y has only one class ({classes[0]!r}); a classifier needs at least 2 "
                "classes (one class cannot be told apart from anything)"
            )
        self.classes_ = classes
        return X, targets

    def _accuracy(self, X: Any, y: Any, sample_weight: Any, predict: Callable) -> float:
        """Mean accuracy of ``predict(X)`` against ``y``, ``y`` and weights checked first."""
        from sklearn.metrics import accuracy_score

        n_x, n_y = count_rows(X), count_rows(y)
        if n_x is not None and n_y is not None and n_x != n_y:
            raise DataError(f"X has {n_x} samples but y has {n_y} labels; give one label per "
                            "row of X")  # fmt: skip
        check_label_kinds(y)
        weights = check_sample_weight(sample_weight, n_x)
        predicted = predict(X)
        try:
            labels = np.asarray(y)
        except (ValueError, TypeError) as error:
            raise DataError(f"y is not a 1-D list of labels ({_shorten(str(error))})") from None
        if labels.ndim != 1 or len(labels) != len(predicted):
            raise DataError(f"y must be 1-D with one label per row of X ({len(predicted)}), "
                            f"got shape {labels.shape}")  # fmt: skip
        text = [_is_text(labels), _is_text(self.classes_)]
        if len(labels) and text[0] != text[1]:
            kinds = ["text" if t else "numbers" for t in text]
            raise DataError(
                f"y's labels are {kinds[0]} but this model's classes are {kinds[1]} "
                f"({', '.join(map(str, self.classes_.tolist()[:5]))}); score on labels of the "
                "kind it was trained on"
            )
        try:
            return float(accuracy_score(labels, predicted, sample_weight=weights))
        except (ValueError, TypeError) as error:
            raise DataError(f"cannot score against y: {_shorten(str(error))}") from None

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
        with np.errstate(over="ignore", invalid="ignore"):  # refused below, with advice
            inputs = self.input_map_(X)
        if not np.isfinite(inputs).all():  # the fitted map scaled finite features out of range
            rows = np.flatnonzero(~np.isfinite(inputs).all(axis=1))
            raise DataError(
                f"X row {rows[0]} ({len(rows)} row(s) in all) is too large for this model's "
                f"feature map, fitted on the training data (largest |value| here: "
                f"{np.max(np.abs(X[rows[0]])):.3g}); rescale X as the training data was scaled"
            )
        return inputs

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
        if notes is not None and not isinstance(notes, dict):
            raise QmlTypeError(f"notes must be None or a dict of JSON data, got {show(notes)}")
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

    @classmethod
    def _configured(cls, config: dict[str, Any], path: Any) -> Any:
        """An unfitted estimator of a file's ``config``, every option checked first.

        Options the file lacks take their defaults (files of earlier versions); unknown
        options and every value a constructor check refuses are ``ModelFileError``s naming
        the option, so nothing is built from a file before its sizes are known to be sane.
        """
        unknown = sorted(set(config) - set(cls._get_param_names()))
        if unknown:
            raise ModelFileError(f"{path}: config has unknown option(s) "
                                 f"{', '.join(map(show, unknown[:5]))}; the file is corrupted or "
                                 "from another qml")  # fmt: skip
        clf = cls(**config)
        try:
            clf._check_options()
        except QmlError as error:
            raise ModelFileError(f"{path}: config: {error}; the file is corrupted") from None
        return clf

    def _restore_state(
        self, state: dict[str, Any], path: Any, required: tuple[str, ...] = ()
    ) -> tuple[np.ndarray, int, Any, Any]:
        """``(classes, n_features, feature names or None, notes or None)`` of a file's state.

        Every field is checked (``ModelFileError`` naming it): ``classes`` distinct and in
        ``np.unique`` order (what ``fit`` stores: a swapped or repeated class would relabel
        every prediction), of the stored dtype; ``required`` names the subclass's own
        fields, whose meaning it checks.
        """
        needed = ("classes", "classes_dtype", "n_features_in", *required)
        known = (*needed, "notes", "feature_names_in")  # absent from files of early versions
        missing = [name for name in needed if name not in state]
        unknown = [name for name in state if name not in known]
        if missing or unknown:
            what = (f"lacks {', '.join(map(repr, missing))}" if missing
                    else f"has unknown field(s) {', '.join(map(show, unknown[:5]))}")  # fmt: skip
            raise ModelFileError(f"{path}: state {what}; the file is corrupted")
        classes = _file_classes(state["classes"], state["classes_dtype"], path)
        n_features = state["n_features_in"]
        if not _is_int(n_features) or n_features < 1:
            raise ModelFileError(f"{path}: state.n_features_in must be an integer >= 1, got "
                                 f"{show(n_features)}; the file is corrupted")  # fmt: skip
        names = state.get("feature_names_in")
        if names is not None and (
            not isinstance(names, list)
            or len(names) != n_features
            or not all(isinstance(name, str) for name in names)
        ):
            raise ModelFileError(f"{path}: state.feature_names_in must be None or {n_features} "
                                 f"strings, got {show(names)}; the file is corrupted")  # fmt: skip
        notes = state.get("notes")
        if notes is not None and not (isinstance(notes, dict) and finite_json(notes)):
            raise ModelFileError(f"{path}: state.notes must be None or a JSON object of finite "
                                 f"numbers, got "
                                 f"{show(notes)}; the file is corrupted")  # fmt: skip
        return classes, n_features, names, notes

    def _set_common(
        self, classes: np.ndarray, n_features: int, names: Any, notes: Any = None
    ) -> None:
        self.classes_, self.n_features_in_ = classes, n_features
        self.notes_ = notes if isinstance(notes, dict) else None
        if names is not None:
            self.feature_names_in_ = np.array(names, dtype=object)
