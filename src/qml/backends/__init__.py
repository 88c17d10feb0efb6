"""Backends: run a qml Circuit elsewhere (qiskit-aer) and cross-check qml against it.

``AerBackend`` returns states, density matrices, probabilities, expectation values
and counts in qml's shapes and qubit order, a batch of parameter rows as one Aer
job; ``crosscheck`` runs a circuit both ways and reports the largest difference.
qiskit is imported only when a backend is used.
"""

from qml.backends.aer import AerBackend
from qml.backends.crosscheck import CrosscheckReport, crosscheck

__all__ = ["AerBackend", "CrosscheckReport", "crosscheck"]
