// The primitives: each applies one kind of op to one state row over base indices
// [lo, hi), through the shared walk (walk.hpp). Runs of consecutive amplitudes go through
// plain loops over __restrict pointers so the compiler vectorises them.
#pragma once

#include <vector>

#include "ops.hpp"

namespace qml {

// A 2x2 matrix on the pairs (psi[i], psi[i + tbit]) of every visited index i, with
// coefficients of type M: complex, or real (RY, H: half the multiplications).
template <class C, class M>
inline void pair_linear(C* psi, const Walk& w, i64 tbit, M m00, M m01, M m10, M m11, i64 lo, i64 hi) {
    walk(w, lo, hi, [&](i64 s, i64 r) {
        C* __restrict p0 = psi + s;
        C* __restrict p1 = psi + s + tbit;
        for (i64 j = 0; j < r; ++j) {
            const C a = p0[j], b = p1[j];
            p0[j] = m00 * a + m01 * b;
            p1[j] = m10 * a + m11 * b;
        }
    });
}

template <class C>
inline void pair_matrix(C* psi, const Walk& w, i64 tbit, const cplx e[4], i64 lo, i64 hi) {
    pair_linear<C, C>(psi, w, tbit, C(e[0]), C(e[1]), C(e[2]), C(e[3]), lo, hi);
}

template <class C>
inline void pair_real(C* psi, const Walk& w, i64 tbit, const cplx e[4], i64 lo, i64 hi) {
    using R = typename C::value_type;
    pair_linear<C, R>(psi, w, tbit, R(e[0].real()), R(e[1].real()), R(e[2].real()), R(e[3].real()),
                      lo, hi);
}

// [[c, -is], [-is, c]]: -i s z is s (z.imag - i z.real).
template <class C>
inline void pair_rx(C* psi, const Walk& w, i64 tbit, const cplx e[4], i64 lo, i64 hi) {
    using R = typename C::value_type;
    const R c = R(e[0].real()), s = R(-e[1].imag());
    walk(w, lo, hi, [&](i64 st, i64 r) {
        C* __restrict p0 = psi + st;
        C* __restrict p1 = psi + st + tbit;
        for (i64 j = 0; j < r; ++j) {
            const C a = p0[j], b = p1[j];
            p0[j] = c * a + s * C(b.imag(), -b.real());
            p1[j] = c * b + s * C(a.imag(), -a.real());
        }
    });
}

template <class C>
inline void pair_diagonal(C* psi, const Walk& w, i64 tbit, const cplx e[4], i64 lo, i64 hi) {
    const C d0(e[0]), d1(e[1]);
    walk(w, lo, hi, [&](i64 s, i64 r) {
        C* __restrict p0 = psi + s;
        C* __restrict p1 = psi + s + tbit;
        for (i64 j = 0; j < r; ++j) {
            p0[j] *= d0;
            p1[j] *= d1;
        }
    });
}

// One phase on the amplitudes with every ON bit set (P, CP, CZ, CCZ, S, T, Z).
template <class C>
inline void phase(C* psi, const Walk& w, const cplx e[4], i64 lo, i64 hi) {
    const C d(e[0]);
    walk(w, lo, hi, [&](i64 s, i64 r) {
        C* __restrict p = psi + s;
        for (i64 j = 0; j < r; ++j) p[j] *= d;
    });
}

// Exchange index|a and index|b (X, CX, CCX: a = 0; SWAP, CSWAP: the swapped bits).
template <class C>
inline void swap(C* psi, const Walk& w, i64 a, i64 b, i64 lo, i64 hi) {
    walk(w, lo, hi, [&](i64 s, i64 r) {
        C* __restrict pa = psi + (s | a);
        C* __restrict pb = psi + (s | b);
        for (i64 j = 0; j < r; ++j) {
            const C x = pa[j];
            pa[j] = pb[j];
            pb[j] = x;
        }
    });
}

// exp(-i phi Z..Z / 2): even parity of index & mask takes e[0], odd e[1].
template <class C>
inline void parity_phase(C* psi, const Walk& w, i64 mask, const cplx e[4], i64 lo, i64 hi) {
    const C even(e[0]), odd(e[1]);
    walk(w, lo, hi, [&](i64 s, i64 r) {
        C* __restrict p = psi + s;
        for (i64 j = 0; j < r; ++j) p[j] *= parity((s + j) & mask) ? odd : even;
    });
}

// i**ny as a complex number.
inline cplx power_of_i(i64 ny) {
    switch (ny & 3) {
        case 0: return 1;
        case 1: return cplx(0, 1);
        case 2: return -1;
        default: return cplx(0, -1);
    }
}

// exp(-i phi P / 2) = c - i s P with P|j> = i**ny (-1)**popcount(j & z) |j ^ x>. The walk
// visits i with the lowest bit of x clear; its partner is i ^ x.
template <class C>
inline void pauli_rotation(C* psi, const Walk& w, i64 x, i64 z, i64 ny, const cplx e[4], i64 lo,
                           i64 hi) {
    using R = typename C::value_type;
    const R c = R(e[0].real());
    const C f(cplx(0, -e[1].real()) * power_of_i(ny));  // -i s i**ny
    walk(w, lo, hi, [&](i64 st, i64 r) {
        C* __restrict p0 = psi + st;
        C* __restrict p1 = psi + (st ^ x);
        for (i64 j = 0; j < r; ++j) {
            const i64 i = st + j;
            const C a = p0[j], b = p1[j];
            // (P psi)[i] comes from psi[i ^ x] with the sign of (i ^ x) & z, and vice versa
            const C fa = parity((i ^ x) & z) ? -f : f;
            const C fb = parity(i & z) ? -f : f;
            p0[j] = c * a + fa * b;
            p1[j] = c * b + fb * a;
        }
    });
}

// Offsets of the 2**k local indices: bit j of a local index is local qubit qs[j].
inline void local_offsets(const i64* qs, i64 k, std::vector<i64>& offsets) {
    const i64 d = i64(1) << k;
    offsets.assign(d, 0);
    for (i64 j = 0; j < d; ++j)
        for (i64 b = 0; b < k; ++b)
            if ((j >> b) & 1) offsets[j] |= i64(1) << qs[b];
}

// A dense 2**k matrix m (row-major) on the local qubits; adjoint: its conjugate transpose.
template <class C>
inline void dense(C* psi, const Walk& w, const i64* qs, i64 k, const cplx* m, bool adjoint, i64 lo,
                  i64 hi) {
    const i64 d = i64(1) << k;
    std::vector<i64> off;
    local_offsets(qs, k, off);
    std::vector<C> mat(d * d), amps(d);  // in the state's precision, transposed if adjoint
    for (i64 r = 0; r < d; ++r)
        for (i64 j = 0; j < d; ++j) mat[r * d + j] = C(adjoint ? std::conj(m[j * d + r]) : m[r * d + j]);
    if (k == 2) {  // the common two-qubit case, unrolled
        const i64 o1 = off[1], o2 = off[2], o3 = off[3];
        const C* q = mat.data();
        each_index(w, lo, hi, [&](i64 i) {
            const C a0 = psi[i], a1 = psi[i | o1], a2 = psi[i | o2], a3 = psi[i | o3];
            psi[i] = q[0] * a0 + q[1] * a1 + q[2] * a2 + q[3] * a3;
            psi[i | o1] = q[4] * a0 + q[5] * a1 + q[6] * a2 + q[7] * a3;
            psi[i | o2] = q[8] * a0 + q[9] * a1 + q[10] * a2 + q[11] * a3;
            psi[i | o3] = q[12] * a0 + q[13] * a1 + q[14] * a2 + q[15] * a3;
        });
        return;
    }
    each_index(w, lo, hi, [&](i64 i) {
        for (i64 j = 0; j < d; ++j) amps[j] = psi[i | off[j]];
        for (i64 r = 0; r < d; ++r) {
            C acc = 0;
            for (i64 j = 0; j < d; ++j) acc += mat[r * d + j] * amps[j];
            psi[i | off[r]] = acc;
        }
    });
}

template <class C>
inline void diagonal_table(C* psi, const Walk& w, const i64* qs, i64 k, const cplx* t, bool adjoint,
                           i64 lo, i64 hi) {
    std::vector<i64> off;
    local_offsets(qs, k, off);
    const i64 d = i64(1) << k;
    std::vector<C> table(d);
    for (i64 j = 0; j < d; ++j) table[j] = C(adjoint ? std::conj(t[j]) : t[j]);
    each_index(w, lo, hi, [&](i64 i) {
        for (i64 j = 0; j < d; ++j) psi[i | off[j]] *= table[j];
    });
}

// new[j] = old[table[j]] on the local index (the adjoint passes the inverse table).
template <class C>
inline void permutation_table(C* psi, const Walk& w, const i64* qs, i64 k, const i64* table, i64 lo,
                              i64 hi) {
    const i64 d = i64(1) << k;
    std::vector<i64> off;
    local_offsets(qs, k, off);
    std::vector<C> amps(d);
    each_index(w, lo, hi, [&](i64 i) {
        for (i64 j = 0; j < d; ++j) amps[j] = psi[i | off[j]];
        for (i64 j = 0; j < d; ++j) psi[i | off[j]] = amps[table[j]];
    });
}

// A diagonal over the whole state that factors into a table over the low h bits times
// one over the rest: amplitude i takes low[i & mask] * high[i >> h].
template <class C>
inline void split_diagonal(C* psi, const cplx* low, const cplx* high, i64 h, bool adjoint, i64 lo,
                           i64 hi) {
    const i64 mask = (i64(1) << h) - 1;
    i64 i = lo;
    while (i < hi) {
        const i64 row = i >> h;
        const i64 stop = std::min(hi, (row + 1) << h);
        const cplx f = adjoint ? std::conj(high[row]) : high[row];
        C* __restrict p = psi;
        if (adjoint)
            for (i64 j = i; j < stop; ++j) p[j] *= C(f * std::conj(low[j & mask]));
        else
            for (i64 j = i; j < stop; ++j) p[j] *= C(f * low[j & mask]);
        i = stop;
    }
}

// Op o (forward or adjoint) on one state row, base indices [lo, hi). `e` holds the row's
// two-amplitude numbers (see entries()); table ops read theirs from the program.
template <class C>
inline void apply_op(const Program& p, const i64* o, C* psi, i64 row, const cplx e[4], bool adjoint,
                     i64 lo, i64 hi) {
    const Walk w = p.walk(o);
    const i64 tbit = i64(1) << o[T];
    switch (o[KIND]) {
        case MAT1: pair_matrix(psi, w, tbit, e, lo, hi); return;
        case REAL1: pair_real(psi, w, tbit, e, lo, hi); return;
        case RX: pair_rx(psi, w, tbit, e, lo, hi); return;
        case DIAG1: pair_diagonal(psi, w, tbit, e, lo, hi); return;
        case PHASE: phase(psi, w, e, lo, hi); return;
        case SWAP: swap(psi, w, o[A], o[B], lo, hi); return;
        case PARITY: parity_phase(psi, w, o[A], e, lo, hi); return;
        case PAULI: pauli_rotation(psi, w, o[A], o[B], o[NY], e, lo, hi); return;
        case MATK: dense(psi, w, p.local(o), o[K], p.table(o, row), adjoint, lo, hi); return;
        case DIAGK: diagonal_table(psi, w, p.local(o), o[K], p.table(o, row), adjoint, lo, hi); return;
        case PERMK: {
            const i64 d = i64(1) << o[K];  // the table, then its inverse
            permutation_table(psi, w, p.local(o), o[K], p.qlist + o[DOFF] + (adjoint ? d : 0), lo, hi);
            return;
        }
        case SPLIT: {
            const cplx* low = p.table(o, row);
            split_diagonal(psi, low, low + (i64(1) << o[T]), o[T], adjoint, lo, hi);
            return;
        }
        default: return;
    }
}

// Does the op read two-amplitude numbers (entries())?
inline bool uses_entries(i64 kind) {
    return kind == MAT1 || kind == REAL1 || kind == RX || kind == DIAG1 || kind == PHASE ||
           kind == PARITY || kind == PAULI;
}

}  // namespace qml
