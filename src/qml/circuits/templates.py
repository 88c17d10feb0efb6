"""What every circuit template shares: argument checks, entanglement patterns, binding.

The templates themselves live in :mod:`qml.circuits.encodings` (data in) and
:mod:`qml.circuits.ansatze` (trainable layers); :mod:`qml.circuits.library` gathers
both and states the conventions they keep.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from qml.circuits.circuit import Circuit
from qml.circuits.parameters import (
    Parameter,
    ParameterExpression,
    ParameterVectorElement,
)
from qml.errors import (
    OptionError,
    ParameterError,
    QmlTypeError,
    QmlValueError,
    QubitError,
    ShapeError,
    UnboundParameterError,
    UnsupportedOperationError,
)
from qml.gates import RX, RY, RZ, Gate
from qml.gates.base import (
    MAX_QUBITS,
    as_count,
    as_real,
    integer,
    is_sequence,
    real_array,
)

__all__ = [
    "ENTANGLEMENTS",
    "MAX_TEMPLATE_GATES",
    "ROTATIONS",
    "entanglement_pairs",
    "stack_parameters",
]

#: Single-qubit rotations a template can place, by qiskit name.
ROTATIONS: Mapping[str, type[Gate]] = MappingProxyType({"rx": RX, "ry": RY, "rz": RZ})

#: Names of entanglement patterns (see :func:`entanglement_pairs`).
ENTANGLEMENTS = ("full", "linear", "reverse_linear", "circular", "ring", "pairwise")

Entanglement = str | Sequence[Sequence[int]]
Angle = float | ParameterExpression

#: Most gates a template builds. Sizes grow fast (``zz_feature_map(n)`` has ``~1.5 n**2``
#: gates per rep, ``amplitude_encoding(n)`` ``2**(n+1)``); beyond this a template would
#: take minutes to build, so it is refused first, saying how many gates it would have.
MAX_TEMPLATE_GATES = 1 << 18


# -- validation ----------------------------------------------------------------------------
def _option(value: Any, valid: Sequence[str], what: str) -> str:
    if not isinstance(value, str) or value not in valid:
        raise OptionError(f"unknown {what} {value!r}; valid {what}s: {', '.join(valid)}")
    return value


def _count(value: Any, what: str, minimum: int) -> int:
    maximum = MAX_QUBITS if "qubits" in what or "feature" in what else None
    return as_count(value, what, minimum, maximum)


def _real(value: Any, what: str) -> float:
    return as_real(value, what)


def _flag(value: Any, what: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise QmlTypeError(f"{what} must be True or False, got {value!r}")
    return bool(value)


def _prefix(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise QmlTypeError(f"parameter_prefix must be a non-empty string, got {value!r}")
    return value


def _layer(value: Any) -> Circuit | None:
    if value is not None and not isinstance(value, Circuit):
        raise QmlTypeError(f"before_layer must be a Circuit or None, got {type(value).__name__}")
    return value


def _check_size(gates: int, what: str) -> None:
    """Refuse a template of more than ``MAX_TEMPLATE_GATES`` gates before building it."""
    if gates > MAX_TEMPLATE_GATES:
        raise QmlValueError(
            f"{what} would have {gates:,} gates, more than qml builds for a template "
            f"({MAX_TEMPLATE_GATES:,}); use fewer qubits or repetitions"
        )


def _pair_count(n: int, entanglement: Entanglement) -> int:
    """How many pairs ``entanglement_pairs(n, entanglement)`` gives, without listing them."""
    if not isinstance(entanglement, str):
        return len(entanglement_pairs(n, entanglement))
    name = _option(entanglement, ENTANGLEMENTS, "entanglement")
    if name == "full":
        return n * (n - 1) // 2
    if name in ("circular", "ring"):
        return max(n - 1, 0) + (1 if n > 2 else 0)
    return max(n - 1, 0)


def _rotation_names(rotations: str | Sequence[str], what: str) -> tuple[str, ...]:
    if not isinstance(rotations, str) and not is_sequence(rotations):
        raise QmlTypeError(
            f"{what} must be a rotation name or a list of them ({', '.join(ROTATIONS)}), "
            f"got {rotations!r}"
        )
    names = (rotations,) if isinstance(rotations, str) else tuple(rotations)
    if not names:
        raise QmlValueError(f"{what} needs at least one rotation; valid: {', '.join(ROTATIONS)}")
    return tuple(_option(r, tuple(ROTATIONS), "rotation") for r in names)


# -- entanglement --------------------------------------------------------------------------
def entanglement_pairs(
    num_qubits: int, entanglement: Entanglement = "full"
) -> list[tuple[int, int]]:
    """The ``(control, target)`` qubit pairs of an entangling layer, in gate order.

    Names have qiskit's meaning (``qiskit.circuit.library.n_local``) for
    two-qubit blocks:

    * ``"full"``: every ``(i, j)`` with ``i < j``, lexicographic;
    * ``"linear"``: ``(0, 1), (1, 2), ..., (n-2, n-1)``;
    * ``"reverse_linear"``: the same pairs from ``(n-2, n-1)`` down to ``(0, 1)``;
    * ``"circular"``: ``(n-1, 0)`` first, then linear (linear alone for n <= 2);
    * ``"pairwise"``: ``(0, 1), (2, 3), ...`` then ``(1, 2), (3, 4), ...``;
    * ``"ring"`` (not in qiskit): ``(0, 1), (1, 2), ..., (n-1, 0)``, the usual CX
      ring (linear for n <= 2).

    A sequence of pairs is returned as given, after checking the indices. Fewer
    than two qubits have no pairs.
    """
    n = _count(num_qubits, "num_qubits", 0)
    if not isinstance(entanglement, str):
        return _explicit_pairs(n, entanglement)
    name = _option(entanglement, ENTANGLEMENTS, "entanglement")
    _check_size(_pair_count(n, name), f"the entanglement {name!r} on {n:,} qubits")
    linear = [(i, i + 1) for i in range(n - 1)]
    if name == "full":
        return [(i, j) for i in range(n) for j in range(i + 1, n)]
    if name == "linear":
        return linear
    if name == "reverse_linear":
        return linear[::-1]
    if name == "circular":
        return ([(n - 1, 0)] if n > 2 else []) + linear
    if name == "ring":
        return linear + ([(n - 1, 0)] if n > 2 else [])
    return linear[::2] + linear[1::2]  # pairwise


def _explicit_pairs(n: int, entanglement: Any) -> list[tuple[int, int]]:
    refusal = OptionError(
        f"entanglement must be one of {', '.join(ENTANGLEMENTS)} or a sequence of "
        f"(control, target) pairs of qubit indices, got {entanglement!r}"
    )
    pairs = []
    try:
        for pair in entanglement:
            if isinstance(pair, (str, bytes)):
                raise refusal
            pairs.append(tuple(integer(q) for q in pair))
    except TypeError:
        raise refusal from None
    if any(None in pair for pair in pairs):
        raise refusal
    for pair in pairs:
        if len(pair) != 2 or pair[0] == pair[1]:
            raise QubitError(f"entanglement pairs need two different qubits, got {pair}")
        if not all(0 <= q < n for q in pair):
            raise QubitError(f"entanglement pair {pair} is out of range for {n} qubit(s)")
    return pairs  # type: ignore[return-value]


# -- shared building blocks ----------------------------------------------------------------
def _append_circuit(target: Circuit, block: Circuit) -> None:
    """Append ``block``'s gates and global phase to ``target`` in place, on the same qubits."""
    if block.num_qubits != target.num_qubits:
        raise QubitError(
            f"cannot interleave a {block.num_qubits}-qubit circuit with a "
            f"{target.num_qubits}-qubit one; build both on the same number of qubits"
        )
    if block.measurements:
        raise UnsupportedOperationError(
            "a circuit repeated between layers cannot hold measurements; measure at the end"
        )
    for gate, qubits in block:
        target.append(gate, qubits)
    if not (isinstance(block.global_phase, float) and block.global_phase == 0.0):
        target.global_phase = target.global_phase + block.global_phase


def _vector_slot(parameter: Parameter) -> tuple[str, int | None]:
    if isinstance(parameter, ParameterVectorElement):
        return parameter.vector_name, parameter.index
    return parameter.name, None


def stack_parameters(circuit: Circuit, values: Mapping[str, Any]) -> np.ndarray:
    """A ``params`` array in ``circuit.parameters`` order, from values given per vector name.

    ``values`` maps a vector name (``"x"``, ``"θ"``; or a plain parameter's name)
    to its values: shape ``(len,)`` shared by every sample, or ``(B, len)`` per
    sample, where ``len`` is the vector's length (element ``i`` takes column
    ``i``). Returns shape ``(n_params,)``, or ``(B, n_params)`` when any value
    is batched, e.g. ``stack_parameters(c, {"x": X, "θ": w})`` for data ``X``
    ``(B, d)`` and shared weights ``w`` ``(m,)``.
    """
    if not isinstance(circuit, Circuit):
        raise QmlTypeError(f"expected a qml Circuit, got {type(circuit).__name__}")
    if not isinstance(values, Mapping):
        raise QmlTypeError(
            f"values must be a mapping {{vector name: values}}, got {type(values).__name__}"
        )
    slots = [_vector_slot(p) for p in circuit.parameters]
    names = list(dict.fromkeys(name for name, _ in slots))
    unknown = [key for key in values if key not in names]
    if unknown:
        raise ParameterError(
            f"the circuit has no parameter vector {', '.join(map(repr, unknown))}; "
            f"it has {', '.join(map(repr, names)) or 'none'}"
        )
    missing = [name for name in names if name not in values]
    if missing:
        raise UnboundParameterError(
            f"no values for parameter vector(s) {', '.join(map(repr, missing))}"
        )
    arrays: dict[str, np.ndarray] = {}
    batch: set[int] = set()
    for name in names:
        array = real_array(values[name], f"the values of {name!r}")
        if array.ndim == 0:
            array = array.reshape(1)
        length = 1 + max((i or 0) for vector, i in slots if vector == name)
        if array.ndim > 2 or array.shape[-1] != length:
            raise ShapeError(
                f"parameter vector {name!r} has {length} element(s): expected values of "
                f"shape ({length},) or (B, {length}), got shape {array.shape}"
            )
        if array.ndim == 2:
            batch.add(array.shape[0])
        arrays[name] = array
    if len(batch) > 1:
        raise ShapeError(f"batched values disagree on the batch size: {sorted(batch)}")
    rows = batch.pop() if batch else None
    out = np.empty((1 if rows is None else rows, len(slots)))
    for name, array in arrays.items():
        columns = [c for c, (vector, _) in enumerate(slots) if vector == name]
        elements = [slots[c][1] or 0 for c in columns]
        out[:, columns] = array[..., elements] if array.ndim == 2 else array[elements]
    return out if rows is not None else out[0]
