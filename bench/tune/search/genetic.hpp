// The genetic algorithm (the default strategy): a small population, tournament
// selection, uniform crossover, mutation that steps a parameter to a
// neighbouring value (or, rarely, jumps to a random one), elitism, repair of
// invalid children and de-duplication, so that every measurement is of a new
// valid configuration and the budget buys only new information.
//
// Generations: the first population is `initial` then random valid
// configurations; each next one is the `elite` best of the current one plus
// children of tournament winners. A child that was already measured is
// mutated again (at least one parameter changes) and repaired, up to
// `duplicate_attempts` times, and then replaced by a random unmeasured valid
// configuration: duplicates cost no budget, and the search cannot stall. It
// stops at `budget` unique evaluations or when the valid space is exhausted.
//
// Surrogate screening (surrogate_candidates > 1, off by default): each child
// is the most promising of that many distinct unmeasured children, judged by
// a nearest-neighbour model of the measurements so far (the mean log cost of
// the three measured configurations nearest in positions, weighted by inverse
// distance). A measurement costs seconds and the model microseconds, so with
// budgets of tens of evaluations the model decides where the budget goes
// (surrogate-assisted evolution, Jin 2011, "Surrogate-assisted evolutionary
// computation: recent advances and future challenges").
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "random.hpp"
#include "session.hpp"
#include "space.hpp"
#include "strategy_interface.hpp"

namespace attnkit_bench {
namespace search {

// The defaults were chosen on the synthetic problems of tests/ (a separable
// bowl and a rugged, deceptive landscape, on the full grid and with half of it
// invalid; 18 evaluations, 200 seeds): with the strongest elitism (elite =
// population - 1, one new child per generation, i.e. steady state) the mean
// true cost of the result was 0.85 of random search's, against 0.95 with
// population 6 and elite 1. Tiny budgets reward exploiting the incumbent's
// neighbourhood. Re-choose them on recorded sweeps with simulate().
struct genetic_parameters {
    int population = 4;              // members per generation
    int tournament = 3;              // members drawn (with replacement) per parent choice; the best wins
    double crossover_rate = 0.9;     // probability that a child mixes two parents (else it copies one)
    double mutation_rate = 0.25;     // per parameter, probability that a child's value moves
    double random_jump_rate = 0.1;   // of a move: probability it goes to any other value, not a neighbour
    int elite = 3;                   // best members carried unchanged into the next generation
    int duplicate_attempts = 16;     // re-mutations of an already measured child before a random one
    int surrogate_candidates = 1;    // children screened by the surrogate per measured child (1: no screening)

    void validate() const {
        auto fail = [](const std::string& field, const std::string& value, const std::string& rule) {
            throw std::invalid_argument("genetic_parameters." + field + " (" + value + ") " + rule);
        };
        auto rate = [&](const char* field, double r) {
            if (!(r >= 0 && r <= 1)) fail(field, std::to_string(r), "must be in [0, 1]");
        };
        if (population < 2) fail("population", std::to_string(population), "must be >= 2");
        if (tournament < 1 || tournament > population)
            fail("tournament", std::to_string(tournament), "must be in [1, population = " +
                                                               std::to_string(population) + "]");
        rate("crossover_rate", crossover_rate);
        rate("mutation_rate", mutation_rate);
        rate("random_jump_rate", random_jump_rate);
        if (elite < 0 || elite >= population)
            fail("elite", std::to_string(elite), "must be in [0, population - 1 = " +
                                                     std::to_string(population - 1) + "]");
        if (duplicate_attempts < 0) fail("duplicate_attempts", std::to_string(duplicate_attempts), "must be >= 0");
        if (surrogate_candidates < 1)
            fail("surrogate_candidates", std::to_string(surrogate_candidates), "must be >= 1");
    }
};

class genetic_strategy : public strategy {
 public:
    explicit genetic_strategy(genetic_parameters parameters = {}) : parameters_(parameters) { parameters_.validate(); }

    std::string name() const override { return "genetic"; }
    const genetic_parameters& parameters() const noexcept { return parameters_; }

    search_result run(const space& s, objective& f, const search_options& options) override {
        search_session session(s, f, options);
        const auto size = static_cast<std::size_t>(parameters_.population);
        std::vector<member> population;
        std::vector<member> measured;  // every measurement of this run: the surrogate's data
        auto measure_into = [&](std::vector<member>& into, const configuration& c) {
            if (const auto m = session.evaluate(c)) {
                into.push_back({c, m->median});
                measured.push_back({c, m->median});
            }
        };
        auto budget_left = [&] { return session.unique() < session.budget() && !session.exhausted(); };

        for (const auto& c : options.initial) {
            if (!budget_left()) break;
            if (!session.measured(c)) measure_into(population, c);
        }
        while (population.size() < size && budget_left())
            measure_into(population, *session.random_unmeasured());

        while (budget_left() && !population.empty()) {
            std::stable_sort(population.begin(), population.end(),
                             [](const member& a, const member& b) { return a.cost < b.cost; });
            const auto kept = std::min(population.size(), static_cast<std::size_t>(parameters_.elite));
            std::vector<member> next(population.begin(), population.begin() + static_cast<std::ptrdiff_t>(kept));
            while (next.size() < size && budget_left())
                measure_into(next, screened_child(session, population, measured));
            population = std::move(next);
        }
        return session.finish(name());
    }

 private:
    struct member {
        configuration config;
        double cost;
    };

    const member& tournament_winner(rng& random, const std::vector<member>& population) const {
        const member* best = &population[random.index(population.size())];
        for (int draw = 1; draw < parameters_.tournament; ++draw) {
            const member& rival = population[random.index(population.size())];
            if (rival.cost < best->cost) best = &rival;
        }
        return *best;
    }

    // Uniform crossover: each parameter from either parent with probability 1/2.
    configuration crossover(rng& random, const configuration& a, const configuration& b) const {
        configuration child = a;
        if (random.bernoulli(parameters_.crossover_rate))
            for (std::size_t p = 0; p < child.size(); ++p)
                if (random.bernoulli(0.5)) child[p] = b[p];
        return child;
    }

    // Moves each parameter with probability mutation_rate; with `force`, at least
    // one parameter that has more than one value moves. Returns which moved.
    std::vector<bool> mutate(const space& s, rng& random, configuration& c, bool force) const {
        const auto& parameters = s.parameters();
        auto at = s.positions(c);
        std::vector<bool> moved(parameters.size(), false);
        bool any = false;
        for (std::size_t p = 0; p < parameters.size(); ++p) {
            if (parameters[p].values.size() < 2 || !random.bernoulli(parameters_.mutation_rate)) continue;
            at[p] = moved_position(random, at[p], parameters[p].values.size());
            moved[p] = any = true;
        }
        if (force && !any) {
            std::vector<std::size_t> movable;
            for (std::size_t p = 0; p < parameters.size(); ++p)
                if (parameters[p].values.size() > 1) movable.push_back(p);
            if (!movable.empty()) {
                const std::size_t p = movable[random.index(movable.size())];
                at[p] = moved_position(random, at[p], parameters[p].values.size());
                moved[p] = true;
            }
        }
        for (std::size_t p = 0; p < parameters.size(); ++p) c[p] = parameters[p].values[at[p]];
        return moved;
    }

    // A neighbouring position (the one neighbour at either end), or with
    // probability random_jump_rate any other position.
    std::size_t moved_position(rng& random, std::size_t at, std::size_t count) const {
        if (random.bernoulli(parameters_.random_jump_rate)) {
            const std::size_t other = random.index(count - 1);
            return other < at ? other : other + 1;
        }
        if (at == 0) return 1;
        if (at + 1 == count) return at - 1;
        return random.bernoulli(0.5) ? at + 1 : at - 1;
    }

    // The child to measure: with surrogate_candidates > 1, the one of that many
    // distinct unmeasured children whose predicted cost is lowest (the first
    // on ties, so the sequence stays a function of the seed).
    configuration screened_child(search_session& session, const std::vector<member>& population,
                                 const std::vector<member>& measured) const {
        configuration best = unmeasured_child(session, population);
        if (parameters_.surrogate_candidates < 2 || measured.empty()) return best;
        const space& s = session.space();
        double best_prediction = predicted_log_cost(s, best, measured);
        std::vector<configuration> seen{best};
        for (int k = 1; k < parameters_.surrogate_candidates; ++k) {
            configuration c = unmeasured_child(session, population);
            if (std::find(seen.begin(), seen.end(), c) != seen.end()) continue;
            seen.push_back(c);
            const double prediction = predicted_log_cost(s, c, measured);
            if (prediction < best_prediction) {
                best_prediction = prediction;
                best = std::move(c);
            }
        }
        return best;
    }

    // The surrogate: the inverse-distance-weighted mean log cost of the (up to)
    // three measured configurations nearest to c, distance being the sum over
    // parameters of |position difference| / (values - 1).
    static double predicted_log_cost(const space& s, const configuration& c, const std::vector<member>& measured) {
        constexpr std::size_t neighbours = 3;
        const auto& parameters = s.parameters();
        const auto at = s.positions(c);
        std::vector<std::pair<double, double>> by_distance;  // (distance, log cost)
        by_distance.reserve(measured.size());
        for (const member& m : measured) {
            const auto other = s.positions(m.config);
            double d = 0;
            for (std::size_t p = 0; p < parameters.size(); ++p)
                if (parameters[p].values.size() > 1)
                    d += std::fabs(static_cast<double>(at[p]) - static_cast<double>(other[p])) /
                         static_cast<double>(parameters[p].values.size() - 1);
            by_distance.emplace_back(d, std::log(std::max(m.cost, 1e-300)));
        }
        const std::size_t n = std::min(neighbours, by_distance.size());
        std::partial_sort(by_distance.begin(), by_distance.begin() + static_cast<std::ptrdiff_t>(n), by_distance.end());
        double weight_sum = 0, sum = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double w = 1.0 / (by_distance[i].first + 1e-3);
            weight_sum += w;
            sum += w * by_distance[i].second;
        }
        return sum / weight_sum;
    }

    // A child of two tournament winners, repaired and de-duplicated: always a
    // valid configuration not measured yet (the caller checked that one exists).
    configuration unmeasured_child(search_session& session, const std::vector<member>& population) const {
        rng& random = session.random();
        const space& s = session.space();
        const member& mother = tournament_winner(random, population);
        const member& father = tournament_winner(random, population);
        configuration child = crossover(random, mother.config, father.config);
        auto moved = mutate(s, random, child, /*force=*/false);
        for (int attempt = 0;; ++attempt) {
            // Repair keeps what the mutation just moved, so it does not undo it.
            if (const auto repaired = s.repair(child, random, moved)) child = *repaired;
            if (s.valid(child) && !session.measured(child)) return child;
            if (attempt >= parameters_.duplicate_attempts) break;
            moved = mutate(s, random, child, /*force=*/true);
        }
        return *session.random_unmeasured();
    }

    genetic_parameters parameters_;
};

}  // namespace search
}  // namespace attnkit_bench
