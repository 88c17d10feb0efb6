// The op table the Python side lowers a circuit to (qml/simulator/lowering.py), and the
// numbers an op reads. Column and kind numbers must match lowering.py.
#pragma once

#include "walk.hpp"

namespace qml {

// Columns of one row of the op table (int64).
enum Column : int {
    KIND = 0,  // which primitive
    NINS,      // how many zero bits the walk inserts
    QOFF,      // offset in qlist: NINS sorted positions, then K local qubits in gate order
    K,         // local qubits: a table op's, or a gate's targets (for a dense generator)
    ON,        // bits set in every visited index
    T,         // target qubit of two-amplitude kinds; split position of SPLIT
    A,         // SWAP: first bit; PARITY: Z mask; PAULI: X mask
    B,         // SWAP: second bit; PAULI: Z mask
    NY,        // PAULI: number of Y letters
    SLOT,      // first slot (phase column), or -1
    SRC,       // where the numbers come from: FROM_MATS, FROM_ROWS or FROM_PHASE
    DOFF,      // offset of the numbers in mats, rowdata or (PERMK) qlist
    GSLOT,     // slot whose derivative the adjoint sweep adds up, or -1
    GKIND,     // generator: GEN_NATURAL (the kind's own) or GEN_DENSE
    GOFF,      // GEN_DENSE: offset in mats of the generator over the K local qubits
    WIDTH
};

enum Kind : i64 {
    NOP = 0,
    MAT1,    // 2x2 complex matrix on T (controls in ON)
    REAL1,   // 2x2 real matrix on T (from phases: a Y rotation)
    RX,      // [[c, -is], [-is, c]] on T
    DIAG1,   // (d0, d1) on T
    PHASE,   // d on the amplitudes with every ON bit set
    SWAP,    // exchange index|A and index|B (A = 0: a flip of bit B)
    PARITY,  // even/odd phase by the parity of index & A (Z-string rotations)
    PAULI,   // exp(-i phi P / 2), P given by masks A (X), B (Z), NY
    MATK,    // dense 2**K x 2**K matrix on the local qubits
    DIAGK,   // diagonal table of 2**K entries on the local qubits
    PERMK,   // new[j] = old[table[j]] on the local qubits
    SPLIT,   // fusion's diagonal over the whole state: low table (2**T) times high table
};

enum Source : i64 { FROM_MATS = 0, FROM_ROWS = 1, FROM_PHASE = 2 };
enum Generator : i64 { GEN_NATURAL = 0, GEN_DENSE = 1 };

// Everything a primitive needs to know about the program, in one place.
struct Program {
    int n;
    i64 n_ops;
    const i64* ops;       // (n_ops, WIDTH)
    const i64* qlist;
    const cplx* mats;
    const cplx* phases;   // (phase_rows, n_slots)
    i64 phase_rows, n_slots;
    const cplx* rowdata;  // (data_rows, row_width)
    i64 data_rows, row_width;
    const unsigned char* varies;  // per op: do its numbers differ between rows?

    const i64* op(i64 i) const { return ops + i * WIDTH; }
    Walk walk(const i64* o) const { return Walk{qlist + o[QOFF], static_cast<int>(o[NINS]), o[ON]}; }
    const i64* local(const i64* o) const { return qlist + o[QOFF] + o[NINS]; }

    // Base indices op o walks on n qubits.
    i64 work(const i64* o) const {
        if (o[KIND] == NOP) return 0;
        if (o[KIND] == SPLIT) return i64(1) << n;
        return i64(1) << (n - o[NINS]);
    }

    // The row of `phases` / `rowdata` that state row r reads (row 0 when shared).
    const cplx* phase_row(i64 r) const { return phases + (phase_rows == 1 ? 0 : r) * n_slots; }
    const cplx* data_row(i64 r) const { return rowdata + (data_rows == 1 ? 0 : r) * row_width; }

    // Constant or per-row numbers of a table op (MATK, DIAGK, SPLIT).
    const cplx* table(const i64* o, i64 r) const {
        return (o[SRC] == FROM_ROWS ? data_row(r) : mats) + o[DOFF];
    }
};

// The four numbers of a two-amplitude kind, for row r, forward or adjoint.
// Matrices: (m00, m01, m10, m11); diagonals and parities: (d0, d1); phases: (d); Pauli
// rotations: (cos, sin) of half the angle.
inline void entries(const Program& p, const i64* o, i64 r, bool adjoint, cplx e[4]) {
    const i64 kind = o[KIND];
    if (o[SRC] == FROM_PHASE) {
        cplx h = p.phase_row(r)[o[SLOT]];  // exp(i phi / 2)
        if (adjoint) h = std::conj(h);     // U(phi)^dagger = U(-phi)
        const double c = h.real(), s = h.imag();
        switch (kind) {
            case RX: e[0] = c; e[1] = cplx(0, -s); e[2] = e[1]; e[3] = c; return;
            case REAL1: e[0] = c; e[1] = -s; e[2] = s; e[3] = c; return;
            case DIAG1: case PARITY: e[0] = std::conj(h); e[1] = h; e[2] = 0; e[3] = 1; return;
            case PHASE: e[0] = std::conj(h); e[1] = 0; e[2] = 0; e[3] = 1; return;
            default: e[0] = c; e[1] = s; e[2] = 0; e[3] = 1; return;  // PAULI
        }
    }
    const cplx* d = o[SRC] == FROM_ROWS ? p.data_row(r) + o[DOFF] : p.mats + o[DOFF];
    if (kind == MAT1 || kind == REAL1) {
        if (adjoint) {
            e[0] = std::conj(d[0]); e[1] = std::conj(d[2]); e[2] = std::conj(d[1]); e[3] = std::conj(d[3]);
        } else {
            e[0] = d[0]; e[1] = d[1]; e[2] = d[2]; e[3] = d[3];
        }
        return;
    }
    const int count = (kind == PHASE) ? 1 : 2;  // DIAG1, PARITY
    for (int j = 0; j < 4; ++j) e[j] = j < count ? (adjoint ? std::conj(d[j]) : d[j]) : cplx(j == 3 ? 1 : 0);
}

}  // namespace qml
