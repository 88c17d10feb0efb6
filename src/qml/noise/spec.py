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
from collections.abc import Callable
from typing import Any

from qml.errors import NoiseError, OptionError
from qml.noise.channels import (
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
    gates: dict[str, int] = {}
    for gate, _ in circuit:
        gates[gate.name] = gate.num_qubits
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


def noise_from_spec(spec: str, circuit: Any) -> NoiseModel:
    """``noise_model(parse_noise(spec), circuit)``."""
    return noise_model(parse_noise(spec), circuit)
