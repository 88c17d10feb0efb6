"""A goodness-of-fit check of sampled counts against exact probabilities.

The test is Pearson's chi-squared, rejecting when its p-value is below
``REJECT_BELOW = 1e-6``. If the counts really are ``shots`` draws from the
probabilities, the p-value is (asymptotically) uniform on [0, 1], so a correct
sampler fails one check in a million: practically never, and the tests fix their
seeds besides, so a passing test keeps passing. A real error (a reversed bit
order, a lost channel, a missing readout error) moves probabilities by several
percent, which at the thousands of shots used here gives p-values far below
1e-6 (``test_the_check_rejects_a_wrong_distribution`` shows one). Outcomes expected
fewer than 5 times are pooled into one bin so the chi-squared approximation holds;
an outcome of probability 0 that occurs fails at once.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import chisquare

#: p-value below which counts are declared not drawn from the probabilities.
REJECT_BELOW = 1e-6


def counts_p_value(counts: dict[str, int], probabilities: np.ndarray) -> float:
    """Chi-squared p-value of ``counts`` (qiskit bit strings) as draws from ``probabilities``.

    ``probabilities[i]`` is the probability of the key ``format(i, "0{k}b")``.
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    observed = np.zeros(probabilities.size)
    for key, count in counts.items():
        observed[int(key, 2) if key else 0] += count
    shots = observed.sum()
    if np.any(observed[probabilities <= 1e-15] > 0):
        return 0.0
    expected = shots * probabilities / probabilities.sum()
    small = expected < 5
    if small.any():
        observed = np.append(observed[~small], observed[small].sum())
        expected = np.append(expected[~small], expected[small].sum())
        if expected[-1] == 0:
            observed, expected = observed[:-1], expected[:-1]
    if observed.size < 2:
        return 1.0
    return float(chisquare(observed, expected).pvalue)


def assert_counts_match(counts: dict[str, int], probabilities: np.ndarray) -> None:
    """Fail when ``counts`` are implausible as draws from ``probabilities`` (p < 1e-6)."""
    p = counts_p_value(counts, probabilities)
    assert p >= REJECT_BELOW, (
        f"counts {counts} do not fit {np.round(probabilities, 4)}: p = {p:.1e}"
    )
