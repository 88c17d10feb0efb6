"""Fuzzing the hybrid layer's public entry points: the estimators' options, data and model
files, ``QuantumKernel`` and the data sets. Any input ends in a ``qml.QmlError`` or in a
finite result of the documented shape, never in a bare built-in exception or a NaN.

Models are tiny (1-3 qubits, 1-2 layers, 1-2 epochs, a few dozen rows) so the default
example counts stay quick; set QML_FUZZ_EXAMPLES for a long run. Options that are valid
but expensive (many qubits, layers or epochs) are not drawn: their checks are refusals of
values out of range, which are drawn.
"""

from __future__ import annotations

import base64
import copy
import inspect
import json
import os
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import qml
import qml.hybrid.persistence as persistence
from qml.errors import ModelFileError
from qml.hybrid import (
    DATASETS,
    QuantumClassifier,
    QuantumKernel,
    QuantumKernelClassifier,
    load_dataset,
)
from qml.hybrid.datasets import moons
from tests.fuzzing import junk

EXAMPLES = int(os.environ.get("QML_FUZZ_EXAMPLES", "30"))


def fuzz(scale: float = 1.0) -> settings:
    """Hypothesis settings for ``scale`` times the base example count."""
    return settings(
        max_examples=max(1, int(EXAMPLES * scale)),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )


#: Junk that is never a usable size: no int in a valid range (those can be expensive).
not_a_size = st.one_of(
    junk.filter(lambda v: not isinstance(v, (int, np.integer)) or isinstance(v, bool)),
    st.integers(-(2**70), 0),
    st.integers(10**6 + 1, 2**70),
)


def outcome(call: Any, what: str = "call") -> Any:
    """The call's result, or None when it raised a QmlError; anything else fails the test.

    Each outcome is a Hypothesis event (``--hypothesis-show-statistics`` counts them).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # warnings are not the subject here
            result = call()
    except qml.QmlError as error:
        event(f"{what}: {type(error).__name__}")
        return None
    event(f"{what}: answered")
    return result


def finite(value: Any) -> bool:
    return bool(np.all(np.isfinite(np.asarray(value, dtype=float))))


# -- the classifier's options -----------------------------------------------------------------
def option(valid: Any, bad: Any = junk) -> tuple[Any, Any]:
    """An option's strategies: values that should work, and values that should not."""
    return valid, bad


CLASSIFIER_OPTIONS = {
    "n_qubits": option(st.integers(1, 2), not_a_size),
    "n_layers": option(st.just(1), not_a_size),
    "epochs": option(st.integers(1, 2), not_a_size),
    "batch_size": option(st.integers(1, 2**70)),
    "patience": option(st.integers(1, 3)),
    "encoding": option(st.sampled_from(["angle", "zz", "iqp", "amplitude"])),
    "ansatz": option(st.sampled_from(["hardware_efficient", "real_amplitudes", "efficient_su2"])),
    "features": option(st.sampled_from(["pca", "dense", "raw", "layerwise"])),
    "optimizer": option(st.sampled_from(["adam", "sgd", "spsa", "L-BFGS-B", "COBYLA"])),
    "lr_schedule": option(st.sampled_from(["constant", "cosine", "exponential"])),
    "learning_rate": option(st.one_of(st.floats(0, 1), st.floats(0, 1e300))),
    "momentum": option(st.floats(0, 1, exclude_max=True)),
    "validation_fraction": option(st.floats(0, 1, exclude_max=True)),
    "shots": option(st.one_of(st.none(), st.integers(1, 64))),
    "noise": option(st.sampled_from([None, "depolarizing=0.05", "readout=0.1", "depolarizing=2"])),
    "reuploading": option(st.booleans()),
    "early_stopping": option(st.booleans()),
    "random_state": option(st.one_of(st.integers(0, 2**32 - 1), st.builds(np.random.default_rng))),
    "verbose": option(st.just(False)),
}
KERNEL_OPTIONS = {
    "n_qubits": option(st.integers(1, 3), not_a_size),
    "reps": option(st.integers(1, 2), not_a_size),
    "encoding": option(st.sampled_from(["angle", "zz", "iqp", "amplitude"])),
    "features": option(st.sampled_from(["pca", "raw", "dense"])),
    "C": option(st.floats(0, 1e7)),
    "random_state": option(st.integers(0, 2**32)),
}


@st.composite
def options_of(draw, table: dict[str, tuple], base: dict[str, Any]) -> dict[str, Any]:
    """``base`` with up to four options of ``table`` changed.

    Half the time only to values meant to work (so that many examples train), else to
    anything.
    """
    names = draw(st.lists(st.sampled_from(sorted(table)), max_size=4, unique=True))
    clean = draw(st.booleans())
    options = dict(base)
    for name in names:
        valid, bad = table[name]
        options[name] = draw(valid if clean else st.one_of(valid, bad))
    return options


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    return moons(24, noise=0.1, random_state=0)


def check_fitted(clf: Any, X: np.ndarray) -> None:
    """A fitted estimator's predictions on ``X`` are finite and of the documented shapes."""
    n, k = len(X), len(clf.classes_)
    decision = outcome(lambda: clf.decision_function(X))
    if decision is not None:
        assert decision.shape == ((n,) if k == 2 else (n, k)) and finite(decision)
    predicted = outcome(lambda: clf.predict(X))
    if predicted is not None:
        assert predicted.shape == (n,) and set(predicted.tolist()) <= set(clf.classes_.tolist())
    if hasattr(clf, "predict_proba"):
        proba = outcome(lambda: clf.predict_proba(X))
        if proba is not None:
            assert proba.shape == (n, k) and finite(proba)
            np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@fuzz()
@given(options=options_of(CLASSIFIER_OPTIONS, {"n_qubits": 2, "n_layers": 1, "epochs": 2}))
def test_classifier_options_are_refused_or_trained_finitely(data, options):
    X, y = data
    clf = outcome(lambda: QuantumClassifier(**options).fit(X, y), "fit")
    if clf is not None:
        assert np.all(np.isfinite(clf.params_))
        check_fitted(clf, X)


@fuzz()
@given(options=options_of(KERNEL_OPTIONS, {"n_qubits": 2}))
def test_kernel_classifier_options_are_refused_or_fitted_finitely(data, options):
    X, y = data
    clf = outcome(lambda: QuantumKernelClassifier(**options).fit(X, y), "fit")
    if clf is not None:
        check_fitted(clf, X)


# -- data --------------------------------------------------------------------------------------
def _mutate_rows(X: np.ndarray, y: np.ndarray, how: str, value: Any, where: int) -> tuple:
    """``(X, y)`` changed in one way a user's data can be wrong."""
    X, y = X.copy(), y.copy()
    i = where % len(X)
    if how == "scale":
        with np.errstate(over="ignore"):
            return X * value, y
    if how == "cell":
        X = X.astype(object)
        X[i, where % X.shape[1]] = value
        return X, y
    if how == "label":
        y = y.astype(object)
        y[i] = value
        return X, y
    if how == "labels-as":
        return X, y.astype(value)
    if how == "drop-row-of-y":
        return X, y[:-1]
    if how == "one-class":
        return X, np.zeros_like(y)
    if how == "empty":
        return X[:0], y[:0]
    if how == "one-row":
        return X[:1], y[:1]
    if how == "flat":
        return X.ravel(), y
    if how == "cube":
        return X[:, :, None], y
    if how == "ragged":
        rows = X.tolist()
        rows[i] = rows[i][:1]
        return rows, y
    if how == "as-list":
        return X.tolist(), y.tolist()
    if how == "column":
        return X, y[:, None]
    if how == "no-features":
        return X[:, :0], y
    raise AssertionError(how)


ROW_CHANGES = st.one_of(
    st.tuples(
        st.just("scale"),
        st.sampled_from([1e-320, 1e-300, 1e-30, 1e30, 1e300, 1e308, -1e200, 0.0]),
    ),
    st.tuples(st.just("cell"), junk),
    st.tuples(st.just("label"), junk),
    st.tuples(st.just("labels-as"), st.sampled_from([str, float, bool, object, complex])),
    st.tuples(
        st.sampled_from(
            ["drop-row-of-y", "one-class", "empty", "one-row", "flat", "cube", "ragged",
             "as-list", "column", "no-features"]
        ),
        st.none(),
    ),
)  # fmt: skip


@fuzz(2)
@given(change=ROW_CHANGES, where=st.integers(0, 100), which=st.sampled_from(["vqc", "kernel"]))
def test_bad_training_data_is_refused_or_fitted_finitely(data, change, where, which):
    X, y = _mutate_rows(*data, *change, where)
    make = {
        "vqc": lambda: QuantumClassifier(n_qubits=2, n_layers=1, epochs=2, random_state=0),
        "kernel": lambda: QuantumKernelClassifier(n_qubits=2),
    }[which]
    clf = outcome(lambda: make().fit(X, y), "fit")
    if clf is not None:
        check_fitted(clf, np.asarray(data[0]))


@pytest.fixture(scope="module")
def fitted(data) -> dict[str, Any]:
    X, y = data
    return {
        "vqc": QuantumClassifier(n_qubits=2, n_layers=1, epochs=2, random_state=0).fit(X, y),
        "kernel": QuantumKernelClassifier(n_qubits=2).fit(X, y),
        "text": QuantumClassifier(n_qubits=2, n_layers=1, epochs=2, random_state=0).fit(
            X, np.array(["no", "yes"])[y]
        ),
    }


@fuzz(2)
@given(
    change=ROW_CHANGES,
    where=st.integers(0, 100),
    which=st.sampled_from(["vqc", "kernel", "text"]),
    method=st.sampled_from(["predict", "predict_proba", "decision_function", "score"]),
    weights=st.one_of(st.none(), junk, st.lists(st.floats(-1, 2), min_size=24, max_size=24)),
)
def test_bad_prediction_data_is_refused_or_answered_finitely(
    data, fitted, change, where, which, method, weights
):
    clf = fitted[which]
    X, y = _mutate_rows(*data, *change, where)
    if which == "text" and change[0] not in ("label", "labels-as"):
        y = np.array(["no", "yes"])[np.asarray(data[1])]
    if not hasattr(clf, method):
        return
    if method == "score":
        result = outcome(lambda: clf.score(X, y, sample_weight=weights))
        if result is not None:
            assert 0.0 <= result <= 1.0
        return
    result = outcome(lambda: getattr(clf, method)(X))
    if result is not None:
        assert len(result) == len(np.asarray(X)) and (method == "predict" or finite(result))


@fuzz()
@given(
    which=st.sampled_from(["vqc", "text"]),
    evaluation=st.fixed_dictionaries(
        {},
        optional={
            "noise": st.one_of(st.sampled_from(["depolarizing=0.1", "readout=0.1", "bad=1"]), junk),
            "shots": st.one_of(st.integers(1, 100), junk),
            "seed": st.one_of(st.integers(0, 2**64), junk),
            "backend": st.one_of(st.just("qml"), junk),
            "other": junk,
        },
    ),
)
def test_evaluation_options_are_refused_or_used(data, fitted, which, evaluation):
    clf, X = fitted[which], data[0][:5]
    proba = outcome(lambda: clf.predict_proba(X, **evaluation))
    if proba is not None:
        assert proba.shape == (5, 2) and finite(proba)
    z = outcome(lambda: clf.readout(X, **{k: v for k, v in evaluation.items() if k != "other"}))
    if z is not None:
        assert z.shape == (5, 2) and finite(z) and np.all(np.abs(z) <= 1 + 1e-9)


# -- model files -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def documents(fitted, tmp_path_factory) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("files")
    found = {}
    for which, clf in fitted.items():
        clf.save(folder / f"{which}.json", notes={"source": "fuzz", "values": [1, 2.5]})
        found[which] = json.loads((folder / f"{which}.json").read_text(encoding="utf-8"))
    return found


#: Stands for JSON nested deeper than Python's own JSON writer goes (spliced into the text).
DEEP = "__deeply nested__"


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (a tuple of keys and indices) into a JSON document, 8 levels deep at most."""
    found = [prefix]
    if len(prefix) >= 8:
        return found
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:4]):
            found += _paths(item, (*prefix, index))
    return found


def _get(document: Any, path: tuple) -> Any:
    for key in path:
        document = document[key]
    return document


json_junk = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=6),
        st.sampled_from([0, -1, 1, 2, 200, 10**6, 200_000, "<f8", "<i8", "qml.model"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)


def _flip_bits(entry: Any, position: int, bit: int) -> None:
    """Flip one bit of an array's decoded data, re-encoded (the shape stays consistent)."""
    try:
        raw = bytearray(base64.b64decode(entry["data"]))
    except ValueError:  # an earlier mutation put other text there
        return
    if raw:
        raw[position % len(raw)] ^= 1 << bit
    entry["data"] = base64.b64encode(bytes(raw)).decode()


MUTATIONS = st.sampled_from(["replace", "delete", "flip", "swap-type", "deep", "resize"])


@st.composite
def mutated(draw, document: dict) -> dict:
    """``document`` with one to three random changes, its checksum recomputed."""
    document = copy.deepcopy(document)
    document.pop("sha256")
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(document) if p]
        path = draw(st.sampled_from(paths))
        parent, key = _get(document, path[:-1]), path[-1]
        how = draw(MUTATIONS)
        if how == "replace":
            parent[key] = draw(json_junk)
        elif how == "delete":
            del parent[key]
        elif how == "flip":
            stored = document.get("arrays")
            stored = stored if isinstance(stored, dict) and stored else {"": None}
            entry = stored[draw(st.sampled_from(sorted(stored)))]
            if isinstance(entry, dict) and isinstance(entry.get("data"), str):
                _flip_bits(entry, draw(st.integers(0, 10**6)), draw(st.integers(0, 7)))
        elif how == "swap-type":
            value = parent[key]
            parent[key] = (
                ([value] if not isinstance(value, list) else {"0": value})
                if draw(st.booleans())
                else json.dumps(value)
            )
        elif how == "deep":
            nested: Any = 1
            for _ in range(draw(st.sampled_from([10, 100]))):
                nested = [nested]
            parent[key] = draw(st.sampled_from([nested, DEEP]))
        elif how == "resize":
            parent[key] = draw(st.sampled_from([-1, 0, 2**40, 200, 200_000, [-1, -1], [2**40]]))
        if not isinstance(parent, (dict, list)) or not document:
            break
    try:
        document["sha256"] = persistence._checksum(document)
    except (ValueError, RecursionError):
        document["sha256"] = ""
    return document


def _load_or_refuse(cls: type, text: str, folder: Path, X: np.ndarray) -> None:
    """Load ``text`` as a model file: a ModelFileError (or QmlError), or a usable model."""
    path = folder / "model.json"
    path.write_text(text, encoding="utf-8")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf = cls.load(path)
    except ModelFileError:
        return
    except qml.QmlError as error:  # the file named, whatever the class
        assert str(path) in str(error), error
        return
    check_fitted(clf, X)


@fuzz(4)
@given(data_=st.data(), which=st.sampled_from(["vqc", "kernel", "text"]))
def test_mutated_model_files_are_refused_by_validation(
    data, documents, tmp_path_factory, data_, which
):
    document = data_.draw(mutated(documents[which]))
    cls = QuantumKernelClassifier if which == "kernel" else QuantumClassifier
    try:
        text = json.dumps(document)
    except (ValueError, RecursionError):
        return  # not writable as JSON: nothing to load
    text = text.replace(json.dumps(DEEP), "[" * 100_000 + "]" * 100_000)
    _load_or_refuse(cls, text, tmp_path_factory.mktemp("m"), data[0])


@fuzz(2)
@given(
    which=st.sampled_from(["vqc", "kernel"]),
    cut=st.floats(0, 1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 7)), max_size=3),
)
def test_truncated_or_bit_flipped_model_files_are_refused(
    data, documents, tmp_path_factory, which, cut, flips
):
    intact = json.dumps(documents[which], indent=1).encode()
    raw = bytearray(intact)
    for where, bit in flips:
        raw[min(int(where * len(raw)), len(raw) - 1)] ^= 1 << bit
    raw = raw[: max(0, int(cut * len(raw)))] if cut < 1 else raw
    folder = tmp_path_factory.mktemp("t")
    path = folder / "model.json"
    path.write_bytes(bytes(raw))
    cls = QuantumKernelClassifier if which == "kernel" else QuantumClassifier
    try:
        clf = cls.load(path)
    except ModelFileError as error:
        assert str(path) in str(error)
        return
    assert bytes(raw) == intact  # only the intact file loads (flips may cancel out)
    check_fitted(clf, data[0])


@fuzz()
@given(path=junk, notes=st.one_of(st.none(), json_junk, junk))
def test_save_refuses_bad_paths_and_notes_naming_the_target(fitted, tmp_path_factory, path, notes):
    folder = tmp_path_factory.mktemp("s")
    if isinstance(path, str) and path.strip() and "\0" not in path:
        path = str(folder / ("f-" + path.replace(os.sep, "_")))  # inside the test's folder
    try:
        fitted["vqc"].save(path, notes=notes)
    except qml.QmlError as error:  # never naming the hidden temporary file of the write
        assert not re.search(r"\.[0-9a-f]{8}-\d+\.\w{8}\.tmp", str(error)), error
        return
    loaded = QuantumClassifier.load(path)
    assert loaded.notes_ == notes


# -- QuantumKernel and the data sets -----------------------------------------------------------
#: Feature values, the special ones included.
values = st.one_of(
    st.floats(-4, 4), st.sampled_from([0.0, -0.0, 1e-300, 1e300, -1e300, 1.7e308, 5e-324])
)


@st.composite
def kernel_calls(draw) -> tuple[Any, Any, dict, Any]:
    """``(n_qubits, encoding, options, X)`` for ``QuantumKernel(...)(X)``: half the time a
    call meant to work (rows of the encoding's width), else anything."""
    if not draw(st.booleans()):
        return (
            draw(st.one_of(st.integers(1, 3), not_a_size)),
            draw(st.one_of(st.sampled_from(["angle", "zz", "iqp", "amplitude"]), junk)),
            draw(st.dictionaries(
                st.sampled_from(["reps", "entanglement", "rotation", "alpha", "other", "scale"]),
                st.one_of(st.integers(1, 2), junk, st.sampled_from(["linear", "full", "rx"])),
                max_size=2,
            )),
            draw(st.one_of(junk, st.lists(st.lists(values, max_size=9), max_size=4))),
        )  # fmt: skip
    n = draw(st.integers(1, 3))
    encoding = draw(st.sampled_from(["angle", "zz", "iqp", "amplitude"]))
    options: dict[str, Any] = {}
    if encoding in ("zz", "iqp"):
        options = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "reps": st.integers(1, 2),
                    "entanglement": st.sampled_from(["linear", "full"]),
                },
            )
        )
    width = 1 << n if encoding == "amplitude" else n
    X = draw(st.lists(st.lists(values, min_size=width, max_size=width), max_size=4))
    return n, encoding, options, X  # fmt: skip


@fuzz()
@given(call=kernel_calls())
def test_quantum_kernel_refuses_or_gives_a_gram_matrix(call):
    n_qubits, encoding, options, X = call
    kernel = outcome(lambda: QuantumKernel(n_qubits, encoding, **options))
    if kernel is None:
        return
    gram = outcome(lambda: kernel(X))
    if gram is not None:
        assert gram.shape == (len(gram), len(gram)) and finite(gram)
        assert np.all(gram >= -1e-12) and np.all(gram <= 1 + 1e-9)


#: Values each data set option is meant to take.
DATASET_VALUES = {
    "n_samples": st.integers(1, 50), "noise": st.floats(0, 1), "factor": st.floats(0, 0.99),
    "n_bits": st.integers(1, 6), "n_features": st.integers(1, 3), "centers": st.integers(1, 4),
    "cluster_std": st.floats(0, 2), "center_box": st.tuples(st.floats(-5, 0), st.floats(0, 5)),
    "classes": st.lists(st.integers(0, 2), min_size=1, max_size=3, unique=True),
    "gap": st.floats(0, 0.5), "shuffle": st.booleans(), "random_state": st.integers(0, 2**32),
}  # fmt: skip


@st.composite
def data_set_calls(draw) -> tuple[Any, dict]:
    """``(name, options)`` for ``load_dataset``: half the time options the data set takes,
    with values meant to work, else anything."""
    if draw(st.booleans()):
        name = draw(st.sampled_from(sorted(DATASETS)))
        accepted = [p for p in inspect.signature(DATASETS[name]).parameters if p in DATASET_VALUES]
        chosen = draw(st.lists(st.sampled_from(accepted), unique=True)) if accepted else []
        return name, {key: draw(DATASET_VALUES[key]) for key in chosen}
    name = draw(st.one_of(st.sampled_from(sorted(DATASETS)), junk))
    options = draw(st.dictionaries(
        st.sampled_from([*DATASET_VALUES, "other"]),
        st.one_of(junk, st.integers(1, 30), st.floats(0, 2), st.lists(st.integers(0, 3))),
        max_size=3,
    ))  # fmt: skip
    return name, options


@fuzz(2)
@given(call=data_set_calls())
def test_data_sets_are_refused_or_made_finite(call):
    name, options = call
    made = outcome(lambda: load_dataset(name, **options))
    if made is not None:
        X, y = made
        assert X.ndim == 2 and y.shape == (len(X),) and X.dtype == np.float64
        assert y.dtype == np.int64 and finite(X)
