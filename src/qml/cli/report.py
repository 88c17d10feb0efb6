"""What ``python -m qml.train`` reports: the model's description, cross-checks, files, plots.

``write_outputs`` writes ``model.json``, ``metrics.json``, ``training.png`` and
``decision_boundary.png`` into the ``--out`` folder, which ``prepare_out`` has
created and checked before training started; ``readout_accuracy`` and
``run_crosscheck`` recompute the test accuracy on qiskit-aer, from shots, or
under a noise model.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from qml.cli.data import Data
from qml.errors import QmlValueError, UnsupportedOperationError
from qml.hybrid.classifier import QuantumClassifier
from qml.hybrid.encodings import ENCODINGS
from qml.hybrid.kernel import QuantumKernelClassifier
from qml.hybrid.optim import make_optimizer
from qml.noise import noise_model

#: Points per axis of the decision-boundary grid.
GRID = 120
#: Resolution of the figures written (dots per inch).
DPI = 100


def describe_model(clf: Any) -> str:
    """One line: the kind of model and its main options."""
    p = clf.get_params()
    if isinstance(clf, QuantumKernelClassifier):
        reps = f", {p['reps']} reps" if ENCODINGS[p["encoding"]].repeats else ""
        return (
            f"kernel (QuantumKernelClassifier): {p['n_qubits']} qubits, {p['encoding']} "
            f"encoding{reps}, {p['features']} features, SVM with C={p['C']}"
        )
    noise = f", trained under noise {p['noise']}" if isinstance(p["noise"], str) else ""
    return (
        f"vqc (QuantumClassifier): {p['n_qubits']} qubits, {p['n_layers']} layers, "
        f"{p['encoding']} encoding, {p['ansatz']} ansatz, {p['features']} features; "
        f"{p['optimizer']}, lr {p['learning_rate']}, budget "
        f"{make_optimizer(p['optimizer']).budget(p['epochs'])}, batch {p['batch_size']}{noise}"
    )


def readout_accuracy(
    clf: QuantumClassifier,
    X: np.ndarray,
    y: np.ndarray,
    *,
    backend: str = "qml",
    shots: int | None = None,
    noise: Any = None,
    seed: int | None = None,
) -> float:
    """Accuracy of ``clf`` on ``(X, y)`` with the circuit's ``<Z_i>`` computed elsewhere.

    ``backend`` "qml" uses qml's simulators (with ``shots`` and ``noise``), "aer"
    qiskit-aer; the classical head is the model's own (``QuantumClassifier.score``).
    """
    try:
        return clf.score(X, y, backend=backend, shots=shots, noise=noise, seed=seed)
    except ImportError as error:
        raise UnsupportedOperationError(
            f"the Aer backend is not available ({type(error).__name__}: {error}); it needs "
            "qiskit-aer (pip install qiskit-aer); use --backend qml meanwhile"
        ) from None


# -- outputs ---------------------------------------------------------------------------------
def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def plot_training(history: list[dict], title: str, xlabel: str = "epoch") -> Any:
    """A figure of loss and accuracy per epoch, train and (if any) validation, side by side."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(10, 4), dpi=DPI, layout="constrained")
    axes = fig.subplots(1, 2)
    epochs = [record["epoch"] for record in history]
    for ax, key, label in (
        (axes[0], "loss", "loss (cross-entropy)"),
        (axes[1], "accuracy", "accuracy"),
    ):
        ax.plot(epochs, [r[key] for r in history], marker=".", label="train")
        if all(f"val_{key}" in r for r in history):
            ax.plot(epochs, [r[f"val_{key}"] for r in history], marker=".", label="validation")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(label)
        ax.set_title(label.split(" ")[0].capitalize())
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right" if key == "loss" else "lower right")
    axes[1].set_ylim(-0.02, 1.02)
    fig.suptitle(title)
    return fig


def plot_decision_boundary(
    clf: Any,
    sets: list[tuple[str, np.ndarray, np.ndarray, str]],
    feature_names: list[str],
    title: str,
) -> Any:
    """A figure of the predicted class over the 2-D feature plane, the data points on top.

    ``sets`` are ``(label, X, y, marker)``: e.g. the train and test samples.
    """
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    classes = clf.classes_
    points = np.vstack([X for _, X, _, _ in sets if len(X)])
    low, high = points.min(axis=0), points.max(axis=0)
    pad = np.where(high > low, 0.08 * (high - low), 0.5)
    gx = np.linspace(low[0] - pad[0], high[0] + pad[0], GRID)
    gy = np.linspace(low[1] - pad[1], high[1] + pad[1], GRID)
    xx, yy = np.meshgrid(gx, gy)
    predicted = clf.predict(np.column_stack([xx.ravel(), yy.ravel()]))
    index = np.searchsorted(classes, predicted).reshape(xx.shape)
    palette = colormaps["tab10" if len(classes) <= 10 else "tab20"]
    colors = [palette(i % palette.N) for i in range(len(classes))]

    fig = Figure(figsize=(6.4, 5.2), dpi=DPI, layout="constrained")
    ax = fig.subplots()
    levels = np.arange(len(classes) + 1) - 0.5
    ax.contourf(xx, yy, index, levels=levels, cmap=ListedColormap(colors), alpha=0.25)
    if len(classes) > 1:
        ax.contour(xx, yy, index, levels=levels[1:-1], colors="k", linewidths=0.8, alpha=0.6)
    for _, X, y, marker in sets:
        for k, c in enumerate(classes):
            mask = y == c
            ax.scatter(
                X[mask, 0],
                X[mask, 1],
                s=26,
                marker=marker,
                color=colors[k],
                edgecolors="k",
                linewidths=0.5,
            )
    handles: list[Any] = [
        Patch(facecolor=colors[k], edgecolor="k", alpha=0.6, label=f"class {c}")
        for k, c in enumerate(classes)
    ]
    handles += [
        Line2D(
            [],
            [],
            linestyle="",
            marker=marker,
            color="0.5",
            markeredgecolor="k",
            label=f"{label} ({len(y)})",
        )
        for label, _, y, marker in sets
    ]
    ax.legend(handles=handles, loc="best", fontsize="small", framealpha=0.85)
    ax.set_xlabel(feature_names[0])
    ax.set_ylabel(feature_names[1])
    ax.set_title(title)
    return fig


def prepare_out(out: str) -> Path:
    """The ``--out`` folder, created if needed and checked to be writable (before training).

    Raises ``QmlValueError`` (exit status 1) naming the folder and the reason.
    """
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise QmlValueError(f"--out {out} is a file, not a folder; choose a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass  # a file can be created and written there
    except OSError as error:
        raise QmlValueError(
            f"cannot write into the --out folder {out}: {error.strerror or error}; "
            "choose another folder (or fix its permissions)"
        ) from None
    return folder


def write_outputs(
    out: str,
    clf: Any,
    data: Data,
    parts: tuple[np.ndarray, ...],
    metrics: dict[str, Any],
    *,
    loaded: str | None = None,
) -> list[str]:
    """Write the model, plots and ``metrics.json`` into ``out``; the lines to print.

    ``loaded`` is the model file of ``--load``: then no model file is written and
    ``training.png`` shows the history stored in that file.
    """
    folder = prepare_out(out)
    notes, written = [], []
    X_train, X_test, y_train, y_test = parts
    kind = "vqc" if isinstance(clf, QuantumClassifier) else "kernel"
    try:
        if not loaded:
            clf.save(folder / "model.json", notes=data.notes())
            written.append("model.json")
        history = getattr(clf, "history_", None)
        if history:
            unit = make_optimizer(clf.optimizer).unit
            title = (
                f"Training history of {Path(loaded).name} ({kind}, {clf.n_qubits} qubits)"
                if loaded
                else f"Training: {kind} on {data.name} ({clf.n_qubits} qubits)"
            )
            xlabel = "objective evaluation" if make_optimizer(clf.optimizer).full_batch else unit
            plot_training(history, title, xlabel).savefig(folder / "training.png", dpi=DPI)
            written.append("training.png")
        else:
            notes.append(
                "note: training.png skipped: the kernel model is solved in one step and has "
                "no epochs"
            )
        with np.errstate(over="ignore"):  # a plane wider than float64 cannot be drawn
            drawable = bool(np.isfinite(np.ptp(data.X, axis=0) * 1.2).all())
        if data.X.shape[1] == 2 and not drawable:
            notes.append(
                f"note: decision_boundary.png skipped: the features of {data.name} span more "
                "than a float64 grid can hold"
            )
        elif data.X.shape[1] == 2:
            sets = [("train", X_train, y_train, "o"), ("test", X_test, y_test, "^")]
            sets = [s for s in sets if len(s[1])]
            accuracy = metrics["test_accuracy"]
            title = f"Decision boundary: {kind} on {data.name} (test accuracy {accuracy:.3f})"
            figure = plot_decision_boundary(clf, sets, data.feature_names, title)
            figure.savefig(folder / "decision_boundary.png", dpi=DPI)
            written.append("decision_boundary.png")
        else:
            notes.append(
                f"note: decision_boundary.png skipped: {data.name} has {data.X.shape[1]} "
                "features, the plot needs 2"
            )
        written.append("metrics.json")
        metrics["files"] = written
        metrics["notes"] = [note.removeprefix("note: ") for note in notes]
        (folder / "metrics.json").write_text(
            json.dumps(metrics, indent=2, default=_json_default) + "\n", encoding="utf-8"
        )
    except OSError as error:
        raise QmlValueError(
            f"cannot write into {out}: {error.strerror or error}; check the "
            "folder's permissions and free space"
        ) from None
    return [f"wrote {', '.join(written)} to {folder}", *notes]


def run_crosscheck(
    args: argparse.Namespace,
    clf: QuantumClassifier,
    X_test: np.ndarray,
    y_test: np.ndarray,
    noise_items: list[tuple[str, float]] | None,
    exact: float,
) -> dict[str, Any]:
    """The test accuracy recomputed on ``--backend`` from ``--shots`` under ``--noise``."""
    backend = args.backend or "qml"
    noise = noise_model(noise_items, clf.model_.circuit) if noise_items else None
    if noise_items and args.shots is None and any(name == "readout" for name, _ in noise_items):
        print("note: readout errors act on measured bits only; add --shots N to include them")
    began = time.perf_counter()
    accuracy = readout_accuracy(
        clf, X_test, y_test, backend=backend, shots=args.shots, noise=noise, seed=args.seed
    )
    seconds = time.perf_counter() - began
    where = "qiskit-aer" if backend == "aer" else "qml"
    how = [f"{args.shots} shots" if args.shots else "exact <Z_i>"]
    if args.noise is not None:
        how.append(f"noise {args.noise}")
    print(f"test accuracy on {where} ({', '.join(how)}): {accuracy:.3f} (qml exact: {exact:.3f})")
    return {
        "backend": backend,
        "shots": args.shots,
        "noise": args.noise,
        "test_accuracy": accuracy,
        "seconds": seconds,
    }
