"""How much memory this machine can give a state, checked before allocating one."""

from __future__ import annotations

import os
import time

import numpy as np

from qml.errors import StateTooLargeError

#: Seconds a reading of the available memory stays fresh: training loops ask every step.
_FRESH_FOR = 1.0
_last_reading: tuple[float, int] = (-1e9, 0)


def available_memory() -> int:
    """Bytes this process may still allocate: MemAvailable, capped by a cgroup limit.

    Read at most once a second (reading /proc costs more than a small simulation).
    """
    global _last_reading
    now = time.monotonic()
    if now - _last_reading[0] < _FRESH_FOR:
        return _last_reading[1]
    _last_reading = (now, _read_available_memory())
    return _last_reading[1]


def _read_available_memory() -> int:
    limits = []
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    limits.append(int(line.split()[1]) * 1024)
    except OSError:
        pass
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path, encoding="ascii") as handle:
                text = handle.read().strip()
            if text.isdigit() and int(text) < 1 << 60:
                limits.append(int(text))
        except OSError:
            continue
    if not limits:
        try:
            limits.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            return 1 << 62  # unknown platform: let numpy's own MemoryError speak
    return min(limits)


def _size(size: float) -> str:
    """Bytes in the largest binary unit that keeps the number readable."""
    for unit in ("TiB", "GiB", "MiB"):
        scale = 1024 ** ("MGT".index(unit[0]) + 2)
        if size >= scale / 10 or unit == "MiB":
            return f"{size / scale:.3g} {unit}"
    return f"{size:.0f} B"


def check_fits(
    num_qubits: int,
    batch: int = 1,
    dtype: np.dtype | type = np.complex128,
    *,
    copies: float = 1.0,
    amplitudes_per_qubit: int = 2,
    what: str = "state vector",
) -> None:
    """Refuse, before allocating, ``batch`` states of ``num_qubits`` that would not fit.

    ``copies`` counts the working copies the caller needs besides the states;
    ``amplitudes_per_qubit`` is 2 for state vectors and 4 for density matrices.
    """
    itemsize = np.dtype(dtype).itemsize
    per_state = float(amplitudes_per_qubit) ** num_qubits * itemsize
    needed = per_state * batch * copies
    available = available_memory()
    if needed <= available:
        return
    fit_qubits = num_qubits
    while (
        fit_qubits > 0
        and float(amplitudes_per_qubit) ** fit_qubits * itemsize * batch * copies > available
    ):
        fit_qubits -= 1
    fit_batch = int(available // (per_state * copies))
    advice = f"at most {fit_qubits} qubits fit" + (" at this batch size" if batch > 1 else "")
    if batch > 1 and fit_batch >= 1:
        advice += f", or a batch of at most {fit_batch} at {num_qubits} qubits"
    raise StateTooLargeError(
        f"a {what} of {num_qubits} qubits{f' for a batch of {batch}' if batch > 1 else ''} needs "
        f"{_size(needed)} ({np.dtype(dtype).name}, {itemsize} bytes per amplitude), but only "
        f"{_size(available)} of memory is available; {advice}"
    )
