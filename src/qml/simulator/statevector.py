"""``simulate``: the state vector a circuit prepares from ``|0...0>``."""

from __future__ import annotations

from typing import Any

import numpy as np

from qml.circuits import Circuit, Parameter, ParameterExpression
from qml.errors import QmlTypeError, QmlValueError, ShapeError, UnboundParameterError
from qml.simulator import engine, lazy
from qml.simulator.memory import check_fits


def resolve_parameters(circuit: Circuit, params: Any) -> tuple[dict[Parameter, Any], int | None]:
    """``(values, B)``: every circuit parameter's value and the batch size (None: unbatched).

    ``params`` is None (the circuit must be bound), an array of shape
    ``(n_params,)`` or ``(B, n_params)`` in ``circuit.parameters`` order, or a
    mapping keyed by Parameter, ParameterVector or name.
    """
    if not isinstance(circuit, Circuit):
        raise QmlTypeError(
            f"expected a qml Circuit, got {type(circuit).__name__}; "
            "convert qiskit circuits with Circuit.from_qiskit"
        )
    values = {} if params is None else circuit.parameter_values(params)
    missing = [p.name for p in circuit.parameters if p not in values]
    if missing:
        raise UnboundParameterError(
            f"no value for parameter(s) {', '.join(missing)}; pass params= with "
            f"{circuit.num_parameters} value(s) in circuit.parameters order, or a mapping"
        )
    # resolved values are floats or (B,) arrays
    sizes = {v.shape[0] for v in values.values() if isinstance(v, np.ndarray)}
    if isinstance(params, np.ndarray | list | tuple) and np.ndim(params) == 2:
        sizes.add(np.shape(params)[0])
    sizes |= circuit.gate_batch_sizes()
    if np.ndim(circuit.global_phase) == 1:  # a phase assigned from (B,) values
        sizes.add(np.shape(circuit.global_phase)[0])
    if len(sizes) > 1:
        raise ShapeError(
            f"batched values disagree on the batch size: {sorted(sizes)}; "
            "give every batched parameter the same number of samples"
        )
    if 0 in sizes:
        raise ShapeError(
            "the batch is empty (0 rows of parameter values); pass at least one row, "
            f"shape (B, {circuit.num_parameters}) with B >= 1"
        )
    return values, (sizes.pop() if sizes else None)


def global_phase_factor(circuit: Circuit, values: dict[Parameter, Any]) -> Any:
    """``exp(i * global_phase)``: a complex number or a ``(B,)`` array."""
    phase = circuit.global_phase
    if isinstance(phase, ParameterExpression):
        phase = phase.evaluate(values)
    phase = np.asarray(phase, dtype=np.float64)
    if not np.isfinite(phase).all():
        raise QmlValueError(
            "the global phase is not finite (its expression overflowed at these parameter "
            "values); pass finite values of sensible size"
        )
    return np.exp(1j * phase)


def final_state(
    circuit: Circuit, params: Any = None, dtype: Any = np.complex128, *, copies: float = 1.0
) -> tuple:
    """``(states, batched)``: the ``(B, 2**n)`` final states (``B = 1`` when unbatched).

    ``copies`` is the caller's peak memory in states (it computes from them); the
    backend's own working copies are added. Too much is refused before allocating.
    """
    values, batch = resolve_parameters(circuit, params)
    dtype = np.dtype(dtype)
    if dtype not in (np.complex128, np.complex64):
        raise QmlTypeError(f"dtype must be np.complex128 or np.complex64, got {dtype}")
    n = circuit.num_qubits
    check_fits(n, batch or 1, dtype, copies=copies + engine.get_backend().workspace_copies)
    state = np.zeros((batch or 1, 1 << n), dtype=dtype)
    state[:, 0] = 1
    engine.evolve(state, circuit, values)
    factor = global_phase_factor(circuit, values)
    if np.any(factor != 1):
        state *= factor.reshape(-1, 1) if factor.ndim else factor
    return state, batch is not None


def simulate(circuit: Circuit, params: Any = None, *, dtype: Any = np.complex128) -> np.ndarray:
    """The state vector ``circuit`` prepares from ``|0...0>``, global phase included.

    Parameters
    ----------
    circuit : Circuit
    params : None, array of shape ``(n_params,)`` or ``(B, n_params)``, or mapping
        Values for ``circuit.parameters`` (in that order for arrays).
    dtype : numpy complex dtype
        ``np.complex128`` (default) or ``np.complex64`` (half the memory; about 1e-6
        relative accuracy).

    Returns
    -------
    ndarray of shape ``(2**n,)``, or ``(B, 2**n)`` for batched parameters, in
    qiskit's little-endian order: bit ``q`` of the index is qubit ``q``; equal to
    ``qiskit.quantum_info.Statevector(circuit.to_qiskit()).data``. A dask array of
    ``params`` gives a lazy dask array (see :mod:`qml.simulator.lazy`).
    """
    if lazy.is_lazy(params):  # a dask array: a lazy result, one task per block of rows
        return lazy.simulate(circuit, params, dtype=dtype)
    state, batched = final_state(circuit, params, dtype)
    return state if batched else state[0]
