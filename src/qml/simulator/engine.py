"""The engine: which backend runs programs, and the thread pool the compiled one uses.

A backend is an object with one interface (:class:`Backend`): run a compiled
``Program`` on a batch of states, compute Pauli terms, and run the adjoint
sweep. Two exist:

* ``"native"`` (the default): compiled C++ kernels (``qml.simulator._native``,
  built by ``pip install``) that release the GIL; threads over samples for
  small states, over slices of the state for large ones, gate fusion where it
  pays. See :mod:`qml.simulator.native`.
* ``"numpy"``: gate by gate through each gate's own ``apply``; exact, simple,
  the reference the tests hold the native one to, and the fallback where the
  extension could not be built.

The choice is made once per call from ``using_backend`` (a ``with`` block, for
the current thread only), ``set_backend`` or the environment variable
``QML_BACKEND``; callers hold the backend object and never ask which one it is.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from itertools import pairwise
from typing import Any, Protocol

import numpy as np

from qml.circuits import Circuit, Parameter
from qml.errors import OptionError, is_choice
from qml.simulator.program import Bound, Program, compile_program
from qml.simulator.threads import get_num_threads

BACKENDS = ("native", "numpy")
#: Work (amplitudes touched) from which a call is split over threads.
PARALLEL_AMPLITUDES = 1 << 16


class Backend(Protocol):
    """What the simulator asks of a backend.

    States are C-contiguous complex128 arrays ``(B, 2**n)``; ``bound`` holds the
    program's numbers for this call (:meth:`Program.bind`).
    """

    name: str
    #: Working memory the backend needs, in copies of the states, besides the states.
    workspace_copies: float

    def run(self, program: Program, states: np.ndarray, bound: Bound) -> None:
        """Apply every op of ``program`` to every row of ``states`` in place."""
        ...

    def term_values(
        self, states: np.ndarray, x: np.ndarray, z: np.ndarray, n_y: np.ndarray
    ) -> np.ndarray:
        """``<ψ_b|P_t|ψ_b>`` for Pauli strings given by masks: ``(B, n_terms)`` float64."""
        ...

    def apply_pauli_sums(
        self, states: np.ndarray, coefficients: np.ndarray, x: np.ndarray, z: np.ndarray,
        n_y: np.ndarray,
    ) -> np.ndarray:  # fmt: skip
        """``out[b, k] = sum_t coefficients[b, k, t] P_t states[b]``: ``(B, K, 2**n)``."""
        ...

    def adjoint(
        self, program: Program, states: np.ndarray, lams: np.ndarray, bound: Bound
    ) -> np.ndarray:
        """The adjoint sweep: ``(B, K, n_slots)`` derivatives by slot angle (consumes both)."""
        ...


_default: str | None = None
_local = threading.local()
#: ``QML_BACKEND`` as the process started (read once: every call asks for the backend).
_ENVIRONMENT = os.environ.get("QML_BACKEND")


def set_backend(name: str | None) -> None:
    """Use the ``"native"`` or ``"numpy"`` backend in every thread (None: the default)."""
    global _default
    if name is not None and not is_choice(name, BACKENDS):
        raise OptionError(f"unknown simulator backend {name!r}; choose one of {BACKENDS}")
    _default = name


@contextmanager
def using_backend(name: str) -> Iterator[None]:
    """Run the ``with`` block on the named backend in this thread, then restore the choice."""
    if not is_choice(name, BACKENDS):
        raise OptionError(f"unknown simulator backend {name!r}; choose one of {BACKENDS}")
    previous = getattr(_local, "name", None)
    _local.name = name
    try:
        yield
    finally:
        _local.name = previous


def backend_name() -> str:
    """The backend this thread uses: ``"native"`` unless it is missing or another was chosen."""
    name = getattr(_local, "name", None) or _default or _ENVIRONMENT or "native"
    if name not in BACKENDS:
        raise OptionError(f"QML_BACKEND={name!r} is not a simulator backend; use one of {BACKENDS}")
    if name == "native" and _native_backend() is None:
        return "numpy"
    return name


def get_backend() -> Backend:
    """The backend object this thread uses (see :func:`backend_name`)."""
    if backend_name() == "native":
        return _native_backend()  # type: ignore[return-value]
    from qml.simulator.numpy_backend import NUMPY

    return NUMPY


_native: Any = None


def _native_backend() -> Backend | None:
    global _native
    if _native is None:
        try:
            from qml.simulator.native import NATIVE
        except ImportError:  # the extension was not built here: the numpy path
            _native = False
        else:
            _native = NATIVE
    return _native or None


def evolve(state: np.ndarray, circuit: Circuit, values: dict[Parameter, Any]) -> None:
    """Apply every gate of ``circuit`` to ``state`` (shape ``(B, 2**n)``) in place.

    ``values`` maps each circuit parameter to a float or a ``(B,)`` array.
    """
    program = compile_program(circuit)
    get_backend().run(program, state, program.bind(program.angles(values)))


# -- threads -------------------------------------------------------------------------------------

_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def pool(threads: int) -> ThreadPoolExecutor:
    """A pool of ``threads`` workers, kept for the process (calls in flight keep theirs when
    the thread count changes, so changing it never breaks them)."""
    with _pools_lock:
        executor = _pools.get(threads)
        if executor is None:
            executor = _pools[threads] = ThreadPoolExecutor(threads, thread_name_prefix="qml")
        return executor


def map_rows(kernel: Any, rows: tuple[np.ndarray, ...], shared: tuple, *, work: int) -> None:
    """``kernel(*rows, *shared)``, with the rows split over threads when ``work`` is large.

    An array in ``rows`` whose first axis has the batch length is split; one
    with a single row (shared by all samples) is passed whole to every thread.
    """
    batch = rows[0].shape[0]
    threads = min(get_num_threads(), batch)
    if threads < 2 or work < PARALLEL_AMPLITUDES:
        kernel(*rows, *shared)
        return
    bounds = np.linspace(0, batch, threads + 1).astype(np.int64)
    executor = pool(threads)
    jobs = [
        executor.submit(kernel, *(a[lo:hi] if a.shape[0] == batch else a for a in rows), *shared)
        for lo, hi in pairwise(bounds)
    ]
    for job in jobs:
        job.result()
