"""Tables of a run that come from its world, not from its replications: township posts, the village list.

Why apart from the runner: both are read from the world the scenario builds (deterministic, the
same for every replication), joined to or shown beside the simulated tables.
"""

from __future__ import annotations

import pandas as pd

from sim.model.world import VILLAGE_COLUMNS as WORLD_VILLAGE_COLUMNS
from sim.model.world import World

POST_COLUMNS = [
    "administrative_posts_before",
    "institutional_posts_before",
    "posts_before",
    "added_posts",
    "administrative_floor_added",
    "county_floor_added",
    "administrative_posts",
    "institutional_posts",
    "posts",
    "service_staff",
    "enforcement_staff",
]


#: The village list a run folder shows: the world's columns without its internal indices.
VILLAGE_COLUMNS = [c for c in WORLD_VILLAGE_COLUMNS if not c.endswith("_index")]


def village_list(world: World) -> pd.DataFrame:
    """The simulated villages with their ids: what a warm start's table refers to by ``village_id``."""
    return world.villages[VILLAGE_COLUMNS].reset_index(drop=True)


def with_posts(by_township: pd.DataFrame, world: World, queues: pd.DataFrame) -> pd.DataFrame:
    """The township table with its posts before and after the reallocation and its pools' stability."""
    posts = world.townships[["township", *POST_COLUMNS]]
    pools = queues[queues["stage"] == "township"][
        ["township", "utilisation", "utilisation_with_coping", "coping_hours_per_day", "status"]
    ]
    pools = pools.rename(columns={c: f"service_pool_{c}" for c in pools.columns if c != "township"})
    return by_township.merge(posts, on="township", how="left").merge(pools, on="township", how="left")
