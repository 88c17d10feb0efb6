"""Dask: qml's batches, kernels, predictions and training on a cluster.

qml's batched entry points take a Dask array on their batch axis and return a lazy Dask
array; nothing in them imports dask (:mod:`qml.simulator.lazy` works through the array's
own methods), so they run on whatever scheduler is active: the workers of a
``dask.distributed.Client`` when one exists, threads otherwise::

    import dask.array as da
    from dask.distributed import Client
    from qml.interop.dask import local_cluster

    with local_cluster(n_workers=2) as cluster, Client(cluster):
        X = da.from_array(features, chunks=10_000)
        labels = clf.predict(X).compute()           # one task per block of rows
        gram = QuantumKernel(6, "zz")(X).persist()  # Gram blocks stay on the workers

What runs where:

* ``qml.simulate``, ``qml.expectation``, ``qml.probabilities``, ``qml.gradient``,
  ``qml.vjp``: one task per block of parameter rows.
* ``QuantumKernel.states`` and ``QuantumKernel(X, Y)``: each block's states once, then
  one matrix product per block of the Gram matrix.
* The estimators' ``predict``, ``predict_proba``, ``decision_function``, ``readout``,
  ``readout_params``: one task per block of rows, on a copy of the fitted estimator.
* ``QuantumClassifier.fit``: data-parallel; every step's loss and gradient are summed
  over the blocks by a tree reduction, the optimizer steps on the client.
* ``GridSearchCV`` over ``joblib.parallel_backend("dask")``: the estimators pickle and
  keep no global state, so whole fits run on the workers.

This module adds what needs dask itself: :func:`local_cluster` (a ``LocalCluster``
whose worker processes pin qml's and BLAS's threads) and :func:`worker_memory`.
Install with ``pip install "qml[dask]"``; importing this module without dask raises
:class:`~qml.errors.MissingDependencyError`.
"""

from __future__ import annotations

from typing import Any

from qml.errors import MissingDependencyError, QmlValueError

try:
    import dask
    import distributed
except ImportError as error:  # pragma: no cover - exercised only where dask is missing
    raise MissingDependencyError(
        "qml.interop.dask needs dask and dask.distributed, which are not installed: "
        'pip install "qml[dask]"'
    ) from error

__all__ = ["local_cluster", "worker_memory"]

#: Environment variables that size a library's thread pool when the library loads.
THREAD_VARIABLES = ("QML_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "MKL_NUM_THREADS")  # fmt: skip
#: glibc's allocator settings for the workers, read when a process starts. dask sets
#: MALLOC_TRIM_THRESHOLD_=65536, which also turns off glibc's adaptive mmap threshold: then
#: every array above 128 KiB is a fresh mmap, page-faulted in and returned on free. A
#: block of qml rows allocates and frees arrays of a few MiB many times (states, working
#: copies), and those page faults cost workers about 40% more CPU than one process
#: (6-qubit predictions). Arrays up to 32 MiB (glibc's largest mmap threshold) then come
#: from the heap, and up to 256 MiB of freed heap stays for the next block.
ALLOCATOR_VARIABLES = {"MALLOC_TRIM_THRESHOLD_": str(256 << 20),
                       "MALLOC_MMAP_THRESHOLD_": str(32 << 20)}  # fmt: skip


def local_cluster(
    n_workers: int = 2, threads_per_worker: int = 1, **options: Any
) -> distributed.LocalCluster:
    """A ``dask.distributed.LocalCluster`` of worker processes, each with pinned threads.

    Every worker runs ``threads_per_worker`` tasks at once, and qml's simulator and
    BLAS use one thread per task (``QML_NUM_THREADS=1``, ``OMP_NUM_THREADS=1`` and
    the like in the workers' environment): without that, each task would start as many
    threads as the machine has cores, and ``n_workers`` processes would fight over them.
    The workers' allocator keeps freed arrays of up to 32 MiB for reuse
    (``ALLOCATOR_VARIABLES``) instead of dask's setting, which returns each one to the
    operating system and page-faults it in again for the next block.

    Parameters
    ----------
    n_workers : int
        Worker processes (one per core is the usual choice).
    threads_per_worker : int
        Tasks each worker runs at once.
    **options
        Passed to ``LocalCluster`` (``memory_limit``, ``dashboard_address``, ...). The
        dashboard is off unless ``dashboard_address`` is given, which saves a second at
        start-up.

    Returns
    -------
    distributed.LocalCluster
        Started; use it as a context manager or call ``close()``. Connect with
        ``distributed.Client(cluster)``.
    """
    for name, value in (("n_workers", n_workers), ("threads_per_worker", threads_per_worker)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise QmlValueError(f"{name} must be a positive integer, got {value!r}")
    env = {**dict.fromkeys(THREAD_VARIABLES, "1"), **options.pop("env", {})}
    options.setdefault("dashboard_address", None)
    # read by each worker's nanny when it is made, and set before its process starts
    key = "distributed.nanny.pre-spawn-environ"
    with dask.config.set({key: {**dask.config.get(key), **ALLOCATOR_VARIABLES}}):
        return distributed.LocalCluster(
            n_workers=n_workers, threads_per_worker=threads_per_worker, processes=True,
            env=env, **options,
        )  # fmt: skip


def worker_memory(client: distributed.Client | None = None) -> int | None:
    """The smallest memory limit of ``client``'s workers, in bytes (None: no limit or client).

    ``client`` defaults to the active ``Client`` (``distributed.get_client``). This is
    what a block of rows may use on the smallest worker; qml sizes blocks from the
    memory of the machine that builds the task graph (see :mod:`qml.simulator.lazy`),
    which on a remote cluster of smaller machines this tells apart.
    """
    if client is None:
        try:
            client = distributed.get_client()
        except ValueError:  # no client in this process
            return None
    limits = [worker.get("memory_limit") or 0
              for worker in client.scheduler_info()["workers"].values()]  # fmt: skip
    limits = [limit for limit in limits if limit > 0]
    return min(limits) if limits else None
