"""Gradients of expectation values with respect to every circuit parameter.

``gradient(circuit, observable, params, method=...)`` returns ``d<O>/dp`` with
columns in ``circuit.parameters`` order (data inputs and weights alike):
shape ``(n_params,)``, ``(B, n_params)`` for a batch, and an extra observable
axis, ``(B, n_obs, n_params)``, for a list of observables. ``vjp`` returns the
values and a function that pulls a loss gradient back to the parameters
without building the Jacobian.

Methods:

* ``"adjoint"`` (default): one forward pass and one backward sweep over the
  gates (Jones and Gacon, 2020); the cost does not grow with the number of
  parameters beyond the per-gate work.
* ``"parameter-shift"``: ``dE/dθ = sum_r c_r E(θ + s_r)``, a general rule
  whose two-term setting serves Pauli rotations and phase gates and whose
  four-term setting serves controlled rotations; works with ``shots``.
* ``"finite-diff"``: central differences, for checking.

Gates are differentiated through their angles ("slots"); the chain rule then
carries each slot to the parameters its expression uses (``2*x + 1``,
products), summing shared parameters. Everything a method needs comes from
the gate: its generator (the adjoint overlap, and the shift rule its spectrum
implies, :mod:`qml.simulator.shift_rules`) and, for gates of several angles
(U, CU), its decomposition into one-parameter gates (``Gate.decompose``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from qml.circuits import Circuit, Parameter, ParameterVector
from qml.circuits.observables import PauliSum
from qml.errors import (
    OptionError,
    QmlTypeError,
    QmlValueError,
    ShapeError,
    UnsupportedOperationError,
    is_choice,
)
from qml.gates import Gate
from qml.simulator import engine, lazy
from qml.simulator.density import final_density
from qml.simulator.measure import (
    PEAK_EXACT,
    PEAK_SHOTS,
    TermTable,
    check_shots,
    estimate_from_density_shots,
    estimate_from_shots,
    expectations_of_densities,
    expectations_of_states,
    observable_list,
    random_generator,
    shape_result,
    term_values,
)
from qml.simulator.memory import check_fits
from qml.simulator.program import Bound, Program, compile_program
from qml.simulator.shift_rules import ShiftRule, rule_for
from qml.simulator.statevector import final_state, resolve_parameters

METHODS = ("adjoint", "parameter-shift", "finite-diff")
#: Default central-difference step: about the cube root of float64's epsilon.
FINITE_DIFF_STEP = 1e-6
#: Largest step: beyond, a central difference of periodic angles is no derivative at all.
MAX_FINITE_DIFF_STEP = 1.0


# -- the circuit that gradients differentiate ------------------------------------------


def expand(circuit: Circuit) -> Circuit:
    """``circuit`` with every gate of several angles replaced by its ``decompose()``.

    Remembered by the circuit. Gates that do not decompose stay; compiling the
    result for gradients then refuses them, naming the gate.
    """

    def build() -> Circuit:
        out = Circuit(circuit.num_qubits, circuit.global_phase)
        for gate, qubits in circuit:
            parts = gate.decompose() if gate.num_params > 1 else None
            if parts is None:
                out.append(gate, qubits)
                continue
            for part, local in parts:
                out.append(part, [qubits[j] for j in local])
        return out

    return circuit.derived("expanded", build)


def _gradient_program(circuit: Circuit, method: str) -> tuple[Circuit, Program]:
    expanded = expand(circuit)
    try:
        return expanded, compile_program(expanded, differentiable=True)
    except UnsupportedOperationError as error:
        raise UnsupportedOperationError(f"method={method!r}: {error}") from None


# -- running a program at given slot angles --------------------------------------------------------


def forward(program: Program, bound: Bound, batch: int, copies: float = 1.0) -> np.ndarray:
    """Final states ``(batch, 2**n)`` of ``program`` with numbers ``bound`` (no global phase).

    ``copies`` is the caller's peak memory in states; the memory guard reserves it.
    """
    backend = engine.get_backend()
    check_fits(program.num_qubits, batch, copies=copies + backend.workspace_copies)
    states = np.zeros((batch, 1 << program.num_qubits), dtype=np.complex128)
    states[:, 0] = 1
    backend.run(program, states, bound)
    return states


# -- chain rule ------------------------------------------------------------------------


def chain_rule(
    slot_grads: np.ndarray, program: Program, values: dict[Parameter, Any]
) -> np.ndarray:
    """``(..., n_slots)`` derivatives by slot angle -> ``(..., n_params)`` by parameter."""
    table = program.slots
    if table.identity:  # slot k is parameter k itself
        return slot_grads
    out = np.zeros((*slot_grads.shape[:-1], len(program.parameters)))
    if table.affine_index:
        contributions = slot_grads[..., table.affine_index] * table.affine_scale
        if len(set(table.affine_column)) == len(table.affine_column):
            out[..., table.affine_column] += contributions  # each parameter feeds one slot
        else:  # shared parameters: their slots' contributions sum
            one_hot = np.zeros((len(table.affine_index), len(program.parameters)))
            one_hot[np.arange(len(table.affine_index)), table.affine_column] = 1.0
            out += contributions @ one_hot
    columns = {p: i for i, p in enumerate(program.parameters)} if table.general_index else {}
    for s, expression in zip(table.general_index, table.general_expression, strict=True):
        for p in expression.parameters:
            derivative = np.asarray(expression.derivative(p).evaluate(values))
            factor = derivative.reshape(-1, *([1] * (slot_grads.ndim - 2)))
            out[..., columns[p]] += slot_grads[..., s] * factor
    return out


def circuit_order(expanded: Circuit, circuit: Circuit) -> np.ndarray:
    """Where each of ``circuit.parameters`` sits in ``expanded.parameters`` (-1: nowhere)."""
    position = {p: i for i, p in enumerate(expanded.parameters)}
    return np.array([position.get(p, -1) for p in circuit.parameters], dtype=np.int64)


def _to_circuit_order(grads: np.ndarray, expanded: Circuit, circuit: Circuit) -> np.ndarray:
    return _reorder(grads, circuit_order(expanded, circuit))


def _reorder(grads: np.ndarray, order: np.ndarray) -> np.ndarray:
    padded = np.concatenate([grads, np.zeros((*grads.shape[:-1], 1))], axis=-1)
    return padded[..., order]  # parameters only in the global phase get zeros (index -1)


# -- methods ---------------------------------------------------------------------------


def backward(
    program: Program, states: np.ndarray, bound: Bound, coefficients: np.ndarray,
    table: TermTable,
) -> np.ndarray:  # fmt: skip
    """The adjoint sweep: ``(B, K, n_slots)`` derivatives of ``K`` weighted observables.

    ``states`` are the final states (consumed); observable ``k`` of sample ``b``
    is ``sum_t coefficients[b, k, t] P_t``.
    """
    backend = engine.get_backend()
    lams = backend.apply_pauli_sums(states, coefficients, table.x, table.z, table.n_y)
    return backend.adjoint(program, states, lams, bound)


def _observable_coefficients(table: TermTable, batch: int) -> np.ndarray:
    return np.ascontiguousarray(
        np.broadcast_to(table.coefficients.T, (batch, *table.coefficients.T.shape))
    )


def _adjoint(circuit: Circuit, observables: list[PauliSum], values: dict, batch: int) -> np.ndarray:
    expanded, program = _gradient_program(circuit, "adjoint")
    bound = program.bind(program.angles(values))
    # the final states and one λ per observable
    states = forward(program, bound, batch, copies=1 + len(observables))
    table = TermTable.of(observables, circuit.num_qubits)
    slot_grads = backward(program, states, bound, _observable_coefficients(table, batch), table)
    return _to_circuit_order(chain_rule(slot_grads, program, values), expanded, circuit)


def gate_rule(gate: Gate) -> ShiftRule | None:
    """The shift rule of a one-parameter gate's angle, from its generator (None: unknown)."""
    generator = gate.generator()
    return None if generator is None else rule_for(generator)


def parameter_rules(gate: Gate) -> tuple[ShiftRule, ...] | None:
    """The shift rule of each of ``gate``'s angles, or None if one has none.

    A gate of several angles takes each angle's rule from the one-parameter gate
    of its ``decompose()`` that carries that angle alone (shifting an angle of U
    shifts that factor only).
    """
    if gate.num_params == 1:
        rule = gate_rule(gate)
        return None if rule is None else (rule,)
    symbols = ParameterVector("_angle", gate.num_params)
    parts = gate.with_params(*symbols).decompose()
    if parts is None:
        return None
    rules: list[ShiftRule | None] = [None] * gate.num_params
    for part, _ in parts:
        if part.num_params != 1:
            continue
        angle = part.params[0]
        affine = angle.affine() if hasattr(angle, "affine") else None
        if affine is not None and affine[1:] == (1.0, 0.0) and affine[0] in symbols.params:
            rules[symbols.params.index(affine[0])] = gate_rule(part)
    return None if any(rule is None for rule in rules) else tuple(rules)  # type: ignore[misc]


def _slot_circuit(circuit: Circuit, program: Program) -> Circuit:
    """``circuit`` with every gate angle ("slot") its own parameter, in slot order.

    Running it with the slot angles ``(rows, n_slots)`` as ``params`` runs the
    circuit with any one slot shifted: what parameter shift under noise needs,
    since the density-matrix path takes parameter values, not slot angles. The
    gates stay the circuit's own, so the noise model attaches the same channels.
    """

    def build() -> Circuit:
        slots = ParameterVector("slot", program.slots.count)
        out = Circuit(circuit.num_qubits)
        for g, (gate, qubits) in enumerate(circuit):
            first = int(program.gate_slot[g])
            out.append(gate.with_params(*slots[first : first + gate.num_params]), qubits)
        return out

    return circuit.derived("slot_circuit", build)


def _shift_terms(program: Program, method: str) -> list[tuple[int, float, float]]:
    """``(slot, coefficient, shift)`` of every term of every parameter-dependent slot."""
    depends = set(program.slots.varying)
    terms = []
    for g, gate in enumerate(program.gates):
        if not gate.num_params:
            continue
        rules = parameter_rules(gate)
        if rules is None:
            raise UnsupportedOperationError(
                f"method={method!r} cannot differentiate through the gate "
                f"{type(gate).__name__} ({gate.name!r}): it has no generator (or no "
                "decomposition into gates that have one), so qml knows no shift rule for it. "
                "Use method='finite-diff', which works for any gate"
            )
        for j, rule in enumerate(rules):
            slot = int(program.gate_slot[g]) + j
            if slot in depends:
                terms.extend((slot, c, shift) for c, shift in rule)
    return terms


def _parameter_shift(
    circuit: Circuit, observables: list[PauliSum], values: dict, batch: int,
    shots: int | None, seed: Any, noise: Any = None,
) -> np.ndarray:  # fmt: skip
    """``dE/dp`` by the shift rules, on state vectors or (``noise``) density matrices.

    Under noise the circuit's own gates are shifted (channels attach to them by
    name); without, the expanded circuit's one-parameter gates.
    """
    circuit_used = circuit if noise is not None else expand(circuit)
    program = compile_program(circuit_used)
    table = program.slots
    angles = np.broadcast_to(program.angles(values), (batch, table.count))
    shifts = _shift_terms(program, "parameter-shift")
    rng = random_generator(seed)
    slot_grads = np.zeros((batch, len(observables), table.count))
    # a density matrix holds 4**n numbers, a state 2**n
    size = 1 << (circuit.num_qubits * (1 if noise is None else 2))
    chunk = max(1, (1 << 20) // (batch * size))  # shifted circuits per pass: about 16 MiB
    for start in range(0, len(shifts), chunk):
        part = shifts[start : start + chunk]
        shifted = np.repeat(angles[None], len(part), axis=0)
        for r, (s, _, shift) in enumerate(part):
            shifted[r, :, s] += shift
        rows = shifted.reshape(-1, table.count)
        if noise is None:
            peak = PEAK_EXACT if shots is None else PEAK_SHOTS
            states = forward(program, program.bind(rows), rows.shape[0], copies=peak)
            if shots is None:
                energies = expectations_of_states(states, observables)
            else:
                energies = estimate_from_shots(states, observables, shots, rng)
        else:
            peak = PEAK_EXACT if shots is None else PEAK_SHOTS
            rho, _ = final_density(_slot_circuit(circuit, program), noise, rows, copies=peak)
            if shots is None:
                energies = expectations_of_densities(rho, observables)
            else:
                energies = estimate_from_density_shots(rho, observables, shots, rng, noise)
        energies = energies.reshape(len(part), batch, -1)
        for r, (s, c, _) in enumerate(part):
            slot_grads[:, :, s] += c * energies[r]
    return _to_circuit_order(chain_rule(slot_grads, program, values), circuit_used, circuit)


def _finite_diff(
    circuit: Circuit, observables: list[PauliSum], values: dict, batch: int,
    shots: int | None, seed: Any, step: float, noise: Any = None,
) -> np.ndarray:  # fmt: skip
    parameters = circuit.parameters
    base = np.empty((batch, len(parameters)))
    for column, p in enumerate(parameters):
        base[:, column] = values[p]
    shifted = np.repeat(base[None, None], 2, axis=0).repeat(len(parameters), axis=1)
    for column in range(len(parameters)):
        shifted[0, column, :, column] += step
        shifted[1, column, :, column] -= step
    rows = shifted.reshape(-1, len(parameters))
    peak = PEAK_EXACT if shots is None else PEAK_SHOTS
    if noise is None:
        states, _ = final_state(circuit, rows, copies=peak)
        if shots is None:
            energies = expectations_of_states(states, observables)
        else:
            energies = estimate_from_shots(states, observables, shots, seed)
    else:
        rho, _ = final_density(circuit, noise, rows, copies=peak)
        if shots is None:
            energies = expectations_of_densities(rho, observables)
        else:
            rng = random_generator(seed)
            energies = estimate_from_density_shots(rho, observables, shots, rng, noise)
    energies = energies.reshape(2, len(parameters), batch, -1)
    return np.moveaxis((energies[0] - energies[1]) / (2 * step), 0, -1)


# -- public entry points ---------------------------------------------------------------


def gradient(
    circuit: Circuit,
    observable: Any,
    params: Any = None,
    *,
    method: str | None = None,
    shots: int | None = None,
    seed: Any = None,
    step: float = FINITE_DIFF_STEP,
    noise: Any = None,
) -> np.ndarray:
    """``d<O>/dp`` for every circuit parameter ``p`` (columns in ``circuit.parameters`` order).

    Parameters
    ----------
    circuit : Circuit
    observable : one observable or a list (Pauli, PauliSum, label, SparsePauliOp)
    params : ``(n_params,)``, ``(B, n_params)`` or a mapping
    method : "adjoint", "parameter-shift" or "finite-diff"
        Default: "adjoint", or "parameter-shift" under ``noise`` (the adjoint
        method needs a pure state).
    shots : int, optional
        Estimate each expectation from samples (parameter-shift, finite-diff).
    seed : int or numpy Generator, for ``shots``.
    step : float
        Central-difference step of "finite-diff".
    noise : qml.noise.NoiseModel, optional
        Differentiate ``Tr(rho O)`` of the noisy density matrix ``rho`` (see
        ``qml.expectation(..., noise=)``): parameter shift is exact under noise,
        since channels do not depend on the parameters.

    Returns
    -------
    ndarray of shape ``(n_params,)``, ``(B, n_params)``, ``(n_obs, n_params)`` or
    ``(B, n_obs, n_params)``; for a dask array of ``params``, a lazy dask array (see
    :mod:`qml.simulator.lazy`).
    """
    if lazy.is_lazy(params):  # a dask array: a lazy result, one task per block of rows
        return lazy.gradient(circuit, observable, params, method=method, shots=shots,
                             seed=seed, step=step, noise=noise)  # fmt: skip
    observables, single = observable_list(observable)
    values, batch = resolve_parameters(circuit, params)
    rows = batch or 1
    method = _check_method(method, METHODS, noise, "gradient")
    if shots is not None:
        shots = check_shots(shots)
        if method == "adjoint":
            raise QmlValueError(
                "the adjoint method needs the exact state, not shots; use "
                "method='parameter-shift' to differentiate from samples"
            )
    if isinstance(step, bool) or not isinstance(step, (int, float, np.integer, np.floating)):
        raise QmlTypeError(f"step must be a number, got {step!r}")
    if not 0 < step <= MAX_FINITE_DIFF_STEP:
        raise QmlValueError(
            f"step must be positive and at most {MAX_FINITE_DIFF_STEP:g} (angles are "
            f"periodic), got {step!r}; the default {FINITE_DIFF_STEP:g} suits most circuits"
        )
    if method == "adjoint":
        grads = _adjoint(circuit, observables, values, rows)
    elif method == "parameter-shift":
        grads = _parameter_shift(circuit, observables, values, rows, shots, seed, noise)
    else:
        grads = _finite_diff(circuit, observables, values, rows, shots, seed, step, noise)
    return _shape_gradient(grads, batch is not None, single)


def _check_method(method: str | None, allowed: tuple[str, ...], noise: Any, what: str) -> str:
    """The gradient method ``what`` uses: ``method``, or the default for pure or noisy states."""
    if method is None:
        return "adjoint" if noise is None else "parameter-shift"
    if not is_choice(method, allowed):
        choices = ", ".join(map(repr, allowed[:-1])) + f" or {allowed[-1]!r}"
        raise OptionError(
            f"unknown gradient method {method!r} for {what}; {what} supports {choices}, "
            f"not {method!r}"
        )
    if method == "adjoint" and noise is not None:
        raise QmlValueError(
            "the adjoint method needs a pure state and cannot differentiate under noise; "
            "use method='parameter-shift' (exact under noise) or leave method unset"
        )
    return method


def grad_outputs_array(grad_outputs: Any, shape: tuple[int, ...]) -> np.ndarray:
    """``dL/d values`` as a finite float64 array of ``shape``, else a QmlError saying why."""
    try:
        weights = np.asarray(grad_outputs)
    except (TypeError, ValueError):
        raise QmlTypeError(
            f"grad_outputs must be an array of real numbers of shape {shape}"
        ) from None
    if weights.dtype.kind not in "iuf":
        raise QmlTypeError(
            f"grad_outputs must hold real numbers, got dtype {weights.dtype}; "
            f"pass dL/d(values) as a float array of shape {shape}"
        )
    if weights.shape != tuple(shape):
        raise ShapeError(
            f"grad_outputs must have the shape of the values, {tuple(shape)}; got {weights.shape}"
        )
    weights = weights.astype(np.float64, copy=False)
    if not np.isfinite(weights).all():
        raise QmlValueError("grad_outputs holds NaN or infinity; pass finite dL/d(values)")
    return weights


def _shape_gradient(grads: np.ndarray, batched: bool, single: bool) -> np.ndarray:
    """``(B, K, P)`` -> without the batch axis (unbatched) or the observable axis (one)."""
    if single:
        grads = grads[:, 0]
    return grads if batched else grads[0]


class ExpectationFunction:
    """A circuit and observables as a function ``params (B, n_params) -> <O_k> (B, K)``.

    Compiled once (the differentiable program, the observables' Pauli terms, the
    chain-rule map) and then called many times, as a training loop does:
    ``f(params)`` gives the values, ``f.vjp(params)`` the values and a pullback
    ``(B, K) -> (B, n_params)`` computed by one adjoint sweep for all observables.
    Columns of ``params`` follow ``circuit.parameters``.
    """

    def __init__(self, circuit: Circuit, observables: Any) -> None:
        self.circuit = circuit
        self.observables, self.single = observable_list(observables)
        self.expanded, self.program = _gradient_program(circuit, "adjoint")
        self.table = TermTable.of(self.observables, circuit.num_qubits)
        position = {p: i for i, p in enumerate(circuit.parameters)}
        self._columns = [position[p] for p in self.program.parameters]
        if self._columns == list(range(len(circuit.parameters))):
            self._columns = None  # the same order: no gather
        order = circuit_order(self.expanded, circuit)
        self._order = None if np.array_equal(order, np.arange(len(order))) else order

    def _angles(self, params: np.ndarray) -> tuple[np.ndarray, dict[Parameter, Any]]:
        params = np.asarray(params, dtype=np.float64)
        if params.ndim != 2 or params.shape[1] != len(self.circuit.parameters):
            raise ShapeError(
                f"expected params of shape (B, {len(self.circuit.parameters)}) in "
                f"circuit.parameters order, got {params.shape}"
            )
        matrix = params if self._columns is None else params[:, self._columns]
        values = {}
        if self.program.slots.general_index:  # only polynomial slots read values by name
            values = {p: matrix[:, i] for i, p in enumerate(self.program.parameters)}
        return self.program.slots.angles(matrix, values), values

    def __call__(self, params: Any, shots: int | None = None, seed: Any = None) -> np.ndarray:
        """``<O_k>`` for every row of ``params``: shape ``(B, K)`` (estimated from ``shots``)."""
        angles, _ = self._angles(params)
        peak = PEAK_EXACT if shots is None else PEAK_SHOTS
        states = forward(self.program, self.program.bind(angles), angles.shape[0], copies=peak)
        if shots is not None:
            return estimate_from_shots(states, self.observables, check_shots(shots), seed)
        return term_values(states, self.table) @ self.table.coefficients

    def vjp(self, params: Any) -> tuple[np.ndarray, Callable[[Any], np.ndarray]]:
        """``(values (B, K), pullback)``; ``pullback(dL/dvalues (B, K)) -> dL/dparams (B, P)``."""
        angles, values = self._angles(params)
        rows = angles.shape[0]
        bound = self.program.bind(angles)
        # the final states stay for the pullback, which sweeps a copy and one λ
        final = forward(self.program, bound, rows, copies=3)
        energies = term_values(final, self.table) @ self.table.coefficients

        def pullback(grad_outputs: Any) -> np.ndarray:
            weights = grad_outputs_array(grad_outputs, energies.shape)
            coefficients = np.ascontiguousarray((weights @ self.table.coefficients.T)[:, None, :])
            slot_grads = backward(self.program, final.copy(), bound, coefficients, self.table)
            grads = chain_rule(slot_grads[:, 0], self.program, values)
            return grads if self._order is None else _reorder(grads, self._order)

        return energies, pullback


def vjp(
    circuit: Circuit,
    observables: Any,
    params: Any = None,
    *,
    method: str | None = None,
    noise: Any = None,
) -> tuple[np.ndarray, Callable[[Any], np.ndarray]]:
    """``(values, pullback)``: expectation values and their vector-Jacobian product.

    ``values`` has the shape ``expectation`` gives. ``pullback(grad_outputs)``,
    with ``grad_outputs`` shaped like ``values`` (``dL/d values``), returns
    ``dL/d params`` shaped like ``params`` (``(n_params,)`` or ``(B, n_params)``).
    With the adjoint method (the default without ``noise``) one backward sweep
    serves all observables at once: it differentiates the single observable
    ``sum_k grad_outputs[k] O_k``. Under ``noise`` (a ``qml.noise.NoiseModel``)
    the values are ``Tr(rho O_k)`` and the method is parameter shift. For a dask array
    of ``params`` the values and the gradients are lazy dask arrays (see
    :mod:`qml.simulator.lazy`).
    """
    if lazy.is_lazy(params):  # a dask array: lazy values, a pullback of lazy gradients
        return lazy.vjp(circuit, observables, params, method=method, noise=noise)
    observable_items, single = observable_list(observables)
    values, batch = resolve_parameters(circuit, params)
    rows = batch or 1
    method = _check_method(method, ("adjoint", "parameter-shift"), noise, "vjp")
    matrix = np.empty((rows, circuit.num_parameters))
    for column, p in enumerate(circuit.parameters):
        matrix[:, column] = values[p]
    if method == "adjoint":
        energies, pull = ExpectationFunction(circuit, observable_items).vjp(matrix)
    elif noise is None:
        states, _ = final_state(circuit, params)
        energies = expectations_of_states(states, observable_items)
    else:
        rho, _ = final_density(circuit, noise, params)
        energies = expectations_of_densities(rho, observable_items)
    result = shape_result(energies, batch is not None, single)

    def pullback(grad_outputs: Any) -> np.ndarray:
        weights = grad_outputs_array(grad_outputs, np.shape(result))
        weights = weights.reshape(rows, len(observable_items))
        if method == "parameter-shift":
            jacobian = _parameter_shift(circuit, observable_items, values, rows, None, None, noise)
            grads = np.einsum("bk,bkp->bp", weights, jacobian)
        else:
            grads = pull(weights)
        return grads if batch is not None else grads[0]

    return result, pullback
