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
# # 02 · The three reforms: comparison, decomposition and "cut burdens or hire?"
#
# **Question.** Qujing's 2022 reform pulled three levers: **staff down** (干部往下沉: work teams in every
# village, more township posts), **burden down** (负担往下减: fewer signboards, an admission list, fewer
# inspections) and **power down** (权力往下放: items delegated to townships, "one thing" modules, faster
# department answers). What does each lever do to residents' response times and to cadres' time for household
# visits? How much of the whole reform does each lever explain, and do they add up? And at the margin: is one
# more worker per village worth more than one signboard fewer?
#
# **Method.** Every scenario runs the same replications with the same seeds (**common random numbers**): a
# replication of a reform meets the same residents, requests and luck as the same replication of the
# baseline. Differences are taken per replication (paired), which usually gives much narrower intervals than
# comparing two independent means. This is `grassroots compare ... --decompose --marginal` in Python.

# %% tags=["parameters"]
# Parameters (this cell is tagged "parameters").
# QUICK = True : Malong county only, 75 days of which 15 are warm-up, 3 replications, serial, nothing cached:
#                about half a minute for 12 runs (the README's worked example). The short horizon still holds
#                part of the work teams' 30-day ramp-up, so the staff effect is understated.
# QUICK = False: the real settings: the whole city, each scenario's `run` block (365 days, 30-day warm-up,
#                10 replications), all cores, tasks cached in results/cache/ (resumable; several CPU-hours).
QUICK = True

# %%
# %matplotlib inline
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import sim

# The repository root: the notebook runs from notebooks/ or from the root itself.
ROOT = Path.cwd() if (Path.cwd() / "scenarios").exists() else Path.cwd().parent
SCENARIOS = ROOT / "scenarios"
pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 30)

if QUICK:
    OVERRIDES = {"world.counties": ["Malong"]}
    RUN = {"replications": 3, "days": 75, "warmup_days": 15, "executor": "serial", "cache_dir": None}
else:
    OVERRIDES = {}
    RUN = {
        "replications": None,
        "days": None,
        "warmup_days": None,
        "executor": "local",
        "cache_dir": ROOT / "results" / "cache",
    }

# %% [markdown]
# ## 1. The scenarios and what each lever changes
#
# Each lever is a small YAML file that `extends: baseline.yaml`; `reform_2022.yaml` extends all three.

# %%
LEVERS = ["staff_down", "burden_down", "power_down"]
NAMES = ["baseline", *LEVERS, "reform_2022"]
paths = {name: SCENARIOS / f"{name}.yaml" for name in NAMES}
scenarios = {name: sim.load_scenario(path, OVERRIDES) for name, path in paths.items()}

FIELDS = {
    "work-team members (city total)": "workers.work_team.members_total",
    "township posts added (city total)": "township.added_posts_total",
    "signboards per village": "admin.signboards_per_village",
    "admission list": "admin.admission_list",
    "inspections retained": "admin.inspections_retained",
    "items delegated to townships": "delegation.items_delegated",
    "'one thing' modules": "one_thing.modules",
    "departments answer on time (probability)": "departments.on_time_response_probability",
}


def field(obj, path):
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


pd.DataFrame({name: {label: field(s, path) for label, path in FIELDS.items()} for name, s in scenarios.items()})

# %% [markdown]
# ## 2. Paired comparison with common random numbers
#
# `sim.compare(base, *others)` runs every scenario with the same seeds and returns a `Comparison`: `.runs`
# (one `Results` per scenario) and `.table`, one row per scenario and metric with the paired difference
# OTHER − BASE, its 95 % interval, the relative change and whether the interval excludes zero.

# %%
comparison = sim.compare(*scenarios.values(), **RUN)
SHOW = [
    "first_response_hours_mean",
    "resolution_hours_mean",
    "household_visits_per_day",
    "admin_share",
    "vulnerable_coverage_30d",
    "resident_trips_per_request",
    "handoffs_per_cross_department_request",
]
table = comparison.table[comparison.table["metric"].isin(SHOW)]
table[
    [
        "scenario",
        "metric",
        "base_mean",
        "other_mean",
        "mean_diff",
        "ci_low",
        "ci_high",
        "relative_change",
        "excludes_zero",
    ]
].round(4)


# %%
# The same as a compact grid: difference [95 % CI] per metric (rows) and scenario (columns).
def diff_ci(row):
    return f"{row.mean_diff:+.3g} [{row.ci_low:+.3g}, {row.ci_high:+.3g}]"


(
    table.assign(difference=table.apply(diff_ci, axis=1))
    .pivot(index="metric", columns="scenario", values="difference")
    .loc[SHOW, NAMES[1:]]
)

# %%
from sim.report.labels import metric_info, metric_label

PLOT = ["first_response_hours_mean", "resolution_hours_mean", "household_visits_per_day", "admin_share"]
fig, axes = plt.subplots(2, 2, figsize=(11, 5.5))
for ax, metric in zip(axes.ravel(), PLOT, strict=True):
    rows = table[table["metric"] == metric].set_index("scenario").loc[NAMES[1:][::-1]]
    scale = metric_info(metric).scale  # shares are drawn in percentage points
    mean = rows["mean_diff"] * scale
    err = [mean - rows["ci_low"] * scale, rows["ci_high"] * scale - mean]
    ax.errorbar(mean, np.arange(len(rows)), xerr=err, fmt="o", capsize=4, color="#0072B2")
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_yticks(np.arange(len(rows)), rows.index)
    ax.set_title(metric_label(metric), loc="left", fontsize=10)
    ax.set_xlabel("difference from the baseline")
fig.suptitle("Paired differences from the baseline (95 % CI, common random numbers)")
fig.tight_layout()
plt.show()

# %% [markdown]
# **Why pairing matters.** Paired differences vary less than independent ones when the replications of the two
# scenarios move together. The table shows, per scenario and metric, the correlation between the baseline's and
# the scenario's replications, and how many times larger the standard deviation of the difference would be if
# the runs were independent. The number of replications needed for a given precision scales with its square.

# %%
base_reps = comparison.runs["baseline"].replications
rows = []
with np.errstate(divide="ignore", invalid="ignore"):
    for name in NAMES[1:]:
        other = comparison.runs[name].replications
        for m in SHOW:
            rows.append(
                {
                    "scenario": name,
                    "metric": m,
                    "correlation": base_reps[m].corr(other[m]),
                    "sd independent / sd paired": np.sqrt(base_reps[m].var() + other[m].var())
                    / (other[m] - base_reps[m]).std(),
                }
            )
crn = pd.DataFrame(rows)
pd.concat(
    {
        column: crn.pivot(index="metric", columns="scenario", values=column).loc[SHOW, NAMES[1:]]
        for column in ("sd independent / sd paired", "correlation")
    },
    axis=1,
).round(2)

# %% [markdown]
# Values above 1 are the gain from common random numbers. `inf` means the difference is the same in every
# replication (power down and the village metrics: exactly zero). Values near or below 1 (low or negative
# correlation) mean the lever changes that part of the model so much that the paired replications no
# longer move together; pairing gains little there, and with very few replications a paired interval, which
# has only n − 1 degrees of freedom, can even come out wider than Welch's independent one.

# %% [markdown]
# **Reading the comparison.**
#
# * A difference whose interval excludes zero (`excludes_zero`) is distinguishable from simulation noise at
#   this number of replications; one whose interval covers zero is not, whatever its sign.
# * **Staff down** adds workers in every village: look for shorter first responses and many more household
#   visits, and a lower `admin_share` (the burden is shared by more people).
# * **Burden down** frees cadres' time: `admin_share` falls and the freed time goes mostly into visits.
# * **Power down** acts after the village, at the township and county stage. So village-level metrics (first
#   response, visits, admin share) show a difference of exactly zero in every replication: with common random
#   numbers the village sees the very same requests and luck. Its effect is on resolution time, hand-offs per
#   cross-department request and resident trips.
# * **reform_2022** pulls all three levers; the decomposition below asks whether it is more or less than the
#   sum of its parts.
#
# ## 3. Lever decomposition
#
# `decomposition` runs every combination of the levers (each alone, in pairs, all together), each as a paired
# difference from the baseline, plus the **interaction**: all together minus the sum of the levers alone. It is
# not in the top-level `sim` API, so it takes the lower-level `RunOptions`. The runs already made by the
# comparison are reused by name (the single levers); the pairs and the triple are new runs.

# %%
from sim.experiment.compare import decomposition, marginal_values
from sim.experiment.runner import RunOptions

options = RunOptions(**RUN)  # cache_dir must be explicit here: RunOptions defaults to results/cache
decomp = decomposition(
    paths["baseline"], [paths[n] for n in LEVERS], options, known=comparison.runs, overrides=OVERRIDES
)
(
    decomp.assign(effect_ci=decomp.apply(lambda r: f"{r.effect:+.3g} [{r.ci_low:+.3g}, {r.ci_high:+.3g}]", axis=1))
    .pivot(index="term", columns="metric", values="effect_ci")
    .loc[list(dict.fromkeys(decomp["term"])), [m for m in SHOW if m in set(decomp["metric"])]]
)

# %%
# All three levers together is the same scenario as reform_2022, so the two must agree exactly.
all_term = "+".join(LEVERS)
together = decomp[decomp["term"] == all_term].set_index("metric")["effect"]
reform = comparison.table[comparison.table["scenario"] == "reform_2022"].set_index("metric")["mean_diff"]
print("levers all together == reform_2022:", np.allclose(together, reform.loc[together.index]))

# %%
TERMS = [*LEVERS, "sum of the levers alone", all_term, "interaction"]
fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), sharey=True)
for ax, metric in zip(
    axes, ["first_response_hours_mean", "household_visits_per_day", "resolution_hours_mean"], strict=True
):
    rows = decomp[decomp["metric"] == metric].set_index("term")
    effect = rows["effect"].copy()
    effect["sum of the levers alone"] = rows.loc[LEVERS, "effect"].sum()
    low = rows["ci_low"].reindex(effect.index)
    high = rows["ci_high"].reindex(effect.index)
    y = np.arange(len(TERMS))[::-1]
    colours = ["#0072B2"] * 3 + ["#999999", "#009E73", "#D55E00"]
    ax.barh(y, effect.loc[TERMS], color=colours, alpha=0.85)
    has_ci = low.loc[TERMS].notna().to_numpy()  # the sum of the levers alone has no interval of its own
    err = [(effect.loc[TERMS] - low.loc[TERMS])[has_ci], (high.loc[TERMS] - effect.loc[TERMS])[has_ci]]
    ax.errorbar(effect.loc[TERMS][has_ci], y[has_ci], xerr=err, fmt="none", ecolor="black", capsize=3)
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_yticks(y, TERMS)
    ax.set_title(metric_label(metric), loc="left", fontsize=10)
fig.suptitle("Lever decomposition: effect against the baseline (95 % CI)")
fig.tight_layout()
plt.show()

# %% [markdown]
# **Reading the decomposition.** If the levers were additive, "all together" would equal the sum of the levers
# alone and the interaction would be zero. An interaction that opposes the single effects (for example a
# positive interaction for first response while each lever shortens it) means the levers overlap: once work
# teams have taken over part of the load, cutting the burden saves less waiting, and vice versa. An interaction
# whose interval covers zero means the levers add up, as far as these replications can tell. Because power
# down does not touch the village, pairs with it repeat the other lever's village-level effect exactly.
#
# ## 4. Marginal values: cut burdens or hire?
#
# `marginal_values` changes one lever at a time by a small step from the baseline (finite differences, again
# with common random numbers) and reports the change **per unit**: one extra full-time worker in every village,
# one signboard fewer per village (measured as a step of two and divided by two), one more item delegated to
# the townships (a step of five).

# %%
marginal = marginal_values(scenarios["baseline"], options, comparison.runs["baseline"])
MARGINAL = [
    "first_response_hours_mean",
    "household_visits_per_day",
    "admin_share",
    "vulnerable_coverage_30d",
    "resolution_hours_mean",
]
(
    marginal.assign(
        per_unit=marginal.apply(lambda r: f"{r.change_per_unit:+.3g} [{r.ci_low:+.3g}, {r.ci_high:+.3g}]", axis=1)
    )
    .pivot(index="lever", columns="metric", values="per_unit")
    .loc[list(dict.fromkeys(marginal["lever"])), MARGINAL]
)

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 2.8), sharey=True)
levers = list(dict.fromkeys(marginal["lever"]))
for ax, metric in zip(axes, ["first_response_hours_mean", "household_visits_per_day", "admin_share"], strict=True):
    rows = marginal[marginal["metric"] == metric].set_index("lever").loc[levers]
    scale = metric_info(metric).scale
    y = np.arange(len(rows))[::-1]
    mean = rows["change_per_unit"] * scale
    ax.errorbar(
        mean,
        y,
        xerr=[mean - rows["ci_low"] * scale, rows["ci_high"] * scale - mean],
        fmt="o",
        capsize=4,
        color="#0072B2",
    )
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_yticks(y, rows.index)
    ax.set_title(metric_label(metric), loc="left", fontsize=10)
    ax.set_xlabel("change per unit of the lever")
fig.suptitle("Marginal values at the baseline (95 % CI)")
fig.tight_layout()
plt.show()

# %%
# An exchange rate: how many signboards fewer per village do as much as one more worker per village?
mv = marginal.set_index(["lever", "metric"])
for metric in ["household_visits_per_day", "first_response_hours_mean", "admin_share"]:
    worker = mv.loc[("+1 worker per village", metric)]
    board = mv.loc[("-1 signboard per village", metric)]
    if board["ci_low"] > 0 or board["ci_high"] < 0:
        ratio = worker["change_per_unit"] / board["change_per_unit"]
        print(f"{metric}: one more worker per village does as much as {ratio:.1f} signboards fewer")
    else:
        print(f"{metric}: the effect of one signboard fewer is not distinguishable from zero at this precision")

# %% [markdown]
# **Reading the marginal values.**
#
# * For household visits and the admin share, compare the two rows directly: the exchange rate above says how
#   many signboards would have to go to match one extra worker. Cutting signboards costs no salary, while a
#   worker does; on the other hand a signboard's tasks do not disappear, they are simply no longer pushed onto
#   the village. The table gives the size of each effect; the price of each is for the analyst to add.
# * For first response a single signboard is often too small to show up against the noise, while a worker
#   shortens waiting directly. Where an interval covers zero, more replications (or full mode) are needed before
#   a ratio means anything.
# * Delegated items act downstream, so they show up in resolution time only, not in the village metrics.
# * Marginal values are local: they describe small changes around the baseline. Large changes are not
#   linear (queues saturate, visits run out of households due); for them use a sweep such as
#   `scenarios/sweeps/staffing_x_signboards.yaml` (see notebook 03).
