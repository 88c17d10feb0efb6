"""Timing of one training epoch of the classifier (qml vs PennyLane and EstimatorQNN), and of a fit.

What is measured
    The classifier circuit of ``batch.py`` (RY(x_i) angle encoding, then 3 layers of RY(w),
    RZ(w) on every qubit and a CX ring i -> (i+1) % n) on 4 and 8 qubits (``--qubits``),
    read out as <Z_i> on every qubit, then a linear head (2 classes) and the softmax
    cross-entropy. One *epoch* is the forward pass and the gradient of the loss with
    respect to every weight (circuit angles and head) for all 1,000 samples (``--samples``,
    seeded angles in [-π, π) and random labels); the weights stay fixed (no optimizer step).

    - qml: ``HybridModel.loss_and_gradient``, the call ``QuantumClassifier`` trains with,
      on a model whose circuit is checked gate by gate to be the one above (angle encoding,
      ``hardware_efficient`` ansatz, no re-uploading). Every mini-batch is one batched
      forward pass plus one adjoint sweep (``ExpectationFunction.vjp``). Two columns:
      mini-batches of 16 (``--batch``, the classifier's default; 63 calls) and the whole
      1,000 as one batch. qml also differentiates the data angles (the classifier's dense
      layer needs them); the peers are spared that.
      A note under the table splits the batch-16 epoch into the part inside qml.simulator
      (``readout.vjp`` and its pullback on parameter rows made beforehand) and the hybrid
      model's own work per call (feature stage, head, chain rule), timed in turns.
    - PennyLane ``lightning.qubit`` adjoint: ``device.execute_and_compute_derivatives`` on
      the list of 1,000 tapes (one per sample, only the weights trainable): values and the
      Jacobian of every <Z_i>, then the vector-Jacobian product with dL/dz in numpy. This
      was the fastest way found: ``execute`` + ``compute_vjp`` (which builds one Hamiltonian
      per tape and simulates again) took ~1.1x to 1.4x longer, and a broadcast QNode
      differentiated through autograd is far slower (see ``gradients.py``). Building and
      preprocessing the tapes is done before timing and reported apart (it takes longer
      than the device call; leaving it out favours PennyLane).
    - PennyLane ``default.qubit`` with parameter broadcasting (features of shape (B,))
      and ``diff_method="backprop"``: ``autograd.make_vjp`` of the function weights ->
      <Z_i> (B, n), its pullback applied to dL/dz: one broadcast forward pass and one
      reverse pass through numpy.
    - qiskit-machine-learning ``EstimatorQNN`` (inputs x, weights w, the n observables Z_i),
      ``forward(x, w)`` then ``backward(x, w)`` (weight Jacobian (B, n, n_w); no input
      gradients), contracted with dL/dz in numpy. Its defaults in 0.9: the estimator
      ``QMLEstimator`` (qiskit's ``StatevectorEstimator``, exact mode) and the gradient
      ``ParamShiftEstimatorGradient``, one PUB per sample, observable and shift.
      ``--qnn-estimator aer`` uses qiskit-aer's ``EstimatorV2`` (exact,
      ``default_precision=0``) for both instead; it was 1.2x to 1.4x slower in trials.

    The classical head (logits, softmax, cross-entropy, dL/dz and the head's gradient) is
    the same numpy code for every peer, a copy of ``loss_and_gradient``'s. A peer whose
    epoch is estimated (from a call on 4 samples) above ``--peer-budget`` seconds is timed
    once on as many leading samples as fit the budget and scaled linearly to the epoch,
    marked ``*``: EstimatorQNN's cost is per circuit, so this is linear (and the estimate
    skips the memory pressure of a full batch, in its favour). Other backends: best of
    ``--repeat`` calls after one untimed warm-up call.

    Agreement is checked, not assumed: each peer's gradient (all weights, head included)
    and logits must match qml's ``loss_and_gradient`` on the same samples to 1e-8, as
    must qml's mini-batch epoch (its gradients combined by batch size) against the
    whole-batch one; the script exits with status 1 otherwise. Wire q of PennyLane is
    qml's qubit q (only <Z_q> is compared, so big-endian order does not enter); Z_q for
    qiskit is the label with Z at position n-1-q; EstimatorQNN's weight columns follow the
    ``weight_params`` given, w[0], w[1], ... .

    Last, ``QuantumClassifier(random_state=0).fit(X, y)`` on
    ``make_classification(n_samples=300, n_features=10, n_informative=5, random_state=0)``
    (defaults: 4 qubits, 3 layers, PCA to 4 angles, Adam, up to 60 epochs of mini-batches of
    16 with early stopping): best of ``--repeat`` fits after one warm-up fit (numba's
    compilation excluded), the train accuracy, and the first fit in a fresh process, once
    with numba's on-disk kernel cache as found and once with an empty one (the first run
    after installing). Goal: under 10 s.

Threads
    ``--threads`` threads for qml (``qml.set_num_threads``), numpy's BLAS and lightning's
    OpenMP (``OMP_NUM_THREADS`` and threadpoolctl); Aer (with ``--qnn-estimator aer``) gets
    ``max_parallel_threads``. The script re-executes itself once to set the thread
    variables before anything is loaded (see ``_common.pin_threads``).

Run (in the benchmark environment, see README.md)::

    python benchmarks/training.py --threads 1
    python benchmarks/training.py --qubits 4 --peers default.qubit --repeat 3 --no-fit
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import _common
import numpy as np
from _common import Timing, format_table, seconds, time_call
from batch import classifier_circuit, num_weights, weight_index

#: Largest allowed difference of a gradient or logit from qml's.
TOLERANCE = 1e-8
#: Classes of the linear head.
CLASSES = 2
#: Samples of the call that warms a peer up and estimates its epoch.
PILOT_ROWS = 4
#: Goals: qml's epoch at least this many times faster than the fastest peer's ...
EPOCH_GOAL = 10.0
#: ... and a default fit on the 300-sample data set under this many seconds.
FIT_GOAL_SECONDS = 10.0
#: Distributions whose versions head the output (absent ones are listed as such).
PEERS = (
    "pennylane", "pennylane-lightning", "autograd", "qiskit", "qiskit-aer",
    "qiskit-machine-learning", "scikit-learn", "numba", "threadpoolctl",
)  # fmt: skip
PEER_NAMES = ("lightning.qubit", "default.qubit", "EstimatorQNN")
#: The cold-fit child prints its result on a line starting with this.
COLD_MARK = "COLD_FIT "

#: An epoch: () -> (mean loss, flat gradient in ``HybridModel`` order, logits (B, classes)).
Epoch = Callable[[], tuple[float, np.ndarray, np.ndarray]]
#: Prepares a peer's epoch on given samples: (vector, inputs, targets) -> (epoch, prep s).
Setup = Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[Epoch, float | None]]


# -- the model ----------------------------------------------------------------------------------


def make_model(qml: Any, num_qubits: int, layers: int) -> Any:
    """A ``HybridModel`` whose circuit is ``batch.py``'s classifier (checked gate by gate)."""
    from qml.hybrid.model import Architecture, HybridModel

    arch = Architecture(num_qubits, layers, CLASSES, "angle", "hardware_efficient", False, "pca")
    model = HybridModel(arch, num_qubits)

    def signature(circuit: Any, rename: str) -> list[tuple[str, tuple[int, ...], list[str]]]:
        return [
            (gate.name, tuple(int(q) for q in qubits), [str(p).replace(rename, "w")
                                                        for p in gate.params])
            for gate, qubits in circuit
        ]  # fmt: skip

    expected = signature(classifier_circuit(qml, num_qubits, layers), "w")
    if signature(model.circuit, "θ") != expected:
        raise SystemExit("HybridModel's circuit is not batch.py's classifier: nothing to compare")
    return model


def head_and_pullback(
    model: Any, vector: np.ndarray, z: np.ndarray, targets: np.ndarray,
    pull: Callable[[np.ndarray], np.ndarray],
) -> tuple[float, np.ndarray, np.ndarray]:  # fmt: skip
    """``loss_and_gradient``'s head in numpy around a peer's <Z_i> ``z`` (B, n).

    ``pull`` maps dL/dz (B, n) to dL/dθ (n_weights,), the peer's vector-Jacobian product.
    """
    from qml.hybrid.model import head

    params = model.unflatten(vector)
    loss, d_z, grads, logits = head(params, z, targets)
    grads["theta"] = pull(d_z)
    return loss, model.flatten(grads), logits


def qml_epoch(model: Any, vector: np.ndarray, inputs: np.ndarray, targets: np.ndarray,
              batch: int) -> Epoch:  # fmt: skip
    """One epoch of ``loss_and_gradient`` calls on mini-batches of ``batch`` samples.

    Returns the gradients combined by batch size (what one whole-batch call gives).
    """
    total = len(targets)

    def epoch() -> tuple[float, np.ndarray, np.ndarray]:
        loss, grad, logits = 0.0, np.zeros(model.size), []
        for start in range(0, total, batch):
            rows = slice(start, start + batch)
            part_loss, part_grad, part_logits = model.loss_and_gradient(
                vector, inputs[rows], targets[rows]
            )
            share = len(part_logits) / total
            loss += share * part_loss
            grad += share * part_grad
            logits.append(part_logits)
        return loss, grad, np.vstack(logits)

    return epoch


def engine_epoch(model: Any, vector: np.ndarray, inputs: np.ndarray, batch: int) -> Callable:
    """Only the ``qml.simulator`` part of :func:`qml_epoch`: ``readout.vjp`` and its pullback.

    The circuit's parameter rows and a dL/dz are made before timing, so what is left is
    the share of a training step spent inside qml.simulator calls (the rest is the hybrid
    model: feature stage, head, chain rule into the flat gradient).
    """
    calls = []
    for start in range(0, len(inputs), batch):
        rows = model.circuit_params(vector, inputs[start : start + batch])
        calls.append((rows, np.ones((len(rows), model.arch.n_qubits))))

    def epoch() -> None:
        for rows, d_z in calls:
            _, pullback = model.readout.vjp(rows)
            pullback(d_z)

    return epoch


# -- peers --------------------------------------------------------------------------------------


def pennylane_ops(pennylane: Any, features: Any, weights: Any, num_qubits: int,
                  layers: int) -> list[Any]:  # fmt: skip
    """The classifier as PennyLane operations (queued when called inside a QNode).

    ``features[q]`` is a number (one tape) or an array of shape (B,) (broadcasting).
    """
    ops = [pennylane.RY(features[q], wires=q) for q in range(num_qubits)]
    for layer in range(layers):
        for kind, rotation in enumerate((pennylane.RY, pennylane.RZ)):
            for q in range(num_qubits):
                ops.append(rotation(weights[weight_index(num_qubits, layer, kind, q)], wires=q))
        for q in range(num_qubits):
            ops.append(pennylane.CNOT(wires=[q, (q + 1) % num_qubits]))
    return ops


def pennylane_device(name: str, num_qubits: int) -> tuple[Any, Any] | tuple[None, None]:
    """``(pennylane, device)``, or ``(None, None)`` with a printed note."""
    pennylane = _common.optional_import("pennylane", f"{name} column")
    if pennylane is None:
        return None, None
    try:
        return pennylane, pennylane.device(name, wires=num_qubits)
    except Exception as error:  # PennyLane raises DeviceError when the plugin is missing
        print(f"{name} not usable: column skipped ({error})")
        return None, None


def lightning_setup(model: Any, num_qubits: int, layers: int) -> Setup | None:
    """lightning.qubit adjoint on one tape per sample, or None without it."""
    pennylane, device = pennylane_device("lightning.qubit", num_qubits)
    if device is None:
        return None
    config = pennylane.devices.ExecutionConfig(gradient_method="adjoint")
    program = device.preprocess_transforms(config)
    config = device.setup_execution_config(config)
    measurements = [pennylane.expval(pennylane.PauliZ(q)) for q in range(num_qubits)]
    count = num_weights(num_qubits, layers)
    # the weight gates come after the n encoding gates, in weight_index order
    trainable = list(range(num_qubits, num_qubits + count))

    def setup(vector: np.ndarray, inputs: np.ndarray, targets: np.ndarray) -> tuple[Epoch, float]:
        theta = model.unflatten(vector)["theta"]
        start = time.perf_counter()
        tapes = [
            pennylane.tape.QuantumScript(
                pennylane_ops(pennylane, row, theta, num_qubits, layers),
                measurements,
                trainable_params=trainable,
            )
            for row in inputs
        ]
        tapes = tuple(program(tapes)[0])
        prepare = time.perf_counter() - start

        def epoch() -> tuple[float, np.ndarray, np.ndarray]:
            values, jacobians = device.execute_and_compute_derivatives(tapes, config)
            z = np.asarray(values, dtype=np.float64).reshape(len(tapes), num_qubits)
            jacobian = np.asarray(jacobians, dtype=np.float64).reshape(len(tapes), num_qubits, -1)
            return head_and_pullback(
                model, vector, z, targets, lambda d_z: np.einsum("bk,bkp->p", d_z, jacobian)
            )

        return epoch, prepare

    return setup


def default_qubit_setup(model: Any, num_qubits: int, layers: int) -> Setup | None:
    """default.qubit, broadcast over the batch, reverse mode through autograd; or None."""
    pennylane, device = pennylane_device("default.qubit", num_qubits)
    if device is None:
        return None
    import autograd
    import autograd.numpy as anp

    @pennylane.qnode(device, diff_method="backprop", interface="autograd")
    def circuit(columns: np.ndarray, weights: Any) -> Any:
        pennylane_ops(pennylane, columns, weights, num_qubits, layers)
        return [pennylane.expval(pennylane.PauliZ(q)) for q in range(num_qubits)]

    def setup(vector: np.ndarray, inputs: np.ndarray, targets: np.ndarray) -> tuple[Epoch, None]:
        theta = np.array(model.unflatten(vector)["theta"])
        columns = np.ascontiguousarray(inputs.T)  # (n, B): RY(columns[q]) broadcasts over B

        def expectations(weights: Any) -> Any:
            return anp.stack(circuit(columns, weights), axis=1)  # (B, n)

        def epoch() -> tuple[float, np.ndarray, np.ndarray]:
            pullback, z = autograd.make_vjp(expectations)(theta)
            return head_and_pullback(model, vector, np.asarray(z), targets, pullback)

        return epoch, None

    return setup


def qnn_setup(qml: Any, model: Any, num_qubits: int, layers: int, estimator_name: str,
              threads: int) -> tuple[Setup, str] | None:  # fmt: skip
    """EstimatorQNN forward + backward, and a description of its estimator; or None."""
    if _common.optional_import("qiskit_machine_learning", "EstimatorQNN column") is None:
        return None
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_machine_learning.gradients import ParamShiftEstimatorGradient
    from qiskit_machine_learning.neural_networks import EstimatorQNN

    circuit = classifier_circuit(qml, num_qubits, layers).to_qiskit()

    def named(vector: str) -> list[Any]:
        found = [p for p in circuit.parameters if p.name.startswith(vector + "[")]
        return sorted(found, key=lambda p: int(p.name.rstrip("]").split("[")[1]))

    labels = ["I" * (num_qubits - 1 - q) + "Z" + "I" * q for q in range(num_qubits)]
    options: dict[str, Any] = {}
    if estimator_name == "aer":
        try:
            from qiskit_aer.primitives import EstimatorV2
        except ImportError as error:
            print(f"qiskit-aer not installed: EstimatorQNN column skipped ({error})")
            return None
        estimator = EstimatorV2(
            options={
                "default_precision": 0.0,
                "backend_options": {"method": "statevector", "max_parallel_threads": threads},
            }
        )
        gradient = ParamShiftEstimatorGradient(estimator=estimator)
        options = {"estimator": estimator, "gradient": gradient, "default_precision": 0.0}
    qnn = EstimatorQNN(
        circuit=circuit,
        observables=[SparsePauliOp(label) for label in labels],
        input_params=named("x"),
        weight_params=named("w"),
        **options,
    )
    how = f"{type(qnn.estimator).__name__} + {type(qnn.gradient).__name__}"

    def setup(vector: np.ndarray, inputs: np.ndarray, targets: np.ndarray) -> tuple[Epoch, None]:
        theta = model.unflatten(vector)["theta"]

        def epoch() -> tuple[float, np.ndarray, np.ndarray]:
            z = qnn.forward(inputs, theta)
            _, jacobian = qnn.backward(inputs, theta)  # (B, n, n_weights)
            return head_and_pullback(
                model, vector, z, targets, lambda d_z: np.einsum("bk,bkp->p", d_z, jacobian)
            )

        return epoch, None

    return setup, how


# -- timing -------------------------------------------------------------------------------------


@dataclass
class Measured:
    """One backend's epoch: timing on ``rows`` samples, scaled to the epoch, prep seconds."""

    timing: Timing
    rows: int
    epoch_seconds: float
    prepare_seconds: float | None

    @property
    def extrapolated(self) -> bool:
        """Whether the epoch time was scaled up from fewer samples."""
        return self.epoch_seconds != self.timing.best


def time_peer(
    setup: Setup, vector: np.ndarray, inputs: np.ndarray, targets: np.ndarray,
    args: argparse.Namespace,
) -> Measured:  # fmt: skip
    """A peer's epoch: best of ``--repeat`` on every sample, or once on a subset (budget)."""
    total = len(targets)
    pilot_rows = min(PILOT_ROWS, total)
    with _common.openmp_threads(args.threads):
        epoch, _ = setup(vector, inputs[:pilot_rows], targets[:pilot_rows])
        start = time.perf_counter()
        epoch()  # warms the peer up, and estimates its epoch
        per_sample = (time.perf_counter() - start) / pilot_rows
        if per_sample * total <= args.peer_budget:
            epoch, prepare = setup(vector, inputs, targets)
            epoch()
            timing = time_call(epoch, args.repeat)
            return Measured(timing, total, timing.best, prepare)
        rows = min(total, max(pilot_rows, int(args.peer_budget / per_sample)))
        epoch, prepare = setup(vector, inputs[:rows], targets[:rows])
        timing = time_call(epoch, 1)
        return Measured(timing, rows, timing.best * total / rows, prepare)


def difference(result: tuple[float, np.ndarray, np.ndarray],
               reference: tuple[float, np.ndarray, np.ndarray]) -> tuple[float, float]:  # fmt: skip
    """Largest differences of the gradients and of the logits."""
    return (
        float(np.max(np.abs(result[1] - reference[1]))),
        float(np.max(np.abs(result[2] - reference[2]))),
    )


def verdict(value: float) -> str:
    """A max|Δ| cell: the difference, flagged when above TOLERANCE."""
    return f"{value:.1e}" + ("" if value <= TOLERANCE else " MISMATCH")


@dataclass
class SizeResult:
    """What the summary needs from one circuit size."""

    num_qubits: int
    qml_batch: float
    qml_whole: float
    peers: dict[str, Measured]
    agree: bool


def benchmark(qml: Any, num_qubits: int, args: argparse.Namespace) -> SizeResult:
    """Time qml and every peer on one circuit size and print its table."""
    model = make_model(qml, num_qubits, args.layers)
    rng = np.random.default_rng([args.seed, num_qubits])
    inputs = rng.uniform(-np.pi, np.pi, size=(args.samples, num_qubits))
    targets = rng.integers(0, CLASSES, size=args.samples)
    vector = model.initial(rng)
    weights = num_weights(num_qubits, args.layers)
    print(
        f"\n== {num_qubits} qubits, {args.layers} layers: {weights} circuit weights + "
        f"{CLASSES}x{num_qubits} head and {CLASSES} biases, {args.samples} samples, "
        f"{CLASSES} classes; best of {args.repeat} (median beside it), threads "
        f"{args.threads}; {_common.load_average()} =="
    )
    rows: list[list[str]] = []
    qml_times: list[float] = []
    results = []
    for batch in (args.batch, args.samples):
        epoch = qml_epoch(model, vector, inputs, targets, batch)
        epoch()  # numba compiles (or loads) its kernels for this circuit
        timing = time_call(epoch, args.repeat)
        qml_times.append(timing.best)
        results.append(timing.result)
        calls = -(-args.samples // batch)
        rows.append([f"qml loss_and_gradient, batch {batch} ({calls} call{'s' * (calls > 1)})",
                     *_cells(timing, args.samples, timing.best)])  # fmt: skip
    whole = results[1]
    internal = difference(results[0], whole)
    agree = max(internal) <= TOLERANCE
    rows[0] += ["-", "-", verdict(internal[0]), verdict(internal[1])]
    # the whole step and its simulator part, timed in turns so that load on the machine
    # hits both alike; best of --repeat each
    inside = engine_epoch(model, vector, inputs, args.batch)
    whole_step = qml_epoch(model, vector, inputs, targets, args.batch)
    inside()
    pairs = [(time_call(whole_step, 1).best, time_call(inside, 1).best) for _ in range(args.repeat)]
    step_best, engine = min(pair[0] for pair in pairs), min(pair[1] for pair in pairs)
    calls = -(-args.samples // args.batch)
    engine_note = (
        f"qml batch {args.batch}: {engine * 1e3:.3g} ms of a {step_best * 1e3:.3g} ms epoch "
        f"({engine / step_best:.0%}) is inside qml.simulator (readout.vjp + pullback); "
        f"the hybrid model's own work is {(step_best - engine) / calls * 1e6:.3g} µs of each "
        f"of the {calls} calls (timed in turns)"
    )
    rows[1] += ["-", "-", "ref", "ref"]

    setups: list[tuple[str, str, Setup | None]] = []
    if "lightning.qubit" in args.peers:
        setups.append(("lightning.qubit", "lightning.qubit adjoint (device API)",
                       lightning_setup(model, num_qubits, args.layers)))  # fmt: skip
    if "default.qubit" in args.peers:
        setups.append(("default.qubit", "default.qubit broadcast + backprop",
                       default_qubit_setup(model, num_qubits, args.layers)))  # fmt: skip
    if "EstimatorQNN" in args.peers:
        found = qnn_setup(qml, model, num_qubits, args.layers, args.qnn_estimator, args.threads)
        label = f"EstimatorQNN ({found[1]})" if found else "EstimatorQNN"
        setups.append(("EstimatorQNN", label, found[0] if found else None))

    peers: dict[str, Measured] = {}
    notes: list[str] = [engine_note]
    for name, label, setup in setups:
        if setup is None:
            continue
        measured = time_peer(setup, vector, inputs, targets, args)
        peers[name] = measured
        reference = whole
        if measured.rows < args.samples:
            head = slice(0, measured.rows)
            reference = model.loss_and_gradient(vector, inputs[head], targets[head])
            notes.append(
                f"{name}: timed once on the first {measured.rows} of {args.samples} samples "
                f"({measured.timing.best:.3g} s), scaled by {args.samples}/{measured.rows} (*)"
            )
        if measured.prepare_seconds is not None:
            notes.append(f"{name}: building and preprocessing the {measured.rows} tapes took "
                         f"{measured.prepare_seconds:.3g} s, not included")  # fmt: skip
        deltas = difference(measured.timing.result, reference)
        agree = agree and max(deltas) <= TOLERANCE
        rows.append([
            label, *_cells(measured.timing, measured.rows, measured.epoch_seconds),
            _speedup(measured.epoch_seconds, qml_times[0]),
            _speedup(measured.epoch_seconds, qml_times[1]),
            verdict(deltas[0]), verdict(deltas[1]),
        ])  # fmt: skip
    headers = [
        "backend", "samples", "best s", "median s", "epoch s", "µs/sample",
        f"peer/qml b{args.batch}", f"peer/qml b{args.samples}", "max|Δgrad|", "max|Δlogits|",
    ]  # fmt: skip
    print(format_table(headers, rows))
    for note in notes:
        print(f"  note: {note}")
    return SizeResult(num_qubits, qml_times[0], qml_times[1], peers, agree)


def _cells(timing: Timing, rows: int, epoch_seconds: float) -> list[str]:
    """The 'samples', 'best s', 'median s', 'epoch s' and 'µs/sample' cells."""
    star = "*" if epoch_seconds != timing.best else ""
    return [
        f"{rows}{star}",
        seconds(timing.best),
        seconds(timing.median),
        seconds(epoch_seconds) + star,
        f"{timing.best / rows * 1e6:.3g}",
    ]


def _speedup(peer: float | None, ours: float) -> str:
    """``peer / ours`` as '12.3x' (above 1: qml is faster), or '-'."""
    return _common.ratio(peer, ours)


def summarize(results: list[SizeResult], args: argparse.Namespace) -> None:
    """The table of the issue: qml's two epochs, every peer, the fastest peer over qml."""
    names = [name for name in PEER_NAMES if name in args.peers]
    rows, verdicts = [], []
    for result in results:
        cells = []
        for name in names:
            measured = result.peers.get(name)
            if measured is None:
                cells.append("skipped")
            else:
                cells.append(seconds(measured.epoch_seconds) + ("*" if measured.extrapolated
                                                                 else ""))  # fmt: skip
        fastest = min(result.peers.items(), key=lambda item: item[1].epoch_seconds, default=None)
        if fastest is None:
            rows.append([str(result.num_qubits), seconds(result.qml_batch),
                         seconds(result.qml_whole), *cells, "-", "-", "-"])  # fmt: skip
            verdicts.append(f"{result.num_qubits} qubits: no peer ran, no ratio")
            continue
        name, measured = fastest
        ratios = [measured.epoch_seconds / ours for ours in (result.qml_batch, result.qml_whole)]
        rows.append([
            str(result.num_qubits), seconds(result.qml_batch), seconds(result.qml_whole), *cells,
            name, f"{ratios[0]:.3g}x", f"{ratios[1]:.3g}x",
        ])  # fmt: skip
        met = ["met" if r >= EPOCH_GOAL else "NOT met" for r in ratios]
        verdicts.append(
            f"{result.num_qubits} qubits: qml is {ratios[0]:.3g}x faster than {name} with "
            f"batch {args.batch} ({met[0]}), {ratios[1]:.3g}x with batch {args.samples} ({met[1]})"
        )
    headers = [
        "qubits", f"qml b{args.batch} s", f"qml b{args.samples} s", *(f"{n} s" for n in names),
        "fastest peer", f"fastest/qml b{args.batch}", f"fastest/qml b{args.samples}",
    ]  # fmt: skip
    print(
        f"\n== one epoch ({args.samples} samples, forward + gradient), seconds; "
        f"threads {args.threads}; {_common.load_average()} =="
    )
    print(format_table(headers, rows))
    print(f"goal: qml at least {EPOCH_GOAL:g}x faster than the fastest peer (* = extrapolated)")
    for line in verdicts:
        print(f"  {line}")


# -- QuantumClassifier.fit ------------------------------------------------------------------------


def fit_data() -> tuple[np.ndarray, np.ndarray]:
    """The untuned data set of the issue: 300 samples, 10 features, 5 informative."""
    from sklearn.datasets import make_classification

    return make_classification(n_samples=300, n_features=10, n_informative=5, random_state=0)


def cold_fit_child(threads: int) -> int:
    """In a fresh process: time ``import qml`` and the first fit; print them as JSON."""
    start = time.perf_counter()
    _common.import_qml(threads)
    from qml.hybrid import QuantumClassifier

    imported = time.perf_counter()
    X, y = fit_data()
    begin = time.perf_counter()
    clf = QuantumClassifier(random_state=0).fit(X, y)
    done = time.perf_counter()
    result = {"import": imported - start, "fit": done - begin, "epochs": clf.n_iter_,
              "accuracy": clf.score(X, y)}  # fmt: skip
    print(COLD_MARK + json.dumps(result))
    return 0


def run_cold_fit(threads: int, environment: dict[str, str]) -> dict[str, Any] | str:
    """Run :func:`cold_fit_child` in a new interpreter; its result, or why it failed."""
    command = [sys.executable, os.path.abspath(__file__), "--cold-fit", "--threads", str(threads)]
    completed = subprocess.run(
        command, env={**os.environ, **environment}, capture_output=True, text=True, check=False
    )
    for line in completed.stdout.splitlines():
        if line.startswith(COLD_MARK):
            return json.loads(line[len(COLD_MARK) :])
    return f"failed (status {completed.returncode}): {completed.stderr.strip()[-300:]}"


def benchmark_fit(args: argparse.Namespace) -> None:
    """Time the default classifier's fit (warm and in fresh processes) and print a table."""
    print(
        "\n== QuantumClassifier(random_state=0).fit on make_classification(n_samples=300, "
        f"n_features=10, n_informative=5, random_state=0): best of {args.repeat} after a "
        f"warm-up fit, threads {args.threads}; {_common.load_average()} =="
    )
    if _common.optional_import("sklearn", "fit timing") is None:
        return
    from qml.hybrid import QuantumClassifier

    X, y = fit_data()

    def fit() -> Any:
        return QuantumClassifier(random_state=0).fit(X, y)

    try:
        fit()  # numba compiles (or loads from its disk cache) every kernel the fit uses
    except ImportError as error:  # e.g. tqdm, a qml dependency, missing from an old install
        print(f"fit skipped: {error} (reinstall qml: pip install -e /work/main)")
        return
    timing = time_call(fit, args.repeat)
    clf = timing.result
    epochs = clf.n_iter_
    accuracy = clf.score(X, y)
    rows = [
        ["in process, after a warm-up fit", seconds(timing.best), seconds(timing.median),
         "-", str(epochs), f"{timing.best / epochs * 1e3:.3g}", f"{accuracy:.3f}"],
    ]  # fmt: skip
    if not args.no_cold:
        with tempfile.TemporaryDirectory(prefix="numba-cache-") as empty:
            for label, environment in (
                ("fresh process, numba cache as found", {}),
                ("fresh process, empty numba cache", {"NUMBA_CACHE_DIR": empty}),
            ):
                cold = run_cold_fit(args.threads, environment)
                if isinstance(cold, str):
                    rows.append([label, cold, "-", "-", "-", "-", "-"])
                    continue
                rows.append([label, seconds(cold["fit"]), "-", seconds(cold["import"]),
                             str(cold["epochs"]), "-", f"{cold['accuracy']:.3f}"])  # fmt: skip
    headers = ["run", "fit s", "median s", "import qml s", "epochs", "ms/epoch", "train acc"]
    print(format_table(headers, rows))
    verdict = "met" if timing.best < FIT_GOAL_SECONDS else "NOT met"
    print(f"goal: a default fit under {FIT_GOAL_SECONDS:g} s: {verdict} ({timing.best:.3g} s; "
          f"{epochs} epochs run of 60, early stopping)")  # fmt: skip


# -- main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, pin the thread pools, print the tables; 1 if results disagree."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qubits", type=int, nargs="+", default=[4, 8], help="circuit sizes")
    parser.add_argument("--layers", type=int, default=3, help="ansatz layers (3)")
    parser.add_argument("--samples", type=int, default=1000, help="samples per epoch (1000)")
    parser.add_argument("--batch", type=int, default=16, help="qml's mini-batch (16)")
    parser.add_argument(
        "--peers", nargs="+", choices=PEER_NAMES, default=list(PEER_NAMES),
        help="peers to run (all by default)",
    )  # fmt: skip
    parser.add_argument(
        "--qnn-estimator", choices=("reference", "aer"), default="reference",
        help="EstimatorQNN's estimator: qiskit-machine-learning's default or Aer's EstimatorV2",
    )  # fmt: skip
    parser.add_argument(
        "--peer-budget", type=float, default=30.0,
        help="time a peer estimated above this many seconds once, on fewer samples (30)",
    )  # fmt: skip
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per backend (5)")
    parser.add_argument("--threads", type=int, default=1, help="threads for every backend")
    parser.add_argument("--seed", type=int, default=2024, help="seed of data and weights")
    parser.add_argument("--no-fit", action="store_true", help="skip the QuantumClassifier fit")
    parser.add_argument("--no-cold", action="store_true", help="skip the fresh-process fits")
    parser.add_argument("--cold-fit", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.repeat, args.threads, args.layers, args.samples, args.batch) < 1:
        parser.error("--repeat, --threads, --layers, --samples and --batch must be >= 1")
    if min(args.qubits) < 2 or args.peer_budget <= 0:
        parser.error("every --qubits must be >= 2 and --peer-budget positive")
    _common.pin_threads(args.threads)
    if args.cold_fit:
        return cold_fit_child(args.threads)
    qml = _common.import_qml(args.threads)
    print(_common.describe_environment(qml, args.threads, PEERS))
    results = [benchmark(qml, num_qubits, args) for num_qubits in args.qubits]
    summarize(results, args)
    if not args.no_fit:
        benchmark_fit(args)
    agree = all(result.agree for result in results)
    if not agree:
        print(f"\nSome gradients or logits differ by more than {TOLERANCE:g}: see MISMATCH above.")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
