// The adjoint sweep: each lam takes one pass that reads its overlap with the op's
// generator and updates it; psi is updated in the same pass when there is a single lam.
#include "adjoint.hpp"

#include <vector>

#include "forward.hpp"
#include "primitives.hpp"

namespace qml {

namespace {

inline double im_dot(cplx l, cplx g) { return l.real() * g.imag() - l.imag() * g.real(); }  // Im(conj(l) g)

// Two-amplitude kinds, one instantiation per (kind, want, both): the inner loops carry no
// branch, so they vectorise. Generator X for RX, Y for REAL1 (a Y rotation), Z for DIAG1;
// MAT1 (and any op with no slot) has none, and is swept with WANT = false.
template <i64 KIND_, bool WANT, bool BOTH>
double pair_pass(const Walk& w, i64 tbit, cplx* psi, cplx* lam, const cplx e[4], i64 lo, i64 hi) {
    // real rotations (RY) and RX forms in real arithmetic, as the forward primitives do
    const double r00 = e[0].real(), r01 = e[1].real(), r10 = e[2].real(), r11 = e[3].real();
    const double c = e[0].real(), sn = -e[1].imag();
    const cplx m00 = e[0], m01 = e[1], m10 = e[2], m11 = e[3];
    double acc = 0;
    walk(w, lo, hi, [&](i64 s, i64 r) {
        cplx* __restrict v0 = psi + s;
        cplx* __restrict v1 = psi + s + tbit;
        cplx* __restrict l0 = lam + s;
        cplx* __restrict l1 = lam + s + tbit;
        double part = 0;
        for (i64 j = 0; j < r; ++j) {
            const cplx a = v0[j], b = v1[j], la = l0[j], lb = l1[j];
            if (KIND_ == REAL1) {  // generator Y: <lam|Y psi> = -i la* b + i lb* a
                if (WANT) part += lb.real() * a.real() + lb.imag() * a.imag() - la.real() * b.real() - la.imag() * b.imag();
                l0[j] = r00 * la + r01 * lb;
                l1[j] = r10 * la + r11 * lb;
                if (BOTH) {
                    v0[j] = r00 * a + r01 * b;
                    v1[j] = r10 * a + r11 * b;
                }
            } else if (KIND_ == RX) {  // generator X: <lam|X psi> = la* b + lb* a
                if (WANT) part += la.real() * b.imag() - la.imag() * b.real() + lb.real() * a.imag() - lb.imag() * a.real();
                l0[j] = c * la + sn * cplx(lb.imag(), -lb.real());
                l1[j] = c * lb + sn * cplx(la.imag(), -la.real());
                if (BOTH) {
                    v0[j] = c * a + sn * cplx(b.imag(), -b.real());
                    v1[j] = c * b + sn * cplx(a.imag(), -a.real());
                }
            } else if (KIND_ == DIAG1) {  // numbers (d0, d1); generator Z
                if (WANT) part += la.real() * a.imag() - la.imag() * a.real() - lb.real() * b.imag() + lb.imag() * b.real();
                l0[j] = m00 * la;
                l1[j] = m01 * lb;
                if (BOTH) {
                    v0[j] = m00 * a;
                    v1[j] = m01 * b;
                }
            } else {
                l0[j] = m00 * la + m01 * lb;
                l1[j] = m10 * la + m11 * lb;
                if (BOTH) {
                    v0[j] = m00 * a + m01 * b;
                    v1[j] = m10 * a + m11 * b;
                }
            }
        }
        acc += part;
    });
    return acc;
}

template <i64 KIND_>
double pair_pass_flags(const Walk& w, i64 tbit, cplx* psi, cplx* lam, const cplx e[4], bool want, bool both,
                       i64 lo, i64 hi) {
    if (want) return both ? pair_pass<KIND_, true, true>(w, tbit, psi, lam, e, lo, hi)
                          : pair_pass<KIND_, true, false>(w, tbit, psi, lam, e, lo, hi);
    return both ? pair_pass<KIND_, false, true>(w, tbit, psi, lam, e, lo, hi)
                : pair_pass<KIND_, false, false>(w, tbit, psi, lam, e, lo, hi);
}

// lam <- M lam with the op's adjoint numbers e; with `both` also psi <- M psi (after its
// overlap is read). Returns Im <lam|G|psi> for the kind's own generator if `want`.
double lambda_pass(const Program& p, const i64* o, cplx* psi, cplx* lam, const cplx e[4], bool want,
                   bool both, i64 lo, i64 hi) {
    const Walk w = p.walk(o);
    const i64 kind = o[KIND];
    const i64 tbit = i64(1) << o[T];
    double acc = 0;
    if (kind == PHASE || kind == PARITY) {  // diagonal: a projector or a Z string
        const cplx even = e[0], odd = e[1];
        const i64 mask = o[A];
        walk(w, lo, hi, [&](i64 s, i64 r) {
            cplx* __restrict v = psi + s;
            cplx* __restrict l = lam + s;
            for (i64 j = 0; j < r; ++j) {
                const bool minus = kind == PARITY && parity((s + j) & mask);
                if (want) acc += minus ? -im_dot(l[j], v[j]) : im_dot(l[j], v[j]);
                const cplx d = minus ? odd : even;
                l[j] *= d;
                if (both) v[j] *= d;
            }
        });
        return acc;
    }
    if (kind == PAULI) {
        const i64 x = o[A], z = o[B];
        const double c = e[0].real(), sn = e[1].real();
        const cplx ip = power_of_i(o[NY]);
        const cplx f = cplx(0, -sn) * ip;
        walk(w, lo, hi, [&](i64 st, i64 r) {
            cplx* __restrict v0 = psi + st;
            cplx* __restrict v1 = psi + (st ^ x);
            cplx* __restrict l0 = lam + st;
            cplx* __restrict l1 = lam + (st ^ x);
            for (i64 j = 0; j < r; ++j) {
                const i64 i = st + j;
                const bool si = parity((i ^ x) & z), sj = parity(i & z);
                const cplx a = v0[j], b = v1[j], la = l0[j], lb = l1[j];
                if (want) {  // (P psi)[i] = i**ny (-1)**pc((i^x)&z) psi[i^x], and for i^x
                    acc += im_dot(la, (si ? -ip : ip) * b) + im_dot(lb, (sj ? -ip : ip) * a);
                }
                l0[j] = c * la + (si ? -f : f) * lb;
                l1[j] = c * lb + (sj ? -f : f) * la;
                if (both) {
                    v0[j] = c * a + (si ? -f : f) * b;
                    v1[j] = c * b + (sj ? -f : f) * a;
                }
            }
        });
        return acc;
    }
    switch (kind) {
        case RX: return pair_pass_flags<RX>(w, tbit, psi, lam, e, want, both, lo, hi);
        case REAL1: return pair_pass_flags<REAL1>(w, tbit, psi, lam, e, want, both, lo, hi);
        case DIAG1: return pair_pass_flags<DIAG1>(w, tbit, psi, lam, e, want, both, lo, hi);
        default: return pair_pass_flags<MAT1>(w, tbit, psi, lam, e, false, both, lo, hi);
    }
}

// Im <lam| G |psi> for a dense generator G over the op's local qubits (controls in ON).
double dense_overlap(const Program& p, const i64* o, const cplx* psi, const cplx* lam, i64 lo, i64 hi) {
    const i64 k = o[K], d = i64(1) << k;
    const cplx* g = p.mats + o[GOFF];
    std::vector<i64> off;
    local_offsets(p.local(o), k, off);
    std::vector<cplx> amps(d);
    double acc = 0;
    // the walk of the op visits each group of local amplitudes once when it inserts zeros
    // at every local qubit; two-amplitude kinds insert only the target, as they do here
    each_index(p.walk(o), lo, hi, [&](i64 i) {
        for (i64 j = 0; j < d; ++j) amps[j] = psi[i | off[j]];
        for (i64 r = 0; r < d; ++r) {
            cplx gpsi = 0;
            for (i64 j = 0; j < d; ++j) gpsi += g[r * d + j] * amps[j];
            acc += im_dot(lam[i | off[r]], gpsi);
        }
    });
    return acc;
}

bool natural(i64 kind) {
    return kind == RX || kind == REAL1 || kind == DIAG1 || kind == PHASE || kind == PARITY ||
           kind == PAULI;
}

}  // namespace

void adjoint_sweep(const Program& p, cplx* states, cplx* lams, i64 batch, i64 count_k, double* out,
                   const double* gfactor, i64 out_slots) {
    const i64 size = i64(1) << p.n;
    const i64 n_ops = p.n_ops;
    const i64 block = std::max<i64>(1, (CACHE_AMPLITUDES / size) / (count_k + 1));
    for (i64 first = 0; first < batch; first += block) {
        const i64 last = std::min(batch, first + block);
        for (i64 i = n_ops - 1; i >= 0; --i) {
            const i64* o = p.op(i);
            const i64 kind = o[KIND];
            if (kind == NOP) continue;
            const i64 total = p.work(o);
            const i64 s = o[GSLOT];
            const bool shared = !p.varies[i];
            const bool numbers = uses_entries(kind);
            cplx e[4] = {0, 0, 0, 0};
            if (numbers && shared) entries(p, o, first, true, e);
            for (i64 r = first; r < last; ++r) {
                if (numbers && !shared) entries(p, o, r, true, e);
                cplx* psi = states + r * size;
                cplx* lam = lams + r * count_k * size;
                double* grads = out + r * count_k * out_slots;
                const bool fused = numbers && (s < 0 || (o[GKIND] == GEN_NATURAL && natural(kind)));
                if (fused) {
                    // lams first: their overlaps need psi before the update
                    const bool single = count_k == 1;
                    for (i64 k = 0; k < count_k; ++k) {
                        const double g = lambda_pass(p, o, psi, lam + k * size, e, s >= 0, single, 0, total);
                        if (s >= 0) grads[k * out_slots + s] += gfactor[i] * g;
                    }
                    if (!single) apply_op(p, o, psi, r, e, true, 0, total);
                    continue;
                }
                if (s >= 0) {
                    for (i64 k = 0; k < count_k; ++k)
                        grads[k * out_slots + s] += gfactor[i] * dense_overlap(p, o, psi, lam + k * size, 0, total);
                }
                apply_op(p, o, psi, r, e, true, 0, total);
                for (i64 k = 0; k < count_k; ++k) apply_op(p, o, lam + k * size, r, e, true, 0, total);
            }
        }
    }
}

}  // namespace qml
