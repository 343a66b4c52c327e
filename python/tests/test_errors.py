"""Bad input: the library's own errors as attnkit.Error with its exact message, and the
module's TypeError / ValueError, naming the argument, for arrays it cannot pass on."""

import numpy as np
import pytest

import attnkit


def arrays(dtype=np.float32, batch=1, heads_q=2, heads_kv=2, seq_q=5, seq_kv=7, head_dim=8, head_dim_v=4):
    rng = np.random.default_rng(1)
    return (rng.standard_normal((batch, heads_q, seq_q, head_dim)).astype(dtype),
            rng.standard_normal((batch, heads_kv, seq_kv, head_dim)).astype(dtype),
            rng.standard_normal((batch, heads_kv, seq_kv, head_dim_v)).astype(dtype))


def library_error(call):
    with pytest.raises(attnkit.Error) as caught:
        call()
    return str(caught.value)


def test_error_is_a_value_error_of_the_attnkit_module():
    assert issubclass(attnkit.Error, ValueError)
    assert attnkit.Error.__module__ == "attnkit"


def test_shape_mismatch_raises_the_library_message():
    q, _, _ = arrays(head_dim=128)
    _, k, v = arrays(head_dim=96)
    assert library_error(lambda: attnkit.sdpa(q, k, v)) == "attnkit: k.head_dim (96) != q.head_dim (128)"


@pytest.mark.parametrize("call,message", [
    (lambda q, k, v: attnkit.sdpa(q, k[:, :1].repeat(3, axis=1), v[:, :1].repeat(3, axis=1)),
     "attnkit: q.heads_q (2) is not a multiple of k.heads_kv (3)"),
    (lambda q, k, v: attnkit.sdpa(q, k, v[:, :, :6]), "attnkit: v.seq_kv (6) != k.seq_kv (7)"),
    (lambda q, k, v: attnkit.sdpa(q, k, v, np.zeros((1, 2, 5, 3), np.float32)),
     "attnkit: out.head_dim_v (3) != v.head_dim_v (4)"),
    (lambda q, k, v: attnkit.sdpa(q, k, v, lse=np.zeros((1, 2, 7), np.float32)),
     "attnkit: lse.seq_q (7) != q.seq_q (5)"),
    (lambda q, k, v: attnkit.sdpa(q, k, v, scale=-1.0), "attnkit: scale (-1) is not finite and positive"),
    (lambda q, k, v: attnkit.sdpa(q, k, v, block_q=-1), "attnkit: config.block_q (-1) is negative"),
    (lambda q, k, v: attnkit.sdpa(q, k, v, threads=-2), "attnkit: config.threads (-2) is negative"),
    (lambda q, k, v: attnkit.sdpa(q, k, v, mask=np.ones((1, 2, 5, 3), bool)),
     "attnkit: mask.seq_kv (3) does not broadcast to seq_kv (7)"),
    (lambda q, k, v: attnkit.sdpa(q, k, v, mask=np.ones((4, 7), np.float32)),
     "attnkit: mask.seq_q (4) does not broadcast to seq_q (5)"),
])
def test_the_library_rejects_inconsistent_calls_with_its_message(call, message):
    q, k, v = arrays()
    assert library_error(lambda: call(q, k, v)) == message


def test_outputs_overlapping_inputs_or_themselves_are_rejected():
    q, k, v = arrays(head_dim=4)  # out has q's shape
    assert library_error(lambda: attnkit.sdpa(q, k, v, q)) == "attnkit: out overlaps q in memory"
    repeated = np.lib.stride_tricks.as_strided(np.zeros(4, np.float32), (1, 2, 5, 4), (0, 0, 0, 4))
    assert library_error(lambda: attnkit.sdpa(q, k, v, repeated)).startswith("attnkit: out has overlapping elements")


def test_nothing_is_written_when_the_call_is_rejected():
    q, k, v = arrays()
    out = np.full((1, 2, 5, 4), 7.0, np.float32)
    lse = np.full((1, 2, 5), 7.0, np.float32)
    library_error(lambda: attnkit.sdpa(q, k, v, out, lse=lse, scale=0.0))
    assert np.all(out == 7.0) and np.all(lse == 7.0)


@pytest.mark.parametrize("argument", ["q", "k", "v", "out", "lse", "mask"])
def test_non_arrays_are_a_type_error_naming_the_argument(argument):
    q, k, v = arrays()
    given = dict(q=q, k=k, v=v)
    given[argument] = [[1.0]]
    with pytest.raises(TypeError, match=f"^attnkit.sdpa: {argument} must be a numpy.ndarray"):
        attnkit.sdpa(**given)


def test_dtypes_other_than_float32_and_float64_are_a_type_error():
    q, k, v = arrays(dtype=np.float16)
    with pytest.raises(TypeError, match="^attnkit.sdpa: q must be float32 or float64, got float16$"):
        attnkit.sdpa(q, k, v)
    with pytest.raises(TypeError, match="q must be float32 or float64, got >f4"):
        attnkit.sdpa(q.astype(">f4"), k, v)


@pytest.mark.parametrize("argument", ["k", "v", "out", "lse"])
def test_mixed_dtypes_are_a_type_error_naming_the_argument(argument):
    q, k, v = arrays(dtype=np.float32)
    given = dict(k=k, v=v, out=np.zeros((1, 2, 5, 4), np.float32), lse=np.zeros((1, 2, 5), np.float32))
    given[argument] = given[argument].astype(np.float64)
    with pytest.raises(TypeError, match=f"^attnkit.sdpa: {argument} has dtype float64 but q has float32"):
        attnkit.sdpa(q, **given)


def test_a_mask_must_be_bool_or_of_the_inputs_dtype():
    q, k, v = arrays(dtype=np.float64)
    with pytest.raises(TypeError, match="^attnkit.sdpa: mask must be bool .* got float32$"):
        attnkit.sdpa(q, k, v, mask=np.zeros((5, 7), np.float32))
    with pytest.raises(TypeError, match="got int64$"):
        attnkit.sdpa(q, k, v, mask=np.zeros((5, 7), np.int64))


@pytest.mark.parametrize("argument,shape,rank", [
    ("q", (2, 5, 8), 4), ("k", (1, 2, 7, 8, 1), 4), ("out", (2, 5, 4), 4), ("lse", (1, 2, 5, 1), 3), ("mask", (1, 5, 7), 4),
])
def test_wrong_ranks_are_a_value_error_naming_the_argument(argument, shape, rank):
    q, k, v = arrays()
    given = dict(q=q, k=k, v=v)
    given[argument] = np.zeros(shape, bool if argument == "mask" else np.float32)
    with pytest.raises(ValueError, match=f"^attnkit.sdpa: {argument} must have {rank} dimensions .* got {len(shape)}$"):
        attnkit.sdpa(**given)


def test_read_only_outputs_are_a_value_error():
    q, k, v = arrays()
    out = np.zeros((1, 2, 5, 4), np.float32)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="^attnkit.sdpa: out is read-only"):
        attnkit.sdpa(q, k, v, out)
    lse = np.broadcast_to(np.zeros(1, np.float32), (1, 2, 5))
    with pytest.raises(ValueError, match="^attnkit.sdpa: lse is read-only"):
        attnkit.sdpa(q, k, v, lse=lse)


def test_misaligned_data_is_a_value_error():
    q, k, v = arrays()
    raw = np.zeros(q.nbytes + 1, np.uint8)
    shifted = raw[1:].view(np.float32).reshape(q.shape)
    assert not shifted.flags.aligned
    with pytest.raises(ValueError, match="^attnkit.sdpa: q's data is not aligned to its float32 elements"):
        attnkit.sdpa(shifted, k, v)


def test_strides_that_are_not_whole_elements_are_a_value_error():
    q, k, v = arrays()
    raw = np.zeros(1024, np.uint8)
    odd = np.lib.stride_tricks.as_strided(raw[:4].view(np.float32), (1, 2, 7, 8), (0, 6, 48, 4))
    with pytest.raises(ValueError, match=r"^attnkit.sdpa: k's stride along axis 1 \(6 bytes\) is not a multiple"):
        attnkit.sdpa(q, odd, v)


@pytest.mark.parametrize("argument,value,message", [
    ("variant", "fastest", "variant 'fastest' is not 'automatic', 'naive', 'blocked', 'flash', 'parallel' or 'decode'"),
    ("isa", "avx10", "isa 'avx10' is not 'automatic', 'sse2', 'avx2', 'avx512' or 'neon'"),
    ("causal", "lower", "causal 'lower' is not 'none', 'top_left' or 'bottom_right'"),
])
def test_unknown_names_are_a_value_error_listing_the_names(argument, value, message):
    q, k, v = arrays()
    with pytest.raises(ValueError, match=f"^attnkit.sdpa: {message}$"):
        attnkit.sdpa(q, k, v, **{argument: value})


def test_settings_of_the_wrong_type_are_a_type_error():
    q, k, v = arrays()
    with pytest.raises(TypeError, match="^attnkit.sdpa: causal must be a str .* or a bool, got float$"):
        attnkit.sdpa(q, k, v, causal=1.5)
    with pytest.raises(TypeError, match="^attnkit.sdpa: scale must be a number or None, got str$"):
        attnkit.sdpa(q, k, v, scale="0.1")
    with pytest.raises(TypeError):
        attnkit.sdpa(q, k, v, threads="2")
    with pytest.raises(TypeError):
        attnkit.sdpa(q, k, v, None, 0.5)  # scale is keyword-only
