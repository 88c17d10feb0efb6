"""Simulators: exact state vectors of circuits, batched over parameter rows, with
expectation values, probabilities, samples and gradients."""

from qml.simulator.density import probabilities_from_density, simulate_density
from qml.simulator.gradients import gradient, vjp
from qml.simulator.measure import expectation, probabilities, sample
from qml.simulator.memory import available_memory, check_fits
from qml.simulator.statevector import simulate
from qml.simulator.threads import get_num_threads, set_num_threads

__all__ = [
    "available_memory",
    "check_fits",
    "expectation",
    "get_num_threads",
    "gradient",
    "probabilities",
    "probabilities_from_density",
    "sample",
    "set_num_threads",
    "simulate",
    "simulate_density",
    "vjp",
]
