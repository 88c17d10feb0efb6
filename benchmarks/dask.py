"""qml past one process: the same work in one process and on a two-worker Dask cluster.

What is measured
    One process (one thread, numpy arrays) against a ``dask.distributed.LocalCluster`` of
    ``--workers`` worker processes with one thread each (``qml.interop.dask.local_cluster``),
    the same calls on Dask arrays of the same rows:

    The rows are Dask arrays made and kept on the workers (``dask.array.random``,
    ``persist``), as data loaded there would be; the single process gets a numpy copy.

    - ``gram``: the Gram matrix of a 6-qubit ZZ feature map (``QuantumKernel(6, "zz")``,
      two repetitions) on N = 20,000 rows (``--gram-rows``): N states, then N x N
      overlaps. One process assembles it in memory (``qk(X)``, 3.2 GB); the cluster
      computes its blocks and either keeps them on the workers (``persist``: what a
      blockwise consumer of the matrix reads) or brings the whole matrix to this process
      (``compute``: what libsvm needs).
    - ``predict``: ``QuantumClassifier(n_qubits=6).predict`` on 1,000,000 rows
      (``--predict-rows``) of a model trained here on 300 rows; the labels come back.
    - ``step``: one data-parallel training step (``HybridModel.loss_and_gradient``: the
      mean cross-entropy and its gradient) on a mini-batch of 64, 4,096 and 65,536 rows
      (``--step-rows``) of the same model, the rows held on the workers: the round trip
      that every step of ``QuantumClassifier.fit`` on a Dask array pays.

    Each is timed ``--repeat`` times, the single process and the cluster taking turns so
    that both meet the same passing load of a shared machine, each call starting once every
    process involved is idle again (best and median; the
    cluster's first call, which imports qml on the workers, is untimed), with the CPU
    seconds per call of every process involved (this one and the workers): their ratio,
    cluster over single, is the work the cluster adds (scheduling, moving rows, the workers'
    own threads), which on an otherwise idle machine bounds the speed-up by
    ``workers / ratio``. Every cluster result is compared with the single-process one (Gram
    entries and losses to 1e-10, labels exactly); a mismatch exits with status 1. The goal
    is a speed-up of at least 1.6x from 2 workers.

Threads and memory
    Every process gets one thread (``QML_NUM_THREADS``, BLAS and OpenMP variables, set
    before anything loads; the script re-executes itself once): the cluster's speed-up is
    then what the extra worker process brings, on a machine with as many cores as workers.
    The single process also gets the glibc allocator settings ``local_cluster`` gives its
    workers (``qml.interop.dask.ALLOCATOR_VARIABLES``), so that the speed-up is not theirs.

Run (in the benchmark environment, see README.md)::

    python benchmarks/dask.py                          # all three, 20,000 and 1,000,000 rows
    python benchmarks/dask.py --parts gram --gram-rows 5000 --repeat 3
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
# This file is named dask.py: with its folder first on sys.path (where `python
# benchmarks/dask.py` puts it), `import dask` would import this script. The folder is taken
# off the path and the helpers beside this file are loaded by file name instead.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]


def _load(name: str) -> ModuleType:
    """Import ``benchmarks/<name>.py`` as the module ``name``."""
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_common = _load("_common")

#: Largest allowed difference between a cluster's float result and the single process's.
TOLERANCE = 1e-10
#: Speed-up the cluster should reach.
GOAL = 1.6
#: Distributions whose versions head the output.
PEERS = ("dask", "distributed", "scikit-learn")


@dataclass
class Measured:
    """Wall-clock seconds of repeated calls, the CPU seconds they took, the last result."""

    timing: _common.Timing
    cpu: float  # CPU seconds per call, in every process involved

    @property
    def best(self) -> float:
        """The fastest call."""
        return self.timing.best


@dataclass
class Row:
    """One line of the table: a task, its single-process and cluster timings, agreement."""

    task: str
    rows: int
    single: Measured
    cluster: Measured
    difference: float | None  # None: compared exactly, and equal

    @property
    def speedup(self) -> float:
        """Single-process time over cluster time (best of each)."""
        return self.single.best / self.cluster.best


def _cpu() -> float:
    """CPU seconds this process has used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _all_cpu(client: Any) -> float:
    """CPU seconds used by this process and by every worker of ``client``."""
    return _cpu() + sum(client.run(_cpu).values())


def _settle(client: Any, period: float = 0.25, idle: float = 0.03, timeout: float = 20.0) -> None:
    """Wait until this process and the workers are idle (at most ``timeout`` seconds).

    A call that ends leaves work behind (freeing gigabytes, the workers' memory
    management, garbage collection); without waiting, it would land on the next call's
    clock, whichever side that is.
    """
    gc.collect()
    client.run(gc.collect)
    last, deadline = _all_cpu(client), time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        time.sleep(period)
        now = _all_cpu(client)
        if now - last < idle:
            return
        last = now


def _interleaved(client: Any, functions: list[Any], repeat: int) -> list[Measured]:
    """Time each of ``functions`` ``repeat`` times, taking turns, so that every one meets
    the same passing load of a shared machine; CPU seconds from this process and the workers.
    """
    times: list[list[float]] = [[] for _ in functions]
    cpu = [0.0] * len(functions)
    results: list[Any] = [None] * len(functions)
    for _ in range(repeat):
        for i, function in enumerate(functions):
            results[i] = None
            _settle(client)
            before = _all_cpu(client)
            start = time.perf_counter()
            results[i] = function()
            times[i].append(time.perf_counter() - start)
            cpu[i] += _all_cpu(client) - before
    return [Measured(_common.Timing(t, r), c / repeat)
            for t, r, c in zip(times, results, cpu, strict=True)]  # fmt: skip


def gram_rows(args: argparse.Namespace, client: Any) -> list[Row]:
    """The Gram matrix: one process vs the cluster, kept on the workers or gathered."""
    import dask.array as da
    import distributed

    from qml.hybrid import QuantumKernel

    n = args.gram_rows
    # the rows live on the workers, as data loaded there would; one process gets a copy
    rows = da.random.default_rng(args.seed).uniform(0, np.pi, size=(n, 6), chunks=2048)
    rows = rows.persist()
    X = rows.compute()
    kernel = QuantumKernel(6, "zz")
    sample = np.random.default_rng(1).choice(n, size=min(n, 200), replace=False)

    def single() -> np.ndarray:
        return kernel(X)[sample]  # the whole matrix is made; only a sample is kept

    def kept() -> Any:
        gram = kernel(rows).persist()
        distributed.wait(gram)
        return gram

    def gathered() -> np.ndarray:
        return kernel(rows).compute()[sample]

    kernel(rows[:100]).compute()  # the workers import qml
    one, persisted, brought = _interleaved(client, [single, kept, gathered], args.repeat)
    reference = one.timing.result
    differ = float(np.abs(persisted.timing.result[sample].compute() - reference).max())
    persisted.timing.result = None
    differ = max(differ, float(np.abs(brought.timing.result - reference).max()))
    return [
        Row("gram, kept on the workers", n, one, persisted, differ),
        Row("gram, gathered here", n, one, brought, differ),
    ]


def trained_classifier(seed: int) -> Any:
    """A 6-qubit QuantumClassifier trained briefly on 300 rows of 6 features."""
    from sklearn.datasets import make_classification

    from qml.hybrid import QuantumClassifier

    X, y = make_classification(300, 6, n_informative=4, random_state=seed)
    return QuantumClassifier(n_qubits=6, n_layers=3, epochs=3, random_state=seed).fit(X, y)


def predict_rows(args: argparse.Namespace, client: Any, clf: Any) -> list[Row]:
    """Labels of ``--predict-rows`` rows: one process vs the cluster."""
    import dask.array as da

    n = args.predict_rows
    rows = da.random.default_rng(args.seed).normal(size=(n, 6), chunks=125_000).persist()
    X = rows.compute()
    clf.predict(rows[:1000]).compute()  # the workers import qml
    one, many = _interleaved(client, [lambda: clf.predict(X), lambda: clf.predict(rows).compute()],
                             args.repeat)  # fmt: skip
    same = np.array_equal(one.timing.result, many.timing.result)
    return [Row("predict", n, one, many, None if same else float("inf"))]


def step_rows(args: argparse.Namespace, client: Any, clf: Any) -> list[Row]:
    """One training step's loss and gradient on mini-batches of ``--step-rows`` rows."""
    import dask.array as da

    from qml.hybrid.classifier import _Rows
    from qml.simulator import lazy

    n = max(args.step_rows)
    rng = np.random.default_rng(args.seed)
    rows = da.random.default_rng(args.seed).normal(size=(n, 6), chunks=8192).persist()
    X = rows.compute()
    targets = rng.integers(0, 2, size=n)
    inputs = clf._inputs(X)
    held = lazy.PartitionedRows(clf._inputs(rows), targets, clf._row_bytes())
    out = []
    for size in args.step_rows:
        batch = rng.choice(n, size=size, replace=False)
        local = _Rows(clf.model_, inputs[batch], targets[batch], None, rng)
        remote = _Rows(clf.model_, held[batch], targets[batch], None, rng)
        remote.loss_and_gradient(clf.params_)  # the workers import qml
        one, many = _interleaved(
            client, [lambda local=local: local.loss_and_gradient(clf.params_),
                     lambda remote=remote: remote.loss_and_gradient(clf.params_)], args.repeat,
        )  # fmt: skip
        pairs = zip(one.timing.result, many.timing.result, strict=True)
        differ = max(float(np.abs(np.asarray(a) - np.asarray(b)).max()) for a, b in pairs)
        out.append(Row("training step", size, one, many, differ))
    return out


def report(rows: list[Row], workers: int) -> bool:
    """Print the table; True when every cluster result agrees with the single process."""
    headers = ["task", "rows", "1 process best", "median", "CPU s", f"{workers} workers best",
               "median", "CPU s", "speed-up", "CPU ratio", "max diff"]  # fmt: skip
    table = []
    for row in rows:
        diff = "equal" if row.difference is None else f"{row.difference:.1e}"
        table.append([
            row.task, f"{row.rows:,}", _common.seconds(row.single.best),
            _common.seconds(row.single.timing.median), _common.seconds(row.single.cpu),
            _common.seconds(row.cluster.best), _common.seconds(row.cluster.timing.median),
            _common.seconds(row.cluster.cpu), f"{row.speedup:.2f}x",
            f"{row.cluster.cpu / max(row.single.cpu, 1e-9):.2f}", diff,
        ])  # fmt: skip
    print(_common.format_table(headers, table))
    agree = all(row.difference is None or row.difference <= TOLERANCE for row in rows)
    big = [row for row in rows if row.task != "training step" or row.rows == max(
        r.rows for r in rows if r.task == "training step")]  # fmt: skip
    for row in big:
        verdict = "met" if row.speedup >= GOAL else "NOT met"
        print(f"goal {GOAL:g}x from {workers} workers, {row.task} ({row.rows:,} rows): "
              f"{verdict} ({row.speedup:.2f}x)")  # fmt: skip
    return agree


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, pin the thread pools, print the table; 1 if results disagree."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", choices=("gram", "predict", "step"),
                        default=["gram", "predict", "step"], help="what to time (all)")  # fmt: skip
    parser.add_argument("--gram-rows", type=int, default=20_000, help="Gram matrix rows (20,000)")
    parser.add_argument("--predict-rows", type=int, default=1_000_000,
                        help="rows to predict (1,000,000)")  # fmt: skip
    parser.add_argument("--step-rows", type=int, nargs="+", default=[64, 4096, 65536],
                        help="mini-batch sizes of the training step (64 4096 65536)")  # fmt: skip
    parser.add_argument("--workers", type=int, default=2, help="worker processes (2)")
    parser.add_argument("--repeat", type=int, default=2, help="timed calls of each (2)")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the data")
    args = parser.parse_args(argv)
    if min(args.repeat, args.workers, args.gram_rows, args.predict_rows, *args.step_rows) < 1:
        parser.error("--repeat, --workers and the row counts must be >= 1")
    if _common.optional_import("distributed", "the whole benchmark") is None:
        return 0
    from qml.interop.dask import ALLOCATOR_VARIABLES, local_cluster

    # the workers of local_cluster get these allocator settings; so does the single
    # process, read at start-up (hence a re-execution), so that both sides allocate alike
    restart = any(os.environ.get(k) != v for k, v in ALLOCATOR_VARIABLES.items())
    os.environ.update(ALLOCATOR_VARIABLES)
    _common.pin_threads(1)  # re-executes when the thread variables differ
    if restart:
        sys.stdout.flush()
        os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])
    qml = _common.import_qml(1)
    import distributed

    print(_common.describe_environment(qml, 1, PEERS))
    started = time.perf_counter()
    with local_cluster(n_workers=args.workers) as cluster, distributed.Client(cluster) as client:
        print(f"cluster: {args.workers} worker processes, 1 thread each, started in "
              f"{time.perf_counter() - started:.2f} s; {_common.load_average()}\n")  # fmt: skip
        rows: list[Row] = []
        clf = trained_classifier(args.seed) if {"predict", "step"} & set(args.parts) else None
        if "gram" in args.parts:
            rows += gram_rows(args, client)
        if "predict" in args.parts:
            rows += predict_rows(args, client, clf)
        if "step" in args.parts:
            rows += step_rows(args, client, clf)
        agree = report(rows, args.workers)
        print(f"at the end: {_common.load_average()}")
    if not agree:
        print(f"\nSome cluster results differ by more than {TOLERANCE:g} from one process's.")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
