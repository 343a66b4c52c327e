"""Attention problems: one shape, dtype and mask, as the tuner names them, and
the arithmetic that depends only on the problem (FLOP, bytes, visible pairs)."""

import dataclasses
import zlib

DTYPES = ("f32", "f64")
CAUSAL_MODES = ("none", "top_left", "bottom_right")
ELEMENT_BYTES = {"f32": 4, "f64": 8}


@dataclasses.dataclass(frozen=True)
class Problem:
    """One attention call's shape, dtype and causal mode (the tuner's fields)."""

    name: str
    set: str
    dtype: str
    batch: int
    heads_q: int
    heads_kv: int
    seq_q: int
    seq_kv: int
    head_dim: int
    head_dim_v: int
    causal: str = "none"

    def __post_init__(self):
        if self.dtype not in DTYPES:
            raise ValueError(f"problem {self.name}: dtype {self.dtype!r} is not one of {DTYPES}")
        if self.causal not in CAUSAL_MODES:
            raise ValueError(f"problem {self.name}: causal {self.causal!r} is not one of {CAUSAL_MODES}")
        for field in ("batch", "heads_q", "heads_kv", "seq_q", "seq_kv", "head_dim", "head_dim_v"):
            if getattr(self, field) < 1:
                raise ValueError(f"problem {self.name}: {field} ({getattr(self, field)}) must be at least 1")
        if self.heads_q % self.heads_kv:
            raise ValueError(f"problem {self.name}: heads_q ({self.heads_q}) is not a multiple of "
                             f"heads_kv ({self.heads_kv})")

    def key(self):
        """What identifies the computation, whatever the name or set: used to
        match the tuner's problems and to share one measurement between sets."""
        return (self.dtype, self.batch, self.heads_q, self.heads_kv, self.seq_q, self.seq_kv, self.head_dim,
                self.head_dim_v, self.causal)

    def shape_text(self):
        gqa = f"Hq{self.heads_q}/Hkv{self.heads_kv}" if self.heads_q != self.heads_kv else f"H{self.heads_q}"
        dv = f"/Dv{self.head_dim_v}" if self.head_dim_v != self.head_dim else ""
        return f"B{self.batch} {gqa} Sq{self.seq_q} Skv{self.seq_kv} D{self.head_dim}{dv}"

    def seed(self, base):
        """The inputs' seed: the same arrays for every implementation, whatever the set."""
        return (base * 1_000_003 + zlib.crc32(repr(self.key()).encode())) % (1 << 32)

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d):
        fields = {f.name for f in dataclasses.fields(cls)}
        missing = [f for f in fields if f not in d and f not in ("causal",)]
        if missing:
            raise ValueError(f"problem {d.get('name', '?')}: missing field(s) {', '.join(sorted(missing))}")
        return cls(**{k: v for k, v in d.items() if k in fields})


def causal_offset(problem):
    """Query row i sees keys j <= i + offset (None: every key)."""
    if problem.causal == "top_left":
        return 0
    if problem.causal == "bottom_right":
        return problem.seq_kv - problem.seq_q
    return None


def visible_pairs(problem):
    """(query, key) pairs that take part, per batch and query head."""
    offset = causal_offset(problem)
    if offset is None:
        return problem.seq_q * problem.seq_kv
    return sum(min(max(i + offset + 1, 0), problem.seq_kv) for i in range(problem.seq_q))


def flop(problem):
    """The two matrix products' FLOP, bench/flop.hpp's convention: 2·B·Hq·pairs·(D + Dv)
    (4·B·H·Sq·Skv·D without a mask and with Dv = D)."""
    return 2.0 * problem.batch * problem.heads_q * visible_pairs(problem) * (problem.head_dim + problem.head_dim_v)


def kv_bytes(problem):
    """Bytes of K and V, each row read once: what decoding must at least move."""
    return (problem.batch * problem.heads_kv * problem.seq_kv * (problem.head_dim + problem.head_dim_v)
            * ELEMENT_BYTES[problem.dtype])
