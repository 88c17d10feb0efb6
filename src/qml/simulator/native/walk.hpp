// Walking the amplitudes an op touches: the one loop every primitive shares.
//
// A state is a row of 2**n complex amplitudes in qiskit's little-endian order: bit q of
// an index is qubit q. An op fixes some bits of the indices it visits: zeros inserted
// at its sorted qubit positions, then the `on` bits set (controls in state |1>, or the
// bits a phase needs). Base index k in [0, 2**(n - nins)) names one visited group.
//
// Bits below the lowest inserted position pass through unchanged, so consecutive base
// indices map to consecutive amplitudes: `walk` hands each primitive whole runs
// [start, start + length) that it processes with plain, vectorisable loops.
#pragma once

#include <algorithm>
#include <complex>
#include <cstdint>

namespace qml {

using cplx = std::complex<double>;
using i64 = std::int64_t;

struct Walk {
    const i64* pos;  // sorted inserted positions
    int nins;
    i64 on;

    // Amplitude index of base index k: zeros inserted at every position, then `on` set.
    inline i64 index(i64 k) const {
        for (int j = 0; j < nins; ++j) {
            const i64 p = pos[j];
            k = ((k >> p) << (p + 1)) | (k & ((i64(1) << p) - 1));
        }
        return k | on;
    }

    // Length of the run of consecutive amplitudes from base index k (at most hi - k).
    inline i64 run(i64 k, i64 hi) const {
        if (nins == 0) return hi - k;
        const i64 low = i64(1) << pos[0];
        return std::min(low - (k & (low - 1)), hi - k);
    }
};

// f(start, length) for every run of base indices [lo, hi).
template <class F>
inline void walk(const Walk& w, i64 lo, i64 hi, F&& f) {
    i64 k = lo;
    while (k < hi) {
        const i64 length = w.run(k, hi);
        f(w.index(k), length);
        k += length;
    }
}

// f(index) for every base index in [lo, hi), for ops that gather a group of amplitudes.
template <class F>
inline void each_index(const Walk& w, i64 lo, i64 hi, F&& f) {
    for (i64 k = lo; k < hi; ++k) f(w.index(k));
}

inline int parity(i64 v) { return __builtin_parityll(static_cast<unsigned long long>(v)); }

}  // namespace qml
