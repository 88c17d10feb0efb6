"""The first call after ``import qml``, compilation included, in fresh processes.

What is measured
    Each run is a new interpreter that times ``import qml``, then the first
    ``qml.simulate`` of a small circuit (4 qubits, RY layer and CX ring), then the first
    batched ``qml.expectation`` and the first adjoint ``qml.gradient`` of a parameterized
    one (each the first use of its kernels). Two settings: numba's disk cache as found
    (what every process after the first sees) and an empty cache directory (a new
    install: every kernel compiles). Best of ``--repeat`` runs each. Goal: the first
    call under 3 s with the cache empty, and later processes reuse the cache.

Run (in the benchmark environment, see README.md)::

    python benchmarks/first_call.py --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import _common
from _common import format_table

#: The child prints its timings on a line starting with this.
MARK = "FIRST_CALL "
GOAL_SECONDS = 3.0
STEPS = ("import", "simulate", "expectation", "gradient")


def child() -> int:
    """In a fresh process: time the import and each first call; print them as JSON."""
    times = {}
    start = time.perf_counter()
    import numpy as np

    import qml

    times["import"] = time.perf_counter() - start
    circuit = qml.Circuit(4)
    for q in range(4):
        circuit.ry(0.1 * (q + 1), q)
    for q in range(4):
        circuit.cx(q, (q + 1) % 4)
    start = time.perf_counter()
    qml.simulate(circuit)
    times["simulate"] = time.perf_counter() - start
    x = qml.ParameterVector("x", 4)
    variational = qml.Circuit(4)
    for q in range(4):
        variational.ry(x[q], q).rz(2 * x[q], q)
    for q in range(4):
        variational.cx(q, (q + 1) % 4)
    params = np.random.default_rng(0).uniform(-1, 1, (8, 4))
    start = time.perf_counter()
    qml.expectation(variational, qml.Pauli("ZIII"), params=params)
    times["expectation"] = time.perf_counter() - start
    start = time.perf_counter()
    qml.gradient(variational, qml.Pauli("ZIII"), params)
    times["gradient"] = time.perf_counter() - start
    print(MARK + json.dumps(times))
    return 0


def run_child(environment: dict[str, str]) -> dict[str, float]:
    """One fresh interpreter running :func:`child`; its timings."""
    command = [sys.executable, os.path.abspath(__file__), "--child"]
    completed = subprocess.run(
        command, env={**os.environ, **environment}, capture_output=True, text=True, check=False
    )
    for line in completed.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK) :])
    raise SystemExit(f"the child failed (status {completed.returncode}): {completed.stderr}")


def main(argv: list[str] | None = None) -> int:
    """Run the children and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per setting (3)")
    parser.add_argument("--threads", type=int, default=1, help="threads for qml (1)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child()
    if args.repeat < 1 or args.threads < 1:
        parser.error("--repeat and --threads must be >= 1")
    _common.pin_threads(args.threads)
    qml = _common.import_qml(args.threads)
    print(_common.describe_environment(qml, args.threads, ("numba",)))
    rows, first_cold = [], []
    for label in ("numba cache as found", "empty numba cache"):
        runs = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory(prefix="numba-cache-") as empty:
                environment = {"NUMBA_CACHE_DIR": empty} if label.startswith("empty") else {}
                runs.append(run_child(environment))
        best = {step: min(run[step] for run in runs) for step in STEPS}
        if label.startswith("empty"):
            first_cold = [run["simulate"] for run in runs]
        rows.append([label, *(f"{best[step]:.3f}" for step in STEPS)])
    print(f"\n== first calls in fresh processes, seconds, best of {args.repeat}; "
          f"{_common.load_average()} ==")  # fmt: skip
    print(format_table(["numba cache", *(f"{step} s" for step in STEPS)], rows))
    verdict = "met" if min(first_cold) < GOAL_SECONDS else "NOT met"
    print(f"goal: first simulate with an empty cache under {GOAL_SECONDS:g} s: {verdict} "
          f"(runs: {', '.join(f'{t:.2f}' for t in first_cold)} s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
