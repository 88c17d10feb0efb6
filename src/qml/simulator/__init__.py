"""Simulators: exact state vectors of circuits, batched over parameter rows."""

from qml.simulator.memory import available_memory, check_fits
from qml.simulator.statevector import simulate

__all__ = ["available_memory", "check_fits", "simulate"]
