#pragma once

#include "walk.hpp"

namespace qml {

// out[b, t] = <psi_b| P_t |psi_b> (real) for Pauli strings P_t given by masks:
// P|j> = i**ny (-1)**popcount(j & z) |j ^ x>.
void pauli_expectations(const cplx* states, i64 batch, int n, const i64* x, const i64* z, const i64* ny,
                        i64 terms, double* out);

// out[b, k] = sum_t coefficients[b, k, t] P_t states[b] (out is overwritten).
void apply_pauli_sums(const cplx* states, i64 batch, int n, const double* coefficients, i64 count_k,
                      const i64* x, const i64* z, const i64* ny, i64 terms, cplx* out);

}  // namespace qml
