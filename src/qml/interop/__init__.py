"""qml under other frameworks; each submodule imports its framework only when it is imported.

``qml.interop.torch`` holds :class:`~qml.interop.torch.QuantumLayer`, a PyTorch module
(install with ``pip install "qml[torch]"``).
"""
