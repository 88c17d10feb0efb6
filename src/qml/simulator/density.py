"""``simulate_density``: the density matrix a (noisy) circuit prepares from ``|0...0><0...0|``.

Layout. A density matrix ``rho`` of n qubits is held as its row-major flattening,
an array of shape ``(B, 4**n)``: read as a state vector of 2n qubits, the low n
bits of an index are the column and the high n bits the row. So ``U rho U†``
applies ``U`` to qubits ``q + n`` (the row) and ``conj(U)`` to qubits ``q`` (the
column), and a k-qubit channel with Kraus operators ``K_j`` is the local
``4**k x 4**k`` matrix ``Σ_j K_j ⊗ conj(K_j)`` on qubits ``(q..., q + n...)``.
A gate and the channels after it are multiplied into one such local matrix;
no ``4**n x 4**n`` superoperator is ever built.

Two paths, as for state vectors (:mod:`qml.simulator.engine`):

* ``"numba"``: the evolution is lowered to a ``Program`` on 2n qubits and run by
  the compiled kernels (``engine.run``, threads and fusion included). A gate
  ``U`` becomes ``U`` on the row qubits and ``conj(U)`` on the column qubits,
  kept as the structured or parameterized ops the engine already has (so a batch
  of parameter rows is one run); a channel, or a constant gate together with its
  channels, becomes one constant-matrix op (``OP_MAT2``/``OP_MATK``, whose kernels
  do not assume unitarity) holding its local transfer matrix.
* ``"numpy"``: gate by gate through the reference kernels of :mod:`qml.gates.apply`;
  the fallback when numba is missing, and for gates the engine cannot lower.

Order is qiskit's little-endian one: bit ``q`` of a row or column index is
qubit ``q``, so the result equals ``qiskit.quantum_info.DensityMatrix``.

Noise comes from any object with the two methods of :class:`NoiseSource`;
:class:`qml.noise.NoiseModel` is the one qml provides (the simulator does not
import the noise package, which sits above it).
"""

from __future__ import annotations

import dataclasses
import functools
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
    UnsupportedOperationError,
)
from qml.gates import STANDARD_GATES, Gate, Unitary
from qml.gates import apply as kernels
from qml.simulator import engine
from qml.simulator.memory import check_fits
from qml.simulator.program import Program, compile_program, static_table
from qml.simulator.statevector import resolve_parameters

#: Working copies of the state the reference kernels need besides the state itself
#: (the gathered view and the product in ``apply_matrix``).
WORKSPACE_COPIES = 2.0


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
    circuit: Circuit, noise: NoiseSource | None = None, params: Any = None
) -> tuple[np.ndarray, bool]:
    """``(rho, batched)``: the flattened final density matrices, shape ``(B, 4**n)``.

    ``B = 1`` when unbatched. Row ``b`` is ``simulate_density(...)[b].ravel()``
    (row-major: index ``r * 2**n + c``). Refuses, before allocating, a batch
    that does not fit in memory.
    """
    values, batch = resolve_parameters(circuit, params)
    _check_noise(noise)
    n = circuit.num_qubits
    check_fits(
        n,
        batch or 1,
        np.complex128,
        copies=1 + WORKSPACE_COPIES,
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
    circuit parameter to a float or a ``(B,)`` array. Runs on the compiled engine
    unless the backend is ``"numpy"`` or a gate cannot be lowered.
    """
    if engine.get_backend() == "numba":
        program = density_program(circuit, values, noise)
        if program is not None:
            phases = program.phases({})
            if rho.shape[1] >= engine.LARGE_STATE and phases.shape[0] == 1:
                from qml.simulator.fusion import fuse

                program, phases = fuse(program, phases)
            engine.run(program, rho, phases)
            return
    _evolve_numpy(rho, circuit, values, noise)


def density_program(
    circuit: Circuit, values: dict[Parameter, Any], noise: NoiseSource | None = None
) -> Program | None:
    """The evolution of ``circuit``'s density matrix as a ``Program`` on ``2n`` qubits.

    Column qubit ``q`` is program qubit ``q``, row qubit ``q`` is ``q + n``. Each
    gate ``U`` (bound to ``values``) becomes ``U`` on its row qubits and
    ``conj(U)`` on its column qubits; its channels (and, for a gate without
    batched parameters, the gate itself) become one constant op holding the
    local transfer matrix. Parameter values are baked in (batched ones as
    ``(B,)`` slot arrays), so run it with ``program.phases({})``. None when a
    gate has no lowering (a user-defined gate with batched parameters, or one
    the engine does not know): the caller takes the numpy path.
    """
    n = circuit.num_qubits
    doubled = Circuit(2 * n)
    patches: list[tuple[int, np.ndarray]] = []  # (op index, its constant matrix)
    cache: dict[int, np.ndarray] = {}
    for gate, qubits in circuit:
        gate = gate.bind(values)
        rows = tuple(q + n for q in qubits)
        channels = () if noise is None else noise.channels_after(gate.name, qubits)
        transfer = _channels_transfer(gate, qubits, channels, cache)
        if transfer is not None and gate.batch_size is None:
            patches.append((len(doubled), transfer @ conjugation_matrix(gate.matrix())))
            doubled.append(_placeholder(2 * len(qubits)), (*qubits, *rows))
            continue
        conjugate = conjugate_gate(gate)
        if conjugate is None:
            return None
        doubled.append(gate, rows).append(conjugate, qubits)
        if transfer is not None:
            patches.append((len(doubled), transfer))
            doubled.append(_placeholder(2 * len(qubits)), (*qubits, *rows))
    try:
        program = compile_program(doubled)
    except UnsupportedOperationError:
        return None
    if not patches:
        return program
    mats = program.mats.copy()
    for index, matrix in patches:
        start = int(program.moff[index])
        mats[start : start + matrix.size] = matrix.ravel()
    static = static_table(program.code, program.qubits, program.arity, mats, program.moff)
    return dataclasses.replace(program, mats=mats, static=static)


@functools.cache
def _placeholder(num_qubits: int) -> Unitary:
    """An identity gate on ``num_qubits`` qubits: it lowers to a constant-matrix op
    (``OP_MAT2`` or ``OP_MATK``) whose matrix ``density_program`` then replaces."""
    return Unitary(np.eye(1 << num_qubits))


#: Sign each parameter takes in ``conj(G)``: ``conj(exp(-iθP/2)) = exp(+iθ conj(P)/2)``,
#: so a real generator (X, Z, XX, ZX, |1><1|...) flips θ and Y (imaginary) keeps it.
CONJUGATE_SIGNS: dict[str, tuple[int, ...]] = {
    "rx": (-1,), "ry": (1,), "rz": (-1,), "p": (-1,), "u": (1, -1, -1),
    "crx": (-1,), "cry": (1,), "crz": (-1,), "cp": (-1,), "cu": (1, -1, -1, -1),
    "rxx": (-1,), "ryy": (-1,), "rzz": (-1,), "rzx": (-1,),
}  # fmt: skip
#: Fixed gates whose conjugate is another named gate.
CONJUGATE_NAMES = {"s": "sdg", "sdg": "s", "t": "tdg", "tdg": "t", "sx": "sxdg", "sxdg": "sx"}


def conjugate_gate(gate: Gate) -> Gate | None:
    """A gate whose matrix is ``conj(gate.matrix())``, batched parameters included.

    Standard gates stay standard gates (cheap kernels, parameters kept per
    batch row); any other unbatched gate becomes a ``Unitary``. None for a
    non-standard gate with batched parameters.
    """
    if type(gate) is STANDARD_GATES.get(gate.name):
        signs = CONJUGATE_SIGNS.get(gate.name)
        if signs is not None:
            return gate.with_params(*(s * p for s, p in zip(signs, gate.params, strict=True)))
        if gate.name in CONJUGATE_NAMES:
            return STANDARD_GATES[CONJUGATE_NAMES[gate.name]]()
        if gate.name in _real_fixed_gates():
            return gate
    if gate.batch_size is not None:
        return None
    return Unitary(gate.matrix().conj())


@functools.cache
def _real_fixed_gates() -> frozenset[str]:
    """Names of the parameterless standard gates with a real matrix (their own conjugate)."""
    return frozenset(
        name
        for name, cls in STANDARD_GATES.items()
        if cls.num_params == 0 and not np.any(cls().matrix().imag)
    )


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


def _evolve_numpy(
    rho: np.ndarray,
    circuit: Circuit,
    values: dict[Parameter, Any],
    noise: NoiseSource | None,
) -> None:
    """The reference path: every gate (and the noise after it) through numpy kernels.

    A gate and the channels after it act on the same k qubits, so they are
    multiplied into one local ``4**k x 4**k`` matrix and applied in one pass;
    a noiseless diagonal or permutation gate keeps its cheaper kernel.
    """
    n = circuit.num_qubits
    cache: dict[int, np.ndarray] = {}  # id(channel) -> its local matrix, built once per call
    for gate, qubits in circuit:
        gate = gate.bind(values)
        both = (*qubits, *(q + n for q in qubits))  # columns are the low bits, rows the high
        channels = () if noise is None else noise.channels_after(gate.name, qubits)
        if not channels and gate.structure == "diagonal":
            d = gate.diagonal()  # entry (r, c) gains the phase d[r] * conj(d[c])
            phases = d[..., :, None] * d.conj()[..., None, :]
            kernels.apply_diagonal(rho, phases.reshape(*d.shape[:-1], -1), both)
            continue
        if not channels and gate.structure == "permutation":
            perm = np.asarray(gate.permutation)  # entry (r, c) takes entry (perm[r], perm[c])
            kernels.apply_permutation(rho, (perm[:, None] * perm.size + perm).ravel(), both)
            continue
        matrix = conjugation_matrix(gate.matrix())
        transfer = _channels_transfer(gate, qubits, channels, cache)
        if transfer is not None:
            matrix = transfer @ matrix
        kernels.apply_matrix(rho, matrix, both)


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
    "conjugate_gate",
    "conjugation_matrix",
    "density_program",
    "evolve_density",
    "final_density",
    "probabilities_from_density",
    "simulate_density",
    "transfer_matrix",
]
