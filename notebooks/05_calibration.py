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
# # 05 · Calibration: which assumptions survive what we observe, and does the reform still work?
#
# **Question.** Most behavioural inputs of the model are assumptions (hours per signboard, township
# staff serving escalations, work-team availability, …). A reform effect reported with a ±1 %
# interval is conditional on them. Which assumption sets are *consistent with what is observed*
# (the admin share of village workers' time before and after the burden cut), and does each reform
# effect keep its sign across all of them?
#
# Method (history matching; see `../shared/CALIBRATION.md` in the project, and Vernon et al.):
# space-filling design over the plausible ranges → a Gaussian-process emulator per observed figure →
# the implausibility of every input set (distance to the observation over observation error, model
# discrepancy, emulator and replication noise) → rule out sets above 3 → repeat in the space left.
# Held-out figures (the Chaoyang survey peak, the share closed directly) are then checked on the
# accepted sets. Finally, the reform comparison is repeated on a sample of accepted sets.

# %% tags=["parameters"]
# QUICK = True : one county (Malong), 20-day runs, one wave of 8 points, 2 accepted sets compared:
#                a few minutes; the numbers show the method, not the answer.
# QUICK = False: scenarios/calibration/qujing_targets.yaml as shipped (2 waves x 24 points, one county,
#                90 days) and 10 accepted sets compared (about half an hour on 2 cores, cached).
QUICK = True

# %%
# %matplotlib inline
from pathlib import Path

import matplotlib.pyplot as plt

import sim
from sim.experiment.calibrate import calibrate
from sim.experiment.calibrate_spec import load_targets
from sim.experiment.runner import RunOptions

ROOT = Path("..")
TARGETS = ROOT / "scenarios/calibration/qujing_targets.yaml"
spec, folder = load_targets(TARGETS)
if QUICK:
    spec = spec.model_copy(
        update={
            "configuration": {"world.counties": ["Malong"], "run.days": 20, "run.warmup_days": 4},
            "replications": 1,
            "waves": 1,
            "points_per_wave": 12,
            "candidates": 2000,
            "validation_sets": 2,
            "targets": [t for t in spec.targets if t.name != "chaoyang_busiest_survey_day"],
        }
    )
options = RunOptions(executor="serial" if QUICK else "local", cache_dir=None if QUICK else ROOT / "results/cache")
[(t.name, t.role, t.metric, t.value, t.sd) for t in spec.targets]

# %% [markdown]
# ## Run the waves
# Each point runs the baseline and the burden-down scenario with the same seeds (common random
# numbers) at one assumption set. The table shows how much of the prior box is left after each wave.

# %%
result = calibrate(spec, options, base_dir=folder)
print(result.message)
result.waves

# %% [markdown]
# ## What the observations pin down
# The accepted range of each input against its plausible (prior) range. Inputs the admin-share
# targets inform shrink; the others keep their range and carry their uncertainty into comparisons.

# %%
ranges = [
    (p, lo, hi, result.accepted[p].min(), result.accepted[p].max())
    for p, lo, hi in zip(result.box.paths, result.box.low, result.box.high, strict=True)
]
fig, ax = plt.subplots(figsize=(8, 0.35 * len(ranges) + 1))
for i, (_path, lo, hi, alo, ahi) in enumerate(ranges):
    ax.plot([0, 1], [i, i], color="#cccccc", linewidth=6)
    ax.plot([(alo - lo) / (hi - lo), (ahi - lo) / (hi - lo)], [i, i], color="#4575b4", linewidth=6)
ax.set_yticks(range(len(ranges)), [r[0] for r in ranges], fontsize=8)
ax.set_xlabel("position within the plausible range (grey); accepted sets (blue)")
plt.tight_layout()

# %% [markdown]
# ## The held-out check
# A held-out figure passes when some accepted set reproduces it within its errors. A calibration
# that cannot fail this check proves nothing: move a target far away and it fails (tests do that).

# %%
result.validation[["target", "observed", "predicted_low", "predicted_high", "best_implausibility", "passed"]]

# %% [markdown]
# ## Does the reform still work across the accepted sets?
# The paired comparison baseline → reform_2022, repeated on accepted sets. `band_low`/`band_high`
# is the 5-95 % range of the effect across sets; `robust` says whether its sign holds.

# %%
quick_run = {"replications": 2, "days": 20, "warmup_days": 4, "executor": "serial"} if QUICK else {}
robust = sim.compare_over_assumptions(
    [ROOT / "scenarios/baseline.yaml", ROOT / "scenarios/reform_2022.yaml"],
    result.accepted,
    n_sets=2 if QUICK else 10,
    overrides={"world.counties": ["Malong"]} if QUICK else None,
    **quick_run,
)
table = robust.table[
    robust.table["metric"].isin(
        ["first_response_hours_mean", "resolution_hours_mean", "household_visits_per_day", "admin_share"]
    )
]
table[["metric", "effect", "ci_low", "ci_high", "band_low", "band_high", "robust"]]
