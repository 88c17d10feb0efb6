"""``crosscheck``: run a circuit on qml and on qiskit-aer and report how far they differ."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from qml.backends.aer import AerBackend
from qml.circuits import Circuit
from qml.circuits.observables import Pauli
from qml.errors import QmlTypeError
from qml.simulator.density import probabilities_from_density, simulate_density
from qml.simulator.measure import expectation, probabilities
from qml.simulator.statevector import simulate


@dataclass(frozen=True)
class CrosscheckReport:
    """Largest absolute differences between qml's and qiskit-aer's results, per quantity.

    ``differences`` maps "state" (state vector, global phase included),
    "density_matrix" (under noise), "probabilities" and "expectation" to
    ``max |qml - aer|`` over every entry and parameter row.
    """

    differences: dict[str, float]

    @property
    def max_difference(self) -> float:
        """The largest difference over all quantities."""
        return max(self.differences.values(), default=0.0)

    @property
    def worst(self) -> str | None:
        """The quantity with the largest difference (None when nothing was compared)."""
        return max(self.differences, key=self.differences.__getitem__, default=None)

    def agrees(self, tolerance: float = 1e-9) -> bool:
        """True when every difference is at most ``tolerance``."""
        return self.max_difference <= tolerance

    def __str__(self) -> str:
        parts = ", ".join(f"{name} {value:.2e}" for name, value in self.differences.items())
        return f"qml vs qiskit-aer: largest difference {self.max_difference:.2e} ({parts})"


def crosscheck(
    circuit: Circuit,
    params: Any = None,
    *,
    noise: Any = None,
    observables: Any = None,
    backend: AerBackend | None = None,
) -> CrosscheckReport:
    """Simulate ``circuit`` with qml and with qiskit-aer; report the largest differences.

    Without ``noise`` the state vectors (global phase included), probabilities
    and expectation values are compared; with a ``qml.noise.NoiseModel`` the
    density matrices, the probabilities of the noisy state (readout errors left
    out on both sides: Aer applies them to measurements only) and exact
    expectation values. Counts are random and not compared here.

    Parameters
    ----------
    circuit : Circuit
    params : None, ``(n_params,)``, ``(B, n_params)`` or mapping
        As for ``qml.simulate``; a batch is one Aer job per quantity.
    noise : qml.noise.NoiseModel, optional
    observables : observable or list of them, optional
        Default: X, Y and Z on every qubit, and Z and X on all qubits at once.
    backend : AerBackend, optional
        Default ``AerBackend(noise_model=noise)``; one given must carry the same noise.

    Returns
    -------
    CrosscheckReport
        ``report.max_difference`` is ~1e-15 for a correct simulator.
    """
    if not isinstance(circuit, Circuit):
        raise QmlTypeError(f"crosscheck() needs a qml Circuit, got {type(circuit).__name__}")
    backend = AerBackend(noise_model=noise) if backend is None else backend
    n = circuit.num_qubits
    if observables is None and n:
        letters = [Pauli.on(letter, [q], n) for q in range(n) for letter in "XYZ"]
        observables = [*letters, Pauli("Z" * n), Pauli("X" * n)]
    differences: dict[str, float] = {}
    if noise is None:
        differences["state"] = _distance(
            simulate(circuit, params), backend.statevector(circuit, params)
        )
        ours = probabilities(circuit, params=params)
    else:
        rho = simulate_density(circuit, noise, params)
        differences["density_matrix"] = _distance(rho, backend.density_matrix(circuit, params))
        ours = probabilities_from_density(rho)
    differences["probabilities"] = _distance(ours, backend.probabilities(circuit, params=params))
    if observables is not None:
        exact = expectation(circuit, observables, params, noise=noise)
        differences["expectation"] = _distance(
            exact, backend.expectation(circuit, observables, params)
        )
    return CrosscheckReport(differences)


def _distance(a: Any, b: Any) -> float:
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b)), initial=0.0))


__all__ = ["CrosscheckReport", "crosscheck"]
