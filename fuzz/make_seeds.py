#!/usr/bin/env python3
"""Writes the seed corpus fuzz/corpus/: one small input per feature of the
fuzzer's input format (fuzz/sdpa_fuzzer.cpp, decode_case), named after it.

The encoding below mirrors the decoder byte for byte; check what a seed decodes
to with `ATTNKIT_FUZZ_PRINT=1 fuzz/run.sh 0 fuzz/corpus/<name>`.
Usage: fuzz/make_seeds.py [folder, default fuzz/corpus]
"""
import os
import sys

# ---- fields ---------------------------------------------------------------------

SIZE_CLASS = {"tiny": 0, "small": 22, "long": 29, "wide": 30}


def pick(v, lo, hi):
    """A byte that reader::pick(lo, hi) reads as v."""
    assert lo <= v <= hi
    return v - lo


def pick16(v, lo, hi):
    assert lo <= v <= hi
    w = v - lo
    return [w & 255, w >> 8]


def pick_dim(v, hi):
    """A byte that pick_dim(r, hi) reads as v (0, or 1..hi)."""
    if v == 0:
        return 0
    assert 1 <= v <= hi
    b = v - 1
    while b < 6:
        b += hi
    assert b < 256 and 1 + b % hi == v
    return b


PERMS = [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)]


def layout(perm=(0, 1, 2), pads=None, rev=(), step=None, dim_major=False, zero_dim=None, rank=4):
    """Bytes of decode_layout. perm: the order of the outer dimensions (for rank
    4: batch 0, heads 1, seq 2; head_dim stays last unless dim_major); pads: a
    pad per dimension (0..3); rev: reversed dimensions; step: 2 or 3 for a
    non-unit innermost stride; zero_dim: an outer input dimension of stride 0."""
    a = PERMS.index(tuple(perm))
    strided = step is not None or dim_major
    assert not (strided and zero_dim is not None)
    if pads is not None:
        a |= 8
    if rev:
        a |= 16
    if strided:
        a |= 7 << 5
    if zero_dim is not None:
        a |= 1 << 5
    b = 0
    for d in rev:
        b |= 1 << d
    if step == 3:
        b |= 16
    if zero_dim is not None:
        b |= zero_dim << 5
    if dim_major:
        b |= 128
    out = [a, b]
    if pads is not None:
        g = 0
        for d, p in enumerate(pads):
            g |= p << (2 * d)
        out.append(g & 255)
    return out


BHSD = layout()
BSHD = layout((0, 2, 1))
SBHD = layout((2, 0, 1))
LSE = layout((0, 1, 2), rank=3)

MODES = {"uniform": 0, "constant": 2, "large": 3, "subnormal": 4, "specials": 5, "peaked": 6,
         "integers": 7, "mostly-one": 8, "mask-inf": 9}


def filler(mode="uniform", param=0):
    return [MODES[mode], param]


PATTERNS = ["full", "shared", "per_batch", "per_head", "key_padding", "per_key", "per_query", "scalar"]
CAUSAL = {"none": 0, "top_left": 1, "bottom_right": 2}
ISA = {"automatic": 0, "sse2": 1, "avx2": 2, "avx512": 3}


# Tiles from the whole range (extreme_tile): the dimension, one more, 1e9,
# 2^31, 2^40, 2^61, 2^62, INT64_MAX; pass EXTREME_TILE[name] as bq or bkv.
EXTREME_TILE = {"dim": ("extreme", 0), "dim+1": ("extreme", 1), "1e9": ("extreme", 2), "2^31": ("extreme", 3),
                "2^40": ("extreme", 4), "2^61": ("extreme", 5), "2^62": ("extreme", 6), "max": ("extreme", 7)}
# Thread counts past 3 (extreme_threads), by value.
EXTREME_THREADS = [4, 16, 64, 1023, 1024, 1025, 100000, 2**31 - 1]


def block_q(v):
    if isinstance(v, tuple):
        return 248 + v[1]
    if v == 0:
        return 0
    if v <= 20:
        return 48 + v - 1
    assert 21 <= v <= 99 and (v - 21) % 2 == 0
    return 208 + (v - 21) // 2


def block_kv(v):
    if isinstance(v, tuple):
        return 248 + v[1]
    if v == 0:
        return 0
    if v <= 16:
        return 48 + v - 1
    assert 17 <= v <= 230 and (v - 17) % 3 == 0
    return 176 + (v - 17) // 3


def threads_byte(v):
    if v <= 3:
        return v
    return 248 + EXTREME_THREADS.index(v)


SCALES = [1e-3, 0.01, 0.1, 0.3, 0.5, 1.0, 2.0, 10.0, 100.0, 1e-30]


def scale(index=None):
    """None: the default scale; else SCALES[index]."""
    if index is None:
        return 0
    b = 160
    while b % 10 != index:
        b += 1
    return b


def case(dtype="float", size="tiny", batch=1, heads_kv=1, group=1, seq_q=4, seq_kv=5, head_dim=4,
         head_dim_v=4, wide_v=False, empty_batch=False, q=BHSD, k=BHSD, v=BHSD, out=BHSD, lse_layout=LSE,
         fq=None, fk=None, fv=None, causal="none", mask=None, pattern="full", mask_layout=BHSD, drop=64,
         fm=None, lse=True, bq=0, bkv=0, threads=1, isa="automatic", scale_index=None):
    b = [1 if dtype == "double" else 0, SIZE_CLASS[size]]
    if size == "tiny":
        b += [pick(batch, 1, 2), pick(heads_kv, 1, 2), pick(group, 1, 3), pick_dim(seq_q, 9),
              pick_dim(seq_kv, 11), pick_dim(head_dim, 9), pick_dim(head_dim_v, 9)]
    elif size == "small":
        b += [pick(batch, 1, 2), pick(heads_kv, 1, 3), pick(group, 1, 4), pick_dim(seq_q, 24),
              pick_dim(seq_kv, 30), pick_dim(head_dim, 20), pick_dim(head_dim_v, 20)]
    elif size == "long":
        b += [pick(group, 1, 2)] + pick16(seq_kv, 1000, 1800) + [pick(head_dim, 1, 3), pick(head_dim_v, 1, 3)]
    else:
        wide, narrow = (head_dim_v, head_dim) if wide_v else (head_dim, head_dim_v)
        b += [pick(group, 1, 2), pick(seq_q, 1, 3), pick(seq_kv, 1, 5)] + pick16(wide, 100, 600)
        b += [pick(narrow, 1, 40), 1 if wide_v else 0]
    b += [255 if empty_batch else 0]
    b += q + k + v + out + lse_layout
    b += (fq or filler()) + (fk or filler()) + (fv or filler())
    kind = {None: 0, "bool": 2, "additive": 3}[mask]
    b += [CAUSAL[causal], kind, PATTERNS.index(pattern)] + mask_layout
    if mask == "bool":
        b += [drop]
    elif mask == "additive":
        b += fm or filler()
    b += [1 if lse else 0, block_q(bq), block_kv(bkv), threads_byte(threads), ISA[isa], scale(scale_index)]
    return bytes(b)


# ---- the seeds --------------------------------------------------------------------

def seeds():
    s = {}
    for dt in ("float", "double"):
        s[f"tiny-{dt}"] = case(dt)
        s[f"small-{dt}-gqa"] = case(dt, "small", batch=2, heads_kv=2, group=3, seq_q=19, seq_kv=23, head_dim=13,
                                    head_dim_v=7, bq=5, bkv=7, threads=2)
        s[f"long-{dt}-decode-splits"] = case(dt, "long", group=2, seq_q=1, seq_kv=1790, head_dim=3, head_dim_v=2,
                                             threads=3)
        s[f"wide-{dt}-head_dim"] = case(dt, "wide", group=2, seq_q=3, seq_kv=5, head_dim=530, head_dim_v=9)
        s[f"wide-{dt}-head_dim_v"] = case(dt, "wide", seq_q=2, seq_kv=4, head_dim=7, head_dim_v=390, wide_v=True)
    # Shapes at the edges.
    s["mqa"] = case(heads_kv=1, group=3, seq_q=7, seq_kv=9)
    s["head_dim-0"] = case(head_dim=0, seq_kv=6)
    s["head_dim_v-0"] = case("double", head_dim_v=0)
    s["seq_q-0"] = case(seq_q=0)
    s["seq_kv-0"] = case("double", seq_kv=0, lse=True)
    s["batch-0"] = case(empty_batch=True)
    s["one-key"] = case("double", seq_kv=1, seq_q=5)
    s["seq_q-1-decode"] = case("float", "small", batch=2, heads_kv=3, group=4, seq_q=1, seq_kv=30, head_dim=20, head_dim_v=17)
    s["seq_q-16"] = case("float", "small", seq_q=16, seq_kv=29, head_dim=8, head_dim_v=8, group=2, bkv=5)
    # Layouts.
    s["bshd"] = case(batch=2, heads_kv=2, group=2, q=BSHD, k=BSHD, v=BSHD, out=BSHD)
    s["sbhd-gaps"] = case("double", batch=2, heads_kv=2, q=layout((2, 0, 1), pads=(1, 2, 1, 3)),
                          k=layout((1, 0, 2), pads=(2, 1, 3, 1)), v=SBHD, out=layout(pads=(1, 1, 2, 2)))
    s["reversed"] = case(batch=2, heads_kv=2, seq_q=6, seq_kv=7, q=layout(rev=(0, 2)), k=layout(rev=(1, 2)),
                         v=layout((0, 2, 1), rev=(2,)), out=layout(rev=(0, 1, 2)))
    s["stride0-inputs"] = case(batch=2, heads_kv=2, group=2, q=layout(zero_dim=0), k=layout(zero_dim=1),
                               v=layout(zero_dim=2))
    s["head_dim-step2-rejected"] = case(q=layout(step=2))
    s["head_dim-outermost-rejected"] = case("double", k=layout(dim_major=True), seq_kv=7)
    s["out-step3-rejected"] = case(out=layout(step=3))
    s["head_dim-1-step2-accepted"] = case(head_dim=1, head_dim_v=1, q=layout(step=2), v=layout(step=2))
    s["lse-layouts"] = case(batch=2, heads_kv=2, lse_layout=layout((2, 0, 1), pads=(1, 1, 2), step=3, rank=3))
    s["lse-reversed"] = case("double", batch=2, heads_kv=2, lse_layout=layout((1, 2, 0), rev=(0, 2), rank=3))
    s["no-lse"] = case(lse=False, seq_q=9, seq_kv=11)
    # Causal alignments with seq_q != seq_kv, tiles that do not divide.
    for c in ("top_left", "bottom_right"):
        s[f"causal-{c}-short-q"] = case("float", "small", causal=c, seq_q=7, seq_kv=26, bq=3, bkv=5)
        s[f"causal-{c}-long-q"] = case("double", "small", causal=c, seq_q=24, seq_kv=9, bq=4, bkv=2)
    s["causal-bottom_right-decode"] = case("double", "small", causal="bottom_right", seq_q=3, seq_kv=30, group=4,
                                           heads_kv=2, bkv=4)
    # Masks, every broadcast pattern, both kinds.
    for i, p in enumerate(PATTERNS):
        dt = "float" if i % 2 == 0 else "double"
        s[f"bool-mask-{p}"] = case(dt, batch=2, heads_kv=2, group=2, seq_q=6, seq_kv=9, mask="bool", pattern=p,
                                   drop=96, bkv=4)
        s[f"additive-mask-{p}"] = case(dt, batch=2, heads_kv=1, group=2, seq_q=7, seq_kv=8, mask="additive",
                                       pattern=p, fm=filler("mask-inf"), bq=3)
    s["bool-mask-all-false"] = case(mask="bool", drop=255, pattern="key_padding")
    s["bool-mask-gapped"] = case(mask="bool", mask_layout=layout((2, 1, 0), pads=(1, 0, 2, 1), rev=(3,)), seq_kv=9)
    s["additive-mask-large"] = case("double", mask="additive", fm=filler("large"), seq_kv=10)
    s["additive-mask-stride0"] = case(mask="additive", mask_layout=layout(zero_dim=2), fm=filler("mask-inf"))
    s["mask-and-causal"] = case("float", "small", mask="bool", causal="bottom_right", seq_q=12, seq_kv=20, drop=128, bkv=3)
    # Values.
    s["nan-specials"] = case(fq=filler("specials"), fk=filler("specials"), fv=filler("specials"), seq_kv=11)
    s["subnormal-qk"] = case(fq=filler("subnormal"), fk=filler("subnormal"))
    s["subnormal-v"] = case("double", fv=filler("subnormal"), seq_kv=9)
    s["large-scores"] = case(fq=filler("large", 1), fk=filler("large", 1))
    s["large-v"] = case("double", fv=filler("large"), seq_kv=11)
    s["all-equal"] = case(fq=filler("constant", 150), fk=filler("constant", 100), fv=filler("constant", 60))
    s["ties"] = case("double", fq=filler("integers"), fk=filler("integers"), seq_kv=11)
    s["mostly-one"] = case(fv=filler("mostly-one", 200), fk=filler("mostly-one", 3))
    s["peaked"] = case("double", fq=filler("peaked", 255), fk=filler("peaked", 255))
    # Scales, threads, instruction sets.
    s["scale-tiny"] = case(scale_index=9, fq=filler("large", 1), fk=filler("large", 1))
    s["scale-100"] = case("double", scale_index=8)
    s["threads-0"] = case("float", "small", threads=0, seq_q=20, seq_kv=20, group=2)
    s["threads-3"] = case("double", "small", threads=3, seq_q=18)
    for x in ("sse2", "avx2", "avx512"):
        s[f"isa-{x}-float"] = case("float", "small", isa=x, seq_q=11, seq_kv=21, head_dim=17, head_dim_v=9, bq=3,
                                   bkv=6)
        s[f"isa-{x}-double"] = case("double", "small", isa=x, seq_q=3, seq_kv=27, head_dim=9, head_dim_v=19,
                                    group=4, bkv=5)
    s["tiles-large"] = case("float", "small", seq_q=24, seq_kv=30, bq=99, bkv=230)
    s["tiles-1"] = case(bq=1, bkv=1, seq_q=5, seq_kv=7)
    # Tile sizes and thread counts from their whole range (issue 15).
    s["tiles-max"] = case("float", "small", seq_q=1, seq_kv=30, group=2, bq=EXTREME_TILE["max"],
                          bkv=EXTREME_TILE["max"], threads=1024)
    s["tiles-2p62-dim"] = case("double", seq_q=6, seq_kv=9, bq=EXTREME_TILE["2^62"], bkv=EXTREME_TILE["dim"])
    s["tiles-dimplus1-2p61"] = case("float", "long", seq_kv=1300, head_dim=3, head_dim_v=2, bq=EXTREME_TILE["dim+1"], bkv=EXTREME_TILE["2^61"],
                                 threads=64)
    s["threads-max-threads"] = case("double", "small", seq_q=17, seq_kv=20, threads=1024)
    s["threads-rejected"] = case(threads=1025)
    return s


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        os.remove(os.path.join(folder, name))
    for name, data in sorted(seeds().items()):
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
