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
    OP_CCX,
    OP_CCZ,
    OP_CP,
    OP_CRX,
    OP_CRY,
    OP_CRZ,
    OP_CSWAP,
    OP_CU,
    OP_CX,
    OP_CZ,
    OP_DIAG1,
    OP_DIAGSPLIT,
    OP_MAT2,
    OP_MATK,
    OP_NOP,
    OP_P,
    OP_RX,
    OP_RXX,
    OP_RY,
    OP_RYY,
    OP_RZ,
    OP_RZX,
    OP_RZZ,
    OP_SWAP,
    OP_U,
    OP_X,
)

_JIT = {"cache": True, "fastmath": True, "nogil": True}


@njit(**_JIT)
def _insert0(k, q):
    """``k`` with a zero bit inserted at position ``q``."""
    return ((k >> q) << (q + 1)) | (k & ((1 << q) - 1))


@njit(**_JIT)
def _base(k, count, s0, s1, s2):
    """Base index ``k`` with zeros inserted at the sorted positions ``s0 < s1 < s2``."""
    k = _insert0(k, s0)
    if count > 1:
        k = _insert0(k, s1)
    if count > 2:
        k = _insert0(k, s2)
    return k


# -- primitives (count, s0, s1, s2: the op's qubits, sorted; on: bits that must be set) --------


@njit(**_JIT)
def _pair(psi, count, s0, s1, s2, on, t, m00, m01, m10, m11, lo, hi):
    tbit = 1 << t
    for k in range(lo, hi):
        i0 = _base(k, count, s0, s1, s2) | on
        i1 = i0 | tbit
        a = psi[i0]
        b = psi[i1]
        psi[i0] = m00 * a + m01 * b
        psi[i1] = m10 * a + m11 * b


@njit(**_JIT)
def _pair_real(psi, count, s0, s1, s2, on, t, r00, r01, r10, r11, lo, hi):
    # real matrices (RY, H) cost half the multiplications of complex ones
    tbit = 1 << t
    for k in range(lo, hi):
        i0 = _base(k, count, s0, s1, s2) | on
        i1 = i0 | tbit
        a = psi[i0]
        b = psi[i1]
        psi[i0] = r00 * a + r01 * b
        psi[i1] = r10 * a + r11 * b


@njit(**_JIT)
def _pair_rx(psi, count, s0, s1, s2, on, t, c, s, lo, hi):
    # [[c, -is], [-is, c]]; -i*s*z is s*(z.imag - i*z.real)
    tbit = 1 << t
    for k in range(lo, hi):
        i0 = _base(k, count, s0, s1, s2) | on
        i1 = i0 | tbit
        a = psi[i0]
        b = psi[i1]
        psi[i0] = c * a + s * complex(b.imag, -b.real)
        psi[i1] = c * b + s * complex(a.imag, -a.real)


@njit(**_JIT)
def _pair_diag(psi, count, s0, s1, s2, on, t, d0, d1, lo, hi):
    tbit = 1 << t
    for k in range(lo, hi):
        i0 = _base(k, count, s0, s1, s2) | on
        psi[i0] *= d0
        psi[i0 | tbit] *= d1


@njit(**_JIT)
def _phase(psi, count, s0, s1, s2, on, d, lo, hi):
    # P, CP, CZ, CCZ: only the amplitudes with every op bit set change
    for k in range(lo, hi):
        psi[_base(k, count, s0, s1, s2) | on] *= d


@njit(**_JIT)
def _swap(psi, count, s0, s1, s2, on, a, b, lo, hi):
    # X, CX, CCX (a = 0, b = target bit), SWAP, CSWAP (a, b = the swapped bits)
    for k in range(lo, hi):
        i = _base(k, count, s0, s1, s2) | on
        x = psi[i | a]
        psi[i | a] = psi[i | b]
        psi[i | b] = x


@njit(**_JIT)
def _parity(psi, count, s0, s1, s2, pbit, qbit, even, odd, lo, hi):
    # RZZ: phase by the parity of the bits pbit and qbit
    for k in range(lo, hi):
        i = _base(k, count, s0, s1, s2)
        psi[i] *= even
        psi[i | pbit] *= odd
        psi[i | qbit] *= odd
        psi[i | pbit | qbit] *= even


@njit(**_JIT)
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


@njit(**_JIT)
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


@njit(**_JIT)
def _diagsplit(psi, mats, low, high, h, lo, hi):
    # a diagonal over all qubits that factors into the low h bits times the rest
    mask = (1 << h) - 1
    for i in range(lo, hi):
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


K_PAIR, K_REAL, K_RX, K_DIAG, K_PHASE, K_SWAP, K_PARITY = 0, 1, 2, 3, 4, 5, 6


@njit(**_JIT)
def decode(code, qs, arity, ph, slot, mats, moff, adjoint):
    """(kind, on, t, a, b, m00, m01, m10, m11) of a 1-, 2- or 3-qubit op."""
    q0, q1, q2 = qs[0], qs[1], qs[2]
    one = 1.0 + 0j
    zero = 0j
    t = qs[arity - 1]
    on = 0
    if arity == 2:
        on = 1 << q0
    elif arity == 3:
        on = (1 << q0) | (1 << q1)
    if code == OP_X or code == OP_CX or code == OP_CCX:
        return K_SWAP, on, t, 0, 1 << t, one, zero, zero, one
    if code == OP_SWAP:
        return K_SWAP, 0, t, 1 << q0, 1 << q1, one, zero, zero, one
    if code == OP_CSWAP:
        return K_SWAP, 1 << q0, t, 1 << q1, 1 << q2, one, zero, zero, one
    if code == OP_CZ or code == OP_CCZ:
        return K_PHASE, on | (1 << t), t, 0, 0, -one, zero, zero, one
    h = ph[slot] if slot < ph.shape[0] else one
    if adjoint:
        h = h.conjugate()
    if code == OP_P or code == OP_CP:
        return K_PHASE, on | (1 << t), t, 0, 0, h * h, zero, zero, one
    if code == OP_RZZ:
        return K_PARITY, 0, t, 1 << q0, 1 << q1, h.conjugate(), h, zero, one
    if code == OP_RX or code == OP_CRX:
        return K_RX, on, t, 0, 0, h.real + 0j, complex(0, -h.imag), zero, one
    if code == OP_RY or code == OP_CRY:
        return K_REAL, on, t, 0, 0, h.real + 0j, -h.imag + 0j, h.imag + 0j, h.real + 0j
    if code == OP_RZ or code == OP_CRZ:
        return K_DIAG, on, t, 0, 0, h.conjugate(), h, zero, one
    if code == OP_DIAG1:
        d0, d1 = mats[moff], mats[moff + 1]
        if adjoint:
            d0, d1 = d0.conjugate(), d1.conjugate()
        return K_DIAG, 0, t, 0, 0, d0, d1, zero, one
    if code == OP_U or code == OP_CU:
        h0, h1, h2 = ph[slot], ph[slot + 1], ph[slot + 2]
        if adjoint:  # U(θ, φ, λ)† = U(-θ, -λ, -φ)
            h0, h1, h2 = h0.conjugate(), h2.conjugate(), h1.conjugate()
        c, s = h0.real, h0.imag
        ephi, elam = h1 * h1, h2 * h2
        g = one
        if code == OP_CU:
            g = ph[slot + 3].conjugate() if adjoint else ph[slot + 3]
            g = g * g
        m00, m01, m10, m11 = g * c, -g * elam * s, g * ephi * s, g * ephi * elam * c
    else:  # OP_MAT1, OP_CMAT1: a constant matrix
        m00, m01, m10, m11 = mats[moff], mats[moff + 1], mats[moff + 2], mats[moff + 3]
        if adjoint:
            m00, m01, m10, m11 = m00.conjugate(), m10.conjugate(), m01.conjugate(), m11.conjugate()
    if m00.imag == 0 and m01.imag == 0 and m10.imag == 0 and m11.imag == 0:
        return K_REAL, on, t, 0, 0, m00, m01, m10, m11
    return K_PAIR, on, t, 0, 0, m00, m01, m10, m11


@njit(**_JIT)
def apply_op(psi, code, qs, arity, ph, slot, mats, moff, adjoint, lo, hi):
    """Apply one op (or its adjoint) to ``psi`` over base indices ``[lo, hi)``."""
    if code == OP_NOP:
        return
    if code == OP_DIAGSPLIT:
        split = qs[0]  # mats holds the low table (2**split entries), then the high one
        _diagsplit(psi, mats, moff, moff + (1 << split), split, lo, hi)
        return
    if code == OP_MATK:
        _matk(psi, qs, arity, mats, moff, adjoint, lo, hi)
        return
    s0, s1, s2 = qs[0], qs[1], qs[2]
    if arity > 1 and s0 > s1:
        s0, s1 = s1, s0
    if arity > 2:
        if s1 > s2:
            s1, s2 = s2, s1
        if s0 > s1:
            s0, s1 = s1, s0
    if code == OP_MAT2 or code == OP_RXX or code == OP_RYY or code == OP_RZX:
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
            else:
                m[2] = m[8] = complex(0, -s)
                m[7] = m[13] = complex(0, s)
        if adjoint:
            for r in range(4):
                for c in range(r + 1, 4):
                    m[r * 4 + c], m[c * 4 + r] = m[c * 4 + r], m[r * 4 + c]
            for r in range(16):
                m[r] = m[r].conjugate()
        _mat2(psi, 2, s0, s1, s2, qs[0], qs[1], m, lo, hi)
        return
    kind, on, t, a, b, m00, m01, m10, m11 = decode(code, qs, arity, ph, slot, mats, moff, adjoint)
    if kind == K_PAIR:
        _pair(psi, arity, s0, s1, s2, on, t, m00, m01, m10, m11, lo, hi)
    elif kind == K_REAL:
        _pair_real(psi, arity, s0, s1, s2, on, t, m00.real, m01.real, m10.real, m11.real, lo, hi)
    elif kind == K_RX:
        _pair_rx(psi, arity, s0, s1, s2, on, t, m00.real, -m01.imag, lo, hi)
    elif kind == K_DIAG:
        _pair_diag(psi, arity, s0, s1, s2, on, t, m00, m01, lo, hi)
    elif kind == K_PHASE:
        _phase(psi, arity, s0, s1, s2, on, m00, lo, hi)
    elif kind == K_SWAP:
        _swap(psi, arity, s0, s1, s2, on, a, b, lo, hi)
    else:
        _parity(psi, arity, s0, s1, s2, a, b, m00, m01, lo, hi)


# -- entry point ---------------------------------------------------------------------------------


@njit(**_JIT)
def run_ops(
    states,
    phases,
    n,
    code,
    qubits,
    arity,
    slot,
    moff,
    mats,
    adjoint,
    start,
    stop,
    step,
    part,
    parts,
):
    """Ops ``start:stop:step`` on every row of ``states`` (``(B, 2**n)``), in order.

    Each op walks only share ``part`` of ``parts`` of its base indices, so
    ``parts`` threads can split one large op. ``phases`` is ``(Bp, n_slots)``
    with ``Bp`` 1 (shared by all rows) or ``B``. One entry point on purpose:
    every entry point that inlines ``apply_op`` costs seconds of compilation.
    """
    shared = phases.shape[0] == 1
    for b in range(states.shape[0]):
        psi = states[b]
        ph = phases[0] if shared else phases[b]
        for i in range(start, stop, step):
            total = work(code[i], arity[i], n)
            lo = total * part // parts
            hi = total * (part + 1) // parts
            apply_op(psi, code[i], qubits[i], arity[i], ph, slot[i], mats, moff[i], adjoint, lo, hi)


# -- observables and gradients ----------------------------------------------------------------


@njit(**_JIT)
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


@njit(**_JIT)
def _pauli_sum(psi, target, coefficients, x, z, n_y, phases):
    target[:] = 0
    for t in range(x.shape[0]):
        c = coefficients[t] * phases[n_y[t] & 3]
        if c == 0:
            continue
        for j in range(psi.shape[0]):
            value = c * psi[j]
            target[j ^ x[t]] += -value if _bit_parity(j & z[t]) else value


@njit(**_JIT)
def adjoint_rows(
    states,
    lams,
    phases,
    out,
    n,
    code,
    qubits,
    arity,
    slot,
    moff,
    mats,
    gen_on,
    gen_x,
    gen_z,
    gen_y,
    gen_factor,
    gen_slot,
):
    """The backward sweep of adjoint differentiation (Jones and Gacon, 2020), per sample.

    ``states[b]`` holds the final state ψ and ``lams[b, k]`` holds ``O_k ψ``;
    both are swept back through the ops' adjoints (and end as garbage). Before
    un-applying op ``i``, whose angle θ (slot ``gen_slot[i]``) enters as
    ``exp(-iθG/2)``, ``dE_k/dθ = Im <λ_k|G|ψ>`` is added to ``out[b, k, slot]``.
    """
    shared = phases.shape[0] == 1
    for b in range(states.shape[0]):
        psi = states[b]
        ph = phases[0] if shared else phases[b]
        for i in range(code.shape[0] - 1, -1, -1):
            s = gen_slot[i]
            if s >= 0:
                for k in range(lams.shape[1]):
                    g = _overlap(lams[b, k], psi, gen_on[i], gen_x[i], gen_z[i], gen_y[i])
                    out[b, k, s] += gen_factor[i] * g.imag
            total = work(code[i], arity[i], n)
            apply_op(psi, code[i], qubits[i], arity[i], ph, slot[i], mats, moff[i], True, 0, total)
            for k in range(lams.shape[1]):
                apply_op(
                    lams[b, k],
                    code[i],
                    qubits[i],
                    arity[i],
                    ph,
                    slot[i],
                    mats,
                    moff[i],
                    True,
                    0,
                    total,
                )
