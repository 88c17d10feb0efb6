"""``AerBackend``: run a qml circuit on qiskit-aer, with results shaped as qml's own.

The circuit goes through ``Circuit.to_qiskit()`` unchanged (gates Aer's chosen
method lacks run as their matrices), and a
whole batch of parameter rows is one Aer job: one circuit with
``parameter_binds``, one experiment per row. Results follow qml's conventions,
which are qiskit's: qubit ``q`` is bit ``q`` of an index (little-endian), count
keys have qubit (or classical bit) 0 rightmost, and a batch adds a leading axis
(counts: a list of dictionaries).

qiskit and qiskit-aer are imported when a backend is made, not with ``qml``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from qml.circuits import Circuit
from qml.errors import (
    OptionError,
    QmlTypeError,
    QubitError,
    QubitIndexError,
    ShapeError,
    UnsupportedOperationError,
    is_choice,
)
from qml.noise import NoiseModel
from qml.simulator.measure import TermTable, check_shots, observable_list, shape_result
from qml.simulator.statevector import global_phase_factor, resolve_parameters

if TYPE_CHECKING:
    import qiskit_aer.noise
    from qiskit.result import Result

METHODS = ("statevector", "density_matrix", "automatic")


class AerBackend:
    """Runs qml circuits on ``qiskit_aer.AerSimulator`` and returns qml-shaped results.

    Parameters
    ----------
    method : {"automatic", "statevector", "density_matrix"}
        Aer's simulation method. ``"automatic"`` takes ``"density_matrix"`` when the
        noise model has quantum errors and ``"statevector"`` otherwise (decided
        here, so that the exact results below are exact).
    shots : int, optional
        Default number of shots for :meth:`sample`. Exact quantities (state,
        density matrix, probabilities, expectations) ignore it.
    seed : int or numpy Generator, optional
        ``seed_simulator`` of every job (a Generator draws a fresh one per job).
    noise_model : qml.noise.NoiseModel or qiskit_aer.noise.NoiseModel, optional
        A qml model is converted with ``to_qiskit()``. Quantum errors act in every
        method; readout errors act only on measurements, i.e. on :meth:`sample`.
    **options
        Passed to ``AerSimulator`` (e.g. ``max_parallel_threads``). With a noise
        model, ``fusion_enable`` defaults to False, so Aer applies each error
        after exactly the gate qml applies it after.

    Notes
    -----
    Every call is one Aer job; ``last_result`` holds its ``qiskit.result.Result``.

    Examples
    --------
    ::

        backend = AerBackend(noise_model=model, shots=4000, seed=1)
        backend.expectation(circuit, Pauli("ZZ"), params=rows)   # (B,), exact Tr(rho ZZ)
        backend.sample(circuit, params=rows)                    # B counts dictionaries
    """

    def __init__(
        self,
        method: str = "automatic",
        shots: int | None = None,
        seed: Any = None,
        noise_model: Any = None,
        **options: Any,
    ) -> None:
        if not is_choice(method, METHODS):
            raise OptionError(f"unknown Aer method {method!r}; choose one of {METHODS}")
        if seed is not None and not isinstance(seed, numbers.Integral | np.random.Generator):
            raise QmlTypeError(f"seed must be an int or a numpy Generator, got {seed!r}")
        self.method = method
        self.shots = None if shots is None else check_shots(shots)
        self.seed = seed
        self.noise_model = _aer_noise_model(noise_model)
        self.options = dict(options)
        if self.noise_model is not None:
            self.options.setdefault("fusion_enable", False)
        self.last_result: Result | None = None
        self._simulators: dict[str, Any] = {}
        # gate names with a quantum error ("measure" carries readout errors only)
        self._noisy_gates = (
            set() if self.noise_model is None else set(self.noise_model.noise_instructions)
        )
        self._noisy_gates.discard("measure")

    def __repr__(self) -> str:
        noise = "None" if self.noise_model is None else "<qiskit_aer NoiseModel>"
        return (
            f"AerBackend(method={self.method!r}, shots={self.shots!r}, seed={self.seed!r}, "
            f"noise_model={noise})"
        )

    # -- results ---------------------------------------------------------------------------
    def statevector(self, circuit: Circuit, params: Any = None) -> np.ndarray:
        """The state vector, as ``qml.simulate``: ``(2**n,)`` or ``(B, 2**n)``.

        Global phase included. Only without quantum noise (a noisy circuit has a
        density matrix instead).
        """
        if self._noisy_gates:
            raise OptionError(
                "a circuit with quantum noise has no state vector; use density_matrix(), or "
                "a backend without a noise model"
            )
        if self.method == "density_matrix":
            raise OptionError(
                "Aer's density_matrix method does not save state vectors; use "
                "AerBackend(method='statevector') or density_matrix()"
            )

        def save(qc: Any) -> None:
            qc.save_statevector()

        result, batch, phase = self._run(circuit, params, "statevector", save, keep_phase=True)
        states = np.stack([np.asarray(result.data(i)["statevector"]) for i in range(batch or 1)])
        states = states * np.reshape(phase, (-1, 1))
        return states if batch is not None else states[0]

    def density_matrix(self, circuit: Circuit, params: Any = None) -> np.ndarray:
        """The density matrix, as ``simulate_density``: ``(2**n, 2**n)`` or ``(B, 2**n, 2**n)``.

        Quantum errors of the noise model act; readout errors do not.
        """

        def save(qc: Any) -> None:
            qc.save_density_matrix()

        result, batch, _ = self._run(circuit, params, self._exact_method(), save)
        rho = np.stack([np.asarray(result.data(i)["density_matrix"]) for i in range(batch or 1)])
        return rho if batch is not None else rho[0]

    def probabilities(
        self, circuit: Circuit, qubits: Sequence[int] | None = None, params: Any = None
    ) -> np.ndarray:
        """Probabilities of the final state, as ``qml.probabilities``: ``(2**k,)`` or ``(B, 2**k)``.

        ``qubits`` selects a marginal (bit ``j`` of the index is ``qubits[j]``).
        These are Aer's ``save_probabilities``: quantum errors act, readout errors do
        not (Aer applies those to measurements only), whereas
        ``qml.probabilities(noise=...)`` includes them. Compare with a model without
        readout errors, or compare counts.
        """
        n = circuit.num_qubits
        chosen = list(range(n)) if qubits is None else _check_qubits(qubits, n)

        def save(qc: Any) -> None:
            qc.save_probabilities(chosen)

        result, batch, _ = self._run(circuit, params, self._exact_method(), save)
        probs = np.stack([np.asarray(result.data(i)["probabilities"]) for i in range(batch or 1)])
        return probs if batch is not None else probs[0]

    def expectation(self, circuit: Circuit, observable: Any, params: Any = None) -> Any:
        """Exact expectation values, as ``qml.expectation``.

        ``<ψ|O|ψ>``, or ``Tr(rho O)`` under the noise model's quantum errors.
        A float, or an array of shape ``(B,)``, ``(n_obs,)`` or ``(B, n_obs)``.
        """
        observables, single = observable_list(observable)
        TermTable(observables, circuit.num_qubits)  # refuses a wrong number of qubits
        operators = [o.to_qiskit() for o in observables]

        def save(qc: Any) -> None:
            for k, operator in enumerate(operators):
                qc.save_expectation_value(operator, list(range(qc.num_qubits)), label=f"obs{k}")

        result, batch, _ = self._run(circuit, params, self._exact_method(), save)
        values = np.array(
            [
                [np.real(result.data(i)[f"obs{k}"]) for k in range(len(operators))]
                for i in range(batch or 1)
            ],
            dtype=np.float64,
        )
        return shape_result(values, batch is not None, single)

    def sample(
        self, circuit: Circuit, shots: int | None = None, params: Any = None
    ) -> dict[str, int] | list[dict[str, int]]:
        """Counts, as ``qml.sample``: keyed by qiskit bit strings, zero counts omitted.

        Every qubit is measured unless the circuit has ``measure`` instructions
        (then keys are its classical bits). Quantum and readout errors act. A list
        of dictionaries, one per row, for batched ``params``. ``shots`` defaults
        to the backend's.
        """
        shots = self.shots if shots is None else check_shots(shots)
        if shots is None:
            raise OptionError("sample() needs a number of shots: pass shots= here or to AerBackend")
        method = self.method
        if method == "automatic":
            method = "density_matrix" if self._noisy_gates else "statevector"
        result, batch, _ = self._run(circuit, params, method, None, shots=shots)
        counts = [
            {str(key): int(value) for key, value in result.get_counts(i).items() if value}
            for i in range(batch or 1)
        ]
        return counts if batch is not None else counts[0]

    # -- running ------------------------------------------------------------------------------
    def simulator(self, method: str) -> Any:
        """The ``AerSimulator`` used for ``method`` (made once, with the backend's options)."""
        if method not in self._simulators:
            from qiskit_aer import AerSimulator

            self._simulators[method] = AerSimulator(
                method=method, noise_model=self.noise_model, **self.options
            )
        return self._simulators[method]

    def _exact_method(self) -> str:
        """The method for exact results: a noisy statevector run would sample trajectories."""
        if self.method == "statevector" and self._noisy_gates:
            raise OptionError(
                "Aer's statevector method samples noise one trajectory per shot, so its "
                "probabilities and expectations are not exact; use method='density_matrix' "
                "or 'automatic' (sample() works with either)"
            )
        if self.method == "automatic":
            return "density_matrix" if self._noisy_gates else "statevector"
        return self.method

    def _seed(self) -> int | None:
        if isinstance(self.seed, np.random.Generator):
            return int(self.seed.integers(2**31))
        return None if self.seed is None else int(self.seed)

    def _run(
        self,
        circuit: Circuit,
        params: Any,
        method: str,
        save: Any,
        *,
        shots: int = 1,
        keep_phase: bool = False,
    ) -> tuple[Result, int | None, np.ndarray]:
        """Run ``circuit`` once per parameter row, all rows in one Aer job.

        ``save(qc)`` appends the save instructions; ``save=None`` measures instead.
        Returns the result (experiment ``b`` is row ``b``), the batch size (None:
        unbatched) and, for ``keep_phase``, ``exp(i*phase)`` of a parameterized
        global phase that was taken out of the Aer circuit (ones otherwise).

        The rows go in as ``parameter_binds`` of one circuit, except when a gate
        needs replacing by its matrix (see ``_to_aer``) and has a symbolic
        parameter: then the job holds one bound circuit per row.
        """
        values, batch = resolve_parameters(circuit, params)
        for gate, _ in circuit:
            if gate.batch_size is not None:
                raise ShapeError(
                    f"gate {gate.name!r} holds a batch of {gate.batch_size} values, which Aer "
                    "cannot bind; give the circuit Parameters and pass the batch as params="
                )
        if np.ndim(circuit.global_phase) == 1:
            raise ShapeError(
                "the circuit's global phase holds a batch of values, which Aer cannot bind; "
                "keep it a Parameter expression and pass the batch as params="
            )
        rows = batch or 1
        qc, replace = self._to_aer(circuit, method, measure=save is None)
        phase = np.ones(rows, dtype=np.complex128)
        if keep_phase and _is_symbolic(circuit.global_phase):
            phase = np.broadcast_to(global_phase_factor(circuit, values), (rows,))
        if save is not None:
            save(qc)
        by_name = {p.name: p for p in qc.parameters}
        binds = {
            by_name[p.name]: np.broadcast_to(np.asarray(values[p], np.float64), (rows,)).tolist()
            for p in circuit.parameters
            if p.name in by_name
        }
        symbolic = any(
            inst.operation.name in replace and _is_symbolic(inst.operation) for inst in qc.data
        )
        if symbolic:
            experiments = [
                _with_matrices(qc.assign_parameters({p: v[b] for p, v in binds.items()}), replace)
                for b in range(rows)
            ]
            binds = {}
        else:
            experiments = [_with_matrices(qc, replace)] if replace else [qc]
            if not binds:
                experiments = experiments * rows
        options: dict[str, Any] = {"shots": shots}
        seed = self._seed()
        if seed is not None:
            options["seed_simulator"] = seed
        if binds:
            options["parameter_binds"] = [binds]
        result = self.simulator(method).run(experiments, **options).result()
        if not result.success or len(result.results) != rows:
            raise UnsupportedOperationError(
                f"qiskit-aer returned {len(result.results)} result(s) for {rows} parameter "
                f"row(s): {result.status}"
            )
        self.last_result = result
        return result, batch, phase

    def _to_aer(self, circuit: Circuit, method: str, *, measure: bool) -> tuple[Any, set[str]]:
        """``(qc, replace)``: ``circuit.to_qiskit()`` ready for Aer's ``method``.

        Without ``measure``, final measurements are dropped; with it, every qubit
        is measured when the circuit measures none. A parameterized global phase
        is set to 0: qiskit-aer 0.18 binds it one parameter row late (row ``b``
        gets row ``b - 1``'s phase), so ``statevector`` multiplies in qml's value.

        ``replace`` names the gates to run as their matrices (``UnitaryGate``):
        those ``method`` lacks, and parameterized controlled rotations, whose
        ``parameter_binds`` qiskit-aer 0.18 ignores (qiskit-aer issues #2323 and
        #2403). A gate replaced so keeps its exact matrix but loses its name, so a
        noise model with errors on it (or on "unitary") is refused.
        """
        qc = circuit.to_qiskit()
        if not measure:
            qc.remove_final_measurements(inplace=True)
        elif not circuit.measurements:
            qc.measure_all()
        if _is_symbolic(qc.global_phase):
            qc.global_phase = 0.0
        basis = set(self.simulator(method).configuration().basis_gates) | {"measure", "barrier"}
        replace = {
            inst.operation.name
            for inst in qc.data
            if inst.operation.name not in basis or _unbindable(inst.operation)
        }
        clash = sorted((replace | {"unitary"}) & self._noisy_gates) if replace else []
        if clash:
            raise UnsupportedOperationError(
                f"qiskit-aer cannot run {sorted(replace)} as they are with the {method} method "
                f"(missing, or parameters Aer does not bind), and running them as matrices "
                f"would move the noise the model attaches to {clash}; bind the parameters "
                "first, or attach the noise to other gates"
            )
        return qc, replace


def _unbindable(operation: Any) -> bool:
    """A parameterized controlled gate, whose ``parameter_binds`` qiskit-aer 0.18 ignores
    (qiskit-aer issues #2323 and #2403: CRX, CRY, CRZ, CP, CU and their kin)."""
    return bool(getattr(operation, "num_ctrl_qubits", 0)) and _is_symbolic(operation)


def _is_symbolic(value: Any) -> bool:
    """True for a qiskit ParameterExpression or instruction with unbound parameters.

    Instructions are judged by their ``params``: ``ControlledGate.is_parameterized()``
    misses the parameters a controlled rotation keeps on its base gate.
    """
    if hasattr(value, "params") and not hasattr(value, "parameters"):
        return any(_is_symbolic(p) for p in value.params)
    return bool(getattr(value, "parameters", None))


def _check_qubits(qubits: Sequence[int], n: int) -> list[int]:
    """``qubits`` as distinct ints in ``range(n)``, or the error qml.probabilities gives."""
    chosen = list(qubits)
    for q in chosen:
        if not isinstance(q, numbers.Integral) or isinstance(q, bool | np.bool_):
            raise QubitError(f"qubit indices must be integers; got {q!r}")
        if not 0 <= q < n:
            raise QubitIndexError(
                f"qubit {q} is out of range for {n} qubit(s); valid indices are 0 to {n - 1}"
            )
    if len(set(chosen)) != len(chosen):
        raise QubitError(f"qubits {chosen} repeat a qubit; list each qubit once")
    return [int(q) for q in chosen]


def _with_matrices(qc: Any, names: set[str]) -> Any:
    """``qc`` with every instruction named in ``names`` replaced by its ``UnitaryGate``."""
    if not names:
        return qc
    from qiskit.circuit.library import UnitaryGate
    from qiskit.quantum_info import Operator

    out = qc.copy_empty_like()
    for inst in qc.data:
        op = inst.operation
        if op.name in names:
            op = UnitaryGate(Operator(op).data, check_input=False)
        out.append(op, inst.qubits, inst.clbits)
    return out


def _aer_noise_model(noise_model: Any) -> qiskit_aer.noise.NoiseModel | None:
    """A qiskit-aer noise model from a qml or Aer one; None for none or an ideal one."""
    if noise_model is None:
        return None
    if isinstance(noise_model, NoiseModel):
        return None if noise_model.is_ideal() else noise_model.to_qiskit()
    from qiskit_aer.noise import NoiseModel as AerNoiseModel

    if isinstance(noise_model, AerNoiseModel):
        return None if noise_model.is_ideal() else noise_model
    raise QmlTypeError(
        f"noise_model must be a qml.noise.NoiseModel or a qiskit_aer.noise.NoiseModel, "
        f"got {type(noise_model).__name__}"
    )


__all__ = ["METHODS", "AerBackend"]
