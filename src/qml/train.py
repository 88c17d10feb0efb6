"""``python -m qml.train``: train and evaluate a hybrid quantum classifier."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m qml.train``."""
    print("qml.train: the hybrid classifier has not landed yet; this command will train it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
