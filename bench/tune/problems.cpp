#include "problems.hpp"

#include <stdexcept>

namespace attnkit_tune {
namespace {

using attnkit::causal;
using attnkit_bench::dtype;
using attnkit_bench::shape;

std::string mode_suffix(const shape& s) {
    return s.mode == causal::none ? "" : std::string("/") + attnkit_bench::causal_name(s.mode);
}

problem named(const std::string& set, const shape& s, dtype type) {
    return {set + "/" + attnkit_bench::dtype_name(type) + "/" + attnkit_bench::shape_name(s) + mode_suffix(s), set,
            s, type};
}

bool wanted(const std::vector<dtype>& dtypes, dtype t) {
    if (dtypes.empty()) return true;
    for (const dtype d : dtypes)
        if (d == t) return true;
    return false;
}

}  // namespace

std::vector<std::string> problem_set_names() { return {"study", "transformer", "decode", "prefill"}; }

std::vector<problem> problem_set(const std::string& set, const std::vector<dtype>& dtypes) {
    std::vector<problem> out;
    const auto add = [&](const problem& p) {
        if (wanted(dtypes, p.type)) out.push_back(p);
    };
    if (set == "study") {
        for (const dtype t : {dtype::f32, dtype::f64})
            for (const attnkit::index_t dim : {64, 128, 256, 400, 512, 768, 1024})
                add({"study/" + std::string(attnkit_bench::dtype_name(t)) + "/dim" + std::to_string(dim), set,
                     attnkit_bench::square(1, 1, dim, dim), t});
    } else if (set == "transformer") {
        add(named(set, attnkit_bench::square(1, 16, 1024, 64), dtype::f32));
        add(named(set, attnkit_bench::square(1, 16, 1024, 64, causal::top_left), dtype::f32));
        add(named(set, attnkit_bench::square(1, 16, 2048, 128), dtype::f32));
        add(named(set, {1, 16, 4, 2048, 2048, 128, 128, causal::top_left}, dtype::f32));
        add(named(set, attnkit_bench::square(1, 16, 1024, 128), dtype::f64));
    } else if (set == "prefill") {
        add(named(set, attnkit_bench::square(1, 8, 512, 64), dtype::f32));
        add(named(set, attnkit_bench::square(1, 8, 512, 64, causal::top_left), dtype::f32));
        add(named(set, {1, 8, 2, 512, 512, 128, 128, causal::top_left}, dtype::f32));
    } else if (set == "decode") {
        add(named(set, {1, 32, 8, 1, 4096, 128, 128, causal::none}, dtype::f32));
        add(named(set, {1, 32, 32, 1, 4096, 128, 128, causal::none}, dtype::f32));
        add(named(set, {1, 32, 8, 16, 4096, 128, 128, causal::bottom_right}, dtype::f32));
        add(named(set, {1, 32, 8, 1, 4096, 128, 128, causal::none}, dtype::f64));
    } else {
        std::string known;
        for (const auto& n : problem_set_names()) known += (known.empty() ? "" : ", ") + n;
        throw std::invalid_argument("unknown problem set '" + set + "' (known: " + known + ")");
    }
    return out;
}

problem shape_problem(const shape& s, dtype type) { return named("shape", s, type); }

}  // namespace attnkit_tune
