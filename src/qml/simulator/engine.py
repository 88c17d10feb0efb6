"""The engine: applies a circuit's gates to a batch of states in place.

This is the one internal interface between ``simulate`` (and everything built on
it) and the kernels: ``evolve(state, circuit, values)`` with ``state`` of shape
``(B, 2**n)``. This version is exact and simple, gate by gate through the gates'
own numpy kernels.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qml.circuits import Circuit, Parameter

#: Working memory the kernels need, in copies of the state, besides the state itself.
WORKSPACE_COPIES = 2.0


def evolve(state: np.ndarray, circuit: Circuit, values: dict[Parameter, Any]) -> None:
    """Apply every gate of ``circuit`` to ``state`` (shape ``(B, 2**n)``) in place.

    ``values`` maps each circuit parameter to a float or a ``(B,)`` array.
    """
    for gate, qubits in circuit:
        gate.bind(values).apply(state, qubits)
