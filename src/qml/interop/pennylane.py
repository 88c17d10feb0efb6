"""The PennyLane device ``"qml.qubit"``: PennyLane circuits simulated by qml.

Registered through the ``pennylane.plugins`` entry point (``pip install
qml[pennylane]``), so ``pennylane.device("qml.qubit", wires=4)`` finds it. It is
a device of PennyLane's current ``pennylane.devices.Device`` API:

* operations: every operation ``default.qubit`` runs. Those qml has a gate for
  (RX, CNOT, IsingZZ, Rot, U3, ...) map onto it with their parameters as qml
  parameters; any other operation is decomposed by PennyLane when it can be,
  else applied as its matrix (``qml.gates.Unitary``);
* broadcasting: a tape's batch of parameter values is qml's batch axis (one
  simulation of shape ``(B, 2**n)``, never one per row);
* measurements: expectation values of Pauli sums are computed by qml; every
  other measurement (``var``, ``probs``, ``sample``, ``counts``, ``state``,
  ``density_matrix``, entropies, shots and shot vectors) by PennyLane's own
  measurement code from qml's final state;
* ``diff_method="adjoint"``: Jacobians (device derivatives) and vector-Jacobian
  products (``device_vjp=True``) by qml's adjoint method, one sweep per tape;
* mid-circuit measurements through ``mcm_method="deferred"``.

Wire order: PennyLane's state index reads wire 0 as its most significant bit
(big-endian); qml's reads qubit 0 as its least significant one. The device puts
wire ``w`` of an ``n``-wire tape on qml qubit ``n - 1 - w``, so both libraries
index the state vector alike, and a matrix on wires ``(a, b, ...)`` is given to
qml on the reversed qubits.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pennylane as qp
from pennylane import math as qmath
from pennylane.devices import Device, ExecutionConfig
from pennylane.devices.modifiers import simulator_tracking, single_tape_support
from pennylane.devices.preprocess import (
    decompose,
    no_sampling,
    validate_adjoint_trainable_params,
    validate_device_wires,
    validate_measurements,
    validate_observables,
)
from pennylane.devices.qubit.simulate import measure_final_state
from pennylane.exceptions import DeviceError
from pennylane.measurements import (
    ClassicalShadowMP,
    ExpectationMP,
    MeasurementProcess,
    SampleMeasurement,
    ShadowExpvalMP,
    StateMeasurement,
)
from pennylane.tape import QuantumScript
from pennylane.transforms import broadcast_expand, defer_measurements
from pennylane.transforms.core import CompilePipeline, transform

from qml.circuits import Circuit, Parameter
from qml.circuits.observables import PauliSum
from qml.gates import (
    CCX,
    CCZ,
    CH,
    CP,
    CRX,
    CRY,
    CRZ,
    CSWAP,
    CX,
    CY,
    CZ,
    RX,
    RXX,
    RY,
    RYY,
    RZ,
    RZZ,
    SWAP,
    SX,
    H,
    Phase,
    S,
    Sdg,
    SXdg,
    T,
    Tdg,
    U,
    Unitary,
    X,
    Y,
    Z,
    iSWAP,
)
from qml.gates.base import Gate
from qml.simulator import expectation, gradient, simulate
from qml.simulator.gradients import ExpectationFunction

# -- what maps onto a qml gate ------------------------------------------------------------------

#: PennyLane operations qml has a gate for: name -> [(qml gate, its parameters from the op's
#: data, as indices into ``op.data`` or constants)]. Several entries: the gates in order.
_FIXED = {
    "Hadamard": H, "PauliX": X, "PauliY": Y, "PauliZ": Z, "S": S, "T": T, "SX": SX,
    "Adjoint(S)": Sdg, "Adjoint(T)": Tdg, "Adjoint(SX)": SXdg, "CNOT": CX, "CY": CY, "CZ": CZ,
    "CH": CH, "SWAP": SWAP, "ISWAP": iSWAP, "Toffoli": CCX, "CSWAP": CSWAP, "CCZ": CCZ,
}  # fmt: skip
_ROTATIONS: dict[str, list[tuple[type[Gate], tuple[Any, ...]]]] = {
    "RX": [(RX, (0,))], "RY": [(RY, (0,))], "RZ": [(RZ, (0,))], "PhaseShift": [(Phase, (0,))],
    "U1": [(Phase, (0,))], "U2": [(U, (np.pi / 2, 0, 1))], "U3": [(U, (0, 1, 2))],
    "Rot": [(RZ, (0,)), (RY, (1,)), (RZ, (2,))], "CRX": [(CRX, (0,))], "CRY": [(CRY, (0,))],
    "CRZ": [(CRZ, (0,))], "ControlledPhaseShift": [(CP, (0,))], "IsingXX": [(RXX, (0,))],
    "IsingYY": [(RYY, (0,))], "IsingZZ": [(RZZ, (0,))],
}  # fmt: skip
#: Operations that act as nothing on the state (Identity) or only on its phase.
_SKIPPED = {"Identity", "Snapshot", "Barrier"}
#: Operations with parameters, no qml gate and no decomposition are applied as their
#: matrix; without parameters, up to this many wires (beyond, decomposition is preferred).
_MAX_MATRIX_WIRES = 6
_NATIVE = set(_FIXED) | set(_ROTATIONS) | {"GlobalPhase"} | _SKIPPED
#: Gate set for PennyLane's graph-based decomposition.
GATE_SET = frozenset(_NATIVE - {"Snapshot", "Barrier"})


def supported_operation(op: qp.operation.Operator) -> bool:
    """Does the device run ``op`` as it is (a qml gate, or its matrix)?"""
    if op.name in _NATIVE:
        return True
    if not op.has_matrix:
        return False
    if op.num_params == 0:
        return len(op.wires) <= _MAX_MATRIX_WIRES or not op.has_decomposition
    return not op.has_decomposition  # QubitUnitary and the like: their matrix


def adjoint_operation(op: qp.operation.Operator) -> bool:
    """Can qml's adjoint method differentiate through ``op`` (trainable or not)?"""
    if not any(qmath.requires_grad(d) for d in op.data):
        return supported_operation(op)
    return op.name in _ROTATIONS or op.name == "GlobalPhase"


def _pauli_sum(observable: Any, num_wires: int) -> PauliSum | None:
    """``observable`` on standard wires 0..n-1 as qml's PauliSum, or None (no real Pauli form).

    qml's label puts qubit ``q`` at position ``n - 1 - q`` from the left, and wire ``w``
    is qubit ``n - 1 - w``: the letter of wire ``w`` is at position ``w``.
    """
    sentence = observable.pauli_rep
    if sentence is None:
        return None
    terms = []
    for word, coefficient in sentence.items():
        if abs(np.imag(coefficient)) > 1e-12:
            return None
        letters = ["I"] * num_wires
        for wire, letter in word.items():
            letters[int(wire)] = letter
        terms.append((float(np.real(coefficient)), "".join(letters)))
    if not terms:
        terms = [(0.0, "I" * num_wires)]
    return PauliSum(terms)


# -- tapes as qml circuits --------------------------------------------------------------------


class BatchedMatrix(Gate):
    """A gate given by one matrix per sample, ``(B, 2**k, 2**k)`` little-endian over its qubits.

    For operations qml has no gate for whose matrix varies over a broadcast
    (a ``QubitUnitary`` of a batch of matrices): the compiled engine applies
    each sample's matrix to its own row, in one batched simulation.
    """

    name = "batched_unitary"

    def __init__(self, matrices: np.ndarray) -> None:
        self._matrices = np.asarray(matrices, dtype=np.complex128)
        self.num_qubits = self._matrices.shape[-1].bit_length() - 1
        self.params = ()

    @property
    def batch_size(self) -> int | None:
        """The number of matrices."""
        return self._matrices.shape[0]

    def matrix(self) -> np.ndarray:
        """The matrices, ``(B, 2**k, 2**k)``."""
        return self._matrices

    def with_params(self, *params: Any) -> Gate:
        return self

    def inverse(self) -> Gate:
        return BatchedMatrix(np.conj(np.swapaxes(self._matrices, -1, -2)))


@dataclass
class Lowered:
    """A tape's operations as a qml circuit with one qml parameter per numeric operation
    parameter (``sources[j] = (operation, data index)`` of column ``j``), and, for every
    operation parameter in tape order, its column (-1: not a qml parameter)."""

    circuit: Circuit
    sources: list[tuple[int, int]]
    columns: np.ndarray


def _matrix_op_key(op: qp.operation.Operator) -> tuple:
    matrix = np.asarray(qmath.unwrap(op.matrix()))
    return ("matrix", tuple(op.wires), matrix.shape, matrix.tobytes())


def structure_key(tape: QuantumScript) -> tuple:
    """What the lowered circuit depends on: each operation's kind and wires (and the matrix of
    operations applied as matrices)."""
    key: list[Any] = [tape.num_wires]
    for op in tape.operations:
        if op.name in _NATIVE:
            key.append((op.name, tuple(op.wires)))
        else:
            key.append(_matrix_op_key(op))
    return tuple(key)


def lower(tape: QuantumScript) -> Lowered:
    """The tape (on standard wires 0..n-1) as a qml circuit (see the module docstring)."""
    n = tape.num_wires
    circuit = Circuit(n)
    sources: list[tuple[int, int]] = []
    columns: list[int] = []

    def parameter(i: int, j: int) -> Parameter:
        sources.append((i, j))
        columns.append(len(sources) - 1)
        return Parameter(f"p{len(sources) - 1}")

    for i, op in enumerate(tape.operations):
        qubits = [n - 1 - int(w) for w in op.wires]
        name = op.name
        if name in _FIXED:
            circuit.append(_FIXED[name](), qubits)
            columns.extend([-1] * len(op.data))
        elif name in _ROTATIONS:
            symbols = [parameter(i, j) for j in range(len(op.data))]
            for gate, spec in _ROTATIONS[name]:
                args = [symbols[s] if isinstance(s, int) else s for s in spec]
                circuit.append(gate(*args), qubits)
        elif name == "GlobalPhase":  # exp(-iφ) on every wire
            circuit.global_phase = circuit.global_phase - parameter(i, 0)
        elif name in _SKIPPED:
            columns.extend([-1] * len(op.data))
        else:  # its matrix, big-endian over op.wires: qml reads the qubits reversed
            matrix = np.asarray(qmath.unwrap(op.matrix()), dtype=np.complex128)
            gate = Unitary(matrix, label=name) if matrix.ndim == 2 else BatchedMatrix(matrix)
            circuit.append(gate, qubits[::-1])
            columns.extend([-1] * len(op.data))
    # the circuit orders its parameters (those only in the global phase last): follow it
    order = [int(p.name[1:]) for p in circuit.parameters]
    position = np.full(len(sources) + 1, -1, dtype=np.int64)
    position[order] = np.arange(len(order))
    tape_columns = position[np.array(columns, dtype=np.int64)]
    return Lowered(circuit, [sources[k] for k in order], tape_columns)


def parameter_values(tape: QuantumScript, lowered: Lowered) -> np.ndarray | None:
    """The tape's values of the lowered circuit's parameters: ``(n_params,)``, or
    ``(B, n_params)`` for a broadcast tape; None when there are none."""
    if not lowered.sources:
        return None
    operations = tape.operations
    values = [np.asarray(qmath.unwrap(operations[i].data[j])) for i, j in lowered.sources]
    batch = tape.batch_size
    if batch is None:
        return np.array([float(v) for v in values], dtype=np.float64)
    out = np.empty((batch, len(values)), dtype=np.float64)
    for column, value in enumerate(values):
        out[:, column] = np.real(value)
    return out


# -- the device ------------------------------------------------------------------------------


def _analytic_measurement(mp: MeasurementProcess) -> bool:
    if not isinstance(mp, StateMeasurement):
        return False
    return mp.obs is None or isinstance(mp, ExpectationMP) or mp.obs.has_diagonalizing_gates


def _sample_measurement(mp: MeasurementProcess) -> bool:
    if not isinstance(mp, SampleMeasurement) or isinstance(mp, (ClassicalShadowMP, ShadowExpvalMP)):
        return False
    return mp.obs is None or mp.obs.has_diagonalizing_gates


def _adjoint_observable(observable: Any) -> bool:
    return observable.pauli_rep is not None


@simulator_tracking
@single_tape_support
class QubitDevice(Device):
    """PennyLane's ``"qml.qubit"``: a state-vector device running on qml's simulator.

    Parameters
    ----------
    wires : int or iterable, optional
        The device's wires (their order is the order of ``qp.state()``).
    shots : int or sequence, optional
        Default shots (PennyLane prefers ``qp.set_shots`` on the QNode).
    seed : int, numpy Generator or None
        Randomness of samples; None draws fresh entropy.

    See the module docstring for what it runs. ``diff_method="adjoint"`` (and
    ``"best"``, which picks it for analytic tapes) differentiates expectation
    values of Pauli sums through qml's adjoint method.
    """

    _device_options = ("rng",)

    def __init__(self, wires: Any = None, shots: Any = None, seed: Any = None) -> None:
        super().__init__(wires=wires, shots=shots)
        self._rng = np.random.default_rng(seed)
        self._lowered: dict[tuple, Lowered] = {}
        self._functions: dict[tuple, ExpectationFunction] = {}

    @property
    def name(self) -> str:
        """The name PennyLane knows the device by."""
        return "qml.qubit"

    # -- configuration -------------------------------------------------------------------
    def supports_derivatives(
        self, execution_config: ExecutionConfig | None = None, circuit: QuantumScript | None = None
    ) -> bool:
        """Adjoint derivatives (and ``"best"``) for analytic tapes whose operations qml's
        adjoint method can take after decomposition."""
        if execution_config is None:
            return True
        if execution_config.gradient_method not in ("adjoint", "best", "device"):
            return False
        if circuit is None:
            return True
        pipeline = CompilePipeline()
        pipeline.add_transform(validate_device_wires, self.wires, name=self.name)
        _add_adjoint_transforms(pipeline, self.wires)
        try:
            pipeline((circuit,))
        except (DeviceError, qp.operation.DecompositionUndefinedError, AttributeError):
            return False
        return True

    supports_vjp = supports_derivatives

    def setup_execution_config(
        self, config: ExecutionConfig | None = None, circuit: QuantumScript | None = None
    ) -> ExecutionConfig:
        """Resolve ``"best"`` to adjoint, and mid-circuit measurements to deferred."""
        config = config or ExecutionConfig()
        updated: dict[str, Any] = {"convert_to_numpy": True}
        for option in config.device_options:
            if option not in self._device_options:
                raise DeviceError(f"device option {option} not present on {self}")
        method = config.gradient_method
        if method in ("best", "device"):
            method = updated["gradient_method"] = "adjoint"
        if config.use_device_gradient is None:
            updated["use_device_gradient"] = method == "adjoint"
        if config.use_device_jacobian_product is None:
            updated["use_device_jacobian_product"] = False
        if config.grad_on_execution is None:
            updated["grad_on_execution"] = method == "adjoint"
        mcm = config.mcm_config
        if mcm.mcm_method not in (None, "deferred"):
            raise DeviceError(
                f"mcm_method {mcm.mcm_method!r} is not supported on qml.qubit; it simulates "
                "mid-circuit measurements with mcm_method='deferred'"
            )
        updated["mcm_config"] = replace(mcm, mcm_method="deferred")
        options = dict(config.device_options)
        options.setdefault("rng", self._rng)
        updated["device_options"] = options
        return replace(config, **updated)

    def preprocess_transforms(
        self, execution_config: ExecutionConfig | None = None
    ) -> CompilePipeline:
        """Deferred mid-circuit measurements, decomposition to what qml runs, validation, and
        the checks of the adjoint method when it is the gradient method."""
        config = execution_config or ExecutionConfig()
        pipeline = CompilePipeline()
        pipeline.add_transform(defer_measurements, allow_postselect=False)
        pipeline.add_transform(
            decompose, stopping_condition=supported_operation, skip_initial_state_prep=False,
            device_wires=self.wires, target_gates=set(GATE_SET), name=self.name,
        )  # fmt: skip
        pipeline.add_transform(validate_device_wires, self.wires, name=self.name)
        pipeline.add_transform(
            validate_measurements, analytic_measurements=_analytic_measurement,
            sample_measurements=_sample_measurement, name=self.name,
        )  # fmt: skip
        if config.gradient_method == "adjoint":
            _add_adjoint_transforms(pipeline, self.wires)
        return pipeline

    # -- execution -----------------------------------------------------------------------
    def _lower(self, tape: QuantumScript) -> Lowered:
        key = structure_key(tape)
        lowered = self._lowered.get(key)
        if lowered is None:
            if len(self._lowered) >= 64:
                self._lowered.clear()
            lowered = self._lowered[key] = lower(tape)
        return lowered

    def _job(self, tape: QuantumScript) -> Job:
        tape = tape.map_to_standard_wires()
        lowered = self._lower(tape)
        observables = None
        if all(isinstance(m, ExpectationMP) for m in tape.measurements) and tape.num_wires:
            sums = [_pauli_sum(m.obs, tape.num_wires) for m in tape.measurements]
            observables = sums if all(o is not None for o in sums) else None
        return Job(tape, lowered, parameter_values(tape, lowered), observables)

    def execute(self, circuits: Any, execution_config: ExecutionConfig | None = None) -> Any:
        """Results of each tape, as ``default.qubit`` shapes them.

        Analytic tapes of expectation values that share a structure (the tapes of a
        ``broadcast_expand``, a batch of samples sent as tapes) run as one batched qml call.
        """
        config = execution_config or ExecutionConfig()
        rng = config.device_options.get("rng", self._rng)
        jobs = [self._job(tape) for tape in circuits]
        results: list[Any] = [None] * len(jobs)
        fast = [i for i, job in enumerate(jobs) if job.observables and not job.tape.shots]
        for members in _groups(jobs, fast).values():
            first = jobs[members[0]]
            rows, offsets = _stack(jobs, members)
            if rows.shape[1]:
                values = np.asarray(expectation(first.lowered.circuit, first.observables, rows))
            else:
                values = _constant_values(first, rows)
            for i, lo, hi in zip(members, offsets[:-1], offsets[1:], strict=True):
                results[i] = _format_values(values[lo:hi], jobs[i])
        for i, job in enumerate(jobs):
            if results[i] is None:
                results[i] = _measure(job, rng)
        return tuple(results)

    # -- derivatives ---------------------------------------------------------------------
    def _adjoint_jobs(self, circuits: Any) -> list[Job]:
        jobs = [self._job(tape) for tape in circuits]
        for job in jobs:
            if job.observables is None:
                raise DeviceError(
                    "adjoint differentiation on qml.qubit supports expectation values of "
                    "observables with a Pauli decomposition"
                )
            job.columns = _trainable_columns(job)
        return jobs

    def compute_derivatives(
        self, circuits: Any, execution_config: ExecutionConfig | None = None
    ) -> tuple:
        """The Jacobian of each tape: per measurement, per trainable parameter, a value (or a
        ``(B,)`` array for a broadcast tape), nested as ``default.qubit`` nests them. Tapes of
        one structure are one batched adjoint sweep."""
        jobs = self._adjoint_jobs(circuits)
        out: list[Any] = [None] * len(jobs)
        for members in _groups(jobs, range(len(jobs))).values():
            first = jobs[members[0]]
            rows, offsets = _stack(jobs, members)
            if rows.shape[1]:
                jacobian = gradient(first.lowered.circuit, first.observables, rows)  # (N, K, P)
            else:
                jacobian = np.zeros((rows.shape[0], len(first.observables), 0))
            for i, lo, hi in zip(members, offsets[:-1], offsets[1:], strict=True):
                job = jobs[i]
                block = np.moveaxis(jacobian[lo:hi][:, :, job.columns], 0, -1)  # (K, P_t, B)
                block = block[..., 0] if job.tape.batch_size is None else block
                out[i] = _nest(block, len(job.observables), job.columns.size)
        return tuple(out)

    def execute_and_compute_derivatives(
        self, circuits: Any, execution_config: ExecutionConfig | None = None
    ) -> tuple:
        """``(results, jacobians)``."""
        return self.execute(circuits, execution_config), self.compute_derivatives(
            circuits, execution_config
        )

    def compute_vjp(
        self, circuits: Any, cotangents: Any, execution_config: ExecutionConfig | None = None
    ) -> tuple:
        """``sum_k cotangent_k dE_k/dθ`` per tape, a tuple over trainable parameters; tapes of
        one structure are one forward pass and one adjoint sweep."""
        return self.execute_and_compute_vjp(circuits, cotangents, execution_config)[1]

    def execute_and_compute_vjp(
        self, circuits: Any, cotangents: Any, execution_config: ExecutionConfig | None = None
    ) -> tuple:
        """``(results, vjps)``."""
        jobs = self._adjoint_jobs(circuits)
        values: list[Any] = [None] * len(jobs)
        vjps: list[Any] = [None] * len(jobs)
        simple = []
        for i, (job, cotangent) in enumerate(zip(jobs, cotangents, strict=True)):
            job.weights = _weights(job, cotangent)
            if job.weights is None:  # several cotangents at once: contract the Jacobian
                (jacobian,) = self.compute_derivatives([circuits[i]])
                values[i] = self.execute([circuits[i]])[0]
                vjps[i] = _contract(jacobian, cotangent, len(job.observables), job.columns.size)
            else:
                simple.append(i)
        for members in _groups(jobs, simple).values():
            first = jobs[members[0]]
            rows, offsets = _stack(jobs, members)
            weights = np.concatenate([jobs[i].weights for i in members])
            if rows.shape[1]:
                energies, pullback = self._function(first).vjp(rows)
                grads = pullback(weights)
            else:
                energies, grads = _constant_values(first, rows), np.zeros((rows.shape[0], 0))
            for i, lo, hi in zip(members, offsets[:-1], offsets[1:], strict=True):
                job = jobs[i]
                values[i] = _format_values(energies[lo:hi], job)
                # a parameter shared by the rows of a broadcast: their contributions add up
                vjps[i] = tuple(grads[lo:hi][:, job.columns].sum(axis=0))
        return tuple(values), tuple(vjps)

    def _function(self, job: Job) -> ExpectationFunction:
        key = (id(job.lowered), tuple(o.terms for o in job.observables))
        function = self._functions.get(key)
        if function is None or function.circuit is not job.lowered.circuit:
            if len(self._functions) >= 64:
                self._functions.clear()
            function = ExpectationFunction(job.lowered.circuit, job.observables)
            self._functions[key] = function
        return function


@dataclass
class Job:
    """One tape on its way through the device: on standard wires, lowered, its parameter
    values, its observables as Pauli sums (None: measured by PennyLane from the state)."""

    tape: QuantumScript
    lowered: Lowered
    params: np.ndarray | None
    observables: list[PauliSum] | None
    columns: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    weights: np.ndarray | None = None

    @property
    def rows(self) -> int:
        """Rows of the batch this tape contributes: its broadcast size, or 1."""
        return self.tape.batch_size or 1


def _groups(jobs: list[Job], indices: Any) -> dict[tuple, list[int]]:
    """Jobs of one lowered circuit and the same observables, which run as one batch."""
    groups: dict[tuple, list[int]] = {}
    for i in indices:
        job = jobs[i]
        key = (id(job.lowered), tuple(o.terms for o in job.observables))
        groups.setdefault(key, []).append(i)
    return groups


def _stack(jobs: list[Job], members: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The members' parameter rows, one ``(N, n_params)`` batch, and where each one's start."""
    sizes = [jobs[i].rows for i in members]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    width = jobs[members[0]].lowered.circuit.num_parameters
    rows = np.empty((int(offsets[-1]), width))
    for i, lo, hi in zip(members, offsets[:-1], offsets[1:], strict=True):
        if width:
            rows[lo:hi] = jobs[i].params.reshape(hi - lo, width)
    return rows, offsets


def _constant_values(job: Job, rows: np.ndarray) -> np.ndarray:
    """``(N, K)`` values of a circuit without parameters."""
    values = np.asarray(expectation(job.lowered.circuit, job.observables)).reshape(1, -1)
    return np.broadcast_to(values, (rows.shape[0], values.shape[1]))


def _format_values(values: np.ndarray, job: Job) -> Any:
    """``(rows, K)`` -> one value (or a ``(B,)`` array) per measurement, as PennyLane returns."""
    per_measurement = values.T if job.tape.batch_size is not None else values[0]
    if len(job.observables) == 1:
        return np.asarray(per_measurement[0])
    return tuple(np.asarray(v) for v in per_measurement)


def _measure(job: Job, rng: Any) -> Any:
    """Every measurement of the tape by PennyLane's code, from qml's final state(s)."""
    n = job.tape.num_wires
    state = simulate(job.lowered.circuit, params=job.params)
    batched = state.ndim == 2
    if n:
        state = state.reshape((-1,) * batched + (2,) * n)
    return measure_final_state(job.tape, state, batched, rng=rng)


def _trainable_columns(job: Job) -> np.ndarray:
    columns = job.lowered.columns[list(job.tape.trainable_params)]
    if np.any(columns < 0):
        raise DeviceError(
            "qml.qubit's adjoint method cannot differentiate a parameter of an operation it "
            "applies as a matrix; decompose it, or use diff_method='parameter-shift'"
        )
    return columns


def _weights(job: Job, cotangent: Any) -> np.ndarray | None:
    """The cotangent as ``(rows, K)`` weights, or None when it has an extra leading axis."""
    k = len(job.observables)
    parts = [np.asarray(c, dtype=np.float64) for c in _as_tuple(cotangent, k)]
    expected = () if job.tape.batch_size is None else (job.rows,)
    if any(part.shape != expected for part in parts):
        return None
    return np.stack(parts, axis=-1).reshape(job.rows, k)


@transform
def expand_trainable_broadcast(tape: QuantumScript) -> tuple[list[QuantumScript], Any]:
    """Split a broadcast tape into one tape per row when a *trainable* parameter is broadcast.

    PennyLane's device-derivative contract has one derivative per parameter and
    result row, so a broadcast trainable parameter (a different value per row)
    needs tapes of its own; the device then runs those tapes, which share one
    structure, as one batch again. Tapes whose broadcast parameters are not
    trainable (data inputs) stay whole.
    """
    if tape.batch_size is not None:
        trainable = set(tape.trainable_params)
        index = 0
        for op in tape.operations:
            for value in op.data:
                if index in trainable and op.batch_size is not None and qmath.ndim(value) > 0:
                    return broadcast_expand(tape)
                index += 1
    return (tape,), lambda results: results[0]


def _add_adjoint_transforms(pipeline: CompilePipeline, wires: Any) -> None:
    name = "adjoint + qml.qubit"
    pipeline.add_transform(no_sampling, name=name)
    pipeline.add_transform(
        decompose, stopping_condition=adjoint_operation, skip_initial_state_prep=False,
        device_wires=wires, target_gates=set(GATE_SET), name=name,
    )  # fmt: skip
    pipeline.add_transform(validate_observables, _adjoint_observable, name=name)
    pipeline.add_transform(
        validate_measurements, analytic_measurements=lambda m: isinstance(m, ExpectationMP),
        name=name,
    )  # fmt: skip
    pipeline.add_transform(validate_adjoint_trainable_params)
    pipeline.add_transform(expand_trainable_broadcast)


def _as_tuple(value: Any, count: int) -> tuple:
    return tuple(value) if count > 1 else (value,)


def _nest(jac: np.ndarray, measurements: int, parameters: int) -> Any:
    """``(K, P, ...)`` -> PennyLane's nesting: tuples over measurements (when several) of
    tuples over parameters (when several)."""

    def per_measurement(block: np.ndarray) -> Any:
        if parameters == 1:
            return np.array(block[0])
        return tuple(np.array(entry) for entry in block)

    if measurements == 1:
        return per_measurement(jac[0])
    return tuple(per_measurement(block) for block in jac)


def _contract(jac: Any, cotangent: Any, measurements: int, parameters: int) -> tuple:
    """VJPs from a nested Jacobian when the cotangents carry an extra leading batch axis."""
    blocks = _as_tuple(jac, measurements)
    dys = _as_tuple(cotangent, measurements)
    out = []
    for p in range(parameters):
        total = 0.0
        for block, dy in zip(blocks, dys, strict=True):
            entry = block if parameters == 1 else block[p]
            dy = np.asarray(dy)
            total = total + np.tensordot(dy, np.asarray(entry), axes=np.ndim(entry))
        out.append(total)
    return tuple(out)


__all__ = ["GATE_SET", "BatchedMatrix", "QubitDevice", "lower", "supported_operation"]
