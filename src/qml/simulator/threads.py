"""How many threads the compiled kernels may use (both cores by default)."""

from __future__ import annotations

import os

from qml.errors import QmlValueError

_requested: int | None = None
#: The default when neither ``set_num_threads`` nor ``QML_NUM_THREADS`` says: every core
#: (asked once; every simulator call asks for the thread count).
_CORES = os.cpu_count() or 1


def _from_environment() -> int | None:
    text = os.environ.get("QML_NUM_THREADS")
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise QmlValueError(f"QML_NUM_THREADS must be a positive integer, got {text!r}")
    return int(text)


def set_num_threads(count: int) -> None:
    """Use at most ``count`` threads in the simulator (also: env ``QML_NUM_THREADS``)."""
    global _requested
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise QmlValueError(f"set_num_threads needs a positive int, got {count!r}")
    _requested = count


def get_num_threads() -> int:
    """Threads the simulator will use: ``set_num_threads``, ``QML_NUM_THREADS``, or all cores."""
    if _requested is not None:
        return _requested
    return _from_environment() or _CORES
