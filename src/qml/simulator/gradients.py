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
products), summing shared parameters. U and CU are first rewritten exactly as
one-parameter gates: ``U(θ, φ, λ) = P(φ) RY(θ) P(λ)``, and CU adds ``P(γ)`` on
its control.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from qml.circuits import Circuit, Parameter, ParameterVector
from qml.circuits.observables import PauliSum
from qml.errors import OptionError, QmlValueError, ShapeError, UnsupportedOperationError
from qml.gates import CRY, RY, STANDARD_GATES, CPhase, Gate, Phase, Unitary
from qml.simulator import engine
from qml.simulator.density import final_density
from qml.simulator.measure import (
    TermTable,
    check_shots,
    estimate_from_density_shots,
    estimate_from_shots,
    expectations_of_densities,
    expectations_of_states,
    observable_list,
    shape_result,
    term_values,
)
from qml.simulator.memory import check_fits
from qml.simulator.program import Program, compile_program
from qml.simulator.statevector import final_state, resolve_parameters

METHODS = ("adjoint", "parameter-shift", "finite-diff")

#: A shift rule: ``dE/dθ = sum of coefficient * E(θ + shift)``.
ShiftRule = tuple[tuple[float, float], ...]
TWO_TERM: ShiftRule = ((0.5, np.pi / 2), (-0.5, -np.pi / 2))
_C1, _C2 = (np.sqrt(2) + 1) / (4 * np.sqrt(2)), (np.sqrt(2) - 1) / (4 * np.sqrt(2))
FOUR_TERM: ShiftRule = (
    (_C1, np.pi / 2),
    (-_C1, -np.pi / 2),
    (-_C2, 3 * np.pi / 2),
    (_C2, -3 * np.pi / 2),
)
#: The rule each gate's angle needs, from its generator's spectrum: Pauli strings and
#: phases have one frequency (two terms); controlled rotations have two (four terms).
SHIFT_RULES: dict[str, ShiftRule] = {
    **dict.fromkeys(("rx", "ry", "rz", "p", "rxx", "ryy", "rzz", "rzx", "cp"), TWO_TERM),
    **dict.fromkeys(("crx", "cry", "crz"), FOUR_TERM),
}
#: Default central-difference step: about the cube root of float64's epsilon.
FINITE_DIFF_STEP = 1e-6


# -- the circuit that gradients differentiate ------------------------------------------


def expand(circuit: Circuit) -> Circuit:
    """``circuit`` with U and CU rewritten as one-parameter gates (cached on the circuit)."""
    cached = circuit._derived.get("expanded")
    if cached is not None:
        return cached
    out = Circuit(circuit.num_qubits, circuit.global_phase)
    for gate, qubits in circuit:
        if gate.name == "u":
            theta, phi, lam = gate.params
            out.append(Phase(lam), qubits).append(RY(theta), qubits).append(Phase(phi), qubits)
        elif gate.name == "cu":
            theta, phi, lam, gamma = gate.params
            out.append(CPhase(lam), qubits).append(CRY(theta), qubits)
            out.append(CPhase(phi), qubits).append(Phase(gamma), qubits[:1])
        else:
            out.append(gate, qubits)
    circuit._derived["expanded"] = out
    return out


def _gradient_program(circuit: Circuit, method: str) -> tuple[Circuit, Program]:
    expanded = expand(circuit)
    for gate, _ in expanded:
        known = type(gate) is STANDARD_GATES.get(gate.name) or isinstance(gate, Unitary)
        if not known or (gate.num_params and gate.name not in SHIFT_RULES):
            raise UnsupportedOperationError(
                f"method={method!r} cannot differentiate through the gate "
                f"{type(gate).__name__}: qml knows no generator or shift rule for it. "
                "Use method='finite-diff', which works for any gate, or build the gate "
                "from standard rotations"
            )
    return expanded, compile_program(expanded, differentiable=True)


# -- running a program at given slot angles (either backend) ---------------------------------------


def execute(
    program: Program, states: np.ndarray, angles: np.ndarray, phases: np.ndarray | None = None
) -> None:
    """Run ``program`` on ``states`` with slot ``angles`` ``(Bp, n_slots)``, in place.

    ``phases`` are the angles' ``exp(iθ/2)`` if the caller has them already.
    """
    if engine.get_backend() == "numba":
        engine.run_fused(
            program, states, program.phases(angles=angles) if phases is None else phases
        )
        return
    for i, gate in enumerate(program.gates):
        _numpy_gate(program, i, gate, angles).apply(states, program.qubits[i, : program.arity[i]])


def _numpy_gate(program: Program, i: int, gate: Any, angles: np.ndarray) -> Any:
    if not gate.num_params:
        return gate
    first = program.slot[i]
    columns = angles[:, first : first + gate.num_params]
    return gate.with_params(*(c if c.shape[0] > 1 else float(c[0]) for c in columns.T))


def forward(
    program: Program, angles: np.ndarray, batch: int, phases: np.ndarray | None = None
) -> np.ndarray:
    """Final states ``(batch, 2**n)`` of ``program`` at slot ``angles`` (global phase left out)."""
    check_fits(program.num_qubits, batch, copies=2 + engine.workspace_copies())
    states = np.zeros((batch, 1 << program.num_qubits), dtype=np.complex128)
    states[:, 0] = 1
    execute(program, states, angles, phases)
    return states


# -- chain rule ------------------------------------------------------------------------


def chain_rule(
    slot_grads: np.ndarray, program: Program, values: dict[Parameter, Any]
) -> np.ndarray:
    """``(..., n_slots)`` derivatives by slot angle -> ``(..., n_params)`` by parameter."""
    table = program.slots
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


def _pauli_overlap(bra: np.ndarray, ket: np.ndarray, on: int, x: int, z: int, n_y: int) -> Any:
    """``<bra|G|ket>`` per row, numpy path (see ``kernels._overlap``)."""
    from qml.circuits.observables import popcount

    index = np.arange(ket.shape[-1])
    weights = np.where(index & on == on, 1 - 2 * (popcount(index & z) & 1), 0)
    return np.sum(bra[:, index ^ x].conj() * weights * ket, axis=-1) * 1j**n_y


def _apply_pauli_sums(states: np.ndarray, coefficients: np.ndarray, table: TermTable) -> np.ndarray:
    """``lams[b, k] = sum_t coefficients[b, k, t] P_t states[b]``."""
    batch, size = states.shape
    lams = np.empty((batch, coefficients.shape[1], size), dtype=np.complex128)
    if engine.get_backend() == "numba":
        from qml.simulator import kernels

        masks = (table.x, table.z, table.n_y)
        work = lams.size * len(table.labels)
        engine.map_rows(kernels.apply_pauli_sum, (states, lams, coefficients), masks, work=work)
        return lams
    from qml.circuits.observables import popcount

    index = np.arange(size)
    lams[:] = 0
    for t in range(len(table.labels)):
        signs = 1 - 2 * (popcount(index & table.z[t]) & 1)
        term = (states * signs * 1j ** table.n_y[t])[:, None, :] * coefficients[:, :, t, None]
        lams[:, :, index ^ table.x[t]] += term
    return lams


def backward(
    program: Program, states: np.ndarray, angles: np.ndarray, coefficients: np.ndarray,
    table: TermTable, phases: np.ndarray | None = None,
) -> np.ndarray:  # fmt: skip
    """The adjoint sweep: ``(B, K, n_slots)`` derivatives of ``K`` weighted observables.

    ``states`` are the final states (consumed); observable ``k`` of sample ``b``
    is ``sum_t coefficients[b, k, t] P_t``.
    """
    batch = states.shape[0]
    lams = _apply_pauli_sums(states, coefficients, table)
    out = np.zeros((batch, lams.shape[1], program.slots.count))
    if engine.get_backend() == "numba":
        from qml.simulator import kernels

        generators = (program.gen_on, program.gen_x, program.gen_z, program.gen_y,
                      program.gen_factor, program.gen_slot)  # fmt: skip
        phases = program.phases(angles=angles) if phases is None else phases
        engine.map_rows(kernels.adjoint_rows, (states, lams, phases, out),
                        (program.varying_ops(phases), program.num_qubits,
                         *program.kernel_arrays(), *generators),
                        work=lams.size * len(program.code))  # fmt: skip
        return out
    lams = np.ascontiguousarray(lams.transpose(1, 0, 2))  # (K, B, N): each k contiguous
    for i in range(len(program.code) - 1, -1, -1):
        s = program.gen_slot[i]
        if s >= 0:
            gen = (program.gen_on[i], program.gen_x[i], program.gen_z[i], program.gen_y[i])
            for k in range(lams.shape[0]):
                out[:, k, s] += program.gen_factor[i] * _pauli_overlap(lams[k], states, *gen).imag
        inverse = _numpy_gate(program, i, program.gates[i], angles).inverse()
        qubits = program.qubits[i, : program.arity[i]]
        inverse.apply(states, qubits)
        for k in range(lams.shape[0]):
            inverse.apply(lams[k], qubits)
    return out


def _observable_coefficients(table: TermTable, batch: int) -> np.ndarray:
    return np.ascontiguousarray(
        np.broadcast_to(table.coefficients.T, (batch, *table.coefficients.T.shape))
    )


def _adjoint(circuit: Circuit, observables: list[PauliSum], values: dict, batch: int) -> np.ndarray:
    expanded, program = _gradient_program(circuit, "adjoint")
    angles = program.angles(values)
    states = forward(program, angles, batch)
    table = TermTable.of(observables, circuit.num_qubits)
    slot_grads = backward(program, states, angles, _observable_coefficients(table, batch), table)
    return _to_circuit_order(chain_rule(slot_grads, program, values), expanded, circuit)


def _parameter_rules(gate: Gate) -> tuple[ShiftRule, ...] | None:
    """The shift rule of each of ``gate``'s angles, or None if one has none.

    U and CU take each angle's rule from the one-parameter gate that carries it in
    their expansion (``expand``): shifting an angle of U shifts that factor alone.
    """
    if gate.name == "u":
        return (TWO_TERM,) * 3
    if gate.name == "cu":
        return (FOUR_TERM, TWO_TERM, TWO_TERM, TWO_TERM)
    rule = SHIFT_RULES.get(gate.name)
    return None if rule is None else (rule,) * gate.num_params


def _slot_circuit(circuit: Circuit, program: Program) -> Circuit:
    """``circuit`` with every gate angle ("slot") its own parameter, in slot order.

    Running it with the slot angles ``(rows, n_slots)`` as ``params`` runs the
    circuit with any one slot shifted: what parameter shift under noise needs,
    since the density-matrix path takes parameter values, not slot angles. The
    gates stay the circuit's own, so the noise model attaches the same channels.
    """
    cached = circuit._derived.get("slot_circuit")
    if cached is not None:
        return cached
    slots = ParameterVector("slot", program.slots.count)
    out = Circuit(circuit.num_qubits)
    for i, (gate, qubits) in enumerate(circuit):
        first = int(program.slot[i])
        out.append(gate.with_params(*slots[first : first + gate.num_params]), qubits)
    circuit._derived["slot_circuit"] = out
    return out


def _shift_terms(program: Program) -> list[tuple[int, float, float]]:
    """``(slot, coefficient, shift)`` of every term of every parameter-dependent slot."""
    table = program.slots
    depends = set(table.affine_index + table.general_index)
    terms = []
    for i, gate in enumerate(program.gates):
        rules = _parameter_rules(gate) if gate.num_params else ()
        if rules is None:
            raise UnsupportedOperationError(
                f"method='parameter-shift' cannot differentiate through the gate "
                f"{type(gate).__name__}: qml knows no shift rule for it. Use "
                "method='finite-diff', which works for any gate"
            )
        for j, rule in enumerate(rules):
            slot = int(program.slot[i]) + j
            if slot in depends:
                terms.extend((slot, c, shift) for c, shift in rule)
    return terms


def _parameter_shift(
    circuit: Circuit, observables: list[PauliSum], values: dict, batch: int,
    shots: int | None, seed: Any, noise: Any = None,
) -> np.ndarray:  # fmt: skip
    """``dE/dp`` by the shift rules, on state vectors or (``noise``) density matrices."""
    if noise is None:
        expanded, program = _gradient_program(circuit, "parameter-shift")
    else:  # noise attaches to the circuit's own gates: no expansion
        expanded, program = circuit, compile_program(circuit)
    table = program.slots
    angles = np.broadcast_to(program.angles(values), (batch, table.count))
    shifts = _shift_terms(program)
    rng = np.random.default_rng(seed)
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
            states = forward(program, rows, rows.shape[0])
            if shots is None:
                energies = expectations_of_states(states, observables)
            else:
                energies = estimate_from_shots(states, observables, shots, rng)
        else:
            rho, _ = final_density(_slot_circuit(circuit, program), noise, rows)
            if shots is None:
                energies = expectations_of_densities(rho, observables)
            else:
                energies = estimate_from_density_shots(rho, observables, shots, rng, noise)
        energies = energies.reshape(len(part), batch, -1)
        for r, (s, c, _) in enumerate(part):
            slot_grads[:, :, s] += c * energies[r]
    return _to_circuit_order(chain_rule(slot_grads, program, values), expanded, circuit)


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
    if noise is None:
        states, _ = final_state(circuit, rows)
        if shots is None:
            energies = expectations_of_states(states, observables)
        else:
            energies = estimate_from_shots(states, observables, shots, seed)
    else:
        rho, _ = final_density(circuit, noise, rows)
        if shots is None:
            energies = expectations_of_densities(rho, observables)
        else:
            rng = np.random.default_rng(seed)
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
    ``(B, n_obs, n_params)``.
    """
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
    if not step > 0:
        raise QmlValueError(f"step must be positive, got {step!r}")
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
    if method not in allowed:
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
        self._order = circuit_order(self.expanded, circuit)

    def _angles(self, params: np.ndarray) -> tuple[np.ndarray, dict[Parameter, Any]]:
        params = np.asarray(params, dtype=np.float64)
        if params.ndim != 2 or params.shape[1] != len(self.circuit.parameters):
            raise ShapeError(
                f"expected params of shape (B, {len(self.circuit.parameters)}) in "
                f"circuit.parameters order, got {params.shape}"
            )
        matrix = params[:, self._columns]
        values = {}
        if self.program.slots.general_index:  # only polynomial slots read values by name
            values = {p: matrix[:, i] for i, p in enumerate(self.program.parameters)}
        return self.program.slots.angles(matrix, values), values

    def __call__(self, params: Any, shots: int | None = None, seed: Any = None) -> np.ndarray:
        """``<O_k>`` for every row of ``params``: shape ``(B, K)`` (estimated from ``shots``)."""
        angles, _ = self._angles(params)
        states = forward(self.program, angles, angles.shape[0])
        if shots is not None:
            return estimate_from_shots(states, self.observables, check_shots(shots), seed)
        return term_values(states, self.table) @ self.table.coefficients

    def vjp(self, params: Any) -> tuple[np.ndarray, Callable[[Any], np.ndarray]]:
        """``(values (B, K), pullback)``; ``pullback(dL/dvalues (B, K)) -> dL/dparams (B, P)``."""
        angles, values = self._angles(params)
        rows = angles.shape[0]
        phases = self.program.phases(angles=angles) if engine.get_backend() == "numba" else None
        final = forward(self.program, angles, rows, phases)
        energies = term_values(final, self.table) @ self.table.coefficients

        def pullback(grad_outputs: Any) -> np.ndarray:
            weights = np.asarray(grad_outputs, dtype=np.float64)
            if weights.shape != energies.shape:
                raise ShapeError(f"grad_outputs must have shape {energies.shape}, got "
                                 f"{weights.shape}")  # fmt: skip
            coefficients = np.ascontiguousarray((weights @ self.table.coefficients.T)[:, None, :])
            slot_grads = backward(self.program, final.copy(), angles, coefficients, self.table,
                                  phases)  # fmt: skip
            return _reorder(chain_rule(slot_grads[:, 0], self.program, values), self._order)

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
    the values are ``Tr(rho O_k)`` and the method is parameter shift.
    """
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
        weights = np.asarray(grad_outputs, dtype=np.float64)
        if weights.shape != np.shape(result):
            raise ShapeError(f"grad_outputs must have the shape of the values, {np.shape(result)}; "
                             f"got {weights.shape}")  # fmt: skip
        weights = weights.reshape(rows, len(observable_items))
        if method == "parameter-shift":
            jacobian = _parameter_shift(circuit, observable_items, values, rows, None, None, noise)
            grads = np.einsum("bk,bkp->bp", weights, jacobian)
        else:
            grads = pull(weights)
        return grads if batch is not None else grads[0]

    return result, pullback
