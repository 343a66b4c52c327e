"""Progress on the terminal: what runs, n of N, elapsed and ETA."""

import sys
import time


def format_seconds(seconds):
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class Progress:
    """ETA from the work done so far: each step has an estimated cost (weights),
    and the remaining time is the elapsed time scaled by the remaining cost."""

    def __init__(self, weights, stream=None):
        self.weights = list(weights)
        self.total = sum(self.weights) or 1.0
        self.done = 0.0
        self.index = 0
        self.start = time.perf_counter()
        self.stream = stream or sys.stderr

    def eta(self):
        elapsed = time.perf_counter() - self.start
        if self.done <= 0:
            return None
        return elapsed * (self.total - self.done) / self.done

    def step(self, text):
        """Marks the next step done and prints a line about it."""
        self.done += self.weights[self.index] if self.index < len(self.weights) else 0.0
        self.index += 1
        eta = self.eta()
        elapsed = time.perf_counter() - self.start
        print(f"[{self.index}/{len(self.weights)}] {text}  (elapsed {format_seconds(elapsed)}"
              f"{', ETA ' + format_seconds(eta) if eta is not None else ''})", file=self.stream, flush=True)


def say(text, stream=None):
    print(text, file=stream or sys.stderr, flush=True)
