// attnkit in twenty lines: one call on contiguous [batch, heads, seq, dim] buffers.
#include <attnkit/attnkit.hpp>

#include <cstdio>
#include <vector>

int main() {
    const attnkit::index_t batch = 1, heads = 4, seq = 128, dim = 64;
    std::vector<float> q(batch * heads * seq * dim), k(q.size()), v(q.size()), out(q.size());
    for (std::size_t n = 0; n < q.size(); ++n) {
        q[n] = static_cast<float>(n % 7) * 0.1f;
        k[n] = static_cast<float>(n % 5) * 0.1f;
        v[n] = static_cast<float>(n % 3);
    }

    // out = softmax(q k^T / sqrt(dim)) v, per batch and head.
    attnkit::sdpa(attnkit::bhsd(q.data(), batch, heads, seq, dim), attnkit::bhsd(k.data(), batch, heads, seq, dim),
                  attnkit::bhsd(v.data(), batch, heads, seq, dim), attnkit::bhsd(out.data(), batch, heads, seq, dim));

    std::printf("out[0, 0, 0, 0] = %.6f\n", static_cast<double>(out[0]));
}
