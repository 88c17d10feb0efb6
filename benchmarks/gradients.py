"""Timing of gradients over a batch of classifier circuits: qml's adjoint and parameter shift.

What is measured
    The classifier circuit of ``batch.py`` on 8 qubits: RY(x_i) encoding of 8 data inputs
    per sample, then L layers of RY(w) and RZ(w) on every qubit and a CX ring, with L
    chosen so that the trainable weights number 16, 32, 64, 128 and 256 (L = 1 ... 16;
    ``--params``). A batch of 256 samples (``--batch``), each with its own x and all with
    the same w, goes in as one params array of shape (256, 8 + n_weights) in
    ``circuit.parameters`` order. Observables: <Z_0>, and the list of all eight <Z_i>.

    - qml forward: ``qml.expectation(circuit, observable, params)``;
    - qml adjoint: ``qml.gradient(..., method="adjoint")``, the derivative with respect to
      every parameter (data inputs included) for every sample, shape (256, [8,] 8 + n_w);
      ``adjoint/fwd`` is its time over the forward pass (goal: at most 3x);
    - qml parameter shift: ``method="parameter-shift"``, two shifted circuits per
      parameter, so ``p-shift/fwd`` grows like 2 x parameters. Sizes whose estimated time
      (forward time x 2 x parameters) exceeds ``--ps-budget`` seconds are skipped, and
      large ones are timed once rather than best-of;
    - PennyLane ``lightning.qubit`` adjoint, where installed. PennyLane has no batch axis
      for a device's adjoint method: parameter broadcasting (features of shape (B,)) is
      split into B tapes anyway and then differentiated through autograd, which costs a
      Jacobian of shape (B, B, 8) and took ~100x longer than the device call in trials.
      The fastest supported way is therefore the device API on the list of B tapes,
      ``device.execute_and_compute_derivatives(tapes, ExecutionConfig(gradient_method=
      "adjoint"))``: one call, B adjoint sweeps in C++. The tapes are built and
      preprocessed before timing (column "PL tapes s", not included: favours PennyLane).
      Wire q is qml's qubit q, so <Z_q> needs no translation (PennyLane's big-endian order
      only concerns state vectors and matrices, neither of which is compared here); tape
      parameters are mapped back to ``circuit.parameters`` columns gate by gate.

    Agreement is checked, not assumed: values and gradients from PennyLane, and qml's
    parameter shift, must match qml's adjoint to 1e-8 (``max|Δ|`` columns); the script
    exits with status 1 otherwise. Timings are the best of ``--repeat`` calls after one
    untimed warm-up call (numba compiles its kernels once, before the first table).

Threads
    ``--threads`` threads for qml (``qml.set_num_threads``) and for lightning's OpenMP
    (``OMP_NUM_THREADS`` and threadpoolctl); the script re-executes itself once to set the
    thread variables before anything is loaded (see ``_common.pin_threads``).

Run (in the benchmark environment, see README.md)::

    python benchmarks/gradients.py --threads 1
    python benchmarks/gradients.py --params 16 64 --observables z0 --repeat 3 --ps-budget 10
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import _common
import numpy as np
from _common import Timing, format_table, ratio, seconds, time_call
from batch import classifier_circuit, num_weights, parameter_matrix

NUM_QUBITS = 8
#: Largest allowed difference between qml's adjoint gradient and any other gradient.
TOLERANCE = 1e-8
#: Parameter-shift calls estimated longer than this are timed once instead of best-of.
SINGLE_CALL_SECONDS = 2.0
#: Distributions whose versions head the output (absent ones are listed as such).
PEERS = ("pennylane", "pennylane-lightning", "numba", "threadpoolctl")
OBSERVABLE_SETS = {"z0": "<Z_0>", "all": "all 8 <Z_i> (a list)"}


@dataclass
class Case:
    """One circuit size: the qml circuit, its params (B, P) and the observables."""

    weights: int
    circuit: Any
    params: np.ndarray
    observables: Any  # one qml observable, or a list
    qubits: list[int]  # the qubits whose <Z> is measured


def make_case(qml: Any, weights: int, batch: int, which: str, seed: int) -> Case:
    """The classifier with ``weights`` trainable angles and a seeded batch of inputs."""
    layers = weights // (2 * NUM_QUBITS)
    circuit = classifier_circuit(qml, NUM_QUBITS, layers)
    rng = np.random.default_rng([seed, weights])
    features = rng.uniform(-np.pi, np.pi, size=(batch, NUM_QUBITS))
    shared = rng.uniform(-np.pi, np.pi, size=num_weights(NUM_QUBITS, layers))
    names = [p.name for p in circuit.parameters]
    params = parameter_matrix(names, features, shared)
    qubits = [0] if which == "z0" else list(range(NUM_QUBITS))
    paulis = [qml.Pauli.on("Z", [q], NUM_QUBITS) for q in qubits]
    return Case(weights, circuit, params, paulis[0] if which == "z0" else paulis, qubits)


def timed(function: Callable[[], Any], repeat: int, warm_up: bool = True) -> Timing:
    """Best-of timing of ``function``, after one untimed call unless ``warm_up`` is False."""
    if warm_up:
        function()
    return time_call(function, repeat)


# -- PennyLane lightning.qubit ------------------------------------------------------------------


@dataclass
class LightningResult:
    """PennyLane's adjoint: the timing, tape preparation time, values (B, K), grads (B, K, P)."""

    timing: Timing
    prepare_seconds: float
    values: np.ndarray
    grads: np.ndarray


def lightning_runner(threads: int) -> Callable[[Case, int], LightningResult] | None:
    """A function timing lightning.qubit's adjoint on a case, or None without PennyLane."""
    pennylane = _common.optional_import("pennylane", "lightning.qubit column")
    if pennylane is None:
        return None
    try:
        device = pennylane.device("lightning.qubit", wires=NUM_QUBITS)
    except Exception as error:  # PennyLane raises DeviceError when the plugin is missing
        print(f"lightning.qubit not usable: column skipped ({error})")
        return None
    config = pennylane.devices.ExecutionConfig(gradient_method="adjoint")
    program = device.preprocess_transforms(config)
    config = device.setup_execution_config(config)
    gates = {"ry": pennylane.RY, "rz": pennylane.RZ, "cx": pennylane.CNOT}

    def tapes_of(case: Case) -> tuple[list[Any], list[int]]:
        """One tape per sample; and the params column of each tape parameter, in order."""
        position = {p: i for i, p in enumerate(case.circuit.parameters)}
        columns = [position[g.params[0]] for g, _ in case.circuit if g.params]
        measurements = [pennylane.expval(pennylane.PauliZ(q)) for q in case.qubits]
        tapes = []
        for row in case.params:
            ops = []
            for gate, qubits in case.circuit:
                wires = [int(q) for q in qubits]
                if gate.params:
                    ops.append(gates[gate.name](row[position[gate.params[0]]], wires=wires))
                else:
                    ops.append(gates[gate.name](wires=wires))
            tapes.append(pennylane.tape.QuantumScript(ops, measurements))
        return tapes, columns

    def run(case: Case, repeat: int) -> LightningResult:
        start = time.perf_counter()
        tapes, columns = tapes_of(case)
        tapes, _ = program(tapes)
        tapes = tuple(tapes)
        prepare = time.perf_counter() - start
        with _common.openmp_threads(threads):
            timing = timed(lambda: device.execute_and_compute_derivatives(tapes, config), repeat)
        results, jacobians = timing.result
        batch, count = len(tapes), len(case.qubits)
        values = np.asarray(results, dtype=np.float64).reshape(batch, count)
        in_tape_order = np.asarray(jacobians, dtype=np.float64).reshape(batch, count, -1)
        grads = np.zeros_like(in_tape_order)
        grads[..., columns] = in_tape_order
        return LightningResult(timing, prepare, values, grads)

    return run


# -- one table ----------------------------------------------------------------------------------


def verdict(difference: float) -> str:
    """A max|Δ| cell: the difference, flagged when above TOLERANCE."""
    return f"{difference:.1e}" + ("" if difference <= TOLERANCE else " MISMATCH")


def run_size(
    qml: Any, case: Case, args: argparse.Namespace,
    lightning: Callable[[Case, int], LightningResult] | None,
) -> tuple[list[str], list[str], bool, float]:  # fmt: skip
    """Time one size: its table row, notes, whether gradients agree, and adjoint/forward."""
    batch, total = case.params.shape
    calls = (case.circuit, case.observables, case.params)
    forward = timed(partial(qml.expectation, *calls), args.repeat)
    adjoint = timed(partial(qml.gradient, *calls, method="adjoint"), args.repeat)
    reference = adjoint.result.reshape(batch, len(case.qubits), total)
    notes: list[str] = []
    agree = True

    estimate = forward.best * 2 * total
    shift_cells = ["skipped", "-", "-"]
    if estimate > args.ps_budget:
        notes.append(
            f"{case.weights} weights: parameter shift skipped (estimated {estimate:.3g} s "
            f"> --ps-budget {args.ps_budget:g} s)"
        )
    else:
        single = estimate > SINGLE_CALL_SECONDS
        shift = timed(
            partial(qml.gradient, *calls, method="parameter-shift"),
            1 if single else args.repeat,
            warm_up=not single,
        )
        if single:
            notes.append(f"{case.weights} weights: parameter shift timed once ({shift.best:.3g} s)")
        difference = float(np.max(np.abs(shift.result.reshape(reference.shape) - reference)))
        agree = difference <= TOLERANCE
        shift_cells = [seconds(shift.best), ratio(shift.best, forward.best), verdict(difference)]

    peer_cells = ["-", "-", "-", "-"]
    if lightning is not None:
        result = lightning(case, args.repeat)
        values = np.reshape(forward.result, (batch, len(case.qubits)))
        difference = max(
            float(np.max(np.abs(result.grads - reference))),
            float(np.max(np.abs(result.values - values))),
        )
        agree = agree and difference <= TOLERANCE
        peer_cells = [
            seconds(result.prepare_seconds),
            seconds(result.timing.best),
            ratio(adjoint.best, result.timing.best),
            verdict(difference),
        ]
    row = [
        str(case.weights),
        str(total),
        seconds(forward.best),
        seconds(adjoint.best),
        ratio(adjoint.best, forward.best),
        *shift_cells,
        *peer_cells,
    ]
    return row, notes, agree, adjoint.best / forward.best


def benchmark(
    qml: Any, which: str, sizes: list[int], batch: int, args: argparse.Namespace,
    lightning: Callable[[Case, int], LightningResult] | None,
) -> tuple[bool, list[float]]:  # fmt: skip
    """Time every size for one observable set and print its table.

    Returns whether every gradient agreed, and the adjoint/forward ratios.
    """
    print(
        f"\n== {NUM_QUBITS} qubits, batch {batch}, {OBSERVABLE_SETS[which]}: best of "
        f"{args.repeat}, threads {args.threads}; {_common.load_average()} =="
    )
    rows, notes, adjoint_ratios = [], [], []
    all_agree = True
    for weights in sizes:
        case = make_case(qml, weights, batch, which, args.seed)
        row, size_notes, agree, adjoint_ratio = run_size(qml, case, args, lightning)
        rows.append(row)
        notes += size_notes
        all_agree = all_agree and agree
        adjoint_ratios.append(adjoint_ratio)
        gc.collect()
    headers = [
        "weights", "params", "fwd s", "adjoint s", "adjoint/fwd", "p-shift s", "p-shift/fwd",
        "max|Δ| p-shift", "PL tapes s", "lightning adj s", "qml/lightning", "max|Δ| vs PL",
    ]  # fmt: skip
    print(format_table(headers, rows))
    for note in notes:
        print(f"  note: {note}")
    return all_agree, adjoint_ratios


def warm_up(qml: Any) -> None:
    """Compile qml's kernels (forward, adjoint, parameter shift) on the smallest circuit."""
    case = make_case(qml, 2 * NUM_QUBITS, 4, "all", 0)
    qml.expectation(case.circuit, case.observables, case.params)
    for method in ("adjoint", "parameter-shift"):
        qml.gradient(case.circuit, case.observables, case.params, method=method)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, pin the thread pools, print the tables; 1 if gradients disagree."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--params", type=int, nargs="+", default=[16, 32, 64, 128, 256],
        help="trainable weights, multiples of 16 (16 32 64 128 256)",
    )  # fmt: skip
    parser.add_argument("--batch", type=int, default=256, help="samples per call (256)")
    parser.add_argument(
        "--observables", nargs="+", choices=list(OBSERVABLE_SETS),
        default=list(OBSERVABLE_SETS), help="z0, all, or both (default)",
    )  # fmt: skip
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per method (5)")
    parser.add_argument("--threads", type=int, default=1, help="threads for qml and lightning")
    parser.add_argument(
        "--ps-budget", type=float, default=60.0,
        help="skip parameter shift above this many estimated seconds (60)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=2024, help="seed of inputs and weights")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.threads < 1 or args.batch < 1:
        parser.error("--repeat, --threads and --batch must be >= 1")
    if any(p < 1 or p % (2 * NUM_QUBITS) for p in args.params):
        parser.error(f"every --params must be a positive multiple of {2 * NUM_QUBITS}")
    _common.pin_threads(args.threads)
    qml = _common.import_qml(args.threads)
    print(_common.describe_environment(qml, args.threads, PEERS))
    lightning = lightning_runner(args.threads)
    warm_up(qml)
    all_agree, ratios = True, []
    for which in args.observables:
        agree, adjoint_ratios = benchmark(qml, which, args.params, args.batch, args, lightning)
        all_agree = all_agree and agree
        ratios += adjoint_ratios
    verdict = "met" if max(ratios) <= 3 else "NOT met"
    print(f"\nadjoint/forward: {min(ratios):.2f}x to {max(ratios):.2f}x (goal <= 3x: {verdict})")
    if not all_agree:
        print(f"Some gradients differ from qml's adjoint by more than {TOLERANCE:g}: see MISMATCH.")
    return 0 if all_agree else 1


if __name__ == "__main__":
    sys.exit(main())
