#pragma once

#include "ops.hpp"

namespace qml {

// The backward sweep of adjoint differentiation (Jones and Gacon, 2020).
//
// states[b] holds the final state psi of row b, lams[b, k] holds O_k psi; both are swept
// back through the ops' adjoints (and end as garbage). Before un-applying op i, whose
// slot angle theta enters as exp(-i theta s G / 2) (G: the kind's own generator, or a
// dense one over the op's local qubits), s * Im <lam_k| G |psi> is added to
// out[b, k, GSLOT] (s = gfactor[i]). out has shape (batch, count_k, out_slots).
void adjoint_sweep(const Program& p, cplx* states, cplx* lams, i64 batch, i64 count_k, double* out,
                   const double* gfactor, i64 out_slots);

}  // namespace qml
