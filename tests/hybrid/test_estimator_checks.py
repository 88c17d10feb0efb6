"""scikit-learn's own estimator checks, on fast configurations of both estimators."""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from qml.hybrid import QuantumClassifier, QuantumKernelClassifier


def expected_failed_checks(estimator) -> dict[str, str]:
    """Checks each estimator is known to fail, with the reason: none at present."""
    return {}


@parametrize_with_checks(
    [
        QuantumClassifier(n_qubits=2, n_layers=1, epochs=15, random_state=0),
        QuantumKernelClassifier(n_qubits=2, random_state=0),
    ],
    expected_failed_checks=expected_failed_checks,
    xfail_strict=True,
)
def test_scikit_learn_estimator_checks(estimator, check) -> None:
    check(estimator)
