"""qml under qiskit-machine-learning and PennyLane: the same network on each framework's engines.

What is measured
    The classifier of ``batch.py`` (RY(x_i) angle encoding, then ``--layers`` (3) of RY(w),
    RZ(w) on every qubit and a CX ring) on 4 and 8 qubits (``--qubits``), read out as <Z_i>
    on every qubit, for a batch of 256 samples (``--batch``), seeded angles in [-π, π).

    qiskit-machine-learning: an ``EstimatorQNN`` (inputs x, weights w, the n observables
    Z_i), ``forward(x, w)`` and ``backward(x, w)`` (the weight Jacobian (B, n, n_w)), with
      - qml: ``qml.interop.qiskit.Estimator`` and ``AdjointEstimatorGradient``;
      - Aer: qiskit-aer's ``EstimatorV2`` (exact, ``default_precision=0``) and qiskit-ml's
        default gradient on it, ``ParamShiftEstimatorGradient``;
      - reference: qiskit's ``StatevectorEstimator`` with ``ParamShiftEstimatorGradient``.
    The network is built with ``default_precision=0`` (exact) for all three.

    PennyLane: a QNode of the same circuit, the features broadcast (x of shape (B, n), not
    trainable), the weights trainable, returning the n expvals; ``forward`` is one call,
    ``backward`` is ``qp.grad`` of ``sum(dy * outputs)`` (one forward pass and the
    vector-Jacobian product), on
      - ``qml.qubit`` with ``diff_method="adjoint"``, ``device_vjp=True`` (and False);
      - ``lightning.qubit`` adjoint, ``device_vjp`` True and False (PennyLane splits the
        broadcast into one tape per sample for it); the goal compares its faster setting;
      - ``default.qubit`` adjoint (split likewise) and backprop (broadcast natively).

    A peer estimated (from a call on 4 samples) above ``--budget`` seconds is timed once on
    as many samples as fit the budget and scaled linearly to the batch, marked ``*``.
    Others: best of ``--repeat`` calls after a warm-up call. Every peer's outputs and
    gradients must match qml's to 1e-8 on the same samples, else exit status 1.

Goals: qml's EstimatorQNN backward at least 20x faster than on Aer's primitive; the
PennyLane backward on ``qml.qubit`` at least 3x faster than on ``lightning.qubit`` at 8
qubits, B=256.

Run (in the benchmark environment, see README.md)::

    python benchmarks/interop.py --threads 1
    python benchmarks/interop.py --qubits 8 --parts pennylane --repeat 10
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import _common
import numpy as np
from _common import format_table, seconds, time_call
from batch import classifier_circuit, num_weights, weight_index

#: Largest allowed difference of an output or gradient from qml's.
TOLERANCE = 1e-8
#: Samples of the call that warms a peer up and estimates its cost.
PILOT_ROWS = 4
QNN_GOAL, PENNYLANE_GOAL = 20.0, 3.0
PEERS = ("qiskit", "qiskit-aer", "qiskit-machine-learning", "pennylane", "pennylane-lightning")

#: ``(features, weights) -> (outputs (B, n), weight gradient)``; a peer's forward or backward.
Call = Callable[[np.ndarray, np.ndarray], Any]


@dataclass
class Row:
    """One engine's timings on one circuit size."""

    name: str
    forward: float | None
    backward: float | None
    scaled: bool
    outputs: np.ndarray | None
    gradient: np.ndarray | None


def timed(call: Call, x: np.ndarray, w: np.ndarray, repeat: int, budget: float) -> tuple:
    """``(best seconds for the batch, scaled?, result)``; scaled from fewer samples when a
    pilot call (after a warm-up one) predicts more than ``budget`` seconds per call."""
    call(x[:PILOT_ROWS], w)  # warm-up: compilation, caches
    pilot = time_call(lambda: call(x[:PILOT_ROWS], w), 1)
    estimate = pilot.best * len(x) / PILOT_ROWS
    if estimate <= budget:
        timing = time_call(lambda: call(x, w), repeat, min_seconds=0.5)
        return timing.best, False, timing.result
    rows = max(PILOT_ROWS, int(len(x) * budget / estimate))
    timing = time_call(lambda: call(x[:rows], w), 1)
    return timing.best * len(x) / rows, True, timing.result


# -- qiskit-machine-learning --------------------------------------------------------------


def qnn_rows(qml: Any, n: int, args: argparse.Namespace, x: np.ndarray, w: np.ndarray) -> list:
    """EstimatorQNN forward and backward on qml, Aer and the reference."""
    ml = _common.optional_import("qiskit_machine_learning", "EstimatorQNN rows")
    if ml is None:
        return []
    from qiskit.primitives import StatevectorEstimator
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_machine_learning.gradients import ParamShiftEstimatorGradient
    from qiskit_machine_learning.neural_networks import EstimatorQNN

    from qml.interop.qiskit import AdjointEstimatorGradient, Estimator

    qc = classifier_circuit(qml, n, args.layers).to_qiskit()
    inputs = [p for p in qc.parameters if p.name.startswith("x")]
    weights = sorted((p for p in qc.parameters if p.name.startswith("w")), key=lambda p: p.index)
    observables = [SparsePauliOp("I" * (n - 1 - q) + "Z" + "I" * q) for q in range(n)]

    def network(estimator: Any, gradient: Any) -> Any:
        return EstimatorQNN(
            circuit=qc, estimator=estimator, observables=observables, input_params=inputs,
            weight_params=weights, gradient=gradient, default_precision=0.0,
        )  # fmt: skip

    engines: dict[str, Any] = {
        "qml Estimator + adjoint": network(Estimator(), AdjointEstimatorGradient()),
    }
    aer = _common.optional_import("qiskit_aer.primitives", "Aer EstimatorV2 row")
    if aer is not None:
        options = {"max_parallel_threads": args.threads}
        estimator = aer.EstimatorV2(options={"default_precision": 0.0, "backend_options": options})
        engines["Aer EstimatorV2 + param-shift"] = network(
            estimator, ParamShiftEstimatorGradient(estimator)
        )
    reference = StatevectorEstimator()
    engines["StatevectorEstimator + param-shift"] = network(
        reference, ParamShiftEstimatorGradient(reference)
    )
    rows = []
    for name, qnn in engines.items():
        forward, f_scaled, outputs = timed(qnn.forward, x, w, args.repeat, args.budget)
        backward, b_scaled, grads = timed(qnn.backward, x, w, args.repeat, args.budget)
        rows.append(Row(name, forward, backward, f_scaled or b_scaled, outputs, grads[1]))
    return rows


# -- PennyLane -----------------------------------------------------------------------------


def pennylane_rows(n: int, args: argparse.Namespace, x: np.ndarray, w: np.ndarray) -> list:
    """A broadcast QNode's forward and backward on qml.qubit, lightning.qubit, default.qubit."""
    qp = _common.optional_import("pennylane", "PennyLane rows")
    if qp is None:
        return []
    from pennylane import numpy as pnp

    def circuit(features: Any, weights: Any) -> Any:
        for q in range(n):
            qp.RY(features[:, q], wires=q)
        for layer in range(args.layers):
            for kind, rotation in enumerate((qp.RY, qp.RZ)):
                for q in range(n):
                    rotation(weights[weight_index(n, layer, kind, q)], wires=q)
            for q in range(n):
                qp.CNOT(wires=[q, (q + 1) % n])
        return [qp.expval(qp.Z(q)) for q in range(n)]

    dy = np.random.default_rng(args.seed + 1).normal(size=(n, len(x)))
    engines = [("qml.qubit adjoint (device vjp)", "qml.qubit", "adjoint", True),
               ("qml.qubit adjoint", "qml.qubit", "adjoint", False),
               ("lightning.qubit adjoint (device vjp)", "lightning.qubit", "adjoint", True),
               ("lightning.qubit adjoint", "lightning.qubit", "adjoint", False),
               ("default.qubit adjoint", "default.qubit", "adjoint", False),
               ("default.qubit backprop", "default.qubit", "backprop", False)]  # fmt: skip
    rows = []
    for label, device_name, method, device_vjp in engines:
        try:
            device = qp.device(device_name, wires=n)
        except Exception as error:  # a missing plugin: PennyLane raises its own DeviceError
            print(f"{device_name} not available: {label} row skipped ({error})")
            continue
        node = qp.QNode(circuit, device, diff_method=method, device_vjp=device_vjp)

        def forward(features: np.ndarray, weights: np.ndarray, node: Any = node) -> np.ndarray:
            features = pnp.array(features, requires_grad=False)
            return np.stack(node(features, weights)).T

        def backward(features: np.ndarray, weights: np.ndarray, node: Any = node) -> np.ndarray:
            features = pnp.array(features, requires_grad=False)
            weight = dy[:, : len(features)]

            def loss(v: Any) -> Any:
                return qp.math.sum(qp.math.stack(node(features, v)) * weight)

            return qp.grad(loss)(pnp.array(weights, requires_grad=True))

        f_time, f_scaled, outputs = timed(forward, x, w, args.repeat, args.budget)
        b_time, b_scaled, grads = timed(backward, x, w, args.repeat, args.budget)
        rows.append(Row(label, f_time, b_time, f_scaled or b_scaled, outputs, grads))
    return rows


# -- tables --------------------------------------------------------------------------------


def agreement(rows: list[Row], check: Callable[[Row, Row], float]) -> list[str]:
    """The largest difference of each row's results from the first row's (qml's)."""
    return [f"{check(row, rows[0]):.1e}" for row in rows]


def _leading(a: np.ndarray, b: np.ndarray) -> float:
    """Largest difference over the samples both have (a scaled run has fewer)."""
    n = min(len(a), len(b))
    return float(np.abs(np.asarray(a)[:n] - np.asarray(b)[:n]).max())


def qnn_difference(row: Row, base: Row) -> float:
    return max(_leading(row.outputs, base.outputs), _leading(row.gradient, base.gradient))


def pennylane_difference(row: Row, base: Row) -> float:
    # the weight gradient sums over the samples: comparable when both ran the whole batch
    outputs = _leading(row.outputs, base.outputs)
    if row.scaled:
        return outputs
    return max(outputs, float(np.abs(np.asarray(row.gradient) - base.gradient).max()))


def table(title: str, rows: list[Row], differences: list[str]) -> tuple[str, float | None]:
    """The table, and the first peer's backward time over qml's."""
    headers = ["engine", "forward s", "backward s", "fwd / qml", "bwd / qml", "max |diff|"]
    base = rows[0]
    body = [
        [row.name + (" *" if row.scaled else ""), seconds(row.forward), seconds(row.backward),
         _common.ratio(row.forward, base.forward), _common.ratio(row.backward, base.backward),
         difference]
        for row, difference in zip(rows, differences, strict=True)
    ]  # fmt: skip
    return f"{title}\n{format_table(headers, body)}", None


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, pin the thread pools, print the tables; 1 if results disagree."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qubits", type=int, nargs="+", default=[4, 8], help="circuit sizes")
    parser.add_argument("--layers", type=int, default=3, help="ansatz layers (3)")
    parser.add_argument("--batch", type=int, default=256, help="samples per call (256)")
    parser.add_argument("--parts", nargs="+", choices=("qiskit", "pennylane"),
                        default=["qiskit", "pennylane"], help="frameworks (both)")  # fmt: skip
    parser.add_argument("--budget", type=float, default=20.0,
                        help="time a peer estimated above this many seconds once, on fewer "
                             "samples, and scale (20)")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per engine (5)")
    parser.add_argument("--threads", type=int, default=1, help="threads for every engine (1)")
    parser.add_argument("--seed", type=int, default=2024, help="seed of data and weights")
    args = parser.parse_args(argv)
    if min(args.repeat, args.threads, args.layers, args.batch) < 1 or min(args.qubits) < 2:
        parser.error("--repeat, --threads, --layers, --batch must be >= 1, --qubits >= 2")
    _common.pin_threads(args.threads)
    qml = _common.import_qml(args.threads)
    print(_common.describe_environment(qml, args.threads, PEERS))
    warnings.filterwarnings("ignore")
    agree, summary = True, []
    for n in args.qubits:
        rng = np.random.default_rng(args.seed)
        x = rng.uniform(-np.pi, np.pi, (args.batch, n))
        w = rng.uniform(-np.pi, np.pi, num_weights(n, args.layers))
        header = f"{n} qubits, {args.layers} layers, {len(w)} weights, B={args.batch}"
        if "qiskit" in args.parts:
            rows = qnn_rows(qml, n, args, x, w)
            if rows:
                differences = agreement(rows, qnn_difference)
                agree &= all(float(d) <= TOLERANCE for d in differences)
                print("\n" + table(f"EstimatorQNN forward + backward, {header}", rows,
                                   differences)[0])  # fmt: skip
                aer = [r for r in rows if r.name.startswith("Aer")]
                if aer:
                    speedup = aer[0].backward / rows[0].backward
                    summary.append(f"{n} qubits: EstimatorQNN backward, Aer / qml = "
                                   f"{speedup:.1f}x (goal {QNN_GOAL:g}x)")  # fmt: skip
        if "pennylane" in args.parts:
            rows = pennylane_rows(n, args, x, w)
            if rows:
                differences = agreement(rows, pennylane_difference)
                agree &= all(float(d) <= TOLERANCE for d in differences)
                print("\n" + table(f"PennyLane QNode (broadcast), {header}", rows,
                                   differences)[0])  # fmt: skip
                lightning = [r.backward for r in rows if r.name.startswith("lightning")]
                if lightning:
                    speedup = min(lightning) / rows[0].backward  # lightning's faster setting
                    summary.append(f"{n} qubits: PennyLane backward, lightning.qubit / "
                                   f"qml.qubit = {speedup:.1f}x (goal {PENNYLANE_GOAL:g}x "
                                   "at 8 qubits)")  # fmt: skip
    print("\n* timed on fewer samples and scaled to the batch")
    print("\n".join(summary))
    if not agree:
        print(f"results differ from qml's by more than {TOLERANCE:g}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
