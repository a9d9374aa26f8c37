"""Plain records passed from the model to the experiment layer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Histogram bin edges for times in hours: exact zeros, then 100 log bins per decade up to 10^4 h.
EDGES = np.concatenate([[0.0], np.logspace(-3, 4, 701)])


@dataclass
class ShardResult:
    """Compact output of one (replication, county) task."""

    villages: pd.DataFrame  # one row per village: counts, sums, time use
    types: pd.DataFrame  # one row per (request type, village kind): counts and sums
    histograms: pd.DataFrame  # one row per (metric, type, kind, bin): counts
    daily: pd.DataFrame  # one row per day: county totals
    queues: pd.DataFrame  # one row per staffed queue: utilisation inputs and backlog trend
    events: int
    open_at_horizon: int  # the window's requests open at the horizon, counted from the model's state
    requests: pd.DataFrame | None = None  # raw per-request rows, only when asked for
    event_log: pd.DataFrame | None = None  # events of a sample of requests (sim.model.event_log), when asked for
    inherited: pd.DataFrame | None = None  # a warm start's inherited requests: stage on day 0, when resolved
    open_requests: pd.DataFrame | None = None  # the requests open at the horizon, as an initial-state table
