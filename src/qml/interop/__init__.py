"""qml under other frameworks: each one imported lazily, only when its module is used.

* ``qml.interop.qiskit``: ``Estimator`` and ``Sampler``, qiskit's V2 primitives
  (``BaseEstimatorV2`` / ``BaseSamplerV2``) running on qml, and
  ``AdjointEstimatorGradient`` for qiskit-machine-learning.
* ``qml.interop.pennylane``: the PennyLane device ``"qml.qubit"`` (registered
  through the ``pennylane.plugins`` entry point; ``pip install qml[pennylane]``).
* ``qml.interop.torch``: :class:`~qml.interop.torch.QuantumLayer`, a PyTorch module
  (``pip install qml[torch]``).
* ``qml.interop.dask``: a local cluster with pinned threads, and what runs where when
  qml's entry points get Dask arrays (``pip install qml[dask]``; the entry points
  themselves never import dask).

``import qml.interop`` imports none of those frameworks; ``qml.interop.qiskit``
(an attribute access or an import) loads qiskit, ``qml.interop.pennylane`` loads
PennyLane, ``qml.interop.torch`` loads PyTorch, ``qml.interop.dask`` loads dask.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: Submodules that load their framework on first access.
_SUBMODULES = ("qiskit", "pennylane", "torch", "dask")


def __getattr__(name: str) -> ModuleType:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_SUBMODULES])


__all__: list[str] = []
