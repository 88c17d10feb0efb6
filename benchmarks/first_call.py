"""The first calls after install, in fresh processes: nothing compiled at run time.

What is measured
    Each run is a new interpreter. ``calls`` times ``import qml``, the first
    ``qml.simulate`` of a 4-qubit circuit (RY layer, CX ring), then the first batched
    ``qml.expectation`` and the first adjoint ``qml.gradient`` of a parameterized one;
    ``fit`` times ``import qml`` and a default ``QuantumClassifier(random_state=0).fit``
    on 300 x 10 data (scikit-learn's ``make_classification``); ``train`` times the wall
    clock of ``python -m qml.train`` with no arguments. Three settings:

    - "cold": no run-time cache of any earlier process: numba's disk cache empty
      (``NUMBA_CACHE_DIR``, for versions of qml that used numba) and nothing of qml's
      own (qml's kernels are C++ compiled by ``pip install``, so nothing of qml's
      compiles at run time); Python bytecode as the install left it;
    - "strict": also no Python bytecode cache for any package (``PYTHONPYCACHEPREFIX``
      an empty folder): every module imported is compiled from source, qiskit's,
      scipy's and scikit-learn's included;
    - "warm": caches as found, what every process after the first sees.

    Goals (issue 13, cold): import + first simulate under 1.0 s; first expectation and
    first adjoint gradient under 1.0 s more, together; the default fit under 3 s
    including import; ``python -m qml.train`` under 6 s. Best of ``--repeat`` runs.

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
STEPS = ("import", "simulate", "expectation", "gradient", "fit", "train")
#: (label, steps summed, goal in seconds)
GOALS = (
    ("import + first simulate", ("import", "simulate"), 1.0),
    ("first expectation + adjoint gradient", ("expectation", "gradient"), 1.0),
    ("import + default fit (300 x 10)", ("fit",), 3.0),
    ("python -m qml.train, wall", ("train",), 6.0),
)


def child_calls() -> dict[str, float]:
    """In a fresh process: the import and each first call."""
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
    return times


def child_fit() -> dict[str, float]:
    """In a fresh process: import qml and fit the default classifier on 300 x 10."""
    start = time.perf_counter()
    from sklearn.datasets import make_classification

    from qml.hybrid import QuantumClassifier

    X, y = make_classification(n_samples=300, n_features=10, random_state=0)
    QuantumClassifier(random_state=0).fit(X, y)
    return {"fit": time.perf_counter() - start}


def run_child(kind: str, environment: dict[str, str]) -> dict[str, float]:
    """One fresh interpreter running the child ``kind``; its timings."""
    command = [sys.executable, os.path.abspath(__file__), "--child", kind]
    completed = subprocess.run(
        command, env={**os.environ, **environment}, capture_output=True, text=True, check=False
    )
    for line in completed.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK) :])
    raise SystemExit(f"the child failed (status {completed.returncode}): {completed.stderr}")


def run_train(environment: dict[str, str]) -> dict[str, float]:
    """Wall clock of ``python -m qml.train`` (the README's main job) in a fresh process."""
    with tempfile.TemporaryDirectory(prefix="qml-train-") as folder:
        start = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, "-m", "qml.train", "--quiet"],
            env={**os.environ, **environment},
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - start
    if completed.returncode:
        raise SystemExit(f"qml.train failed ({completed.returncode}): {completed.stderr}")
    return {"train": elapsed}


def measure(setting: str) -> dict[str, float]:
    """Every step once, in fresh processes; "cold" and "strict" start each from empty caches."""
    times: dict[str, float] = {}
    for step in ("calls", "fit", "train"):
        with tempfile.TemporaryDirectory(prefix="qml-cold-") as empty:
            environment = {}
            if setting in ("cold", "strict"):
                environment["NUMBA_CACHE_DIR"] = empty
            if setting == "strict":
                environment["PYTHONPYCACHEPREFIX"] = os.path.join(empty, "bytecode")
            if step == "train":
                times.update(run_train(environment))
            else:
                times.update(run_child(step, environment))
    return times


def main(argv: list[str] | None = None) -> int:
    """Run the children and print one table and the goals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per setting (3)")
    parser.add_argument("--threads", type=int, default=1, help="threads for qml (1)")
    parser.add_argument("--child", choices=("calls", "fit"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        times = child_calls() if args.child == "calls" else child_fit()
        print(MARK + json.dumps(times))
        return 0
    if args.repeat < 1 or args.threads < 1:
        parser.error("--repeat and --threads must be >= 1")
    _common.pin_threads(args.threads)
    qml = _common.import_qml(args.threads)
    print(_common.describe_environment(qml, args.threads, ("numba", "scikit-learn")))
    rows, best_by_setting = [], {}
    for label in ("cold", "strict", "warm"):
        runs = [measure(label) for _ in range(args.repeat)]
        best = {step: min(run[step] for run in runs) for step in STEPS}
        best_by_setting[label] = best
        rows.append([label, *(f"{best[step]:.3f}" for step in STEPS)])
    print(f"\n== first calls in fresh processes, seconds, best of {args.repeat}; "
          f"{_common.load_average()} ==")  # fmt: skip
    print(format_table(["caches", *(f"{step} s" for step in STEPS)], rows))
    for label, steps, goal in GOALS:
        for setting, best in best_by_setting.items():
            total = sum(best[step] for step in steps)
            verdict = "met" if total < goal else "NOT met"
            print(f"goal ({setting}): {label} under {goal:g} s: {total:.2f} s, {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
