"""QuantumClassifier: quality bars, reproducibility, scikit-learn integration, refusals."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import sklearn.exceptions
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import qml.simulator.memory
from qml.errors import (
    DataError,
    NotFittedError,
    OptionError,
    QmlError,
    QmlTypeError,
    QmlValueError,
    StateTooLargeError,
)
from qml.hybrid import QuantumClassifier
from qml.hybrid.datasets import blobs, circles, iris, moons, xor

FAST = dict(n_qubits=2, n_layers=1, epochs=5, random_state=0)


def _split(data: tuple[np.ndarray, np.ndarray]) -> list[np.ndarray]:
    X, y = data
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


@pytest.fixture(scope="module")
def binary() -> tuple[np.ndarray, np.ndarray]:
    return moons(60, noise=0.1, random_state=3)


@pytest.fixture(scope="module")
def three_classes() -> tuple[np.ndarray, np.ndarray]:
    return blobs(60, centers=3, n_features=3, random_state=3)


@pytest.fixture(scope="module")
def fitted(binary) -> QuantumClassifier:
    return QuantumClassifier(**FAST).fit(*binary)


# -- quality bars: default settings, fixed seeds ----------------------------------------------
@pytest.mark.parametrize(
    ("data", "bar"),
    [
        (lambda: moons(300, noise=0.1, random_state=0), 0.95),
        (lambda: circles(300, noise=0.05, factor=0.5, random_state=0), 0.90),
        (lambda: xor(300, random_state=0), 0.95),
        (iris, 0.93),
    ],
    ids=["moons", "circles", "xor", "iris"],
)
def test_default_classifier_reaches_its_quality_bar(data, bar) -> None:
    X_train, X_test, y_train, y_test = _split(data())
    clf = QuantumClassifier(random_state=0).fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= bar


# -- reproducibility ----------------------------------------------------------------------------
def test_same_random_state_gives_identical_parameters(binary) -> None:
    first = QuantumClassifier(**FAST).fit(*binary)
    second = QuantumClassifier(**FAST).fit(*binary)
    np.testing.assert_array_equal(first.params_, second.params_)
    assert first.history_ == second.history_


def test_different_random_states_give_different_parameters(binary) -> None:
    first = QuantumClassifier(**FAST).fit(*binary)
    second = QuantumClassifier(**{**FAST, "random_state": 1}).fit(*binary)
    assert not np.allclose(first.params_, second.params_)


def test_fit_leaves_global_random_state_untouched(binary) -> None:
    before = np.random.get_state()  # noqa: NPY002
    QuantumClassifier(**FAST).fit(*binary)
    after = np.random.get_state()  # noqa: NPY002
    assert np.array_equal(before[1], after[1]) and before[2] == after[2]


def test_refitting_starts_afresh(binary, three_classes) -> None:
    clf = QuantumClassifier(**FAST).fit(*three_classes).fit(*binary)
    fresh = QuantumClassifier(**FAST).fit(*binary)
    np.testing.assert_array_equal(clf.params_, fresh.params_)
    assert clf.n_features_in_ == 2 and list(clf.classes_) == [0, 1]


# -- fitted attributes and outputs ----------------------------------------------------------
def test_fitted_attributes_follow_scikit_learn(fitted, binary) -> None:
    X, _ = binary
    assert list(fitted.classes_) == [0, 1]
    assert fitted.n_features_in_ == X.shape[1]
    assert fitted.params_.shape == (fitted.model_.size,)
    assert not hasattr(fitted, "feature_names_in_")


def test_init_only_stores_its_arguments() -> None:
    clf = QuantumClassifier(encoding="bogus", n_qubits=-3)  # checked in fit, not here
    assert clf.get_params()["encoding"] == "bogus" and clf.n_qubits == -3
    assert not any(name.endswith("_") for name in vars(clf))


def test_binary_decision_function_has_one_column(fitted, binary) -> None:
    X, _ = binary
    scores = fitted.decision_function(X)
    assert scores.shape == (len(X),)
    np.testing.assert_array_equal(fitted.predict(X), fitted.classes_[(scores > 0).astype(int)])


def test_multiclass_decision_function_has_a_column_per_class(three_classes) -> None:
    X, y = three_classes
    clf = QuantumClassifier(**FAST).fit(X, y)
    scores = clf.decision_function(X)
    assert scores.shape == (len(X), 3)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[scores.argmax(axis=1)])


@pytest.mark.parametrize("which", ["binary", "three_classes"])
def test_predict_proba_rows_are_distributions(which, request) -> None:
    X, y = request.getfixturevalue(which)
    clf = QuantumClassifier(**FAST).fit(X, y)
    probs = clf.predict_proba(X)
    assert probs.shape == (len(X), len(np.unique(y)))
    assert np.all(probs >= 0)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[probs.argmax(axis=1)])


def test_string_class_labels_come_back_as_strings(binary) -> None:
    X, y = binary
    names = np.array(["setosa", "virginica"])[y]
    clf = QuantumClassifier(**FAST).fit(X, names)
    assert list(clf.classes_) == ["setosa", "virginica"]
    assert set(clf.predict(X)) <= {"setosa", "virginica"}
    assert clf.score(X, names) == QuantumClassifier(**FAST).fit(X, y).score(X, y)


def test_predicting_zero_rows_is_refused(fitted) -> None:
    empty = np.zeros((0, 2))
    with pytest.raises(DataError):  # scikit-learn's rule: at least one sample
        fitted.predict(empty)


def test_feature_names_are_recorded_from_a_dataframe(binary) -> None:
    pd = pytest.importorskip("pandas")
    X, y = binary
    frame = pd.DataFrame(X, columns=["width", "height"])
    clf = QuantumClassifier(**FAST).fit(frame, y)
    assert list(clf.feature_names_in_) == ["width", "height"]
    np.testing.assert_array_equal(clf.predict(frame), clf.predict(X))


# -- scikit-learn integration --------------------------------------------------------------
def test_clone_copies_parameters_but_not_fitted_state(fitted) -> None:
    twin = clone(fitted)
    assert twin.get_params() == fitted.get_params()
    assert not hasattr(twin, "params_") and not hasattr(twin, "classes_")


def test_get_params_lists_every_constructor_argument() -> None:
    params = QuantumClassifier().get_params()
    assert {
        "n_qubits",
        "n_layers",
        "encoding",
        "ansatz",
        "reuploading",
        "features",
        "optimizer",
        "learning_rate",
        "lr_schedule",
        "momentum",
        "epochs",
        "batch_size",
        "validation_fraction",
        "early_stopping",
        "patience",
        "shots",
        "noise",
        "random_state",
        "verbose",
    } == set(params)
    assert params["n_qubits"] == 4 and params["random_state"] is None


def test_set_params_changes_the_configuration() -> None:
    clf = QuantumClassifier()
    assert clf.set_params(n_layers=1, encoding="zz") is clf
    assert clf.n_layers == 1 and clf.encoding == "zz"


def test_works_inside_a_pipeline_with_a_standard_scaler(binary) -> None:
    X, y = binary
    pipe = make_pipeline(StandardScaler(), QuantumClassifier(**FAST)).fit(X, y)
    assert pipe.predict(X).shape == (len(X),)
    assert pipe.predict_proba(X).shape == (len(X), 2)
    assert 0 <= pipe.score(X, y) <= 1


def test_grid_search_over_the_number_of_layers(binary) -> None:
    X, y = binary
    search = GridSearchCV(
        QuantumClassifier(n_qubits=2, epochs=3, random_state=0), {"n_layers": [1, 2]}, cv=2
    ).fit(X, y)
    assert search.best_params_["n_layers"] in (1, 2)
    assert len(search.cv_results_["mean_test_score"]) == 2
    assert search.best_estimator_.n_layers == search.best_params_["n_layers"]


@pytest.mark.parametrize(
    "duplicate",
    [lambda c: pickle.loads(pickle.dumps(c)), copy.deepcopy],
    ids=["pickle", "deepcopy"],
)
def test_a_fitted_classifier_can_be_pickled_and_deep_copied(fitted, binary, duplicate) -> None:
    twin = duplicate(fitted)
    np.testing.assert_array_equal(twin.predict_proba(binary[0]), fitted.predict_proba(binary[0]))


# -- refusals ---------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
def test_fit_refuses_nan_and_infinite_features(binary, bad) -> None:
    X, y = binary
    X = X.copy()
    X[7, 1] = bad
    with pytest.raises(DataError, match="row") as info:
        QuantumClassifier(**FAST).fit(X, y)
    assert "impute" in str(info.value)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "decision_function"])
@pytest.mark.parametrize("bad", [np.nan, np.inf], ids=["nan", "inf"])
def test_prediction_refuses_nan_and_infinite_features(fitted, binary, method, bad) -> None:
    X = binary[0][:5].copy()
    X[2, 0] = bad
    with pytest.raises(DataError, match="first row 2"):
        getattr(fitted, method)(X)


def test_a_single_class_is_refused(binary) -> None:
    X, _ = binary
    with pytest.raises(DataError, match="only one class") as info:
        QuantumClassifier(**FAST).fit(X, np.zeros(len(X), dtype=int))
    assert "at least 2" in str(info.value)


def test_continuous_targets_are_refused(binary) -> None:
    X, _ = binary
    with pytest.raises(DataError, match="discrete class labels"):
        QuantumClassifier(**FAST).fit(X, np.linspace(0, 1, len(X)))


def test_x_and_y_of_different_lengths_are_refused(binary) -> None:
    X, y = binary
    with pytest.raises(DataError, match=f"X has {len(X)} samples but y has {len(X) - 1}"):
        QuantumClassifier(**FAST).fit(X, y[:-1])


def test_sparse_input_is_refused_with_a_qml_error(binary) -> None:
    from scipy import sparse

    X, y = binary
    with pytest.raises(QmlTypeError, match=r"[Ss]parse"):
        QuantumClassifier(**FAST).fit(sparse.csr_matrix(X), y)


def test_too_many_qubits_for_the_memory_are_refused_before_training(binary, monkeypatch) -> None:
    X, y = binary
    monkeypatch.setattr(qml.simulator.memory, "available_memory", lambda: 1 << 20)
    # a batch of 16 states of 14 qubits, with two working copies, needs 12 MiB
    clf = QuantumClassifier(n_qubits=14, n_layers=1, epochs=1, random_state=0)
    with pytest.raises(StateTooLargeError) as info:
        clf.fit(X, y)
    assert isinstance(info.value, QmlError) and isinstance(info.value, MemoryError)
    assert "14 qubits" in str(info.value) and "at most" in str(info.value)
    assert not hasattr(clf, "params_")


@pytest.mark.parametrize(
    ("option", "valid"),
    [
        ("encoding", ["angle", "zz", "iqp", "amplitude"]),
        (
            "ansatz",
            [
                "hardware_efficient",
                "real_amplitudes",
                "efficient_su2",
                "strongly_entangling_layers",
            ],
        ),
        ("optimizer", ["adam", "sgd", "spsa", "L-BFGS-B", "COBYLA"]),
        ("lr_schedule", ["constant", "cosine", "exponential"]),
        ("features", ["pca", "dense"]),
    ],
)
def test_unknown_option_names_are_refused_listing_valid_ones(binary, option, valid) -> None:
    with pytest.raises(OptionError) as info:
        QuantumClassifier(**FAST, **{option: "nonsense"}).fit(*binary)
    message = str(info.value)
    assert "'nonsense'" in message and option in message
    assert all(name in message for name in valid)


@pytest.mark.parametrize(
    "option",
    [
        {"n_qubits": 0},
        {"n_layers": 1.5},
        {"epochs": True},
        {"batch_size": 0},
        {"validation_fraction": 1.0},
    ],
    ids=lambda o: next(iter(o)),
)
def test_out_of_range_settings_are_refused(binary, option) -> None:
    with pytest.raises(QmlValueError, match=next(iter(option))):
        QuantumClassifier(**{**FAST, **option}).fit(*binary)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "decision_function", "save"])
def test_use_before_fit_is_refused(binary, method, tmp_path) -> None:
    argument = tmp_path / "model.json" if method == "save" else binary[0]
    with pytest.raises(NotFittedError, match="call fit") as info:
        getattr(QuantumClassifier(), method)(argument)
    assert isinstance(info.value, sklearn.exceptions.NotFittedError)
    assert not (tmp_path / "model.json").exists()


def test_predicting_with_the_wrong_number_of_features_is_refused(fitted) -> None:
    with pytest.raises(DataError, match="3 features") as info:
        fitted.predict(np.zeros((4, 3)))
    assert "2 features" in str(info.value)


# -- divergence, scale, evaluation options (issue 12) -------------------------------------------
@pytest.mark.parametrize("optimizer", ["adam", "sgd", "spsa"])
def test_a_diverging_training_stops_naming_the_learning_rate(binary, optimizer) -> None:
    clf = QuantumClassifier(**{**FAST, "optimizer": optimizer, "learning_rate": 1e300})
    with pytest.raises(QmlValueError, match="training diverged") as info:
        clf.fit(*binary)
    assert "lower learning_rate (now 1e+300" in str(info.value)
    assert "NaN or infinite" in str(info.value) or "beyond 1e+15" in str(info.value)
    assert not hasattr(clf, "params_")


def test_features_scaled_by_any_power_of_two_train_the_same_model(binary) -> None:
    X, y = binary
    reference = QuantumClassifier(**FAST).fit(X, y)
    for scale in (2.0**1000, 2.0**-1000):  # exact scalings: the standardised data are equal
        scaled = QuantumClassifier(**FAST).fit(X * scale, y)
        np.testing.assert_allclose(scaled.params_, reference.params_, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(scaled.predict(X * scale), reference.predict(X))


def test_features_near_the_float_limit_train_as_the_unscaled_ones(binary) -> None:
    X, y = binary
    reference = QuantumClassifier(**FAST).fit(X, y).predict_proba(X)
    scaled = QuantumClassifier(**FAST).fit(X * 1e300, y).predict_proba(X * 1e300)
    np.testing.assert_allclose(scaled, reference, atol=1e-6)


def test_rows_the_fitted_map_would_overflow_are_refused(binary) -> None:
    X, y = binary
    clf = QuantumClassifier(**FAST).fit(X * 1e-300, y)
    with pytest.raises(DataError, match="too large for this model's feature map"):
        clf.predict(X * 1e300)


def test_an_unknown_evaluation_option_is_refused(fitted, binary) -> None:
    with pytest.raises(QmlTypeError, match=r"unknown option.*shot"):
        fitted.predict(binary[0], shot=10)


@pytest.mark.parametrize("seed", [-1, "abc", 1.5])
def test_an_evaluation_seed_numpy_cannot_use_is_refused(fitted, binary, seed) -> None:
    with pytest.raises(QmlValueError, match="seed must be None, an int >= 0"):
        fitted.predict(binary[0], shots=10, seed=seed)


@pytest.mark.parametrize("backend", ["qiskit", np.array(["qml"]), None])
def test_an_unknown_backend_is_refused(fitted, binary, backend) -> None:
    with pytest.raises(OptionError, match="unknown backend"):
        fitted.predict(binary[0], backend=backend)


def test_a_validation_fraction_that_leaves_a_class_untrained_is_refused(binary) -> None:
    with pytest.raises(QmlValueError, match="leaving no training row of some class"):
        QuantumClassifier(**{**FAST, "validation_fraction": 0.99}).fit(*binary)
