"""Fuzzing ``python -m qml.train`` with random command lines: every run ends with exit
status 0, 1 or 2, and a failure is one ``qml.train: error: ...`` line on stderr, never a
traceback. A command line with an option the parser must refuse exits 2.

Runs are in-process (``main(argv)``) on tiny data (at most 40 samples, 1-2 epochs, 1-3
qubits): valid numbers are drawn from small ranges, invalid ones from anywhere. Set
QML_FUZZ_EXAMPLES for a long run.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from qml.cli.main import main

EXAMPLES = int(os.environ.get("QML_FUZZ_EXAMPLES", "30"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

#: Values the parser must refuse for any numeric option.
BAD_NUMBERS = ["0", "-1", "1.5", "nan", "inf", "-inf", "1e400", "99999999999", "2" * 40, "x", ""]


#: The integer options and their valid ranges.
RANGES = {
    "--samples": (1, 10**7), "--epochs": (1, 10**6), "--qubits": (1, 40), "--layers": (1, 1000),
    "--batch-size": (1, 10**7), "--shots": (1, 2**62), "--seed": (0, 2**32 - 1),
}  # fmt: skip


def _in_range(text: str, low: int, high: int) -> bool:
    try:
        return low <= int(text) <= high
    except ValueError:
        return False


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Data and model files for the command lines: good ones and bad ones."""
    folder = tmp_path_factory.mktemp("cli-fuzz")
    rows = "".join(f"{i / 7:.3f},{(i * 5) % 11},{'cat' if i % 2 else 'dog'}\n" for i in range(30))
    texts = {
        "good.csv": "a,b,label\n" + rows,
        "huge.csv": "a,b,label\n" + "".join(f"{i}e300,{i % 3},{i % 2}\n" for i in range(30)),
        "labels.csv": "a,b,label\n"
        + "".join(f"{i},{i % 3},{1e20 if i % 2 else 0}\n" for i in range(30)),
        "nan.csv": "a,b,label\n1,2,nan\n3,4,1\n",
        "ragged.csv": "a,b,label\n1,2\n3,4,5,6\n",
        "empty.csv": "",
        "binary.csv": "\x00\xff",
        "corrupt.json": '{"format": "qml.model", "kind": "QuantumClassifier"',
        "deep.json": "[" * 50_000 + "]" * 50_000,
        "foreign.json": '{"kind": ["list"]}',
    }
    paths = {}
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8", errors="surrogateescape")
        paths[name] = str(folder / name)
    for model in ("vqc", "kernel"):
        out = folder / model
        training = ["--epochs", "1", "--quiet"] if model == "vqc" else []
        argv = ["--samples", "30", "--qubits", "2", "--model", model, "--out", str(out)]
        code, _, err = run([*argv, *training])
        assert code == 0, err
        paths[f"{model}.json"] = str(out / "model.json")
    paths["missing"] = str(folder / "missing.json")
    paths["folder"] = str(folder)
    paths["out"] = str(folder / "runs")
    (folder / "taken").write_text("a file")
    paths["taken"] = str(folder / "taken")
    return paths


def _safe(name: str) -> str:
    """A drawn file name that stays inside its folder (no separators, never '.' or '..')."""
    return "f-" + name.replace(os.sep, "_")


def values_for(option: str, files: dict[str, str], clean: bool) -> st.SearchStrategy[str]:
    """Values of ``option``: meant to work when ``clean``, else good and bad ones."""
    small = {
        "--samples": st.integers(1, 40),
        "--epochs": st.integers(1, 2),
        "--qubits": st.integers(1, 3),
        "--layers": st.integers(1, 2),
        "--batch-size": st.integers(1, 10**7),
        "--shots": st.integers(1, 64),
        "--seed": st.integers(0, 2**32 - 1),
    }
    if option in small:
        good = small[option].map(str)
        return good if clean else st.one_of(good, st.sampled_from(BAD_NUMBERS))
    words = {
        "--dataset": ["moons", "circles", "xor", "parity", "blobs", "iris", "circle", "ad_hoc"],
        "--model": ["vqc", "kernel"],
        "--encoding": ["angle", "zz", "iqp", "amplitude"],
        "--ansatz": ["hardware_efficient", "real_amplitudes", "efficient_su2"],
        "--features": ["pca", "raw", "dense", "layerwise"],
        "--optimizer": ["adam", "sgd", "spsa", "L-BFGS-B", "COBYLA"],
        "--backend": ["qml"],
        "--noise": ["depolarizing=0.01", "readout=0.05", "depolarizing=2", "nonsense", ""],
        "--lr": ["0.05", "1e300", "0", "-1", "nan", "x"],
        "--data-noise": ["0", "0.1", "1e308", "-1", "nan"],
        "--test-size": ["0.3", "0.5", "1", "0", "2", "nan"],
        "--target": ["label", "a", "nope", ""],
        "--csv": [v for k, v in files.items() if k.endswith(".csv")] + [files["missing"], ""],
        "--load": [files[k] for k in ("vqc.json", "kernel.json", "corrupt.json", "deep.json",
                                      "foreign.json", "missing", "folder", "good.csv")],
        "--out": [files["out"], files["taken"], files["folder"], "", "/dev/null/x"],
    }  # fmt: skip
    if clean:  # the first values of each list work
        usable = {"--noise": 2, "--lr": 1, "--data-noise": 2, "--test-size": 2, "--target": 1,
                  "--csv": 1, "--load": 2, "--out": 1}  # fmt: skip
        return st.sampled_from(words[option][: usable.get(option, len(words[option]))])
    if option in ("--csv", "--load", "--out"):  # other names stay inside the test's folder
        other = st.text(max_size=6).map(lambda name: str(Path(files["folder"]) / _safe(name)))
        return st.one_of(st.sampled_from(words[option]), other)
    return st.one_of(st.sampled_from(words.get(option, ["x"])), st.text(max_size=6))


FLAGS = [
    "--dataset", "--samples", "--data-noise", "--csv", "--target", "--test-size", "--seed",
    "--model", "--qubits", "--layers", "--encoding", "--ansatz", "--features", "--epochs",
    "--batch-size", "--lr", "--optimizer", "--out", "--load", "--backend", "--shots", "--noise",
]  # fmt: skip
SWITCHES = ["--quiet", "--train-noise", "--bogus", "-x", "stray", "--dataset=moons", "--version"]


@st.composite
def command_lines(draw, files: dict[str, str]) -> tuple[list[str], bool]:
    """``(argv, refused)``: ``refused`` when the parser must reject a drawn value."""
    argv = ["--samples", "30", "--epochs", "1", "--quiet", "--qubits", "2"]
    bad_value = unknown = False  # a bad value stops the parser at once, unknown words at the end
    clean = draw(st.booleans())  # half the command lines only hold values meant to work
    for _ in range(draw(st.integers(0, 4))):
        if not clean and draw(st.integers(0, 5)) == 0:
            switch = draw(st.sampled_from(SWITCHES))
            argv.append(switch)
            if switch == "--version":
                return argv, bad_value  # prints and stops: later words are never judged
            unknown |= switch in ("--bogus", "-x", "stray")
            continue
        flag = draw(st.sampled_from(FLAGS))
        value = draw(values_for(flag, files, clean))
        argv += [flag, value]
        bad_value |= flag in RANGES and not _in_range(value, *RANGES[flag])
    return argv, bad_value or unknown


@FUZZ
@given(data=st.data())
def test_random_command_lines_exit_0_1_or_2_with_one_error_line(files, data):
    argv, refused = data.draw(command_lines(files))
    code, out, err = run(argv)
    event(f"exit {code}")
    assert code in (0, 1, 2), (argv, code, err)
    assert "Traceback" not in err and "Traceback" not in out
    if code:
        lines = [line for line in err.splitlines() if line.startswith("qml.train: error: ")]
        assert len(lines) == 1, (argv, err)
    if refused:
        assert code == 2, (argv, code, err)


@pytest.mark.parametrize(
    "argv",
    [
        ["--seed", "99999999999"],
        ["--seed", "-1"],
        ["--samples", "0"],
        ["--samples", "10000000000000"],
        ["--qubits", "200"],
        ["--layers", "200000"],
        ["--epochs", "1000000000000"],
        ["--shots", "10000000000000000000000"],
        ["--lr", "inf"],
        ["--data-noise", "1e308"],
        ["--test-size", "nan"],
        ["--out", ""],
        ["--csv", "a\0b", "--target", "y"],
    ],
    ids=lambda argv: " ".join(argv)[:30],
)
def test_an_option_out_of_range_exits_2_before_anything_runs(argv: list[str]) -> None:
    code, out, err = run(argv)
    assert code == 2 and out == ""
    assert err.startswith("qml.train: error: ") and len(err.strip().splitlines()) == 1


def test_labels_too_large_for_integers_are_read_as_text(files: dict[str, str]) -> None:
    code, out, err = run(["--csv", files["labels.csv"], "--target", "label", "--epochs", "1",
                          "--quiet", "--qubits", "2"])  # fmt: skip
    assert code == 0, err
    assert "2 classes" in out


def test_a_nan_label_is_a_missing_value_naming_the_line(files: dict[str, str]) -> None:
    code, out, err = run(["--csv", files["nan.csv"], "--target", "label"])
    assert code == 1 and out == ""
    assert "line 2" in err and "missing value" in err


def test_features_of_any_finite_size_train(files: dict[str, str]) -> None:
    code, out, err = run(["--csv", files["huge.csv"], "--target", "label", "--epochs", "1",
                          "--quiet", "--qubits", "2"])  # fmt: skip
    assert code == 0, err
    assert Path(files["huge.csv"]).name in out


def test_a_diverging_training_names_the_flag_to_change() -> None:
    code, _, err = run(["--samples", "30", "--epochs", "1", "--quiet", "--qubits", "2",
                          "--lr", "1e300"])  # fmt: skip
    assert code == 1 and "training diverged" in err and "lower --lr" in err
    assert "learning_rate" not in err


def test_a_data_set_option_out_of_its_range_exits_2_naming_the_flag() -> None:
    code, out, err = run(["--dataset", "ad_hoc", "--samples", "1"])
    assert code == 2 and out == ""
    assert "--dataset ad_hoc: --samples must be >= 2, got 1" in err


def test_a_plane_wider_than_float64_skips_the_boundary_plot(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("a,b,label\n" + "".join(f"{(i % 7 - 3) * 5e307},{i % 3},{i % 2}\n"
                                           for i in range(30)))  # fmt: skip
    code, out, err = run(["--csv", str(path), "--target", "label", "--epochs", "1", "--quiet",
                          "--qubits", "2", "--out", str(tmp_path / "out")])  # fmt: skip
    assert code == 0, err
    assert "decision_boundary.png skipped" in out and (tmp_path / "out" / "model.json").exists()


def test_loading_deeply_nested_json_is_one_error_line(files: dict[str, str]) -> None:
    code, out, err = run(["--load", files["deep.json"]])
    assert code == 1 and out == ""
    assert err.startswith("qml.train: error: ") and "nests JSON too deeply" in err
