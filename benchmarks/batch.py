"""Side-by-side timing of the QML workload: one small classifier circuit per data sample.

What is measured
    The forward pass of a variational classifier over a batch: for every sample, the
    circuit angle-encodes the sample's own features (RY(x_i) on qubit i), then applies
    3 layers of RY(w) on every qubit, RZ(w) on every qubit and a CX ring i -> (i+1) % n,
    with weights w shared by the whole batch, and the output is <Z_i> for every qubit.
    Sizes: n = 4 and 8 qubits, batches of 256 and 1024 samples (``--qubits``, ``--batch``).

    - qml: one ``qml.expectation(circuit, [Z_0, ..., Z_{n-1}], params=P)`` call with ``P``
      of shape ``(B, n_params)`` in ``circuit.parameters`` order (states and every <Z_i>
      in one batched pass, no loop over samples);
    - qiskit-aer: ``qiskit_aer.primitives.EstimatorV2`` (method "statevector",
      ``default_precision=0``, i.e. exact expectation values without shots), one job for the
      whole batch: the circuit from ``Circuit.to_qiskit()``, the n observables Z_i as an
      array of shape (n, 1) broadcast against parameter values of shape (B, n_params);
    - PennyLane ``default.qubit`` with parameter broadcasting (the features as arrays of
      shape (B,)), where installed; and ``lightning.qubit`` fed the same broadcast
      (PennyLane splits it into B circuits for that device).

    Each forward pass is timed ``--repeat`` times after one untimed warm-up call, and more
    until the timed calls add up to half a second (so sub-millisecond calls are not best-of-5
    samples of the machine's noise); the table
    gives the best and the median, ``qml/peer`` (above 1: qml is slower) and the largest
    difference of the peer's <Z_i> from qml's, which must stay below 1e-10.

Threads
    Every library gets ``--threads`` threads: the environment (``QML_NUM_THREADS``,
    ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ...; the script re-executes itself once
    to set them before anything is loaded), ``qml.set_num_threads`` when it exists, and
    Aer's ``max_parallel_threads``.

Run (in the benchmark environment, see README.md)::

    python benchmarks/batch.py --qubits 4 8 --batch 256 1024 --repeat 5 --threads 1
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

import _common
import numpy as np
from _common import Timing, format_table, ratio, seconds, time_call

#: Largest allowed difference between a peer's <Z_i> and qml's.
TOLERANCE = 1e-10
#: Each backend is called until its timed calls add up to this (sub-millisecond calls).
MIN_SECONDS = 0.5

#: Distributions whose versions head the output (absent ones are listed as such).
PEERS = ("qiskit", "qiskit-aer", "pennylane", "pennylane-lightning", "threadpoolctl")

#: A forward pass: (features of shape (B, n), weights of shape (n_weights,)) -> <Z> (B, n).
Forward = Callable[[np.ndarray, np.ndarray], np.ndarray]


def num_weights(num_qubits: int, layers: int) -> int:
    """Trainable angles of the ansatz: one RY and one RZ per qubit and layer."""
    return 2 * num_qubits * layers


def weight_index(num_qubits: int, layer: int, kind: int, qubit: int) -> int:
    """Position in the weight vector of layer ``layer``'s RY (kind 0) or RZ (kind 1) angle."""
    return (2 * layer + kind) * num_qubits + qubit


def classifier_circuit(qml: Any, num_qubits: int, layers: int) -> Any:
    """The qml circuit: RY(x[i]) encoding, then ``layers`` of RY(w), RZ(w) and a CX ring."""
    x = qml.ParameterVector("x", num_qubits)
    w = qml.ParameterVector("w", num_weights(num_qubits, layers))
    circuit = qml.Circuit(num_qubits)
    for qubit in range(num_qubits):
        circuit.ry(x[qubit], qubit)
    for layer in range(layers):
        for kind, rotation in enumerate((circuit.ry, circuit.rz)):
            for qubit in range(num_qubits):
                rotation(w[weight_index(num_qubits, layer, kind, qubit)], qubit)
        for qubit in range(num_qubits):
            circuit.cx(qubit, (qubit + 1) % num_qubits)
    return circuit


def parameter_matrix(names: list[str], features: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Values of shape ``(B, len(names))`` for parameters named ``x[i]`` and ``w[k]``.

    The columns follow ``names``, so one function serves qml's order (first appearance)
    and qiskit's (sorted by name).
    """
    return ParameterLayout(names).matrix(features, weights)


class ParameterLayout:
    """Where ``x[i]`` and ``w[k]`` go among the columns ``names``, worked out once.

    A training loop knows its layout before the first step; building the matrix per
    call is then two vectorised assignments.
    """

    def __init__(self, names: list[str]) -> None:
        parsed = [name.rstrip("]").split("[") for name in names]
        self.x_columns = [c for c, (vector, _) in enumerate(parsed) if vector == "x"]
        self.x_index = [int(i) for vector, i in parsed if vector == "x"]
        self.w_columns = [c for c, (vector, _) in enumerate(parsed) if vector != "x"]
        self.w_index = [int(i) for vector, i in parsed if vector != "x"]
        self.width = len(names)

    def matrix(self, features: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The ``(B, len(names))`` values: features per sample, weights shared."""
        out = np.empty((features.shape[0], self.width))
        out[:, self.x_columns] = features[:, self.x_index]
        out[:, self.w_columns] = np.asarray(weights)[self.w_index]
        return out


def qml_forward(qml: Any, num_qubits: int, layers: int) -> Forward:
    """qml's forward pass: one batched ``qml.expectation`` of every <Z_i>."""
    circuit = classifier_circuit(qml, num_qubits, layers)
    layout = ParameterLayout([parameter.name for parameter in circuit.parameters])
    observables = [qml.Pauli.on("Z", [q], num_qubits) for q in range(num_qubits)]

    def forward(features: np.ndarray, weights: np.ndarray) -> np.ndarray:
        params = layout.matrix(features, weights)
        return np.asarray(qml.expectation(circuit, observables, params=params))

    return forward


def aer_forward(qml: Any, num_qubits: int, layers: int, threads: int) -> Forward | None:
    """qiskit-aer's EstimatorV2 forward pass (one job per batch), or None without Aer."""
    try:
        from qiskit.quantum_info import SparsePauliOp
        from qiskit_aer.primitives import EstimatorV2
    except ImportError as error:
        print(f"qiskit-aer not installed: EstimatorV2 column skipped ({error})")
        return None
    circuit = classifier_circuit(qml, num_qubits, layers).to_qiskit()
    layout = ParameterLayout([parameter.name for parameter in circuit.parameters])
    labels = ["I" * (num_qubits - 1 - q) + "Z" + "I" * q for q in range(num_qubits)]
    observables = [[SparsePauliOp(label)] for label in labels]  # shape (n, 1)
    estimator = EstimatorV2(
        options={
            "default_precision": 0.0,
            "backend_options": {"method": "statevector", "max_parallel_threads": threads},
        }
    )

    def forward(features: np.ndarray, weights: np.ndarray) -> np.ndarray:
        values = layout.matrix(features, weights)  # shape (B, n_params)
        result = estimator.run([(circuit, observables, values)]).result()
        return np.asarray(result[0].data.evs).T  # (n, B) -> (B, n)

    return forward


def pennylane_forward(num_qubits: int, layers: int, device_name: str) -> Forward | None:
    """PennyLane's forward pass with the features broadcast as arrays of shape (B,)."""
    pennylane = _common.optional_import("pennylane", f"{device_name} column")
    if pennylane is None:
        return None
    try:
        device = pennylane.device(device_name, wires=num_qubits)
    except Exception as error:  # PennyLane raises DeviceError when the plugin is missing
        print(f"{device_name} not usable: column skipped ({error})")
        return None

    @pennylane.qnode(device)
    def circuit(features: np.ndarray, weights: np.ndarray) -> Any:
        for qubit in range(num_qubits):
            pennylane.RY(features[:, qubit], wires=qubit)
        for layer in range(layers):
            for kind, rotation in enumerate((pennylane.RY, pennylane.RZ)):
                for qubit in range(num_qubits):
                    rotation(weights[weight_index(num_qubits, layer, kind, qubit)], wires=qubit)
            for qubit in range(num_qubits):
                pennylane.CNOT(wires=[qubit, (qubit + 1) % num_qubits])
        return [pennylane.expval(pennylane.PauliZ(qubit)) for qubit in range(num_qubits)]

    def forward(features: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return np.stack([np.asarray(z) for z in circuit(features, weights)], axis=1)

    return forward


def time_forward(
    forward: Forward, features: np.ndarray, weights: np.ndarray, repeat: int, threads: int
) -> Timing:
    """Time ``forward`` ``repeat`` times (or for ``MIN_SECONDS``) after a warm-up call."""
    with _common.openmp_threads(threads):
        forward(features, weights)
        return time_call(lambda: forward(features, weights), repeat, min_seconds=MIN_SECONDS)


def benchmark(
    qml: Any, num_qubits: int, batch: int, layers: int, seed: int, repeat: int, threads: int
) -> bool:
    """Time every backend on one (qubits, batch) case and print its table; True if all agree."""
    rng = np.random.default_rng([seed, num_qubits, batch])
    features = rng.uniform(-np.pi, np.pi, size=(batch, num_qubits))
    weights = rng.uniform(-np.pi, np.pi, size=num_weights(num_qubits, layers))
    print(
        f"\n== {num_qubits} qubits, batch {batch}: {layers} layers, "
        f"{num_qubits} inputs + {weights.size} shared weights, <Z_i> for every qubit, "
        f"best of {repeat}+ calls, {MIN_SECONDS} s at least (median beside it); "
        f"{_common.load_average()} =="
    )
    reference = time_forward(
        qml_forward(qml, num_qubits, layers), features, weights, repeat, threads
    )
    rows = [["qml.expectation", str(threads), *_cells(reference, batch), "-", "ref"]]
    agree = True
    peers: list[tuple[str, Forward | None]] = [
        ("aer EstimatorV2 (one job)", aer_forward(qml, num_qubits, layers, threads)),
        ("pennylane default.qubit", pennylane_forward(num_qubits, layers, "default.qubit")),
        ("pennylane lightning.qubit", pennylane_forward(num_qubits, layers, "lightning.qubit")),
    ]
    for label, forward in peers:
        if forward is None:
            continue
        timing = time_forward(forward, features, weights, repeat, threads)
        difference = float(np.max(np.abs(timing.result - reference.result)))
        agree = agree and difference <= TOLERANCE
        verdict = f"{difference:.1e}" + ("" if difference <= TOLERANCE else " MISMATCH")
        rows.append(
            [
                label,
                str(threads),
                *_cells(timing, batch),
                ratio(reference.best, timing.best),
                verdict,
            ]
        )
    headers = ["backend", "threads", "best s", "median s", "µs/sample", "qml/peer", "max|Δ<Z>|"]
    print(format_table(headers, rows))
    return agree


def _cells(timing: Timing, batch: int) -> list[str]:
    """The 'best s', 'median s' and 'µs/sample' cells of a timing."""
    return [seconds(timing.best), seconds(timing.median), f"{timing.best / batch * 1e6:.3g}"]


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, pin the thread pools, run every case; 1 if results disagree."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qubits", type=int, nargs="+", default=[4, 8], help="circuit sizes")
    parser.add_argument("--batch", type=int, nargs="+", default=[256, 1024], help="batch sizes")
    parser.add_argument("--layers", type=int, default=3, help="ansatz layers (3)")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per backend (5)")
    parser.add_argument("--threads", type=int, default=1, help="threads for every backend")
    parser.add_argument("--seed", type=int, default=2024, help="seed of features and weights")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.threads < 1 or min(args.qubits) < 2 or min(args.batch) < 1:
        parser.error("--repeat, --threads and --batch must be >= 1 and every --qubits >= 2")
    _common.pin_threads(args.threads)
    qml = _common.import_qml(args.threads)
    print(_common.describe_environment(qml, args.threads, PEERS))
    all_agree = True
    for num_qubits in args.qubits:
        for batch in args.batch:
            agree = benchmark(
                qml, num_qubits, batch, args.layers, args.seed, args.repeat, args.threads
            )
            all_agree = all_agree and agree
    if not all_agree:
        print(f"\nSome <Z_i> differ from qml's by more than {TOLERANCE:g}: see MISMATCH above.")
    return 0 if all_agree else 1


if __name__ == "__main__":
    sys.exit(main())
