"""Random parameterized circuits and Pauli sums, built twice: in qml and, independently, in qiskit.

A ``Spec`` is a plain description of a circuit (gate names, qubits, and each angle as
a small expression of named parameters). ``Spec.qml_circuit()`` builds it with qml
``Parameter`` objects and expressions; ``Spec.qiskit_circuit(values)`` evaluates the
same expressions on floats and builds a bound qiskit circuit from qiskit's own gate
classes, without qml's conversion. Expectation values, probabilities and finite
differences computed from the qiskit side are therefore an independent oracle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st
from qiskit import QuantumCircuit
from qiskit.circuit.library import UnitaryGate
from qiskit.quantum_info import SparsePauliOp, Statevector
from scipy.stats import unitary_group

import qml
from qml.gates import STANDARD_GATES, Unitary
from tests.reference import QISKIT_GATES

#: Every gate whose angles qml differentiates: Pauli rotations, phases, U and the
#: controlled rotations (CU has four angles, U three).
ROTATIONS = ("rx", "ry", "rz", "p", "u", "crx", "cry", "crz", "cp", "cu")
ROTATIONS += ("rxx", "ryy", "rzz", "rzx")
#: Fixed gates mixed in so that states are entangled and not aligned with the axes.
FIXED = ("h", "sx", "s", "t", "cx", "cz", "cy", "ch", "swap", "iswap", "ecr", "ccx", "unitary")

#: Angle expressions of two parameters ``a`` and ``b`` (possibly the same one). Each
#: function works on qml Parameters (giving a ParameterExpression) and on floats.
EXPRESSIONS: dict[str, Callable[[Any, Any], Any]] = {
    "a": lambda a, b: a,
    "-a": lambda a, b: -a,
    "2*a + 1": lambda a, b: 2 * a + 1,
    "a*b": lambda a, b: a * b,
    "a**2": lambda a, b: a**2,
    "a - 0.5*b": lambda a, b: a - 0.5 * b,
    "0.5*a*b - a + 0.3": lambda a, b: 0.5 * a * b - a + 0.3,
}


@dataclass(frozen=True)
class Angle:
    """One gate angle: ``EXPRESSIONS[kind](a, b)``, or the number ``constant`` if kind is None."""

    kind: str | None
    a: str = "a"
    b: str = "b"
    constant: float = 0.0

    def value(self, symbols: Mapping[str, Any]) -> Any:
        """The angle with ``symbols`` (qml Parameters or floats) substituted for the names."""
        if self.kind is None:
            return self.constant
        return EXPRESSIONS[self.kind](symbols[self.a], symbols[self.b])

    def __repr__(self) -> str:
        if self.kind is None:
            return f"{self.constant:.6g}"
        return self.kind.replace("a", self.a.upper()).replace("b", self.b.upper())


@dataclass
class Op:
    """A gate: its qiskit name (or "unitary"), qubits in the gate's order, angles or matrix."""

    name: str
    qubits: tuple[int, ...]
    angles: tuple[Angle, ...] = ()
    matrix: np.ndarray | None = field(default=None, repr=False)


@dataclass
class Spec:
    """A circuit of ``num_qubits`` qubits: ``ops`` in order, and a global phase angle."""

    num_qubits: int
    ops: list[Op]
    phase: Angle = Angle(None)

    def qml_circuit(self) -> qml.Circuit:
        """The circuit in qml, with one ``qml.Parameter`` per name."""
        symbols = _Symbols()
        circuit = qml.Circuit(self.num_qubits)
        for op in self.ops:
            if op.name == "unitary":
                gate = Unitary(op.matrix)
            else:
                gate = STANDARD_GATES[op.name](*(angle.value(symbols) for angle in op.angles))
            circuit.append(gate, list(op.qubits))
        circuit.global_phase = self.phase.value(symbols)
        return circuit

    def qiskit_circuit(self, values: Mapping[str, float]) -> QuantumCircuit:
        """The circuit bound at ``values`` (by parameter name), from qiskit's gate classes."""
        qc = QuantumCircuit(self.num_qubits, global_phase=float(self.phase.value(values)))
        for op in self.ops:
            if op.name == "unitary":
                gate = UnitaryGate(op.matrix)
            else:
                gate = QISKIT_GATES[op.name](*(float(angle.value(values)) for angle in op.angles))
            qc.append(gate, list(op.qubits))
        return qc


class _Symbols(dict):
    """Creates each ``qml.Parameter`` the first time its name is looked up."""

    def __missing__(self, name: str) -> qml.Parameter:
        self[name] = qml.Parameter(name)
        return self[name]


# -- hypothesis strategies --------------------------------------------------------------


def _arity(name: str) -> int:
    return 2 if name == "unitary" else STANDARD_GATES[name].num_qubits


@st.composite
def angles(draw, names: Sequence[str]) -> Angle:
    """A random angle: a constant or an expression of one or two of ``names``."""
    kind = draw(st.sampled_from([None, *EXPRESSIONS]))
    if kind is None:
        return Angle(None, constant=draw(st.floats(-3, 3)))
    a = draw(st.sampled_from(names))
    b = draw(st.sampled_from(names)) if "b" in kind else a  # b only where the formula uses it
    return Angle(kind, a, b)


@st.composite
def specs(
    draw, min_qubits: int = 2, max_qubits: int = 4, max_gates: int = 8,
    names: Sequence[str] = ("a", "b", "c"),
) -> Spec:  # fmt: skip
    """A random parameterized circuit over every rotation gate, with fixed gates between.

    The first gate is a rotation whose first angle uses a parameter, so every circuit
    has at least one; parameters are shared between gates because names repeat; the
    global phase sometimes uses a parameter ("g") that no gate uses.
    """
    n = draw(st.integers(min_qubits, max_qubits))
    rotations = [name for name in ROTATIONS if _arity(name) <= n]
    fixed = [name for name in FIXED if _arity(name) <= n]
    ops = []
    for i in range(draw(st.integers(1, max_gates))):
        is_rotation = i == 0 or draw(st.booleans()) or draw(st.booleans())
        name = draw(st.sampled_from(rotations if is_rotation else fixed))
        qubits = tuple(draw(st.permutations(range(n)))[: _arity(name)])
        if name == "unitary":
            seed = draw(st.integers(0, 2**32 - 1))
            ops.append(Op(name, qubits, matrix=unitary_group.rvs(4, random_state=seed)))
            continue
        count = STANDARD_GATES[name].num_params
        gate_angles = [draw(angles(names)) for _ in range(count)]
        if i == 0 and gate_angles[0].kind is None:
            gate_angles[0] = Angle("a", names[0], names[0])
        ops.append(Op(name, qubits, tuple(gate_angles)))
    phase = draw(st.sampled_from([Angle(None, constant=0.4), Angle("2*a + 1", "g", "g")]))
    return Spec(n, ops, phase)


@st.composite
def pauli_terms(draw, num_qubits: int, max_terms: int = 4) -> list[tuple[float, str]]:
    """Random ``(coefficient, label)`` terms: letters I, X, Y, Z, real coefficients."""
    label = st.text(alphabet="IXYZ", min_size=num_qubits, max_size=num_qubits)
    coefficient = st.floats(-2, 2, allow_nan=False, allow_infinity=False)
    return draw(st.lists(st.tuples(coefficient, label), min_size=1, max_size=max_terms))


def qml_observable(terms: Sequence[tuple[float, str]]) -> qml.PauliSum:
    """The terms as a qml observable built with ``*`` and ``+``."""
    total = terms[0][0] * qml.Pauli(terms[0][1])
    for coefficient, label in terms[1:]:
        total = total + coefficient * qml.Pauli(label)
    return total


def qiskit_observable(terms: Sequence[tuple[float, str]]) -> SparsePauliOp:
    """The same terms as qiskit's SparsePauliOp, built from the labels directly."""
    return SparsePauliOp([label for _, label in terms], [c for c, _ in terms])


# -- oracles ----------------------------------------------------------------------------


def row_values(circuit: qml.Circuit, row: Sequence[float]) -> dict[str, float]:
    """``{name: value}`` for one row of a params array in ``circuit.parameters`` order."""
    return {p.name: float(v) for p, v in zip(circuit.parameters, row, strict=True)}


def qiskit_expectations(
    spec: Spec, values: Mapping[str, float], observables: Sequence[SparsePauliOp]
) -> np.ndarray:
    """``<O_k>`` of the qiskit circuit at ``values``, by ``Statevector.expectation_value``."""
    state = Statevector(spec.qiskit_circuit(values))
    return np.array([state.expectation_value(op).real for op in observables])


#: Five-point central stencil: f'(x) ≈ sum_k w_k f(x + k h) / h, error O(h**4).
STENCIL = ((-2, 1 / 12), (-1, -8 / 12), (1, 8 / 12), (2, -1 / 12))
STEP = 1e-3


def qiskit_jacobian(
    spec: Spec, names: Sequence[str], rows: np.ndarray, observables: Sequence[SparsePauliOp]
) -> np.ndarray:
    """``d<O_k>/d p`` by finite differences of qiskit expectation values: ``(B, K, P)``.

    A five-point stencil with step 1e-3: truncation about ``h**4 * f''''' / 30`` and
    rounding about ``1e-16 / h``, both far below 1e-9 for the angles used here.
    """
    out = np.zeros((rows.shape[0], len(observables), len(names)))
    for b, row in enumerate(rows):
        for j, name in enumerate(names):
            for k, weight in STENCIL:
                values = dict(zip(names, row, strict=True))
                values[name] += k * STEP
                out[b, :, j] += weight * qiskit_expectations(spec, values, observables) / STEP
    return out
