"""The Gate trait: what every gate states about itself and how it acts on a state.

Conventions (qiskit's, so cross-checks need no translation):

* A k-qubit gate's ``matrix()`` is indexed little-endian over the qubits it is
  applied to: bit ``j`` of a row/column index is the gate's ``j``-th qubit.
  Controlled gates list their controls first (``CX``: qubit 0 controls qubit 1).
* Parameters are floats, arrays of shape ``(B,)`` (one value per sample of a
  batch; ``matrix()`` then has shape ``(B, 2**k, 2**k)``), or symbolic
  parameters/expressions that must be bound before a matrix exists.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from qml.errors import (
    QmlTypeError,
    QmlValueError,
    QubitError,
    QubitIndexError,
    ShapeError,
    UnboundParameterError,
)
from qml.gates import apply as kernels


def is_symbolic(value: Any) -> bool:
    """True for an unbound parameter or expression (anything with ``.parameters``)."""
    return hasattr(value, "parameters") and hasattr(value, "bind")


def _check_param(value: Any, gate_name: str) -> Any:
    if is_symbolic(value):
        return value
    if isinstance(value, (bool, np.bool_)):
        raise QmlTypeError(
            f"gate {gate_name!r} got the boolean parameter {value!r}; "
            "gate parameters are real angles (floats)"
        )
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        value = float(value)
        if not np.isfinite(value):
            raise QmlValueError(
                f"gate {gate_name!r} got a non-finite parameter {value}; "
                "parameters must be finite real numbers"
            )
        return value
    if isinstance(value, np.ndarray) or isinstance(value, (list, tuple)):
        array = np.asarray(value)
        if array.ndim == 0:
            return _check_param(array.item(), gate_name)
        if array.ndim != 1 or not np.isrealobj(array):
            raise ShapeError(
                f"gate {gate_name!r}: a batched parameter must be a real array of "
                f"shape (B,); got shape {array.shape} and dtype {array.dtype}"
            )
        array = array.astype(np.float64, copy=False)
        if not np.all(np.isfinite(array)):
            raise QmlValueError(
                f"gate {gate_name!r} got non-finite values in a batched "
                "parameter; remove NaN and infinity first"
            )
        return array
    if isinstance(value, numbers.Complex):
        raise QmlTypeError(
            f"gate {gate_name!r} got the complex parameter {value!r}; "
            "gate parameters are real angles"
        )
    raise QmlTypeError(
        f"gate {gate_name!r} got a parameter of type {type(value).__name__}; "
        "expected a float, an array of shape (B,), or a qml.Parameter"
    )


def _format_param(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array(shape={value.shape})"
    if isinstance(value, float):
        return repr(value)  # exact: eval(repr(gate)) == gate
    return str(value)


def matrix_from_entries(rows: Sequence[Sequence[Any]]) -> np.ndarray:
    """Stack scalar-or-``(B,)`` entries into a ``(d, d)`` or ``(B, d, d)`` complex matrix."""
    entries = np.broadcast_arrays(*(np.asarray(e, dtype=np.complex128) for r in rows for e in r))
    return np.stack(entries, axis=-1).reshape(*entries[0].shape, len(rows), len(rows[0]))


def diagonal_from_entries(entries: Sequence[Any]) -> np.ndarray:
    """Stack scalar-or-``(B,)`` entries into a ``(d,)`` or ``(B, d)`` phase vector."""
    parts = np.broadcast_arrays(*(np.asarray(e, dtype=np.complex128) for e in entries))
    return np.stack(parts, axis=-1)


def embed_diagonal(diagonal: np.ndarray) -> np.ndarray:
    """``(..., d)`` phase vector -> ``(..., d, d)`` diagonal matrix."""
    d = diagonal.shape[-1]
    out = np.zeros((*diagonal.shape, d), dtype=np.complex128)
    out[..., np.arange(d), np.arange(d)] = diagonal
    return out


def controlled_matrix(target: np.ndarray, num_controls: int) -> np.ndarray:
    """Matrix of ``target`` controlled by the first ``num_controls`` qubits (all ``|1>``)."""
    dt = target.shape[-1]
    d = dt << num_controls
    out = np.broadcast_to(np.eye(d, dtype=np.complex128), (*target.shape[:-2], d, d)).copy()
    active = (np.arange(dt) << num_controls) | ((1 << num_controls) - 1)
    out[..., active[:, None], active[None, :]] = target
    return out


class Gate:
    """A quantum gate: its name, qubit count, parameters, matrix, action and inverse.

    Subclasses state their facts as class attributes (``name``, ``num_qubits``,
    ``num_params``, ``structure``) and give their matrix by one of
    ``fixed_matrix`` (a constant), ``_matrix(*values)`` (dense, broadcasting over
    a batch axis), ``_diagonal(*values)`` (diagonal gates) or ``permutation``
    (gates that only move amplitudes).
    """

    name: ClassVar[str] = "gate"
    num_qubits: int = 1
    num_params: ClassVar[int] = 0
    #: "dense", "diagonal" (``_diagonal`` gives the phases) or "permutation"
    #: (``permutation[i]`` is the old local index that new index ``i`` takes).
    structure: ClassVar[str] = "dense"
    #: Controlled gates: the first ``num_controls`` qubits control the rest.
    num_controls: ClassVar[int] = 0
    self_inverse: ClassVar[bool] = False
    fixed_matrix: ClassVar[np.ndarray | None] = None
    permutation: ClassVar[np.ndarray | None] = None

    def __init__(self, *params: Any) -> None:
        if len(params) != self.num_params:
            raise QmlTypeError(
                f"{type(self).__name__} takes {self.num_params} parameter(s), got {len(params)}"
            )
        self.params: tuple[Any, ...] = tuple(_check_param(p, self.name) for p in params)

    # -- parameters -------------------------------------------------------------
    @property
    def is_parameterized(self) -> bool:
        """True while any parameter is symbolic (unbound)."""
        return any(is_symbolic(p) for p in self.params)

    @property
    def batch_size(self) -> int | None:
        """``B`` if any parameter is an array of shape ``(B,)``, else None."""
        sizes = {p.shape[0] for p in self.params if isinstance(p, np.ndarray)}
        if len(sizes) > 1:
            raise ShapeError(
                f"gate {self.name!r} has batched parameters of different lengths "
                f"{sorted(sizes)}; every batched parameter needs the same B"
            )
        return sizes.pop() if sizes else None

    def values(self) -> tuple[Any, ...]:
        """The numeric parameters; raises ``UnboundParameterError`` naming any unbound."""
        unbound = sorted({str(q) for p in self.params if is_symbolic(p) for q in p.parameters})
        if unbound:
            raise UnboundParameterError(
                f"gate {self.name!r} has unbound parameter(s) {', '.join(unbound)}; "
                "bind them with Circuit.assign_parameters or pass params= to simulate"
            )
        return self.params

    def bind(self, values: Mapping[Any, Any]) -> Gate:
        """A copy with every symbolic parameter evaluated at ``values`` where possible."""
        if not self.is_parameterized:
            return self
        return self.with_params(*(p.bind(values) if is_symbolic(p) else p for p in self.params))

    def with_params(self, *params: Any) -> Gate:
        """The same gate with other parameters."""
        return type(self)(*params)

    # -- the operator -------------------------------------------------------------
    def matrix(self) -> np.ndarray:
        """The unitary: ``(2**k, 2**k)``, or ``(B, 2**k, 2**k)`` for batched parameters."""
        values = self.values()
        if self.fixed_matrix is not None:
            return self.fixed_matrix.copy()
        if self.structure == "diagonal":
            return embed_diagonal(self._diagonal(*values))
        if self.structure == "permutation":
            d = 1 << self.num_qubits
            out = np.zeros((d, d), dtype=np.complex128)
            out[np.arange(d), self.permutation] = 1
            return out
        return self._matrix(*values)

    def diagonal(self) -> np.ndarray:
        """Phases of a diagonal gate: ``(2**k,)`` or ``(B, 2**k)``."""
        if self.structure != "diagonal":
            raise QmlValueError(f"gate {self.name!r} is not diagonal; use matrix()")
        return self._diagonal(*self.values())

    def _matrix(self, *values: Any) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must define its matrix")

    def _diagonal(self, *values: Any) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must define its diagonal")

    def apply(self, state: np.ndarray, qubits: Sequence[int]) -> None:
        """Apply the gate to ``state`` (``(2**n,)`` or ``(B, 2**n)``) in place.

        ``qubits[j]`` is the state's qubit that plays the gate's qubit ``j``.
        Diagonal and permutation gates never build a dense matrix.
        """
        qubits = self.check_qubits(qubits, kernels.num_qubits_of(state))
        batch = self.batch_size
        if batch is not None and (state.ndim != 2 or state.shape[0] != batch):
            raise ShapeError(
                f"gate {self.name!r} has parameters batched over {batch} samples "
                f"but the state has shape {state.shape}; expected ({batch}, 2**n)"
            )
        if self.structure == "diagonal":
            kernels.apply_diagonal(state, self.diagonal(), qubits)
        elif self.structure == "permutation":
            kernels.apply_permutation(state, self.permutation, qubits)
        else:
            kernels.apply_matrix(state, self.matrix(), qubits)

    def check_qubits(self, qubits: Sequence[int], num_qubits: int) -> tuple[int, ...]:
        """Validate qubit indices for this gate on a register of ``num_qubits`` qubits."""
        try:
            qubits = tuple(qubits)
        except TypeError:
            raise QubitError(
                f"gate {self.name!r} needs a sequence of qubit indices, got {qubits!r}"
            ) from None
        for q in qubits:
            if not isinstance(q, numbers.Integral) or isinstance(q, (bool, np.bool_)):
                raise QubitError(f"qubit indices must be integers; gate {self.name!r} got {q!r}")
        qubits = tuple(int(q) for q in qubits)
        if len(qubits) != self.num_qubits:
            raise QubitError(
                f"gate {self.name!r} acts on {self.num_qubits} qubit(s) but was "
                f"given {len(qubits)}: {list(qubits)}"
            )
        for q in qubits:
            if not 0 <= q < num_qubits:
                raise QubitIndexError(
                    f"qubit {q} is out of range for {num_qubits} qubit(s); "
                    f"valid indices are 0 to {num_qubits - 1} "
                    "(negative indices do not wrap)"
                )
        if len(set(qubits)) != len(qubits):
            raise QubitError(
                f"gate {self.name!r} was given the same qubit twice: "
                f"{list(qubits)}; a gate needs distinct qubits"
            )
        return qubits

    def inverse(self) -> Gate:
        """The inverse gate (its matrix is the conjugate transpose)."""
        if self.self_inverse:
            return self
        if self.num_params:  # rotations: exp(-iθG/2)^-1 = exp(+iθG/2)
            return self.with_params(*(-p for p in self.params))
        from qml.gates.unitary import Unitary

        return Unitary(self.matrix().conj().T, label=f"{self.name}_dg")

    # -- identity -------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Gate) or type(other) is not type(self):
            return NotImplemented
        if other.num_qubits != self.num_qubits or len(other.params) != len(self.params):
            return False
        return all(_param_equal(a, b) for a, b in zip(self.params, other.params, strict=True))

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.num_qubits))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(_format_param(p) for p in self.params)})"


def _param_equal(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)
    if is_symbolic(a) or is_symbolic(b):
        return bool(a == b)
    return a == b


class ControlledGate(Gate):
    """A gate that applies ``target_matrix()`` to its last qubits when its first are all ``|1>``."""

    num_controls: ClassVar[int] = 1
    target: ClassVar[type[Gate]]

    def target_matrix(self) -> np.ndarray:
        """The matrix applied to the target qubits when every control is ``|1>``."""
        return self.target(*self.values()).matrix()

    def _matrix(self, *values: Any) -> np.ndarray:
        return controlled_matrix(self.target_matrix(), self.num_controls)
