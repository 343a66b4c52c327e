#include "records.hpp"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <stdexcept>

#include "common/machine.hpp"

namespace attnkit_tune {

using nlohmann::json;

json to_json(const attention_config& c) {
    return {{"variant", variant_name(c.kernel)},
            {"block_q", c.block_q},
            {"block_kv", c.block_kv},
            {"threads", c.threads},
            {"dtype", attnkit_bench::dtype_name(c.type)}};
}

attention_config config_from_json(const json& j) {
    attention_config c;
    c.kernel = parse_variant(j.at("variant").get<std::string>());
    c.block_q = j.at("block_q").get<attnkit::index_t>();
    c.block_kv = j.at("block_kv").get<attnkit::index_t>();
    c.threads = j.at("threads").get<int>();
    const auto t = attnkit_bench::parse_dtype(j.value("dtype", std::string("f32")));
    if (!t) throw std::invalid_argument("bad dtype in configuration " + j.dump());
    c.type = *t;
    return c;
}

json to_json(const problem& p) {
    return {{"name", p.name},
            {"set", p.set},
            {"dtype", attnkit_bench::dtype_name(p.type)},
            {"batch", p.s.batch},
            {"heads_q", p.s.heads_q},
            {"heads_kv", p.s.heads_kv},
            {"seq_q", p.s.seq_q},
            {"seq_kv", p.s.seq_kv},
            {"head_dim", p.s.head_dim},
            {"head_dim_v", p.s.head_dim_v},
            {"causal", attnkit_bench::causal_name(p.s.mode)}};
}

problem problem_from_json(const json& j) {
    problem p;
    p.name = j.at("name").get<std::string>();
    p.set = j.value("set", std::string("shape"));
    const auto t = attnkit_bench::parse_dtype(j.at("dtype").get<std::string>());
    const auto mode = attnkit_bench::parse_causal(j.at("causal").get<std::string>());
    if (!t || !mode) throw std::invalid_argument("bad dtype or causal in problem " + j.dump());
    p.type = *t;
    p.s = {j.at("batch").get<attnkit::index_t>(),  j.at("heads_q").get<attnkit::index_t>(),
           j.at("heads_kv").get<attnkit::index_t>(), j.at("seq_q").get<attnkit::index_t>(),
           j.at("seq_kv").get<attnkit::index_t>(),   j.at("head_dim").get<attnkit::index_t>(),
           j.at("head_dim_v").get<attnkit::index_t>(), *mode};
    return p;
}

json machine_json() {
    json m = json::object();
    for (const auto& [name, value] : attnkit_bench::machine_facts()) m[name] = value;
    return m;
}

std::string utc_now() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

jsonl_writer::jsonl_writer(const std::string& path, bool append) : path_(path) {
    const std::filesystem::path dir = std::filesystem::path(path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir);
    out_.open(path, append ? std::ios::app : std::ios::trunc);
    if (!out_) throw std::runtime_error("attnkit-tune: cannot write " + path);
}

void jsonl_writer::write(const json& line) {
    out_ << line.dump() << '\n';
    out_.flush();
    if (!out_) throw std::runtime_error("attnkit-tune: writing " + path_ + " failed");
}

std::vector<recorded_sweep> read_sweeps(const std::vector<std::string>& paths) {
    std::vector<recorded_sweep> sweeps;
    std::map<std::string, std::size_t> index;  // file + problem name -> sweeps[]
    for (const std::string& path : paths) {
        std::ifstream in(path);
        if (!in) throw std::runtime_error("attnkit-tune: cannot read sweep file " + path);
        std::string text;
        int line = 0;
        while (std::getline(in, text)) {
            ++line;
            if (text.empty()) continue;
            try {
                const json j = json::parse(text);
                if (j.value("type", std::string()) != "sweep_configuration") continue;
                const std::string id = path + "\n" + j.at("problem").at("name").get<std::string>();
                auto found = index.find(id);
                if (found == index.end()) {
                    recorded_sweep s;
                    s.p = problem_from_json(j.at("problem"));
                    s.thread_budget = j.at("thread_budget").get<int>();
                    s.allow_precision_change = j.value("allow_precision_change", false);
                    s.machine = j.value("cpu_model", std::string("unknown"));
                    found = index.emplace(id, sweeps.size()).first;
                    sweeps.push_back(std::move(s));
                }
                auto& samples = sweeps[found->second].samples_by_key[j.at("key").get<std::string>()];
                for (const double x : j.at("samples_s")) samples.push_back(x);
            } catch (const std::exception& e) {
                throw std::runtime_error("attnkit-tune: " + path + ":" + std::to_string(line) + ": " + e.what());
            }
        }
    }
    return sweeps;
}

}  // namespace attnkit_tune
