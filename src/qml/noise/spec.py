"""Noise models from short text specs: ``"depolarizing=0.01,readout=0.02"``.

A spec is comma-separated ``NAME=P`` items. ``parse_noise`` checks it and
returns ``[(name, p), ...]``; ``noise_model(items, circuit)`` builds the
:class:`~qml.noise.NoiseModel` that puts each channel after every gate of
``circuit``; ``noise_from_spec(spec, circuit)`` does both. Names:

* ``depolarizing``: the ``k``-qubit depolarizing channel after each ``k``-qubit gate;
* ``bit_flip``, ``phase_flip``, ``amplitude_damping``, ``phase_damping``: that
  channel on each qubit of every gate;
* ``readout``: each measured bit flips with probability ``p`` (shots only).

Mistakes raise :class:`~qml.errors.OptionError` saying how to write the spec.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Callable
from typing import Any

from qml.circuits import Circuit
from qml.errors import NoiseError, OptionError, QmlTypeError
from qml.gates.base import is_sequence
from qml.noise.channels import (
    MAX_CHANNEL_QUBITS,
    AmplitudeDamping,
    BitFlip,
    Channel,
    Depolarizing,
    PhaseDamping,
    PhaseFlip,
)
from qml.noise.model import NoiseModel

#: One-qubit channels by spec name (tensored up to a gate's qubits).
CHANNELS: dict[str, Callable[[float], Channel]] = {
    "bit_flip": BitFlip,
    "phase_flip": PhaseFlip,
    "amplitude_damping": AmplitudeDamping,
    "phase_damping": PhaseDamping,
}
#: Every name a spec may use.
NOISE_NAMES = ("depolarizing", *CHANNELS, "readout")


def parse_noise(spec: str) -> list[tuple[str, float]]:
    """``"depolarizing=0.01,readout=0.02"`` as ``[(name, p), ...]``, checked."""
    if not isinstance(spec, str):
        raise OptionError(f"a noise spec is text such as 'depolarizing=0.01', got {spec!r}")
    items = []
    for part in spec.split(","):
        name, sep, value = part.strip().partition("=")
        name = name.strip().lower().replace("-", "_")
        if not sep or not name:
            raise OptionError(
                f"noise spec {spec!r}: write NAME=P (e.g. depolarizing=0.01), several joined "
                "by commas"
            )
        if name not in NOISE_NAMES:
            close = difflib.get_close_matches(name, NOISE_NAMES, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise OptionError(
                f"unknown noise {name!r}{hint}; valid names: {', '.join(NOISE_NAMES)}"
            )
        try:
            p = float(value)
        except ValueError:
            raise OptionError(f"{name}={value!r} needs a probability, e.g. 0.01") from None
        if not 0 <= p <= 1:
            raise OptionError(f"{name}={value} is not a probability in [0, 1]")
        items.append((name, p))
    return items


def noise_model(items: list[tuple[str, float]], circuit: Any) -> NoiseModel:
    """A ``NoiseModel`` putting each channel of ``items`` after every gate of ``circuit``.

    ``depolarizing=p`` is the ``k``-qubit depolarizing channel after each ``k``-qubit
    gate; the other channels act on each qubit of a gate; ``readout=p`` flips each
    measured bit with probability ``p``.
    """
    if not isinstance(circuit, Circuit):
        raise QmlTypeError(f"noise_model needs the qml Circuit to put noise on, got {circuit!r}")
    items = _check_items(items)
    gates: dict[str, int] = {}
    for gate, _ in circuit:
        if gates.setdefault(gate.name, gate.num_qubits) != gate.num_qubits:
            raise OptionError(
                f"the circuit has {gate.name!r} gates on {gates[gate.name]} and on "
                f"{gate.num_qubits} qubits; a noise spec puts one channel after every gate of "
                "a name, so build a NoiseModel with add_quantum_error for each instead"
            )
    wide = sorted(name for name, k in gates.items() if k > MAX_CHANNEL_QUBITS)
    if wide and any(name != "readout" for name, _ in items):
        raise OptionError(
            f"noise specs put channels on gates of at most {MAX_CHANNEL_QUBITS} qubits; the "
            f"circuit has wider ones ({', '.join(wide)}). Decompose them, or build a "
            "NoiseModel for the gates you want noisy"
        )
    model = NoiseModel()
    try:
        for name, p in items:
            if name == "readout":
                model.add_all_qubit_readout_error([[1 - p, p], [p, 1 - p]])
                continue
            for gate_name, k in sorted(gates.items()):
                if name == "depolarizing":
                    channel = Depolarizing(p, k)
                else:
                    channel = one = CHANNELS[name](p)
                    for _ in range(k - 1):
                        channel = channel.tensor(one)
                model.add_all_qubit_quantum_error(channel, [gate_name])
    except NoiseError as error:
        raise OptionError(f"{error}") from None
    return model


def _check_items(items: Any) -> list[tuple[str, float]]:
    """``items`` as ``parse_noise`` returns them, checked (they may be made by hand)."""
    if not is_sequence(items):
        raise QmlTypeError(
            f"noise items are [(name, p), ...] as parse_noise returns them, got {items!r}; "
            "use noise_from_spec for a text spec"
        )
    checked = []
    for item in items:
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise QmlTypeError(f"each noise item is a (name, p) pair, got {item!r}")
        name, p = item
        if not isinstance(name, str) or name not in NOISE_NAMES:
            raise OptionError(f"unknown noise {name!r}; valid names: {', '.join(NOISE_NAMES)}")
        if not isinstance(p, numbers.Real) or isinstance(p, bool):
            raise QmlTypeError(f"{name}: p must be a real number, got {p!r}")
        try:
            finite = math.isfinite(float(p))
        except OverflowError:
            finite = False
        if not (finite and 0 <= p <= 1):
            raise OptionError(f"{name}={p} is not a probability in [0, 1]")
        checked.append((name, float(p)))
    return checked


def noise_from_spec(spec: str, circuit: Any) -> NoiseModel:
    """``noise_model(parse_noise(spec), circuit)``."""
    return noise_model(parse_noise(spec), circuit)
