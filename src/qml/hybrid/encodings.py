"""The encodings the estimators can use: one record per encoding, in one registry.

An :class:`Encoding` states every fact the hybrid layer needs about how data
enters a circuit: how to build the circuit, how many input columns it takes
per qubit count, the angle range the fitted feature stage scales into, and how
input rows become the circuit's data parameters. ``QuantumClassifier``,
``QuantumKernelClassifier``, ``QuantumKernel`` and the command line ask the
record; none keeps its own list of encoding names or special cases.

Adding an encoding is one :func:`register_encoding` call (or one entry below)::

    register_encoding(Encoding(
        "rx", build=lambda n, reps, prefix: angle_encoding(n, "rx", parameter_prefix=prefix),
        width=lambda n: n, angle_range=(0.0, np.pi)))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from qml.circuits import Circuit
from qml.circuits.library import (
    amplitude_angles,
    amplitude_encoding,
    angle_encoding,
    iqp_encoding,
    zz_feature_map,
)
from qml.errors import OptionError


@dataclass(frozen=True)
class Encoding:
    """How data enters a circuit: everything the estimators need to know about an encoding.

    Attributes
    ----------
    name : the registry key ("angle", "zz", ...).
    build : ``(n_qubits, reps, parameter_prefix, **options) -> Circuit`` whose
        parameters are the data parameters, in the order ``prepare`` produces them
        (``options`` are the circuit function's own, e.g. ``entanglement``).
    width : ``n_qubits -> int``, the input columns per row (what the feature stage
        produces, what ``features="raw"`` takes from the user, and what
        ``QuantumKernel`` takes).
    angle_range : ``(low, high)`` the fitted feature stage scales each column into.
    prepare : ``(B, width) -> (B, n_data)`` circuit data parameters, or None when the
        input columns are the data parameters themselves. Only such encodings can sit
        behind a trainable input layer ("dense", "layerwise") or be re-uploaded,
        since gradients flow back through the identity.
    repeats : whether ``reps`` (kernel repetitions) changes the circuit.
    pad : trailing input columns the fitted feature stage holds at 1 instead of
        filling them from the data (amplitude: one, so that no row is the zero vector).
    """

    name: str
    build: Callable[..., Circuit]
    width: Callable[[int], int]
    angle_range: tuple[float, float]
    prepare: Callable[[np.ndarray], np.ndarray] | None = None
    repeats: bool = False
    pad: int = 0

    def __reduce__(self) -> tuple:
        # records hold functions: pickle (copy, deepcopy) them by their registry name
        return (get_encoding, (self.name,))

    @property
    def linear(self) -> bool:
        """True when input columns are the circuit's data parameters (trainable inputs allowed)."""
        return self.prepare is None

    def parameters(self, inputs: np.ndarray) -> np.ndarray:
        """The circuit's data parameters for input rows ``(B, width)``."""
        return inputs if self.prepare is None else self.prepare(inputs)


_REGISTRY: dict[str, Encoding] = {}


def register_encoding(encoding: Encoding) -> Encoding:
    """Add ``encoding`` to the registry (replacing one of the same name); returns it."""
    if not isinstance(encoding, Encoding):
        raise OptionError(f"expected an Encoding record, got {type(encoding).__name__}")
    if not isinstance(encoding.name, str) or not encoding.name:
        raise OptionError(f"an Encoding's name must be a non-empty str, got {encoding.name!r:.40}")
    _REGISTRY[encoding.name] = encoding
    return encoding


class _Registry(Mapping[str, Encoding]):
    """A read-only live view of the registered encodings, by name."""

    def __getitem__(self, name: str) -> Encoding:
        return _REGISTRY[name]

    def __iter__(self) -> Iterator[str]:
        return iter(_REGISTRY)

    def __len__(self) -> int:
        return len(_REGISTRY)

    def __repr__(self) -> str:
        return f"ENCODINGS({', '.join(_REGISTRY)})"


#: The encodings by name (a live, read-only view; add with ``register_encoding``).
ENCODINGS: Mapping[str, Encoding] = _Registry()


def get_encoding(name: Any) -> Encoding:
    """The registered encoding ``name``, or an ``OptionError`` listing the valid names."""
    if not isinstance(name, str) or name not in _REGISTRY:
        raise OptionError(f"unknown encoding {name!r}; choose one of {', '.join(_REGISTRY)}")
    return _REGISTRY[name]


for _record in (
    Encoding("angle", lambda n, reps, prefix, **o: angle_encoding(n, parameter_prefix=prefix, **o),
             lambda n: n, (0.0, np.pi)),
    Encoding("zz", lambda n, reps, prefix, **o: zz_feature_map(n, reps, parameter_prefix=prefix,
                                                               **o),
             lambda n: n, (0.0, np.pi), repeats=True),
    Encoding("iqp", lambda n, reps, prefix, **o: iqp_encoding(n, reps, parameter_prefix=prefix,
                                                              **o),
             lambda n: n, (0.0, np.pi), repeats=True),
    Encoding("amplitude",
             lambda n, reps, prefix, **o: amplitude_encoding(n, parameter_prefix=prefix, **o),
             lambda n: 1 << n, (-1.0, 1.0), prepare=lambda rows: amplitude_angles(rows), pad=1),
):  # fmt: skip
    register_encoding(_record)
