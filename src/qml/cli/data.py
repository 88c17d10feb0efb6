"""The data of ``python -m qml.train``: a built-in data set or the user's CSV file, and the split.

``load_data(args)`` returns a :class:`Data` (features, labels, feature names and
where they came from); ``split`` makes the stratified, seeded train/test split;
``check_compatible`` refuses data a loaded model was not trained on. Every
mistake in a data file is a :class:`qml.errors.DataError` naming the line and
column, and how to fix it.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import inspect
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qml.cli.options import (
    DATASET_EXTRAS,
    DEFAULT_DATA_NOISE,
    DEFAULT_DATASET,
    DEFAULT_SAMPLES,
    in_flags,
    plural,
)
from qml.errors import DataError, OptionError, QmlTypeError, QmlValueError
from qml.hybrid.datasets import DATASETS, load_dataset


@dataclass
class Data:
    """Features, labels and where they came from."""

    name: str
    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def classes(self) -> np.ndarray:
        """The distinct labels, sorted."""
        return np.unique(self.y)

    def describe(self) -> str:
        """``"moons: 300 samples, 2 features, 2 classes"``."""
        return (
            f"{self.name}: {len(self.y)} samples, {plural(self.X.shape[1], 'feature')}, "
            f"{plural(len(self.classes), 'class', 'classes')}"
        )

    def notes(self) -> dict[str, Any]:
        """What a model file records of its training data (``--load`` compares it)."""
        return {"dataset": self.name, "feature_names": list(self.feature_names),
                "classes": [str(c) for c in self.classes.tolist()]}  # fmt: skip


def load_data(args: argparse.Namespace) -> Data:
    """The data chosen on the command line: ``--csv`` or a built-in data set."""
    if args.csv is not None:
        return read_csv(args.csv, args.target)
    name = args.dataset or DEFAULT_DATASET
    accepted = inspect.signature(DATASETS[name]).parameters
    kwargs: dict[str, Any] = {}
    if "n_samples" not in accepted:
        if args.samples is not None:
            raise OptionError(f"--samples: the {name} data set has a fixed size; drop --samples")
    elif args.samples is not None or name != "parity":
        kwargs["n_samples"] = args.samples or DEFAULT_SAMPLES
    if "noise" in accepted:
        kwargs["noise"] = DEFAULT_DATA_NOISE if args.data_noise is None else args.data_noise
    elif args.data_noise is not None:
        noisy = [n for n, make in DATASETS.items() if "noise" in inspect.signature(make).parameters]
        raise OptionError(
            f"--data-noise: the {name} data set takes no noise; it applies to {', '.join(noisy)}"
        )
    kwargs.update(DATASET_EXTRAS.get(name, {}))
    options = dict(kwargs)
    if "random_state" in accepted:
        kwargs["random_state"] = args.seed
    try:
        X, y = load_dataset(name, **kwargs)
    except (QmlValueError, QmlTypeError) as error:  # a data set option out of its range
        raise OptionError(f"--dataset {name}: {in_flags(error)}") from None
    names = [f"feature {j}" for j in range(X.shape[1])]
    return Data(name, X, y, names, options)


def read_csv(path: str, target: str | None) -> Data:
    """Numeric features and a label column from a CSV file with a header row.

    The delimiter is the first of ``,``, tab and ``;`` found in the header. Labels
    may be any text; labels that are all integers become integers. Every mistake
    is a ``DataError`` naming the line and column, and how to fix it.
    """
    file = Path(path)
    try:
        _check_csv_size(file)
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"no CSV file at {path}; check the path given to --csv") from None
    except IsADirectoryError:
        raise DataError(f"--csv {path} is a folder; give the path of a CSV file") from None
    except UnicodeDecodeError:
        raise DataError(f"{path} is not UTF-8 text; save it as a UTF-8 CSV file") from None
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror or error}") from None
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), None)
    if header_line is None:
        raise DataError(f"{path} is empty; a CSV file needs a header row and data rows")
    delimiter = next((d for d in (",", "\t", ";") if d in header_line), ",")
    rows = [
        (number, row)
        for number, row in enumerate(csv.reader(lines, delimiter=delimiter), start=1)
        if any(cell.strip() for cell in row)
    ]
    (_, header), body = rows[0], rows[1:]
    header = [name.strip() for name in header]
    duplicates = sorted({n for n in header if header.count(n) > 1})
    if duplicates:
        raise DataError(
            f"{path}: the header repeats column(s) {', '.join(map(repr, duplicates))}; "
            "give every column its own name"
        )
    columns = ", ".join(header)
    if target is None:
        raise OptionError(
            f"--csv needs --target COLUMN, the column of class labels; {path} has "
            f"columns: {columns}"
        )
    if target not in header:
        close = difflib.get_close_matches(target, header, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise DataError(
            f"{path} has no column {target!r}{hint}; its columns are: {columns}. "
            "Pass the label column's name with --target"
        )
    if len(header) < 2:
        raise DataError(f"{path} has only the label column {target!r}; add feature columns")
    if not body:
        raise DataError(f"{path} has a header but no data rows")
    t = header.index(target)
    features = [j for j in range(len(header)) if j != t]
    X = np.empty((len(body), len(features)))
    labels = []
    for i, (number, row) in enumerate(body):
        if len(row) != len(header):
            raise DataError(
                f"{path} line {number} has {len(row)} field(s) but the header has "
                f"{len(header)}; fix that row (or quote values that hold "
                f"{delimiter!r})"
            )
        for k, j in enumerate(features):
            X[i, k] = _csv_number(row[j], path, number, header[j])
        label = row[t].strip()
        if not label:
            raise DataError(
                f"{path} line {number}: the label ({target!r}) is empty; fill it in or drop the row"
            )
        labels.append(label)
    y = _labels(labels, path, [number for number, _ in body], target)
    return Data(
        Path(path).name, X, y, [header[j] for j in features], {"csv": str(path), "target": target}
    )


#: Memory reading a CSV file takes, in multiples of its size (text, rows of cells, arrays).
_CSV_FACTOR = 16


def _check_csv_size(file: Path) -> None:
    """Refuse a CSV file too large to read into this machine's available memory."""
    from qml.simulator.memory import available_memory

    if file.is_file() and file.stat().st_size * _CSV_FACTOR > available_memory():
        raise DataError(
            f"{file} is {file.stat().st_size / 2**30:.1f} GiB; reading it takes about "
            f"{_CSV_FACTOR} times that, more than this machine's available memory; use a "
            "sample of its rows"
        )


def _csv_number(cell: str, path: str, line: int, column: str) -> float:
    text = cell.strip()
    where = f"{path} line {line}, column {column!r}"
    if not text:
        raise DataError(f"{where} is empty (a missing value); fill it in or drop the row")
    try:
        value = float(text)
    except ValueError:
        raise DataError(
            f"{where}: {text!r} is not a number; features must be numeric, so encode that "
            "column as numbers or remove it (only the --target column may hold text)"
        ) from None
    if not math.isfinite(value):
        raise DataError(f"{where}: {text!r} is not a finite number; replace it or drop the row")
    return value


#: Integer labels are read as such up to this size (beyond, numpy's int64 would overflow).
_INT_LABELS = 2**63


def _labels(labels: list[str], path: str, numbers: list[int], column: str) -> np.ndarray:
    """Class labels as integers when they all are (``"1"``, ``"2.0"``), else as text.

    A numeric label that is NaN is a missing value, refused (a ``DataError`` naming the
    line); whole numbers too large for 64 bits (``1e20``) stay text.
    """
    try:
        values = [float(label) for label in labels]
    except ValueError:
        return np.array(labels)
    for value, label, line in zip(values, labels, numbers, strict=True):
        if math.isnan(value):
            raise DataError(
                f"{path} line {line}: the label ({column!r}) is {label!r}, a missing value; fill "
                "it in or drop the row"
            )
    if all(math.isfinite(v) and v == int(v) and abs(v) < _INT_LABELS for v in values):
        return np.array([int(v) for v in values], dtype=np.int64)
    return np.array(labels)


def split(data: Data, test_size: float, seed: int) -> tuple[np.ndarray, ...]:
    """``X_train, X_test, y_train, y_test``: stratified by class, reproducible by ``seed``."""
    from sklearn.model_selection import train_test_split

    if test_size == 1:
        return data.X[:0], data.X, data.y[:0], data.y
    counts = {c: int(np.sum(data.y == c)) for c in data.classes.tolist()}
    if len(counts) < 2:
        raise DataError(
            f"{data.name} has one class only ({next(iter(counts))!r}); a classifier "
            "needs at least 2"
        )
    rare = [c for c, n in counts.items() if n < 2]
    if rare:
        many = len(counts) > max(10, len(data.y) // 4)
        hint = (
            f" (the labels have {len(counts)} distinct values: is the label column a "
            "measurement rather than a class?)"
            if many
            else ""
        )
        raise DataError(
            f"{data.name}: class(es) {', '.join(map(repr, rare[:5]))} have a single "
            "sample, too few to split into train and test; add samples or drop "
            f"them{hint}"
        )
    try:
        return tuple(
            train_test_split(
                data.X, data.y, test_size=test_size, stratify=data.y, random_state=seed
            )
        )
    except ValueError as error:
        raise DataError(
            f"cannot split {len(data.y)} samples of {len(counts)} classes with "
            f"--test-size {test_size}: {error}; use more samples or another "
            "--test-size"
        ) from None


def check_compatible(clf: Any, data: Data, path: str) -> None:
    """Refuse data the loaded model cannot evaluate, saying what would fit."""
    if data.X.shape[1] != clf.n_features_in_:
        raise DataError(
            f"the model in {path} was trained on {plural(clf.n_features_in_, 'feature')}, "
            f"but {data.name} has {data.X.shape[1]}; evaluate it on data like its training data "
            "(the same --dataset, or a --csv file with the same feature columns)"
        )
    known = set(clf.classes_.tolist())
    unknown = sorted({str(v) for v in data.y.tolist() if v not in known})
    if unknown:
        raise DataError(
            f"the labels {', '.join(unknown[:5])} of {data.name} are not classes of the model in "
            f"{path} ({', '.join(map(str, sorted(known, key=str)))}); evaluate it on data "
            "labelled like its training data"
        )
    notes = getattr(clf, "notes_", None) or {}
    trained_names, trained_classes = notes.get("feature_names"), notes.get("classes")
    where = notes.get("dataset", "its training data")
    if trained_names is not None and list(trained_names) != list(data.feature_names):
        raise DataError(
            f"the model in {path} was trained on {where} with features "
            f"{', '.join(map(str, trained_names))}, but {data.name} has "
            f"{', '.join(data.feature_names)}; this is another data set, so its accuracy "
            "would mean nothing: evaluate the model on the data set it was trained on"
        )
    labels = [str(c) for c in data.classes.tolist()]
    if trained_classes is not None and not set(labels) <= set(trained_classes):
        raise DataError(
            f"the model in {path} was trained on {where} with classes "
            f"{', '.join(trained_classes)}, but {data.name} has {', '.join(labels)}; "
            "evaluate it on the data set it was trained on"
        )
    built_in = notes.get("dataset") in DATASETS and data.name in DATASETS
    if built_in and notes["dataset"] != data.name:
        raise DataError(
            f"the model in {path} was trained on {notes['dataset']}, not {data.name}; its "
            f"accuracy on {data.name} would mean nothing: use --dataset {notes['dataset']} "
            "(or the --csv file it was trained on)"
        )
