"""Model files: one JSON document with a format version, the configuration, and arrays.

Layout::

    {"format": "qml.model", "format_version": 1, "kind": "QuantumClassifier",
     "qml_version": "...", "config": {...}, "state": {...},
     "arrays": {"name": {"dtype": "<f8", "shape": [...], "data": "<base64>"}},
     "sha256": "<checksum of everything above>"}

Never pickle: only numbers, strings and little-endian arrays of whitelisted
dtypes. Files are written atomically (a temporary file in the same folder,
then a rename), so a crash never leaves half a model at ``path``. Reading
checks everything before returning, and says which way a file is bad:
missing, truncated, corrupted, foreign, or from a newer format version.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from qml.errors import ModelFileError

FORMAT = "qml.model"
FORMAT_VERSION = 1
_DTYPES = {"<f8": np.float64, "<i8": np.int64}


def _checksum(document: dict[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _encode(array: np.ndarray) -> dict[str, Any]:
    array = np.ascontiguousarray(array)
    kind = "<i8" if np.issubdtype(array.dtype, np.integer) else "<f8"
    data = array.astype(_DTYPES[kind]).tobytes()
    return {"dtype": kind, "shape": list(array.shape), "data": base64.b64encode(data).decode()}


def _decode(name: str, entry: Any, path: Path) -> np.ndarray:
    try:
        dtype = _DTYPES[entry["dtype"]]
        shape = tuple(int(n) for n in entry["shape"])
        raw = base64.b64decode(entry["data"], validate=True)
    except (KeyError, TypeError, ValueError):
        raise ModelFileError(
            f"{path}: array {name!r} is malformed; the file is corrupted"
        ) from None
    if len(raw) != int(np.prod(shape)) * np.dtype(dtype).itemsize:
        raise ModelFileError(
            f"{path}: array {name!r} holds {len(raw)} bytes, not shape {shape}; "
            "the file is corrupted"
        )
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def write_model(
    path: str | os.PathLike, kind: str, config: dict, state: dict, arrays: dict[str, np.ndarray]
) -> None:
    """Write a model file at exactly ``path``, atomically."""
    from qml import __version__

    document: dict[str, Any] = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "kind": kind,
        "qml_version": __version__, "config": config, "state": state,
        "arrays": {name: _encode(array) for name, array in arrays.items()},
    }  # fmt: skip
    document["sha256"] = _checksum(document)
    text = json.dumps(document, indent=1, ensure_ascii=False)
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=folder, prefix=f".{target.name}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(handle.name, 0o666 & ~umask)  # as open() would; temporary files are 0600
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def read_model(path: str | os.PathLike, kind: str) -> tuple[dict, dict, dict[str, np.ndarray]]:
    """``(config, state, arrays)`` of a model file of ``kind``, fully checked."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelFileError(f"no model file at {path}; check the path") from None
    except UnicodeDecodeError as error:
        if error.reason == "unexpected end of data":  # cut inside a multi-byte character
            raise ModelFileError(f"{path} is truncated (it ends inside a character); "
                                 "save the model again") from None  # fmt: skip
        raise ModelFileError(f"{path} is corrupted or not a qml model file (not UTF-8 "
                             f"text: {error})") from None  # fmt: skip
    except OSError as error:
        raise ModelFileError(f"{path} cannot be read as a qml model file: {error}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        if not text.strip():
            raise ModelFileError(f"{path} is empty, not a qml model file") from None
        # a model file is one JSON object; one that stops before its closing brace, or
        # inside a string or literal, was cut short (a cut inside a string reports the
        # string's start as the error position, not the end of the text)
        body = text.strip()
        ends_early = (
            error.pos >= len(text.rstrip()) - 1
            or error.msg.startswith("Unterminated string")
            or not body.endswith("}")
        )
        if body.startswith("{") and ends_early:
            raise ModelFileError(f"{path} is truncated (the JSON ends early at character "
                                 f"{len(body)}); save the model again") from None  # fmt: skip
        raise ModelFileError(f"{path} is corrupted or not a qml model file: {error}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not a qml model file (a foreign JSON document)")
    version = document.get("format_version")
    if not isinstance(version, int):
        raise ModelFileError(f"{path} has no valid format version; the file is corrupted")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path} was written in model format version {version}, newer than this qml reads "
            f"({FORMAT_VERSION}); upgrade qml to load it"
        )
    claimed = document.pop("sha256", None)
    if claimed != _checksum(document):
        raise ModelFileError(f"{path} is corrupted: its checksum does not match its content")
    if document.get("kind") != kind:
        raise ModelFileError(
            f"{path} holds a {document.get('kind')!r}, not a {kind}; load it "
            "with the class that saved it"
        )
    config, state, arrays = document.get("config"), document.get("state"), document.get("arrays")
    if not all(isinstance(part, dict) for part in (config, state, arrays)):
        raise ModelFileError(f"{path} lacks its config, state or arrays; the file is corrupted")
    return config, state, {name: _decode(name, entry, path) for name, entry in arrays.items()}
