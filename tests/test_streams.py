"""The model's seed keys give exactly numpy's SeedSequence states, so no draw depends on the shortcut."""

from __future__ import annotations

import random

import numpy as np
import pytest

from sim.model.streams import SeedKey, purpose_key, stream

SEEDS = [0, 1, 7, 2**32 - 1, 2**32, 2**40 + 5, 2**130 + 3, 20221201]


def _keys(n: int) -> list[tuple[int, tuple[int, ...], tuple[int, ...]]]:
    """Random entropies, prefixes and tails, with words that straddle 32 bits and empty parts."""
    rnd = random.Random(3)
    out = []
    for _ in range(n):
        seed = rnd.choice([*SEEDS, rnd.getrandbits(rnd.choice([8, 32, 64]))])
        prefix = tuple(rnd.choice([0, 1, 5, 2**32 - 1, 2**33, rnd.getrandbits(32)]) for _ in range(rnd.randint(0, 4)))
        tail = tuple(rnd.getrandbits(rnd.choice([3, 32, 35])) for _ in range(rnd.randint(0, 2)))
        out.append((seed, prefix, tail))
    return out


@pytest.mark.parametrize(("n_words", "dtype"), [(4, np.uint64), (3, np.uint64), (5, np.uint32), (8, np.uint32)])
def test_seed_key_states_equal_numpy_seed_sequence(n_words: int, dtype: type) -> None:
    for seed, prefix, tail in _keys(400):
        expected = np.random.SeedSequence(seed, spawn_key=prefix + tail).generate_state(n_words, dtype)
        got = SeedKey(seed, prefix, tail).generate_state(n_words, dtype)
        assert got.dtype == expected.dtype
        assert np.array_equal(got, expected), (seed, prefix, tail)


def test_seed_key_children_equal_numpy_spawn() -> None:
    for seed, prefix, tail in _keys(200):
        key, reference = SeedKey(seed, prefix, tail), np.random.SeedSequence(seed, spawn_key=prefix + tail)
        for _ in range(2):  # a second spawn continues the child numbering, as numpy's does
            for child, expected in zip(key.spawn(2), reference.spawn(2), strict=True):
                assert child.spawn_key == expected.spawn_key
                assert np.array_equal(child.generate_state(4, np.uint64), expected.generate_state(4, np.uint64))


def test_a_stream_and_its_children_draw_what_numpy_would() -> None:
    reference = np.random.SeedSequence(20221201, spawn_key=(1, 3, 8, purpose_key("admin.signboard.4")))
    rng = stream(20221201, 1, 3, 7, "admin.signboard.4")
    expected = np.random.Generator(np.random.PCG64(reference))
    assert np.array_equal(rng.random(6), expected.random(6))
    for child, numpy_child in zip(rng.spawn(2), expected.spawn(2), strict=True):
        assert np.array_equal(child.poisson(3.0, 20), numpy_child.poisson(3.0, 20))


def test_seed_key_rejects_other_word_types() -> None:
    with pytest.raises(ValueError, match="uint32 or uint64"):
        SeedKey(1, (0,)).generate_state(4, np.int64)
