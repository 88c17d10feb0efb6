"""Model files: exact round trips, atomic writes, and every way a file can be bad."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

import qml.hybrid.persistence as persistence
from qml.errors import DataError, ModelFileError, ModelFileWriteError, QmlTypeError
from qml.hybrid import QuantumClassifier, QuantumKernelClassifier
from qml.hybrid.datasets import blobs, moons

FAST = dict(n_qubits=2, n_layers=1, epochs=4, random_state=0)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    return moons(50, noise=0.1, random_state=5)


@pytest.fixture(scope="module")
def fitted(data) -> QuantumClassifier:
    return QuantumClassifier(**FAST).fit(*data)


@pytest.fixture
def saved(fitted, tmp_path) -> Path:
    path = tmp_path / "model.json"
    fitted.save(path)
    return path


def _rewrite(path: Path, change) -> None:
    """Edit a saved document and store it again with a valid checksum."""
    document = json.loads(path.read_text(encoding="utf-8"))
    document.pop("sha256")
    change(document)
    document["sha256"] = persistence._checksum(document)
    path.write_text(json.dumps(document), encoding="utf-8")


def _flip(path: Path, position: int, bit: int) -> None:
    raw = bytearray(path.read_bytes())
    raw[position] ^= 1 << bit
    path.write_bytes(bytes(raw))


def _load_message(path: Path, cls=QuantumClassifier) -> str:
    with pytest.raises(ModelFileError) as info:
        cls.load(path)
    assert str(path) in str(info.value)
    return str(info.value)


# -- round trips ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"features": "dense", "encoding": "zz"},
        {"encoding": "amplitude", "reuploading": False, "ansatz": "real_amplitudes"},
        {"ansatz": "strongly_entangling_layers", "encoding": "iqp", "optimizer": "L-BFGS-B"},
    ],
    ids=["default", "dense-zz", "amplitude", "iqp-lbfgsb"],
)
def test_saved_and_loaded_classifier_predicts_identically(data, options, tmp_path) -> None:
    X, y = data
    clf = QuantumClassifier(**{**FAST, **options}).fit(X, y)
    clf.save(tmp_path / "model.json")
    loaded = QuantumClassifier.load(tmp_path / "model.json")
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.decision_function(X), clf.decision_function(X))
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))


def test_loaded_classifier_keeps_configuration_and_fitted_attributes(fitted, saved) -> None:
    loaded = QuantumClassifier.load(saved)
    assert loaded.get_params() == fitted.get_params()
    np.testing.assert_array_equal(loaded.params_, fitted.params_)
    np.testing.assert_array_equal(loaded.classes_, fitted.classes_)
    assert loaded.n_features_in_ == fitted.n_features_in_
    assert loaded.history_ == fitted.history_ and loaded.n_iter_ == fitted.n_iter_


def test_multiclass_string_labels_survive_a_round_trip(tmp_path) -> None:
    X, y = blobs(45, centers=3, random_state=1)
    names = np.array(["ant", "bee", "cicada"])[y]
    clf = QuantumClassifier(**FAST).fit(X, names)
    clf.save(tmp_path / "m.json")
    loaded = QuantumClassifier.load(tmp_path / "m.json")
    assert loaded.classes_.dtype == clf.classes_.dtype
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_saved_and_loaded_kernel_classifier_predicts_identically(data, tmp_path) -> None:
    X, y = data
    clf = QuantumKernelClassifier(n_qubits=2, encoding="zz", reps=1, random_state=0).fit(X, y)
    clf.save(tmp_path / "kernel.json")
    loaded = QuantumKernelClassifier.load(tmp_path / "kernel.json")
    assert loaded.get_params() == clf.get_params()
    np.testing.assert_array_equal(loaded.decision_function(X), clf.decision_function(X))
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))


def test_numpy_integer_settings_save_and_load(data, tmp_path) -> None:
    X, y = data
    search = GridSearchCV(
        QuantumClassifier(n_qubits=2, epochs=2, random_state=np.int64(3)),
        {"n_layers": np.arange(1, 3)},
        cv=2,
    ).fit(X, y)
    best = search.best_estimator_
    best.save(tmp_path / "best.json")
    loaded = QuantumClassifier.load(tmp_path / "best.json")
    assert loaded.n_layers == best.n_layers and loaded.random_state == 3
    np.testing.assert_array_equal(loaded.predict_proba(X), best.predict_proba(X))


def test_model_file_is_versioned_json_written_at_exactly_the_path(saved, tmp_path) -> None:
    document = json.loads(saved.read_text(encoding="utf-8"))
    assert document["format"] == "qml.model" and document["format_version"] == 1
    assert document["kind"] == "QuantumClassifier"
    assert set(document["arrays"]) == {"params", "input_matrix", "input_offset"}
    assert sorted(os.listdir(tmp_path)) == ["model.json"]


def test_save_accepts_a_string_path(fitted, tmp_path) -> None:
    fitted.save(str(tmp_path / "model.qml"))
    assert (tmp_path / "model.qml").is_file()
    QuantumClassifier.load(str(tmp_path / "model.qml"))


# -- atomic writes ------------------------------------------------------------------------------
def test_save_leaves_no_temporary_file(fitted, tmp_path) -> None:
    for _ in range(2):  # a new file, then an overwrite
        fitted.save(tmp_path / "model.json")
        assert os.listdir(tmp_path) == ["model.json"]


@pytest.mark.parametrize("failing", ["json.dumps", "os.fsync", "os.replace"])
def test_a_failing_save_leaves_the_old_file_intact(
    data, fitted, saved, monkeypatch, failing
) -> None:
    before = saved.read_bytes()
    other = QuantumClassifier(**{**FAST, "random_state": 1}).fit(*data)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    module, name = failing.split(".")
    monkeypatch.setattr(getattr(persistence, module), name, broken)
    with pytest.raises(OSError, match="disk full"):
        other.save(saved)
    monkeypatch.undo()
    assert saved.read_bytes() == before
    assert os.listdir(saved.parent) == [saved.name]
    np.testing.assert_array_equal(QuantumClassifier.load(saved).params_, fitted.params_)


# -- bad files ---------------------------------------------------------------------------------
def test_a_missing_file_is_named(tmp_path) -> None:
    message = _load_message(tmp_path / "nowhere.json")
    assert "no model file" in message


def test_an_empty_file_is_named(tmp_path) -> None:
    (tmp_path / "empty.json").write_text("")
    assert "empty" in _load_message(tmp_path / "empty.json")


@pytest.mark.parametrize("fraction", [0.02, 0.3, 0.5, 0.8, 0.999])
def test_a_truncated_file_is_named_truncated(saved, fraction) -> None:
    raw = saved.read_bytes()
    saved.write_bytes(raw[: max(1, int(len(raw) * fraction))])
    assert "truncated" in _load_message(saved)


@pytest.mark.parametrize(
    "cut_after",
    ['"data": "AAB', '"format": "qml.', '"reuploading": tr', '"shots": nu'],
    ids=["array-data", "format-string", "true", "null"],
)
def test_a_file_cut_inside_a_string_or_literal_is_named_truncated(saved, cut_after) -> None:
    text = saved.read_text(encoding="utf-8")
    start = text.index(cut_after[:-3])  # the marker without its last characters
    saved.write_text(text[: start + len(cut_after)], encoding="utf-8")
    assert "truncated" in _load_message(saved)


def test_a_flipped_bit_inside_the_array_data_is_caught_by_the_checksum(saved) -> None:
    text = saved.read_text(encoding="utf-8")
    position = text.index('"data": "') + len('"data": "') + 5
    _flip(saved, position, 1)
    assert "checksum" in _load_message(saved) and "corrupted" in _load_message(saved)


@pytest.mark.parametrize("bit", [0, 3, 7])
@pytest.mark.parametrize("fraction", [0.1, 0.45, 0.9])
def test_a_flipped_byte_is_named_corrupted(saved, fraction, bit) -> None:
    _flip(saved, int(saved.stat().st_size * fraction), bit)
    message = _load_message(saved)
    assert any(word in message for word in ("corrupted", "not a qml model file"))


def test_a_foreign_json_document_is_named(tmp_path) -> None:
    (tmp_path / "foreign.json").write_text(json.dumps({"weights": [1, 2, 3]}))
    assert "not a qml model file" in _load_message(tmp_path / "foreign.json")


def test_a_foreign_binary_file_is_named(tmp_path) -> None:
    (tmp_path / "model.pkl").write_bytes(b"\x80\x04\x95\xff\x00\x00\x00\x00")
    assert "not a qml model file" in _load_message(tmp_path / "model.pkl")


def test_a_newer_format_version_asks_for_an_upgrade(saved) -> None:
    _rewrite(saved, lambda document: document.update(format_version=2))
    message = _load_message(saved)
    assert "version 2" in message and "upgrade qml" in message


def test_a_file_of_another_model_kind_is_refused(data, tmp_path) -> None:
    QuantumKernelClassifier(n_qubits=2).fit(*data).save(tmp_path / "kernel.json")
    message = _load_message(tmp_path / "kernel.json")
    assert "QuantumKernelClassifier" in message and "not a QuantumClassifier" in message


def test_arrays_of_the_wrong_shape_are_refused_naming_both_shapes(saved) -> None:
    def widen(document: dict) -> None:  # a model for 3 features in a file that says 2
        entry = document["arrays"]["input_matrix"]
        matrix = np.zeros((3, 2))
        entry.update(persistence._encode(matrix))

    _rewrite(saved, widen)
    message = _load_message(saved)
    assert "input_matrix" in message and "(3, 2)" in message and "(2, 2)" in message


def test_a_failed_load_leaves_no_half_loaded_object(saved, monkeypatch) -> None:
    created = []
    check = QuantumClassifier._check_options

    def spy(self: QuantumClassifier) -> None:
        created.append(self)
        check(self)

    monkeypatch.setattr(QuantumClassifier, "_check_options", spy)
    _rewrite(
        saved, lambda document: document["arrays"].update(params=persistence._encode(np.zeros(3)))
    )
    _load_message(saved)
    assert len(created) == 1
    assert not [name for name in vars(created[0]) if name.endswith("_")]


def test_a_missing_state_entry_is_refused(saved) -> None:
    _rewrite(saved, lambda document: document["state"].pop("classes"))
    assert "corrupted" in _load_message(saved)


def test_loaded_model_refuses_data_of_a_different_width(saved, data) -> None:
    loaded = QuantumClassifier.load(saved)
    with pytest.raises(DataError) as info:
        loaded.predict(np.hstack([data[0], data[0]]))
    assert "4 features" in str(info.value) and "2 features" in str(info.value)


@pytest.mark.parametrize("fraction", [0.3, 0.7])
def test_a_truncated_kernel_file_is_named_truncated(data, tmp_path, fraction) -> None:
    path = tmp_path / "kernel.json"
    QuantumKernelClassifier(n_qubits=2).fit(*data).save(path)
    raw = path.read_bytes()
    path.write_bytes(raw[: int(len(raw) * fraction)])
    assert "truncated" in _load_message(path, QuantumKernelClassifier)


def test_a_kernel_file_with_inconsistent_arrays_is_refused(data, tmp_path) -> None:
    path = tmp_path / "kernel.json"
    QuantumKernelClassifier(n_qubits=2).fit(*data).save(path)
    _rewrite(
        path,
        lambda document: document["arrays"].update(
            train_targets=persistence._encode(np.zeros(3, dtype=np.int64))
        ),
    )
    assert "corrupted" in _load_message(path, QuantumKernelClassifier)


# -- every field validated, the checksum recomputed (issue 12) ---------------------------------
def _refusal(path: Path, change, cls=QuantumClassifier) -> str:
    """The ModelFileError of loading ``path`` after ``change`` (checksum made valid again)."""
    _rewrite(path, change)
    return _load_message(path, cls)


@pytest.fixture
def kernel_saved(data, tmp_path) -> Path:
    path = tmp_path / "kernel.json"
    QuantumKernelClassifier(n_qubits=2).fit(*data).save(path)
    return path


def test_a_qubit_count_beyond_the_limit_is_named(saved) -> None:
    message = _refusal(saved, lambda d: d["config"].update(n_qubits=200))
    assert "config: n_qubits must be an integer in [1, 40], got 200" in message


def test_a_huge_layer_count_is_refused_before_any_circuit_is_built(saved, monkeypatch) -> None:
    import qml.hybrid.classifier as classifier

    built = []
    monkeypatch.setattr(classifier, "HybridModel", lambda *a, **k: built.append(a))
    message = _refusal(saved, lambda d: d["config"].update(n_layers=200_000))
    assert "n_layers must be an integer in [1, 1000]" in message and not built


@pytest.mark.parametrize("shape", [[-1, -1], [-1], [2, 5], "10", [1.5], [True]])
def test_an_array_shape_that_is_no_shape_is_named(saved, shape) -> None:
    message = _refusal(saved, lambda d: d["arrays"]["params"].update(shape=shape))
    assert "array 'params' has shape" in message and "non-negative integers" in message


@pytest.mark.parametrize("length", [3, 2**40])
def test_an_array_whose_data_does_not_match_its_shape_is_named(saved, length) -> None:
    message = _refusal(saved, lambda d: d["arrays"]["params"].update(shape=[length]))
    assert "array 'params' holds" in message and f"of shape ({length},)" in message


def test_nan_weights_are_refused_naming_the_array(saved) -> None:
    def poison(document: dict) -> None:
        params = persistence._decode("params", document["arrays"]["params"], saved, None)
        params[1] = np.nan
        document["arrays"]["params"] = persistence._encode(params)

    assert "array 'params' holds 1 NaN or infinite value(s)" in _refusal(saved, poison)


def test_an_array_of_the_wrong_dtype_is_refused(saved) -> None:
    message = _refusal(
        saved, lambda d: d["arrays"].update(params=persistence._encode(np.arange(10)))
    )
    assert "array 'params' has dtype '<i8', expected <f8" in message


@pytest.mark.parametrize(
    "classes", [[0, 0], [1, 0], [0], [0, [1]], [0, 1.5], [True, False]], ids=str
)
def test_class_lists_fit_would_not_store_are_refused(saved, classes) -> None:
    assert "state.classes" in _refusal(saved, lambda d: d["state"].update(classes=classes))


def test_swapped_classes_name_what_they_would_do(saved) -> None:
    message = _refusal(saved, lambda d: d["state"].update(classes=[1, 0]))
    assert "swapped class would relabel every prediction" in message


@pytest.mark.parametrize("dtype", ["V8", "zz", "<M8[s]", 5, "<U1"])
def test_a_class_dtype_that_cannot_hold_the_labels_is_refused(saved, dtype) -> None:
    assert "state.classes" in _refusal(saved, lambda d: d["state"].update(classes_dtype=dtype))


@pytest.mark.parametrize(
    ("field", "value"),
    [("n_features_in", "2"), ("n_features_in", 0), ("feature_names_in", [1, 2]),
     ("history", 5), ("history", [{"loss": "low"}]), ("n_iter", -1), ("notes", [1])],
)  # fmt: skip
def test_state_fields_of_the_wrong_type_are_named(saved, field, value) -> None:
    assert f"state.{field}" in _refusal(saved, lambda d: d["state"].update({field: value}))


def test_nan_in_the_configuration_is_named_with_its_option(saved) -> None:
    saved.write_text(saved.read_text().replace('"learning_rate": 0.05', '"learning_rate": NaN'))
    _rewrite(saved, lambda d: None)
    assert "config: learning_rate must be a finite number" in _load_message(saved)


@pytest.mark.parametrize(
    ("where", "needle"),
    [(lambda d: d.update(extra=1), "unknown field(s) 'extra'"),
     (lambda d: d["config"].update(extra=1), "config has unknown option(s) 'extra'"),
     (lambda d: d["state"].update(extra=1), "state has unknown field(s) 'extra'"),
     (lambda d: d["arrays"].pop("params"), "lacks array(s) params"),
     (lambda d: d["arrays"].update(extra=persistence._encode(np.zeros(1))),
      "unknown array(s) 'extra'")],
    ids=["top", "config", "state", "missing-array", "extra-array"],
)  # fmt: skip
def test_unknown_or_missing_fields_are_named(saved, where, needle) -> None:
    assert needle in _refusal(saved, where)


@pytest.mark.parametrize("version", [True, 0, -1, "1", 1.0])
def test_a_format_version_that_is_no_positive_integer_is_refused(saved, version) -> None:
    assert "no valid format version" in _refusal(saved, lambda d: d.update(format_version=version))


def test_deeply_nested_json_is_refused(tmp_path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"format": "qml.model", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert "nests JSON too deeply" in _load_message(path)


def test_a_number_of_too_many_digits_is_refused_without_pythons_advice(tmp_path) -> None:
    path = tmp_path / "digits.json"
    path.write_text('{"format": "qml.model", "x": ' + "9" * 5000 + "}")
    message = _load_message(path)
    assert "digits" in message and "set_int_max_str_digits" not in message


def test_a_file_of_an_early_version_without_notes_loads(saved, fitted, data) -> None:
    _rewrite(saved, lambda d: d["state"].pop("notes"))
    loaded = QuantumClassifier.load(saved)
    assert loaded.notes_ is None
    np.testing.assert_array_equal(loaded.predict(data[0]), fitted.predict(data[0]))


def test_unnormalised_kernel_training_states_are_refused(kernel_saved) -> None:
    def stretch(document: dict) -> None:
        real = persistence._decode("train_real", document["arrays"]["train_real"], kernel_saved,
                                   None)  # fmt: skip
        document["arrays"]["train_real"] = persistence._encode(real * 1.5)

    message = _refusal(kernel_saved, stretch, QuantumKernelClassifier)
    assert "training state" in message and "unit vectors" in message


@pytest.mark.parametrize("targets", [[-1, 1], [0, 2], [0, 0]], ids=["negative", "beyond", "one"])
def test_kernel_targets_must_index_every_class(kernel_saved, targets) -> None:
    def retarget(document: dict) -> None:
        n = document["arrays"]["train_targets"]["shape"][0]
        stored = np.resize(np.array(targets, dtype=np.int64), n)
        document["arrays"]["train_targets"] = persistence._encode(stored)

    message = _refusal(kernel_saved, retarget, QuantumKernelClassifier)
    assert "train_targets must index every one of the 2 classes" in message


def test_weights_no_training_keeps_are_refused(saved) -> None:
    def inflate(document: dict) -> None:
        params = persistence._decode("params", document["arrays"]["params"], saved, None)
        document["arrays"]["params"] = persistence._encode(params * 1e306)

    assert "params holds values beyond 1e+15" in _refusal(saved, inflate)


# -- saving -----------------------------------------------------------------------------------
def test_saving_to_an_empty_path_is_refused(fitted) -> None:
    with pytest.raises(ModelFileError, match="path is empty"):
        fitted.save("")


def test_saving_into_a_missing_folder_names_the_target(fitted, tmp_path) -> None:
    target = tmp_path / "nowhere" / "model.json"
    with pytest.raises(ModelFileWriteError) as info:
        fitted.save(target)
    assert str(target) in str(info.value) and "does not exist" in str(info.value)
    assert isinstance(info.value, OSError)


def test_saving_onto_a_folder_is_refused(fitted, tmp_path) -> None:
    with pytest.raises(ModelFileError, match="it is a folder"):
        fitted.save(tmp_path)
    assert os.listdir(tmp_path) == []


def test_saving_below_a_file_names_the_target(fitted, tmp_path) -> None:
    (tmp_path / "taken").write_text("x")
    with pytest.raises(ModelFileWriteError, match="is not a folder"):
        fitted.save(tmp_path / "taken" / "model.json")


def test_a_failed_write_names_the_target_not_the_temporary_file(fitted, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(persistence.os, "fsync", broken)
    target = tmp_path / "model.json"
    with pytest.raises(ModelFileWriteError) as info:
        fitted.save(target)
    message = str(info.value)
    assert str(target) in message and "No space left on device" in message
    assert ".tmp" not in message and os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("notes", "error"),
    [([1], QmlTypeError), ({"a": object()}, QmlTypeError), ({"a": float("nan")}, ModelFileError)],
    ids=["list", "object", "nan"],
)
def test_notes_that_are_not_finite_json_data_are_refused(fitted, tmp_path, notes, error) -> None:
    with pytest.raises(error, match="notes"):
        fitted.save(tmp_path / "model.json", notes=notes)
    assert os.listdir(tmp_path) == []


# -- stale temporary files --------------------------------------------------------------------
def _temporary(folder: Path, name: str, age: float = 0.0) -> Path:
    path = folder / name
    path.write_text("half a model")
    if age:
        stamp = time.time() - age
        os.utime(path, (stamp, stamp))
    return path


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_save_removes_the_temporary_file_of_a_killed_save_on_this_host(fitted, tmp_path):
    host = persistence._host_tag()
    stale = _temporary(tmp_path, f".model.json.{host}-{_dead_pid()}.abcd1234.tmp")
    fitted.save(tmp_path / "model.json")
    assert not stale.exists()


def test_a_save_keeps_the_temporary_file_of_a_live_writer(fitted, tmp_path) -> None:
    host = persistence._host_tag()
    live = _temporary(tmp_path, f".model.json.{host}-{os.getpid()}.abcd1234.tmp", age=3600)
    fitted.save(tmp_path / "model.json")
    assert live.exists()


@pytest.mark.parametrize(
    "name", [".model.json.abcd1234.tmp", ".model.json.0123abcd-1.abcd1234.tmp"],
    ids=["earlier-version", "other-host"],
)  # fmt: skip
def test_old_temporary_files_of_this_naming_are_removed_young_ones_kept(fitted, tmp_path, name):
    old = _temporary(tmp_path, name, age=persistence.STALE_TEMP_SECONDS + 60)
    young = _temporary(tmp_path, name.replace("abcd1234", "wxyz5678"), age=10)
    fitted.save(tmp_path / "model.json")
    assert not old.exists() and young.exists()


@pytest.mark.parametrize(
    "name", [".other.json.abcd1234.tmp", "model.json.abcd1234.tmp", ".model.json.tmp", "notes.txt"]
)
def test_files_of_other_names_are_never_removed(fitted, tmp_path, name) -> None:
    kept = _temporary(tmp_path, name, age=10 * persistence.STALE_TEMP_SECONDS)
    fitted.save(tmp_path / "model.json")
    assert kept.exists()


def test_an_unwritable_folder_names_the_target_not_the_temporary_file(
    fitted, tmp_path, monkeypatch
):
    # as root every folder is writable, so the refusal the OS would give is simulated
    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / ".model.json.x.tmp"))

    monkeypatch.setattr(persistence.tempfile, "NamedTemporaryFile", refused)
    target = tmp_path / "model.json"
    with pytest.raises(ModelFileWriteError) as info:
        fitted.save(target)
    assert f"cannot save the model to {target}: Permission denied" in str(info.value)
    assert ".tmp" not in str(info.value)
