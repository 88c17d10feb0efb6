"""Compiled (numba) kernels that run a lowered ``Program`` on states in place.

A state is one row of a ``(B, 2**n)`` array in qiskit's little-endian order:
bit ``q`` of an amplitude's index is qubit ``q``. Every primitive walks a range
``[lo, hi)`` of base indices: amplitude indices with the op's qubit bits
removed, numbered densely. The same code thus serves a whole state (a thread
per group of samples) and a slice of a large state (threads over slices).

A handful of primitives cover every gate, by the bits they require set
(``on``, the controls) and the amplitudes they touch: a 2x2 matrix on a target
(complex, real, or RX-shaped), a diagonal pair, a phase on one amplitude, a
swap of two amplitudes (X, CX, CCX, SWAP, CSWAP), a dense 4x4, a dense k-qubit
matrix, and the split-table diagonal that fusion produces.

Gate matrices are built here from the slot phases ``h = exp(iθ/2)``:
``cos θ/2 = h.real``, ``sin θ/2 = h.imag``, ``exp(iθ) = h**2``, so no
trigonometry runs in the kernels. The functions release the GIL (``nogil``):
the engine runs them on a thread pool. Compiled code is cached on disk.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from qml.simulator.program import (
    K_DIAG,
    K_NOP,
    K_PARITY,
    K_PHASE,
    K_REAL,
    K_RX,
    K_SWAP,
    K_WIDE,
    OP_CCZ,
    OP_CMAT1,
    OP_CP,
    OP_CRX,
    OP_CRY,
    OP_CRZ,
    OP_CU,
    OP_CZ,
    OP_DIAG1,
    OP_DIAGSPLIT,
    OP_MAT1,
    OP_MAT2,
    OP_MATK,
    OP_NOP,
    OP_P,
    OP_RX,
    OP_RXX,
    OP_RY,
    OP_RYY,
    OP_RZ,
    OP_RZZ,
)

_JIT = {"cache": True, "fastmath": True, "nogil": True}
# helpers called only from compiled code need no Python wrapper (compiling those wrappers
# was about a tenth of the first call's compilation time)
_INNER = {**_JIT, "no_cpython_wrapper": True}
#: Amplitudes per block of rows in ``run_ops``: a block of states stays in the L2 cache.
CACHE_AMPLITUDES = 1 << 15
#: Targets from this qubit up run one-qubit ops in the vectorised block form (measured:
#: below it the per-block overhead outweighs the vector speed).
HALVES_FROM = 5
#: Ops whose lowest qubit is at least this walk runs of consecutive amplitudes.
RUNS_FROM = 2


@njit(**_INNER)
def _insert0(k, q):
    """``k`` with a zero bit inserted at position ``q``."""
    return ((k >> q) << (q + 1)) | (k & ((1 << q) - 1))


@njit(**_INNER)
def _base(k, count, s0, s1, s2):
    """Base index ``k`` with zeros inserted at the sorted positions ``s0 < s1 < s2``."""
    k = _insert0(k, s0)
    if count > 1:
        k = _insert0(k, s1)
    if count > 2:
        k = _insert0(k, s2)
    return k


# -- two-amplitude primitives -------------------------------------------------------------------
# Each walks rows ``first:last`` of a 2-D array of states (the sample loop sits inside, so
# per-op work is paid once per block of samples). Row ``r`` takes its numbers from column
# ``col + (r - first) * stride`` of ``E`` (4 x columns): ``stride`` 0 shares one column.
# (count, s0, s1, s2): the op's qubits, sorted; on: bits that must be set; t: the target.


@njit(**_INNER)
def _run(k, hi, s0):
    """Length of the run of consecutive base indices from ``k`` that stay below bit ``s0``.

    Bits below the lowest op qubit ``s0`` pass through unchanged, so base
    indices ``k .. k + run - 1`` map to consecutive amplitudes: the primitives
    insert the op's bits once per run, not once per amplitude. Below
    ``RUNS_FROM`` the runs are too short to pay for themselves: one at a time.
    """
    if s0 < RUNS_FROM:
        return 1
    low = 1 << s0
    return min(low - (k & (low - 1)), hi - k)


@njit(**_INNER)
def _pair(rows, first, last, E, col, stride, count, s0, s1, s2, on, t, lo, hi):
    tbit = 1 << t
    for r in range(first, last):
        e = col + (r - first) * stride
        m00, m01, m10, m11 = E[0, e], E[1, e], E[2, e], E[3, e]
        psi = rows[r]
        k = lo
        while k < hi:
            run = _run(k, hi, s0)
            start = _base(k, count, s0, s1, s2) | on
            for i0 in range(start, start + run):
                a, b = psi[i0], psi[i0 + tbit]
                psi[i0] = m00 * a + m01 * b
                psi[i0 + tbit] = m10 * a + m11 * b
            k += run


@njit(**_INNER)
def _pair_real(rows, first, last, E, col, stride, count, s0, s1, s2, on, t, lo, hi):
    # real matrices (RY, H) cost half the multiplications of complex ones
    tbit = 1 << t
    for r in range(first, last):
        e = col + (r - first) * stride
        r00, r01, r10, r11 = E[0, e].real, E[1, e].real, E[2, e].real, E[3, e].real
        psi = rows[r]
        k = lo
        while k < hi:
            run = _run(k, hi, s0)
            start = _base(k, count, s0, s1, s2) | on
            for i0 in range(start, start + run):
                a, b = psi[i0], psi[i0 + tbit]
                psi[i0] = r00 * a + r01 * b
                psi[i0 + tbit] = r10 * a + r11 * b
            k += run


@njit(**_INNER)
def _pair_rx(rows, first, last, E, col, stride, count, s0, s1, s2, on, t, lo, hi):
    # [[c, -is], [-is, c]]; -i*s*z is s*(z.imag - i*z.real)
    tbit = 1 << t
    for r in range(first, last):
        e = col + (r - first) * stride
        c, s = E[0, e].real, -E[1, e].imag
        psi = rows[r]
        k = lo
        while k < hi:
            run = _run(k, hi, s0)
            start = _base(k, count, s0, s1, s2) | on
            for i0 in range(start, start + run):
                a, b = psi[i0], psi[i0 + tbit]
                psi[i0] = c * a + s * complex(b.imag, -b.real)
                psi[i0 + tbit] = c * b + s * complex(a.imag, -a.real)
            k += run


@njit(**_INNER)
def _pair_diag(rows, first, last, E, col, stride, count, s0, s1, s2, on, t, lo, hi):
    tbit = 1 << t
    for r in range(first, last):
        e = col + (r - first) * stride
        d0, d1 = E[0, e], E[1, e]
        psi = rows[r]
        k = lo
        while k < hi:
            run = _run(k, hi, s0)
            start = _base(k, count, s0, s1, s2) | on
            for i0 in range(start, start + run):
                psi[i0] *= d0
                psi[i0 + tbit] *= d1
            k += run


@njit(**_INNER)
def _phase(rows, first, last, E, col, stride, count, s0, s1, s2, on, lo, hi):
    # P, CP, CZ, CCZ: only the amplitudes with every op bit set change
    for r in range(first, last):
        d = E[0, col + (r - first) * stride]
        psi = rows[r]
        k = lo
        while k < hi:
            run = _run(k, hi, s0)
            start = _base(k, count, s0, s1, s2) | on
            for i in range(start, start + run):
                psi[i] *= d
            k += run


@njit(**_INNER)
def _swap(rows, first, last, count, s0, s1, s2, on, a, b, lo, hi):
    # X, CX, CCX (a = 0, b = target bit), SWAP, CSWAP (a, b = the swapped bits)
    for r in range(first, last):
        psi = rows[r]
        k = lo
        while k < hi:
            run = _run(k, hi, s0)
            start = _base(k, count, s0, s1, s2) | on
            for i in range(start, start + run):
                x = psi[i | a]
                psi[i | a] = psi[i | b]
                psi[i | b] = x
            k += run


@njit(**_INNER)
def _parity(rows, first, last, E, col, stride, count, s0, s1, s2, pbit, qbit, lo, hi):
    # RZZ: phase by the parity of the bits pbit and qbit
    for r in range(first, last):
        e = col + (r - first) * stride
        even, odd = E[0, e], E[1, e]
        psi = rows[r]
        for k in range(lo, hi):
            i = _base(k, count, s0, s1, s2)
            psi[i] *= even
            psi[i | pbit] *= odd
            psi[i | qbit] *= odd
            psi[i | pbit | qbit] *= even


@njit(**_INNER)
def _halves(v, kind, e0, e1, e2, e3):
    """A one-qubit matrix on the pairs ``(v[j], v[j + h])``, ``h = len(v) // 2``.

    Bounds taken from the view itself let LLVM prove the halves disjoint and
    vectorise the loop; it is the fast form for targets of 2**HALVES_FROM
    amplitudes or more, where the halves are long.
    """
    h = v.shape[0] // 2
    if kind == K_REAL:
        r00, r01, r10, r11 = e0.real, e1.real, e2.real, e3.real
        for j in range(h):
            a, b = v[j], v[j + h]
            v[j] = r00 * a + r01 * b
            v[j + h] = r10 * a + r11 * b
    elif kind == K_RX:
        c, s = e0.real, -e1.imag
        for j in range(h):
            a, b = v[j], v[j + h]
            v[j] = c * a + s * complex(b.imag, -b.real)
            v[j + h] = c * b + s * complex(a.imag, -a.real)
    elif kind == K_DIAG:
        for j in range(h):
            v[j] *= e0
            v[j + h] *= e1
    else:
        for j in range(h):
            a, b = v[j], v[j + h]
            v[j] = e0 * a + e1 * b
            v[j + h] = e2 * a + e3 * b


@njit(**_INNER)
def _pair_blocks(rows, first, last, E, col, stride, kind, t, first_block, last_block):
    """Uncontrolled one-qubit ops on a long target: whole blocks through ``_halves``."""
    step = 2 << t
    for r in range(first, last):
        e = col + (r - first) * stride
        e0, e1, e2, e3 = E[0, e], E[1, e], E[2, e], E[3, e]
        psi = rows[r]
        for block in range(first_block, last_block):
            _halves(psi[block * step : (block + 1) * step], kind, e0, e1, e2, e3)


@njit(**_INNER)
def _mat2(psi, count, s0, s1, s2, p, q, m, lo, hi):
    # m: 16 entries row-major; index bit 0 is qubit p, bit 1 is qubit q
    pbit, qbit = 1 << p, 1 << q
    for k in range(lo, hi):
        i0 = _base(k, count, s0, s1, s2)
        i1, i2 = i0 | pbit, i0 | qbit
        i3 = i1 | qbit
        a0, a1, a2, a3 = psi[i0], psi[i1], psi[i2], psi[i3]
        psi[i0] = m[0] * a0 + m[1] * a1 + m[2] * a2 + m[3] * a3
        psi[i1] = m[4] * a0 + m[5] * a1 + m[6] * a2 + m[7] * a3
        psi[i2] = m[8] * a0 + m[9] * a1 + m[10] * a2 + m[11] * a3
        psi[i3] = m[12] * a0 + m[13] * a1 + m[14] * a2 + m[15] * a3


@njit(**_INNER)
def _matk(psi, qs, k, mats, moff, adjoint, lo, hi):
    # any k-qubit matrix; qs[j] is the gate's qubit j; m is (2**k)**2 row-major
    d = 1 << k
    ordered = qs[:k].copy()
    for a in range(1, k):  # insertion sort: k is small
        b = a
        while b > 0 and ordered[b - 1] > ordered[b]:
            ordered[b - 1], ordered[b] = ordered[b], ordered[b - 1]
            b -= 1
    offsets = np.zeros(d, dtype=np.int64)
    for j in range(d):
        for b in range(k):
            if (j >> b) & 1:
                offsets[j] |= 1 << qs[b]
    amps = np.empty(d, dtype=np.complex128)
    for base in range(lo, hi):
        i = base
        for b in range(k):
            i = _insert0(i, ordered[b])
        for j in range(d):
            amps[j] = psi[i | offsets[j]]
        for r in range(d):
            acc = 0j
            for j in range(d):
                if adjoint:
                    acc += mats[moff + j * d + r].conjugate() * amps[j]
                else:
                    acc += mats[moff + r * d + j] * amps[j]
            psi[i | offsets[r]] = acc


@njit(**_INNER)
def _row_times(v, mats, low, f):
    """``v[j] *= f * mats[low + j]``: one row of a split diagonal (vectorisable)."""
    for j in range(v.shape[0]):
        v[j] *= f * mats[low + j]


@njit(**_INNER)
def _diagsplit(psi, mats, low, high, h, lo, hi):
    # a diagonal over all qubits that factors into the low h bits times the rest:
    # row i >> h of length 2**h takes high[row] times the low table
    size = 1 << h
    first_row, last_row = (lo + size - 1) >> h, hi >> h
    for row in range(first_row, last_row):
        _row_times(psi[row * size : (row + 1) * size], mats, low, mats[high + row])
    mask = size - 1
    for i in range(lo, min(hi, first_row << h)):
        psi[i] *= mats[low + (i & mask)] * mats[high + (i >> h)]
    for i in range(max(lo, last_row << h, first_row << h), hi):
        psi[i] *= mats[low + (i & mask)] * mats[high + (i >> h)]


# -- one op -----------------------------------------------------------------------------------


@njit(**_JIT)
def work(code, arity, n):
    """How many base indices op ``code`` walks on ``n`` qubits."""
    if code == OP_NOP:
        return 0
    if code == OP_DIAGSPLIT:
        return 1 << n
    return 1 << (n - arity)


@njit(**_INNER)
def _entries(code, ph, slot, mats, moff, adjoint):
    """The 2x2 numbers an op's primitive needs, from its slot phases or constant data.

    Pairs: the matrix ``(m00, m01, m10, m11)`` on the target; diagonals:
    ``(d0, d1)``; phase ops: ``(d, ...)``; parity: ``(even, odd)``.
    """
    one = 1.0 + 0j
    zero = 0j
    if code == OP_CZ or code == OP_CCZ:
        return -one, zero, zero, one
    if code == OP_DIAG1:
        d0, d1 = mats[moff], mats[moff + 1]
        if adjoint:
            return d0.conjugate(), d1.conjugate(), zero, one
        return d0, d1, zero, one
    if code == OP_MAT1 or code == OP_CMAT1:
        m00, m01, m10, m11 = mats[moff], mats[moff + 1], mats[moff + 2], mats[moff + 3]
        if adjoint:
            return m00.conjugate(), m10.conjugate(), m01.conjugate(), m11.conjugate()
        return m00, m01, m10, m11
    h = ph[slot].conjugate() if adjoint else ph[slot]
    if code == OP_P or code == OP_CP:
        return h * h, zero, zero, one
    if code == OP_RZZ or code == OP_RZ or code == OP_CRZ:
        return h.conjugate(), h, zero, one
    if code == OP_RX or code == OP_CRX:
        return h.real + 0j, complex(0, -h.imag), zero, one
    if code == OP_RY or code == OP_CRY:
        return h.real + 0j, -h.imag + 0j, h.imag + 0j, h.real + 0j
    # OP_U, OP_CU: U(θ, φ, λ)† = U(-θ, -λ, -φ)
    h0, h1, h2 = ph[slot], ph[slot + 1], ph[slot + 2]
    if adjoint:
        h0, h1, h2 = h0.conjugate(), h2.conjugate(), h1.conjugate()
    c, s = h0.real, h0.imag
    ephi, elam = h1 * h1, h2 * h2
    g = one
    if code == OP_CU:
        g = ph[slot + 3].conjugate() if adjoint else ph[slot + 3]
        g = g * g
    return g * c, -g * elam * s, g * ephi * s, g * ephi * elam * c


@njit(**_INNER)
def _apply_pair_kind(rows, first, last, E, col, stride, kind, count, s0, s1, s2, on, t, a, b, lo,
                     hi):  # fmt: skip
    """Dispatch a two-amplitude primitive by ``kind`` (see ``program.static_table``).

    Uncontrolled one-qubit ops on targets ``t >= HALVES_FROM`` take the
    vectorised block form.
    """
    # whole blocks of long uncontrolled targets vectorised; the rest, and partial blocks
    # where a thread's share starts or stops inside one, in the general form (one call
    # site for it: every inlined copy costs compilation time)
    head = (lo, hi)
    tail = (hi, hi)
    if count == 1 and t >= HALVES_FROM and kind <= K_DIAG:
        first_block, last_block = (lo + (1 << t) - 1) >> t, hi >> t
        head_end = min(hi, first_block << t)
        _pair_blocks(rows, first, last, E, col, stride, kind, t, first_block, last_block)
        head = (lo, head_end)
        tail = (max(lo, last_block << t, head_end), hi)
    for start, stop in (head, tail):
        if start < stop:
            _flat_pair_kind(rows, first, last, E, col, stride, kind, count, s0, s1, s2, on, t,
                            a, b, start, stop)  # fmt: skip


@njit(**_INNER)
def _flat_pair_kind(rows, first, last, E, col, stride, kind, count, s0, s1, s2, on, t, a, b, lo,
                    hi):  # fmt: skip
    """The primitives in their general (bit-insertion) form."""
    if kind == K_REAL:
        _pair_real(rows, first, last, E, col, stride, count, s0, s1, s2, on, t, lo, hi)
    elif kind == K_RX:
        _pair_rx(rows, first, last, E, col, stride, count, s0, s1, s2, on, t, lo, hi)
    elif kind == K_DIAG:
        _pair_diag(rows, first, last, E, col, stride, count, s0, s1, s2, on, t, lo, hi)
    elif kind == K_PHASE:
        _phase(rows, first, last, E, col, stride, count, s0, s1, s2, on, lo, hi)
    elif kind == K_SWAP:
        _swap(rows, first, last, count, s0, s1, s2, on, a, b, lo, hi)
    elif kind == K_PARITY:
        _parity(rows, first, last, E, col, stride, count, s0, s1, s2, a, b, lo, hi)
    else:
        _pair(rows, first, last, E, col, stride, count, s0, s1, s2, on, t, lo, hi)


@njit(**_INNER)
def _fill_entries(E, code, phases, varies, first, last, slot, mats, moff, adjoint):
    """Put the op's numbers for rows ``first:last`` in ``E``; returns the column stride.

    One shared column (stride 0) when the op's angles do not vary over the batch.
    """
    shared = phases.shape[0] == 1 or not varies
    for c in range(1 if shared else last - first):
        # one call site: each inlined copy of _entries costs compilation time
        m00, m01, m10, m11 = _entries(code, phases[0 if shared else first + c], slot, mats, moff,
                                      adjoint)  # fmt: skip
        E[0, c], E[1, c], E[2, c], E[3, c] = m00, m01, m10, m11
    return 0 if shared else 1


@njit(**_INNER)
def _apply_wide(psi, code, qs, arity, ph, slot, mats, moff, adjoint, lo, hi):
    """Dense 4x4 ops (constant, RXX, RYY, RZX), k-qubit matrices and split diagonals."""
    if code == OP_DIAGSPLIT:
        split = qs[0]  # mats holds the low table (2**split entries), then the high one
        _diagsplit(psi, mats, moff, moff + (1 << split), split, lo, hi)
        return
    if code == OP_MATK:
        _matk(psi, qs, arity, mats, moff, adjoint, lo, hi)
        return
    m = np.zeros(16, dtype=np.complex128)
    if code == OP_MAT2:
        for r in range(16):
            m[r] = mats[moff + r]
    else:
        h = ph[slot]
        s = h.imag
        m[0] = m[5] = m[10] = m[15] = h.real
        if code == OP_RXX:
            m[3] = m[6] = m[9] = m[12] = complex(0, -s)
        elif code == OP_RYY:
            m[3] = m[12] = complex(0, s)
            m[6] = m[9] = complex(0, -s)
        else:  # RZX: Z on the first qubit, X on the second
            m[2] = m[8] = complex(0, -s)
            m[7] = m[13] = complex(0, s)
    if adjoint:
        for r in range(4):
            for c in range(r + 1, 4):
                m[r * 4 + c], m[c * 4 + r] = m[c * 4 + r], m[r * 4 + c]
        for r in range(16):
            m[r] = m[r].conjugate()
    s0, s1 = (qs[0], qs[1]) if qs[0] < qs[1] else (qs[1], qs[0])
    _mat2(psi, 2, s0, s1, 0, qs[0], qs[1], m, lo, hi)


# -- entry point ---------------------------------------------------------------------------------


@njit(**_JIT)
def run_ops(states, phases, varies, n, code, static, qubits, arity, slot, moff, mats, adjoint,
            start, stop, step, part, parts):  # fmt: skip
    """Ops ``start:stop:step`` (or their adjoints) on every row of ``states`` ``(B, 2**n)``.

    Rows go in blocks that fit in cache; each op is decoded once per block and
    its matrix built once when its angles do not vary over the batch
    (``varies[i]`` false: weights shared by all samples). Each op walks only
    share ``part`` of ``parts`` of its base indices, so threads can split one
    large op. ``phases`` is ``(Bp, n_slots)``, ``Bp`` 1 (shared) or ``B``. One
    entry point on purpose: each entry point that inlines the op dispatch costs
    seconds of compilation.
    """
    batch = states.shape[0]
    block = max(1, CACHE_AMPLITUDES >> n)
    E = np.empty((4, max(1, min(block, batch))), dtype=np.complex128)
    for first in range(0, batch, block):
        last = min(batch, first + block)
        for i in range(start, stop, step):
            kind = static[i, 0]
            total = work(code[i], arity[i], n)
            lo = total * part // parts
            hi = total * (part + 1) // parts
            if kind == K_NOP or kind == K_WIDE or lo == hi:  # wide ops: see run_wide
                continue
            stride = _fill_entries(E, code[i], phases, varies[i], first, last, slot[i], mats,
                                   moff[i], adjoint)  # fmt: skip
            _apply_pair_kind(states, first, last, E, 0, stride, kind, static[i, 1], static[i, 2],
                             static[i, 3], static[i, 4], static[i, 5], static[i, 6], static[i, 7],
                             static[i, 8], lo, hi)  # fmt: skip


@njit(**_JIT)
def run_wide(states, phases, n, code, qubits, arity, slot, moff, mats, adjoint, i, part, parts):
    """Wide op ``i`` (dense 4x4, k-qubit matrix, split diagonal) on every row of ``states``."""
    total = work(code[i], arity[i], n)
    lo = total * part // parts
    hi = total * (part + 1) // parts
    if code[i] == OP_DIAGSPLIT and qubits[i, 0] >= n:
        # one table over the whole (small) state: a plain loop, no call per row
        table = moff[i]
        for b in range(states.shape[0]):
            psi = states[b]
            for j in range(lo, hi):
                psi[j] *= mats[table + j]
        return
    for b in range(states.shape[0]):
        ph = phases[0] if phases.shape[0] == 1 else phases[b]
        _apply_wide(states[b], code[i], qubits[i], arity[i], ph, slot[i], mats, moff[i], adjoint,
                    lo, hi)  # fmt: skip


# -- observables and gradients ----------------------------------------------------------------


@njit(**_INNER)
def _bit_parity(v):
    """popcount(v) & 1."""
    v ^= v >> 32
    v ^= v >> 16
    v ^= v >> 8
    v ^= v >> 4
    v ^= v >> 2
    v ^= v >> 1
    return v & 1


@njit(**_JIT)
def _overlap(bra, ket, on, x, z, n_y):
    """``<bra|G|ket>`` for ``G = Π_on ⊗ P``: P flips bits ``x``, reads bits ``z``, has n_y Ys.

    ``P|j> = i**n_y (-1)**popcount(j & z) |j ^ x>`` for ``j`` with every bit of
    ``on`` set (a projector onto them); zero otherwise.
    """
    acc = 0j
    for j in range(ket.shape[0]):
        if j & on == on:
            term = bra[j ^ x].conjugate() * ket[j]
            acc += -term if _bit_parity(j & z) else term
    phase = n_y & 3
    if phase == 1:
        return acc * 1j
    if phase == 2:
        return -acc
    if phase == 3:
        return acc * -1j
    return acc


@njit(**_JIT)
def pauli_expectations(states, out, x, z, n_y):
    """``out[b, t] = <ψ_b|P_t|ψ_b>`` (real) for Pauli strings given by masks."""
    for b in range(states.shape[0]):
        psi = states[b]
        for t in range(x.shape[0]):
            if x[t] == 0:  # diagonal: a signed sum of probabilities
                acc = 0.0
                for j in range(psi.shape[0]):
                    p = psi[j].real ** 2 + psi[j].imag ** 2
                    acc += -p if _bit_parity(j & z[t]) else p
                out[b, t] = acc
            else:
                out[b, t] = _overlap(psi, psi, 0, x[t], z[t], n_y[t]).real


@njit(**_JIT)
def apply_pauli_sum(states, out, coefficients, x, z, n_y):
    """``out[b, k] = sum_t coefficients[b, k, t] P_t states[b]`` (``out`` is overwritten)."""
    phases = np.array([1.0 + 0j, 1j, -1.0 + 0j, -1j])
    for b in range(states.shape[0]):
        psi = states[b]
        for k in range(out.shape[1]):
            _pauli_sum(psi, out[b, k], coefficients[b, k], x, z, n_y, phases)


@njit(**_INNER)
def _pauli_sum(psi, target, coefficients, x, z, n_y, phases):
    target[:] = 0
    for t in range(x.shape[0]):
        c = coefficients[t] * phases[n_y[t] & 3]
        if c == 0:
            continue
        for j in range(psi.shape[0]):
            value = c * psi[j]
            target[j ^ x[t]] += -value if _bit_parity(j & z[t]) else value


@njit(**_INNER)
def _lambda_halves(v, w, want, both, kind, e0, e1, e2, e3):
    """``_adjoint_lambda`` on one block: ``v`` of ψ, ``w`` of λ, pairs ``(j, j + len/2)``."""
    h = w.shape[0] // 2
    acc = 0.0
    if kind == K_REAL:
        r00, r01, r10, r11 = e0.real, e1.real, e2.real, e3.real
        for j in range(h):
            a, b, l0, l1 = v[j], v[j + h], w[j], w[j + h]
            if want:
                acc += l1.real * a.real + l1.imag * a.imag - l0.real * b.real - l0.imag * b.imag
            w[j] = r00 * l0 + r01 * l1
            w[j + h] = r10 * l0 + r11 * l1
            if both:
                v[j] = r00 * a + r01 * b
                v[j + h] = r10 * a + r11 * b
    elif kind == K_RX:
        c, s = e0.real, -e1.imag
        for j in range(h):
            a, b, l0, l1 = v[j], v[j + h], w[j], w[j + h]
            if want:
                acc += l0.real * b.imag - l0.imag * b.real + l1.real * a.imag - l1.imag * a.real
            w[j] = c * l0 + s * complex(l1.imag, -l1.real)
            w[j + h] = c * l1 + s * complex(l0.imag, -l0.real)
            if both:
                v[j] = c * a + s * complex(b.imag, -b.real)
                v[j + h] = c * b + s * complex(a.imag, -a.real)
    elif kind == K_DIAG:
        for j in range(h):
            a, b, l0, l1 = v[j], v[j + h], w[j], w[j + h]
            if want:
                acc += l0.real * a.imag - l0.imag * a.real - l1.real * b.imag + l1.imag * b.real
            w[j] = e0 * l0
            w[j + h] = e1 * l1
            if both:
                v[j] = e0 * a
                v[j + h] = e1 * b
    else:
        for j in range(h):
            a, b, l0, l1 = v[j], v[j + h], w[j], w[j + h]
            w[j] = e0 * l0 + e1 * l1
            w[j + h] = e2 * l0 + e3 * l1
            if both:
                v[j] = e0 * a + e1 * b
                v[j + h] = e2 * a + e3 * b
    return acc


# inlined into its one caller: on small states a call per row and op cost more than the pass
@njit(**_INNER, inline="always")
def _adjoint_lambda(psi, lam, want, both, kind, e0, e1, e2, e3, count, s0, s1, s2, on, t, pbit,
                    qbit, lo, hi):  # fmt: skip
    """λ <- M λ (the op's adjoint numbers) in one pass; returns ``Im <λ|G|ψ>`` if ``want``.

    With ``both``, ψ <- M ψ in the same pass (after its overlap is read): one
    pass instead of two when there is a single λ.

    G is the kind's generator on the target: Y for real rotations (RY, CRY), X
    for RX forms, Z for diagonals, the projector for phase ops, Z⊗Z for parity
    ops; only its imaginary part is needed, a few real products per amplitude.
    Like the forward primitives, long uncontrolled targets go block by block
    (vectorised), the rest in runs of consecutive amplitudes.
    """
    acc = 0.0
    tbit = 1 << t
    if count == 1 and t >= HALVES_FROM and kind <= K_DIAG and lo == 0:
        step = tbit << 1
        for block in range(hi >> t):
            acc += _lambda_halves(psi[block * step : (block + 1) * step],
                                  lam[block * step : (block + 1) * step], want, both, kind, e0, e1,
                                  e2, e3)  # fmt: skip
        return acc
    # the kind is chosen once per call, outside the loops: on small states runs are a
    # single pair long, and a dispatch per pair cost more than the arithmetic
    if kind == K_PHASE:
        k = lo
        while k < hi:
            run = _run(k, hi, s0)
            start = _base(k, count, s0, s1, s2) | on
            for i0 in range(start, start + run):
                a, l0 = psi[i0], lam[i0]
                if want:
                    acc += l0.real * a.imag - l0.imag * a.real
                lam[i0] = e0 * l0
                if both:
                    psi[i0] = e0 * a
            k += run
    elif kind == K_PARITY:
        k = lo
        while k < hi:
            run = _run(k, hi, s0)
            start = _base(k, count, s0, s1, s2) | on
            for i0 in range(start, start + run):
                for x in range(4):  # |00>, |p>, |q>, |pq>: even parity first and last
                    i = i0 | (pbit if x & 1 else 0) | (qbit if x & 2 else 0)
                    even = x == 0 or x == 3
                    a, l0 = psi[i], lam[i]
                    if want:
                        term = l0.real * a.imag - l0.imag * a.real
                        acc += term if even else -term
                    lam[i] = (e0 if even else e1) * l0
                    if both:
                        psi[i] = (e0 if even else e1) * a
            k += run
    elif kind == K_REAL:
        r00, r01, r10, r11 = e0.real, e1.real, e2.real, e3.real
        k = lo
        while k < hi:
            run = _run(k, hi, s0)
            start = _base(k, count, s0, s1, s2) | on
            for i0 in range(start, start + run):
                i1 = i0 + tbit
                a, b, l0, l1 = psi[i0], psi[i1], lam[i0], lam[i1]
                if want:  # Y: <λ|Yψ> = -i l0* b + i l1* a
                    acc += l1.real * a.real + l1.imag * a.imag - l0.real * b.real - l0.imag * b.imag
                lam[i0] = r00 * l0 + r01 * l1
                lam[i1] = r10 * l0 + r11 * l1
                if both:
                    psi[i0] = r00 * a + r01 * b
                    psi[i1] = r10 * a + r11 * b
            k += run
    elif kind == K_RX:
        c, s = e0.real, -e1.imag
        k = lo
        while k < hi:
            run = _run(k, hi, s0)
            start = _base(k, count, s0, s1, s2) | on
            for i0 in range(start, start + run):
                i1 = i0 + tbit
                a, b, l0, l1 = psi[i0], psi[i1], lam[i0], lam[i1]
                if want:  # X: <λ|Xψ> = l0* b + l1* a
                    acc += l0.real * b.imag - l0.imag * b.real + l1.real * a.imag - l1.imag * a.real
                lam[i0] = c * l0 + s * complex(l1.imag, -l1.real)
                lam[i1] = c * l1 + s * complex(l0.imag, -l0.real)
                if both:
                    psi[i0] = c * a + s * complex(b.imag, -b.real)
                    psi[i1] = c * b + s * complex(a.imag, -a.real)
            k += run
    elif kind == K_DIAG:
        k = lo
        while k < hi:
            run = _run(k, hi, s0)
            start = _base(k, count, s0, s1, s2) | on
            for i0 in range(start, start + run):
                i1 = i0 + tbit
                a, b, l0, l1 = psi[i0], psi[i1], lam[i0], lam[i1]
                if want:  # Z: <λ|Zψ> = l0* a - l1* b
                    acc += l0.real * a.imag - l0.imag * a.real - l1.real * b.imag + l1.imag * b.real
                lam[i0] = e0 * l0
                lam[i1] = e1 * l1
                if both:
                    psi[i0] = e0 * a
                    psi[i1] = e1 * b
            k += run
    else:  # a general 2x2 (U forms, constant matrices): no generator
        k = lo
        while k < hi:
            run = _run(k, hi, s0)
            start = _base(k, count, s0, s1, s2) | on
            for i0 in range(start, start + run):
                i1 = i0 + tbit
                a, b, l0, l1 = psi[i0], psi[i1], lam[i0], lam[i1]
                lam[i0] = e0 * l0 + e1 * l1
                lam[i1] = e2 * l0 + e3 * l1
                if both:
                    psi[i0] = e0 * a + e1 * b
                    psi[i1] = e2 * a + e3 * b
            k += run
    return acc


@njit(**_JIT)
def adjoint_rows(states, lams, phases, out, varies, n, code, static, qubits, arity, slot, moff,
                 mats, gen_on, gen_x, gen_z, gen_y, gen_factor, gen_slot):  # fmt: skip
    """The backward sweep of adjoint differentiation (Jones and Gacon, 2020).

    ``states[b]`` holds the final state ψ and ``lams[b, k]`` holds ``O_k ψ``;
    both are swept back through the ops' adjoints (and end as garbage). Before
    un-applying op ``i``, whose angle θ (slot ``gen_slot[i]``) enters as
    ``exp(-iθG/2)``, ``dE_k/dθ = Im <λ_k|G|ψ>`` is added to ``out[b, k, slot]``.
    Each λ takes one pass that reads its overlap and updates it (each primitive
    kind has one generator shape), then ψ one pass; dense and swap ops take a
    separate overlap pass. Rows go in cache-sized blocks, ops decoded once.
    """
    batch, count_k = lams.shape[0], lams.shape[1]
    block = max(1, (CACHE_AMPLITUDES >> n) // (count_k + 1))
    E = np.empty((4, max(1, min(block, batch))), dtype=np.complex128)
    for first in range(0, batch, block):
        last = min(batch, first + block)
        for i in range(code.shape[0] - 1, -1, -1):
            kind = static[i, 0]
            s = gen_slot[i]
            if kind == K_NOP:
                continue
            total = work(code[i], arity[i], n)
            c, s0, s1, s2 = static[i, 1], static[i, 2], static[i, 3], static[i, 4]
            on, t, x, y = static[i, 5], static[i, 6], static[i, 7], static[i, 8]
            if kind == K_WIDE or kind == K_SWAP:
                for b in range(first, last):
                    ph = phases[0] if phases.shape[0] == 1 else phases[b]
                    if s >= 0:
                        for k in range(count_k):
                            g = _overlap(lams[b, k], states[b], gen_on[i], gen_x[i], gen_z[i],
                                         gen_y[i])  # fmt: skip
                            out[b, k, s] += gen_factor[i] * g.imag
                    if kind == K_SWAP:
                        _swap(states, b, b + 1, c, s0, s1, s2, on, x, y, 0, total)
                        _swap(lams[b], 0, count_k, c, s0, s1, s2, on, x, y, 0, total)
                        continue
                    # ψ, then every λ, through one call site (each inlined copy of _apply_wide
                    # costs compilation time)
                    for k in range(count_k + 1):
                        psi = states[b] if k == count_k else lams[b, k]
                        _apply_wide(psi, code[i], qubits[i], arity[i], ph, slot[i], mats, moff[i],
                                    True, 0, total)  # fmt: skip
                continue
            stride = _fill_entries(E, code[i], phases, varies[i], first, last, slot[i], mats,
                                   moff[i], True)  # fmt: skip
            for b in range(first, last):
                e = (b - first) * stride
                single = count_k == 1  # then ψ is updated in the same pass as its λ
                for k in range(count_k):  # λs first: their overlaps need ψ before the update
                    g = _adjoint_lambda(states[b], lams[b, k], s >= 0, single, kind, E[0, e],
                                        E[1, e], E[2, e], E[3, e], c, s0, s1, s2, on, t, x, y, 0,
                                        total)  # fmt: skip
                    if s >= 0:
                        out[b, k, s] += gen_factor[i] * g
            if count_k > 1:
                _apply_pair_kind(states, first, last, E, 0, stride, kind, c, s0, s1, s2, on, t, x,
                                 y, 0, total)  # fmt: skip
