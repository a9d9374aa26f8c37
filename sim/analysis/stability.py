"""Which queues settle, which cope with overload, and which do not settle at all.

Why measured, not assumed: a mean over a queue whose backlog grows all year
depends on how long the run is, not on the policy; a reform "effect" on such
a queue is an artefact of the horizon. Every staffed queue reports, per
replication, the work offered in the window, its regular staff's duty hours
(capacity), the capacity its coping can add, and the OLS slope of its weekly
backlog (``sim.model.stability``). Here those are combined over replications:

* **utilisation** = offered work / regular capacity; **with coping** = offered / (regular + coping capacity);
* **growth** = backlog slope x window days (requests), with a 95 % interval across replications
  (within one replication: slope ± 2 SE of the weekly regression);
* a queue is **unstable** when its utilisation with coping is ≥ 1, or its backlog grew significantly by at
  least one day of its arrivals (and by at least two requests) over the window;
* a queue is **coping** (overloaded but bounded) when its regular utilisation is ≥ 1 and it is not unstable.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

KEYS = ["stage", "county", "township", "queue"]
MIN_GROWTH_REQUESTS = 2.0


def queue_stability(queues: pd.DataFrame) -> pd.DataFrame:
    """One row per queue (over replications): utilisation, coping, backlog growth, a status and its reason.

    ``queues`` has one row per (replication, queue) as the shards write them.
    """
    out = _over_replications(_with_utilisation(queues))
    _add_growth(out)
    _add_status(out)
    return out.drop(columns=["coping_h", "jobs", "slope", "slope_sd", "slope_var", "n"])


def _with_utilisation(queues: pd.DataFrame) -> pd.DataFrame:
    """Each replication's utilisation (regular, and with coping) and the variance of its backlog slope."""
    q = queues.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        q["utilisation"] = np.where(
            q["capacity_h"] > 0, q["offered_h"] / q["capacity_h"], np.where(q["offered_h"] > 0, np.inf, 0.0)
        )
        q["utilisation_with_coping"] = np.where(
            q["coping_capacity_h"] > 0, q["offered_h"] / q["coping_capacity_h"], q["utilisation"]
        )
    q["slope_var"] = q["backlog_slope_se"] ** 2
    return q


def _over_replications(q: pd.DataFrame) -> pd.DataFrame:
    """Means over replications per queue; the backlog slope's spread and count too."""
    g = q.groupby(KEYS, sort=False)
    return g.agg(
        servers=("servers", "mean"),
        extra_staff_max=("extra_staff_max", "mean"),
        capacity_h=("capacity_h", "mean"),
        offered_h=("offered_h", "mean"),
        utilisation=("utilisation", "mean"),
        utilisation_with_coping=("utilisation_with_coping", "mean"),
        coping_h=("coping_h", "mean"),
        jobs=("jobs", "mean"),
        window_days=("window_days", "mean"),
        backlog_mean=("backlog_mean", "mean"),
        open_at_horizon=("open_at_horizon", "mean"),
        slope=("backlog_slope_per_day", "mean"),
        slope_sd=("backlog_slope_per_day", "std"),
        slope_var=("slope_var", "mean"),
        n=("backlog_slope_per_day", "count"),
    ).reset_index()


def _add_growth(out: pd.DataFrame) -> None:
    """Backlog growth over the window with its 95 % interval, per day of arrivals; coping hours per day."""
    days = out["window_days"].to_numpy()
    n = out["n"].to_numpy()
    t = sps.t.ppf(0.975, np.maximum(n - 1, 1))
    half = np.where(
        n >= 2, t * out["slope_sd"].to_numpy() / np.sqrt(np.maximum(n, 1)), 2.0 * np.sqrt(out["slope_var"].to_numpy())
    )  # one replication: ± 2 SE of its regression
    growth = out["slope"].to_numpy() * days
    out["backlog_growth"] = growth
    out["backlog_growth_low"] = growth - half * days
    out["backlog_growth_high"] = growth + half * days
    with np.errstate(divide="ignore", invalid="ignore"):
        out["jobs_per_day"] = out["jobs"] / days
        out["backlog_growth_days_of_arrivals"] = np.where(out["jobs_per_day"] > 0, growth / out["jobs_per_day"], np.nan)
    out["coping_hours_per_day"] = out["coping_h"] / days


def _add_status(out: pd.DataFrame) -> None:
    """Unstable (overloaded even with coping, or a backlog that grew significantly), coping, or stable; and why."""
    growing = (
        (out["backlog_growth_low"] > 0)
        & (out["backlog_growth"] >= MIN_GROWTH_REQUESTS)
        & (out["backlog_growth_days_of_arrivals"] >= 1.0)
    ).to_numpy()
    over = (out["utilisation_with_coping"] >= 1.0).to_numpy()
    out["status"] = np.where(over | growing, "unstable", np.where(out["utilisation"] >= 1.0, "coping", "stable"))
    out["reason"] = np.where(
        over,
        "offered work exceeds capacity with coping",
        np.where(growing, "backlog grew by more than a day of arrivals", ""),
    )


def flagged(stability: pd.DataFrame, status: str) -> list[dict[str, Any]]:
    """The queues with ``status``, most loaded first, as plain records for ``summary.json``."""
    cols = [
        "stage",
        "county",
        "township",
        "queue",
        "reason",
        "utilisation",
        "utilisation_with_coping",
        "backlog_growth",
        "backlog_growth_low",
        "backlog_growth_high",
        "backlog_growth_days_of_arrivals",
        "coping_hours_per_day",
    ]
    chosen = stability[stability["status"] == status].sort_values("utilisation", ascending=False)
    return chosen[cols].to_dict("records")
