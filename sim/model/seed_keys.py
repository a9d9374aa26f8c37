"""numpy's ``SeedSequence`` hash for the model's stream keys, without its per-object cost.

Why: a village asks for some thirty named streams, most with two children
(each signboard's counts and task marks among them), and through
``SeedSequence`` and its ``spawn`` a stream with its children cost 114 µs
(28 µs this way), about 7 % of a county's run time. The hash
itself is a fixed sequence of 32-bit multiply-xor steps whose constants do not
depend on the data, so the pool after a village's common key prefix is mixed
once and each purpose only mixes in its own words (compiled with the engine).
``sim.model.streams.SeedKey`` wraps it as a seed sequence for numpy's bit
generators, and ``tests/test_streams.py`` checks that it yields exactly the
state numpy's ``SeedSequence`` yields for the same entropy and spawn key, so
every draw of the model is unchanged.

The algorithm is numpy's (``numpy/random/bit_generator.pyx``, after Melissa
O'Neill's ``seed_seq``): a pool of four words, hash constants advanced by a
multiplier on every use, the run entropy padded to the pool size when a spawn
key follows it.
"""

from __future__ import annotations

from typing import Final

from mypy_extensions import i64

POOL_SIZE: Final = 4
MASK32: Final[i64] = 0xFFFFFFFF
WORD: Final[int] = 0xFFFFFFFF  # the same mask for arbitrary-size ints (seeds)
INIT_A: Final[i64] = 0x43B0D7E5
MULT_A: Final[i64] = 0x931E8875
INIT_B: Final[i64] = 0x8B51F9DD
MULT_B: Final[i64] = 0x58F38DED
MIX_MULT_L: Final[i64] = 0xCA01F9DD
MIX_MULT_R: Final[i64] = 0x4973F715
XSHIFT: Final[i64] = 16


def words_of(value: int) -> list[i64]:
    """A non-negative integer as 32-bit words, lowest first (0 is one word), as numpy coerces it."""
    if value < 0:
        raise ValueError("seed words must be non-negative")
    words = [i64(value & WORD)]
    value >>= 32
    while value:
        words.append(i64(value & WORD))
        value >>= 32
    return words


def _mul32(a: i64, b: i64) -> i64:
    """``a * b`` modulo 2**32 for 32-bit words, in 16-bit halves so no product leaves the small-int range."""
    return (a * (b & 0xFFFF) + (((a * (b >> 16)) & 0xFFFF) << 16)) & MASK32


def _hashed(value: i64, hash_const: i64) -> i64:
    """numpy's ``hashmix`` with the constant after its advance (the caller advances it)."""
    value = _mul32(value, hash_const)
    return value ^ (value >> XSHIFT)


def _mix(x: i64, y: i64) -> i64:
    result = (_mul32(MIX_MULT_L, x) - _mul32(MIX_MULT_R, y)) & MASK32
    return result ^ (result >> XSHIFT)


class Mixer:
    """The pool and hash constant part-way through numpy's ``mix_entropy``."""

    def __init__(self, pool: list[i64], hash_const: i64) -> None:
        self.pool = pool
        self.hash_const = hash_const

    def hashmix(self, value: i64) -> i64:
        value ^= self.hash_const
        self.hash_const = _mul32(self.hash_const, MULT_A)
        return _hashed(value, self.hash_const)

    def add(self, word: i64) -> None:
        """Mix one entropy word beyond the pool size into every pool word."""
        pool = self.pool
        for i in range(POOL_SIZE):
            pool[i] = _mix(pool[i], self.hashmix(word))

    def copy(self) -> Mixer:
        return Mixer(list(self.pool), self.hash_const)


def _start(entropy: list[i64]) -> Mixer:
    """The pool after its first words and the all-to-all mixing (``entropy`` has at least the pool size)."""
    mixer = Mixer([i64(0)] * POOL_SIZE, INIT_A)
    pool = mixer.pool
    for i in range(POOL_SIZE):
        pool[i] = mixer.hashmix(entropy[i])
    for src in range(POOL_SIZE):
        for dst in range(POOL_SIZE):
            if src != dst:
                pool[dst] = _mix(pool[dst], mixer.hashmix(pool[src]))
    return mixer


_PREFIXES: dict[tuple[int, tuple[int, ...]], Mixer] = {}


def _prefix(entropy: int, prefix: tuple[int, ...]) -> Mixer:
    """The mixer after the entropy and a spawn key (or its prefix); cached, so treat it as read-only.

    Why cached: the prefix (replication, county, village) is shared by a village's thirty streams.
    """
    key = (entropy, prefix)
    found = _PREFIXES.get(key)
    if found is not None:
        return found
    run = words_of(entropy)
    if prefix and len(run) < POOL_SIZE:
        run += [0] * (POOL_SIZE - len(run))  # numpy pads the run entropy when a spawn key follows
    words = run + [w for k in prefix for w in words_of(k)]
    words += [0] * max(0, POOL_SIZE - len(words))  # and runs the hash out on zeros
    mixer = _start(words)
    for word in words[POOL_SIZE:]:
        mixer.add(word)
    if len(_PREFIXES) > 4096:
        _PREFIXES.clear()
    _PREFIXES[key] = mixer
    return mixer


def mixed_pool(entropy: int, prefix: tuple[int, ...], tail: tuple[int, ...]) -> list[i64]:
    """The pool of ``SeedSequence(entropy, spawn_key=prefix + tail)``; the prefix's part is cached."""
    if not tail or not prefix:  # nothing to share: mix (and cache) the whole key
        return _prefix(entropy, prefix + tail).pool
    mixer = _prefix(entropy, prefix).copy()
    for key in tail:
        for word in words_of(key):
            mixer.add(word)
    return mixer.pool


def state_words(pool: list[i64], n_words: int) -> list[int]:
    """numpy's ``generate_state(n_words, uint64)`` from a mixed pool, as Python ints."""
    hash_const: i64 = INIT_B
    out: list[int] = []
    for i in range(2 * n_words):
        value = pool[i % POOL_SIZE] ^ hash_const
        hash_const = _mul32(hash_const, MULT_B)
        out.append(_hashed(value, hash_const))
    return [out[2 * i] | (out[2 * i + 1] << 32) for i in range(n_words)]
