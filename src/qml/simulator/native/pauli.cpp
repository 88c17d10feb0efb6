// Pauli strings on states: expectation values and weighted sums applied to states (the
// lambdas the adjoint sweep starts from).
#include "pauli.hpp"

namespace qml {

namespace {

cplx power_of_i(i64 ny) {
    switch (ny & 3) {
        case 0: return 1;
        case 1: return cplx(0, 1);
        case 2: return -1;
        default: return cplx(0, -1);
    }
}

}  // namespace

void pauli_expectations(const cplx* states, i64 batch, int n, const i64* x, const i64* z, const i64* ny,
                        i64 terms, double* out) {
    const i64 size = i64(1) << n;
    for (i64 b = 0; b < batch; ++b) {
        const cplx* __restrict psi = states + b * size;
        for (i64 t = 0; t < terms; ++t) {
            const i64 zt = z[t], xt = x[t];
            if (xt == 0) {  // diagonal: a signed sum of probabilities
                double acc = 0;
                for (i64 j = 0; j < size; ++j) {
                    const double q = std::norm(psi[j]);
                    acc += parity(j & zt) ? -q : q;
                }
                out[b * terms + t] = acc;
                continue;
            }
            cplx acc = 0;
            for (i64 j = 0; j < size; ++j) {
                const cplx term = std::conj(psi[j ^ xt]) * psi[j];
                acc += parity(j & zt) ? -term : term;
            }
            out[b * terms + t] = (acc * power_of_i(ny[t])).real();
        }
    }
}

void apply_pauli_sums(const cplx* states, i64 batch, int n, const double* coefficients, i64 count_k,
                      const i64* x, const i64* z, const i64* ny, i64 terms, cplx* out) {
    const i64 size = i64(1) << n;
    for (i64 b = 0; b < batch; ++b) {
        const cplx* __restrict psi = states + b * size;
        for (i64 k = 0; k < count_k; ++k) {
            cplx* __restrict target = out + (b * count_k + k) * size;
            const double* c = coefficients + (b * count_k + k) * terms;
            for (i64 j = 0; j < size; ++j) target[j] = 0;
            for (i64 t = 0; t < terms; ++t) {
                if (c[t] == 0) continue;
                const cplx f = c[t] * power_of_i(ny[t]);
                const i64 xt = x[t], zt = z[t];
                for (i64 j = 0; j < size; ++j) {
                    const cplx v = f * psi[j];
                    target[j ^ xt] += parity(j & zt) ? -v : v;
                }
            }
        }
    }
}

}  // namespace qml
