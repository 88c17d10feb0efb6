"""How much memory this machine can give a state, checked before allocating one."""

from __future__ import annotations

import math
import os
import time
from fractions import Fraction

import numpy as np

from qml.errors import StateTooLargeError

#: Seconds a reading of the available memory stays fresh: training loops ask every step.
_FRESH_FOR = 1.0
_last_reading: tuple[float, int] = (-1e9, 0)


def available_memory() -> int:
    """Bytes this process may still allocate: the tightest of MemAvailable, the address-space
    limit (``ulimit -v``, RLIMIT_AS) less what the process already maps, and a cgroup's
    memory limit less its usage (containers).

    Read at most once a second (reading /proc costs more than a small simulation).
    """
    global _last_reading
    now = time.monotonic()
    if now - _last_reading[0] < _FRESH_FOR:
        return _last_reading[1]
    _last_reading = (now, _read_available_memory())
    return _last_reading[1]


def _read_int(path: str) -> int | None:
    try:
        with open(path, encoding="ascii") as handle:
            text = handle.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None  # "max": no limit


def _status_bytes(field: str, path: str = "/proc/self/status") -> int | None:
    """A ``kB`` field of /proc's status or meminfo, in bytes."""
    try:
        with open(path, encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _read_available_memory() -> int:
    limits = []
    free = _status_bytes("MemAvailable", "/proc/meminfo")
    if free is not None:
        limits.append(free)
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            mapped = _status_bytes("VmSize") or 0
            limits.append(max(0, soft - mapped))
    except (ImportError, OSError, ValueError):  # not on this platform
        pass
    for limit_path, usage_path in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),  # cgroup v2
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ):
        limit = _read_int(limit_path)
        if limit is not None and limit < 1 << 60:
            limits.append(max(0, limit - (_read_int(usage_path) or 0)))
    if not limits:
        try:
            limits.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            return 1 << 62  # unknown platform: let numpy's own MemoryError speak
    return min(limits)


def _size(size: float | Fraction) -> str:
    """Bytes in the largest binary unit that keeps the number readable."""
    if size >= 1 << 60:  # beyond any machine: the power of two says it best
        return f"about 2**{int(size).bit_length() - 1} bytes"
    size = float(size)
    for unit in ("PiB", "TiB", "GiB", "MiB"):
        scale = 1024 ** ("MGTP".index(unit[0]) + 2)
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

    ``copies`` is what the caller peaks at, in states: the states themselves plus
    its working copies (measured per entry point, see each module's constants);
    ``amplitudes_per_qubit`` is 2 for state vectors and 4 for density matrices.
    Sizes are computed with Python integers, so any qubit count is refused cleanly.
    """
    itemsize = np.dtype(dtype).itemsize
    per_state = amplitudes_per_qubit**num_qubits * itemsize  # exact, however large
    total = per_state * batch
    # a float holds the product exactly below 2**52 bytes; beyond, a Fraction (training
    # loops call this every step, and a Fraction costs more than a small simulation step)
    needed = total * copies if total < 1 << 52 else total * Fraction(copies)
    available = available_memory()
    if needed <= available:
        return
    budget = available / (itemsize * batch * float(copies))  # amplitudes that fit
    fit_qubits = min(num_qubits, int(math.log(budget, amplitudes_per_qubit))) if budget >= 1 else 0
    while fit_qubits > 0 and amplitudes_per_qubit**fit_qubits > budget:  # rounding of the log
        fit_qubits -= 1
    fit_batch = int(available // (per_state * Fraction(copies)))
    advice = f"at most {fit_qubits} qubits fit" + (" at this batch size" if batch > 1 else "")
    if batch > 1 and fit_batch >= 1:
        advice += f", or a batch of at most {fit_batch} at {num_qubits} qubits"
    factor = f"{batch} x {amplitudes_per_qubit}**{num_qubits} amplitudes x {itemsize} bytes" + (
        f" x {copies:g} (this call's working copies)" if copies != 1 else ""
    )
    raise StateTooLargeError(
        f"a {what} of {num_qubits} qubits{f' for a batch of {batch}' if batch > 1 else ''} needs "
        f"{_size(needed)} ({factor}; {np.dtype(dtype).name}), but only "
        f"{_size(available)} of memory is available; {advice}"
    )
