"""attnkit: CPU scaled-dot-product attention kernels with PyTorch's SDPA semantics, on NumPy arrays.

    import numpy as np, attnkit
    out = attnkit.sdpa(q, k, v, causal="top_left")   # q, k, v: [batch, heads, seq, dim]

See help(attnkit.sdpa) and python/README.md of the attnkit sources.
"""

from . import _attnkit
from ._attnkit import Error, __version__, automatic_choice, isas, max_threads, sdpa, selected_isa, variants

# Raised as attnkit.Error, not attnkit._attnkit.Error.
Error.__module__ = __name__

__all__ = ["Error", "__version__", "automatic_choice", "isas", "max_threads", "sdpa", "selected_isa", "variants"]

# Wisdom files (attnkit-tune's results): in builds that had nlohmann's JSON library to read them.
if hasattr(_attnkit, "load_wisdom"):
    from ._attnkit import clear_wisdom, load_wisdom, loaded_wisdom_entries, wisdom_key

    __all__ += ["clear_wisdom", "load_wisdom", "loaded_wisdom_entries", "wisdom_key"]
