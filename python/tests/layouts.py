"""Random attention inputs in the memory layouts the tests pass to attnkit.

Every function returns an array of logical shape [batch, heads, seq, dim]
whose strides are those of the named layout, over a buffer of its own.
"""

import numpy as np

LAYOUTS = ("bhsd", "bshd", "sliced", "reversed", "broadcast")


def values(rng, shape, dtype):
    return rng.uniform(-1, 1, size=shape).astype(dtype)


def in_layout(rng, shape, dtype, layout):
    """Random values of logical shape [batch, heads, seq, dim] stored as `layout`:

    bhsd      C-contiguous
    bshd      a [batch, seq, heads, dim] buffer, transposed (PyTorch's BSHD tensors)
    sliced    every 3rd row and 2nd head of a larger buffer, dim offset by 1
    reversed  rows in reverse order (a negative stride along seq)
    broadcast one batch and head repeated through stride 0 (np.broadcast_to, read-only)
    """
    batch, heads, seq, dim = shape
    if layout == "bhsd":
        return values(rng, shape, dtype)
    if layout == "bshd":
        return values(rng, (batch, seq, heads, dim), dtype).transpose(0, 2, 1, 3)
    if layout == "sliced":
        return values(rng, (batch, 2 * heads, 3 * seq, dim + 3), dtype)[:, ::2, ::3, 1 : dim + 1]
    if layout == "reversed":
        return values(rng, shape, dtype)[:, :, ::-1]
    if layout == "broadcast":
        return np.broadcast_to(values(rng, (1, 1, seq, dim), dtype), shape)
    raise ValueError(f"layouts: unknown layout {layout!r}")


def output_in_layout(shape, dtype, layout):
    """A writable array for out in `layout` (broadcast is not writable), filled with NaN so unwritten elements show."""
    batch, heads, seq, dim = shape
    if layout == "bhsd":
        return np.full(shape, np.nan, dtype=dtype)
    if layout == "bshd":
        return np.full((batch, seq, heads, dim), np.nan, dtype=dtype).transpose(0, 2, 1, 3)
    if layout == "sliced":
        return np.full((batch, 2 * heads, 3 * seq, dim + 3), np.nan, dtype=dtype)[:, ::2, ::3, 1 : dim + 1]
    if layout == "reversed":
        return np.full(shape, np.nan, dtype=dtype)[:, :, ::-1]
    raise ValueError(f"layouts: no writable output layout {layout!r}")
