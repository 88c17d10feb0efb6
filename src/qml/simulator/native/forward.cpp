// The forward pass: ops start:stop:step (or their adjoints) on every row of a batch.
#include "forward.hpp"

#include <vector>

#include "primitives.hpp"

namespace qml {

template <class C>
void run_ops(const Program& p, C* states, i64 batch, bool adjoint, i64 start, i64 stop, i64 step,
             i64 part, i64 parts) {
    const i64 size = i64(1) << p.n;
    // rows go in blocks that stay in cache; each op's numbers are built once per block
    // when they are shared by every row (weights), else once per row (data inputs)
    const i64 block = std::max<i64>(1, CACHE_AMPLITUDES / size);
    for (i64 first = 0; first < batch; first += block) {
        const i64 last = std::min(batch, first + block);
        for (i64 i = start; step > 0 ? i < stop : i > stop; i += step) {
            const i64* o = p.op(i);
            const i64 total = p.work(o);
            const i64 lo = total * part / parts, hi = total * (part + 1) / parts;
            if (lo == hi) continue;
            const bool shared = !p.varies[i];
            cplx e[4] = {0, 0, 0, 0};
            const bool numbers = uses_entries(o[KIND]);
            if (numbers && shared) entries(p, o, first, adjoint, e);
            for (i64 r = first; r < last; ++r) {
                if (numbers && !shared) entries(p, o, r, adjoint, e);
                apply_op(p, o, states + r * size, r, e, adjoint, lo, hi);
            }
        }
    }
}

template void run_ops<cplx>(const Program&, cplx*, i64, bool, i64, i64, i64, i64, i64);
template void run_ops<std::complex<float>>(const Program&, std::complex<float>*, i64, bool, i64, i64, i64,
                                           i64, i64);

}  // namespace qml
