"""qml: quantum machine learning on a fast state-vector simulator.

Conventions are qiskit's: qubit ``q`` is bit ``q`` of a state vector's index
(little-endian), gate matrices are qiskit's, rotations are ``exp(-iθP/2)``.
"""

from qml.circuits import Circuit, Parameter, ParameterExpression, ParameterVector
from qml.errors import QmlError
from qml.simulator import simulate

__version__ = "0.1.0"

__all__ = [
    "Circuit",
    "Parameter",
    "ParameterExpression",
    "ParameterVector",
    "QmlError",
    "__version__",
    "simulate",
]
