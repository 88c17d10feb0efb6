"""Shared fixtures, and ``slow`` tests kept out of the default run.

Tests marked ``@pytest.mark.slow`` (longer than a few seconds each) run only with
``--run-slow`` or when selected by a marker expression (``-m slow``).
"""

from __future__ import annotations

import numpy as np
import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-slow", action="store_true", default=False, help="also run tests marked slow"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow") or "slow" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow (or -m slow)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator: each test gets the same numbers on every run."""
    return np.random.default_rng(20240531)
