"""Optimizers and learning-rate schedules, alone and driving the classifier."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qml.errors import OptionError
from qml.hybrid import QuantumClassifier
from qml.hybrid.datasets import moons
from qml.hybrid.optim import (
    OPTIMIZERS,
    SCHEDULES,
    SGD,
    SPSA,
    Adam,
    learning_rate,
    make_optimizer,
)

# f(x) = 1/2 (x - m)^T A (x - m): minimum m, gradient A (x - m)
A = np.array([[3.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 0.5]])
MINIMUM = np.array([1.0, -2.0, 0.5])


def quadratic(x: np.ndarray) -> float:
    d = x - MINIMUM
    return 0.5 * float(d @ A @ d)


def quadratic_gradient(x: np.ndarray) -> np.ndarray:
    return A @ (x - MINIMUM)


@pytest.mark.parametrize(
    ("rule", "lr", "steps"),
    [(Adam(), 0.05, 1500), (SGD(momentum=0.9), 0.05, 500), (SGD(momentum=0.0), 0.3, 500)],
    ids=["adam", "sgd-momentum", "sgd-plain"],
)
def test_gradient_optimizers_minimise_a_quadratic(rule, lr, steps) -> None:
    x = np.zeros(3)
    for _ in range(steps):
        x = rule.step(x, quadratic_gradient(x), lr)
    np.testing.assert_allclose(x, MINIMUM, atol=1e-3)
    assert quadratic(x) < 1e-6


def test_sgd_without_momentum_is_plain_gradient_descent() -> None:
    x = np.array([1.0, 2.0, 3.0])
    grad = quadratic_gradient(x)
    np.testing.assert_allclose(SGD(momentum=0.0).step(x, grad, 0.1), x - 0.1 * grad)


def test_adam_first_step_moves_each_coordinate_by_the_learning_rate() -> None:
    x = np.zeros(3)
    step = Adam().step(x, np.array([5.0, -0.01, 2.0]), 0.1)
    np.testing.assert_allclose(step, [-0.1, 0.1, -0.1], rtol=1e-6)


def test_spsa_gradient_is_unbiased_on_average_for_a_quadratic() -> None:
    rng = np.random.default_rng(7)
    x = np.array([0.3, 0.7, -1.2])
    exact = quadratic_gradient(x)
    draws = 4000
    estimates = np.array([SPSA().gradient(quadratic, x, rng) for _ in range(draws)])
    # each component's estimate is g_i + sum_{j != i} g_j Δ_j Δ_i: variance sum_{j != i} g_j^2
    sigma = np.sqrt((np.sum(exact**2) - exact**2) / draws)
    assert np.all(np.abs(estimates.mean(axis=0) - exact) < 5 * sigma)
    # and a single estimate is not the gradient itself (it is a random projection)
    assert not np.allclose(estimates[0], exact)


def test_spsa_perturbation_decays_with_iterations() -> None:
    spsa, rng = SPSA(perturbation=0.2), np.random.default_rng(0)
    seen = []

    def loss(v: np.ndarray) -> float:
        seen.append(np.max(np.abs(v)))
        return 0.0

    for _ in range(3):
        spsa.gradient(loss, np.zeros(2), rng)
    steps = seen[::2]
    assert steps[0] == pytest.approx(0.2) and steps[0] > steps[1] > steps[2]


def test_make_optimizer_refuses_unknown_names_listing_valid_ones() -> None:
    with pytest.raises(OptionError) as info:
        make_optimizer("rmsprop")
    assert all(name in str(info.value) for name in ("adam", "sgd", "spsa"))


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_schedules_start_at_the_base_rate(schedule) -> None:
    assert learning_rate(schedule, 0.05, 0, 60) == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("schedule", "last"), [("constant", 0.05), ("cosine", 0.005), ("exponential", 0.005)]
)
def test_schedules_end_at_their_documented_rate(schedule, last) -> None:
    assert learning_rate(schedule, 0.05, 59, 60) == pytest.approx(last)


@pytest.mark.parametrize("schedule", ["cosine", "exponential"])
def test_decaying_schedules_decrease_monotonically(schedule) -> None:
    rates = [learning_rate(schedule, 0.05, epoch, 60) for epoch in range(60)]
    assert all(a > b for a, b in itertools.pairwise(rates))


def test_cosine_schedule_is_halfway_at_mid_training() -> None:
    assert learning_rate("cosine", 1.0, 50, 101) == pytest.approx(0.55)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_a_single_epoch_uses_the_base_rate(schedule) -> None:
    assert learning_rate(schedule, 0.05, 0, 1) == pytest.approx(0.05)


def test_learning_rate_refuses_unknown_schedules_listing_valid_ones() -> None:
    with pytest.raises(OptionError) as info:
        learning_rate("step", 0.1, 0, 10)
    assert all(name in str(info.value) for name in SCHEDULES)


# -- driving the classifier -----------------------------------------------------------------
@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    return moons(80, noise=0.1, random_state=1)


def _final_loss(clf: QuantumClassifier, X: np.ndarray, y: np.ndarray) -> float:
    targets = np.searchsorted(clf.classes_, y)
    return clf.model_.loss(clf.params_, clf._inputs(X), targets)[0]


@pytest.mark.parametrize("optimizer", ["L-BFGS-B", "COBYLA"])
def test_scipy_optimizers_run_and_improve_the_loss(data, optimizer) -> None:
    X, y = data
    clf = QuantumClassifier(
        n_qubits=2, n_layers=1, optimizer=optimizer, epochs=15, early_stopping=False, random_state=0
    ).fit(X, y)
    start = clf.history_[0]["loss"]
    assert _final_loss(clf, X, y) < 0.8 * start
    assert clf.n_iter_ >= 1
    assert all({"loss", "accuracy"} <= set(record) for record in clf.history_)


def test_spsa_training_improves_the_loss(data) -> None:
    X, y = data
    clf = QuantumClassifier(
        n_qubits=2,
        n_layers=1,
        optimizer="spsa",
        learning_rate=0.1,
        epochs=10,
        early_stopping=False,
        random_state=0,
    ).fit(X, y)
    assert clf.history_[-1]["loss"] < clf.history_[0]["loss"]


def test_spsa_trains_from_shots(data) -> None:
    X, y = data
    clf = QuantumClassifier(
        n_qubits=2,
        n_layers=1,
        optimizer="spsa",
        shots=256,
        epochs=3,
        early_stopping=False,
        random_state=0,
    ).fit(X, y)
    assert clf.predict(X).shape == (len(X),)
    assert np.all(np.isfinite(clf.predict_proba(X)))


def test_shots_with_a_gradient_optimizer_are_refused(data) -> None:
    X, y = data
    with pytest.raises(OptionError, match="spsa"):
        QuantumClassifier(optimizer="adam", shots=100).fit(X, y)


def test_history_has_one_record_per_epoch_with_loss_and_accuracy(data) -> None:
    X, y = data
    clf = QuantumClassifier(
        n_qubits=2, n_layers=1, epochs=4, early_stopping=False, random_state=0
    ).fit(X, y)
    assert len(clf.history_) == clf.n_iter_ == 4
    assert [record["epoch"] for record in clf.history_] == [1, 2, 3, 4]
    for record in clf.history_:
        assert isinstance(record, dict)
        assert 0 <= record["accuracy"] <= 1 and record["loss"] > 0
        assert not any(key.startswith("val_") for key in record)
    expected = [learning_rate("cosine", 0.05, epoch, 4) for epoch in range(4)]
    assert [record["learning_rate"] for record in clf.history_] == pytest.approx(expected)


def test_early_stopping_adds_validation_loss_and_accuracy(data) -> None:
    X, y = data
    clf = QuantumClassifier(
        n_qubits=2, n_layers=1, epochs=4, early_stopping=True, random_state=0
    ).fit(X, y)
    for record in clf.history_:
        assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(record)
        assert 0 <= record["val_accuracy"] <= 1


def test_early_stopping_stops_after_patience_epochs_without_improvement(data) -> None:
    X, y = data
    # a learning rate of zero never improves the validation loss after the first epoch
    clf = QuantumClassifier(
        n_qubits=2, n_layers=1, epochs=50, learning_rate=0.0, patience=3, random_state=0
    ).fit(X, y)
    assert clf.n_iter_ == len(clf.history_) == 4


def test_verbose_shows_a_progress_bar_on_stderr(data, capsys) -> None:
    X, y = data
    QuantumClassifier(n_qubits=2, n_layers=1, epochs=3, verbose=True, random_state=0).fit(X, y)
    err = capsys.readouterr().err
    assert "training" in err and "3/3" in err and "loss" in err


def test_quiet_training_prints_nothing(data, capsys) -> None:
    X, y = data
    QuantumClassifier(n_qubits=2, n_layers=1, epochs=3, verbose=False, random_state=0).fit(X, y)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_optimizer_names_are_the_documented_ones() -> None:
    assert set(OPTIMIZERS) == {"adam", "sgd", "spsa", "L-BFGS-B", "COBYLA"}


# -- the optimizer objects ----------------------------------------------------------------------
def test_every_optimizer_states_its_flags() -> None:
    flags = {name: (make_optimizer(name).full_batch, make_optimizer(name).gradient_free)
             for name in OPTIMIZERS}  # fmt: skip
    assert flags == {"adam": (False, False), "sgd": (False, False), "spsa": (False, True),
                     "L-BFGS-B": (True, False), "COBYLA": (True, True)}  # fmt: skip


def test_cobyla_budget_is_ten_evaluations_per_epoch(data) -> None:
    X, y = data
    clf = QuantumClassifier(n_qubits=2, n_layers=1, optimizer="COBYLA", epochs=3, random_state=0)
    clf.fit(X, y)
    assert clf.n_iter_ == len(clf.history_) <= 30
    assert (
        make_optimizer("COBYLA").budget(3)
        == "30 objective evaluations (10 per epoch, at least parameters + 2)"
    )
    assert make_optimizer("L-BFGS-B").budget(3) == "3 iterations"


def test_a_registered_optimizer_trains_the_classifier(data) -> None:
    from qml.hybrid import optim

    class SignDescent(optim.Optimizer):
        name = "sign"

        def step(self, params: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
            return params - lr * np.sign(grad)

    optim.register_optimizer("sign", lambda momentum=0.9: SignDescent())
    try:
        X, y = data
        clf = QuantumClassifier(
            n_qubits=2, n_layers=1, optimizer="sign", learning_rate=0.02, epochs=5,
            early_stopping=False, random_state=0,
        ).fit(X, y)  # fmt: skip
        assert clf.history_[-1]["loss"] < clf.history_[0]["loss"]
    finally:
        del optim._FACTORIES["sign"]


def test_early_stopping_holds_out_at_least_the_minimum(data) -> None:
    from qml.hybrid.classifier import MIN_VALIDATION_SIZE

    _, y = data  # 80 rows: 10% would be 8, fewer than the minimum
    clf = QuantumClassifier(n_qubits=2, n_layers=1, epochs=1, random_state=0)
    train, valid = clf._split(np.searchsorted(np.unique(y), y), np.random.default_rng(0),
                              make_optimizer("adam"))  # fmt: skip
    assert len(valid) == MIN_VALIDATION_SIZE and len(train) == 80 - MIN_VALIDATION_SIZE
    assert set(np.unique(y[valid])) == {0, 1}


def test_no_early_stopping_below_twice_the_minimum(data) -> None:
    X, y = data
    clf = QuantumClassifier(n_qubits=2, n_layers=1, epochs=3, random_state=0).fit(X[:19], y[:19])
    assert clf.n_iter_ == 3 and not any("val_loss" in record for record in clf.history_)


def test_the_first_training_in_a_process_says_it_compiles(data, capsys, monkeypatch) -> None:
    from qml.hybrid import classifier

    monkeypatch.setattr(classifier, "_FIRST_FIT", [True])
    X, y = data
    QuantumClassifier(n_qubits=2, n_layers=1, epochs=3, verbose=True, random_state=0).fit(X, y)
    err = capsys.readouterr().err
    first, last = err.split("\r")[1], err.rstrip().split("\r")[-1]
    assert "loading kernels, first run only" in first
    assert last.startswith("training: 100%") and "3/3" in last
    QuantumClassifier(n_qubits=2, n_layers=1, epochs=2, verbose=True, random_state=0).fit(X, y)
    assert "compiling" not in capsys.readouterr().err
