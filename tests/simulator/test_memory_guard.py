"""The memory guard: a state too large for this machine is refused before allocating."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


# -- reservations against the real peaks ------------------------------------------------------

#: Runs in a fresh interpreter: each entry point at 21 qubits (a 32 MiB state), its peak
#: resident memory above the memory before it (the kernel's high-water mark, reset first),
#: in states; printed as JSON.
PEAKS = r"""
import gc, json, sys
import numpy as np
import qml
from qml.simulator import measure
n = 21
x = qml.ParameterVector("x", n)
c = qml.Circuit(n)
for q in range(n):
    c.ry(x[q], q)
for q in range(n - 1):
    c.cx(q, q + 1)
p = np.linspace(-1, 1, n)
obs = [qml.Pauli("Z" * n), qml.Pauli("X" * n)]
calls = {
    "simulate": (lambda: qml.simulate(c, p), 1.0),
    "expectation": (lambda: qml.expectation(c, obs, p), measure.PEAK_EXACT),
    "expectation shots": (
        lambda: qml.expectation(c, obs, p, shots=100, seed=1), measure.PEAK_SHOTS
    ),
    "probabilities": (lambda: qml.probabilities(c, params=p), measure.PEAK_PROBABILITIES),
    "sample": (lambda: qml.sample(c, 100, seed=1, params=p), measure.PEAK_PROBABILITIES),
    "adjoint gradient, 2 observables": (lambda: qml.gradient(c, obs, p), 3.0),
}
def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) * 1024
out = {}
for name, (call, reserved) in calls.items():
    call()
    gc.collect()
    before = status("VmRSS")
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")  # resets the high-water mark
    call()
    out[name] = [(status("VmHWM") - before) / (16 << n), reserved]
print(json.dumps(out))
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux's /proc")
def test_each_entry_point_peaks_within_what_the_guard_reserves():
    done = subprocess.run([sys.executable, "-c", PEAKS], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for name, (peak, reserved) in json.loads(done.stdout.splitlines()[-1]).items():
        # a few MiB of interpreter noise allowed: 0.1 state is 3.2 MiB here
        assert peak <= reserved + 0.1, f"{name}: peaks at {peak:.2f} states, reserves {reserved}"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs resource limits (POSIX)")
def test_an_address_space_limit_is_respected_before_numpy_fails():
    code = (
        "import resource, qml\n"
        "soft = 2 << 30\n"  # 2 GiB of address space: the import fits, 27 qubits (2 GiB) do not
        "resource.setrlimit(resource.RLIMIT_AS, (soft, soft))\n"
        "try:\n"
        "    qml.simulate(qml.Circuit(27).h(0))\n"
        "except qml.QmlError as error:\n"
        "    print(type(error).__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "StateTooLargeError", done.stderr[-2000:]


def test_a_refusal_says_what_the_working_copies_multiply(monkeypatch):
    monkeypatch.setattr(qml.simulator.memory, "available_memory", lambda: 4 * MIB)
    c = Circuit(18).h(0)  # 4 MiB per state
    message = str(refusal(lambda: qml.probabilities(c)))
    assert "1 x 2**18 amplitudes x 16 bytes x 1.5 (this call's working copies)" in message


def test_any_number_of_qubits_is_refused_without_overflow():
    for n in (64, 1100, 65_536):
        message = str(refusal(lambda n=n: qml.simulate(Circuit(n).h(0))))
        assert f"{n} qubits" in message and "at most" in message
