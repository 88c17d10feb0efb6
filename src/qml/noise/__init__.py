"""Noise: quantum channels, readout errors and noise models for the density-matrix simulator.

Channels attach to gate names and qubits in a :class:`NoiseModel` as in
qiskit-aer, and every object converts to its qiskit-aer equivalent with
``to_qiskit()``. Simulate with ``qml.simulator.density.simulate_density(circuit,
noise=model)``. ``noise_from_spec("depolarizing=0.01", circuit)`` builds a model
from a short text spec (see :mod:`qml.noise.spec`).
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
from qml.noise.spec import NOISE_NAMES, noise_from_spec, noise_model, parse_noise

__all__ = [
    "NOISE_NAMES",
    "AmplitudeDamping",
    "BitFlip",
    "Channel",
    "Depolarizing",
    "NoiseModel",
    "PauliChannel",
    "PhaseDamping",
    "PhaseFlip",
    "ReadoutError",
    "noise_from_spec",
    "noise_model",
    "parse_noise",
    "pauli_matrix",
]
