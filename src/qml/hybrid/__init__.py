"""Hybrid models: classical features feeding trained quantum circuits, and toy data sets."""
