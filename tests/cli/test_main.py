"""``python -m qml.train`` through ``qml.cli``: the first-run behaviours of issue 13 and the
papers' data sets and options of issue 14."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest

from qml.cli.main import main

FAST = ["--samples", "60", "--epochs", "3", "--quiet"]


def run(*args: str) -> tuple[int, str, str]:
    """``main(args)``: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def test_an_out_path_that_is_a_file_fails_before_any_training(tmp_path: Path) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder")
    code, out, err = run(*FAST, "--out", blocker)
    assert code == 1 and out == ""  # not even the data line: nothing ran
    assert "--out" in err and "is a file, not a folder" in err


def test_an_unwritable_out_folder_fails_before_any_training(tmp_path: Path) -> None:
    import os

    if os.geteuid() == 0:
        # root writes anywhere; a folder below a file cannot be created by anyone
        target = tmp_path / "file"
        target.write_text("x")
        folder = target / "sub"
    else:
        folder = tmp_path / "locked"
        folder.mkdir(mode=0o500)
    code, out, err = run(*FAST, "--out", folder)
    assert code == 1 and "trained" not in out
    assert "cannot write into the --out folder" in err


def test_out_folder_is_created_before_training(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "b"
    code, _, err = run(*FAST, "--out", folder)
    assert code == 0, err
    assert (folder / "model.json").exists()


@pytest.fixture(scope="module")
def moons_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("moons")
    code, _, err = run(*FAST, "--out", folder)
    assert code == 0, err
    return folder / "model.json"


def test_load_on_another_builtin_data_set_says_so(moons_model: Path) -> None:
    code, out, err = run("--load", moons_model, "--dataset", "xor", "--samples", "60")
    assert code == 1 and "test accuracy" not in out
    assert "trained on moons, not xor" in err and "--dataset moons" in err


def test_load_on_a_csv_with_other_feature_names_says_so(moons_model: Path, tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("height,weight,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(20)))
    code, out, err = run("--load", moons_model, "--csv", path, "--target", "label")
    assert code == 1 and "test accuracy" not in out
    assert "features feature 0, feature 1" in err and "height, weight" in err


def test_load_on_other_class_labels_says_so(tmp_path: Path) -> None:
    path = tmp_path / "pets.csv"
    path.write_text("a,b,label\n" + "".join(f"{i},{i % 5},{'cat' if i % 2 else 'dog'}\n"
                                           for i in range(30)))  # fmt: skip
    code, _, err = run("--csv", path, "--target", "label", *FAST[2:], "--out", tmp_path / "m")
    assert code == 0, err
    other = tmp_path / "birds.csv"
    other.write_text(path.read_text().replace("cat", "owl"))
    code, out, err = run("--load", tmp_path / "m" / "model.json", "--csv", other, "--target",
                         "label")  # fmt: skip
    assert code == 1 and "test accuracy" not in out
    assert "owl" in err and "cat" in err


def test_cobyla_reports_its_evaluations_against_the_budget_help_states(tmp_path: Path) -> None:
    code, out, err = run(*FAST, "--epochs", "5", "--optimizer", "COBYLA", "--out", tmp_path)
    assert code == 0, err
    match = re.search(r"trained with (\d+) objective evaluations of COBYLA \(budget 50 objective "
                      r"evaluations \(10 per epoch", out)  # fmt: skip
    assert match and int(match.group(1)) <= 50, out
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert len(metrics["history"]) == int(match.group(1))
    help_text = run("--help")[1]
    assert "COBYLA: 10 objective evaluations per epoch" in " ".join(help_text.split())


def test_ad_hoc_on_the_zz_kernel_with_raw_features() -> None:
    code, out, err = run("--dataset", "ad_hoc", "--samples", "60", "--model", "kernel",
                         "--qubits", "2", "--encoding", "zz", "--features", "raw")  # fmt: skip
    assert code == 0, err
    assert "ad_hoc: 60 samples, 2 features, 2 classes" in out
    assert re.search(r"test accuracy:\s+1\.000", out), out


def test_circle_with_layerwise_features_trains() -> None:
    code, out, err = run("--dataset", "circle", "--samples", "100", "--qubits", "1", "--layers",
                         "3", "--features", "layerwise", "--epochs", "3", "--quiet")  # fmt: skip
    assert code == 0, err
    assert "layerwise features" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--model", "kernel", "--features", "dense"], "--model kernel has no training loop"),
        (["--train-noise"], "add --noise SPEC"),
        (["--model", "kernel", "--train-noise", "--noise", "depolarizing=0.1"],
         "--train-noise does not apply to --model kernel"),
    ],
)  # fmt: skip
def test_bad_combinations_exit_2(args: list[str], needle: str) -> None:
    code, out, err = run(*args)
    assert code == 2 and out == "" and needle in err


def test_train_noise_reaches_the_model(tmp_path: Path) -> None:
    code, out, err = run("--samples", "30", "--qubits", "2", "--layers", "1", "--epochs", "1",
                         "--quiet", "--noise", "depolarizing=0.02", "--train-noise",
                         "--out", tmp_path)  # fmt: skip
    assert code == 0, err
    assert "trained under noise depolarizing=0.02" in out
    params = json.loads((tmp_path / "metrics.json").read_text())["model"]["params"]
    assert params["noise"] == "depolarizing=0.02"
