"""Helpers shared by the benchmark scripts: thread pinning, timing, optional peers, tables.

Not part of qml and not a test: the scripts in this folder import it from their
own directory (``python benchmarks/statevector.py`` puts ``benchmarks/`` on
``sys.path``).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

#: Environment variables that size the thread pools of the libraries involved.
#: They are read when a library is loaded, so they are set before anything is imported.
POOL_VARIABLES = (
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "NUMBA_NUM_THREADS",
    "RAYON_NUM_THREADS",
    "QML_NUM_THREADS",
)


def pin_threads(threads: int, omp_threads: int | None = None) -> None:
    """Size every library's thread pool to ``threads``, re-executing the script if needed.

    numpy's BLAS, numba and OpenMP read their thread counts from the environment
    when they are loaded, and numpy is loaded before ``main`` runs; so when the
    environment differs from what is wanted, the variables are set and the same
    command is executed again (once: the second process finds them set).
    ``OMP_NUM_THREADS`` gets ``omp_threads`` (default ``threads``): qiskit-aer
    caps ``max_parallel_threads`` at OpenMP's maximum, so a script that runs Aer
    with more threads than the others raises it.
    """
    wanted = dict.fromkeys(POOL_VARIABLES, str(threads))
    wanted["OMP_NUM_THREADS"] = str(omp_threads if omp_threads is not None else threads)
    if all(os.environ.get(name) == value for name, value in wanted.items()):
        return
    os.environ.update(wanted)
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])


def import_qml(threads: int) -> ModuleType:
    """Import qml and give it ``threads`` threads (``qml.set_num_threads`` when it exists).

    ``QML_NUM_THREADS`` is already set by :func:`pin_threads` before the import.
    """
    qml = importlib.import_module("qml")
    set_num_threads = getattr(qml, "set_num_threads", None)
    if set_num_threads is not None:
        set_num_threads(threads)
    return qml


def optional_import(name: str, column: str = "column") -> ModuleType | None:
    """Import a peer library, or print a note and return None when it is not installed."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        print(f"{name} not installed: {column} skipped ({error})")
        return None


@contextlib.contextmanager
def openmp_threads(threads: int) -> Iterator[None]:
    """Limit already-loaded OpenMP runtimes to ``threads`` inside the block (needs threadpoolctl).

    Without threadpoolctl the block runs with ``OMP_NUM_THREADS`` as set at start-up.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=threads, user_api="openmp"):
        yield


@dataclass
class Timing:
    """Wall-clock seconds of repeated calls, and what the last call returned."""

    times: list[float]
    result: Any

    @property
    def best(self) -> float:
        """The fastest call."""
        return min(self.times)

    @property
    def median(self) -> float:
        """The median call."""
        return statistics.median(self.times)


def time_call(function: Callable[[], Any], repeat: int, min_seconds: float = 0.0) -> Timing:
    """Call ``function`` ``repeat`` times and time each call with ``time.perf_counter``.

    With ``min_seconds``, calls go on until they add up to that much (at most 10,000
    calls): a best-of-5 of a sub-millisecond call mostly measures the machine's noise.
    The previous result is dropped before each call, so large states do not pile up.
    """
    times: list[float] = []
    result = None
    while len(times) < repeat or (sum(times) < min_seconds and len(times) < 10_000):
        result = None
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return Timing(times, result)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        parts = [
            str(cell).ljust(width) if i == 0 else str(cell).rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def seconds(value: float | None) -> str:
    """Seconds with four significant digits, or '-' for no value."""
    return "-" if value is None else f"{value:.4g}"


def ratio(numerator: float | None, denominator: float | None) -> str:
    """``numerator / denominator`` as '12.3x', or '-' when either is missing."""
    if numerator is None or denominator is None or denominator <= 0:
        return "-"
    return f"{numerator / denominator:.3g}x"


def describe_environment(qml: ModuleType, threads: int, peers: Sequence[str]) -> str:
    """One line per fact: python, numpy and qml versions, how qml got its threads, peers."""
    import numpy

    how = "qml.set_num_threads" if hasattr(qml, "set_num_threads") else "QML_NUM_THREADS"
    lines = [
        f"python {sys.version.split()[0]}, numpy {numpy.__version__}, "
        f"qml {getattr(qml, '__version__', '?')} from {os.path.dirname(qml.__file__)}",
        f"threads: qml {threads} via {how}; "
        + ", ".join(
            f"{name}={os.environ.get(name)}" for name in ("OMP_NUM_THREADS", *POOL_VARIABLES)
        ),
        "peers: " + ", ".join(f"{name} {distribution_version(name)}" for name in peers),
        f"cores: {os.cpu_count()}; {load_average()} (other work running inflates timings)",
    ]
    return "\n".join(lines)


def distribution_version(name: str) -> str:
    """The installed version of a distribution, or 'not installed'."""
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    """The machine's 1-minute load average, to tell a busy machine's numbers apart."""
    try:
        return f"load average {os.getloadavg()[0]:.2f}"
    except OSError:
        return "load average unknown"
