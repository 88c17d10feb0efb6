"""Noise: quantum channels, readout errors and noise models for the density-matrix simulator.

Channels attach to gate names and qubits in a :class:`NoiseModel` as in
qiskit-aer, and every object converts to its qiskit-aer equivalent with
``to_qiskit()``. Simulate with ``qml.simulator.density.simulate_density(circuit,
noise=model)``.
"""

from qml.noise.channels import (
    AmplitudeDamping,
    BitFlip,
    Channel,
    Depolarizing,
    PauliChannel,
    PhaseDamping,
    PhaseFlip,
    pauli_matrix,
)
from qml.noise.model import NoiseModel
from qml.noise.readout import ReadoutError

__all__ = [
    "AmplitudeDamping",
    "BitFlip",
    "Channel",
    "Depolarizing",
    "NoiseModel",
    "PauliChannel",
    "PhaseDamping",
    "PhaseFlip",
    "ReadoutError",
    "pauli_matrix",
]
