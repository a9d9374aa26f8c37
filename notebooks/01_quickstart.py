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
# # 01 · Quickstart: the baseline from Python
#
# **Question.** Before the 2022 reform, how long did residents of Qujing wait for a first response from their
# village, and how did village cadres spend their duty time (administration, serving residents, household
# visits)? This notebook runs the baseline scenario (`scenarios/baseline.yaml`, Qujing 2021) from Python, reads
# the result tables and plots a metric. It is the Python version of `grassroots run scenarios/baseline.yaml`.
#
# Steps: load the scenario → run replications → the summary with 95 % confidence intervals → the breakdown
# tables (by request type, village kind, township, day) → plots.

# %% tags=["parameters"]
# Parameters (this cell is tagged "parameters": papermill or nbclient may override it).
# QUICK = True : Malong county only (56 of the 1,688 villages and communities), 90 simulated days of which the
#                first 15 are warm-up, 3 replications, run in this process, nothing cached: a few seconds.
# QUICK = False: the real settings of scenarios/baseline.yaml: the whole city (9 counties), 365 days with a
#                30-day warm-up, 10 replications, all cores (executor "local"), finished tasks cached in
#                results/cache/ so an interrupted run resumes (on the order of tens of CPU-minutes).
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
    REPLICATIONS, DAYS, WARMUP_DAYS = 3, 90, 15
    EXECUTOR, CACHE_DIR = "serial", None
else:
    OVERRIDES = {}  # the whole city
    REPLICATIONS, DAYS, WARMUP_DAYS = None, None, None  # None: the scenario's own `run` block
    EXECUTOR, CACHE_DIR = "local", ROOT / "results" / "cache"

# %% [markdown]
# ## 1. Load the scenario
#
# `sim.load_scenario` reads the YAML file, merges whatever it `extends:`, applies overrides (dotted paths, the
# same as `--set` on the command line) and validates everything against the schema. The result is a typed
# object: every field can be read as an attribute.

# %%
scenario = sim.load_scenario(SCENARIOS / "baseline.yaml", OVERRIDES)
print(scenario.name, "-", scenario.description)
print("counties:", scenario.world.counties or "all nine")
print("signboards per village:", scenario.admin.signboards_per_village)
print("request types:", ", ".join(scenario.requests.types))
print("run block:", scenario.run)

# %% [markdown]
# ## 2. Run it
#
# `sim.run` runs the replications (one task per replication and county) and returns a `Results` object of
# pandas tables. Arguments left at `None` fall back to the scenario's `run` block.

# %%
results = sim.run(
    scenario, replications=REPLICATIONS, days=DAYS, warmup_days=WARMUP_DAYS, executor=EXECUTOR, cache_dir=CACHE_DIR
)
settings = results.settings
print(
    f"{settings['replications']} replications of {settings['days']} days "
    f"(the first {settings['warmup_days']} discarded as warm-up) in {results.wall_time_s:.1f} s"
)

# %% [markdown]
# ## 3. Key metrics with 95 % confidence intervals
#
# `results.summary` maps each metric to `{mean, ci_low, ci_high, std, n}`: the mean over replications and a
# Student-t interval. `results.summary_table()` is the same as a table. The README lists what each metric
# means; the key ones are below.

# %%
from sim.analysis.metrics import KEY_METRICS

summary = results.summary_table().set_index("metric")
summary.loc[KEY_METRICS]

# %%
# The same numbers for one metric, as a dict, and one row per replication:
print(results.summary["first_response_hours_mean"])
results.replications[["replication", *KEY_METRICS]].round(3)

# %% [markdown]
# ## 4. Breakdown tables
#
# `results.tables` holds breakdowns by request type, village kind, county, township and type × kind. Each has
# one row per group **and replication** (column `replication`), so average over replications (or compute an
# interval) yourself. `results.daily` is the daily series of the whole run, warm-up included.

# %%
by_type = (
    results.tables["by_request_type"]
    .groupby("request_type")[
        [
            "arrived",
            "first_response_hours_mean",
            "resolution_hours_mean",
            "within_24h_share",
            "resident_trips_per_request",
        ]
    ]
    .mean()
    .sort_values("arrived", ascending=False)
)
by_type.round(2)

# %%
from sim.analysis.metrics import TIME_USE

# Shares of duty time by village kind: sum the hours over replications, then divide by duty hours.
hours = results.tables["by_village_kind"].groupby("kind")[[f"{u}_h" for u in TIME_USE] + ["duty_h"]].sum()
time_use = hours[[f"{u}_h" for u in TIME_USE]].div(hours["duty_h"], axis=0).set_axis(TIME_USE, axis=1)
time_use.round(3)

# %%
by_township = (
    results.tables["by_township"]
    .groupby(["county", "township"])[
        ["population", "first_response_hours_mean", "admin_share", "household_visits_per_day"]
    ]
    .mean()
)
print("The five townships with the slowest first response:")
by_township.sort_values("first_response_hours_mean", ascending=False).head(5).round(2)

# %% [markdown]
# ## 5. Plots
#
# First a metric with its uncertainty: the mean first response per request type, with a 95 % interval over
# replications (`sim.analysis.stats.t_interval` is the function behind every interval in the reports).

# %%
from sim.analysis.stats import t_interval
from sim.report.labels import metric_label

rows = [
    {"request_type": rtype, **t_interval(g["first_response_hours_mean"])}
    for rtype, g in results.tables["by_request_type"].groupby("request_type")
]
per_type = pd.DataFrame(rows).sort_values("mean")

fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(per_type) + 1.2))
ax.barh(
    per_type["request_type"],
    per_type["mean"],
    xerr=per_type["half_width"].fillna(0.0),
    color="#0072B2",
    alpha=0.85,
    capsize=3,
)
ax.set_xlim(left=0)
ax.set_xlabel(metric_label("first_response_hours_mean"))
ax.set_title("Baseline: first response by request type (mean, 95 % CI over replications)")
plt.show()

# %%
from sim.report.plotstyle import TIME_USE_COLOURS

fig, ax = plt.subplots(figsize=(8, 0.5 * len(time_use) + 1.3))
left = np.zeros(len(time_use))
for use in TIME_USE:
    values = 100 * time_use[use].to_numpy()
    ax.barh(time_use.index, values, left=left, color=TIME_USE_COLOURS[use], label=use)
    left += values
ax.set_xlim(0, 100)
ax.set_xlabel("share of village workers' duty time (%)")
ax.legend(ncols=5, loc="upper center", bbox_to_anchor=(0.5, -0.35), frameon=False)
ax.set_title("Baseline: how village workers spend their duty time")
plt.show()

# %%
visits = results.daily.pivot_table(index="day", columns="replication", values="visits")

fig, ax = plt.subplots(figsize=(9, 3.2))
ax.axvspan(0, settings["warmup_days"], color="grey", alpha=0.15, label="warm-up (discarded)")
ax.fill_between(visits.index, visits.min(axis=1), visits.max(axis=1), alpha=0.25, label="range over replications")
ax.plot(visits.index, visits.mean(axis=1), label="mean over replications")
ax.set_xlabel("day of the run")
ax.set_ylabel("household visits per day")
ax.set_ylim(bottom=0)
ax.legend(ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
ax.set_title("Baseline: household visits per day")
plt.show()

# %% [markdown]
# ## What the numbers say
#
# * **Read the summary table first.** Each metric comes with a 95 % interval over replications; a narrow
#   interval means more replications would hardly change the mean. `admin_share` is the share of cadres' duty
#   time taken by reports, inspections, signboards, apps and meetings: compare it with `service_share` and
#   `visit_share` in the time-use table to see how much of the working day the burden takes.
# * **First response and resolution tell different stories.** In the bar chart most request types wait about
#   equally long for a first response, because cadres take the next request in line whatever its type; urgent
#   requests go first and get an on-call answer out of hours, so they stand apart. Resolution
#   (`resolution_hours_mean` in `by_type`) differs far more between types, because coordination and dispute
#   cases are escalated to the township and county departments and pass through several offices.
# * **The weekly rhythm is in the daily visits.** The baseline keeps one cadre on weekend duty, so visits drop at
#   every weekend; the grey band is the warm-up, which the metrics ignore. Visits also dip during the seasonal
#   demand peaks (`scenario.requests.seasonal_peaks`: the Spring Festival in late January and February,
#   insurance enrolment from September to December), when serving requests takes time from visits. Notebook
#   04 checks the warm-up length with MSER-5.
# * In quick mode this is one county over a few months; switch `QUICK = False` for the whole city over a year
#   before quoting numbers.
#
# ## The report's figures are plain functions
#
# The figures of `report.html` live in `sim.report.figures` (runs) and `sim.report.figures_multi`
# (comparisons, sweeps). They take these tables and write a PNG into a folder, so they can be shown here too:

# %%
import tempfile

from IPython.display import Image, display

from sim.report import figures

with tempfile.TemporaryDirectory() as tmp:
    png = figures.time_use(results.tables["by_village_kind"], results.tables["by_county"], Path(tmp))
    display(Image(filename=str(png)))

# %% [markdown]
# **Next:** `02_three_reforms.ipynb` compares the reform levers with this baseline, `03_sensitivity.ipynb` asks
# which unknown assumptions matter, and `04_verification.ipynb` checks the model against queueing theory.
