"""The circuit library: data encodings and variational ansätze, as plain functions.

Every template is a function returning a fresh :class:`~qml.circuits.Circuit`
(as qiskit's ``real_amplitudes()``), never a subclass: binding is indexing one
parameter array, nothing to rebuild.

Conventions
-----------
* Qubits are qiskit's little-endian: qubit ``q`` is bit ``q`` of a state's index.
* Each template makes one fresh :class:`~qml.circuits.ParameterVector` named by
  its ``parameter_prefix``: ``"x"`` for data inputs (encodings) and ``"θ"`` for
  trainable weights (ansätze; qiskit's prefix, so ``real_amplitudes`` and
  friends carry the very names qiskit gives them).
* A template uses its vector in index order, so ``circuit.parameters`` is
  ``(x[0], x[1], ...)`` or ``(θ[0], θ[1], ...)``: a ``params`` array's column
  ``i`` is element ``i``. Which gate element ``i`` drives is stated in each
  function's docstring, and matches qiskit or PennyLane where a template of
  the same name exists there.
* ``Circuit.parameters`` lists parameters in order of first appearance, so
  ``encoding.compose(ansatz)`` lists the **data inputs first, then the
  weights**; :func:`data_reuploading` keeps that order. With data ``X`` of
  shape ``(B, d)`` and weights ``w`` of shape ``(m,)``, the batched ``params``
  for ``qml.simulate`` is ``np.hstack([X, np.broadcast_to(w, (B, m))])``, or by
  name, whatever the order: ``stack_parameters(circuit, {"x": X, "θ": w})``.
* Two templates with the same prefix cannot share a circuit (a circuit refuses
  two different parameters of one name); give one another ``parameter_prefix``.
* Every ansatz takes ``before_layer``, a circuit inserted before each of its
  layers: data re-uploading, wrapped by :func:`data_reuploading`.
* Entanglement is a name from ``ENTANGLEMENTS`` (qiskit's meaning, plus
  ``"ring"``) or an explicit list of ``(control, target)`` pairs; unknown names
  of entanglements, rotations, ansätze raise :class:`~qml.errors.OptionError`
  listing the valid ones.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from qml.circuits.circuit import Circuit
from qml.circuits.parameters import (
    Parameter,
    ParameterExpression,
    ParameterVector,
    ParameterVectorElement,
)
from qml.errors import (
    DataError,
    OptionError,
    ParameterError,
    QmlTypeError,
    QmlValueError,
    QubitError,
    ShapeError,
    UnboundParameterError,
    UnsupportedOperationError,
)
from qml.gates import CX, RX, RY, RZ, RZZ, Gate, H, Phase
from qml.gates.base import (
    MAX_QUBITS,
    as_count,
    as_real,
    complex_array,
    integer,
    is_sequence,
    real_array,
)

__all__ = [
    "ANSATZE",
    "ENCODINGS",
    "ENTANGLEMENTS",
    "ROTATIONS",
    "amplitude_angles",
    "amplitude_encoding",
    "angle_encoding",
    "data_reuploading",
    "efficient_su2",
    "entanglement_pairs",
    "hardware_efficient",
    "iqp_encoding",
    "real_amplitudes",
    "stack_parameters",
    "strongly_entangling_layers",
    "zz_feature_map",
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


def _n_local(
    num_qubits: int,
    rotations: tuple[str, ...],
    entanglement: Entanglement,
    reps: int,
    skip_final_rotation_layer: bool,
    parameter_prefix: str,
    name: str,
    before_layer: Circuit | None = None,
) -> Circuit:
    """qiskit's n-local structure: ``reps`` x (rotation layer, CX layer), then a rotation layer.

    ``before_layer`` (data re-uploading) is inserted before every rep.
    """
    n = _count(num_qubits, "num_qubits", 1)
    reps = _count(reps, "reps", 0)
    skip_final_rotation_layer = _flag(skip_final_rotation_layer, "skip_final_rotation_layer")
    parameter_prefix = _prefix(parameter_prefix)
    before_layer = _layer(before_layer)
    layers = reps + (0 if skip_final_rotation_layer else 1)
    extra = 0 if before_layer is None else len(before_layer)
    _check_size(
        layers * len(rotations) * n + reps * (_pair_count(n, entanglement) + extra),
        f"{name}({n:,} qubits, reps={reps:,})",
    )
    pairs = entanglement_pairs(n, entanglement)
    theta = iter(ParameterVector(parameter_prefix, layers * len(rotations) * n))
    circuit = Circuit(n, name=name)

    def rotation_layer() -> None:
        for rotation in rotations:
            for q in range(n):
                circuit.append(ROTATIONS[rotation](next(theta)), q)

    for _ in range(reps):
        if before_layer is not None:
            _append_circuit(circuit, before_layer)
        rotation_layer()
        for control, target in pairs:
            circuit.append(CX(), (control, target))
    if not skip_final_rotation_layer:
        rotation_layer()
    return circuit


# -- encodings -----------------------------------------------------------------------------
def angle_encoding(
    num_features: int,
    rotation: str = "ry",
    *,
    scale: float = 1.0,
    parameter_prefix: str = "x",
) -> Circuit:
    """Angle encoding: feature ``x[i]`` sets the rotation ``R(scale * x[i])`` of qubit ``i``.

    One qubit per feature; ``rotation`` is ``"rx"``, ``"ry"`` (default) or ``"rz"``
    (on ``|0>`` an RZ only changes the phase: follow it with something that does
    not commute with Z, or put H before it). The product state is
    ``⊗_i R(scale * x_i)|0>`` with qubit ``i`` at bit ``i``.

    Parameters: ``x[0..num_features-1]``, one per qubit, in qubit order.
    """
    n = _count(num_features, "num_features", 1)
    gate = ROTATIONS[_option(rotation, tuple(ROTATIONS), "rotation")]
    scale = _real(scale, "scale")
    x = ParameterVector(_prefix(parameter_prefix), n)
    circuit = Circuit(n, name="AngleEncoding")
    for q in range(n):
        circuit.append(gate(x[q] if scale == 1.0 else scale * x[q]), q)
    return circuit


def zz_feature_map(
    feature_dimension: int,
    reps: int = 2,
    entanglement: Entanglement = "full",
    *,
    alpha: float = 2.0,
    parameter_prefix: str = "x",
) -> Circuit:
    """The ZZ feature map of Havlíček et al., as qiskit's ``zz_feature_map``.

    Each of ``reps`` repetitions is an H on every qubit, ``P(alpha * x[i])`` on
    qubit ``i``, then for each entanglement pair ``(i, j)`` the block
    ``CX(i, j) · P(alpha * (π - x[i]) * (π - x[j])) on j · CX(i, j)``. The state
    equals qiskit's for the same arguments and values, global phase included
    (qiskit's ``"full"`` orders its commuting ZZ blocks differently; the state
    is the same). One feature, which qiskit refuses, gives H and P per rep.

    Parameters: ``x[0..feature_dimension-1]``, one per qubit.
    """
    n = _count(feature_dimension, "feature_dimension", 1)
    reps = _count(reps, "reps", 0)
    alpha = _real(alpha, "alpha")
    _check_size(reps * (2 * n + 3 * _pair_count(n, entanglement)), f"zz_feature_map({n:,})")
    pairs = entanglement_pairs(n, entanglement)
    x = ParameterVector(_prefix(parameter_prefix), n)
    circuit = Circuit(n, name="ZZFeatureMap")
    for _ in range(reps):
        for q in range(n):
            circuit.append(H(), q)
        for q in range(n):
            circuit.append(Phase(alpha * x[q]), q)
        for i, j in pairs:
            circuit.append(CX(), (i, j))
            circuit.append(Phase(alpha * (math.pi - x[i]) * (math.pi - x[j])), j)
            circuit.append(CX(), (i, j))
    return circuit


def iqp_encoding(
    num_features: int,
    reps: int = 2,
    entanglement: Entanglement = "full",
    *,
    parameter_prefix: str = "x",
) -> Circuit:
    """IQP encoding: ``reps`` x (H on every qubit, ``RZ(x[i])`` on qubit ``i``, ``RZZ(x[i] x[j])``).

    As PennyLane's ``IQPEmbedding`` (whose ``n_repeats`` is ``reps``, default 1
    there): the RZZ acts on each entanglement pair ``(i, j)``, all pairs
    ``i < j`` by default. Each repetition is ``D(x) H^{⊗n}`` with ``D`` the
    diagonal ``exp(-i/2 (Σ x_i Z_i + Σ_(i,j) x_i x_j Z_i Z_j))``.

    Parameters: ``x[0..num_features-1]``, one per qubit.
    """
    n = _count(num_features, "num_features", 1)
    reps = _count(reps, "reps", 0)
    _check_size(reps * (2 * n + _pair_count(n, entanglement)), f"iqp_encoding({n:,})")
    pairs = entanglement_pairs(n, entanglement)
    x = ParameterVector(_prefix(parameter_prefix), n)
    circuit = Circuit(n, name="IQPEncoding")
    for _ in range(reps):
        for q in range(n):
            circuit.append(H(), q)
        for q in range(n):
            circuit.append(RZ(x[q]), q)
        for i, j in pairs:
            circuit.append(RZZ(x[i] * x[j]), (i, j))
    return circuit


# Amplitude encoding (Möttönen et al., quant-ph/0407010): a binary tree of uniformly
# controlled rotations. Qubit n-1 is rotated first; qubit q is then rotated by a
# uniformly controlled RY whose controls are qubits q+1 .. n-1 (value j = index >> (q+1)).
# A uniformly controlled rotation with k controls is 2**k rotations interleaved with
# 2**k CXs, walking the Gray code; its rotation angles are a fixed linear (Walsh)
# transform of the per-control-value angles, which amplitude_angles computes.


def _gray_cx_controls(k: int) -> list[int]:
    """Control (as position 0..k-1) of the CX after each of the 2**k rotations."""
    if k == 0:
        return []
    # between Gray codes g(i) and g(i+1) the bit that flips is the lowest set bit of i+1;
    # the last CX closes the cycle back to g(0) = 0 by flipping the top bit
    return [((i + 1) & -(i + 1)).bit_length() - 1 for i in range(2**k - 1)] + [k - 1]


def _append_uniformly_controlled(
    circuit: Circuit,
    gate: type[Gate],
    angles: Sequence[Angle],
    controls: Sequence[int],
    target: int,
) -> None:
    cx_controls = _gray_cx_controls(len(controls))
    for i, angle in enumerate(angles):
        circuit.append(gate(angle), target)
        if cx_controls:
            circuit.append(CX(), (controls[cx_controls[i]], target))


def _walsh_transform(alpha: np.ndarray) -> np.ndarray:
    """Per-control-value angles ``(..., 2**k)`` -> the Gray-code circuit's rotation angles.

    The circuit's rotation ``i`` reaches control value ``j`` with the sign
    ``(-1)**popcount(j & gray(i))``; that matrix ``M`` has ``M.T @ M = 2**k I``.
    """
    size = alpha.shape[-1]
    # a fast Walsh-Hadamard transform, W[k] = Σ_j alpha_j (-1)**popcount(j & k), in
    # O(size log size) (the matrix M itself has size**2 entries: 8 GiB at 16 qubits)
    out = np.array(alpha, dtype=np.float64).reshape(-1, size)
    half = 1
    while half < size:
        pairs = out.reshape(out.shape[0], -1, 2, half)
        low, high = pairs[:, :, 0, :].copy(), pairs[:, :, 1, :]
        pairs[:, :, 0, :] += high
        pairs[:, :, 1, :] = low - high
        half *= 2
    index = np.arange(size)
    return out[:, index ^ (index >> 1)].reshape(alpha.shape) / size


def _amplitude_angle_count(num_qubits: int, complex_amplitudes: bool) -> int:
    return (2 ** (num_qubits + 1) - 1) if complex_amplitudes else (2**num_qubits - 1)


def amplitude_encoding(
    num_qubits: int,
    *,
    complex_amplitudes: bool = False,
    parameter_prefix: str = "x",
) -> Circuit:
    """Exact amplitude encoding: prepares ``v / ||v||`` for ``v`` of ``2**num_qubits`` features.

    The amplitudes are data, but a circuit has gates: this circuit's gates are
    RY (and RZ) rotations and CXs whose angles ``amplitude_angles(X)`` computes
    from the data, a batch at a time::

        circuit = amplitude_encoding(3)
        states = qml.simulate(circuit, amplitude_angles(X))   # X: (B, 8) -> (B, 8)

    ``states[b]`` is ``X[b] / ||X[b]||`` exactly (amplitude ``k`` of bit ``q`` =
    qubit ``q``, qiskit's order), global phase included. Real features need
    ``2**n - 1`` RY angles; with ``complex_amplitudes=True`` the circuit also
    has ``2**n - 1`` RZ angles and a parameterised global phase, ``2**(n+1) - 1``
    in all.

    Construction (Möttönen et al. 2004, as qiskit's ``StatePreparation``):
    qubit ``n-1`` first, then a uniformly controlled RY on each lower qubit ``q``
    controlled by qubits ``q+1..n-1``; each uniformly controlled rotation with
    ``k`` controls is ``2**k`` rotations and ``2**k`` CXs.

    Parameters: ``x[0..n_angles-1]``, the columns of ``amplitude_angles``: the
    RY tree from qubit ``n-1`` down to qubit ``0``, then (complex) the RZ
    layers from qubit ``0`` up to ``n-1``, then the global phase.
    """
    n = _count(num_qubits, "num_qubits", 1)
    if not isinstance(complex_amplitudes, bool):
        raise QmlTypeError(f"complex_amplitudes must be a bool, got {complex_amplitudes!r}")
    # each uniformly controlled rotation is as many CXs as rotations
    _check_size(
        2 * _amplitude_angle_count(min(n, 64), complex_amplitudes), f"amplitude_encoding({n})"
    )
    x = ParameterVector(_prefix(parameter_prefix), _amplitude_angle_count(n, complex_amplitudes))
    angles = iter(x)
    circuit = Circuit(n, name="AmplitudeEncoding")
    for q in range(n - 1, -1, -1):
        controls = range(q + 1, n)
        block = [next(angles) for _ in range(2 ** len(controls))]
        _append_uniformly_controlled(circuit, RY, block, controls, q)
    if complex_amplitudes:
        # the phase layers are diagonal, hence commute; this order matches amplitude_angles
        for q in range(n):
            controls = range(q + 1, n)
            block = [next(angles) for _ in range(2 ** len(controls))]
            _append_uniformly_controlled(circuit, RZ, block, controls, q)
        circuit.global_phase = next(angles)
    return circuit


def amplitude_angles(
    X: Any,
    *,
    num_qubits: int | None = None,
    complex_amplitudes: bool = False,
) -> np.ndarray:
    """The parameters of ``amplitude_encoding`` that prepare ``X / ||X||``, row by row.

    Parameters
    ----------
    X : array of shape ``(2**n,)`` or ``(B, 2**n)``
        Features, real (or complex with ``complex_amplitudes=True``); each row
        is normalised here, so it need not be, but must not be zero.
    num_qubits : int, optional
        Checked against ``X``'s length when given.
    complex_amplitudes : bool
        Match ``amplitude_encoding(n, complex_amplitudes=...)``.

    Returns
    -------
    float64 array of shape ``(n_angles,)`` or ``(B, n_angles)``, columns in the
    circuit's ``parameters`` order: ``2**n - 1`` angles, or ``2**(n+1) - 1`` for
    complex amplitudes. Vectorised over the batch.

    Raises ``ShapeError`` for a length that is not ``2**n`` (n >= 1), and
    ``DataError`` for zero rows, NaN or infinity, and complex values without
    ``complex_amplitudes=True``.
    """
    if not isinstance(complex_amplitudes, (bool, np.bool_)):
        raise QmlTypeError(f"complex_amplitudes must be a bool, got {complex_amplitudes!r}")
    try:
        data = complex_array(X, "amplitude_angles needs numeric features")
    except QmlTypeError as error:
        raise DataError(str(error)) from None
    if data.ndim not in (1, 2):
        raise ShapeError(f"expected features of shape (2**n,) or (B, 2**n), got shape {data.shape}")
    single = data.ndim == 1
    data = np.atleast_2d(data)
    length = data.shape[1]
    n = length.bit_length() - 1
    if length < 2 or length != 1 << n:
        nearest = 1 << max(1, (length - 1).bit_length())
        raise ShapeError(
            f"amplitude encoding needs 2**n features (n >= 1) per sample, got {length}; "
            f"pad each sample with zeros to {nearest}"
        )
    if num_qubits is not None and _count(num_qubits, "num_qubits", 1) != n:
        raise ShapeError(
            f"{num_qubits} qubits encode 2**{num_qubits} = {2**num_qubits} features, "
            f"got {length} per sample"
        )
    if not np.all(np.isfinite(data)):
        raise DataError("amplitude_angles got NaN or infinite features; remove them first")
    if np.iscomplexobj(data):
        if not complex_amplitudes and np.any(data.imag != 0):
            raise DataError(
                "features have imaginary parts; pass complex_amplitudes=True (to both "
                "amplitude_encoding and amplitude_angles) to encode complex amplitudes"
            )
        if not complex_amplitudes:
            data = data.real
    data = data.astype(np.complex128 if complex_amplitudes else np.float64)
    if data.shape[0] == 0:  # an empty batch: no rows of angles
        return np.zeros((0, _amplitude_angle_count(n, complex_amplitudes)))

    # dividing by the largest entry first keeps squares of tiny features from underflowing
    scale = np.max(np.abs(data), axis=1)
    zero = np.flatnonzero(scale == 0)
    if zero.size:
        shown = ", ".join(str(i) for i in zero[:5]) + (", ..." if zero.size > 5 else "")
        raise DataError(
            f"row(s) {shown} of the features are zero vectors; amplitude encoding "
            "prepares X / ||X||, which needs a nonzero vector"
        )
    if np.iscomplexobj(data):  # complex / real computes 1/scale first: inf for subnormals
        data = data.real / scale[:, None] + 1j * (data.imag / scale[:, None])
    else:
        data = data / scale[:, None]
    data = data / np.linalg.norm(data, axis=1, keepdims=True)
    batch = data.shape[0]
    weights = np.abs(data) ** 2
    columns = []
    for q in range(n - 1, -1, -1):
        # (B, j, b, low): j = the controls' value (bits above q), b = qubit q's bit
        halves = weights.reshape(batch, 2 ** (n - q - 1), 2, 2**q).sum(axis=3)
        if q == 0 and not complex_amplitudes:
            # signed amplitudes on the last level: cos/sin of a full-range angle carry the signs
            pairs = data.reshape(batch, 2 ** (n - 1), 2)
            alpha = 2 * np.arctan2(pairs[..., 1], pairs[..., 0])
        else:
            alpha = 2 * np.arctan2(np.sqrt(halves[..., 1]), np.sqrt(halves[..., 0]))
        columns.append(_walsh_transform(alpha))
    if complex_amplitudes:
        phase = np.angle(data)
        for q in range(n):
            pairs = phase.reshape(batch, 2 ** (n - q - 1), 2)
            columns.append(_walsh_transform(pairs[..., 1] - pairs[..., 0]))
            phase = pairs.mean(axis=2)
        columns.append(phase)  # (B, 1): what is left is the global phase
    angles = np.concatenate(columns, axis=1)
    return angles[0] if single else angles


# -- ansätze -------------------------------------------------------------------------------
def real_amplitudes(
    num_qubits: int,
    entanglement: Entanglement = "reverse_linear",
    reps: int = 3,
    *,
    skip_final_rotation_layer: bool = False,
    parameter_prefix: str = "θ",
    before_layer: Circuit | None = None,
) -> Circuit:
    """qiskit's ``real_amplitudes``: ``reps`` x (RY layer, CX layer), then a final RY layer.

    Same arguments, defaults and gates as qiskit's function (``entanglement``
    from :func:`entanglement_pairs`); it prepares real amplitudes only.

    Parameters: ``θ[0..(reps + 1) * n - 1]`` (``reps * n`` when the final layer
    is skipped); layer ``l`` gives ``θ[l*n + q]`` to qubit ``q`` — qiskit's order.
    ``before_layer`` (not in qiskit) is a circuit inserted before every rep:
    data re-uploading, see :func:`data_reuploading`.
    """
    return _n_local(
        num_qubits,
        ("ry",),
        entanglement,
        reps,
        skip_final_rotation_layer,
        parameter_prefix,
        "RealAmplitudes",
        before_layer,
    )


def efficient_su2(
    num_qubits: int,
    su2_gates: str | Sequence[str] | None = None,
    entanglement: Entanglement = "reverse_linear",
    reps: int = 3,
    *,
    skip_final_rotation_layer: bool = False,
    parameter_prefix: str = "θ",
    before_layer: Circuit | None = None,
) -> Circuit:
    """qiskit's ``efficient_su2``: ``reps`` x (rotation layers, CX layer), then rotation layers.

    ``su2_gates`` are rotation names from ``ROTATIONS``, default ``["ry", "rz"]``.
    Same arguments, defaults and gates as qiskit's function.

    Parameters: layer by layer, and within a layer gate by gate of
    ``su2_gates``, each on qubits ``0..n-1`` — qiskit's order. With the default
    gates, layer ``l`` gives qubit ``q`` ``RY(θ[2ln + q])`` then ``RZ(θ[2ln + n + q])``.
    ``before_layer`` (not in qiskit) is a circuit inserted before every rep:
    data re-uploading, see :func:`data_reuploading`.
    """
    gates = _rotation_names(["ry", "rz"] if su2_gates is None else su2_gates, "su2_gates")
    return _n_local(
        num_qubits,
        gates,
        entanglement,
        reps,
        skip_final_rotation_layer,
        parameter_prefix,
        "EfficientSU2",
        before_layer,
    )


def hardware_efficient(
    num_qubits: int,
    reps: int = 2,
    entanglement: Entanglement = "ring",
    *,
    rotations: str | Sequence[str] = ("ry", "rz"),
    parameter_prefix: str = "θ",
    before_layer: Circuit | None = None,
) -> Circuit:
    """Hardware-efficient ansatz: ``reps`` x (RY layer, RZ layer, CX ring or line).

    The setting ``efficient_su2(num_qubits, rotations, entanglement, reps,
    skip_final_rotation_layer=True)`` of the general n-local form, with a CX
    ring (``(0, 1), ..., (n-1, 0)``) by default; ``entanglement="linear"`` for a
    line. Every layer ends in its entangler, so layers repeat cleanly (and
    :func:`data_reuploading` can put an encoding between them).

    Parameters: ``θ[0..reps * len(rotations) * n - 1]``; layer ``l`` gives qubit
    ``q`` ``RY(θ[2ln + q])`` then ``RZ(θ[2ln + n + q])`` (default rotations).
    ``before_layer`` is a circuit inserted before every layer (data re-uploading).
    """
    return _n_local(
        num_qubits,
        _rotation_names(rotations, "rotations"),
        entanglement,
        reps,
        True,
        parameter_prefix,
        "HardwareEfficient",
        before_layer,
    )


def _strong_ranges(n: int, reps: int, ranges: Sequence[int] | None) -> list[int]:
    if n == 1:
        return [0] * reps
    if ranges is None:
        return [(layer % (n - 1)) + 1 for layer in range(reps)]
    if not is_sequence(ranges):
        raise QmlTypeError(f"ranges must be a sequence of ints, one per layer, got {ranges!r}")
    ranges = [_count(r, "each of ranges", 1) for r in ranges]
    if len(ranges) != reps:
        raise ShapeError(f"ranges needs one value per layer ({reps}), got {len(ranges)}")
    bad = [r for r in ranges if r % n == 0]
    if bad:
        raise QmlValueError(
            f"a CX range of {bad[0]} on {n} qubits would make a qubit its own target; "
            f"use ranges between 1 and {n - 1}"
        )
    return ranges


def strongly_entangling_layers(
    num_qubits: int,
    reps: int = 2,
    *,
    ranges: Sequence[int] | None = None,
    parameter_prefix: str = "θ",
    before_layer: Circuit | None = None,
) -> Circuit:
    """PennyLane's ``StronglyEntanglingLayers`` with CX as the entangler.

    Layer ``l`` applies ``Rot(θ[3(ln+q)], θ[3(ln+q)+1], θ[3(ln+q)+2])`` to each
    qubit ``q`` in turn — ``Rot(φ, θ, ω) = RZ(ω) RY(θ) RZ(φ)``, so the gates are
    ``RZ(φ)``, ``RY(θ)``, ``RZ(ω)`` in time order — then ``CX(q, (q + r) mod n)``
    for ``q = 0..n-1`` with range ``r = ranges[l]``, by default
    ``(l mod (n-1)) + 1``. One qubit has no CXs.

    Parameters: ``θ[0..3 * reps * n - 1]``, PennyLane's weights of shape
    ``(reps, n, 3)`` flattened in C order. ``before_layer`` is a circuit
    inserted before every layer (data re-uploading, see :func:`data_reuploading`).
    """
    n = _count(num_qubits, "num_qubits", 1)
    reps = _count(reps, "reps", 0)
    before_layer = _layer(before_layer)
    extra = 0 if before_layer is None else len(before_layer)
    _check_size(reps * (4 * n + extra), f"strongly_entangling_layers({n:,}, reps={reps:,})")
    layer_ranges = _strong_ranges(n, reps, ranges)
    theta = iter(ParameterVector(_prefix(parameter_prefix), 3 * reps * n))
    circuit = Circuit(n, name="StronglyEntanglingLayers")
    for r in layer_ranges:
        if before_layer is not None:
            _append_circuit(circuit, before_layer)
        for q in range(n):
            circuit.append(RZ(next(theta)), q)
            circuit.append(RY(next(theta)), q)
            circuit.append(RZ(next(theta)), q)
        if n > 1:
            for q in range(n):
                circuit.append(CX(), (q, (q + r) % n))
    return circuit


# -- data re-uploading ---------------------------------------------------------------------
def data_reuploading(
    encoding: Circuit,
    ansatz: str | Sequence[Circuit] = "hardware_efficient",
    reps: int = 2,
    **ansatz_options: Any,
) -> Circuit:
    """The encoding again before every ansatz layer (Pérez-Salinas et al. 2020).

    ``ansatz`` is a name from ``ANSATZE``: the result is that ansatz built on
    ``encoding.num_qubits`` qubits with ``reps`` layers and ``ansatz_options``
    (e.g. ``entanglement``, ``parameter_prefix``), with ``encoding`` inserted
    before each layer; deleting the encodings gives exactly the ansatz alone,
    parameter for parameter. (``real_amplitudes`` and ``efficient_su2`` keep
    their final rotation layer after the last layer.)

    ``ansatz`` may instead be a sequence of layer circuits, on the same qubits
    and with distinct parameters: then the result is ``encoding, layers[0],
    encoding, layers[1], ...`` and ``reps`` is ignored.

    Parameters: the encoding's (data) first, then the ansatz's in its own order.
    The same data parameters drive every copy of the encoding.
    """
    if not isinstance(encoding, Circuit):
        raise QmlTypeError(f"encoding must be a Circuit, got {type(encoding).__name__}")
    if isinstance(ansatz, str):
        build = ANSATZE[_option(ansatz, tuple(ANSATZE), "ansatz")]
        accepted = [
            option
            for option in inspect.signature(build).parameters
            if option not in ("num_qubits", "reps", "before_layer")
        ]
        unknown = [option for option in ansatz_options if option not in accepted]
        if unknown:
            raise OptionError(
                f"{ansatz} has no option(s) {', '.join(unknown)}; its options: "
                f"{', '.join(accepted)}"
            )
        return build(encoding.num_qubits, reps=reps, before_layer=encoding, **ansatz_options)
    layers = list(ansatz) if is_sequence(ansatz) else []
    if not layers or not all(isinstance(layer, Circuit) for layer in layers):
        raise QmlTypeError(
            f"ansatz must be one of {', '.join(ANSATZE)} or a non-empty sequence of Circuits"
        )
    if ansatz_options:
        raise QmlTypeError(
            f"options {', '.join(ansatz_options)} only apply to a named ansatz, not to layers"
        )
    circuit = Circuit(encoding.num_qubits, name="DataReuploading")
    for layer in layers:
        _append_circuit(circuit, encoding)
        _append_circuit(circuit, layer)
    return circuit


# -- registries and binding ----------------------------------------------------------------
#: Encodings by name: each takes the number of features (= qubits) first.
ENCODINGS: Mapping[str, Callable[..., Circuit]] = MappingProxyType(
    {
        "angle": angle_encoding,
        "zz": zz_feature_map,
        "iqp": iqp_encoding,
        "amplitude": amplitude_encoding,
    }
)

#: Ansätze by name: each takes the number of qubits first.
ANSATZE: Mapping[str, Callable[..., Circuit]] = MappingProxyType(
    {
        "hardware_efficient": hardware_efficient,
        "real_amplitudes": real_amplitudes,
        "efficient_su2": efficient_su2,
        "strongly_entangling_layers": strongly_entangling_layers,
    }
)


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
