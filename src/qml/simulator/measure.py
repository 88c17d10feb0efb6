"""Expectation values, probabilities and samples of circuits, batched over parameter rows.

Shapes: with ``params`` of shape ``(n_params,)`` (or None) results are for one
circuit; with ``(B, n_params)`` they gain a leading batch axis. Bit strings
and marginals follow qiskit: the rightmost character of a key is qubit (or
classical bit) 0, and ``probabilities(c, qubits=[a, b])`` is indexed with
``a`` as the least significant bit, like ``Statevector.probabilities([a, b])``.

Noise. ``expectation``, ``probabilities`` and ``sample`` take ``noise=`` (a
``qml.noise.NoiseModel``, or any object with the two methods of
:class:`qml.simulator.density.NoiseSource`): the circuit then runs as a density
matrix (:mod:`qml.simulator.density`). Exact expectations are ``Tr(rho O)``,
computed term by term from Pauli masks; probabilities and samples include the
model's readout errors. Without ``noise`` the state-vector paths run as before
(same results, same random draws for a given seed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from qml.circuits import Circuit
from qml.circuits.observables import PauliSum, as_observable, popcount
from qml.errors import QmlTypeError, QmlValueError, QubitError, QubitIndexError
from qml.simulator import engine, lazy
from qml.simulator.density import (
    NoiseSource,
    evolve_density,
    final_density,
    probabilities_from_density,
)
from qml.simulator.statevector import final_state

Observables = Any  # one observable (Pauli, PauliSum, label, SparsePauliOp) or a list of them

# Peak memory of each entry point, in states (or density matrices), measured at 20-22
# qubits (tests/simulator/test_memory_guard.py holds them to it): the memory guard
# reserves this much before allocating anything.
#: exact expectations: the states, then one number per term and row
PEAK_EXACT = 1.0
#: probabilities and samples: the states and their probabilities (half a state)
PEAK_PROBABILITIES = 1.5
#: expectations from shots: the states, a rotated copy and its probabilities
PEAK_SHOTS = 2.5


class TermTable:
    """The distinct Pauli strings of some observables, and each observable's coefficients.

    ``coefficients`` has shape ``(n_terms, n_observables)``; masks are per term.
    """

    def __init__(self, observables: Sequence[PauliSum], num_qubits: int) -> None:
        labels: dict[str, int] = {}
        for observable in observables:
            if observable.num_qubits != num_qubits:
                raise QmlValueError(
                    f"the observable {observable!r} acts on {observable.num_qubits} qubit(s) but "
                    f"the circuit has {num_qubits}; give one Pauli letter per qubit"
                )
            for _, label in observable.terms:
                labels.setdefault(label, len(labels))
        self.labels = list(labels)
        self.coefficients = np.zeros((len(labels), len(observables)))
        for k, observable in enumerate(observables):
            for c, label in observable.terms:
                self.coefficients[labels[label], k] += c
        _, self.x, self.z, self.n_y = PauliSum([(1.0, label) for label in self.labels]).masks()
        for array in (self.coefficients, self.x, self.z, self.n_y):
            array.flags.writeable = False  # tables are shared through the cache of ``of``

    @classmethod
    def of(cls, observables: Sequence[PauliSum], num_qubits: int) -> TermTable:
        """The table of ``observables``, remembered: training asks for the same one each step."""
        key = (num_qubits, tuple(observable.terms for observable in observables))
        table = _TABLES.get(key)
        if table is None:
            if len(_TABLES) >= _MAX_TABLES:
                _TABLES.clear()
            table = _TABLES[key] = cls(observables, num_qubits)
        return table


_TABLES: dict[tuple, TermTable] = {}
_MAX_TABLES = 64


def observable_list(observables: Observables) -> tuple[list[PauliSum], bool]:
    """``(observables, single)``: a list of PauliSums, and whether one was given alone."""
    if isinstance(observables, (list, tuple)):
        if not observables:
            raise QmlValueError("the list of observables is empty")
        return [as_observable(o) for o in observables], False
    return [as_observable(observables)], True


def term_values(states: np.ndarray, table: TermTable) -> np.ndarray:
    """``<ψ_b|P_t|ψ_b>`` for every row ``b`` and term ``t``: shape ``(B, n_terms)``."""
    return engine.get_backend().term_values(states, table.x, table.z, table.n_y)


def expectations_of_states(states: np.ndarray, observables: list[PauliSum]) -> np.ndarray:
    """``<ψ_b|O_k|ψ_b>`` for rows of ``states``: shape ``(B, n_observables)``."""
    table = TermTable.of(observables, states.shape[1].bit_length() - 1)
    return term_values(states, table) @ table.coefficients


def density_term_values(rho: np.ndarray, table: TermTable) -> np.ndarray:
    """``Tr(rho_b P_t)`` for every row ``b`` of flattened density matrices and term ``t``.

    ``rho`` has shape ``(B, 4**n)`` (row-major ``(2**n, 2**n)`` matrices, as
    :func:`qml.simulator.density.final_density` returns). With ``P|c> = i**n_y
    (-1)**popcount(c & z) |c ^ x>``, ``Tr(rho P) = i**n_y Σ_c (-1)**popcount(c & z)
    rho[c, c ^ x]``: one gathered diagonal of ``2**n`` entries per term, no dense
    ``P``. Returns float64 of shape ``(B, n_terms)``.
    """
    size = 1 << ((rho.shape[1].bit_length() - 1) // 2)
    index = np.arange(size)
    out = np.empty((rho.shape[0], len(table.labels)), dtype=np.float64)
    for t in range(len(table.labels)):
        signs = (1 - 2 * (popcount(index & table.z[t]) & 1)).astype(np.float64)
        gathered = rho[:, index * size + (index ^ table.x[t])]
        out[:, t] = (gathered @ signs * 1j ** table.n_y[t]).real
    return out


def expectations_of_densities(rho: np.ndarray, observables: list[PauliSum]) -> np.ndarray:
    """``Tr(rho_b O_k)`` for rows of flattened density matrices ``(B, 4**n)``: ``(B, n_obs)``."""
    table = TermTable.of(observables, (rho.shape[1].bit_length() - 1) // 2)
    return density_term_values(rho, table) @ table.coefficients


def expectation(
    circuit: Circuit,
    observable: Observables,
    params: Any = None,
    *,
    shots: int | None = None,
    seed: Any = None,
    noise: NoiseSource | None = None,
) -> Any:
    """The expectation value ``<ψ|O|ψ>`` (or ``Tr(rho O)`` under noise) of one or more observables.

    Parameters
    ----------
    circuit : Circuit
    observable : Pauli, PauliSum, label string, SparsePauliOp, or a list of them
        Labels in qiskit's order (rightmost character = qubit 0).
    params : None, ``(n_params,)``, ``(B, n_params)`` or mapping
    shots : int, optional
        Estimate from this many samples per measurement basis (Pauli strings
        measured in a shared basis share samples) instead of exactly.
    seed : int or numpy Generator, for ``shots``.
    noise : qml.noise.NoiseModel, optional
        Simulate the density matrix ``rho`` of the noisy circuit instead. Exact
        values are ``Tr(rho O)`` (readout errors do not enter); with ``shots``
        the samples are measurement outcomes, so readout errors do enter.

    Returns
    -------
    float, or an array of shape ``(B,)``, ``(n_obs,)`` or ``(B, n_obs)``; for a dask
    array of ``params``, a lazy dask array (see :mod:`qml.simulator.lazy`).
    """
    if lazy.is_lazy(params):  # a dask array: a lazy result, one task per block of rows
        return lazy.expectation(circuit, observable, params, shots=shots, seed=seed, noise=noise)
    observables, single = observable_list(observable)
    peak = PEAK_EXACT if shots is None else PEAK_SHOTS
    if noise is not None:
        rho, batched = final_density(circuit, noise, params, copies=peak)
        if shots is None:
            values = expectations_of_densities(rho, observables)
        else:
            values = estimate_from_density_shots(rho, observables, check_shots(shots), seed, noise)
        return shape_result(values, batched, single)
    states, batched = final_state(circuit, params, copies=peak)
    if shots is None:
        values = expectations_of_states(states, observables)
    else:
        values = estimate_from_shots(states, observables, check_shots(shots), seed)
    return shape_result(values, batched, single)


def shape_result(values: np.ndarray, batched: bool, single: bool) -> Any:
    """Drop the batch axis (unbatched) and the observable axis (one observable)."""
    if single:
        values = values[..., 0]
    if not batched:
        values = values[0]
        return float(values) if np.ndim(values) == 0 else values
    return values


#: Most shots one draw can take (numpy's multinomial counts in 64-bit integers).
MAX_SHOTS = 2**62


def check_shots(shots: Any) -> int:
    """``shots`` as a positive int up to ``MAX_SHOTS``, or a QmlError that says so."""
    if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)):
        raise QmlTypeError(f"shots must be a positive integer, got {shots!r}")
    if not 1 <= shots <= MAX_SHOTS:
        raise QmlValueError(f"shots must be a positive integer up to 2**62, got {shots!r}")
    return int(shots)


def random_generator(seed: Any) -> np.random.Generator:
    """A numpy Generator from ``seed``: None (fresh entropy), an int >= 0, or a Generator."""
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise QmlTypeError(
            f"seed must be None, a non-negative int or a numpy Generator, got {seed!r}"
        )
    if seed < 0:
        raise QmlValueError(f"seed must be a non-negative int, got {seed}")
    return np.random.default_rng(int(seed))


def _bases(labels: list[str]) -> list[tuple[str, list[int]]]:
    """Greedy groups of qubit-wise commuting labels: ``[(basis, term indices), ...]``."""
    groups: list[tuple[list[str], list[int]]] = []
    for t, label in enumerate(labels):
        for basis, members in groups:
            if all(a == "I" or b == "I" or a == b for a, b in zip(basis, label, strict=True)):
                for q, letter in enumerate(label):
                    if letter != "I":
                        basis[q] = letter
                members.append(t)
                break
        else:
            groups.append((list(label), [t]))
    return [("".join(basis), members) for basis, members in groups]


def estimate_from_shots(
    states: np.ndarray, observables: list[PauliSum], shots: int, seed: Any
) -> np.ndarray:
    """Expectation values estimated from ``shots`` samples per measurement basis."""

    def measured(rotation: Circuit) -> np.ndarray:
        rotated = states.copy()
        engine.evolve(rotated, rotation, {})
        return state_probabilities(rotated)  # the rotated copy is freed on return

    n = states.shape[1].bit_length() - 1
    return _estimate_in_bases(measured, n, states.shape[0], observables, shots, seed)


def estimate_from_density_shots(
    rho: np.ndarray, observables: list[PauliSum], shots: int, seed: Any, noise: NoiseSource
) -> np.ndarray:
    """As :func:`estimate_from_shots` for flattened density matrices ``(B, 4**n)``.

    The basis changes before measuring are ideal; the outcomes then go through
    ``noise``'s readout errors, as a device's would.
    """
    n = (rho.shape[1].bit_length() - 1) // 2

    def measured(rotation: Circuit) -> np.ndarray:
        rotated = rho.copy()
        evolve_density(rotated, rotation, {})
        return probabilities_from_density(rotated.reshape(-1, 1 << n, 1 << n), noise)

    return _estimate_in_bases(measured, n, rho.shape[0], observables, shots, seed)


def _estimate_in_bases(
    measured: Callable[[Circuit], np.ndarray],
    n: int,
    batch: int,
    observables: list[PauliSum],
    shots: int,
    seed: Any,
) -> np.ndarray:
    """Sample ``shots`` outcomes per shared measurement basis and average the signs.

    ``measured(rotation)`` gives the ``(B, 2**n)`` outcome probabilities after
    the basis-change circuit ``rotation``.
    """
    rng = random_generator(seed)
    table = TermTable.of(observables, n)
    values = np.empty((batch, len(table.labels)))
    for basis, members in _bases(table.labels):
        rotation = Circuit(n)
        for q, letter in enumerate(reversed(basis)):
            if letter == "X":
                rotation.h(q)
            elif letter == "Y":
                rotation.sdg(q).h(q)
        counts = draw_counts(measured(rotation), shots, rng)
        # at most ``shots`` outcomes per row were drawn: the signs are computed for those
        rows, outcomes = np.nonzero(counts)
        tallies = counts[rows, outcomes].astype(np.float64)
        del counts
        for t in members:
            support = table.x[t] | table.z[t]
            signs = 1 - 2 * (popcount(outcomes & support) & 1)
            values[:, t] = np.bincount(rows, weights=tallies * signs, minlength=batch) / shots
    return values @ table.coefficients


def state_probabilities(states: np.ndarray) -> np.ndarray:
    """``|ψ_i|**2`` per row, float64, with no temporary beyond the result."""
    probs = np.abs(states).astype(np.float64, copy=False)
    return np.square(probs, out=probs)


def draw_counts(probabilities: np.ndarray, shots: int, rng: np.random.Generator) -> np.ndarray:
    """Multinomial counts of ``shots`` draws per row of ``probabilities`` ``(B, K)``.

    The rows are normalised in place (rounding can leave them a hair off 1).
    """
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    return rng.multinomial(shots, probabilities)


def marginal(probs: np.ndarray, qubits: Sequence[int] | None) -> np.ndarray:
    """Marginal of ``(B, 2**n)`` probabilities on ``qubits`` (``qubits[0]`` least significant)."""
    n = probs.shape[1].bit_length() - 1
    if qubits is None:
        return probs
    if isinstance(qubits, np.ndarray) and qubits.ndim == 1:
        qubits = qubits.tolist()
    if not isinstance(qubits, (list, tuple, range)):
        raise QubitError(f"qubits must be a list of qubit indices, got {qubits!r}")
    qubits = list(qubits)
    for q in qubits:
        if isinstance(q, (bool, np.bool_)) or not isinstance(q, (int, np.integer)):
            raise QubitError(f"qubit indices must be integers; got {q!r}")
    qubits = [int(q) for q in qubits]
    for q in qubits:
        if not 0 <= q < n:
            raise QubitIndexError(f"qubit {q} is out of range for {n} qubit(s); valid indices "
                                  f"are 0 to {n - 1}")  # fmt: skip
    if len(set(qubits)) != len(qubits):
        raise QubitError(f"qubits {qubits} repeat a qubit; list each qubit once")
    tensor = probs.reshape(-1, *([2] * n))
    axes = [1 + (n - 1 - q) for q in qubits]
    kept = tensor.sum(axis=tuple(a for a in range(1, n + 1) if a not in axes))
    # remaining axes are in decreasing qubit order; put qubits[-1] first (most significant)
    order = sorted(axes)
    kept = np.moveaxis(kept, [1 + order.index(a) for a in reversed(axes)], range(1, len(axes) + 1))
    return kept.reshape(probs.shape[0], -1)


def probabilities(
    circuit: Circuit,
    qubits: Sequence[int] | None = None,
    params: Any = None,
    *,
    noise: NoiseSource | None = None,
) -> Any:
    """Measurement probabilities ``|ψ_i|**2``, or their marginal on ``qubits``.

    Shape ``(2**n,)`` (``(2**len(qubits),)`` for a marginal), with a leading batch
    axis for batched ``params``; order as ``Statevector.probabilities(qubits)``.
    With ``noise`` (a ``qml.noise.NoiseModel``): the diagonal of the noisy density
    matrix, then each qubit's readout error (the probabilities of what is read).
    A dask array of ``params`` gives a lazy dask array (see :mod:`qml.simulator.lazy`).
    """
    if lazy.is_lazy(params):  # a dask array: a lazy result, one task per block of rows
        return lazy.probabilities(circuit, qubits, params, noise=noise)
    if noise is not None:
        rho, batched = final_density(circuit, noise, params, copies=PEAK_PROBABILITIES)
        n = circuit.num_qubits
        probs = probabilities_from_density(rho.reshape(-1, 1 << n, 1 << n), noise, qubits)
        return probs if batched else probs[0]
    probs, batched = _final_probabilities(circuit, params)
    probs = marginal(probs, qubits)
    return probs if batched else probs[0]


def _final_probabilities(circuit: Circuit, params: Any) -> tuple[np.ndarray, bool]:
    """``(|ψ|**2 (B, 2**n), batched)``; the states are freed before this returns."""
    states, batched = final_state(circuit, params, copies=PEAK_PROBABILITIES)
    return state_probabilities(states), batched


def counts_from_probabilities(
    probs: np.ndarray, shots: int, seed: Any, circuit: Circuit
) -> list[dict[str, int]]:
    """One counts dictionary per row of ``(B, 2**n)`` probabilities, keyed like qiskit.

    ``probs`` is normalised in place. Keys are built from the outcomes drawn only
    (at most ``shots`` per row, however many qubits), with Python integers, so any
    classical bit index gives the right key.
    """
    rng = random_generator(seed)
    pairs = circuit.measurement_pairs
    places = None
    width = circuit.num_qubits
    if pairs:
        # a classical bit written by several measurements holds the last one, as in qiskit;
        # a qubit measured into several classical bits sets each of them
        writers = {clbit: q for q, clbit in pairs}
        qubits = list(dict.fromkeys(writers.values()))
        probs = marginal(probs, qubits)
        width = circuit.num_clbits
        places = [(clbit, qubits.index(q)) for clbit, q in writers.items()]
    counts = draw_counts(probs, shots, rng)
    rows, outcomes = np.nonzero(counts)
    tallies = counts[rows, outcomes]
    results: list[dict[str, int]] = [{} for _ in range(counts.shape[0])]
    del counts
    for row, outcome, tally in zip(rows.tolist(), outcomes.tolist(), tallies.tolist(), strict=True):
        key = outcome if places is None else sum(((outcome >> j) & 1) << c for c, j in places)
        text = format(key, f"0{width}b") if width else ""
        results[row][text] = results[row].get(text, 0) + tally
    return results


def sample(
    circuit: Circuit,
    shots: int,
    seed: Any = None,
    params: Any = None,
    *,
    noise: NoiseSource | None = None,
) -> Any:
    """Counts of ``shots`` measurements, keyed by qiskit's bit strings; zero counts omitted.

    Without ``measure`` instructions every qubit is measured (rightmost bit =
    qubit 0); with them, keys are the classical bits. A list of dictionaries,
    one per row, for batched ``params``. With ``noise`` (a
    ``qml.noise.NoiseModel``) outcomes are drawn from the noisy density matrix
    and read through the model's readout errors, as qiskit-aer does.
    """
    if not isinstance(circuit, Circuit):
        raise QmlTypeError(f"sample() needs a qml Circuit, got {type(circuit).__name__}")
    shots = check_shots(shots)
    if noise is not None:
        rho, batched = final_density(circuit, noise, params, copies=PEAK_PROBABILITIES)
        n = circuit.num_qubits
        probs = probabilities_from_density(rho.reshape(-1, 1 << n, 1 << n), noise)
        del rho
    else:
        probs, batched = _final_probabilities(circuit, params)
    results = counts_from_probabilities(probs, shots, seed, circuit)
    return results if batched else results[0]


__all__ = ["expectation", "probabilities", "sample"]
