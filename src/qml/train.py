"""``python -m qml.train``: train and evaluate a hybrid quantum classifier.

With no arguments it trains the default ``QuantumClassifier`` (4 qubits, 3
layers) on the moons data set, 70/30 stratified split, seed 0, showing a
progress bar, and prints train and test accuracy. Options choose the data (a
built-in data set or the user's own CSV file), the model (variational
classifier or quantum-kernel SVM) and its training, write a model file,
metrics and plots (``--out``), evaluate a saved model (``--load``), and
cross-check the test accuracy on qiskit-aer, from shots, or under a noise model.

Results go to stdout, the progress bar to stderr. A mistake prints one line
``qml.train: error: ...`` on stderr (no traceback) and sets the exit status:

* 2: the command line is wrong (an unknown option or name, a bad number,
  options that do not go together); the message lists the valid choices.
  These are :class:`qml.errors.OptionError`.
* 1: the command line is fine but the run failed: unusable data (a CSV file
  with a missing target column or non-numeric features), a model file that is
  corrupted or was trained on other data, an ``--out`` folder that cannot be
  written, a backend that is not available. These are the other
  :class:`qml.QmlError` subclasses.

This module is the entry point only; the command line lives in :mod:`qml.cli`
(options, data, report). ``main(argv)`` returns the exit status instead of
exiting, so tests and scripts can call it in-process.
"""

from __future__ import annotations

import sys

from qml.cli.data import Data, check_compatible, load_data, read_csv, split
from qml.cli.main import load_model, main, make_model, run
from qml.cli.options import build_parser, check_options
from qml.cli.report import (
    describe_model,
    plot_decision_boundary,
    plot_training,
    readout_accuracy,
    write_outputs,
)
from qml.noise import noise_model, parse_noise

__all__ = [
    "Data",
    "build_parser",
    "check_compatible",
    "check_options",
    "describe_model",
    "load_data",
    "load_model",
    "main",
    "make_model",
    "noise_model",
    "parse_noise",
    "plot_decision_boundary",
    "plot_training",
    "read_csv",
    "readout_accuracy",
    "run",
    "split",
    "write_outputs",
]

if __name__ == "__main__":
    sys.exit(main())
