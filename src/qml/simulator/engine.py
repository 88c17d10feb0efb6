"""The engine: applies a circuit's gates to a batch of states in place.

This is the one internal interface between ``simulate`` (and everything built
on it) and the kernels: ``evolve(state, circuit, values)`` with ``state`` of
shape ``(B, 2**n)``. Two backends sit behind it:

* ``"numba"`` (default when numba imports): the circuit is lowered once to a
  ``Program`` and run by compiled kernels that release the GIL, on a thread
  pool: threads over samples for small states, over slices of the state for
  large ones, with gate fusion for large states (``fusion.py``).
* ``"numpy"``: gate by gate through the gates' own numpy kernels; exact,
  simpler, and the fallback where numba is missing. Tests check both agree.

Select with ``set_backend``, ``using_backend`` (a ``with`` block) or the
environment variable ``QML_BACKEND``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from itertools import pairwise
from types import ModuleType
from typing import Any

import numpy as np

from qml.circuits import Circuit, Parameter
from qml.errors import OptionError, UnsupportedOperationError
from qml.simulator.program import K_WIDE, Program, compile_program
from qml.simulator.threads import get_num_threads

BACKENDS = ("numba", "numpy")
#: States of at least this many amplitudes use threads (when more than one is allowed).
PARALLEL_AMPLITUDES = 1 << 16
#: States of at least this many amplitudes run op by op over chunks, with fusion;
#: smaller ones run whole circuits per sample, in cache.
LARGE_STATE = 1 << 14
#: Batches of small states fuse gates from this many amplitudes in all (below, building
#: the fused numbers costs more than the passes it saves).
FUSED_BATCH_AMPLITUDES = 1 << 14

_backend: str | None = None
_kernels: ModuleType | None = None


def _numba_kernels() -> ModuleType | None:
    global _kernels
    if _kernels is None:
        try:
            from qml.simulator import kernels
        except ImportError:  # numba missing or broken on this platform: numpy path
            return None
        _kernels = kernels
    return _kernels


def set_backend(name: str | None) -> None:
    """Use the ``"numba"`` or ``"numpy"`` backend (None: the default)."""
    global _backend
    if name is not None and name not in BACKENDS:
        raise OptionError(f"unknown simulator backend {name!r}; choose one of {BACKENDS}")
    _backend = name


@contextmanager
def using_backend(name: str) -> Iterator[None]:
    """Run the ``with`` block on the named backend, then restore the previous choice."""
    global _backend
    previous = _backend
    set_backend(name)
    try:
        yield
    finally:
        _backend = previous


def get_backend() -> str:
    """The backend in use: ``"numba"`` unless numba is missing or another was chosen."""
    name = _backend or os.environ.get("QML_BACKEND") or "numba"
    if name not in BACKENDS:
        raise OptionError(f"QML_BACKEND={name!r} is not a simulator backend; use one of {BACKENDS}")
    if name == "numba" and _numba_kernels() is None:
        return "numpy"
    return name


def workspace_copies() -> float:
    """Working memory the backend needs, in copies of the states, besides the states."""
    return 0.0 if get_backend() == "numba" else 2.0


def evolve(state: np.ndarray, circuit: Circuit, values: dict[Parameter, Any]) -> None:
    """Apply every gate of ``circuit`` to ``state`` (shape ``(B, 2**n)``) in place.

    ``values`` maps each circuit parameter to a float or a ``(B,)`` array.
    """
    try:
        program = None if get_backend() == "numpy" else compile_program(circuit)
    except UnsupportedOperationError:  # a user-defined gate: only its own apply() knows it
        program = None
    if program is None:
        for gate, qubits in circuit:
            gate.bind(values).apply(state, qubits)
        return
    run_fused(program, state, program.phases(values))


def run_fused(program: Program, states: np.ndarray, phases: np.ndarray) -> None:
    """``run`` with gate fusion where the work makes it pay (large states, large batches)."""
    if states.shape[1] >= LARGE_STATE or states.size >= FUSED_BATCH_AMPLITUDES:
        from qml.simulator.fusion import fuse

        program, phases = fuse(program, phases)
    run(program, states, phases)


def run(
    program: Program,
    states: np.ndarray,
    phases: np.ndarray,
    *,
    adjoint: bool = False,
    start: int = 0,
    stop: int | None = None,
    step: int = 1,
) -> None:
    """Run ops ``start:stop:step`` of ``program`` (or their adjoints) on ``states`` in place.

    Small states: each thread runs the whole op sequence on its share of the
    rows (a state stays in cache). Large states: op by op, each thread takes a
    slice of the op's base indices. Both only when the work is large enough.
    """
    kernels = _numba_kernels()
    assert kernels is not None, "run() needs the numba backend"
    stop = len(program.code) if stop is None else stop
    if stop == start:
        return
    n = program.num_qubits
    batch, size = states.shape
    threads = get_num_threads()
    ops = program.kernel_arrays()
    varies = program.varying_ops(phases)
    wide_args = (n, program.code, program.qubits, program.arity, program.slot, program.moff,
                 program.mats, adjoint)  # fmt: skip
    if size >= PARALLEL_AMPLITUDES and threads > 1:
        pool = _pool()
        for i in range(start, stop, step):
            if program.static[i, 0] == K_WIDE:
                kernel, args = kernels.run_wide, (states, phases, *wide_args, i)
            else:
                kernel = kernels.run_ops
                args = (states, phases, varies, n, *ops, adjoint, i, i + 1, 1)
            jobs = [pool.submit(kernel, *args, part, threads) for part in range(threads)]
            for job in jobs:
                job.result()
        return
    for first, last, wide in _segments(program, start, stop, step):
        if wide:
            kernels.run_wide(states, phases, *wide_args, first, 0, 1)
            continue
        map_rows(kernels.run_ops, (states, phases),
                 (varies, n, *ops, adjoint, first, last, step, 0, 1),
                 work=batch * size * 4)  # fmt: skip


def _segments(program: Program, start: int, stop: int, step: int) -> list[tuple[int, int, bool]]:
    """Ops ``start:stop:step`` cut into runs of pair ops and single wide ops.

    ``(first, last, False)`` is the range ``first:last:step`` of pair ops (for
    ``run_ops``); ``(i, i, True)`` the wide op ``i`` (for ``run_wide``).
    """
    order = np.arange(start, stop, step)
    wide = order[program.static[order, 0] == K_WIDE]
    if not len(wide):
        return [(start, stop, False)]
    out: list[tuple[int, int, bool]] = []
    first = start
    for i in wide:
        if i != first:
            out.append((first, int(i), False))
        out.append((int(i), int(i), True))
        first = int(i) + step
    if first != stop and (first - stop) * step < 0:
        out.append((first, stop, False))
    return out


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
    jobs = [
        _pool().submit(kernel, *(a[lo:hi] if a.shape[0] == batch else a for a in rows), *shared)
        for lo, hi in pairwise(bounds)
    ]
    for job in jobs:
        job.result()


_executor: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    """A pool of ``get_num_threads()`` workers (the kernels release the GIL)."""
    global _executor
    threads = get_num_threads()
    if _executor is None or _executor._max_workers != threads:
        if _executor is not None:
            _executor.shutdown(wait=False)
        _executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="qml")
    return _executor
