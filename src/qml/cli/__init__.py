"""The command line ``python -m qml.train``: options, data, report, and the run.

* :mod:`qml.cli.options`: the parser, its defaults and the checks of option combinations;
* :mod:`qml.cli.data`: built-in data sets and CSV files, the split, model/data compatibility;
* :mod:`qml.cli.report`: the model's description, cross-checks, ``--out`` files and plots;
* :mod:`qml.cli.main`: ``main(argv)``, the run itself.

``src/qml/train.py`` is the entry point (``python -m qml.train``) and re-exports
the names scripts used from it.
"""

from qml.cli.main import main

__all__ = ["main"]
