"""The tuner's outputs (attnkit-tune --out DIR): summary.json (best and default
configuration per problem), wisdom.jsonl (what attnkit.load_wisdom reads) and,
in simulation mode, simulation.json (search strategies against each other)."""

import json
import os

from attnkit_study.problems import Problem

SUMMARY = "summary.json"
WISDOM = "wisdom.jsonl"
SIMULATION = "simulation.json"
PROBLEM_FIELDS = ("dtype", "batch", "heads_q", "heads_kv", "seq_q", "seq_kv", "head_dim", "head_dim_v", "causal")


class TuningError(ValueError):
    pass


def _load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        raise TuningError(f"cannot read {path}: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise TuningError(f"{path} is not JSON: {e}") from None


def _problem_of(entry, path, index):
    missing = [f for f in PROBLEM_FIELDS + ("best",) if f not in entry]
    if missing:
        raise TuningError(f"{path}: problems[{index}] ({entry.get('name', '?')}) lacks {', '.join(missing)}")
    best = entry["best"]
    for field in ("variant", "block_q", "block_kv", "threads"):
        if field not in best:
            raise TuningError(f"{path}: problems[{index}].best lacks {field}")
    return Problem(entry.get("name", f"tuned/{index}"), entry.get("set", "tuned"),
                   **{f: entry[f] for f in PROBLEM_FIELDS})


class Tuning:
    """One tuner output directory, read and checked."""

    def __init__(self, directory):
        if not os.path.isdir(directory):
            raise TuningError(f"--tuning {directory}: not a directory")
        self.directory = directory
        self.summary_path = os.path.join(directory, SUMMARY)
        self.summary = _load_json(self.summary_path)
        if not isinstance(self.summary, dict) or not isinstance(self.summary.get("problems"), list):
            raise TuningError(f"{self.summary_path}: no \"problems\" list")
        self.entries = {}
        for index, entry in enumerate(self.summary["problems"]):
            problem = _problem_of(entry, self.summary_path, index)
            self.entries[problem.key()] = (problem, entry)
        wisdom = os.path.join(directory, WISDOM)
        self.wisdom_path = wisdom if os.path.isfile(wisdom) else None
        simulation = os.path.join(directory, SIMULATION)
        self.simulation = _load_json(simulation) if os.path.isfile(simulation) else None

    def entry_for(self, problem):
        """The tuner's entry for this computation (matched on shape, dtype and mask), or None."""
        found = self.entries.get(problem.key())
        return found[1] if found else None

    def best_for(self, problem):
        entry = self.entry_for(problem)
        return dict(entry["best"]) if entry else None


def load(directory):
    """A Tuning, or None for no directory."""
    return Tuning(directory) if directory else None
