"""The native backend: compiled C++ kernels (``qml.simulator._native``) run programs.

The extension is built by ``pip install`` from ``native/*.cpp`` (index walking,
primitives, the forward pass, the adjoint sweep, Pauli terms); importing this
module fails with ImportError where it was not built, and the engine then uses
the numpy backend. Kernels release the GIL: small states run whole programs
per group of rows on a thread each (a state stays in cache), large ones op by
op with threads over slices of the state, after gate fusion
(:mod:`qml.simulator.fusion`).
"""

from __future__ import annotations

import numpy as np

from qml.simulator import _native  # type: ignore[attr-defined]
from qml.simulator.engine import PARALLEL_AMPLITUDES, map_rows, pool
from qml.simulator.fusion import fuse
from qml.simulator.program import Bound, Program
from qml.simulator.threads import get_num_threads

#: States of at least this many amplitudes run op by op over slices, with fusion;
#: smaller ones run whole programs per row, in cache.
LARGE_STATE = 1 << 14
#: Batches of small states fuse from this many amplitudes in all (below, building the
#: fused numbers costs more than the passes it saves).
FUSED_BATCH_AMPLITUDES = 1 << 14


class NativeBackend:
    """Programs on the compiled kernels (see the module docstring)."""

    name = "native"
    workspace_copies = 0.0

    def run(self, program: Program, states: np.ndarray, bound: Bound) -> None:
        """Every op of ``program`` on every row of ``states`` ``(B, 2**n)``, fused where it pays."""
        if states.shape[1] >= LARGE_STATE or states.size >= FUSED_BATCH_AMPLITUDES:
            program, bound = fuse(program, bound, self.run_ops)
        self.run_ops(program, states, bound)

    def run_ops(
        self, program: Program, states: np.ndarray, bound: Bound, *, adjoint: bool = False
    ) -> None:
        """Every op (or its adjoint, in reverse order) on ``states``, without fusion."""
        count = program.num_ops
        if not count:
            return
        start, stop, step = (count - 1, -1, -1) if adjoint else (0, count, 1)
        arrays = (bound.varies, program.num_qubits, program.ops, program.qlist, program.mats)
        batch, size = states.shape
        threads = get_num_threads()
        if size >= PARALLEL_AMPLITUDES and threads > 1:
            executor = pool(threads)
            for i in range(start, stop, step):  # threads split each op's base indices
                jobs = [
                    executor.submit(
                        _native.run_ops,
                        states,
                        bound.phases,
                        bound.rowdata,
                        *arrays,
                        adjoint,
                        i,
                        i + 1,
                        1,
                        part,
                        threads,
                    )
                    for part in range(threads)
                ]
                for job in jobs:
                    job.result()
            return
        map_rows(_native.run_ops, (states, bound.phases, bound.rowdata),
                 (*arrays, adjoint, start, stop, step, 0, 1), work=batch * size * 4)  # fmt: skip

    def term_values(
        self, states: np.ndarray, x: np.ndarray, z: np.ndarray, n_y: np.ndarray
    ) -> np.ndarray:
        """``<ψ_b|P_t|ψ_b>``: ``(B, n_terms)``."""
        out = np.empty((states.shape[0], x.shape[0]), dtype=np.float64)
        map_rows(_pauli_expectations, (states, out), (x, z, n_y), work=states.size * len(x))
        return out

    def apply_pauli_sums(
        self, states: np.ndarray, coefficients: np.ndarray, x: np.ndarray, z: np.ndarray,
        n_y: np.ndarray,
    ) -> np.ndarray:  # fmt: skip
        """``out[b, k] = sum_t coefficients[b, k, t] P_t states[b]``."""
        batch, size = states.shape
        out = np.empty((batch, coefficients.shape[1], size), dtype=np.complex128)
        map_rows(_apply_pauli_sums, (states, coefficients, out), (x, z, n_y),
                 work=out.size * len(x))  # fmt: skip
        return out

    def adjoint(
        self, program: Program, states: np.ndarray, lams: np.ndarray, bound: Bound
    ) -> np.ndarray:
        """``(B, K, n_slots)`` slot derivatives; ``states`` and ``lams`` are consumed."""
        out = np.zeros((states.shape[0], lams.shape[1], program.slots.count))
        map_rows(_adjoint_rows, (states, lams, bound.phases, bound.rowdata, out),
                 (bound.varies, program.num_qubits, program.ops, program.qlist, program.mats,
                  program.gfactor), work=lams.size * program.num_ops)  # fmt: skip
        return out


# argument orders for map_rows: the arrays split by rows first
def _pauli_expectations(states, out, x, z, n_y):
    _native.pauli_expectations(states, x, z, n_y, out)


def _apply_pauli_sums(states, coefficients, out, x, z, n_y):
    _native.apply_pauli_sums(states, coefficients, x, z, n_y, out)


def _adjoint_rows(states, lams, phases, rowdata, out, varies, n, ops, qlist, mats, gfactor):
    _native.adjoint_sweep(states, lams, phases, rowdata, varies, n, ops, qlist, mats, gfactor, out)


NATIVE = NativeBackend()
