"""The memory guard: a state too large for this machine is refused before allocating."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import qml
import qml.simulator.memory
from qml import Circuit, Parameter, QmlError
from qml.errors import StateTooLargeError

MIB = 1024**2


def refusal(call) -> StateTooLargeError:
    with pytest.raises(StateTooLargeError) as caught:
        call()
    return caught.value


def test_40_qubits_are_refused_as_a_qml_memory_error():
    error = refusal(lambda: qml.simulate(Circuit(40).h(0)))
    assert isinstance(error, QmlError) and isinstance(error, MemoryError)


def test_the_refusal_names_the_qubits_and_the_sizes():
    message = str(refusal(lambda: qml.simulate(Circuit(40).h(0))))
    assert "40 qubits" in message
    assert "GiB" in message and "available" in message
    assert "at most" in message  # what would fit


def test_the_refusal_comes_before_any_allocation():
    tracemalloc.start()
    try:
        refusal(lambda: qml.simulate(Circuit(40).h(0)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * MIB


def test_the_guard_uses_the_available_memory(monkeypatch):
    monkeypatch.setattr(qml.simulator.memory, "available_memory", lambda: 4 * MIB)
    message = str(refusal(lambda: qml.simulate(Circuit(20).h(0))))  # 16 MiB for the state alone
    assert "20 qubits" in message and "only 4 MiB of memory is available" in message


def test_a_state_that_fits_is_simulated(monkeypatch):
    monkeypatch.setattr(qml.simulator.memory, "available_memory", lambda: 4 * MIB)
    assert qml.simulate(Circuit(10).h(0)).shape == (1024,)


def test_a_batch_counts_against_the_memory(monkeypatch):
    monkeypatch.setattr(qml.simulator.memory, "available_memory", lambda: 64 * MIB)
    c = Circuit(16).rx(Parameter("θ"), 0)  # 1 MiB per state
    assert qml.simulate(c, np.zeros((4, 1))).shape == (4, 1 << 16)
    message = str(refusal(lambda: qml.simulate(c, np.zeros((1000, 1)))))
    assert "batch of 1000" in message and "16 qubits" in message
