"""``simulate_density``: the density matrix a (noisy) circuit prepares from ``|0...0><0...0|``.

Layout. A density matrix ``rho`` of n qubits is held as its row-major flattening,
an array of shape ``(B, 4**n)``: read as a state vector of 2n qubits, the low n
bits of an index are the column and the high n bits the row. So ``U rho U†``
applies ``U`` to qubits ``q + n`` (the row) and ``conj(U)`` to qubits ``q`` (the
column), and a k-qubit channel with Kraus operators ``K_j`` is the local
``4**k x 4**k`` matrix ``Σ_j K_j ⊗ conj(K_j)`` on qubits ``(q..., q + n...)``.
A gate and the channels after it are multiplied into one such local matrix;
no ``4**n x 4**n`` superoperator is ever built.

The evolution is a circuit on 2n qubits that either backend runs as it runs
state vectors (:mod:`qml.simulator.engine`, fusion and threads included): a
gate ``U`` becomes ``U`` on the row qubits and ``U.conjugate()`` on the column
qubits (the gate says what its conjugate is, so structured gates stay
structured and a batch of parameter rows is one run); a channel, or an
unbatched gate together with its channels, becomes one ``Superoperator`` gate
holding its local transfer matrix (a dense op, which does not assume unitarity).

Order is qiskit's little-endian one: bit ``q`` of a row or column index is
qubit ``q``, so the result equals ``qiskit.quantum_info.DensityMatrix``.

Noise comes from any object with the two methods of :class:`NoiseSource`;
:class:`qml.noise.NoiseModel` is the one qml provides (the simulator does not
import the noise package, which sits above it).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from qml.circuits import Circuit, Parameter
from qml.errors import (
    NoiseError,
    QmlTypeError,
    QubitError,
    QubitIndexError,
    ShapeError,
)
from qml.gates import Gate
from qml.gates import apply as kernels
from qml.simulator import engine
from qml.simulator.memory import check_fits
from qml.simulator.program import build_program
from qml.simulator.statevector import resolve_parameters


class KrausSource(Protocol):
    """A channel as ``simulate_density`` needs it: its Kraus operators.

    ``kraus()`` returns ``(2**k, 2**k)`` matrices, little-endian over the
    channel's qubits as gate matrices are.
    """

    num_qubits: int

    def kraus(self) -> Sequence[np.ndarray]:
        """The Kraus operators ``K_j`` of ``rho -> Σ_j K_j rho K_j†``."""
        ...


class NoiseSource(Protocol):
    """What the density simulator asks of a noise model (``qml.noise.NoiseModel``)."""

    def channels_after(self, gate_name: str, qubits: tuple[int, ...]) -> Sequence[KrausSource]:
        """Channels applied, in order, after gate ``gate_name`` on ``qubits``.

        Each channel acts on ``qubits`` (its qubit ``j`` is ``qubits[j]``).
        """
        ...

    def readout_matrix(self, qubit: int) -> np.ndarray | None:
        """``(2, 2)`` matrix of P(read j | state i) at ``[i, j]`` for ``qubit``, or None."""
        ...


def simulate_density(
    circuit: Circuit, noise: NoiseSource | None = None, params: Any = None
) -> np.ndarray:
    """The density matrix ``circuit`` prepares from ``|0...0><0...0|``, with optional noise.

    Each gate acts as ``U rho U†``; after it, every channel ``noise`` attaches to
    that gate name and those qubits is applied in order (qiskit-aer's rule).
    Final measurements are ignored, as in ``qml.simulate``; the global phase
    cancels in ``rho``.

    Parameters
    ----------
    circuit : Circuit
    noise : qml.noise.NoiseModel or None
        Quantum errors to apply after gates (readout errors act only in
        :func:`probabilities_from_density`).
    params : None, array of shape ``(n_params,)`` or ``(B, n_params)``, or mapping
        Values for ``circuit.parameters`` (in that order for arrays).

    Returns
    -------
    complex128 ndarray of shape ``(2**n, 2**n)``, or ``(B, 2**n, 2**n)`` for batched
    parameters, in qiskit's little-endian order: bit ``q`` of a row or column
    index is qubit ``q``; equal to ``qiskit.quantum_info.DensityMatrix(qc).data``
    (noiseless) or to qiskit-aer's ``save_density_matrix`` with
    ``noise.to_qiskit()``.

    Raises
    ------
    StateTooLargeError
        Before allocating, when ``4**n`` amplitudes per sample do not fit in memory.
    """
    rho, batched = final_density(circuit, noise, params)
    rho = rho.reshape(-1, 1 << circuit.num_qubits, 1 << circuit.num_qubits)
    return rho if batched else rho[0]


def final_density(
    circuit: Circuit, noise: NoiseSource | None = None, params: Any = None, *, copies: float = 1.0
) -> tuple[np.ndarray, bool]:
    """``(rho, batched)``: the flattened final density matrices, shape ``(B, 4**n)``.

    ``B = 1`` when unbatched. Row ``b`` is ``simulate_density(...)[b].ravel()``
    (row-major: index ``r * 2**n + c``). ``copies`` is the caller's peak memory in
    density matrices; too much is refused before allocating.
    """
    values, batch = resolve_parameters(circuit, params)
    _check_noise(noise)
    n = circuit.num_qubits
    check_fits(
        n,
        batch or 1,
        np.complex128,
        copies=copies + engine.get_backend().workspace_copies,
        amplitudes_per_qubit=4,
        what="density matrix",
    )
    rho = np.zeros((batch or 1, 1 << (2 * n)), dtype=np.complex128)
    rho[:, 0] = 1
    evolve_density(rho, circuit, values, noise)
    return rho, batch is not None


def evolve_density(
    rho: np.ndarray,
    circuit: Circuit,
    values: dict[Parameter, Any],
    noise: NoiseSource | None = None,
) -> None:
    """Apply every gate of ``circuit`` (and the noise after it) to ``rho`` in place.

    ``rho`` is a batch of flattened density matrices, complex128 of shape
    ``(B, 4**n)`` (see the module docstring for the layout); ``values`` maps each
    circuit parameter to a float or a ``(B,)`` array.
    """
    program = build_program(doubled_circuit(circuit, values, noise))
    engine.get_backend().run(program, rho, program.bind(program.angles({})))


class Superoperator(Gate):
    """A linear map on a flattened density matrix, as a local ``4**k x 4**k`` matrix.

    Qubits ``(q..., q + n...)``: the low half of the local index is the column's
    qubits, the high half the row's. Not unitary in general; only the density
    simulator makes these.
    """

    name = "superoperator"

    def __init__(self, matrix: np.ndarray) -> None:
        self.fixed_matrix = np.ascontiguousarray(matrix, dtype=np.complex128)  # type: ignore[misc]
        self.num_qubits = self.fixed_matrix.shape[0].bit_length() - 1
        self.params = ()

    def with_params(self, *params: Any) -> Gate:
        return self


def doubled_circuit(
    circuit: Circuit, values: dict[Parameter, Any], noise: NoiseSource | None = None
) -> Circuit:
    """The evolution of ``circuit``'s density matrix as a circuit on ``2n`` qubits.

    Column qubit ``q`` is qubit ``q``, row qubit ``q`` is ``q + n``. Each gate
    ``U`` (bound to ``values``) becomes ``U`` on its row qubits and
    ``U.conjugate()`` on its column qubits; its channels (and, for a gate without
    batched parameters, the gate itself) become one ``Superoperator`` holding the
    local transfer matrix. Parameter values are baked in (batched ones as
    ``(B,)`` arrays), so run it with no further values.
    """
    n = circuit.num_qubits
    doubled = Circuit(2 * n)
    cache: dict[int, np.ndarray] = {}
    for gate, qubits in circuit:
        gate = gate.bind(values)
        rows = tuple(q + n for q in qubits)
        channels = () if noise is None else noise.channels_after(gate.name, qubits)
        transfer = _channels_transfer(gate, qubits, channels, cache)
        if transfer is not None and gate.batch_size is None:
            matrix = transfer @ conjugation_matrix(gate.matrix())
            doubled.append(Superoperator(matrix), (*qubits, *rows))
            continue
        doubled.append(gate, rows).append(gate.conjugate(), qubits)
        if transfer is not None:
            doubled.append(Superoperator(transfer), (*qubits, *rows))
    return doubled


def _channels_transfer(
    gate: Gate, qubits: tuple[int, ...], channels: Sequence[KrausSource], cache: dict
) -> np.ndarray | None:
    """The product of the channels' transfer matrices (the first acts first), or None."""
    product = None
    for channel in channels:
        if channel.num_qubits != len(qubits):
            raise NoiseError(
                f"a {channel.num_qubits}-qubit channel is attached to gate {gate.name!r} "
                f"on {len(qubits)} qubit(s) {list(qubits)}; attach a channel of "
                f"{len(qubits)} qubit(s) (Channel.tensor builds one from smaller ones)"
            )
        transfer = cache.get(id(channel))
        if transfer is None:
            transfer = cache[id(channel)] = transfer_matrix(channel.kraus())
        product = transfer if product is None else transfer @ product
    return product


def conjugation_matrix(unitary: np.ndarray) -> np.ndarray:
    """``U ⊗ conj(U)``: ``rho -> U rho U†`` on a row-major flattened ``rho``.

    ``(d, d)`` -> ``(d*d, d*d)``, or ``(B, d, d)`` -> ``(B, d*d, d*d)``; the low
    index bits are the column's qubits, as in :func:`transfer_matrix`.
    """
    d = unitary.shape[-1]
    product = np.einsum("...ij,...kl->...ikjl", unitary, unitary.conj())
    return product.reshape(*unitary.shape[:-2], d * d, d * d)


def transfer_matrix(kraus: Sequence[np.ndarray]) -> np.ndarray:
    """``Σ_j K_j ⊗ conj(K_j)``: a channel acting on a row-major flattened ``rho``.

    For k-qubit operators the result is ``(4**k, 4**k)``; its low k index bits
    are the column's qubits and its high k bits the row's. (qiskit's
    ``SuperOp`` flattens column-major and holds ``Σ_j conj(K_j) ⊗ K_j``.)
    """
    return sum(np.kron(k, np.conj(k)) for k in kraus)  # type: ignore[return-value]


def probabilities_from_density(
    rho: np.ndarray, noise: NoiseSource | None = None, qubits: Sequence[int] | None = None
) -> np.ndarray:
    """Measurement probabilities from a density matrix, readout errors included.

    The probabilities are the diagonal of ``rho``; each qubit with a readout
    error in ``noise`` then has its confusion matrix applied (as if every qubit
    were measured): P(read j) = Σ_i P(state i) · P(read j | state i).

    Parameters
    ----------
    rho : ndarray of shape ``(2**n, 2**n)`` or ``(B, 2**n, 2**n)``
        As returned by :func:`simulate_density`.
    noise : qml.noise.NoiseModel or None
        Its readout errors are applied; its quantum errors are not (they act in
        ``simulate_density``).
    qubits : sequence of int, optional
        Marginal over these qubits, in the order of qiskit's
        ``DensityMatrix.probabilities(qargs)``: bit ``j`` of the result's index
        is ``qubits[j]``.

    Returns
    -------
    float64 ndarray of shape ``(2**n,)`` (or ``(2**k,)`` for k ``qubits``), with a
    leading ``B`` axis for a batch; bit ``q`` of the index is qubit ``q``.
    """
    array = np.asarray(rho)
    side = array.shape[-1] if array.ndim in (2, 3) else 0
    n = side.bit_length() - 1
    if array.ndim not in (2, 3) or array.shape[-2] != side or side < 1 or 1 << n != side:
        raise ShapeError(
            "rho must have shape (2**n, 2**n) or (B, 2**n, 2**n); got "
            f"{array.shape}. Pass the array returned by simulate_density"
        )
    # rounding can leave diagonal entries of -1e-17; probabilities must not be negative
    probs = np.maximum(np.diagonal(array, axis1=-2, axis2=-1).real, 0.0).reshape(-1, side)
    probs = np.ascontiguousarray(probs, dtype=np.float64)
    _check_noise(noise)
    if noise is not None:
        for q in range(n):
            confusion = noise.readout_matrix(q)
            if confusion is not None:
                kernels.apply_matrix(probs, np.asarray(confusion, dtype=np.float64).T, (q,))
    if qubits is not None:
        probs = _marginal(probs, _check_qubits(qubits, n), n)
    return probs if array.ndim == 3 else probs[0]


def _check_noise(noise: Any) -> None:
    if noise is None or all(
        callable(getattr(noise, name, None)) for name in ("channels_after", "readout_matrix")
    ):
        return
    raise QmlTypeError(
        f"noise must be a qml.noise.NoiseModel, got {type(noise).__name__}; build the "
        "model with qml.noise (its to_qiskit() gives the qiskit-aer equivalent)"
    )


def _check_qubits(qubits: Sequence[int], n: int) -> tuple[int, ...]:
    chosen = tuple(qubits)
    for q in chosen:
        if not isinstance(q, numbers.Integral) or isinstance(q, (bool, np.bool_)):
            raise QubitError(f"qubit indices must be integers; got {q!r}")
        if not 0 <= q < n:
            raise QubitIndexError(
                f"qubit {q} is out of range for {n} qubit(s); valid indices are 0 to {n - 1} "
                "(negative indices do not wrap)"
            )
    if len(set(chosen)) != len(chosen):
        raise QubitError(f"qubits must be distinct; got {list(chosen)}")
    return tuple(int(q) for q in chosen)


def _marginal(probs: np.ndarray, qubits: tuple[int, ...], n: int) -> np.ndarray:
    """Sum out the other qubits; bit ``j`` of the result's index is ``qubits[j]``."""
    tensor = probs.reshape(-1, *([2] * n))  # axis 1 + (n - 1 - q) is qubit q
    others = tuple(1 + (n - 1 - q) for q in range(n) if q not in qubits)
    kept = [q for q in reversed(range(n)) if q in qubits]  # axis order after the sum
    summed = tensor.sum(axis=others)
    order = [1 + kept.index(q) for q in reversed(qubits)]
    return np.transpose(summed, (0, *order)).reshape(probs.shape[0], -1)


__all__ = [
    "KrausSource",
    "NoiseSource",
    "Superoperator",
    "conjugation_matrix",
    "doubled_circuit",
    "evolve_density",
    "final_density",
    "probabilities_from_density",
    "simulate_density",
    "transfer_matrix",
]
