// attnkit-tune's search engine: finds the configuration of a few discrete
// parameters that minimises a measured cost, in few measurements. It knows
// nothing of attention or of Google Benchmark (each header compiles alone, with
// the standard library only); the tuner supplies the space and the objective.
//
// **Parameters** (space.hpp)
// Named, each with a short list of distinct integer values whose order defines
// neighbours (block sizes 32, 64, 128; thread counts; a dtype as 0/1). A
// constraint may mark combinations invalid. A configuration holds one VALUE per
// parameter, in space order; its key "name=value,..." names it everywhere
// (cache, records, replay). Spaces are small enough to list (at most 2^24
// combinations): the valid ones are enumerated once, which makes sampling
// without replacement and nearest-valid repair exact.
//
// **Strategies** (strategy.hpp)
// Kept apart from the space and the objective, and chosen by name:
// "genetic" (default; tournament selection, uniform crossover, neighbour
// mutation, elitism, repair, de-duplication), "random" (uniform without
// replacement), "exhaustive" (every valid configuration, budget ignored) and
// "halving" (successive halving over repetitions, promotion by confidence
// intervals). None measures a configuration twice at one fidelity, and none
// measures an invalid one.
//
// **Candidates**
// `search_options::initial` (e.g. the library's defaults) is tried first, so a
// search can only improve on what the library already does; then each
// strategy proposes valid configurations not measured yet. Invalid children of
// the genetic algorithm are repaired to the nearest valid configuration (fewest
// changed parameters, then the fewest positions moved) that keeps what the
// mutation moved, so repair does not undo the mutation.
//
// **What cost is** (objective.hpp)
// Whatever the objective measures, lower is better: for the tuner, seconds per
// call. A measurement is the median of repetitions with a distribution-free
// confidence interval (statistics.hpp): timing noise is one-sided and skewed,
// and the median with an order-statistic interval assumes no distribution.
//
// **Fidelity and budget**
// Fidelity is the number of repetitions asked for; full_fidelity() of them is
// one full measurement, the unit of cost. The budget counts unique
// configurations measured at full fidelity (18 by default, as in the study the
// library grew from); for halving it is the cost budget in full-measurement
// equivalents, so strategies that measure cheaply can be compared fairly.
//
// **Seeding**
// One rng type (random.hpp, xoshiro256** with splitmix64 seeding, its own
// uniform draws rather than <random>'s library-specific distributions), seeded
// explicitly by search_options::seed and passed to every draw: the same seed
// and the same measured values give the same sequence of evaluations on any
// compiler. Nothing uses a global generator.
//
// **Caching and the record** (evaluator.hpp)
// The evaluator is the only way to the objective: it caches by (key,
// fidelity), so a repeated request is a cache hit, neither measured nor
// counted; invalid requests are counted and never measured; every real
// measurement goes to the history and the on_evaluation callback. With
// retime_incumbent_every = n the incumbent is measured again after every n new
// evaluations (retime = true in the record) to expose drift of the machine.
//
// **Elitism**
// The best members of each generation survive unchanged, so the genetic
// search never loses its incumbent, and the result is always the lowest
// full-fidelity median measured.
//
// **Simulation** (recorded.hpp, simulate.hpp)
// A recorded sweep (every repetition of every configuration) replays as an
// objective that draws repetitions from the record; simulate() runs a strategy
// over many seeds on it and reports the evaluations and cost until the best
// found is within a tolerance of the true optimum, so that strategies and
// their parameters are chosen on evidence rather than on the machine.
#pragma once

#include "evaluator.hpp"
#include "exhaustive.hpp"
#include "genetic.hpp"
#include "halving.hpp"
#include "objective.hpp"
#include "random.hpp"
#include "random_search.hpp"
#include "recorded.hpp"
#include "session.hpp"
#include "simulate.hpp"
#include "space.hpp"
#include "statistics.hpp"
#include "strategy.hpp"
#include "strategy_interface.hpp"
