"""Parameter-shift rules, derived from a gate's generator.

For ``U(θ) = exp(-iθG/2)`` an expectation value is a trigonometric polynomial
in θ whose frequencies are the distinct positive differences of G's
eigenvalues, halved. With R equidistant frequencies ``Ω, 2Ω, ..., RΩ`` the
derivative is exactly (Wierichs et al., Quantum 6, 677, 2022)

    dE/dθ = Ω Σ_μ E(θ + x_μ/Ω) (-1)**(μ-1) / (4R sin²(x_μ/2)),
    x_μ = (2μ - 1)π / (2R),  μ = 1 .. 2R.

The familiar rules are settings of it: a Pauli rotation or a phase gate has
one frequency (two terms, shifts ±π/2, coefficients ±1/2); a controlled
rotation has two, 1/2 and 1 (four terms). Frequencies that are not multiples
of a common one are fitted on as many shifts by a linear solve.
"""

from __future__ import annotations

import functools

import numpy as np

#: A shift rule: ``dE/dθ = sum of coefficient * E(θ + shift)``.
ShiftRule = tuple[tuple[float, float], ...]
#: Eigenvalue differences closer than this are one frequency.
TOLERANCE = 1e-9

__all__ = ["TOLERANCE", "frequencies", "rule_for", "rule_from_frequencies"]


def frequencies(generator: np.ndarray) -> tuple[float, ...]:
    """The distinct positive frequencies of ``exp(-iθG/2)``: eigenvalue differences / 2."""
    eigenvalues = np.linalg.eigvalsh(np.asarray(generator, dtype=np.complex128))
    differences = np.abs(eigenvalues[:, None] - eigenvalues[None, :]).ravel() / 2
    found: list[float] = []
    for value in np.sort(differences):
        if value > TOLERANCE and (not found or value - found[-1] > TOLERANCE):
            found.append(float(value))
    return tuple(found)


def rule_for(generator: np.ndarray) -> ShiftRule:
    """The exact shift rule of a gate ``exp(-iθG/2)``."""
    return rule_from_frequencies(frequencies(generator))


@functools.cache
def rule_from_frequencies(omegas: tuple[float, ...]) -> ShiftRule:
    """The shift rule for a trigonometric polynomial with frequencies ``omegas``."""
    if not omegas:
        return ()  # the gate is a global phase: E does not depend on θ
    base = omegas[0]
    multiples = [w / base for w in omegas]
    count = round(multiples[-1])
    if all(abs(m - round(m)) < 1e-9 for m in multiples):
        x = (2 * np.arange(1, 2 * count + 1) - 1) * np.pi / (2 * count)
        signs = (-1.0) ** np.arange(2 * count)
        coefficients = base * signs / (4 * count * np.sin(x / 2) ** 2)
        return tuple((float(c), float(s)) for c, s in zip(coefficients, x / base, strict=True))
    # incommensurate frequencies: E(θ+x) - E(θ-x) = 2 Σ_l b_l sin(ω_l x), dE/dθ = Σ_l ω_l b_l
    shifts = (2 * np.arange(1, len(omegas) + 1) - 1) * np.pi / (2 * len(omegas) * omegas[-1])
    sines = np.sin(np.outer(shifts, omegas))
    weights = np.linalg.solve(sines.T, np.asarray(omegas)) / 2
    return tuple(term for w, x in zip(weights, shifts, strict=True) for term in ((w, x), (-w, -x)))
