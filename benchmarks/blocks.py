"""Would fusing two one-qubit gates and a CX into one dense 4x4 block save time?

What is measured
    On one large state (default 22 qubits), for several neighbouring qubit pairs
    ``(q, q + 1)``: ``--gates`` repetitions of RX on q, RY on q + 1 and CX(q, q + 1) as
    qml runs them (three ops, one-qubit chains and diagonal groups fused as usual), against
    the same number of dense 4x4 unitaries on the pair, which is what a two-qubit block
    fusion would turn each triple into. Also the time of one streaming pass over the
    state (numpy ``state *= phase``), to say how many passes each costs.

    A 4x4 block reads and writes the state once but does 16 complex multiply-adds per
    four amplitudes; the three ops make about two and a half passes of cheap arithmetic.
    Fusion into blocks pays only where the block's ratio column is below 1.

Run (in the benchmark environment, see README.md)::

    python benchmarks/blocks.py --qubits 22 --threads 1
"""

from __future__ import annotations

import argparse
import sys

import _common
import numpy as np
from _common import format_table, time_call


def pair_circuits(qml: object, num_qubits: int, q: int, gates: int, seed: int) -> tuple:
    """``(triples, blocks)``: ``gates`` times (RX, RY, CX) on ``(q, q + 1)``, or 4x4 blocks."""
    from scipy.stats import unitary_group

    from qml.gates import Unitary

    rng = np.random.default_rng(seed)
    triples, blocks = qml.Circuit(num_qubits), qml.Circuit(num_qubits)
    for _ in range(gates):
        triples.rx(rng.uniform(-np.pi, np.pi), q).ry(rng.uniform(-np.pi, np.pi), q + 1)
        triples.cx(q, q + 1)
        blocks.append(Unitary(unitary_group.rvs(4, random_state=rng)), [q, q + 1])
    return triples, blocks


def pass_time(num_qubits: int) -> float:
    """Best time of one streaming read-and-write pass over a complex128 state (numpy)."""
    state = np.ones(1 << num_qubits, dtype=np.complex128)
    phase = np.exp(0.1j)
    return time_call(lambda: np.multiply(state, phase, out=state), 20).best


def main(argv: list[str] | None = None) -> int:
    """Time triples against blocks on each pair and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qubits", type=int, default=22, help="state size (22)")
    parser.add_argument("--pairs", type=int, nargs="+", default=None,
                        help="lower qubit of each pair (default: 0, 2, 5, n/2, n-2)")  # fmt: skip
    parser.add_argument("--gates", type=int, default=10, help="triples or blocks per run (10)")
    parser.add_argument("--repeat", type=int, default=3, help="timed calls (3)")
    parser.add_argument("--threads", type=int, default=1, help="threads for qml (1)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    n = args.qubits
    pairs = args.pairs or sorted({0, 2, 5, n // 2, n - 2})
    if n < 3 or any(not 0 <= q < n - 1 for q in pairs) or min(args.repeat, args.gates) < 1:
        parser.error("--qubits >= 3, pairs inside the state, --repeat and --gates >= 1")
    _common.pin_threads(args.threads)
    qml = _common.import_qml(args.threads)
    print(_common.describe_environment(qml, args.threads, ()))
    qml.simulate(pair_circuits(qml, 8, 0, 1, args.seed)[1])  # compile before timing
    one_pass = pass_time(n)
    rows = []
    for q in pairs:
        triples, blocks = pair_circuits(qml, n, q, args.gates, args.seed)
        t = time_call(lambda c=triples: qml.simulate(c), args.repeat).best / args.gates
        b = time_call(lambda c=blocks: qml.simulate(c), args.repeat).best / args.gates
        rows.append([f"({q}, {q + 1})", f"{t * 1e3:.2f}", f"{t / one_pass:.1f}",
                     f"{b * 1e3:.2f}", f"{b / one_pass:.1f}", f"{b / t:.2f}x"])  # fmt: skip
    print(f"\n== {n} qubits, one pass over the state {one_pass * 1e3:.2f} ms; per triple or "
          f"block, best of {args.repeat}; {_common.load_average()} ==")  # fmt: skip
    headers = ["pair", "RX,RY,CX ms", "passes", "4x4 block ms", "passes", "block/triple"]
    print(format_table(headers, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
