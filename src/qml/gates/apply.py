"""Reference numpy kernels: apply a k-qubit operator to a state vector in place.

A state is a C-contiguous complex array of shape ``(2**n,)`` or ``(B, 2**n)``,
in qiskit's little-endian order: bit ``q`` of an amplitude's index is qubit
``q``. A k-qubit operator on ``qubits = (q0, ..., q_{k-1})`` is indexed the
same way: bit ``j`` of its row/column index is ``qubits[j]``.

These kernels only touch the k axes of the ``(B, 2, ..., 2)`` view that belong
to the gate's qubits. They are exact and simple; the simulator's compiled
engine replaces them on the hot path and is tested against them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qml.errors import QmlValueError, ShapeError


def num_qubits_of(state: np.ndarray) -> int:
    """Number of qubits of a state of shape ``(2**n,)`` or ``(B, 2**n)``."""
    size = state.shape[-1] if state.ndim else 0
    n = size.bit_length() - 1
    if size < 1 or 1 << n != size or state.ndim not in (1, 2):
        raise ShapeError(
            f"a state must have shape (2**n,) or (B, 2**n); got {state.shape}. "
            "Pass the array returned by qml.simulate."
        )
    return n


def gate_axes_view(state: np.ndarray, qubits: Sequence[int]) -> np.ndarray:
    """View of ``state`` as ``(B, rest..., 2, ..., 2)`` with the gate's axes last.

    The last k axes are ordered ``(qubits[k-1], ..., qubits[0])``, so flattening
    them gives the gate's own little-endian index.
    """
    if not state.flags.c_contiguous:
        raise QmlValueError(
            "the state must be C-contiguous to be updated in place; "
            "pass np.ascontiguousarray(state)"
        )
    n = num_qubits_of(state)
    tensor = state.reshape(-1, *([2] * n))
    axes = [1 + (n - 1 - q) for q in reversed(qubits)]
    k = len(qubits)
    return np.moveaxis(tensor, axes, range(-k, 0))


def apply_matrix(state: np.ndarray, matrix: np.ndarray, qubits: Sequence[int]) -> None:
    """``state <- M state`` for a dense ``(d, d)`` or batched ``(B, d, d)`` matrix."""
    view = gate_axes_view(state, qubits)
    d = 1 << len(qubits)
    amplitudes = view.reshape(view.shape[0], -1, d)
    if matrix.ndim == 2:
        updated = amplitudes @ matrix.T
    else:
        updated = amplitudes @ np.swapaxes(matrix, -1, -2)
    view[...] = updated.reshape(view.shape)


def apply_diagonal(state: np.ndarray, diagonal: np.ndarray, qubits: Sequence[int]) -> None:
    """``state <- diag(D) state`` for a phase vector of shape ``(d,)`` or ``(B, d)``."""
    view = gate_axes_view(state, qubits)
    k = len(qubits)
    rest = view.ndim - 1 - k
    batch = 1 if diagonal.ndim == 1 else diagonal.shape[0]
    view *= diagonal.reshape(batch, *([1] * rest), *([2] * k))


def apply_permutation(state: np.ndarray, permutation: np.ndarray, qubits: Sequence[int]) -> None:
    """``new[i] = old[perm[i]]`` on the gate's local index (X, CX, SWAP, CCX, CSWAP)."""
    view = gate_axes_view(state, qubits)
    d = 1 << len(qubits)
    amplitudes = view.reshape(view.shape[0], -1, d)
    view[...] = amplitudes[..., permutation].reshape(view.shape)
