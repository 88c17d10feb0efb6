"""One PyTorch training epoch of a hybrid model: qml's QuantumLayer vs PennyLane and qiskit-ml.

What is measured
    A PyTorch model: a small MLP (``Linear(8, 16)``, ``Tanh``, ``Linear(16, 8)``) whose 8
    outputs are the angles of an 8-qubit quantum layer (``--qubits``), the circuit of
    ``batch.py`` (RY(x_i) encoding, then 3 layers of RY(w), RZ(w) on every qubit and a CX
    ring i -> (i+1) % n; ``--layers``; 48 weights) read out as <Z_i> on every qubit, then a
    linear head ``Linear(8, 2)`` and the cross-entropy loss. One *epoch* is a pass over
    1,000 seeded samples (``--samples``; features uniform in [-1, 1], labels from a fixed
    rule) in mini-batches of 32 (``--batch``): for each batch, ``zero_grad``, forward,
    loss, ``backward`` (gradients of every weight, the MLP's through the quantum layer's
    input gradients) and an ``Adam(lr=0.01)`` step. Every backend starts from the same
    weights (MLP, head and circuit) and sees the same batches.

    The quantum layers compared (each where installed):

    - qml: ``qml.interop.torch.QuantumLayer``: each batch is one batched forward call and
      one adjoint sweep (``ExpectationFunction.vjp``) for the inputs and the weights.
    - PennyLane ``qml.qnn.TorchLayer`` on ``default.qubit`` with ``diff_method="backprop"``
      (the batch broadcast through the simulator in torch, then torch's autograd).
    - PennyLane ``TorchLayer`` on ``lightning.qubit`` with ``diff_method="adjoint"``
      (PennyLane splits the broadcast batch into one tape per sample).
    - qiskit-machine-learning's ``TorchConnector`` over an ``EstimatorQNN`` (inputs x,
      weights w, the observables Z_i, ``input_gradients=True`` so the MLP trains), with its
      defaults (a reference estimator and parameter-shift gradients).

    Each backend first runs ``--warmup`` batches untimed (numba's kernels load or compile,
    PennyLane builds its caches), then ``--repeat`` timed epochs, each from a fresh copy of
    the starting weights and a fresh optimizer (built untimed); the table gives the best and
    the median. A backend whose epoch is estimated (from its first warm-up batches) above
    ``--peer-budget`` seconds is timed once on as many leading batches as fit the budget
    (at least one; its warm-up batches when they already are that many) and scaled to the
    epoch, marked ``*`` (the cost is per batch, so this is linear).

    Agreement is checked, not assumed: the gradient of the loss with respect to every
    weight of the model (MLP, circuit, head) on the first batch, at the starting weights,
    must match qml's to 1e-8 in float64 (``--dtype float64``) and 1e-5 in float32 (the
    default, what a PyTorch model uses; qml computes in float64 whatever the dtype,
    PennyLane's default.qubit in the weights' precision), else the script exits with
    status 1. (The weights after a whole epoch are not compared: Adam divides by the
    gradients' running size, so float32 rounding of near-zero gradients moves them by up
    to the learning rate.) The mean loss of the timed batches is shown for each backend.
    PennyLane's wire q is qml's qubit q (only <Z_q> is read out, so PennyLane's
    big-endian order does not enter); for qiskit, Z_q is the label with Z at position
    n-1-q.

Threads
    ``--threads`` (default 1) threads for qml, torch (``torch.set_num_threads``), numpy's
    BLAS and lightning's OpenMP; the script re-executes itself once to set the thread
    variables before anything is loaded (see ``_common.pin_threads``).

Run (in the benchmark environment, see README.md, plus ``torch==2.13.0``)::

    python benchmarks/torch.py --threads 1
    python benchmarks/torch.py --peers default.qubit --repeat 3 --dtype float64
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
# This file is named torch.py: with its folder first on sys.path (where `python
# benchmarks/torch.py` puts it), `import torch` would import this script. The folder is
# taken off the path and the helpers beside this file are loaded by file name instead.
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
batch_script = _load("batch")

#: Largest allowed difference of a first-batch gradient from qml's, by dtype.
TOLERANCE = {"float64": 1e-8, "float32": 1e-5}
#: qml at least this many times faster than the fastest peer.
EPOCH_GOAL = 10.0
#: Width of the MLP's hidden layer and number of input features.
HIDDEN, FEATURES, CLASSES = 16, 8, 2
LEARNING_RATE = 0.01
PEER_NAMES = ("default.qubit", "lightning.qubit", "EstimatorQNN")
#: Distributions whose versions head the output (absent ones are listed as such).
PEERS = (
    "torch", "pennylane", "pennylane-lightning", "qiskit", "qiskit-machine-learning",
    "numba", "threadpoolctl",
)  # fmt: skip

#: Builds a quantum layer (B, n) -> (B, n) from the circuit's starting weights.
LayerFactory = Callable[[np.ndarray], Any]


# -- the model ----------------------------------------------------------------------------------


@dataclass
class Problem:
    """What every backend shares: sizes, data, starting weights, dtype."""

    num_qubits: int
    layers: int
    inputs: Any  # torch tensor (samples, FEATURES)
    targets: Any  # torch tensor (samples,), int64
    classical: dict[str, Any]  # state_dict of the MLP and head, without the quantum layer
    circuit_weights: np.ndarray
    dtype: Any
    batch: int

    @property
    def batches(self) -> int:
        """Mini-batches in one epoch."""
        return -(-len(self.targets) // self.batch)


def make_problem(torch: Any, args: argparse.Namespace) -> Problem:
    """Seeded data and starting weights."""
    dtype = getattr(torch, args.dtype)
    rng = np.random.default_rng(args.seed)
    features = rng.uniform(-1, 1, size=(args.samples, FEATURES))
    labels = (features[:, 0] * features[:, 1] + 0.5 * features[:, 2] > 0).astype(np.int64)
    torch.manual_seed(args.seed)
    classical = model_around(torch, torch.nn.Identity(), args.qubits, dtype).state_dict()
    count = batch_script.num_weights(args.qubits, args.layers)
    return Problem(
        args.qubits, args.layers, torch.tensor(features, dtype=dtype),
        torch.from_numpy(labels), classical, rng.uniform(0, 2 * np.pi, count), dtype, args.batch,
    )  # fmt: skip


def model_around(torch: Any, quantum: Any, num_qubits: int, dtype: Any) -> Any:
    """MLP -> ``quantum`` -> head, as one ``nn.Sequential`` in ``dtype``."""
    nn = torch.nn

    class Cast(nn.Module):
        """The quantum layer's output in the model's dtype (peers may return float64)."""

        def forward(self, values: Any) -> Any:
            return values.to(dtype)

    return nn.Sequential(
        nn.Linear(FEATURES, HIDDEN, dtype=dtype), nn.Tanh(),
        nn.Linear(HIDDEN, num_qubits, dtype=dtype), quantum, Cast(),
        nn.Linear(num_qubits, CLASSES, dtype=dtype),
    )  # fmt: skip


def build(torch: Any, problem: Problem, factory: LayerFactory) -> tuple[Any, Any]:
    """A fresh model at the starting weights, and a fresh Adam optimizer for it."""
    model = model_around(torch, factory(problem.circuit_weights), problem.num_qubits,
                         problem.dtype)  # fmt: skip
    missing, unexpected = model.load_state_dict(problem.classical, strict=False)
    assert not unexpected and all(key.startswith("3.") for key in missing), (missing, unexpected)
    return model, torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)


def train(torch: Any, problem: Problem, model: Any, optimizer: Any, batches: range,
          first_gradient: list[np.ndarray] | None = None) -> float:  # fmt: skip
    """Mini-batches ``batches`` of an epoch; returns their mean loss.

    With ``first_gradient``, the gradient of every weight on the first batch (before its
    optimizer step) is appended to it: what the backends are compared on.
    """
    total = 0.0
    for index in batches:
        rows = slice(index * problem.batch, (index + 1) * problem.batch)
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(problem.inputs[rows]),
                                                 problem.targets[rows])  # fmt: skip
        loss.backward()
        if first_gradient is not None and index == 0:
            first_gradient.append(flat(torch, [p.grad for p in model.parameters()]))
        optimizer.step()
        total += loss.item()
    return total / len(batches)


def flat(torch: Any, tensors: list[Any]) -> np.ndarray:
    """Tensors (weights or their gradients, in ``model.parameters()`` order) as one float64
    vector."""
    return torch.cat([t.detach().double().reshape(-1) for t in tensors]).numpy()


# -- quantum layers ------------------------------------------------------------------------------


def z_labels(num_qubits: int) -> list[str]:
    """Z on qubit q in qiskit's label order (rightmost character = qubit 0)."""
    return ["I" * (num_qubits - 1 - q) + "Z" + "I" * q for q in range(num_qubits)]


def qml_factory(qml: Any, torch: Any, problem: Problem) -> LayerFactory:
    """``QuantumLayer`` on ``batch.py``'s classifier circuit."""
    from qml.interop.torch import QuantumLayer

    circuit = batch_script.classifier_circuit(qml, problem.num_qubits, problem.layers)
    observables = [qml.Pauli(label) for label in z_labels(problem.num_qubits)]

    def factory(weights: np.ndarray) -> Any:
        return QuantumLayer(circuit, observables, inputs="x", weights="w",
                            initial_weights=weights, dtype=problem.dtype)  # fmt: skip

    return factory


def pennylane_factory(torch: Any, problem: Problem, device_name: str) -> LayerFactory | None:
    """PennyLane's ``TorchLayer`` on ``device_name``, or None (with a note) without it."""
    pennylane = _common.optional_import("pennylane", f"{device_name} column")
    if pennylane is None:
        return None
    n, layers = problem.num_qubits, problem.layers
    try:
        device = pennylane.device(device_name, wires=n)
    except Exception as error:  # PennyLane raises DeviceError when the plugin is missing
        print(f"{device_name} not usable: column skipped ({error})")
        return None
    method = "backprop" if device_name == "default.qubit" else "adjoint"

    @pennylane.qnode(device, interface="torch", diff_method=method)
    def circuit(inputs: Any, weights: Any) -> Any:
        for q in range(n):
            pennylane.RY(inputs[..., q], wires=q)
        for layer in range(layers):
            for kind, rotation in enumerate((pennylane.RY, pennylane.RZ)):
                for q in range(n):
                    rotation(weights[batch_script.weight_index(n, layer, kind, q)], wires=q)
            for q in range(n):
                pennylane.CNOT(wires=[q, (q + 1) % n])
        return [pennylane.expval(pennylane.PauliZ(q)) for q in range(n)]

    def factory(weights: np.ndarray) -> Any:
        # TorchLayer creates its weights in torch's default dtype: converted before the copy
        layer = pennylane.qnn.TorchLayer(circuit, {"weights": (len(weights),)}).to(problem.dtype)
        with torch.no_grad():
            layer.weights.copy_(torch.from_numpy(weights))
        return layer

    return factory


def qnn_factory(qml: Any, torch: Any, problem: Problem) -> LayerFactory | None:
    """qiskit-ml's ``TorchConnector`` over ``EstimatorQNN``, or None (with a note) without it."""
    if _common.optional_import("qiskit_machine_learning", "EstimatorQNN column") is None:
        return None
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_machine_learning.connectors import TorchConnector
    from qiskit_machine_learning.neural_networks import EstimatorQNN

    circuit = batch_script.classifier_circuit(qml, problem.num_qubits, problem.layers).to_qiskit()

    def named(vector: str) -> list[Any]:
        found = [p for p in circuit.parameters if p.name.startswith(vector + "[")]
        return sorted(found, key=lambda p: int(p.name.rstrip("]").split("[")[1]))

    def factory(weights: np.ndarray) -> Any:
        qnn = EstimatorQNN(
            circuit=circuit,
            observables=[SparsePauliOp(label) for label in z_labels(problem.num_qubits)],
            input_params=named("x"),
            weight_params=named("w"),
            input_gradients=True,
        )
        return TorchConnector(qnn, initial_weights=weights)

    return factory


# -- timing -------------------------------------------------------------------------------------


@dataclass
class Measured:
    """One backend's epoch: timings of ``batches`` batches, scaled to the epoch."""

    timing: _common.Timing
    batches: int
    epoch_seconds: float
    gradient: np.ndarray  # every weight's gradient on the first batch, at the start
    loss: float  # mean loss of the timed batches

    @property
    def extrapolated(self) -> bool:
        """Whether the epoch time was scaled up from fewer batches."""
        return self.epoch_seconds != self.timing.best


def measure(torch: Any, problem: Problem, factory: LayerFactory,
            args: argparse.Namespace) -> Measured:  # fmt: skip
    """Warm up, then time ``--repeat`` epochs, or fewer batches once for a slow backend.

    The warm-up batches also give the first batch's gradient and, from the last of them,
    the time per batch. Warming up stops once it has taken ``--peer-budget`` seconds; a
    backend whose epoch would take longer than that is timed once on as many batches as
    fit the budget (its warm-up batches, when those are already enough).
    """
    with _common.openmp_threads(args.threads):
        model, optimizer = build(torch, problem, factory)
        gradient: list[np.ndarray] = []
        warm, elapsed, last, loss = 0, 0.0, 0.0, 0.0
        while warm < min(args.warmup, problem.batches) and elapsed <= args.peer_budget:
            start = time.perf_counter()
            loss = train(torch, problem, model, optimizer, range(warm, warm + 1), gradient)
            last = time.perf_counter() - start
            elapsed += last
            warm += 1
        per_batch = last  # the latest warm-up batch: past first-call compilation
        batches, repeat = problem.batches, args.repeat
        if per_batch * problem.batches > args.peer_budget:
            batches, repeat = max(1, int(args.peer_budget / per_batch)), 1
        if batches <= warm < problem.batches:  # slow: the warm-up batches are the measurement
            times, batches = [elapsed], warm
        else:
            times = []
            for _ in range(repeat):
                model, optimizer = build(torch, problem, factory)
                start = time.perf_counter()
                loss = train(torch, problem, model, optimizer, range(batches))
                times.append(time.perf_counter() - start)
    timing = _common.Timing(times, None)
    epoch = timing.best * problem.batches / batches
    return Measured(timing, batches, epoch, gradient[0], loss)


# -- main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, pin the thread pools, print the table; 1 if weights disagree."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qubits", type=int, default=8, help="qubits of the quantum layer (8)")
    parser.add_argument("--layers", type=int, default=3, help="ansatz layers (3)")
    parser.add_argument("--samples", type=int, default=1000, help="samples per epoch (1000)")
    parser.add_argument("--batch", type=int, default=32, help="mini-batch size (32)")
    parser.add_argument("--dtype", choices=tuple(TOLERANCE), default="float32",
                        help="the model's dtype (float32)")  # fmt: skip
    parser.add_argument(
        "--peers", nargs="+", choices=PEER_NAMES, default=list(PEER_NAMES),
        help="peers to run (all by default)",
    )  # fmt: skip
    parser.add_argument("--peer-budget", type=float, default=30.0,
                        help="time a peer estimated above this many seconds on fewer "
                        "batches, once (30)")  # fmt: skip
    parser.add_argument("--warmup", type=int, default=2, help="untimed batches first (2)")
    parser.add_argument("--repeat", type=int, default=5, help="timed epochs per backend (5)")
    parser.add_argument("--threads", type=int, default=1, help="threads for every backend")
    parser.add_argument("--seed", type=int, default=2024, help="seed of data and weights")
    args = parser.parse_args(argv)
    if min(args.repeat, args.threads, args.layers, args.samples, args.batch, args.warmup) < 1:
        parser.error("--repeat, --threads, --layers, --samples, --batch, --warmup must be >= 1")
    if args.qubits < 2 or args.peer_budget <= 0:
        parser.error("--qubits must be >= 2 and --peer-budget positive")
    _common.pin_threads(args.threads)
    qml = _common.import_qml(args.threads)
    torch = _common.optional_import("torch", "the whole benchmark")
    if torch is None:
        return 0
    torch.set_num_threads(args.threads)
    print(_common.describe_environment(qml, args.threads, PEERS))

    problem = make_problem(torch, args)
    ours = qml_factory(qml, torch, problem)
    factories: list[tuple[str, str, LayerFactory | None]] = [("qml", "qml QuantumLayer", ours)]
    if "default.qubit" in args.peers:
        factories.append(("default.qubit", "PennyLane TorchLayer, default.qubit backprop",
                          pennylane_factory(torch, problem, "default.qubit")))  # fmt: skip
    if "lightning.qubit" in args.peers:
        factories.append(("lightning.qubit", "PennyLane TorchLayer, lightning.qubit adjoint",
                          pennylane_factory(torch, problem, "lightning.qubit")))  # fmt: skip
    if "EstimatorQNN" in args.peers:
        factories.append(("EstimatorQNN", "qiskit-ml TorchConnector(EstimatorQNN)",
                          qnn_factory(qml, torch, problem)))  # fmt: skip

    weights_count = batch_script.num_weights(args.qubits, args.layers)
    print(
        f"\n== one training epoch: MLP {FEATURES}->{HIDDEN}->{args.qubits}, quantum layer "
        f"{args.qubits} qubits x {args.layers} layers ({weights_count} weights, {args.qubits} "
        f"<Z_i>), head {args.qubits}->{CLASSES}; {args.samples} samples, batch {args.batch} "
        f"({problem.batches} Adam steps), {args.dtype}; best of {args.repeat} (median beside "
        f"it), threads {args.threads}; {_common.load_average()} =="
    )
    tolerance = TOLERANCE[args.dtype]
    results: dict[str, Measured] = {}
    rows, notes, agree = [], [], True
    for name, label, factory in factories:
        if factory is None:
            continue
        measured = measure(torch, problem, factory, args)
        results[name] = measured
        if name == "qml":
            delta_cell = "ref"
        else:
            delta = float(np.max(np.abs(measured.gradient - results["qml"].gradient)))
            agree = agree and delta <= tolerance
            delta_cell = f"{delta:.1e}" + ("" if delta <= tolerance else " MISMATCH")
        if measured.extrapolated:
            notes.append(
                f"{name}: timed once on the first {measured.batches} of {problem.batches} "
                f"batches ({measured.timing.best:.3g} s), scaled to the epoch (*)"
            )
        star = "*" if measured.extrapolated else ""
        rows.append([
            label, f"{measured.batches}{star}", _common.seconds(measured.timing.best),
            _common.seconds(measured.timing.median), _common.seconds(measured.epoch_seconds) + star,
            f"{measured.epoch_seconds / problem.batches * 1e3:.3g}",
            _common.ratio(measured.epoch_seconds, results["qml"].epoch_seconds),
            f"{measured.loss:.4f}", delta_cell,
        ])  # fmt: skip
    headers = ["backend", "batches", "best s", "median s", "epoch s", "ms/batch", "peer/qml",
               "mean loss", "max|Δgrad|"]  # fmt: skip
    print(_common.format_table(headers, rows))
    for note in notes:
        print(f"  note: {note}")
    peers = {name: m for name, m in results.items() if name != "qml"}
    if peers:
        name, fastest = min(peers.items(), key=lambda item: item[1].epoch_seconds)
        speedup = fastest.epoch_seconds / results["qml"].epoch_seconds
        verdict = "met" if speedup >= EPOCH_GOAL else "NOT met"
        print(f"goal: qml at least {EPOCH_GOAL:g}x faster than the fastest peer: {verdict} "
              f"(fastest peer {name}, {speedup:.3g}x)")  # fmt: skip
    if not agree:
        print(f"\nSome gradients differ from qml's by more than {tolerance:g}: see MISMATCH above.")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
