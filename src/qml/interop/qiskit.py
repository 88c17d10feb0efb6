"""qml as qiskit's V2 primitives: ``Estimator`` and ``Sampler``.

Drop-in replacements for qiskit's reference ``StatevectorEstimator`` and
``StatevectorSampler`` (same constructor options, same results, same random
streams for a given seed), running on qml's simulator::

    from qml.interop.qiskit import Estimator, Sampler
    evs = Estimator().run([(circuit, observables, parameter_values)]).result()[0].data.evs

Each PUB is one batched qml call: the PUB's parameter-value array, flattened,
is qml's batch axis (``params`` of shape ``(B, n_params)``), never a loop over
rows. Circuits are converted with ``Circuit.from_qiskit`` (once per circuit,
remembered while the circuit is unchanged); qiskit ``Parameter``\\ s map to qml
parameters by name. Instructions the statevector model cannot honour (reset,
mid-circuit measurement, classical control flow) raise a
``qml.errors.UnsupportedOperationError`` naming the instruction.

``AdjointEstimatorGradient`` (qiskit-machine-learning's gradient interface,
differentiated by qml's adjoint method) is loaded from
:mod:`qml.interop.qiskit_gradients` on first access, so importing this module
does not import qiskit-machine-learning.
"""

from __future__ import annotations

import math
import warnings
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from qiskit.circuit import QuantumCircuit
from qiskit.primitives import (
    BaseEstimatorV2,
    BaseSamplerV2,
    BitArray,
    DataBin,
    PrimitiveResult,
    PubResult,
    SamplerPubResult,
)
from qiskit.primitives.containers.estimator_pub import EstimatorPub, EstimatorPubLike
from qiskit.primitives.containers.sampler_pub import SamplerPub, SamplerPubLike
from qiskit.primitives.primitive_job import PrimitiveJob
from qiskit.quantum_info import SparsePauliOp

from qml.circuits import Circuit
from qml.circuits.observables import Pauli
from qml.errors import QmlTypeError, UnsupportedOperationError
from qml.simulator import expectation, probabilities

Seed = np.random.Generator | int | None

# -- circuits --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Register:
    """A classical register as the sampler fills it.

    ``sources[i]`` is the position in ``qargs`` of the qubit whose final
    measurement bit ``i`` of the register holds, or -1 for a bit no final
    measurement writes (it reads 0).
    """

    name: str
    num_bits: int
    sources: np.ndarray


@dataclass(frozen=True)
class Converted:
    """A qiskit circuit as qml runs it.

    ``circuit`` is the unitary part; ``columns[j]`` is the position, in the
    qiskit circuit's ``parameters``, of ``circuit.parameters[j]``. For the
    sampler: ``qargs`` are the measured qubits (sorted) and ``registers`` the
    classical registers, in the circuit's order.
    """

    circuit: Circuit
    columns: np.ndarray
    qargs: tuple[int, ...] = ()
    registers: tuple[Register, ...] = ()


#: Conversions remembered per circuit object: ``id -> (weak reference, fingerprint, result)``.
#: qiskit-machine-learning sends the same circuit object on every call.
_CONVERTED: dict[tuple[int, str], tuple[Any, tuple, Converted]] = {}
_MAX_CONVERTED = 64


def _hashable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return ("array", value.shape, value.tobytes())
    try:
        hash(value)
    except TypeError:
        return ("object", id(value))
    return value


def fingerprint(qc: QuantumCircuit) -> tuple:
    """What a conversion depends on: every instruction's name, parameters and bits, the
    global phase and the registers. Cheap next to a conversion (about 5 us per gate)."""
    head = (
        qc.num_qubits,
        qc.num_clbits,
        _hashable(qc.global_phase),
        tuple((register.name, register.size) for register in qc.cregs),
    )
    body = tuple(
        (item.name, tuple(_hashable(p) for p in item.params), item.qubits, item.clbits)
        for item in qc.data
    )
    return head + body


def converted(qc: Any, kind: str) -> Converted:
    """``qc`` converted for the ``"estimator"`` or the ``"sampler"`` (remembered)."""
    if not isinstance(qc, QuantumCircuit):
        raise QmlTypeError(f"expected a qiskit QuantumCircuit, got {type(qc).__name__}")
    key = (id(qc), kind)
    stamp = fingerprint(qc)
    hit = _CONVERTED.get(key)
    if hit is not None and hit[0]() is qc and hit[1] == stamp:
        return hit[2]
    result = _convert_for_sampler(qc) if kind == "sampler" else _convert_for_estimator(qc)
    if len(_CONVERTED) >= _MAX_CONVERTED:
        _CONVERTED.clear()
    try:
        _CONVERTED[key] = (weakref.ref(qc), stamp, result)
    except TypeError:  # an object that refuses weak references is simply not remembered
        pass
    return result


def _refuse_non_unitary(qc: QuantumCircuit, where: str) -> None:
    """Name the first reset, measurement or control-flow instruction of ``qc``."""
    for position, item in enumerate(qc.data):
        name = item.operation.name
        qubits = [qc.find_bit(q).index for q in item.qubits]
        if item.is_control_flow():
            raise UnsupportedOperationError(
                f"instruction {position} of the circuit, {name!r}, is classical control flow, "
                f"which the {where} cannot simulate on a state vector; unroll it in Python "
                "(one circuit per branch) or run it on qiskit-aer"
            )
        if name == "reset":
            raise UnsupportedOperationError(
                f"instruction {position} of the circuit, 'reset' on qubit {qubits[0]}, is not "
                f"unitary, and the {where} simulates unitary circuits only; remove it or run the "
                "circuit on qiskit-aer"
            )
        if name == "measure":
            advice = (
                "the Estimator computes exact expectation values of the final state: remove the "
                "measurements (QuantumCircuit.remove_final_measurements)"
                if where == "Estimator"
                else "measure only at the end, after every gate on the qubit, or run the circuit "
                "on qiskit-aer"
            )
            kind = "a measurement" if where == "Estimator" else "a mid-circuit measurement"
            raise UnsupportedOperationError(
                f"instruction {position} of the circuit, 'measure' on qubit {qubits[0]}, is "
                f"{kind}; {advice}"
            )


def _columns(circuit: Circuit, qc: QuantumCircuit) -> np.ndarray:
    position = {p.name: i for i, p in enumerate(qc.parameters)}
    return np.array([position[p.name] for p in circuit.parameters], dtype=np.int64)


def _convert_for_estimator(qc: QuantumCircuit) -> Converted:
    _refuse_non_unitary(qc, "Estimator")
    circuit = Circuit.from_qiskit(qc)
    return Converted(circuit, _columns(circuit, qc))


def final_measurements(qc: QuantumCircuit) -> dict[tuple[str, int], int]:
    """``{(register name, bit in register): qubit}`` for the final measurements of ``qc``.

    The rule of qiskit's reference sampler: walking back from the end, a
    measurement is final while its qubit and classical bit have seen nothing
    later (barriers and delays aside).
    """
    active_qubits = set(range(qc.num_qubits))
    active_clbits = set(range(qc.num_clbits))
    mapping: dict[tuple[str, int], int] = {}
    for item in reversed(qc.data):
        if item.operation.name == "measure":
            location = qc.find_bit(item.clbits[0])
            qubit = qc.find_bit(item.qubits[0]).index
            if location.index in active_clbits and qubit in active_qubits:
                for register, index in location.registers:
                    mapping[(register.name, index)] = qubit
                active_clbits.remove(location.index)
        elif item.operation.name not in ("barrier", "delay"):
            for q in item.qubits:
                active_qubits.discard(qc.find_bit(q).index)
        if not active_clbits or not active_qubits:
            break
    return mapping


def _convert_for_sampler(qc: QuantumCircuit) -> Converted:
    mapping = final_measurements(qc)
    qargs = tuple(sorted(set(mapping.values())))
    slot = {q: i for i, q in enumerate(qargs)}
    registers = []
    for register in qc.cregs:
        sources = np.full(register.size, -1, dtype=np.int64)
        for (name, index), qubit in mapping.items():
            if name == register.name:
                sources[index] = slot[qubit]
        registers.append(Register(register.name, register.size, sources))
    unitary = qc.remove_final_measurements(inplace=False)
    _refuse_non_unitary(unitary, "Sampler")
    circuit = Circuit.from_qiskit(unitary)
    return Converted(circuit, _columns(circuit, unitary), qargs, tuple(registers))


def parameter_rows(pub: EstimatorPub | SamplerPub, conversion: Converted) -> np.ndarray | None:
    """The PUB's parameter values as qml's batch: ``(B, n_params)`` in
    ``circuit.parameters`` order, ``B`` the size of the bindings' shape (None: no parameters)."""
    if not conversion.circuit.num_parameters:
        return None
    values = pub.parameter_values.as_array(pub.circuit.parameters)
    return np.ascontiguousarray(values.reshape(-1, values.shape[-1])[:, conversion.columns])


def _row_index(pub: EstimatorPub | SamplerPub, rows: np.ndarray | None) -> np.ndarray:
    """For each entry of the bindings' shape, its row of the batched results."""
    shape = pub.parameter_values.shape
    if rows is None:
        return np.zeros(shape, dtype=np.int64)
    return np.arange(rows.shape[0]).reshape(shape)


# -- Estimator ------------------------------------------------------------------------------


def pauli_table(observables: np.ndarray, num_qubits: int) -> tuple[list[str], np.ndarray]:
    """Distinct Pauli labels of an array of ``SparseObservable``\\ s and their coefficients.

    Returns ``(labels, coefficients)`` with ``coefficients`` of shape
    ``(observables.size, len(labels))`` (observables flattened in C order).
    Projector terms (``"0"``, ``"+"``, ...) are expanded into Pauli strings.
    """
    labels: dict[str, int] = {}
    rows: list[dict[int, float]] = []
    for observable in observables.ravel():
        row: dict[int, float] = {}
        paulis = SparsePauliOp.from_sparse_observable(observable)
        for label, coefficient in zip(paulis.paulis.to_labels(), paulis.coeffs, strict=True):
            t = labels.setdefault(label, len(labels))
            row[t] = row.get(t, 0.0) + float(np.real(coefficient))
        rows.append(row)
    if not labels:  # an array of zero observables
        labels["I" * num_qubits] = 0
    table = np.zeros((len(rows), len(labels)))
    for k, row in enumerate(rows):
        for t, coefficient in row.items():
            table[k, t] = coefficient
    return list(labels), table


def _gather(values: np.ndarray, coefficients: np.ndarray, row: np.ndarray, obs: np.ndarray) -> Any:
    """``sum_t values[row, t] * coefficients[obs, t]`` over broadcast index arrays."""
    if values.shape[0] * coefficients.shape[0] <= 4 * max(row.size, 1):
        return (values @ coefficients.T)[row, obs]  # small outer product, then pick
    flat = np.einsum("it,it->i", values[row.ravel()], coefficients[obs.ravel()])
    return flat.reshape(row.shape)


class Estimator(BaseEstimatorV2):
    """qiskit's ``BaseEstimatorV2`` on qml: the semantics of ``StatevectorEstimator``.

    Parameters
    ----------
    default_precision : float
        Precision used when ``run`` is given none: 0 (default) gives exact
        expectation values; ``p > 0`` adds Gaussian noise of standard deviation
        ``p`` to each value, drawn exactly as ``StatevectorEstimator`` draws it.
    seed : int, numpy Generator or None
        Randomness of that noise. An int restarts the stream for every PUB (as
        the reference does); a Generator continues its stream.

    A PUB ``(circuit, observables, parameter_values, precision)`` broadcasts
    ``observables`` (shape ``S_o``) against ``parameter_values`` (bindings shape
    ``S_b``): ``data.evs`` and ``data.stds`` have shape
    ``np.broadcast_shapes(S_b, S_o)``. ``stds`` are zeros, as in the reference
    (the values are exact; with a precision their noise has standard deviation
    ``precision``, recorded as ``metadata["target_precision"]``).
    """

    def __init__(self, *, default_precision: float = 0.0, seed: Seed = None) -> None:
        self._default_precision = default_precision
        self._seed = seed

    @property
    def default_precision(self) -> float:
        """The precision of a ``run`` given none (0: exact)."""
        return self._default_precision

    @property
    def seed(self) -> Seed:
        """The seed or Generator of the precision noise."""
        return self._seed

    def run(
        self, pubs: Iterable[EstimatorPubLike], *, precision: float | None = None
    ) -> PrimitiveJob[PrimitiveResult[PubResult]]:
        """Estimate expectation values of the PUBs (circuits are checked and converted here,
        so an unsupported instruction raises at once)."""
        if precision is None:
            precision = self._default_precision
        coerced = [EstimatorPub.coerce(pub, precision) for pub in pubs]
        conversions = [converted(pub.circuit, "estimator") for pub in coerced]
        job = PrimitiveJob(self._run, coerced, conversions)
        job._submit()
        return job

    def _run(
        self, pubs: list[EstimatorPub], conversions: list[Converted]
    ) -> PrimitiveResult[PubResult]:
        """All PUBs of one circuit are one batched qml call: their parameter rows stacked
        (identical blocks once), their Pauli terms united."""
        plans = [_EstimatorPlan(pub, c) for pub, c in zip(pubs, conversions, strict=True)]
        groups: dict[int, list[_EstimatorPlan]] = {}
        for plan in plans:
            groups.setdefault(id(plan.conversion.circuit), []).append(plan)
        for members in groups.values():
            _evaluate_together(members)
        results = []
        for plan in plans:  # noise in PUB order: a Generator's stream runs as the reference's
            rng = np.random.default_rng(self._seed)
            evs = plan.evs
            if plan.pub.precision != 0:
                # one draw per entry in C order, like the reference's loop over np.ndindex
                evs = np.asarray(rng.normal(evs, plan.pub.precision), dtype=np.float64)
            data = DataBin(evs=evs, stds=np.zeros(plan.shape), shape=plan.shape)
            metadata = {
                "target_precision": plan.pub.precision,
                "circuit_metadata": plan.pub.circuit.metadata,
            }
            results.append(PubResult(data, metadata=metadata))
        return PrimitiveResult(results, metadata={"version": 2})


class _EstimatorPlan:
    """One PUB's parameter rows, Pauli terms and broadcast indices, then its values."""

    def __init__(self, pub: EstimatorPub, conversion: Converted) -> None:
        self.pub, self.conversion = pub, conversion
        observables = pub.observables.sparse_observables_array()
        self.labels, self.coefficients = pauli_table(observables, conversion.circuit.num_qubits)
        self.rows = parameter_rows(pub, conversion)
        self.shape = np.broadcast_shapes(pub.parameter_values.shape, observables.shape)
        self.row = np.broadcast_to(_row_index(pub, self.rows), self.shape)
        self.obs = np.broadcast_to(
            np.arange(observables.size).reshape(observables.shape), self.shape
        )
        self.evs = np.zeros(self.shape)


def _evaluate_together(plans: list[_EstimatorPlan]) -> None:
    """Fill ``evs`` of PUBs that share a circuit with one ``qml.expectation`` call."""
    live = [plan for plan in plans if plan.row.size]
    if not live:
        return
    circuit = live[0].conversion.circuit
    union: dict[str, int] = {}
    blocks: dict[tuple, int] = {}  # identical parameter blocks are simulated once
    stacked: list[np.ndarray] = []
    offsets, size = [], 0
    for plan in live:
        for label in plan.labels:
            union.setdefault(label, len(union))
        if plan.rows is None:
            offsets.append(0)
            continue
        key = (plan.rows.shape, plan.rows.tobytes())
        if key not in blocks:
            blocks[key] = size
            stacked.append(plan.rows)
            size += plan.rows.shape[0]
        offsets.append(blocks[key])
    paulis = [Pauli(label) for label in union]
    params = np.concatenate(stacked) if stacked else None
    values = np.asarray(expectation(circuit, paulis, params=params)).reshape(-1, len(union))
    for plan, offset in zip(live, offsets, strict=True):
        count = 1 if plan.rows is None else plan.rows.shape[0]
        columns = [union[label] for label in plan.labels]
        own = values[offset : offset + count][:, columns]
        plan.evs = np.asarray(_gather(own, plan.coefficients, plan.row, plan.obs), np.float64)


# -- Sampler ---------------------------------------------------------------------------------


def search_right(cdf: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Row-wise ``np.searchsorted(cdf[r], draws[r], side="right")``, vectorised.

    ``cdf`` has shape ``(R, K)`` or ``(1, K)`` (shared), ``draws`` ``(R, S)``. A
    binary search of ``ceil(log2(K + 1))`` whole-array steps, exact (the same
    comparisons ``searchsorted`` makes), with no loop over rows.
    """
    size = cdf.shape[1]
    low = np.zeros(draws.shape, dtype=np.int64)
    high = np.full(draws.shape, size, dtype=np.int64)
    rows = np.arange(draws.shape[0])[:, None] if cdf.shape[0] > 1 else np.zeros((1, 1), np.int64)
    for _ in range(max(1, math.ceil(math.log2(size + 1)))):
        middle = (low + high) // 2
        open_ = low < high
        right = open_ & (cdf[rows, np.minimum(middle, size - 1)] <= draws)
        low = np.where(right, middle + 1, low)
        high = np.where(open_ & ~right, middle, high)
    return low


def uniform_draws(seed: Seed, rows: int, shots: int) -> np.ndarray:
    """The uniforms qiskit's reference sampler draws for ``rows`` bound circuits.

    It seeds each row's ``Statevector`` with ``seed``: an int restarts the same
    stream on every row, a Generator continues one stream row after row, and
    None draws fresh entropy.
    """
    if isinstance(seed, np.random.Generator):
        return seed.random((rows, shots))
    if seed is None:
        return np.random.default_rng().random((rows, shots))
    return np.broadcast_to(np.random.default_rng(seed).random(shots), (rows, shots))


def pack_register(outcomes: np.ndarray, register: Register) -> np.ndarray:
    """``BitArray`` bytes ``(..., shots, ceil(num_bits / 8))`` of one register.

    ``outcomes`` hold measured-qubit bit patterns (bit ``j`` is ``qargs[j]``);
    register bit 0 is the least significant bit of the last byte (big-endian
    bytes, as ``BitArray`` stores them).
    """
    sources = register.sources[::-1]  # most significant register bit first
    bits = np.zeros((*outcomes.shape, register.num_bits), dtype=np.uint8)
    measured = np.flatnonzero(sources >= 0)
    if measured.size:
        shifts = sources[measured].astype(outcomes.dtype)
        bits[..., measured] = (outcomes[..., None] >> shifts) & 1
    padding = -register.num_bits % 8
    if padding:
        bits = np.concatenate([np.zeros((*bits.shape[:-1], padding), np.uint8), bits], axis=-1)
    return np.packbits(bits, axis=-1)


class Sampler(BaseSamplerV2):
    """qiskit's ``BaseSamplerV2`` on qml: the semantics of ``StatevectorSampler``.

    Parameters
    ----------
    default_shots : int
        Shots of a ``run`` given none (1024).
    seed : int, numpy Generator or None
        As in the reference: an int seeds every bound circuit's draws alike
        (identical rows give identical samples); a Generator continues its
        stream; None is fresh entropy. With the same seed the samples are the
        reference's, bit for bit (up to outcomes on a probability boundary
        within rounding, about 1e-16 per shot).

    Results: ``data.<register>`` is a ``BitArray`` of shape the PUB's bindings
    shape, ``num_shots`` shots, one per classical register of the circuit.
    Only final measurements are honoured (qiskit's rule: nothing acts on the
    qubit or the classical bit afterwards).
    """

    def __init__(self, *, default_shots: int = 1024, seed: Seed = None) -> None:
        self._default_shots = default_shots
        self._seed = seed

    @property
    def default_shots(self) -> int:
        """Shots of a ``run`` given none."""
        return self._default_shots

    @property
    def seed(self) -> Seed:
        """The seed or Generator of the samples."""
        return self._seed

    def run(
        self, pubs: Iterable[SamplerPubLike], *, shots: int | None = None
    ) -> PrimitiveJob[PrimitiveResult[SamplerPubResult]]:
        """Sample the PUBs' circuits (checked and converted here, so an unsupported
        instruction raises at once)."""
        if shots is None:
            shots = self._default_shots
        coerced = [SamplerPub.coerce(pub, shots) for pub in pubs]
        if any(len(pub.circuit.cregs) == 0 for pub in coerced):
            warnings.warn(
                "One of your circuits has no output classical registers and so the result "
                "will be empty. Did you mean to add measurement instructions?",
                UserWarning,
                stacklevel=2,
            )
        conversions = [converted(pub.circuit, "sampler") for pub in coerced]
        job = PrimitiveJob(self._run, coerced, conversions)
        job._submit()
        return job

    def _run(
        self, pubs: list[SamplerPub], conversions: list[Converted]
    ) -> PrimitiveResult[SamplerPubResult]:
        results = [self._run_pub(pub, c) for pub, c in zip(pubs, conversions, strict=True)]
        return PrimitiveResult(results, metadata={"version": 2})

    def _run_pub(self, pub: SamplerPub, conversion: Converted) -> SamplerPubResult:
        shape = pub.parameter_values.shape
        count = math.prod(shape)
        outcomes = np.zeros((count, pub.shots), dtype=np.int64)
        if conversion.qargs and count:
            rows = parameter_rows(pub, conversion)
            probs = probabilities(conversion.circuit, list(conversion.qargs), params=rows)
            probs = np.asarray(probs).reshape(-1, 1 << len(conversion.qargs))
            # numpy's Generator.choice(p=...): cdf = cumsum(p) / its last entry, then
            # searchsorted(random(shots), side="right"); the same steps give the same outcomes
            cdf = np.cumsum(probs, axis=1)
            cdf /= cdf[:, -1:]
            outcomes = search_right(cdf, uniform_draws(self._seed, count, pub.shots))
        registers = {
            register.name: BitArray(
                pack_register(outcomes, register).reshape(*shape, pub.shots, -1),
                register.num_bits,
            )
            for register in conversion.registers
        }
        return SamplerPubResult(
            DataBin(**registers, shape=shape),
            metadata={"shots": pub.shots, "circuit_metadata": pub.circuit.metadata},
        )


def __getattr__(name: str) -> Any:
    if name == "AdjointEstimatorGradient":  # needs qiskit-machine-learning: loaded on demand
        from qml.interop.qiskit_gradients import AdjointEstimatorGradient

        return AdjointEstimatorGradient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Estimator", "Sampler"]
