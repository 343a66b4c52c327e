#include "common/shape.hpp"

#include <attnkit/sdpa.hpp>

#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace attnkit_bench {

shape square(attnkit::index_t batch, attnkit::index_t heads, attnkit::index_t seq, attnkit::index_t dim,
             attnkit::causal mode) {
    return {batch, heads, heads, seq, seq, dim, dim, mode};
}

// The library's names (the wisdom files' and messages'), not a copy of them.
const char* causal_name(attnkit::causal mode) { return attnkit::detail::causal_name(mode); }

std::optional<attnkit::causal> parse_causal(const std::string& text) {
    if (text == "none" || text == "full") return attnkit::causal::none;
    if (text == "top_left" || text == "causal") return attnkit::causal::top_left;
    if (text == "bottom_right") return attnkit::causal::bottom_right;
    return std::nullopt;
}

std::string shape_name(const shape& s) {
    const auto n = [](attnkit::index_t x) { return std::to_string(x); };
    std::string name = "B" + n(s.batch);
    if (s.heads_q == s.heads_kv && s.seq_q == s.seq_kv)
        name += "_H" + n(s.heads_q) + "_S" + n(s.seq_q);
    else
        name += "_Hq" + n(s.heads_q) + "_Hkv" + n(s.heads_kv) + "_Sq" + n(s.seq_q) + "_Skv" + n(s.seq_kv);
    name += "_D" + n(s.head_dim);
    if (s.head_dim_v != s.head_dim) name += "_Dv" + n(s.head_dim_v);
    return name;
}

shape parse_shape(const std::string& text) {
    std::vector<std::string> fields;
    std::size_t pos = 0;
    while (true) {
        const std::size_t comma = text.find(',', pos);
        fields.push_back(text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    if (fields.size() != 6 && fields.size() != 7)
        throw std::invalid_argument("shape '" + text + "': want B,Hq,Hkv,Sq,Skv,D[,causal] (" +
                                    std::to_string(fields.size()) + " fields given)");
    static const char* const names[] = {"B", "Hq", "Hkv", "Sq", "Skv", "D"};
    attnkit::index_t values[6] = {};
    for (int f = 0; f < 6; ++f) {
        const std::string& item = fields[static_cast<std::size_t>(f)];
        char* end = nullptr;
        const long long v = std::strtoll(item.c_str(), &end, 10);
        if (item.empty() || *end != '\0' || v < 1 || v > (1LL << 31))
            throw std::invalid_argument("shape '" + text + "': " + names[f] + " '" + item +
                                        "' is not a positive integer");
        values[f] = static_cast<attnkit::index_t>(v);
    }
    shape s{values[0], values[1], values[2], values[3], values[4], values[5], values[5], attnkit::causal::none};
    if (s.heads_q % s.heads_kv != 0)
        throw std::invalid_argument("shape '" + text + "': Hq (" + fields[1] + ") is not a multiple of Hkv (" +
                                    fields[2] + ")");
    if (fields.size() == 7) {
        const auto mode = parse_causal(fields[6]);
        if (!mode)
            throw std::invalid_argument("shape '" + text + "': causal '" + fields[6] +
                                        "' is not none, top_left, bottom_right or causal");
        s.mode = *mode;
    }
    return s;
}

double visible_pairs(const shape& s) {
    const std::int64_t offset = s.mode == attnkit::causal::bottom_right ? s.seq_kv - s.seq_q : 0;
    return visible_pairs(s.seq_q, s.seq_kv, s.mode != attnkit::causal::none, offset);
}

double attention_flop(const shape& s) {
    return attention_flop(s.batch, s.heads_q, visible_pairs(s), s.head_dim, s.head_dim_v);
}

double kv_bytes(const shape& s, std::size_t element_bytes) {
    return double(s.batch) * double(s.heads_kv) * double(s.seq_kv) * double(s.head_dim + s.head_dim_v) *
           double(element_bytes);
}

}  // namespace attnkit_bench
