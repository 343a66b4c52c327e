// Test support for the wisdom tests: entries for a test shape with this
// process's key (and, from test_wisdom_capture.hpp, files and stderr).
#pragma once

#include <string>

#include "attnkit/wisdom.hpp"
#include "support/case.hpp"
#include "test_wisdom_capture.hpp"

namespace attnkit_test {

inline attnkit::wisdom_problem wisdom_problem_of(const shape& s, attnkit::causal mode = attnkit::causal::none,
                                                 attnkit::mask_kind mask = attnkit::mask_kind::none) {
    attnkit::wisdom_problem p;
    p.batch = s.batch;
    p.heads_q = s.heads_q;
    p.heads_kv = s.heads_kv;
    p.seq_q = s.seq_q;
    p.seq_kv = s.seq_kv;
    p.head_dim = s.head_dim;
    p.head_dim_v = s.head_dim_v;
    p.causal_mode = mode;
    p.mask = mask;
    return p;
}

// An entry of this process's key (element type T, config.threads = threads)
// choosing kernel with the given tiles for shape s.
template <class T>
attnkit::wisdom_entry entry_for(const shape& s, attnkit::variant kernel, attnkit::index_t block_q,
                                attnkit::index_t block_kv, int choice_threads = 0, int threads = 0,
                                attnkit::causal mode = attnkit::causal::none,
                                attnkit::mask_kind mask = attnkit::mask_kind::none) {
    attnkit::wisdom_entry e;
    e.key = attnkit::current_wisdom_key<T>(threads);
    e.problem = wisdom_problem_of(s, mode, mask);
    e.choice.kernel = kernel;
    e.choice.block_q = block_q;
    e.choice.block_kv = block_kv;
    e.choice.threads = choice_threads;
    return e;
}

// The test shape with the sequence lengths changed.
inline shape with_seq(shape s, attnkit::index_t seq_q, attnkit::index_t seq_kv) {
    s.seq_q = seq_q;
    s.seq_kv = seq_kv;
    return s;
}

}  // namespace attnkit_test
