"""Variational ansätze: trainable layers ``θ[i]``, and data re-uploading between them.

Conventions (qubit order, parameter order and names, ``before_layer``) are those of
:mod:`qml.circuits.library`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from qml.circuits.circuit import Circuit
from qml.circuits.parameters import (
    ParameterVector,
)
from qml.circuits.templates import (
    ROTATIONS,
    Entanglement,
    _append_circuit,
    _check_size,
    _count,
    _flag,
    _layer,
    _option,
    _pair_count,
    _prefix,
    _rotation_names,
    entanglement_pairs,
)
from qml.errors import (
    OptionError,
    QmlTypeError,
    QmlValueError,
    ShapeError,
)
from qml.gates import CX, RY, RZ
from qml.gates.base import (
    is_sequence,
)

__all__ = [
    "ANSATZE",
    "data_reuploading",
    "efficient_su2",
    "hardware_efficient",
    "real_amplitudes",
    "strongly_entangling_layers",
]


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
    from :func:`~qml.circuits.templates.entanglement_pairs`); it prepares real amplitudes only.

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


#: Ansätze by name: each takes the number of qubits first.
ANSATZE: Mapping[str, Callable[..., Circuit]] = MappingProxyType(
    {
        "hardware_efficient": hardware_efficient,
        "real_amplitudes": real_amplitudes,
        "efficient_su2": efficient_su2,
        "strongly_entangling_layers": strongly_entangling_layers,
    }
)
