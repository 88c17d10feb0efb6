"""Model files: exact round trips, atomic writes, and every way a file can be bad."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

import qml.hybrid.persistence as persistence
from qml.errors import DataError, ModelFileError
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
