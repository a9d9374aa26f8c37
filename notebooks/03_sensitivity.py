# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · Sensitivity: which unknown assumptions matter?
#
# **Question.** Several inputs of the model are not known from any source (`docs/DOMAIN.md` §8): admin hours
# per signboard, the pre-reform number of signboards, rural demand rates, village counts and urbanisation in the
# counties without a source, township staff serving escalations, the full-time share of work-team members and
# the share of elderly living alone. Which of these move the key results most, and so where would better data
# pay off? Which can be left at any plausible value without changing the conclusions?
#
# **Method.** First a one-factor sweep (demand) to show how a sweep works. Then a **Morris** screening of all
# seven assumptions at once, as in `scenarios/sweeps/morris_assumptions.yaml`: random one-at-a-time steps
# (trajectories) across the plausible ranges. Every design point runs the same seeds, so differences between
# points come from the factors and not from luck. Results: a tornado plot of `μ*` (the mean absolute effect of
# a step) and the elementary effects behind it. This is
# `grassroots sweep scenarios/sweeps/morris_assumptions.yaml` in Python.

# %% tags=["parameters"]
# Parameters (this cell is tagged "parameters").
# QUICK = True : Malong county only, 45 days of which 10 are warm-up, 2 replications per design point,
#                2 Morris trajectories (16 points) plus a 4-point demand sweep (3 replications), serial,
#                nothing cached: about half a minute. Rankings from 2 trajectories are rough; see the
#                confidence bars.
# QUICK = False: the sweep file as written: the whole city, 120 days, 3 replications, 6 trajectories
#                (48 points), all cores, cached in results/cache/ (several CPU-hours; use many cores or Dask).
QUICK = True
# DESIGN = "sobol" gives variance-based indices (S1, ST) from (factors + 2) × n Saltelli points, n a power of 2.
# They need n in the tens or hundreds to mean anything: in quick mode (n = 2) it only shows the mechanics, and
# full mode uses n = 64 (576 design points: plan for a cluster).
DESIGN = "morris"

# %%
# %matplotlib inline
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from ruamel.yaml import YAML

import sim

# The repository root: the notebook runs from notebooks/ or from the root itself.
ROOT = Path.cwd() if (Path.cwd() / "scenarios").exists() else Path.cwd().parent
SCENARIOS = ROOT / "scenarios"
pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 30)

SWEEP_FILE = SCENARIOS / "sweeps" / "morris_assumptions.yaml"
spec = YAML(typ="safe").load(SWEEP_FILE.read_text(encoding="utf-8"))
# A sweep given as a mapping reads `base` relative to the working directory, so make it absolute.
spec["base"] = str((SWEEP_FILE.parent / spec["base"]).resolve())
spec["design"] = DESIGN
if QUICK:
    QUICK_SET = {"world.counties": ["Malong"], "run.days": 45, "run.warmup_days": 10, "run.replications": 2}
    spec["n"] = 2
    spec["set"] = {**spec["set"], **QUICK_SET}
    DEMAND_SET = {**QUICK_SET, "run.replications": 3}
    RUN = {"executor": "serial", "cache_dir": None}
else:
    DEMAND_SET = {"run.days": 120, "run.replications": 3}  # as in the Morris file, on the whole city
    RUN = {"executor": "local", "cache_dir": ROOT / "results" / "cache"}
    if DESIGN == "sobol":
        spec["n"] = 64

# %% [markdown]
# ## 1. A one-factor sweep: demand
#
# A sweep is a base scenario, factors (dotted paths into it) and a design. Here a grid over
# `requests.demand_multiplier`, the uncertain rural and urban demand rates (DOMAIN §4), on the baseline.
# `sim.sweep` takes a YAML file or the same content as a mapping and returns `.design`, `.points` (one row per
# design point, each metric's mean and 95 % CI over replications), `.sensitivity` and `.main_effects`.

# %%
demand = sim.sweep(
    {
        "name": "demand",
        "base": str(SCENARIOS / "baseline.yaml"),
        "design": "grid",
        "factors": [{"path": "requests.demand_multiplier", "levels": [0.6, 0.9, 1.2, 1.5]}],
        "metrics": ["first_response_hours_mean", "household_visits_per_day", "admin_share"],
        "set": DEMAND_SET,
    },
    **RUN,
)
demand.points.round(3)

# %%
from sim.report.labels import metric_info, metric_label, metric_unit

factor = "requests.demand_multiplier"
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
for ax, metric in zip(axes, ["first_response_hours_mean", "household_visits_per_day"], strict=True):
    p = demand.points.sort_values(factor)
    mean = p[f"{metric}_mean"]
    ax.errorbar(
        p[factor], mean, yerr=[mean - p[f"{metric}_ci_low"], p[f"{metric}_ci_high"] - mean], marker="o", capsize=4
    )
    ax.set_xlabel("demand multiplier (1 = the schema's demand rates)")
    ax.set_title(metric_label(metric), loc="left", fontsize=10)
fig.suptitle("Baseline under lower and higher demand (95 % CI)")
fig.tight_layout()
plt.show()

# %% [markdown]
# **Reading it.** More requests mean longer waits and fewer visits, because service time comes out of the same
# duty hours. Watch the shape: a waiting-time curve that bends upward means cadres are getting close to
# saturation (a queueing effect); a nearly straight one means there is still slack. Visits shrink roughly in
# proportion to the time that service takes. The intervals are for each point on its own; since all points
# share seeds, the differences between neighbouring points are more precise than the bars suggest. If the
# curve is steep within the plausible range, demand is an assumption worth pinning down; Morris asks the same
# for all seven at once.
#
# ## 2. Morris screening of the DOMAIN §8 assumptions
#
# The factors and their plausible ranges, from the sweep file (the file also sets 5,147 work-team members, so
# that the team members' availability matters):

# %%
pd.DataFrame(spec["factors"]).set_index("path")

# %%
screening = sim.sweep(spec, **RUN)
print(
    f"{len(screening.design)} design points, {screening.settings['replications']} replications each, "
    f"{screening.settings['days']} days"
)
screening.design.head(8)

# %%
INDEX, CONF = ("mu_star", "mu_star_conf") if DESIGN == "morris" else ("ST", "ST_conf")
sens = screening.sensitivity
print(f"Rank by {INDEX} (1 = most influential) for each metric:")
sens.pivot(index="factor", columns="metric", values="rank").loc[[f["path"] for f in spec["factors"]]]

# %%
sens[["metric", "factor", *[c for c in sens.columns if c not in ("metric", "factor", "design", "rank")], "rank"]].round(
    4
)

# %%
metrics = list(dict.fromkeys(sens["metric"]))
ncols = 2
nrows = -(-len(metrics) // ncols)
fig, axes = plt.subplots(nrows, ncols, figsize=(12, 2.9 * nrows))
for ax, metric in zip(axes.ravel(), metrics, strict=False):
    rows = sens[sens["metric"] == metric].sort_values(INDEX, key=abs)
    # mu* is in the metric's units (per Morris step); shares are drawn in percentage points
    scale = metric_info(metric).scale if DESIGN == "morris" else 1.0
    y = np.arange(len(rows))
    ax.barh(y, rows[INDEX].fillna(0) * scale, xerr=rows[CONF].fillna(0) * scale, color="#0072B2", alpha=0.85, capsize=3)
    ax.set_yticks(y, rows["factor"], fontsize=8)
    ax.set_title(metric_label(metric), loc="left", fontsize=10)
    ax.set_xlabel(f"{INDEX} ± {CONF} ({metric_unit(metric)})" if DESIGN == "morris" else f"{INDEX} ± {CONF}")
for ax in axes.ravel()[len(metrics) :]:
    ax.set_visible(False)
fig.suptitle(f"Tornado: influence of the uncertain assumptions ({DESIGN})")
fig.tight_layout()
plt.show()

# %% [markdown]
# ### The elementary effects behind `μ*` and σ
#
# Each Morris trajectory moves one assumption at a time; each move gives one **elementary effect**: the change
# in the metric divided by the step, expressed per whole plausible range (SALib's convention). `μ*` is the mean
# distance of these effects from zero, σ their spread. Effects of one sign and similar size mean a steady,
# additive influence; effects scattered on both sides of zero mean the influence depends on the other
# assumptions or on where in the range the step was taken.

# %%
if DESIGN == "morris":
    EE_METRICS = ["first_response_hours_mean", "household_visits_per_day"]
    ranges = {f["path"]: f["high"] - f["low"] for f in spec["factors"]}
    k = len(ranges)
    design, points = screening.design, screening.points.set_index("point")
    rows = []
    for start in range(0, len(design), k + 1):  # a trajectory is k + 1 consecutive design rows
        trajectory = design.iloc[start : start + k + 1]
        for j in range(1, k + 1):
            values = trajectory[list(ranges)].astype(float)
            step = values.iloc[j] - values.iloc[j - 1]
            path = step.abs().idxmax()
            before, after = trajectory.iloc[j - 1]["point"], trajectory.iloc[j]["point"]
            for metric in EE_METRICS:
                change = points.loc[after, f"{metric}_mean"] - points.loc[before, f"{metric}_mean"]
                rows.append(
                    {
                        "trajectory": start // (k + 1),
                        "factor": path,
                        "metric": metric,
                        "elementary effect": change / (step[path] / ranges[path]),
                    }
                )
    elementary = pd.DataFrame(rows)

    fig, axes = plt.subplots(1, len(EE_METRICS), figsize=(12, 3.6), sharey=True)
    order = list(ranges)[::-1]
    for ax, metric in zip(axes, EE_METRICS, strict=True):
        rows = elementary[elementary["metric"] == metric]
        y = rows["factor"].map({f: i for i, f in enumerate(order)})
        ax.scatter(
            rows["elementary effect"],
            y + 0.08 * (rows["trajectory"] - rows["trajectory"].mean()),
            color="#D55E00",
            zorder=3,
        )
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.set_yticks(range(len(order)), order, fontsize=8)
        ax.set_title(metric_label(metric), loc="left", fontsize=10)
        ax.set_xlabel(f"elementary effect ({metric_unit(metric)} per whole range)")
    fig.suptitle("Elementary effects, one dot per trajectory")
    fig.tight_layout()
    plt.show()

# %% [markdown]
# `screening.main_effects` also holds the mean of each metric at each level of each factor, as for a grid. In a
# Morris design with few trajectories each level mean averages only a handful of points taken at different
# values of the other factors, so it mixes in their effects; read main effects from grid or Latin-hypercube
# sweeps (such as `scenarios/sweeps/staffing_x_signboards.yaml`), and `μ*` and the elementary effects here.
#
# ## What the screening says
#
# * **`μ*`** is the average absolute elementary effect: roughly, how much a metric changes when one
#   assumption goes from the low to the high end of its plausible range with the others held where they are.
#   The assumptions at the top of each tornado are the ones whose uncertainty moves that result most: better
#   data on them would narrow the model's answers most. The error bars are bootstrap intervals of `μ*`;
#   overlapping bars mean the order between those factors is not settled by this many trajectories.
# * An assumption with `μ*` near zero for every metric can be left anywhere in its range. Some zeros are
#   structural: township staff serving escalations (`township.service_share`) acts only after a request leaves
#   the village, so it cannot change first response or visits, only resolution time; the share of vulnerable
#   households changes whom cadres visit, not how much time they have.
# * **σ** close to or above `μ*` (elementary effects scattered on both sides of zero) means the effect depends
#   on the other assumptions or is non-linear; such factors should be studied together rather than one at a
#   time.
# * The rank table gives the short answer per metric. In quick mode (one county, two trajectories) treat it as
#   a demonstration; run with `QUICK = False` before drawing conclusions. For variance-based indices set
#   `DESIGN = "sobol"` (more points: first-order S1 and total ST).
