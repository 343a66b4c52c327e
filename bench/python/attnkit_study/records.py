"""The run's raw records (records.jsonl, one JSON object per line, each with a
"kind") and the views the tables and plots are built from."""

import json
import math

from attnkit_study.problems import Problem

RECORDS = "records.jsonl"
ENVIRONMENT = "environment.json"


def write(path, records, mode="a"):
    with open(path, mode, encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, sort_keys=True, allow_nan=True) + "\n")


def read(path):
    """Every record; a line that is not JSON is an error naming the file and line."""
    records = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if line:
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise ValueError(f"{path}:{number}: not a JSON record ({e})") from None
    return records


class Run:
    """One run's records, indexed: points, their samples per implementation and round."""

    def __init__(self, records):
        self.records = records
        self.meta = next((r for r in records if r["kind"] == "meta"), {})
        self.points = {r["point"]: r for r in records if r["kind"] == "point"}
        self.samples = {}
        for r in records:
            if r["kind"] == "sample":
                self.samples.setdefault(r["point"], {}).setdefault(r["impl"], {})[r["round"]] = r["time_s"]
        self.peaks = {(r["dtype"], r["threads"]): r["gflops"] for r in records if r["kind"] == "peak"}
        self.isolation = [r for r in records if r["kind"] == "isolation"]
        self.sharing = [r for r in records if r["kind"] == "sharing"]

    def problem(self, point_id):
        return Problem.from_dict(self.points[point_id]["problem"])

    def times(self, point_id, impl):
        """The implementation's per-call times at this point, in round order."""
        by_round = self.samples.get(point_id, {}).get(impl, {})
        return [by_round[k] for k in sorted(by_round)]

    def paired(self, point_id, a, b):
        """Times of a and b in the rounds where both were sampled: (list a, list b)."""
        ra = self.samples.get(point_id, {}).get(a, {})
        rb = self.samples.get(point_id, {}).get(b, {})
        common = sorted(set(ra) & set(rb))
        return [ra[k] for k in common], [rb[k] for k in common]

    def impls(self, point_id):
        return sorted(self.samples.get(point_id, {}))

    def points_in(self, set_name):
        return [pid for pid, p in self.points.items() if set_name in p["sets"]]

    def find(self, set_name, predicate):
        return [pid for pid in self.points_in(set_name) if predicate(self.problem(pid), self.points[pid]["threads"])]


def finite(x):
    return x is not None and not (isinstance(x, float) and (math.isnan(x) or math.isinf(x)))
