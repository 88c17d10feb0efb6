"""qml: quantum machine learning on a fast state-vector simulator.

Conventions are qiskit's: qubit ``q`` is bit ``q`` of a state vector's index
(little-endian), gate matrices are qiskit's, rotations are ``exp(-iθP/2)``,
and Pauli labels read right to left (the rightmost letter acts on qubit 0).
"""

from qml import noise
from qml.backends import AerBackend, crosscheck
from qml.circuits import Circuit, Parameter, ParameterExpression, ParameterVector
from qml.circuits.observables import Pauli, PauliSum
from qml.errors import QmlError
from qml.simulator import (
    expectation,
    get_num_threads,
    gradient,
    probabilities,
    sample,
    set_num_threads,
    simulate,
    simulate_density,
    vjp,
)

__version__ = "0.1.0"

__all__ = [
    "AerBackend",
    "Circuit",
    "Parameter",
    "ParameterExpression",
    "ParameterVector",
    "Pauli",
    "PauliSum",
    "QmlError",
    "__version__",
    "crosscheck",
    "expectation",
    "get_num_threads",
    "gradient",
    "noise",
    "probabilities",
    "sample",
    "set_num_threads",
    "simulate",
    "simulate_density",
    "vjp",
]
