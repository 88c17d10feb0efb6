#pragma once

#include "ops.hpp"

namespace qml {

// Amplitudes per block of rows: a block of small states stays in the L2 cache.
constexpr i64 CACHE_AMPLITUDES = i64(1) << 15;

// Ops start:stop:step of p (their adjoints if `adjoint`) on each of `batch` rows of
// `states` (row r at states + r * 2**n), each op over share `part` of `parts` of its base
// indices (threads split one large op so).
template <class C>
void run_ops(const Program& p, C* states, i64 batch, bool adjoint, i64 start, i64 stop, i64 step,
             i64 part, i64 parts);

}  // namespace qml
