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
    spawn_key = (replication, county, village + 1, purpose_key(purpose))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=spawn_key)))
