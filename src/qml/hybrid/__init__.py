"""Hybrid models: classical features feeding trained quantum circuits, and toy data sets.

``QuantumClassifier`` (a variational circuit with a classical head, trained end
to end) and ``QuantumKernelClassifier`` (an SVM on a quantum fidelity kernel)
are scikit-learn estimators; ``QuantumKernel`` plugs into ``sklearn.svm.SVC``.
"""

from qml.hybrid.classifier import QuantumClassifier
from qml.hybrid.datasets import DATASETS, load_dataset
from qml.hybrid.kernel import QuantumKernel, QuantumKernelClassifier

__all__ = [
    "DATASETS",
    "QuantumClassifier",
    "QuantumKernel",
    "QuantumKernelClassifier",
    "load_dataset",
]
