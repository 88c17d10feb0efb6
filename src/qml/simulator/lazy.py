"""Lazy (Dask) arrays on the batch axis: results computed block by block, where the rows live.

Every batched entry point (``qml.simulate``, ``qml.expectation``, ``qml.probabilities``,
``qml.gradient``, ``qml.vjp``, ``QuantumKernel``, the estimators' ``predict`` family)
hands a lazy array of rows to this module and returns a lazy array: nothing runs until
the caller computes it (``.compute()``, ``.persist()``), and then each block of rows is
one task on whatever scheduler is active (the workers of a ``dask.distributed.Client``
when one exists, threads otherwise).

This module never imports dask (only ``qml.interop`` may): a lazy array is recognised by
its type's attributes (``map_blocks``, ``chunks``, ``dask``, ``compute``), and everything
is done through the array's own methods (``rechunk``, ``map_blocks``, ``@``, ``sum``,
``persist``, ``compute``).

Blocks are sized by qml's memory guard, not by the caller's chunks: a block of rows
holds at most ``BLOCK_BYTES`` (or an eighth of the memory available here, if less) of
states and working copies, and at least ``MIN_BLOCK_ROWS`` rows so that a task's own
cost (a millisecond or so) stays small beside its simulations; within those bounds a
batch is cut into about ``TARGET_BLOCKS`` blocks so that every worker gets several.
On the worker, the simulator checks each block against that machine's memory again
before allocating (``qml.simulator.check_fits``).

Every call is checked at once, on the client, by running it on one row of ones: a wrong
shape, an unbound parameter or an unknown option raises here, as for a numpy array,
rather than later inside a worker; that row also tells the shape and dtype of a block's
result.

Random draws (``shots`` with a ``seed``): each block draws from its own stream, spawned
from ``seed`` and the block's index (``numpy.random.SeedSequence``), so a result is
reproducible for a given seed and block layout but is not the draw a numpy array of the
same rows would give.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from qml.errors import QmlTypeError, ShapeError
from qml.simulator import memory

#: Largest working set of one block, in bytes (dask's own default chunk size).
BLOCK_BYTES = 128 << 20
#: Fewest rows in a block (unless memory allows fewer): a task costs about a millisecond.
MIN_BLOCK_ROWS = 1024
#: Blocks a batch is cut into when memory allows: several per worker, for balance.
TARGET_BLOCKS = 32
#: Working copies of a state per row: the state and the engine's workspace.
STATE_COPIES = 3

__all__ = [
    "BLOCK_BYTES",
    "MIN_BLOCK_ROWS",
    "STATE_COPIES",
    "TARGET_BLOCKS",
    "PartitionedRows",
    "block_budget",
    "block_rows",
    "by_rows",
    "expectation",
    "fidelities",
    "gathered_gram",
    "gradient",
    "gram_rows",
    "is_lazy",
    "map_rows",
    "probabilities",
    "rows_like",
    "simulate",
    "state_bytes",
    "vjp",
]


def is_lazy(value: Any) -> bool:
    """True for a Dask array (or anything with its interface), without importing dask.

    The attributes are looked up on the type: on a dask array, ``.dask`` builds the
    task graph, which a check must not pay for.
    """
    kind = type(value)
    return all(hasattr(kind, name) for name in ("map_blocks", "chunks", "dask", "compute"))


# -- block sizes ---------------------------------------------------------------------------
def block_budget() -> int:
    """Bytes one block may use: ``BLOCK_BYTES``, or an eighth of the memory available here.

    An eighth leaves room for the blocks a worker holds at once (inputs, results, the
    task running) and for the other workers of the same machine.
    """
    return int(min(BLOCK_BYTES, memory.available_memory() // 8))


def block_rows(n_rows: int, row_bytes: float) -> int:
    """Rows per block for ``n_rows`` rows that each need ``row_bytes`` while computed.

    About ``n_rows / TARGET_BLOCKS``, at least ``MIN_BLOCK_ROWS``, at most what fits
    ``block_budget()``, and never more than ``n_rows`` (nor fewer than 1).
    """
    fits = max(1, int(block_budget() // max(row_bytes, 1)))
    wanted = max(MIN_BLOCK_ROWS, math.ceil(n_rows / TARGET_BLOCKS))
    return max(1, min(fits, wanted, max(n_rows, 1)))


def state_bytes(num_qubits: int, noise: Any = None, itemsize: int = 16) -> int:
    """Bytes of one state of ``num_qubits`` (a density matrix under ``noise``)."""
    return itemsize << (num_qubits * (1 if noise is None else 2))


def _check_rows(data: Any) -> None:
    """Refuse a lazy array that is not 2-D or whose row counts are unknown."""
    if data.ndim != 2:
        raise ShapeError(
            f"expected a lazy array of rows, shape (B, n) (or (n,) for one row), got shape "
            f"{data.shape}"
        )
    if any(math.isnan(size) for size in data.chunks[0]):
        raise ShapeError(
            "the lazy array's blocks have unknown numbers of rows (it comes from a filter "
            "or a data frame); call x.compute_chunk_sizes() on it first"
        )


def by_rows(data: Any, rows: int | tuple[int, ...]) -> Any:
    """``data`` in blocks of ``rows`` rows (or those exact row chunks), all columns in each."""
    return data.rechunk({0: rows, **{axis: -1 for axis in range(1, data.ndim)}})


def _starts(chunks: Sequence[int]) -> np.ndarray:
    """The first row of every block, and the total at the end: ``(n_blocks + 1,)``."""
    return np.concatenate([[0], np.cumsum(chunks, dtype=np.int64)])


# -- mapping a function over blocks of rows ------------------------------------------------
def _entropy(seed: Any) -> int:
    """An integer from a user's seed (int, SeedSequence or Generator) to spawn streams from."""
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**63))
    if isinstance(seed, np.random.SeedSequence):
        return int(seed.generate_state(2, np.uint64)[0])
    return int(np.random.SeedSequence(seed).generate_state(2, np.uint64)[0])


def _run_block(
    block: Any,
    *others: Any,
    function: Callable[..., Any],
    args: tuple,
    kwargs: dict[str, Any],
    entropy: int | None,
    block_id: tuple[int, ...] = (0,),
) -> np.ndarray:
    """One task: ``function(*args, block, *others, **kwargs)`` on a block of rows."""
    if entropy is not None:  # shots: every block draws from its own stream
        kwargs = {**kwargs, "seed": np.random.default_rng([entropy, block_id[0]])}
    return np.asarray(function(*args, block, *others, **kwargs))


def map_rows(
    function: Callable[..., Any],
    data: Any,
    *,
    others: Sequence[Any] = (),
    args: tuple = (),
    kwargs: dict[str, Any] | None = None,
    row_bytes: float,
) -> Any:
    """``function(*args, rows, *others, **kwargs)`` for every block of rows of lazy ``data``.

    Parameters
    ----------
    function : callable
        Takes a numpy block of rows ``(b, n)`` and returns an array whose first axis has
        ``b`` entries; it runs on the workers, so it must pickle (a module-level function
        or a bound method of a picklable object).
    data : lazy array of shape ``(B, n)``, or ``(n,)`` for one row
    others : lazy arrays of shape ``(B, m)``
        Further row-aligned inputs: each block gets the same rows of them.
    args, kwargs : positional arguments before the rows, keyword arguments. A ``seed``
        (with ``shots``) becomes one independent stream per block.
    row_bytes : float
        Memory one row needs while computed, which sizes the blocks.

    Returns
    -------
    lazy array of shape ``(B, *tail)`` (``tail``: a block's result without its first axis),
    or ``tail`` for one row.
    """
    kwargs = dict(kwargs or {})
    single = data.ndim == 1
    if single:
        data = data.reshape(1, -1)
        others = [other.reshape(1, -1) if other.ndim <= 1 else other for other in others]
    _check_rows(data)
    entropy = _entropy(kwargs.pop("seed")) if kwargs.get("seed") is not None else None
    # one row of ones on the client: every argument error surfaces here, and the row
    # says what a block returns
    probe_kwargs = {**kwargs, "seed": 0} if entropy is not None else kwargs
    probe = np.asarray(
        function(*args, np.ones((1, data.shape[1])),
                 *(np.ones((1, *other.shape[1:])) for other in others), **probe_kwargs)
    )  # fmt: skip
    if probe.ndim == 0 or probe.shape[0] != 1:
        raise ShapeError(f"{function!r} must return one entry per row; on one row it "
                         f"returned shape {probe.shape}")  # fmt: skip
    tail, dtype = probe.shape[1:], probe.dtype
    data = by_rows(data, block_rows(data.shape[0], row_bytes + probe.nbytes))
    aligned = []
    for other in others:
        _check_rows(other)
        if other.shape[0] != data.shape[0]:
            raise ShapeError(f"row-aligned inputs need the same number of rows: {data.shape[0]} "
                             f"and {other.shape[0]}")  # fmt: skip
        aligned.append(by_rows(other, data.chunks[0]))
    chunks = (data.chunks[0], *((size,) for size in tail))
    layout: dict[str, Any] = {}
    if len(tail) == 0:
        layout["drop_axis"] = 1
    elif len(tail) > 1:
        layout["new_axis"] = list(range(2, 1 + len(tail)))
    name = getattr(function, "__name__", "rows").lstrip("_")
    out = data.map_blocks(
        _run_block, *aligned, function=function, args=args, kwargs=kwargs, entropy=entropy,
        dtype=dtype, chunks=chunks, meta=np.empty((0,) * len(chunks), dtype=dtype),
        token=f"qml-{name}", **layout,
    )  # fmt: skip
    return out[0] if single else out


def _take_rows(block: Any, array: np.ndarray, starts: np.ndarray,
               block_id: tuple[int, ...] = (0,)) -> np.ndarray:  # fmt: skip
    """The rows of a client-side ``array`` that match the rows of ``block``."""
    return array[starts[block_id[0]] : starts[block_id[0] + 1]]


def rows_like(array: np.ndarray, template: Any) -> Any:
    """A numpy array of rows as a lazy array with ``template``'s row blocks (2-D)."""
    array = np.asarray(array)
    array = array.reshape(len(array), -1)
    template = by_rows(template, template.chunks[0])
    return template.map_blocks(
        _take_rows, array, _starts(template.chunks[0]), dtype=array.dtype,
        chunks=(template.chunks[0], (array.shape[1],)), meta=np.empty((0, 0), array.dtype),
    )  # fmt: skip


# -- the simulator's entry points ----------------------------------------------------------
def simulate(circuit: Any, params: Any, *, dtype: Any) -> Any:
    """``qml.simulate`` on lazy ``params``: a lazy ``(B, 2**n)`` array of states."""
    from qml.simulator.statevector import simulate as run

    size = state_bytes(circuit.num_qubits, itemsize=np.dtype(dtype).itemsize)
    return map_rows(run, params, args=(circuit,), kwargs={"dtype": dtype},
                    row_bytes=STATE_COPIES * size)  # fmt: skip


def expectation(circuit: Any, observable: Any, params: Any, **options: Any) -> Any:
    """``qml.expectation`` on lazy ``params``: a lazy ``(B,)`` or ``(B, n_obs)`` array."""
    from qml.simulator.measure import expectation as run

    size = state_bytes(circuit.num_qubits, options.get("noise"))
    return map_rows(run, params, args=(circuit, observable), kwargs=options,
                    row_bytes=(STATE_COPIES + 1) * size)  # fmt: skip


def probabilities(circuit: Any, qubits: Any, params: Any, **options: Any) -> Any:
    """``qml.probabilities`` on lazy ``params``: a lazy ``(B, 2**k)`` array."""
    from qml.simulator.measure import probabilities as run

    size = state_bytes(circuit.num_qubits, options.get("noise"))
    return map_rows(run, params, args=(circuit, qubits), kwargs=options,
                    row_bytes=(STATE_COPIES + 1) * size)  # fmt: skip


def _gradient_copies(method: Any, num_params: int) -> int:
    """States per row a gradient holds: finite differences shift every parameter both ways."""
    return 2 * num_params + 2 if method == "finite-diff" else STATE_COPIES + 1


def gradient(circuit: Any, observable: Any, params: Any, **options: Any) -> Any:
    """``qml.gradient`` on lazy ``params``: a lazy ``(B, n_params)`` or ``(B, K, n_params)``."""
    from qml.simulator.gradients import gradient as run

    size = state_bytes(circuit.num_qubits, options.get("noise"))
    copies = _gradient_copies(options.get("method"), circuit.num_parameters)
    return map_rows(run, params, args=(circuit, observable), kwargs=options,
                    row_bytes=copies * size)  # fmt: skip


def _vjp_values(run: Callable[..., Any], circuit: Any, observables: Any, rows: np.ndarray,
                **options: Any) -> np.ndarray:  # fmt: skip
    """The values ``qml.vjp`` returns for a block of rows."""
    return run(circuit, observables, rows, **options)[0]


def _vjp_pullback(
    run: Callable[..., Any], circuit: Any, observables: Any, rows: np.ndarray,
    weights: np.ndarray, *, shape: tuple[int, ...], **options: Any,
) -> np.ndarray:  # fmt: skip
    """``dL/dparams`` of a block of rows for its rows of ``dL/dvalues``."""
    return run(circuit, observables, rows, **options)[1](weights.reshape(len(rows), *shape))


def vjp(circuit: Any, observables: Any, params: Any, **options: Any) -> tuple[Any, Callable]:
    """``qml.vjp`` on lazy ``params``: lazy values, and a pullback that returns lazy gradients.

    The pullback takes ``dL/dvalues`` as a lazy or a numpy array shaped like the values,
    and recomputes each block's forward pass where the block lives (nothing is kept
    between the two calls).
    """
    from qml.simulator.gradients import vjp as run

    size = state_bytes(circuit.num_qubits, options.get("noise"))
    row_bytes = (STATE_COPIES + 1) * size
    values = map_rows(_vjp_values, params, args=(run, circuit, observables), kwargs=options,
                      row_bytes=row_bytes)  # fmt: skip
    single = params.ndim == 1
    rows = params.reshape(1, -1) if single else params
    shape = tuple(values.shape[0 if single else 1 :])

    def pullback(grad_outputs: Any) -> Any:
        if tuple(grad_outputs.shape) != tuple(values.shape):
            raise ShapeError(f"grad_outputs must have the shape of the values, {values.shape}; "
                             f"got {tuple(grad_outputs.shape)}")  # fmt: skip
        weights = (grad_outputs.reshape(rows.shape[0], -1) if is_lazy(grad_outputs)
                   else rows_like(np.asarray(grad_outputs, dtype=np.float64), rows))  # fmt: skip
        grads = map_rows(_vjp_pullback, rows, others=[weights],
                         args=(run, circuit, observables),
                         kwargs={**options, "shape": shape}, row_bytes=row_bytes)  # fmt: skip
        return grads[0] if single else grads

    return values, pullback


# -- Gram matrices of states -----------------------------------------------------------------
def _squared_modulus(block: np.ndarray) -> np.ndarray:
    modulus = np.abs(block)
    return np.square(modulus, out=modulus)


def gram_rows(n_left: int, n_right: int) -> int:
    """Rows per side of a Gram block: ``b * b`` entries and their complex product fit the budget.

    A block holds the complex product (16 bytes an entry) and its squared modulus (8);
    within that, about ``TARGET_BLOCKS`` blocks in all.
    """
    fits = max(1, math.isqrt(block_budget() // 32))
    wanted = max(MIN_BLOCK_ROWS, math.ceil(math.sqrt(n_left * n_right / TARGET_BLOCKS)))
    return min(fits, wanted)


def fidelities(left: Any, right: Any) -> Any:
    """``|<l_i|r_j>|**2`` for the rows of two state matrices, one of them lazy: lazy ``(N, M)``.

    The states are computed once per block of rows; every block of the result is one
    matrix product of a block of ``left`` with a block of ``right`` (``b * b * 2**n``
    multiply-adds), never one circuit per pair.
    """
    rows = gram_rows(len(left), len(right))
    left = by_rows(left, rows) if is_lazy(left) else np.asarray(left)
    right = by_rows(right, rows) if is_lazy(right) else np.asarray(right)
    with warnings.catch_warnings():
        # blocks of rows times blocks of rows: the outer product of blocks is the point
        warnings.filterwarnings("ignore", message="Increasing number of chunks")
        product = left.conj() @ right.T
    return product.map_blocks(_squared_modulus, dtype=np.float64,
                              meta=np.empty((0, 0), np.float64))  # fmt: skip


def gathered_gram(states: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(states, Gram matrix)`` as numpy arrays, from lazy states.

    The states are computed once and kept where they are (``persist``), the Gram
    matrix's blocks are computed there, then both are brought here.
    """
    states = states.persist()
    gram = fidelities(states, states).compute()
    return np.asarray(states.compute()), np.asarray(gram)


# -- sums over rows that stay where they are ------------------------------------------------
def _with_labels(block: np.ndarray, labels: np.ndarray, starts: np.ndarray,
                 block_id: tuple[int, ...] = (0,)) -> np.ndarray:  # fmt: skip
    """``block`` with its rows' ``labels`` as one more column."""
    own = labels[starts[block_id[0]] : starts[block_id[0] + 1]]
    return np.hstack([block, own.reshape(-1, 1).astype(block.dtype)])


def _block_total(
    block: np.ndarray,
    function: Callable[..., np.ndarray],
    rows: np.ndarray | None,
    starts: np.ndarray,
    length: int,
    args: tuple,
    block_id: tuple[int, ...] = (0,),
) -> np.ndarray:
    """One block's share of a total: ``function`` on the chosen rows it holds, or zeros."""
    start, stop = starts[block_id[0]], starts[block_id[0] + 1]
    if rows is None:
        local, positions = slice(None), np.arange(start, stop)
    else:
        positions = np.flatnonzero((rows >= start) & (rows < stop))
        local = rows[positions] - start
    if len(positions) == 0:
        return np.zeros((1, length))
    return np.asarray(function(block[local], positions, int(start), *args),
                      dtype=np.float64).reshape(1, length)  # fmt: skip


class PartitionedRows:
    """Rows of a lazy array kept where they live, and sums over chosen rows computed there.

    ``PartitionedRows(data, labels, row_bytes)`` cuts ``data`` ``(N, F)`` into blocks
    (sized as ``map_rows`` does), appends ``labels`` ``(N,)`` as a last column, and
    keeps the blocks on the workers (``persist``). ``rows[indices]`` selects rows (a
    view: nothing moves). ``total(function, length, *args)`` returns, as numpy,
    ``sum over blocks of function(block_rows, positions, start, *args)``: each block
    evaluates ``function`` on the selected rows it holds (``positions``: where they
    stand in the selection; ``start``: the block's first row), and the flat results of
    length ``length`` are summed by a tree reduction on the workers. One ``total`` is one
    round trip from here to the workers and back.
    """

    def __init__(self, data: Any, labels: np.ndarray, row_bytes: float,
                 *, _rows: np.ndarray | None = None) -> None:  # fmt: skip
        if _rows is not None:  # a selection of an existing partitioning
            self.data, self.rows = data, _rows
            self.starts = _starts(data.chunks[0])
            return
        if not is_lazy(data):
            raise QmlTypeError(f"PartitionedRows needs a lazy array, got {type(data).__name__}")
        _check_rows(data)
        data = by_rows(data, block_rows(data.shape[0], row_bytes))
        self.starts = _starts(data.chunks[0])
        width = data.shape[1] + 1
        self.data = data.map_blocks(
            _with_labels, np.asarray(labels), self.starts, dtype=data.dtype,
            chunks=(data.chunks[0], (width,)), meta=np.empty((0, 0), data.dtype),
        ).persist()  # fmt: skip
        self.rows = None

    def __len__(self) -> int:
        return int(self.starts[-1]) if self.rows is None else len(self.rows)

    def __getitem__(self, indices: Any) -> PartitionedRows:
        if isinstance(indices, slice):
            indices = np.arange(len(self))[indices]
        indices = np.asarray(indices)
        if indices.dtype == bool:
            indices = np.flatnonzero(indices)
        selected = indices if self.rows is None else self.rows[indices]
        return PartitionedRows(self.data, np.empty(0), 0.0, _rows=selected.astype(np.int64))

    def total(self, function: Callable[..., np.ndarray], length: int, *args: Any) -> np.ndarray:
        """The sum over blocks of ``function(rows, positions, start, *args)``: ``(length,)``."""
        rows = self.rows
        if rows is not None and len(rows) == self.starts[-1] and np.all(np.diff(rows) == 1):
            rows = None  # every row in order: say so instead of shipping the indices
        n_blocks = len(self.starts) - 1
        parts = self.data.map_blocks(
            _block_total, function, rows, self.starts, length, args, dtype=np.float64,
            chunks=((1,) * n_blocks, (length,)), meta=np.empty((0, 0), np.float64),
        )  # fmt: skip
        return np.asarray(parts.sum(axis=0).compute())
