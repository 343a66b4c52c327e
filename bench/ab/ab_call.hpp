// attnkit A/B: one attention call, described without any attnkit type, so that
// two builds of the library (two revisions, each in a namespace of its own)
// can be linked into one program. See run.sh.
#pragma once

#include <cstdint>

namespace attnkit_ab {

struct call {
    bool f64 = false;
    bool causal = false;  // top_left for prefill kinds, bottom_right for decode
    enum class kind { flash, parallel, decode } variant = kind::flash;
    int threads = 1;
    std::int64_t heads_q = 1, heads_kv = 1, seq_q = 1, seq_kv = 1, head_dim = 1;
    const void* q = nullptr;
    const void* k = nullptr;
    const void* v = nullptr;
    void* out = nullptr;
};

// Defined by each revision's unit (ab_unit.cpp compiled with ATTNKIT_AB_ENTRY).
void run_a(const call& c);
void run_b(const call& c);

}  // namespace attnkit_ab
