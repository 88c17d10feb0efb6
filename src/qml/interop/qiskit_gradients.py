"""qiskit-machine-learning's estimator-gradient interface, computed by qml's adjoint method.

``AdjointEstimatorGradient`` is a ``BaseEstimatorGradient``: give it to an
``EstimatorQNN`` (``gradient=AdjointEstimatorGradient()``) and the network's
backward pass costs one forward simulation and one backward sweep per batch of
rows, instead of the ``2 * n_params`` shifted circuits per row of qiskit-ml's
default ``ParamShiftEstimatorGradient``. Requires qiskit-machine-learning
(imported by this module).
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import copy
from typing import Any

import numpy as np
from qiskit.circuit import Parameter, QuantumCircuit
from qiskit.primitives import BaseEstimatorV2
from qiskit.providers import Options
from qiskit.quantum_info import Pauli as QiskitPauli
from qiskit.quantum_info import SparsePauliOp
from qiskit.quantum_info.operators.base_operator import BaseOperator
from qiskit_machine_learning.algorithm_job import AlgorithmJob
from qiskit_machine_learning.gradients import (
    BaseEstimatorGradient,
    DerivativeType,
    EstimatorGradientResult,
)

from qml.circuits.observables import PauliSum
from qml.errors import OptionError, QmlTypeError
from qml.interop.qiskit import Estimator, converted
from qml.simulator import gradient
from qml.simulator.gradients import ExpectationFunction


def as_pauli_sum(observable: Any) -> PauliSum:
    """A qiskit operator (``SparsePauliOp``, ``Pauli``, or any ``BaseOperator`` with a
    matrix) as qml's ``PauliSum``."""
    if isinstance(observable, QiskitPauli):
        observable = SparsePauliOp(observable)
    elif not isinstance(observable, SparsePauliOp):
        try:
            observable = SparsePauliOp.from_operator(observable)
        except Exception as error:  # qiskit raises several types for foreign objects
            raise QmlTypeError(
                f"cannot read the observable {observable!r} as a sum of Pauli strings ({error}); "
                "give a SparsePauliOp"
            ) from None
    return PauliSum.from_qiskit(observable)


class AdjointEstimatorGradient(BaseEstimatorGradient):
    """Gradients of expectation values by qml's adjoint method (exact, real derivatives).

    Parameters
    ----------
    estimator : BaseEstimatorV2, optional
        Kept for the interface (qiskit-ml reads its ``options``); the gradients
        never call it. Default: ``qml.interop.qiskit.Estimator()``.
    options, pass_manager
        As for qiskit-ml's gradients; a pass manager is not needed (qml runs the
        logical circuit) and is ignored.
    derivative_type : DerivativeType
        Only ``DerivativeType.REAL`` (the gradient of a real expectation value).

    ``run(circuits, observables, parameter_values, parameters)`` returns, per
    circuit ``i``, the gradient of ``<observables[i]>`` with respect to
    ``parameters[i]`` (default: all of ``circuits[i].parameters``, in that
    order). Rows that share a circuit are one batched qml call: either the
    Jacobian of every distinct observable at every distinct parameter row, or
    one vector-Jacobian product over all rows, whichever needs fewer state
    sweeps. Circuits convert as in :class:`qml.interop.qiskit.Estimator`
    (polynomial parameter expressions only).
    """

    def __init__(
        self,
        estimator: BaseEstimatorV2 | None = None,
        options: Options | None = None,
        derivative_type: DerivativeType = DerivativeType.REAL,
        pass_manager: Any = None,
    ) -> None:
        if derivative_type != DerivativeType.REAL:
            raise OptionError(
                f"AdjointEstimatorGradient computes real derivatives only, got {derivative_type}; "
                "use qiskit-ml's LinCombEstimatorGradient for imaginary or complex ones"
            )
        super().__init__(
            estimator if estimator is not None else Estimator(), options, derivative_type,
            pass_manager,
        )  # fmt: skip

    def run(
        self,
        circuits: Sequence[QuantumCircuit],
        observables: Sequence[Any],
        parameter_values: Sequence[Sequence[float]] | np.ndarray,
        parameters: Sequence[Sequence[Parameter] | None] | None = None,
        **options: Any,
    ) -> AlgorithmJob:
        """Start computing the gradients (see the class docstring); returns the job.

        The arguments are checked as qiskit-ml's base class checks them, once per distinct
        circuit, observable and parameter list rather than once per row (an
        ``EstimatorQNN`` sends the same objects for every sample).
        """
        if isinstance(circuits, QuantumCircuit):
            circuits = (circuits,)
        if isinstance(observables, BaseOperator):
            observables = (observables,)
        if parameters is None:
            parameters = [circuit.parameters for circuit in circuits]
        else:
            parameters = [
                p if p is not None else circuits[i].parameters for i, p in enumerate(parameters)
            ]
        _check_arguments(circuits, observables, parameter_values, parameters)
        merged = copy(self._default_options)
        merged.update_options(**options)
        job = AlgorithmJob(
            self._run, circuits, observables, parameter_values, parameters, **merged.__dict__
        )
        job.submit()
        return job

    def _run(
        self,
        circuits: Sequence[QuantumCircuit],
        observables: Sequence[Any],
        parameter_values: Sequence[Sequence[float]] | np.ndarray,
        parameters: Sequence[Sequence[Parameter]],
        **options: Any,
    ) -> EstimatorGradientResult:
        """The gradients, one array per circuit (see the class docstring)."""
        groups: dict[int, list[int]] = {}
        for i, circuit in enumerate(circuits):
            groups.setdefault(id(circuit), []).append(i)
        values = parameter_values if isinstance(parameter_values, np.ndarray) else None
        out: list[np.ndarray] = [np.zeros(0)] * len(circuits)
        for members in groups.values():
            qc = circuits[members[0]]
            conversion = converted(qc, "estimator")
            if values is not None and values.ndim == 2:
                rows = np.asarray(values[members], dtype=np.float64)
            else:
                rows = np.asarray([parameter_values[i] for i in members], dtype=np.float64)
            rows = rows.reshape(len(members), -1)[:, conversion.columns]
            grads = _group_gradients(conversion.circuit, rows, [observables[i] for i in members])
            _select_parameters(out, grads, members, parameters, conversion.circuit)
        metadata = [{"parameters": p} for p in parameters]
        return EstimatorGradientResult(gradients=out, metadata=metadata, options=Options(**options))


def _check_arguments(
    circuits: Sequence[QuantumCircuit],
    observables: Sequence[Any],
    parameter_values: Sequence[Sequence[float]] | np.ndarray,
    parameters: Sequence[Sequence[Parameter]],
) -> None:
    """qiskit-ml's argument checks (same messages), each distinct object checked once."""
    count = len(circuits)
    for what, items in (("parameter value sets", parameter_values), ("observables", observables),
                        ("the list of specified parameters", parameters)):  # fmt: skip
        if len(items) != count:
            raise ValueError(
                f"The number of circuits ({count}) does not match the number of {what} "
                f"({len(items)})."
            )
    widths = np.shape(parameter_values)[1:] if isinstance(parameter_values, np.ndarray) else None
    seen: set[tuple[int, ...]] = set()
    for i, circuit in enumerate(circuits):
        observable, wanted = observables[i], parameters[i]
        width = widths[0] if widths else len(parameter_values[i])
        key = (id(circuit), id(observable), id(wanted), width)
        if key in seen:
            continue
        seen.add(key)
        if not circuit.num_parameters:
            raise ValueError(f"The {i}-th circuit is not parameterised.")
        if width != circuit.num_parameters:
            raise ValueError(
                f"The number of values ({width}) does not match the number of parameters "
                f"({circuit.num_parameters}) for the {i}-th circuit."
            )
        if circuit.num_qubits != observable.num_qubits:
            raise ValueError(
                f"The number of qubits of the {i}-th circuit ({circuit.num_qubits}) does not "
                f"match the number of qubits of the {i}-th observable ({observable.num_qubits})."
            )
        if not set(wanted).issubset(circuit.parameters):
            raise ValueError(
                f"The {i}-th parameters contains parameters not present in the {i}-th circuit."
            )


def _group_gradients(circuit: Any, rows: np.ndarray, observables: list[Any]) -> np.ndarray:
    """``d<O_r>/dp`` for each row ``r`` of ``rows`` ``(R, n_params)``: shape ``(R, n_params)``."""
    distinct: dict[Any, int] = {}
    by_id: dict[int, int] = {}
    items: list[PauliSum] = []
    index = np.empty(len(observables), dtype=np.int64)
    for r, observable in enumerate(observables):
        k = by_id.get(id(observable))
        if k is None:
            pauli_sum = as_pauli_sum(observable)
            k = distinct.setdefault(pauli_sum.terms, len(distinct))
            if k == len(items):
                items.append(pauli_sum)
            by_id[id(observable)] = k
        index[r] = k
    if not circuit.num_parameters:
        return np.zeros((len(rows), 0))
    unique, inverse = np.unique(rows, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    count, kinds = len(unique), len(items)
    # sweeps of states: the Jacobian of every observable at each distinct row costs about
    # (2 + K) per row; a vector-Jacobian product over every row, 3 per row
    if count * (2 + kinds) <= 3 * len(rows):
        jacobian = gradient(circuit, items, unique)  # (U, K, P)
        return jacobian[inverse, index]
    _, pullback = ExpectationFunction(circuit, items).vjp(rows)
    weights = np.zeros((len(rows), kinds))
    weights[np.arange(len(rows)), index] = 1.0
    return pullback(weights)


def _select_parameters(
    out: list[np.ndarray],
    grads: np.ndarray,
    members: list[int],
    parameters: Sequence[Sequence[Parameter]],
    circuit: Any,
) -> None:
    """Write each member's gradient, columns in the order of its requested parameters."""
    column = {p.name: j for j, p in enumerate(circuit.parameters)}
    padded = np.concatenate([grads, np.zeros((grads.shape[0], 1))], axis=1)
    selections: dict[int, np.ndarray] = {}
    for r, i in enumerate(members):
        wanted = parameters[i]
        selection = selections.get(id(wanted))
        if selection is None:
            # a parameter the qml circuit lost (it acted on nothing) has gradient 0
            selection = np.array([column.get(p.name, -1) for p in wanted], dtype=np.int64)
            selections[id(wanted)] = selection
        out[i] = padded[r, selection]


__all__ = ["AdjointEstimatorGradient", "as_pauli_sum"]
