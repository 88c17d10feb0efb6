"""Text drawings of circuits in the style of qiskit's ``QuantumCircuit.draw()``.

Each qubit ``q`` is a wire ``q_q``; qubit 0 is on top. A wire takes three
text lines (box top, wire, box bottom), and neighbouring wires share their
border line, as in qiskit. Gates are placed in the earliest layer where the
wires they span are free.
"""

from __future__ import annotations

import numbers
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from qml.circuits.circuit import Circuit, Instruction

# What two strokes written into one cell become.
_MERGE = {
    ("└", "┌"): "├", ("┘", "┐"): "┤", ("┌", "└"): "├", ("┐", "┘"): "┤",
    ("┴", "┬"): "┼", ("─", "┴"): "┴", ("─", "┬"): "┬", ("┴", "─"): "┴", ("┬", "─"): "┬",
    ("└", "┬"): "├", ("┬", "┌"): "┬",
}  # fmt: skip


def format_param(value: Any) -> str:
    """A parameter as qiskit prints it: simple multiples of π as ``π/2``, else 5 digits."""
    if isinstance(value, np.ndarray):
        return f"[{value.shape[0]}]"
    if not isinstance(value, numbers.Real):
        return str(value)
    ratio = Fraction(float(value) / np.pi).limit_denominator(16)
    if ratio != 0 and abs(float(ratio) * np.pi - float(value)) < 1e-9:
        num, den = ratio.numerator, ratio.denominator
        text = {1: "π", -1: "-π"}.get(num, f"{num}π")
        return text if den == 1 else f"{text}/{den}"
    return f"{float(value):.5g}"


def gate_label(gate: Any) -> str:
    """``Ry(π/2)``, ``H``, ``Unitary``: the text inside a gate's box (a controlled gate's
    target box), from the gate's own ``label`` or, lacking one, its name as qiskit would
    capitalise it."""
    name, params = gate.name, gate.params
    base = gate.label or (name.upper() if len(name) <= 2 else name.capitalize())
    if not params:
        return base
    return f"{base}({','.join(format_param(p) for p in params)})"


class _Canvas:
    """Text lines 0 .. 2n; wire q is line 2q+1, its borders lines 2q and 2q+2."""

    def __init__(self, num_qubits: int, width: int) -> None:
        self.lines = [[" "] * width for _ in range(2 * num_qubits + 1)]
        for q in range(num_qubits):
            self.lines[2 * q + 1] = ["─"] * width

    def put(self, line: int, text: str) -> None:
        row = self.lines[line]
        for i, ch in enumerate(text):
            old = row[i]
            row[i] = ch if old == " " else _MERGE.get((old, ch), ch)

    def box(self, top: int, bottom: int, labels: dict[int, str], up: bool, down: bool) -> None:
        width = len(self.lines[0])
        inner = width - 2
        mid = inner // 2
        top_line = "┌" + "─" * inner + "┐"
        bottom_line = "└" + "─" * inner + "┘"
        if up:
            top_line = top_line[: mid + 1] + "┴" + top_line[mid + 2 :]
        if down:
            bottom_line = bottom_line[: mid + 1] + "┬" + bottom_line[mid + 2 :]
        self.put(2 * top, top_line)
        self.put(2 * bottom + 2, bottom_line)
        for q in range(top, bottom + 1):
            text = labels.get(q)
            self.lines[2 * q + 1] = list(
                ("┤" + text.center(inner) + "├") if text is not None else ("│" + " " * inner + "│")
            )
            if q < bottom:
                self.lines[2 * q + 2] = list("│" + " " * inner + "│")

    def symbol(self, q: int, ch: str, up: bool, down: bool) -> None:
        width = len(self.lines[0])
        c = width // 2
        row = self.lines[2 * q + 1]
        row[c] = ch
        if up:
            self.lines[2 * q][c] = _MERGE.get((self.lines[2 * q][c], "│"), "│")
        if down:
            self.lines[2 * q + 2][c] = "│"

    def cross(self, q: int) -> None:
        c = len(self.lines[0]) // 2
        self.lines[2 * q + 1][c] = "┼"
        self.lines[2 * q][c] = "│"
        self.lines[2 * q + 2][c] = "│"


def _element_width(instruction: Instruction) -> int:
    gate, qubits = instruction
    label = gate_label(gate)
    if not gate.num_controls and len(qubits) > 1 and gate.draw_as != "swap":
        label = "0 " + label
    return len(label) + 4


def _draw_layer(n: int, layer: list[Instruction], measured: dict[int, int] | None) -> list[str]:
    width = max([_element_width(i) for i in layer] + [5 if measured else 1])
    width += (width + 1) % 2  # odd widths keep connectors centred
    canvas = _Canvas(n, width)
    if measured:
        for q in measured:
            canvas.box(q, q, {q: "M"}, False, False)
    for gate, qubits in layer:
        lo, hi = min(qubits), max(qubits)
        symmetric, swap = gate.draw_as == "symmetric", gate.draw_as == "swap"
        if swap or symmetric or gate.num_controls:
            controls = set(qubits[: gate.num_controls]) if not symmetric else set(qubits)
            state = getattr(gate, "ctrl_state", None)  # open controls are drawn as "o"
            opened = {q for j, q in enumerate(qubits[: gate.num_controls])
                      if state is not None and not (state >> j) & 1}  # fmt: skip
            targets = [q for q in qubits if q not in controls]
            for q in range(lo, hi + 1):
                if q in controls:
                    canvas.symbol(q, "o" if q in opened else "■", q > lo, q < hi)
                elif q in targets and swap:
                    canvas.symbol(q, "X", q > lo, q < hi)
                elif q not in targets:
                    canvas.cross(q)
            if targets and not swap:
                t, last = targets[0], targets[-1]
                labels = {q: gate_label(gate) if q == t else "" for q in targets}
                canvas.box(t, last, labels, t > lo, last < hi)
        elif len(qubits) == 1:
            canvas.box(lo, lo, {lo: gate_label(gate)}, False, False)
        else:
            label = gate_label(gate)
            labels = {
                q: f"{j} {label if j == 0 else ''}".ljust(width - 3) for j, q in enumerate(qubits)
            }
            canvas.box(lo, hi, labels, False, False)
    return ["".join(row) for row in canvas.lines]


def _layers(circuit: Circuit) -> list[list[Instruction]]:
    free = [0] * circuit.num_qubits
    layers: list[list[Instruction]] = []
    for instruction in circuit:
        lo, hi = min(instruction.qubits), max(instruction.qubits)
        at = max(free[lo : hi + 1])
        if at == len(layers):
            layers.append([])
        layers[at].append(instruction)
        for q in range(lo, hi + 1):
            free[q] = at + 1
    return layers


def draw_text(circuit: Circuit, fold: int = 80) -> str:
    """The drawing as one string; lines wider than ``fold`` wrap onto pages."""
    n = circuit.num_qubits
    if n == 0:
        return "(empty circuit: 0 qubits)"
    names = [f"q_{q}: " for q in range(n)]
    pad = max(len(s) for s in names)
    margin = [" " * pad if i % 2 == 0 else names[i // 2].rjust(pad) for i in range(2 * n + 1)]
    blocks = [_draw_layer(n, layer, None) for layer in _layers(circuit)]
    if circuit.measurements:
        blocks.append(_draw_layer(n, [], circuit.measurements))
    blocks.append(["─" if i % 2 else " " for i in range(2 * n + 1)])
    pages: list[list[str]] = []
    current = [""] * (2 * n + 1)
    for block in blocks:
        if current[0] and pad + len(current[0]) + len(block[0]) > fold:
            pages.append(current)
            current = [""] * (2 * n + 1)
        current = [a + b for a, b in zip(current, block, strict=True)]
    pages.append(current)
    header = []
    phase = circuit.global_phase
    if not (isinstance(phase, float) and phase == 0.0):
        header = [f"global phase: {format_param(phase)}"]
    text = [
        "\n".join(
            m + line.rstrip() if line.strip() else (m + line).rstrip()
            for m, line in zip(margin, page, strict=True)
        )
        for page in pages
    ]
    return "\n".join([*header, "\n\n".join(text)])
