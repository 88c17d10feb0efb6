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
missing, truncated, corrupted, foreign, or from a newer format version. The
checksum only catches accidents: every field is validated on its own (types,
shapes, finiteness, sizes), so a file edited by hand, checksum and all, is
refused just the same when a field is wrong, with the field named.

Temporary files are named ``.<name>.<host>-<pid>.<random>.tmp`` after the
target ``<name>``, the writer's host and process. A save removes the stale
ones an earlier, killed save left next to its target: those whose writer
process is gone (same host), and any of that naming older than
``STALE_TEMP_SECONDS`` (other hosts, reused process ids, and the
``.<name>.<random>.tmp`` files of earlier qml versions); a live writer's file
on this host is never touched.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import os
import re
import socket
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from qml.errors import ModelFileError, ModelFileWriteError, QmlTypeError

FORMAT = "qml.model"
FORMAT_VERSION = 1
_DTYPES = {"<f8": np.float64, "<i8": np.int64}
#: The fields of a model file, in the order they are written.
FIELDS = ("format", "format_version", "kind", "qml_version", "config", "state", "arrays", "sha256")
#: Most dimensions of a stored array.
MAX_NDIM = 4
#: A temporary file of an earlier save older than this (seconds) is stale, whoever wrote it.
STALE_TEMP_SECONDS = 600
#: What reading a file takes, in multiples of its size: the text, the parsed document, the
#: decoded arrays (a file larger than available memory allows is refused before reading).
_READ_FACTOR = 6
#: Array specs: name -> (dtype, number of dimensions).
ArraySpec = Mapping[str, tuple[str, int]]


def _checksum(document: dict[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _encode(array: np.ndarray) -> dict[str, Any]:
    array = np.ascontiguousarray(array)
    kind = "<i8" if np.issubdtype(array.dtype, np.integer) else "<f8"
    data = array.astype(_DTYPES[kind]).tobytes()
    return {"dtype": kind, "shape": list(array.shape), "data": base64.b64encode(data).decode()}


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _decode(name: str, entry: Any, path: Path, spec: tuple[str, int] | None) -> np.ndarray:
    """The array stored under ``name``, checked against ``spec`` (dtype, ndim) before decoding."""
    where = f"{path}: array {name!r}"
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data"}:
        raise ModelFileError(f"{where} is malformed (expected dtype, shape and data); the file "
                             "is corrupted")  # fmt: skip
    dtype, shape, data = entry["dtype"], entry["shape"], entry["data"]
    if not isinstance(dtype, str) or dtype not in _DTYPES or (spec and dtype != spec[0]):
        expected = spec[0] if spec else " or ".join(map(repr, _DTYPES))
        raise ModelFileError(f"{where} has dtype {dtype!r}, expected {expected}; the file is "
                             "corrupted")  # fmt: skip
    ndim = spec[1] if spec else None
    if (
        not isinstance(shape, list)
        or len(shape) > MAX_NDIM
        or (ndim is not None and len(shape) != ndim)
        or not all(_is_count(n) for n in shape)
    ):
        size = f"{ndim}" if ndim is not None else f"at most {MAX_NDIM}"
        raise ModelFileError(f"{where} has shape {shape!r}, expected a list of {size} "
                             "non-negative integers; the file is corrupted")  # fmt: skip
    if not isinstance(data, str):
        raise ModelFileError(f"{where} has no base64 data; the file is corrupted")
    itemsize = np.dtype(_DTYPES[dtype]).itemsize
    size = math.prod(shape) * itemsize  # exact: a huge shape cannot wrap around
    if len(data) != 4 * ((size + 2) // 3):  # checked before decoding anything
        raise ModelFileError(f"{where} holds {len(data)} base64 characters, not the "
                             f"{4 * ((size + 2) // 3)} of shape {tuple(shape)}; the file is "
                             "corrupted")  # fmt: skip
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ModelFileError(f"{where} is not valid base64; the file is corrupted") from None
    if len(raw) != size:
        raise ModelFileError(f"{where} holds {len(raw)} bytes, not shape {tuple(shape)}; the "
                             "file is corrupted")  # fmt: skip
    array = np.frombuffer(raw, dtype=_DTYPES[dtype]).reshape(shape).copy()
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        count = int(np.count_nonzero(~np.isfinite(array)))
        raise ModelFileError(f"{where} holds {count} NaN or infinite value(s); a trained model "
                             "has finite numbers only: the file is corrupted")  # fmt: skip
    return array


def _target(path: Any) -> Path:
    """``path`` as a ``Path``, or a ``QmlError`` for what is no file path."""
    if not isinstance(path, (str, os.PathLike)):
        raise QmlTypeError(
            f"a model file path must be a str or os.PathLike, got {type(path).__name__}"
        )
    text = os.fspath(path)
    if not isinstance(text, str):
        text = os.fsdecode(text)
    if not text.strip():
        raise ModelFileError("the model file path is empty; give a file name such as 'model.json'")
    if "\0" in text:
        raise ModelFileError(f"{text!r} is not a valid path (it contains a NUL character)")
    return Path(text)


# -- writing --------------------------------------------------------------------------------------
def _host_tag() -> str:
    return hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def _temp_pattern(name: str) -> re.Pattern[str]:
    """Temporary files of saves to ``name``: this version's and earlier versions' naming."""
    return re.compile(
        rf"^\.{re.escape(name)}\.(?:(?P<host>[0-9a-f]{{8}})-(?P<pid>\d+)\.)?[a-z0-9_]{{8}}\.tmp$"
    )


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0  # another user's live process (or an id out of range: not ours)
    return True


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove the temporary files that killed saves to ``target`` left behind; the removed.

    A file of this module's naming is stale when its writer process is gone (the name
    says the host and process id; only judged on the same host) or when it is older than
    ``STALE_TEMP_SECONDS`` and not a live writer's on this host. Best effort: a file that
    cannot be removed is left.
    """
    folder = target.parent
    pattern, host, now = _temp_pattern(target.name), _host_tag(), time.time()
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.match(entry.name)
        if not match:
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
            if not entry.is_file(follow_symlinks=False):
                continue
        except OSError:
            continue
        ours = match["host"] == host and match["pid"] is not None
        if ours and _process_alive(int(match["pid"])):
            continue  # a save in progress on this machine
        if ours or age > STALE_TEMP_SECONDS:
            try:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
            except OSError:
                pass
    return removed


def _check_folder(target: Path) -> Path:
    """The folder ``target`` will be written in; refuses what cannot hold a model file."""
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise ModelFileError(
            f"cannot save the model to {target}: it is a folder; give a file path such as "
            f"{target / 'model.json'}"
        )
    if not folder.exists():
        raise ModelFileWriteError(
            f"cannot save the model to {target}: the folder {folder} does not exist; create it "
            "first (e.g. os.makedirs) or choose another path"
        )
    if not folder.is_dir():
        raise ModelFileWriteError(f"cannot save the model to {target}: {folder} is not a folder")
    return folder


def write_model(
    path: str | os.PathLike, kind: str, config: dict, state: dict, arrays: dict[str, np.ndarray]
) -> None:
    """Write a model file at exactly ``path``, atomically.

    Raises ``ModelFileError`` for a path that cannot be a model file, ``ModelFileWriteError``
    (also an ``OSError``) naming ``path`` when writing fails, and ``QmlTypeError`` /
    ``ModelFileError`` for ``state`` (notes) that are not finite JSON data.
    """
    from qml import __version__

    target = _target(path)
    folder = _check_folder(target)
    document: dict[str, Any] = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "kind": kind,
        "qml_version": __version__, "config": config, "state": state,
        "arrays": {name: _encode(array) for name, array in arrays.items()},
    }  # fmt: skip
    try:
        document["sha256"] = _checksum(document)
    except TypeError as error:  # notes holding objects that are not JSON data
        raise QmlTypeError(f"the model's notes must be JSON data (dicts, lists, strings, "
                           f"numbers, booleans, None): {error}") from None  # fmt: skip
    except ValueError as error:  # circular references
        raise ModelFileError(f"the model's notes cannot be stored: {error}") from None
    remove_stale_temporaries(target)
    handle = None
    try:
        try:
            text = json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False)
        except ValueError as error:
            raise ModelFileError(
                f"cannot save the model to {target}: {error} (NaN and infinity are not JSON; "
                "notes must hold finite numbers)"
            ) from None
        handle = tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=folder, delete=False,
            prefix=f".{target.name}.{_host_tag()}-{os.getpid()}.", suffix=".tmp",
        )  # fmt: skip
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(handle.name, 0o666 & ~umask)  # as open() would; temporary files are 0600
        os.replace(handle.name, target)
    except OSError as error:
        if handle is not None:
            Path(handle.name).unlink(missing_ok=True)
        reason = error.strerror or str(error)
        raise ModelFileWriteError(
            f"cannot save the model to {target}: {reason}; check that the folder is writable and "
            "has free space, or choose another path"
        ) from None
    except BaseException:
        if handle is not None:
            Path(handle.name).unlink(missing_ok=True)
        raise


# -- reading --------------------------------------------------------------------------------------
def _parse(text: str, path: Path) -> Any:
    # NaN, Infinity and overflowing numbers parse (as json does) and are refused by the
    # check of the field that holds them, which can name it
    try:
        return json.loads(text)
    except RecursionError:
        raise ModelFileError(f"{path} nests JSON too deeply to be a qml model file; the file is "
                             "corrupted or foreign") from None  # fmt: skip
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
    except ValueError as error:  # an integer of more digits than Python converts
        reason = str(error).split(";")[0]  # not its advice to raise Python's limit
        raise ModelFileError(f"{path} is corrupted or not a qml model file: {reason}") from None


def finite_json(value: Any) -> bool:
    """True when every number in the JSON data ``value`` is finite (walked without recursion)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return False
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def _read_text(path: Path) -> str:
    from qml.simulator.memory import available_memory

    try:
        size = path.stat().st_size
        if path.is_file() and size * _READ_FACTOR > available_memory():
            raise ModelFileError(
                f"{path} is {size / 2**30:.1f} GiB, more than this machine's available memory "
                "lets qml read (about 6 times the file size); it is no model qml wrote here"
            )
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelFileError(f"no model file at {path}; check the path") from None
    except IsADirectoryError:
        raise ModelFileError(
            f"{path} is a folder, not a qml model file; give the file's path"
        ) from None
    except UnicodeDecodeError as error:
        if error.reason == "unexpected end of data":  # cut inside a multi-byte character
            raise ModelFileError(f"{path} is truncated (it ends inside a character); "
                                 "save the model again") from None  # fmt: skip
        raise ModelFileError(f"{path} is corrupted or not a qml model file (not UTF-8 "
                             f"text: {error})") from None  # fmt: skip
    except OSError as error:
        raise ModelFileError(f"{path} cannot be read as a qml model file: {error}") from None


def read_kind(path: str | os.PathLike) -> str | None:
    """The ``kind`` a model file claims, or None if it claims none.

    The file is read with every guard of ``read_model`` (size, nesting, encoding), so a
    file that is no JSON at all is a ``ModelFileError`` here already.
    """
    path = _target(path)
    document = _parse(_read_text(path), path)
    kind = document.get("kind") if isinstance(document, dict) else None
    return kind if isinstance(kind, str) else None


def read_model(
    path: str | os.PathLike, kind: str, arrays: ArraySpec | None = None
) -> tuple[dict, dict, dict[str, np.ndarray]]:
    """``(config, state, arrays)`` of a model file of ``kind``, fully checked.

    ``arrays`` names every array the file must hold, with its dtype (``"<f8"`` or
    ``"<i8"``) and number of dimensions; missing or unknown arrays are refused. Every
    stored float is finite. The meaning of ``config`` and ``state`` is the caller's to
    check (``HybridEstimator`` does).
    """
    path = _target(path)
    document = _parse(_read_text(path), path)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not a qml model file (a foreign JSON document)")
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFileError(f"{path} has no valid format version (got {version!r}); the file "
                             "is corrupted")  # fmt: skip
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path} was written in model format version {version}, newer than this qml reads "
            f"({FORMAT_VERSION}); upgrade qml to load it"
        )
    claimed = document.pop("sha256", None)
    if not isinstance(claimed, str) or claimed != _checksum(document):
        raise ModelFileError(f"{path} is corrupted: its checksum does not match its content")
    unknown = sorted(set(document) - set(FIELDS))
    if unknown:
        raise ModelFileError(f"{path} has unknown field(s) {', '.join(map(repr, unknown[:5]))}; "
                             "the file is corrupted or from another program")  # fmt: skip
    if document.get("kind") != kind:
        found = repr(document.get("kind"))
        found = found if len(found) <= 60 else found[:57] + "..."
        raise ModelFileError(
            f"{path} holds a {found}, not a {kind}; load it with the class that saved it"
        )
    if not isinstance(document.get("qml_version"), str):
        raise ModelFileError(f"{path}: qml_version is not a string; the file is corrupted")
    config, state, stored = document.get("config"), document.get("state"), document.get("arrays")
    if not all(isinstance(part, dict) for part in (config, state, stored)):
        raise ModelFileError(f"{path} lacks its config, state or arrays; the file is corrupted")
    if arrays is not None:
        missing = [name for name in arrays if name not in stored]
        extra = [name for name in stored if name not in arrays]
        if missing or extra:
            what = (f"lacks array(s) {', '.join(missing)}" if missing
                    else f"has unknown array(s) {', '.join(map(repr, extra[:5]))}")  # fmt: skip
            raise ModelFileError(f"{path} {what} (a {kind} stores {', '.join(arrays)}); the "
                                 "file is corrupted")  # fmt: skip
    decoded = {
        name: _decode(name, entry, path, None if arrays is None else arrays[name])
        for name, entry in stored.items()
    }
    return config, state, decoded
