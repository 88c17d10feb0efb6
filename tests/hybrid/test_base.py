"""The estimators' shared base: declarative option checks, label and weight checks, and the
refusals that keep a failed fit from leaving a half-fitted estimator."""

from __future__ import annotations

import numpy as np
import pytest

from qml.errors import DataError, NotFittedError, OptionError, QmlValueError
from qml.hybrid import QuantumClassifier, QuantumKernelClassifier
from qml.hybrid.base import (
    MAX_EPOCHS,
    MAX_LAYERS,
    MAX_QUBITS,
    Integer,
    RandomState,
    Real,
    check_sample_weight,
)
from qml.hybrid.datasets import moons

FAST = dict(n_qubits=2, n_layers=1, epochs=2, random_state=0)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    return moons(30, noise=0.1, random_state=1)


# -- the constraints ------------------------------------------------------------------------
def test_an_integer_out_of_range_is_refused_naming_the_option_and_range() -> None:
    with pytest.raises(
        QmlValueError, match=r"n_layers must be an integer in \[1, 1000\], got 1001"
    ):
        Integer(1, 1000).check("n_layers", 1001)


@pytest.mark.parametrize("value", [True, 2.0, "3", np.float64(3), None])
def test_an_integer_option_refuses_other_types(value) -> None:
    with pytest.raises(QmlValueError, match="must be an integer"):
        Integer(1).check("epochs", value)


def test_a_bound_that_is_a_large_power_of_two_is_written_as_one() -> None:
    with pytest.raises(QmlValueError, match=r"\[1, 2\*\*62\]"):
        Integer(1, 2**62).check("shots", 2**62 + 1)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.0, 10**400, "0.1", None])
def test_a_real_option_refuses_nan_inf_negatives_huge_ints_and_text(value) -> None:
    with pytest.raises(QmlValueError, match=r"learning_rate must be a finite number in \[0, inf\)"):
        Real(0.0).check("learning_rate", value)


def test_a_closed_upper_bound_admits_the_bound_and_says_why_beyond() -> None:
    constraint = Real(0.0, 10.0, open_low=True, open_high=False, note="slow beyond")
    constraint.check("C", 10.0)
    with pytest.raises(
        QmlValueError, match=r"C must be a finite number in \(0, 10\] \(slow beyond"
    ):
        constraint.check("C", 10.5)


@pytest.mark.parametrize(
    "seed", [None, 0, 2**32 - 1, np.random.RandomState(1), np.random.default_rng(1)]
)
def test_random_state_accepts_seeds_and_generators(seed) -> None:
    RandomState().check("random_state", seed)


@pytest.mark.parametrize("seed", [-1, 2**32, "abc", 1.5, True])
def test_random_state_refuses_what_numpy_cannot_seed_with(seed) -> None:
    with pytest.raises(
        QmlValueError, match=r"random_state must be None, an int seed in \[0, 2\*\*32 - 1\]"
    ):
        RandomState().check("random_state", seed)


# -- the estimators' limits -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("option", "value", "needle"),
    [
        ("n_qubits", MAX_QUBITS + 1, f"n_qubits must be an integer in [1, {MAX_QUBITS}]"),
        ("n_layers", MAX_LAYERS + 1, f"n_layers must be an integer in [1, {MAX_LAYERS}]"),
        ("epochs", MAX_EPOCHS + 1, f"epochs must be an integer in [1, {MAX_EPOCHS}]"),
        ("shots", 2**62 + 1, "shots must be an integer in [1, 2**62]"),
        ("learning_rate", float("nan"), "learning_rate must be a finite number in [0, inf)"),
        ("learning_rate", -0.1, "learning_rate must be a finite number in [0, inf)"),
        ("momentum", 1.0, "momentum must be a finite number in [0, 1)"),
        ("random_state", -1, "random_state must be None"),
        ("verbose", "yes", "verbose must be True, False or a verbosity level"),
    ],
)
def test_classifier_options_are_refused_in_fit_with_their_range(
    data, option, value, needle
) -> None:
    clf = QuantumClassifier(**{**FAST, option: value})
    with pytest.raises(QmlValueError) as info:
        clf.fit(*data)
    assert needle in str(info.value)
    assert not hasattr(clf, "params_")


def test_a_noise_spec_that_does_not_parse_is_refused_naming_the_option(data) -> None:
    with pytest.raises(OptionError, match=r"noise: .*not a probability"):
        QuantumClassifier(**FAST, noise="depolarizing=2").fit(*data)


@pytest.mark.parametrize(
    ("option", "value", "needle"),
    [
        ("C", 1e308, "C must be a finite number in (0, 1e+06]"),
        ("reps", MAX_LAYERS + 1, f"reps must be an integer in [1, {MAX_LAYERS}]"),
        ("random_state", "abc", "random_state must be None"),
    ],
)
def test_kernel_options_are_refused_in_fit_with_their_range(data, option, value, needle) -> None:
    with pytest.raises(QmlValueError) as info:
        QuantumKernelClassifier(n_qubits=2, **{option: value}).fit(*data)
    assert needle in str(info.value)


def test_a_generator_random_state_makes_fit_reproducible(data) -> None:
    one = QuantumClassifier(**{**FAST, "random_state": np.random.default_rng(7)}).fit(*data)
    two = QuantumClassifier(**{**FAST, "random_state": np.random.default_rng(7)}).fit(*data)
    np.testing.assert_array_equal(one.params_, two.params_)


def test_the_kernel_classifier_takes_a_generator_random_state(data) -> None:
    clf = QuantumKernelClassifier(n_qubits=2, random_state=np.random.default_rng(0)).fit(*data)
    assert clf.score(*data) > 0.5


# -- labels ---------------------------------------------------------------------------------
@pytest.mark.parametrize("container", [list, lambda v: np.array(v, dtype=object)])
def test_labels_mixing_text_and_numbers_are_refused(data, container) -> None:
    X, y = data
    mixed = container([1 if label else "a" for label in y])
    with pytest.raises(DataError, match="mixes text labels with other values") as info:
        QuantumClassifier(**FAST).fit(X, mixed)
    assert "astype(str)" in str(info.value)


def test_whole_number_labels_beyond_int64_are_refused_saying_so(data) -> None:
    X, y = data
    with pytest.raises(DataError, match="beyond the 64-bit integer range"):
        QuantumKernelClassifier(n_qubits=2).fit(X, np.where(y, 1e20, 0.0))


def test_an_object_array_of_numbers_is_refused_with_a_conversion_hint(data) -> None:
    X, y = data
    with pytest.raises(DataError, match=r"y.astype\(int\)"):
        QuantumKernelClassifier(n_qubits=2).fit(X, y.astype(object))


def test_a_failed_refit_leaves_the_estimator_unfitted(data) -> None:
    X, y = data
    clf = QuantumClassifier(**FAST).fit(X, y)
    with pytest.raises(DataError):
        clf.fit(X, np.zeros_like(y))  # one class: refused after the options were checked
    assert not hasattr(clf, "classes_") and not hasattr(clf, "params_")
    with pytest.raises(NotFittedError):
        clf.predict(X)


# -- scoring --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fitted(data) -> QuantumKernelClassifier:
    return QuantumKernelClassifier(n_qubits=2).fit(*data)


def test_score_refuses_labels_of_another_length(fitted, data) -> None:
    X, y = data
    with pytest.raises(DataError, match=f"X has {len(X)} samples but y has 3 labels"):
        fitted.score(X, y[:3])


def test_score_refuses_text_labels_for_a_model_of_numbers(fitted, data) -> None:
    X, y = data
    with pytest.raises(DataError, match="labels are text but this model's classes are numbers"):
        fitted.score(X, np.array(["a", "b"])[y])


def test_score_weights_each_row(fitted, data) -> None:
    X, y = data
    right = fitted.predict(X) == y
    weights = np.where(right, 3.0, 1.0)
    expected = weights[right].sum() / weights.sum()
    assert fitted.score(X, y, sample_weight=weights) == pytest.approx(expected)


@pytest.mark.parametrize(
    "weights",
    [[np.nan] * 30, [-1.0] * 30, [0.0] * 30, [1.0] * 29, "heavy", [[1.0]] * 30],
    ids=["nan", "negative", "all-zero", "short", "text", "2-d"],
)
def test_bad_sample_weights_are_refused(weights) -> None:
    with pytest.raises(DataError, match="sample_weight"):
        check_sample_weight(weights, 30)
