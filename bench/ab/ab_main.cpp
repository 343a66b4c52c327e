// attnkit A/B: two revisions of the library in one process, called alternately
// on the same inputs. On a shared host the speed drifts by more than the
// changes being judged (10-20 % between processes, minutes apart); calls
// alternated within one process see the same drift, so the median of the
// per-round ratios b/a isolates the change. Built and run by run.sh.
//
//   attnkit_ab ROUNDS CASE... [--json FILE]
//   CASE = DTYPE:VARIANT THREADS:MASK:HEADS_Q:HEADS_KV:SEQ_Q:SEQ_KV:HEAD_DIM
//          f32:flash1:full:16:16:2048:2048:128
//          f32:parallel16:causal:16:16:2048:2048:128
//          f32:decode1:causal:32:8:1:32768:128
// Prints per case the fastest and median call of each revision, GFLOP/s
// (4 B H Sq Skv D; causal counts only visible pairs) or GB/s of K and V for
// decode, and the median of the paired ratios b/a (below 1: b is faster).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "ab_call.hpp"
#include "common/flop.hpp"

namespace {

using attnkit_ab::call;

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr, "attnkit_ab: %s\nusage: attnkit_ab ROUNDS CASE... [--json FILE]\n", why.c_str());
    std::exit(2);
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> parts(1);
    for (char ch : s) {
        if (ch == sep)
            parts.emplace_back();
        else
            parts.back() += ch;
    }
    return parts;
}

std::int64_t positive(const std::string& text, const std::string& what) {
    char* end = nullptr;
    const long long x = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || x < 1) usage("bad " + what + " '" + text + "'");
    return x;
}

call parse_case(const std::string& spec) {
    const std::vector<std::string> f = split(spec, ':');
    if (f.size() != 8) usage("case '" + spec + "' does not have 8 fields");
    call c;
    if (f[0] != "f32" && f[0] != "f64") usage("bad dtype '" + f[0] + "'");
    c.f64 = f[0] == "f64";
    const std::size_t digits = f[1].find_first_of("0123456789");
    const std::string name = f[1].substr(0, digits);
    if (name == "flash")
        c.variant = call::kind::flash;
    else if (name == "parallel")
        c.variant = call::kind::parallel;
    else if (name == "decode")
        c.variant = call::kind::decode;
    else
        usage("bad variant '" + f[1] + "' (flash, parallel or decode, then the thread count)");
    c.threads = static_cast<int>(positive(digits == std::string::npos ? "" : f[1].substr(digits), "thread count"));
    if (f[2] != "full" && f[2] != "causal") usage("bad mask '" + f[2] + "' (full or causal)");
    c.causal = f[2] == "causal";
    c.heads_q = positive(f[3], "heads_q");
    c.heads_kv = positive(f[4], "heads_kv");
    c.seq_q = positive(f[5], "seq_q");
    c.seq_kv = positive(f[6], "seq_kv");
    c.head_dim = positive(f[7], "head_dim");
    if (c.heads_q % c.heads_kv != 0) usage("heads_q is not a multiple of heads_kv in '" + spec + "'");
    return c;
}

double median(std::vector<double> x) {
    std::sort(x.begin(), x.end());
    const std::size_t n = x.size();
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) usage("need ROUNDS and at least one CASE");
    const std::int64_t rounds = positive(argv[1], "round count");
    std::vector<std::string> specs;
    std::FILE* json = nullptr;
    for (int a = 2; a < argc; ++a) {
        const std::string arg = argv[a];
        if (arg == "--json") {
            if (++a == argc) usage("--json needs a file");
            json = std::fopen(argv[a], "a");
            if (!json) usage(std::string("cannot open ") + argv[a]);
        } else {
            specs.push_back(arg);
        }
    }

    void (*const revision[2])(const call&) = {attnkit_ab::run_a, attnkit_ab::run_b};
    std::printf("%-44s %12s %12s %12s %12s %9s %10s %s\n", "case", "a min ms", "a median", "b min ms", "b median",
                "b/a", "b best", "outputs");
    for (const std::string& spec : specs) {
        call c = parse_case(spec);
        const std::size_t element = c.f64 ? sizeof(double) : sizeof(float);
        const auto q_count = static_cast<std::size_t>(c.heads_q * c.seq_q * c.head_dim);
        const auto kv_count = static_cast<std::size_t>(c.heads_kv * c.seq_kv * c.head_dim);
        std::vector<unsigned char> q(q_count * element), k(kv_count * element), v(kv_count * element),
            out(q_count * element);
        std::mt19937_64 gen(0x5eed);
        std::uniform_real_distribution<double> uniform(-1.0, 1.0);
        for (auto* buffer : {&q, &k, &v})
            for (std::size_t i = 0; i < buffer->size() / element; ++i) {
                if (c.f64)
                    reinterpret_cast<double*>(buffer->data())[i] = uniform(gen);
                else
                    reinterpret_cast<float*>(buffer->data())[i] = static_cast<float>(uniform(gen));
            }
        c.q = q.data();
        c.k = k.data();
        c.v = v.data();
        c.out = out.data();

        // The warm-up (pages, caches, thread pools) also compares the two
        // revisions' outputs element by element, bit for bit.
        std::vector<unsigned char> out_b(out.size());
        revision[0](c);
        c.out = out_b.data();
        revision[1](c);
        c.out = out.data();
        std::size_t differ = 0;
        for (std::size_t i = 0; i < out.size(); i += element)
            differ += std::memcmp(out.data() + i, out_b.data() + i, element) != 0 ? 1 : 0;
        char outputs[48];
        if (differ == 0)
            std::snprintf(outputs, sizeof outputs, "bitwise equal");
        else
            std::snprintf(outputs, sizeof outputs, "%zu of %zu differ", differ, out.size() / element);

        std::vector<double> ms[2];
        for (std::int64_t r = 0; r < rounds; ++r) {
            // Which revision goes first alternates from round to round.
            for (std::int64_t w0 = 0; w0 < 2; ++w0) {
                const std::int64_t w = (w0 + r) % 2;
                const auto start = std::chrono::steady_clock::now();
                revision[w](c);
                ms[w].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
            }
            std::fprintf(stderr, "\r%s: round %lld of %lld", spec.c_str(), static_cast<long long>(r + 1),
                         static_cast<long long>(rounds));
        }
        std::fprintf(stderr, "\n");
        std::vector<double> ratio;
        for (std::int64_t r = 0; r < rounds; ++r) ratio.push_back(ms[1][r] / ms[0][r]);
        const double best_b = *std::min_element(ms[1].begin(), ms[1].end());
        char rate[32];
        if (c.variant == call::kind::decode) {
            std::snprintf(rate, sizeof rate, "%.1f GB/s", 2.0 * double(kv_count * element) / best_b * 1e-6);
        } else {
            const double pairs = attnkit_bench::visible_pairs(c.seq_q, c.seq_kv, c.causal, 0);  // top-left
            const double flop = attnkit_bench::attention_flop(1, c.heads_q, pairs, c.head_dim, c.head_dim);
            std::snprintf(rate, sizeof rate, "%.1f GF/s", flop / best_b * 1e-6);
        }
        std::printf("%-44s %12.3f %12.3f %12.3f %12.3f %9.3f %10s %s\n", spec.c_str(),
                    *std::min_element(ms[0].begin(), ms[0].end()), median(ms[0]), best_b, median(ms[1]),
                    median(ratio), rate, outputs);
        std::fflush(stdout);
        if (json)
            for (std::int64_t r = 0; r < rounds; ++r)
                std::fprintf(json, "{\"case\": \"%s\", \"round\": %lld, \"a_ms\": %.6f, \"b_ms\": %.6f}\n", spec.c_str(),
                             static_cast<long long>(r), ms[0][r], ms[1][r]);
    }
    if (json) std::fclose(json);
    return 0;
}
