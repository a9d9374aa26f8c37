"""Named random streams.

Why: every draw comes from a stream named by what it is for and where it is
used, derived with :class:`numpy.random.SeedSequence` from the run seed, the
replication, the county shard, the village and a stable hash of the purpose.
Adding a stream never re-maps the others; changing one village leaves every
other village's draws unchanged; two scenarios with the same seed share common
random numbers; and the result does not depend on which process ran a shard.
"""

from __future__ import annotations

import zlib

import numpy as np
from numpy.random.bit_generator import ISpawnableSeedSequence

from sim.model.seed_keys import mixed_pool, state_words

#: The purposes in use; listed so tests can check their independence.
PURPOSES = (
    "arrivals",
    "service",
    "escalation",
    "admin.signboard.<k>",
    "admin.documents",
    "admin.temporary",
    "admin.meetings",
    "roster",
    "downstream",
    "event-log",
    "initial-state",
)


def purpose_key(purpose: str) -> int:
    """Stable 32-bit key of a purpose name (CRC32, not Python's salted hash)."""
    return zlib.crc32(purpose.encode("utf-8"))


def stream(seed: int, replication: int, county: int, village: int, purpose: str) -> np.random.Generator:
    """The generator for one (replication, county, village, purpose).

    ``village = -1`` names a county-level stream (township and department stages).
    """
    key = SeedKey(seed, (replication, county, village + 1), (purpose_key(purpose),))
    return np.random.Generator(np.random.PCG64(key))


_UINT32, _UINT64 = np.dtype(np.uint32), np.dtype(np.uint64)


class SeedKey(ISpawnableSeedSequence):
    """The seed sequence ``SeedSequence(entropy, spawn_key=prefix + tail)`` at a quarter of its cost.

    Why: ``prefix`` (replication, county, village) is shared by a village's thirty
    streams, so its part of numpy's hash is mixed once (``sim.model.seed_keys``);
    ``tail`` holds the stream's own words. Children extend the tail as
    ``SeedSequence.spawn`` extends the spawn key, so ``Generator.spawn`` gives the
    children numpy would give.
    """

    __slots__ = ("entropy", "n_children_spawned", "prefix", "tail")

    def __init__(self, entropy: int, prefix: tuple[int, ...], tail: tuple[int, ...] = ()) -> None:
        self.entropy = entropy
        self.prefix = prefix
        self.tail = tail
        self.n_children_spawned = 0

    @property
    def spawn_key(self) -> tuple[int, ...]:
        return self.prefix + self.tail

    def generate_state(self, n_words: int, dtype: type = np.uint32) -> np.ndarray:
        """The words numpy's ``SeedSequence.generate_state`` returns for the same key."""
        wide = dtype is np.uint64 or np.dtype(dtype) == _UINT64
        if not wide and np.dtype(dtype) != _UINT32:
            raise ValueError("only support uint32 or uint64")
        words = state_words(mixed_pool(self.entropy, self.prefix, self.tail), n_words if wide else (n_words + 1) // 2)
        state = np.array(words, dtype=np.uint64)
        return state if wide else state.astype("<u8").view("<u4")[:n_words].astype(np.uint32)

    def spawn(self, n_children: int) -> list[SeedKey]:
        first = self.n_children_spawned
        self.n_children_spawned += n_children
        return [SeedKey(self.entropy, self.prefix, (*self.tail, first + i)) for i in range(n_children)]
