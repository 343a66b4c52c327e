"""One assertion shared by the test files: a result of attnkit.sdpa is the documented attention."""

import attnkit
import reference
from tolerance import assert_within, tolerance_from_naive


def expected_and_tolerance(q, k, v, **options):
    """The reference result, and the tolerances that the naive variant's error on these inputs sets."""
    e = reference.attention(q, k, v, **options)
    naive_out, naive_lse = attnkit.sdpa(q, k, v, variant="naive", return_lse=True, **options)
    return e, tolerance_from_naive(e, naive_out, naive_lse, q.dtype)


def assert_conforms(q, k, v, out, lse, **options):
    """out and lse, computed from q, k, v and options (scale, causal, mask), are within the policy's tolerance."""
    e, (tol_out, tol_lse) = expected_and_tolerance(q, k, v, **options)
    assert_within(e, out, lse, tol_out, tol_lse)
