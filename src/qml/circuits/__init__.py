"""Circuits: ``Circuit``, parameters and expressions, observables, and qiskit/QASM I/O."""

from qml.circuits.circuit import Circuit, Instruction
from qml.circuits.parameters import (
    Parameter,
    ParameterExpression,
    ParameterVector,
    ParameterVectorElement,
)

__all__ = [
    "Circuit",
    "Instruction",
    "Parameter",
    "ParameterExpression",
    "ParameterVector",
    "ParameterVectorElement",
]
