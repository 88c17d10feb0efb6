"""Hypothesis strategies: random circuits over the whole standard gate set and Unitary."""

from __future__ import annotations

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from scipy.stats import unitary_group

from qml import Circuit
from qml.gates import STANDARD_GATES, Controlled, Diagonal, Gate, Permutation, Unitary

#: Property tests stay modest so the whole suite runs in seconds.
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None)

#: Angles, with the special values where formulas tend to break.
angles = st.one_of(
    st.sampled_from([0.0, np.pi / 2, np.pi, -np.pi, 2 * np.pi]),
    st.floats(-4 * np.pi, 4 * np.pi, allow_nan=False, allow_infinity=False),
)


@st.composite
def unitaries(draw, max_qubits: int = 3) -> Unitary:
    """A Haar-random ``Unitary`` on 1 to ``max_qubits`` qubits."""
    k = draw(st.integers(1, max_qubits))
    seed = draw(st.integers(0, 2**32 - 1))
    return Unitary(unitary_group.rvs(1 << k, random_state=seed))


@st.composite
def generic_gates(draw, max_qubits: int) -> Gate:
    """A ``Diagonal``, a ``Permutation`` or a ``Controlled`` standard gate or ``Unitary``
    (open controls included) on at most ``max_qubits`` qubits."""
    kind = draw(st.sampled_from(["diagonal", "permutation", "controlled"]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if kind != "controlled":
        k = draw(st.integers(1, min(3, max_qubits)))
        if kind == "diagonal":
            return Diagonal(np.exp(1j * rng.uniform(-np.pi, np.pi, 1 << k)))
        return Permutation(rng.permutation(1 << k))
    controls = draw(st.integers(1, max(1, max_qubits - 1)))
    bases = [c for c in STANDARD_GATES.values() if c.num_qubits <= max_qubits - controls]
    base_cls = draw(st.sampled_from([*bases, Unitary]))
    if base_cls is Unitary:
        base: Gate = Unitary(unitary_group.rvs(2, random_state=seed))
    else:
        base = base_cls(*(draw(angles) for _ in range(base_cls.num_params)))
    return Controlled(base, controls, draw(st.integers(0, (1 << controls) - 1)))


@st.composite
def circuits(
    draw, min_qubits: int = 1, max_qubits: int = 8, max_gates: int = 16, unitary: bool = True,
    generic: bool = True,
) -> Circuit:  # fmt: skip
    """A circuit of standard gates (and ``Unitary`` and generic gates) on random qubits."""
    n = draw(st.integers(min_qubits, max_qubits))
    kinds: list = [cls for cls in STANDARD_GATES.values() if cls.num_qubits <= n]
    if unitary:
        kinds.append(Unitary)
    if unitary and generic:
        kinds.append("generic")
    circuit = Circuit(n, global_phase=draw(angles))
    for _ in range(draw(st.integers(0, max_gates))):
        kind = draw(st.sampled_from(kinds))
        if kind is Unitary:
            gate = draw(unitaries(max_qubits=min(3, n)))
        elif kind == "generic":
            gate = draw(generic_gates(max_qubits=n))
            if gate.num_qubits > n:
                continue
        else:
            gate = kind(*(draw(angles) for _ in range(kind.num_params)))
        qubits = draw(st.permutations(range(n)))[: gate.num_qubits]
        circuit.append(gate, qubits)
    return circuit
