"""Side-by-side timing of one large state-vector simulation: qml against its peers.

What is measured
    A random circuit on n qubits (default n = 16, 20, 22, 24), seeded so that every
    backend gets exactly the same gates: 10 layers, each a random RX, RY or RZ with a
    random angle on every qubit, then CX on alternating neighbour pairs ((0,1), (2,3),
    ... on even layers; (1,2), (3,4), ... on odd ones). Each backend prepares the final
    state from |0...0> and returns it as a complex128 vector:

    - ``qml.simulate`` (public API only), with ``--threads`` threads;
    - qiskit-aer ``AerSimulator(method="statevector")`` with ``max_parallel_threads`` 1
      and 2 (``save_statevector``, gate fusion on as by default); the circuit comes from
      ``Circuit.to_qiskit()``, and ``transpile`` (optimization_level=0, so Aer runs the
      same gates) is timed apart from ``run(...).result()``;
    - PennyLane ``lightning.qubit`` returning ``pennylane.state()``, where installed;
    - the one-pass-per-gate memory floor: the best time (of 20) of one streaming pass
      over a complex128 state of that size (``state *= phase`` in numpy, single-threaded,
      and a numba ``prange`` kernel with ``--threads`` threads where numba is installed),
      multiplied by the number of gates. Fused gates (Aer) and CX kernels that touch
      half the amplitudes can beat it; an engine far above it is not memory-bound.

    Every call is timed ``--repeat`` times after a warm-up on an 8-qubit circuit (JIT
    compilation and library loading excluded); the table gives the best and the median,
    ``qml/peer`` (qml's best over the peer's best: above 1 means qml is slower) and the
    largest absolute difference of each state from qml's, global phase included
    (PennyLane's big-endian wire order is converted to qiskit's little-endian order).

Threads
    numpy's BLAS, numba, rayon and qml get ``--threads`` threads through the environment
    (``QML_NUM_THREADS``, ``NUMBA_NUM_THREADS``, ...; the script re-executes itself once
    to set them before anything is loaded) and ``qml.set_num_threads`` when it exists.
    ``OMP_NUM_THREADS`` is at least 2 so that Aer's two-thread column can use two;
    lightning.qubit is held to ``--threads`` OpenMP threads through threadpoolctl.

Run (in the benchmark environment, see README.md)::

    python benchmarks/statevector.py --qubits 16 20 --repeat 3 --threads 1
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Callable
from typing import Any

import _common
import numpy as np
from _common import Timing, format_table, ratio, seconds, time_call

ROTATIONS = ("rx", "ry", "rz")
#: States that differ by more than this from qml's are reported as a mismatch.
TOLERANCE = 1e-10
#: Qubits of the circuit every backend runs once before timing (loads and compiles code).
WARMUP_QUBITS = 8

#: Distributions whose versions head the output (absent ones are listed as such).
PEERS = ("qiskit", "qiskit-aer", "pennylane", "pennylane-lightning", "numba", "threadpoolctl")

#: One gate: (name, angle or None, qubits).
GateSpec = tuple[str, float | None, tuple[int, ...]]


def random_circuit(num_qubits: int, layers: int, seed: int) -> list[GateSpec]:
    """The benchmark circuit as a list of ``(name, angle, qubits)``, the same for every backend.

    Each layer draws a rotation axis and an angle in [0, 2π) for every qubit, then puts
    CX on (0,1), (2,3), ... (even layers) or (1,2), (3,4), ... (odd layers).
    """
    rng = np.random.default_rng(seed)
    gates: list[GateSpec] = []
    for layer in range(layers):
        axes = rng.integers(0, len(ROTATIONS), size=num_qubits)
        angles = rng.uniform(0.0, 2.0 * np.pi, size=num_qubits)
        for qubit in range(num_qubits):
            gates.append((ROTATIONS[axes[qubit]], float(angles[qubit]), (qubit,)))
        for first in range(layer % 2, num_qubits - 1, 2):
            gates.append(("cx", None, (first, first + 1)))
    return gates


def to_qml(qml: Any, num_qubits: int, gates: list[GateSpec]) -> Any:
    """Build the circuit with qml's builder methods (``c.rx(θ, q)``, ``c.cx(a, b)``)."""
    circuit = qml.Circuit(num_qubits)
    for name, angle, qubits in gates:
        if angle is None:
            getattr(circuit, name)(*qubits)
        else:
            getattr(circuit, name)(angle, *qubits)
    return circuit


def max_abs_difference(state: np.ndarray, reference: np.ndarray) -> float:
    """Largest ``|state - reference|`` over all amplitudes (no global-phase alignment)."""
    return float(np.max(np.abs(state - reference)))


def big_endian_to_little_endian(state: np.ndarray, num_qubits: int) -> np.ndarray:
    """Reorder a PennyLane state (wire 0 = most significant bit) into qiskit's order."""
    tensor = np.asarray(state).reshape([2] * num_qubits)
    return np.ascontiguousarray(tensor.transpose(range(num_qubits - 1, -1, -1))).reshape(-1)


def time_qml(qml: Any, num_qubits: int, gates: list[GateSpec], repeat: int) -> Timing:
    """Time ``qml.simulate`` on the circuit (after a warm-up on a small one)."""
    qml.simulate(to_qml(qml, WARMUP_QUBITS, random_circuit(WARMUP_QUBITS, 2, 0)))
    circuit = to_qml(qml, num_qubits, gates)
    return time_call(lambda: qml.simulate(circuit), repeat)


def aer_runner(qml: Any, threads: int) -> Callable[[int, list[GateSpec], int], tuple] | None:
    """A function timing qiskit-aer with ``threads`` threads, or None without qiskit-aer.

    The function returns ``(transpile Timing, run Timing)``; the run's result is the state.
    """
    try:
        from qiskit import transpile
        from qiskit_aer import AerSimulator
    except ImportError as error:
        print(f"qiskit-aer not installed: Aer columns skipped ({error})")
        return None

    simulator = AerSimulator(method="statevector", max_parallel_threads=threads)

    def prepare(num_qubits: int, gates: list[GateSpec]) -> Any:
        circuit = to_qml(qml, num_qubits, gates).to_qiskit()
        circuit.save_statevector()
        return circuit

    def run(circuit: Any) -> np.ndarray:
        result = simulator.run(circuit).result()
        return np.asarray(result.get_statevector(circuit).data)

    def timed(num_qubits: int, gates: list[GateSpec], repeat: int) -> tuple[Timing, Timing]:
        run(transpile(prepare(WARMUP_QUBITS, random_circuit(WARMUP_QUBITS, 2, 0)), simulator))
        circuit = prepare(num_qubits, gates)
        compiled = time_call(lambda: transpile(circuit, simulator, optimization_level=0), repeat)
        return compiled, time_call(lambda: run(compiled.result), repeat)

    return timed


def lightning_runner(threads: int) -> Callable[[int, list[GateSpec], int], Timing] | None:
    """A function timing PennyLane's lightning.qubit, or None when it is not installed.

    The timed result is the state converted to qiskit's qubit order (outside the timing).
    """
    pennylane = _common.optional_import("pennylane", "lightning.qubit column")
    if pennylane is None:
        return None
    operations = {"rx": pennylane.RX, "ry": pennylane.RY, "rz": pennylane.RZ}

    def timed(num_qubits: int, gates: list[GateSpec], repeat: int) -> Timing:
        try:
            device = pennylane.device("lightning.qubit", wires=num_qubits)
        except Exception as error:  # PennyLane raises DeviceError when the plugin is missing
            print(f"pennylane-lightning not usable: lightning.qubit column skipped ({error})")
            return Timing([], None)

        @pennylane.qnode(device)
        def circuit() -> Any:
            for name, angle, qubits in gates:
                if name == "cx":
                    pennylane.CNOT(wires=list(qubits))
                else:
                    operations[name](angle, wires=qubits[0])
            return pennylane.state()

        with _common.openmp_threads(threads):
            circuit()  # warm-up: builds the device's state and loads its kernels
            timing = time_call(circuit, repeat)
        timing.result = big_endian_to_little_endian(timing.result, num_qubits)
        return timing

    return timed


def pass_time_numpy(num_qubits: int, passes: int) -> float:
    """Best time of one in-place ``state *= phase`` over a complex128 state (one thread)."""
    state = np.full(1 << num_qubits, 1.0 / np.sqrt(2.0**num_qubits), dtype=np.complex128)
    phase = np.exp(0.1j)
    return time_call(lambda: np.multiply(state, phase, out=state), passes).best


def pass_time_numba(num_qubits: int, passes: int, threads: int) -> float | None:
    """Best time of one numba ``prange`` pass reading and writing every amplitude once."""
    try:
        import numba
    except ImportError:
        print("numba not installed: numba floor skipped")
        return None

    @numba.njit(parallel=True, cache=False)
    def scale(state: np.ndarray, phase: complex) -> None:
        for index in numba.prange(state.size):
            state[index] *= phase

    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    scale(np.ones(16, dtype=np.complex128), np.exp(0.1j))  # compile
    state = np.full(1 << num_qubits, 1.0 / np.sqrt(2.0**num_qubits), dtype=np.complex128)
    phase = np.exp(0.1j)
    return time_call(lambda: scale(state, phase), passes).best


def benchmark(qml: Any, num_qubits: int, layers: int, seed: int, repeat: int, threads: int) -> bool:
    """Time every backend on one circuit size, print the table; True when all states agree."""
    gates = random_circuit(num_qubits, layers, seed)
    num_cx = sum(1 for name, _, _ in gates if name == "cx")
    size_mib = (16 << num_qubits) / 2**20
    print(
        f"\n== {num_qubits} qubits: {layers} layers, {len(gates)} gates "
        f"({len(gates) - num_cx} rotations, {num_cx} cx), state {size_mib:g} MiB, "
        f"best of {repeat} (median beside it); {_common.load_average()} =="
    )
    rows: list[list[str]] = []
    agree = True

    reference = time_qml(qml, num_qubits, gates, repeat)
    qml_best = reference.best
    rows.append(["qml.simulate", str(threads), *_cells(reference), "-", "reference"])

    def peer(label: str, peer_threads: int | str, timing: Timing) -> None:
        nonlocal agree
        if not timing.times:
            return
        difference = max_abs_difference(timing.result, reference.result)
        verdict = f"{difference:.1e}" + ("" if difference <= TOLERANCE else " MISMATCH")
        agree = agree and difference <= TOLERANCE
        rows.append(
            [label, str(peer_threads), *_cells(timing), ratio(qml_best, timing.best), verdict]
        )

    for aer_threads in (1, 2):
        runner = aer_runner(qml, aer_threads)
        if runner is None:
            break
        compiled, run = runner(num_qubits, gates, repeat)
        peer(f"aer statevector run (max_parallel_threads={aer_threads})", aer_threads, run)
        rows.append(["  aer transpile, timed apart", str(aer_threads), *_cells(compiled), "-", ""])
        del compiled, run
        gc.collect()

    lightning = lightning_runner(threads)
    if lightning is not None:
        peer("pennylane lightning.qubit", threads, lightning(num_qubits, gates, repeat))
        gc.collect()

    passes = max(20, repeat)  # cheap, and memory bandwidth is noisy on shared machines
    numpy_pass = pass_time_numpy(num_qubits, passes)
    numba_pass = pass_time_numba(num_qubits, passes, threads)
    for label, pass_threads, pass_time in (
        ("floor: numpy pass x gates", 1, numpy_pass),
        ("floor: numba pass x gates", threads, numba_pass),
    ):
        if pass_time is not None:
            floor = pass_time * len(gates)
            rows.append([label, str(pass_threads), seconds(floor), "-", ratio(qml_best, floor), ""])
    print(
        format_table(
            ["backend", "threads", "best s", "median s", "qml/peer", "max|Δ| vs qml"], rows
        )
    )
    passes_text = ", ".join(
        f"{label} {value * 1e3:.3g} ms ({2 * (16 << num_qubits) / value / 1e9:.0f} GB/s)"
        for label, value in (("numpy", numpy_pass), ("numba", numba_pass))
        if value is not None
    )
    print(f"one pass over the state: {passes_text}")
    return agree


def _cells(timing: Timing) -> list[str]:
    """The 'best s' and 'median s' cells of a timing."""
    return [seconds(timing.best), seconds(timing.median)]


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, pin the thread pools, run every size; 1 if states disagree."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--qubits", type=int, nargs="+", default=[16, 20, 22, 24], help="circuit sizes"
    )
    parser.add_argument("--layers", type=int, default=10, help="rotation+CX layers (10)")
    parser.add_argument("--repeat", type=int, default=3, help="timed calls per backend (3)")
    parser.add_argument("--threads", type=int, default=1, help="threads for qml (1 or 2)")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the random circuit")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.threads < 1 or min(args.qubits) < 2:
        parser.error("--repeat and --threads must be >= 1 and every --qubits >= 2")
    _common.pin_threads(args.threads, omp_threads=max(args.threads, 2))
    qml = _common.import_qml(args.threads)
    print(_common.describe_environment(qml, args.threads, PEERS))
    all_agree = True
    for num_qubits in args.qubits:
        agree = benchmark(qml, num_qubits, args.layers, args.seed, args.repeat, args.threads)
        all_agree = all_agree and agree
    if not all_agree:
        print(f"\nSome states differ from qml's by more than {TOLERANCE:g}: see MISMATCH above.")
    return 0 if all_agree else 1


if __name__ == "__main__":
    sys.exit(main())
