"""``python -m qml.train``: the command line, in-process through ``main`` and as a process.

In-process runs use small settings (60 samples, 3 epochs, no progress bar); two
subprocess tests check ``--help`` and that the default command trains and prints
accuracies well under a minute.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from qml.circuits.library import ANSATZE, ENCODINGS
from qml.errors import DataError, OptionError, QmlError
from qml.hybrid import DATASETS, QuantumClassifier, load_dataset
from qml.train import (
    Data,
    build_parser,
    check_compatible,
    main,
    noise_model,
    parse_noise,
    plot_decision_boundary,
    plot_training,
    read_csv,
    readout_accuracy,
)

FAST = ["--samples", "60", "--epochs", "3", "--quiet"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run(*args: str) -> tuple[int, str, str]:
    """``main(args)``: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def accuracies(text: str) -> dict[str, float]:
    return {k: float(v) for k, v in re.findall(r"^(train|test) accuracy:\s+([0-9.]+)$", text, re.M)}


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A vqc trained on 60 moons samples, written with ``--out``."""
    folder = tmp_path_factory.mktemp("run") / "out"
    code, _, err = run(*FAST, "--out", folder)
    assert code == 0, err
    return folder


@pytest.fixture
def moons_csv(tmp_path: Path) -> Path:
    X, y = load_dataset("moons", n_samples=60, noise=0.1, random_state=1)
    lines = ["x1,x2,species"] + [
        f"{a:.6f},{b:.6f},{'cat' if label else 'dog'}" for (a, b), label in zip(X, y, strict=True)
    ]
    path = tmp_path / "mine.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


# -- as a process ----------------------------------------------------------------------------
def test_help_explains_every_option_with_examples() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "qml.train", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    text = done.stdout
    for action in build_parser()._actions:
        assert action.help, f"{action.option_strings} has no help"
        for flag in action.option_strings:
            assert flag in text
    examples = text[text.index("examples:") :]
    assert examples.count("python -m qml.train --") >= 2
    assert "exit status" in text


def test_default_command_trains_and_prints_accuracies_quickly(tmp_path: Path) -> None:
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "qml.train"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    seconds = time.perf_counter() - began
    assert done.returncode == 0, done.stderr
    scores = accuracies(done.stdout)
    assert scores["train"] >= 0.9 and scores["test"] >= 0.9, done.stdout
    assert "moons: 300 samples" in done.stdout and "4 qubits, 3 layers" in done.stdout
    assert "training" in done.stderr and "epoch" in done.stderr  # the progress bar
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []  # writes nothing without --out
    print(f"default command: {seconds:.1f} s")
    assert seconds < 45, f"the default command took {seconds:.1f} s; it must stay well under 60"


# -- training and outputs --------------------------------------------------------------------
def test_small_run_prints_data_model_and_accuracies() -> None:
    code, out, err = run(*FAST)
    assert code == 0, err
    assert "moons: 60 samples, 2 features, 2 classes; 42 train / 18 test (seed 0)" in out
    assert "trained 3 epochs" in out
    assert set(accuracies(out)) == {"train", "test"}
    assert err == ""  # --quiet: no progress bar


def test_same_seed_same_run_other_seed_other_split() -> None:
    first, second = run(*FAST)[1], run(*FAST)[1]
    strip = re.compile(r"\d+\.\d s")  # timings differ
    assert strip.sub("", first) == strip.sub("", second)
    code, other, _ = run(*FAST, "--seed", "5")
    assert code == 0 and "(seed 5)" in other


def test_out_writes_model_metrics_and_plots(trained: Path) -> None:
    assert sorted(p.name for p in trained.iterdir()) == [
        "decision_boundary.png",
        "metrics.json",
        "model.json",
        "training.png",
    ]
    metrics = json.loads((trained / "metrics.json").read_text())
    assert metrics["dataset"]["name"] == "moons" and metrics["dataset"]["n_samples"] == 60
    assert metrics["split"] == {"test_size": 0.3, "seed": 0, "stratified": True,
                                "n_train": 42, "n_test": 18}  # fmt: skip
    assert metrics["model"]["kind"] == "QuantumClassifier"
    assert metrics["model"]["params"]["epochs"] == 3
    assert metrics["options"]["epochs"] == 3
    assert 0 <= metrics["train_accuracy"] <= 1 and 0 <= metrics["test_accuracy"] <= 1
    assert {"data_s", "fit_s", "evaluate_s", "total_s"} <= set(metrics["timings"])
    assert len(metrics["history"]) == metrics["n_epochs"] == 3
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(metrics["history"][0])
    clf = QuantumClassifier.load(trained / "model.json")
    assert clf.n_features_in_ == 2 and clf.history_ == metrics["history"]
    for name in ("training.png", "decision_boundary.png"):
        width, height = png_size(trained / name)
        assert width <= 1200 and height <= 800  # dpi ~100
        assert (trained / name).stat().st_size < 400_000


def test_load_evaluates_the_saved_model_on_the_same_test_split(trained: Path) -> None:
    metrics = json.loads((trained / "metrics.json").read_text())
    code, out, err = run("--load", trained / "model.json", "--samples", "60")
    assert code == 0, err
    assert "evaluating on 18 test samples" in out
    assert accuracies(out) == {"test": round(metrics["test_accuracy"], 3)}
    code, out, _ = run("--load", trained / "model.json", "--samples", "60", "--test-size", "1")
    assert code == 0 and "evaluating on 60 test samples" in out


def test_load_with_out_writes_metrics_and_plots_but_no_model(trained: Path, tmp_path: Path) -> None:
    code, _, err = run("--load", trained / "model.json", "--samples", "60", "--out", tmp_path)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "decision_boundary.png",
        "metrics.json",
        "training.png",
    ]
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["model"]["file"] == str(trained / "model.json")
    assert metrics["train_accuracy"] is None


def test_kernel_model_writes_no_training_plot_and_loads_back(tmp_path: Path) -> None:
    code, out, err = run("--model", "kernel", "--samples", "60", "--out", tmp_path)
    assert code == 0, err
    assert "kernel (QuantumKernelClassifier)" in out
    assert "training.png skipped" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "decision_boundary.png",
        "metrics.json",
        "model.json",
    ]
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["history"] is None and "training.png skipped" in metrics["notes"][0]
    assert json.loads((tmp_path / "model.json").read_text())["kind"] == "QuantumKernelClassifier"
    code, again, err = run("--load", tmp_path / "model.json", "--samples", "60")
    assert code == 0, err
    assert accuracies(again)["test"] == accuracies(out)["test"]


def test_more_than_two_features_skips_the_decision_boundary(tmp_path: Path) -> None:
    code, out, err = run("--dataset", "iris", "--epochs", "2", "--quiet", "--out", tmp_path)
    assert code == 0, err
    assert "iris: 150 samples, 4 features, 3 classes" in out
    assert "decision_boundary.png skipped" in out
    assert not (tmp_path / "decision_boundary.png").exists()
    assert (tmp_path / "training.png").exists()


def test_plots_have_titles_axis_labels_and_legends(trained: Path) -> None:
    clf = QuantumClassifier.load(trained / "model.json")
    fig = plot_training(clf.history_, "Training: vqc on moons")
    assert fig.get_suptitle() == "Training: vqc on moons"
    for ax in fig.axes:
        assert ax.get_title() and ax.get_xlabel() == "epoch" and ax.get_ylabel()
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels == ["train", "validation"]
    X, y = load_dataset("moons", n_samples=30, noise=0.1, random_state=0)
    fig = plot_decision_boundary(clf, [("test", X, y, "^")], ["x", "y"], "Decision boundary")
    (ax,) = fig.axes
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("Decision boundary", "x", "y")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["class 0", "class 1", "test (30)"]


def test_options_reach_the_model(tmp_path: Path) -> None:
    args = "--qubits 3 --layers 2 --encoding zz --ansatz real_amplitudes --features dense"
    args += " --batch-size 8 --lr 0.1 --optimizer sgd"
    code, _, err = run(*FAST, *args.split(), "--out", tmp_path)
    assert code == 0, err
    params = json.loads((tmp_path / "metrics.json").read_text())["model"]["params"]
    assert params == params | {
        "n_qubits": 3, "n_layers": 2, "encoding": "zz", "ansatz": "real_amplitudes",
        "features": "dense", "batch_size": 8, "learning_rate": 0.1, "optimizer": "sgd",
        "epochs": 3, "random_state": 0,
    }  # fmt: skip


def test_amplitude_encoding_turns_reuploading_off() -> None:
    code, _, err = run(*FAST, "--encoding", "amplitude")
    assert code == 0, err


# -- the user's own CSV ------------------------------------------------------------------------
def test_csv_with_text_labels(moons_csv: Path, tmp_path: Path) -> None:
    code, out, err = run("--csv", moons_csv, "--target", "species", "--epochs", "3", "--quiet",
                         "--out", tmp_path / "run")  # fmt: skip
    assert code == 0, err
    assert "mine.csv: 60 samples, 2 features, 2 classes" in out
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["dataset"]["classes"] == ["cat", "dog"]
    assert metrics["dataset"]["feature_names"] == ["x1", "x2"]
    assert (tmp_path / "run" / "decision_boundary.png").exists()


def test_read_csv_other_delimiters_and_integer_labels(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("label;a;b\n1;0.5;2\n\n2.0;1e-3;-4\n")
    data = read_csv(str(path), "label")
    assert data.X.tolist() == [[0.5, 2.0], [0.001, -4.0]]
    assert data.y.tolist() == [1, 2] and data.y.dtype == np.int64
    assert data.feature_names == ["a", "b"]


# -- bad input: a QmlError with a fix-it message, one line on stderr, exit status 2 or 1 --------
def assert_one_line_error(err: str, *needles: str) -> None:
    assert err.startswith("qml.train: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err


@pytest.mark.parametrize(
    ("option", "names"),
    [("--encoding", ENCODINGS), ("--ansatz", ANSATZE), ("--dataset", DATASETS),
     ("--model", ["vqc", "kernel"]), ("--backend", ["qml", "aer"])],
)  # fmt: skip
def test_unknown_names_list_the_valid_ones(option: str, names: list[str]) -> None:
    with pytest.raises(OptionError) as caught:
        build_parser().parse_args([option, "nonsense"])
    assert isinstance(caught.value, QmlError)
    code, out, err = run(option, "nonsense")
    assert code == 2 and out == ""
    assert_one_line_error(err, "nonsense", *names)


def test_unknown_option_suggests_the_close_one_and_lists_all() -> None:
    code, _, err = run("--epocs", "3")
    assert code == 2
    assert_one_line_error(err, "--epocs", "did you mean --epochs?", "--dataset", "--out")
    code, _, err = run("moons")
    assert code == 2
    assert_one_line_error(err, "'moons'", "--dataset moons")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--epochs", "0"], "'0' is not a positive integer"),
        (["--lr", "fast"], "'fast' is not a positive number"),
        (["--test-size", "1.5"], "is not a fraction"),
        (["--test-size", "1"], "leaves nothing to train on"),
        (["--model", "kernel", "--epochs", "3"], "--epochs does not apply to --model kernel"),
        (["--model", "kernel", "--backend", "aer"], "use a vqc model"),
        (["--target", "y"], "add --csv PATH"),
        (["--csv", "x.csv", "--dataset", "moons", "--target", "y"], "not both"),
        (["--dataset", "iris", "--samples", "10"], "fixed size"),
        (["--dataset", "blobs", "--data-noise", "0.2"], "applies to moons, circles, xor"),
        (["--load", "m.json", "--qubits", "3"], "--qubits does not apply with --load"),
        (["--noise", "depolarising=0.1"], "did you mean depolarizing?"),
        (["--noise", "depolarizing"], "NAME=P"),
        (["--noise", "readout=2"], "not a probability"),
    ],
)
def test_bad_command_lines_exit_2(args: list[str], needle: str) -> None:
    code, out, err = run(*args)
    assert code == 2 and out == ""
    assert_one_line_error(err, needle)


def test_csv_missing_target_column(moons_csv: Path) -> None:
    with pytest.raises(DataError, match=r"no column 'label'.*columns are: x1, x2, species"):
        read_csv(str(moons_csv), "label")
    code, _, err = run("--csv", moons_csv, "--target", "specie")
    assert code == 1
    assert_one_line_error(err, "no column 'specie'", "did you mean 'species'?", "--target")
    code, _, err = run("--csv", moons_csv)
    assert code == 2
    assert_one_line_error(err, "--csv needs --target", "x1, x2, species")


def test_csv_non_numeric_features(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("a,colour,label\n1,2,x\n3,red,y\n")
    with pytest.raises(DataError, match="line 3, column 'colour': 'red' is not a number"):
        read_csv(str(path), "label")
    code, out, err = run("--csv", path, "--target", "label")
    assert code == 1 and out == ""
    assert_one_line_error(err, "'red' is not a number", "encode that column as numbers")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "is empty"),
        ("a,label\n", "no data rows"),
        ("a,label\n1,x\n2\n", "line 3 has 1 field(s)"),
        ("a,label\n,x\n", "is empty (a missing value)"),
        ("a,label\nnan,x\n", "not a finite number"),
        ("a,a,label\n1,2,x\n", "repeats column(s) 'a'"),
        ("a,label\n1,x\n2,x\n", "one class only ('x')"),
        ("a,label\n1,x\n2,x\n3,y\n", "class(es) 'y' have a single sample"),
    ],
)
def test_csv_problems_are_data_errors(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "data.csv"
    path.write_text(text)
    code, _, err = run("--csv", path, "--target", "label", "--quiet")
    assert code == 1
    assert_one_line_error(err, needle)


def test_missing_csv_file(tmp_path: Path) -> None:
    code, _, err = run("--csv", tmp_path / "nope.csv", "--target", "y")
    assert code == 1
    assert_one_line_error(err, "no CSV file at", "check the path")


def test_model_file_for_another_number_of_features(trained: Path) -> None:
    clf = QuantumClassifier.load(trained / "model.json")
    X, y = load_dataset("iris")
    data = Data("iris", X, y, [f"feature {j}" for j in range(4)])
    with pytest.raises(DataError, match="trained on 2 features, but iris has 4"):
        check_compatible(clf, data, "model.json")
    code, out, err = run("--load", trained / "model.json", "--dataset", "iris")
    assert code == 1 and out == ""
    assert_one_line_error(err, "trained on 2 features", "iris has 4", "the same --dataset")


def test_bad_model_files(tmp_path: Path) -> None:
    code, _, err = run("--load", tmp_path / "missing.json")
    assert code == 1
    assert_one_line_error(err, "no model file at")
    foreign = tmp_path / "foreign.json"
    foreign.write_text('{"kind": "Pipeline"}')
    code, _, err = run("--load", foreign)
    assert code == 1
    assert_one_line_error(err, "'Pipeline'")


def test_the_kernel_model_has_no_readout_to_crosscheck(tmp_path: Path) -> None:
    assert run("--model", "kernel", "--samples", "60", "--out", tmp_path)[0] == 0
    code, _, err = run("--load", tmp_path / "model.json", "--samples", "60", "--shots", "100")
    assert code == 2
    assert_one_line_error(err, "--shots", "does not have")


# -- cross-check: qiskit-aer, shots, noise ---------------------------------------------------
@pytest.fixture(scope="module")
def small_model() -> tuple[QuantumClassifier, np.ndarray, np.ndarray]:
    X, y = load_dataset("moons", n_samples=40, noise=0.1, random_state=2)
    clf = QuantumClassifier(n_qubits=3, n_layers=2, epochs=3, random_state=0).fit(X, y)
    return clf, X, y


def test_readout_params_reproduce_predict_proba(small_model) -> None:
    import qml
    from qml.circuits.observables import Pauli
    from qml.hybrid.model import softmax

    clf, X, _ = small_model
    rows = clf.readout_params(X)
    circuit = clf.model_.circuit
    assert rows.shape == (len(X), circuit.num_parameters)
    z = qml.expectation(circuit, [Pauli.on("Z", [q], 3) for q in range(3)], params=rows)
    head = clf.model_.unflatten(clf.params_)
    probs = softmax(z @ head["head_weight"].T + head["head_bias"])
    np.testing.assert_allclose(probs, clf.predict_proba(X), atol=1e-12)


def test_exact_readout_on_aer_and_qml_agrees_with_predict(small_model) -> None:
    pytest.importorskip("qiskit_aer")
    clf, X, y = small_model
    exact = clf.score(X, y)
    assert readout_accuracy(clf, X, y) == exact
    assert readout_accuracy(clf, X, y, backend="aer") == exact
    noise = noise_model(parse_noise("depolarizing=0.05,amplitude_damping=0.05"), clf.model_.circuit)
    assert readout_accuracy(clf, X, y, noise=noise) == readout_accuracy(
        clf, X, y, backend="aer", noise=noise
    )


def test_fully_depolarized_readout_predicts_the_head_bias_class(small_model) -> None:
    clf, X, y = small_model
    noise = noise_model(parse_noise("depolarizing=1"), clf.model_.circuit)
    bias = clf.model_.unflatten(clf.params_)["head_bias"]
    expected = float(np.mean(y == clf.classes_[np.argmax(bias)]))
    assert readout_accuracy(clf, X, y, noise=noise) == pytest.approx(expected)


def test_backend_aer_with_shots_prints_the_crosscheck(tmp_path: Path) -> None:
    pytest.importorskip("qiskit_aer")
    code, out, err = run(*FAST, "--backend", "aer", "--shots", "4000", "--out", tmp_path)
    assert code == 0, err
    match = re.search(r"test accuracy on qiskit-aer \(4000 shots\): ([0-9.]+) \(qml exact: "
                      r"([0-9.]+)\)", out)  # fmt: skip
    assert match, out
    aer, exact = map(float, match.groups())
    assert abs(aer - exact) <= 2 / 18 + 1e-9  # shot noise may flip a borderline sample or two
    check = json.loads((tmp_path / "metrics.json").read_text())["crosscheck"]
    assert check["backend"] == "aer" and check["shots"] == 4000
    assert check["test_accuracy"] == pytest.approx(aer, abs=5e-4)


def test_noise_and_shots_on_qml() -> None:
    code, out, err = run(*FAST, "--noise", "depolarizing=0.01,readout=0.02", "--shots", "500")
    assert code == 0, err
    assert "test accuracy on qml (500 shots, noise depolarizing=0.01,readout=0.02): " in out
    code, out, err = run(*FAST, "--noise", "readout=0.02")
    assert code == 0 and "add --shots N" in out


def test_aer_not_available_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "qml.backends", None)  # import qml.backends fails
    code, out, err = run(*FAST, "--backend", "aer")
    assert code == 1
    assert_one_line_error(err, "the Aer backend is not available", "--backend qml")
    assert "test accuracy:" in out  # the run itself completed


def test_help_and_version_return_0() -> None:
    assert run("--help")[0] == 0
    code, out, _ = run("--version")
    assert code == 0 and "0." in out
