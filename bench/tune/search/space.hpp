// The search space: named parameters, each with a discrete list of values in
// an order that defines which values are neighbours (mutation steps and repair
// distances are measured in positions of that list), and an optional
// constraint that marks some combinations invalid (e.g. a block larger than
// the sequence). Configurations hold values, not positions, so that callers
// read `space.value(c, "block_q")` directly.
//
// The engine is for tuning spaces that can be listed: the valid configurations
// are enumerated once, at construction (at most max_configurations), which
// makes uniform sampling without replacement and exact nearest-valid repair
// simple and exact.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "random.hpp"

namespace attnkit_bench {
namespace search {

struct parameter {
    std::string name;
    std::vector<std::int64_t> values;  // distinct; their order defines neighbours
};

// One value per parameter, in the space's parameter order.
using configuration = std::vector<std::int64_t>;

class space {
 public:
    // Enumerating more than this many configurations is refused: the engine is
    // meant for spaces of hundreds to thousands of candidates.
    static constexpr std::uint64_t max_configurations = std::uint64_t{1} << 24;

    space(std::vector<parameter> parameters, std::function<bool(const configuration&)> valid = {})
        : parameters_(std::move(parameters)), constraint_(std::move(valid)) {
        check_parameters();
        size_ = cartesian_size();
        if (size_ > max_configurations)
            throw std::invalid_argument("space: " + std::to_string(size_) + " configurations exceed the " +
                                        std::to_string(max_configurations) + " this engine enumerates");
        enumerate_valid();
    }

    const std::vector<parameter>& parameters() const noexcept { return parameters_; }

    std::size_t index_of(std::string_view name) const {
        for (std::size_t p = 0; p < parameters_.size(); ++p)
            if (parameters_[p].name == name) return p;
        std::string known;
        for (const auto& parameter : parameters_) known += (known.empty() ? "" : ", ") + parameter.name;
        throw std::invalid_argument("space: no parameter named '" + std::string(name) + "' (parameters: " + known +
                                    ")");
    }

    std::int64_t value(const configuration& c, std::string_view name) const {
        require_arity(c, "space::value");
        return c[index_of(name)];
    }

    // Right arity and every value one of its parameter's values.
    bool contains(const configuration& c) const {
        if (c.size() != parameters_.size()) return false;
        for (std::size_t p = 0; p < c.size(); ++p)
            if (!position_of(p, c[p])) return false;
        return true;
    }

    bool valid(const configuration& c) const { return contains(c) && satisfies_constraint(c); }

    // The size of the cartesian product, valid or not.
    std::uint64_t size() const noexcept { return size_; }

    std::size_t valid_count() const noexcept { return valid_.size(); }

    // Every valid configuration, in lexicographic order of positions (the first
    // parameter varies slowest).
    std::vector<configuration> valid_configurations() const { return valid_; }
    const std::vector<configuration>& valid_configurations_view() const noexcept { return valid_; }

    // "name=value,name=value" in parameter order: stable, and unique because
    // names contain neither ',' nor '='.
    std::string key(const configuration& c) const {
        require_arity(c, "space::key");
        std::string k;
        for (std::size_t p = 0; p < c.size(); ++p) {
            if (p > 0) k += ',';
            k += parameters_[p].name;
            k += '=';
            k += std::to_string(c[p]);
        }
        return k;
    }

    // The inverse of key(): throws std::invalid_argument naming the key when it
    // does not list this space's parameters in order, or a value is not one of
    // its parameter's values.
    configuration parse(std::string_view key_text) const {
        configuration c;
        std::size_t at = 0;
        for (std::size_t p = 0; p < parameters_.size(); ++p) {
            const std::string& name = parameters_[p].name;
            if (at > key_text.size())
                throw std::invalid_argument("space::parse: '" + std::string(key_text) + "' names " +
                                            std::to_string(p) + " of the " + std::to_string(parameters_.size()) +
                                            " parameters");
            const std::size_t end = std::min(key_text.find(',', at), key_text.size());
            const std::string_view field = key_text.substr(at, end - at);
            if (field.size() <= name.size() + 1 || field.substr(0, name.size()) != name || field[name.size()] != '=')
                throw std::invalid_argument("space::parse: '" + std::string(key_text) + "': expected '" + name +
                                            "=<value>' as field " + std::to_string(p + 1));
            const std::string number(field.substr(name.size() + 1));
            std::size_t used = 0;
            std::int64_t v = 0;
            try {
                v = std::stoll(number, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used != number.size() || !position_of(p, v))
                throw std::invalid_argument("space::parse: '" + std::string(key_text) + "': " + name + "=" + number +
                                            " is not one of the parameter's values");
            c.push_back(v);
            at = end + 1;
        }
        const bool extra_fields = parameters_.empty() ? !key_text.empty() : at <= key_text.size();
        if (extra_fields)
            throw std::invalid_argument("space::parse: '" + std::string(key_text) + "' has fields after the " +
                                        std::to_string(parameters_.size()) + " parameters");
        return c;
    }

    // The position of c's value in each parameter's list (c must be contained).
    std::vector<std::size_t> positions(const configuration& c) const {
        require_contained(c, "space::positions");
        std::vector<std::size_t> at(c.size());
        for (std::size_t p = 0; p < c.size(); ++p) at[p] = *position_of(p, c[p]);
        return at;
    }

    // The nearest valid configuration to c: fewest changed parameters first,
    // then the smallest sum of position distances; ties broken by `random`.
    // c itself when it is valid; nullopt when the space has no valid
    // configuration. c must be contained (right arity, known values).
    std::optional<configuration> repair(const configuration& c, rng& random) const {
        return repair(c, random, std::vector<bool>(c.size(), false));
    }

    // The same, among the valid configurations that keep c's values of the
    // parameters marked in `keep` (e.g. the ones a mutation just moved, which a
    // plain repair could move straight back); when none keeps them all, among
    // every valid configuration.
    std::optional<configuration> repair(const configuration& c, rng& random, const std::vector<bool>& keep) const {
        require_contained(c, "space::repair");
        if (keep.size() != c.size())
            throw std::invalid_argument("space::repair: keep has " + std::to_string(keep.size()) +
                                        " flags, the space " + std::to_string(c.size()) + " parameters");
        if (satisfies_constraint(c)) return c;
        const auto from = positions(c);
        auto nearest = nearest_valid(from, keep);
        if (nearest.empty()) nearest = nearest_valid(from, std::vector<bool>(c.size(), false));
        if (nearest.empty()) return std::nullopt;
        return valid_[nearest[random.index(nearest.size())]];
    }

 private:
    // Indexes into valid_ of the valid configurations nearest to `from` (fewest
    // changed positions, then the smallest distance) that keep the kept ones.
    std::vector<std::size_t> nearest_valid(const std::vector<std::size_t>& from, const std::vector<bool>& keep) const {
        std::size_t best_changed = std::numeric_limits<std::size_t>::max();
        std::size_t best_distance = std::numeric_limits<std::size_t>::max();
        std::vector<std::size_t> nearest;
        for (std::size_t v = 0; v < valid_.size(); ++v) {
            std::size_t changed = 0, distance = 0;
            bool kept = true;
            for (std::size_t p = 0; p < from.size() && kept; ++p) {
                const std::size_t to = valid_positions_[v][p];
                if (to == from[p]) continue;
                kept = !keep[p];
                ++changed;
                distance += to > from[p] ? to - from[p] : from[p] - to;
            }
            if (!kept) continue;
            if (changed < best_changed || (changed == best_changed && distance < best_distance)) {
                best_changed = changed;
                best_distance = distance;
                nearest.assign(1, v);
            } else if (changed == best_changed && distance == best_distance) {
                nearest.push_back(v);
            }
        }
        return nearest;
    }

    void check_parameters() const {
        for (std::size_t p = 0; p < parameters_.size(); ++p) {
            const auto& parameter = parameters_[p];
            if (parameter.name.empty())
                throw std::invalid_argument("space: parameter " + std::to_string(p + 1) + " has an empty name");
            if (parameter.name.find_first_of(",=") != std::string::npos)
                throw std::invalid_argument("space: parameter name '" + parameter.name +
                                            "' contains ',' or '=' (configuration keys use them)");
            if (parameter.values.empty())
                throw std::invalid_argument("space: parameter '" + parameter.name + "' has no values");
            for (std::size_t q = 0; q < p; ++q)
                if (parameters_[q].name == parameter.name)
                    throw std::invalid_argument("space: parameter '" + parameter.name + "' is listed twice");
            for (std::size_t i = 0; i < parameter.values.size(); ++i)
                for (std::size_t j = 0; j < i; ++j)
                    if (parameter.values[i] == parameter.values[j])
                        throw std::invalid_argument("space: parameter '" + parameter.name + "' lists value " +
                                                    std::to_string(parameter.values[i]) + " twice");
        }
    }

    std::uint64_t cartesian_size() const {
        std::uint64_t n = 1;
        for (const auto& parameter : parameters_) {
            const auto count = static_cast<std::uint64_t>(parameter.values.size());
            if (n > std::numeric_limits<std::uint64_t>::max() / count)
                throw std::invalid_argument("space: the number of configurations overflows 64 bits");
            n *= count;
        }
        return n;
    }

    // Lists the valid configurations once, odometer-style over positions.
    void enumerate_valid() {
        position_index_.resize(parameters_.size());
        for (std::size_t p = 0; p < parameters_.size(); ++p)
            for (std::size_t i = 0; i < parameters_[p].values.size(); ++i)
                position_index_[p].emplace(parameters_[p].values[i], i);
        std::vector<std::size_t> at(parameters_.size(), 0);
        configuration c(parameters_.size());
        for (std::uint64_t n = 0; n < size_; ++n) {
            for (std::size_t p = 0; p < at.size(); ++p) c[p] = parameters_[p].values[at[p]];
            if (satisfies_constraint(c)) {
                valid_.push_back(c);
                valid_positions_.push_back(at);
            }
            for (std::size_t p = at.size(); p-- > 0;) {
                if (++at[p] < parameters_[p].values.size()) break;
                at[p] = 0;
            }
        }
    }

    bool satisfies_constraint(const configuration& c) const { return !constraint_ || constraint_(c); }

    std::optional<std::size_t> position_of(std::size_t p, std::int64_t v) const {
        const auto& index = position_index_[p];
        const auto found = index.find(v);
        if (found == index.end()) return std::nullopt;
        return found->second;
    }

    void require_arity(const configuration& c, const char* what) const {
        if (c.size() != parameters_.size())
            throw std::invalid_argument(std::string(what) + ": the configuration has " + std::to_string(c.size()) +
                                        " values, the space " + std::to_string(parameters_.size()) + " parameters");
    }

    void require_contained(const configuration& c, const char* what) const {
        require_arity(c, what);
        for (std::size_t p = 0; p < c.size(); ++p)
            if (!position_of(p, c[p]))
                throw std::invalid_argument(std::string(what) + ": " + parameters_[p].name + "=" +
                                            std::to_string(c[p]) + " is not one of the parameter's values");
    }

    std::vector<parameter> parameters_;
    std::function<bool(const configuration&)> constraint_;
    std::uint64_t size_ = 0;
    std::vector<std::unordered_map<std::int64_t, std::size_t>> position_index_;
    std::vector<configuration> valid_;
    std::vector<std::vector<std::size_t>> valid_positions_;
};

}  // namespace search
}  // namespace attnkit_bench
