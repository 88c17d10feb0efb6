"""PennyLane's own device test suite (``pl-device-test``) on ``"qml.qubit"``.

The suite ships with PennyLane (``pennylane/devices/tests``); this test runs it
twice, analytic and with 10,000 shots, in two subprocesses side by side, as
``pl-device-test --device qml.qubit [--shots 10000]`` does (``--skip-ops``: a test
of an operation or measurement the device declares unsupported is skipped, not
failed). Both runs must pass; their counts are printed (``pytest -s`` shows them).
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

qp = pytest.importorskip("pennylane", reason="pennylane is not installed (.[pennylane] has it)")
for needed in ("pytest_mock", "flaky"):
    pytest.importorskip(needed, reason=f"PennyLane's device tests need {needed} (.[test] has it)")

from pennylane.devices.tests import get_device_tests  # noqa: E402

#: Seconds either run may take (each takes about 15 s on a 2-core machine).
TIMEOUT = 600


def command(shots: int | None) -> list[str]:
    """The pytest command of one run of the suite."""
    args = [sys.executable, "-m", "pytest", get_device_tests(), "--device=qml.qubit", "--skip-ops"]
    args += ["--no-flaky-report", "-q", "-p", "no:cacheprovider", "-W", "ignore"]
    return args + ([f"--shots={shots}"] if shots else [])


def counts(output: str) -> dict[str, int]:
    """``{"passed": n, "skipped": n, ...}`` from pytest's closing line."""
    last = output.strip().splitlines()[-1] if output.strip() else ""
    return {word: int(number) for number, word in re.findall(r"(\d+) (\w+)", last)}


def test_pennylane_device_suite_passes_analytic_and_with_shots(tmp_path):
    runs = {
        label: subprocess.Popen(
            command(shots),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for label, shots in (("analytic", None), ("shots=10000", 10_000))
    }
    failures = []
    for label, process in runs.items():
        output, _ = process.communicate(timeout=TIMEOUT)
        found = counts(output)
        print(f"pl-device-test --device qml.qubit ({label}): {found}")
        if process.returncode != 0 or found.get("failed") or found.get("error"):
            failures.append(f"{label} (exit {process.returncode}):\n{output[-3000:]}")
        assert found.get("passed", 0) > 300, f"{label}: too few tests ran: {found}"
    assert not failures, "\n\n".join(failures)
