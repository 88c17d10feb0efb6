"""Data encodings: circuits whose parameters ``x[i]`` take the features of one sample.

Conventions (qubit order, parameter order and names) are those of
:mod:`qml.circuits.library`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from qml.circuits.circuit import Circuit
from qml.circuits.parameters import (
    ParameterVector,
)
from qml.circuits.templates import (
    ROTATIONS,
    Angle,
    Entanglement,
    _check_size,
    _count,
    _option,
    _pair_count,
    _prefix,
    _real,
    entanglement_pairs,
)
from qml.errors import (
    DataError,
    QmlTypeError,
    ShapeError,
)
from qml.gates import CX, RY, RZ, RZZ, Gate, H, Phase
from qml.gates.base import (
    complex_array,
)

__all__ = [
    "ENCODINGS",
    "amplitude_angles",
    "amplitude_encoding",
    "angle_encoding",
    "iqp_encoding",
    "zz_feature_map",
]


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


#: Encodings by name: each takes the number of features (= qubits) first.
ENCODINGS: Mapping[str, Callable[..., Circuit]] = MappingProxyType(
    {
        "angle": angle_encoding,
        "zz": zz_feature_map,
        "iqp": iqp_encoding,
        "amplitude": amplitude_encoding,
    }
)
