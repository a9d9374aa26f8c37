"""Write the four notebooks of notebooks/ from the cell sources below (without outputs).

The .ipynb files are generated: edit this script, then run ``python notebooks/build_notebooks.py``.
``--check`` exits with 1 when a notebook differs from what the script would write.
Cells get stable ids so that a rebuild without changes gives identical files.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

HERE = Path(__file__).resolve().parent
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

# --------------------------------------------------------------------------------------------- shared cells

SETUP_HEAD = """\
%matplotlib inline
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
"""


def md(text: str) -> NotebookNode:
    return nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip("\n"))


def code(text: str, parameters: bool = False) -> NotebookNode:
    cell = nbformat.v4.new_code_cell(textwrap.dedent(text).strip("\n"))
    if parameters:
        cell.metadata["tags"] = ["parameters"]
    return cell


def setup(text: str, extra_import: str = "") -> NotebookNode:
    """The setup cell: imports (plus ``extra_import``, a third-party ``from`` import), ROOT, then ``text``."""
    head = SETUP_HEAD.replace(
        "import pandas as pd\n", f"import pandas as pd\n{extra_import}\n" if extra_import else "import pandas as pd\n"
    )
    return code(head + "\n" + textwrap.dedent(text).strip("\n"))


def notebook(cells: list[NotebookNode], prefix: str) -> NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": dict(KERNELSPEC)}
    for i, cell in enumerate(cells):
        cell.id = f"{prefix}-{i:02d}"
    nb.cells = cells
    return nb


# ----------------------------------------------------------------------------------------- 01 quickstart

QUICKSTART = [
    md("""
    # 01 · Quickstart: the baseline from Python

    **Question.** Before the 2022 reform, how long did residents of Qujing wait for a first response from their
    village, and how did village cadres spend their duty time (administration, serving residents, household
    visits)? This notebook runs the baseline scenario (`scenarios/baseline.yaml`, Qujing 2021) from Python, reads
    the result tables and plots a metric. It is the Python version of `grassroots run scenarios/baseline.yaml`.

    Steps: load the scenario → run replications → the summary with 95 % confidence intervals → the breakdown
    tables (by request type, village kind, township, day) → plots.
    """),
    code(
        """
    # Parameters (this cell is tagged "parameters": papermill or nbclient may override it).
    # QUICK = True : Malong county only (56 of the 1,688 villages and communities), 90 simulated days of which the
    #                first 15 are warm-up, 3 replications, run in this process, nothing cached: a few seconds.
    # QUICK = False: the real settings of scenarios/baseline.yaml: the whole city (9 counties), 365 days with a
    #                30-day warm-up, 10 replications, all cores (executor "local"), finished tasks cached in
    #                results/cache/ so an interrupted run resumes (on the order of tens of CPU-minutes).
    QUICK = True
    """,
        parameters=True,
    ),
    setup("""
    if QUICK:
        OVERRIDES = {"world.counties": ["Malong"]}
        REPLICATIONS, DAYS, WARMUP_DAYS = 3, 90, 15
        EXECUTOR, CACHE_DIR = "serial", None
    else:
        OVERRIDES = {}  # the whole city
        REPLICATIONS, DAYS, WARMUP_DAYS = None, None, None  # None: the scenario's own `run` block
        EXECUTOR, CACHE_DIR = "local", ROOT / "results" / "cache"
    """),
    md("""
    ## 1. Load the scenario

    `sim.load_scenario` reads the YAML file, merges whatever it `extends:`, applies overrides (dotted paths, the
    same as `--set` on the command line) and validates everything against the schema. The result is a typed
    object: every field can be read as an attribute.
    """),
    code("""
    scenario = sim.load_scenario(SCENARIOS / "baseline.yaml", OVERRIDES)
    print(scenario.name, "-", scenario.description)
    print("counties:", scenario.world.counties or "all nine")
    print("signboards per village:", scenario.admin.signboards_per_village)
    print("request types:", ", ".join(scenario.requests.types))
    print("run block:", scenario.run)
    """),
    md("""
    ## 2. Run it

    `sim.run` runs the replications (one task per replication and county) and returns a `Results` object of
    pandas tables. Arguments left at `None` fall back to the scenario's `run` block.
    """),
    code("""
    results = sim.run(scenario, replications=REPLICATIONS, days=DAYS, warmup_days=WARMUP_DAYS,
                      executor=EXECUTOR, cache_dir=CACHE_DIR)
    settings = results.settings
    print(f"{settings['replications']} replications of {settings['days']} days "
          f"(the first {settings['warmup_days']} discarded as warm-up) in {results.wall_time_s:.1f} s")
    """),
    md("""
    ## 3. Key metrics with 95 % confidence intervals

    `results.summary` maps each metric to `{mean, ci_low, ci_high, std, n}`: the mean over replications and a
    Student-t interval. `results.summary_table()` is the same as a table. The README lists what each metric
    means; the key ones are below.
    """),
    code("""
    from sim.analysis.metrics import KEY_METRICS

    summary = results.summary_table().set_index("metric")
    summary.loc[KEY_METRICS]
    """),
    code("""
    # The same numbers for one metric, as a dict, and one row per replication:
    print(results.summary["first_response_hours_mean"])
    results.replications[["replication", *KEY_METRICS]].round(3)
    """),
    md("""
    ## 4. Breakdown tables

    `results.tables` holds breakdowns by request type, village kind, county, township and type × kind. Each has
    one row per group **and replication** (column `replication`), so average over replications (or compute an
    interval) yourself. `results.daily` is the daily series of the whole run, warm-up included.
    """),
    code("""
    by_type = (results.tables["by_request_type"]
               .groupby("request_type")[["arrived", "first_response_hours_mean", "resolution_hours_mean",
                                         "within_24h_share", "resident_trips_per_request"]]
               .mean()
               .sort_values("arrived", ascending=False))
    by_type.round(2)
    """),
    code("""
    from sim.analysis.metrics import TIME_USE

    # Shares of duty time by village kind: sum the hours over replications, then divide by duty hours.
    hours = results.tables["by_village_kind"].groupby("kind")[[f"{u}_h" for u in TIME_USE] + ["duty_h"]].sum()
    time_use = hours[[f"{u}_h" for u in TIME_USE]].div(hours["duty_h"], axis=0).set_axis(TIME_USE, axis=1)
    time_use.round(3)
    """),
    code("""
    by_township = (results.tables["by_township"]
                   .groupby(["county", "township"])[["population", "first_response_hours_mean", "admin_share",
                                                     "household_visits_per_day"]]
                   .mean())
    print("The five townships with the slowest first response:")
    by_township.sort_values("first_response_hours_mean", ascending=False).head(5).round(2)
    """),
    md("""
    ## 5. Plots

    First a metric with its uncertainty: the mean first response per request type, with a 95 % interval over
    replications (`sim.analysis.stats.t_interval` is the function behind every interval in the reports).
    """),
    code("""
    from sim.analysis.stats import t_interval
    from sim.report.labels import metric_label

    rows = [{"request_type": rtype, **t_interval(g["first_response_hours_mean"])}
            for rtype, g in results.tables["by_request_type"].groupby("request_type")]
    per_type = pd.DataFrame(rows).sort_values("mean")

    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(per_type) + 1.2))
    ax.barh(per_type["request_type"], per_type["mean"], xerr=per_type["half_width"].fillna(0.0),
            color="#0072B2", alpha=0.85, capsize=3)
    ax.set_xlim(left=0)
    ax.set_xlabel(metric_label("first_response_hours_mean"))
    ax.set_title("Baseline: first response by request type (mean, 95 % CI over replications)")
    plt.show()
    """),
    code("""
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
    """),
    code("""
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
    """),
    md("""
    ## What the numbers say

    * **Read the summary table first.** Each metric comes with a 95 % interval over replications; a narrow
      interval means more replications would hardly change the mean. `admin_share` is the share of cadres' duty
      time taken by reports, inspections, signboards, apps and meetings: compare it with `service_share` and
      `visit_share` in the time-use table to see how much of the working day the burden takes.
    * **First response and resolution tell different stories.** In the bar chart most request types wait about
      equally long for a first response, because cadres take the next request in line whatever its type; urgent
      requests go first and get an on-call answer out of hours, so they stand apart. Resolution
      (`resolution_hours_mean` in `by_type`) differs far more between types, because coordination and dispute
      cases are escalated to the township and county departments and pass through several offices.
    * **The weekly rhythm is in the daily visits.** The baseline keeps one cadre on weekend duty, so visits drop at
      every weekend; the grey band is the warm-up, which the metrics ignore. Visits also dip during the seasonal
      demand peaks (`scenario.requests.seasonal_peaks`: the Spring Festival in late January and February,
      insurance enrolment from September to December), when serving requests takes time from visits. Notebook
      04 checks the warm-up length with MSER-5.
    * In quick mode this is one county over a few months; switch `QUICK = False` for the whole city over a year
      before quoting numbers.

    ## The report's figures are plain functions

    The figures of `report.html` live in `sim.report.figures` (runs) and `sim.report.figures_multi`
    (comparisons, sweeps). They take these tables and write a PNG into a folder, so they can be shown here too:
    """),
    code("""
    import tempfile

    from IPython.display import Image, display

    from sim.report import figures

    with tempfile.TemporaryDirectory() as tmp:
        png = figures.time_use(results.tables["by_village_kind"], results.tables["by_county"], Path(tmp))
        display(Image(filename=str(png)))
    """),
    md("""
    **Next:** `02_three_reforms.ipynb` compares the reform levers with this baseline, `03_sensitivity.ipynb` asks
    which unknown assumptions matter, and `04_verification.ipynb` checks the model against queueing theory.
    """),
]

# ------------------------------------------------------------------------------------- 02 three reforms

REFORMS = [
    md("""
    # 02 · The three reforms: comparison, decomposition and "cut burdens or hire?"

    **Question.** Qujing's 2022 reform pulled three levers: **staff down** (干部往下沉: work teams in every
    village, more township posts), **burden down** (负担往下减: fewer signboards, an admission list, fewer
    inspections) and **power down** (权力往下放: items delegated to townships, "one thing" modules, faster
    department answers). What does each lever do to residents' response times and to cadres' time for household
    visits? How much of the whole reform does each lever explain, and do they add up? And at the margin: is one
    more worker per village worth more than one signboard fewer?

    **Method.** Every scenario runs the same replications with the same seeds (**common random numbers**): a
    replication of a reform meets the same residents, requests and luck as the same replication of the
    baseline. Differences are taken per replication (paired), which usually gives much narrower intervals than
    comparing two independent means. This is `grassroots compare ... --decompose --marginal` in Python.
    """),
    code(
        """
    # Parameters (this cell is tagged "parameters").
    # QUICK = True : Malong county only, 75 days of which 15 are warm-up, 3 replications, serial, nothing cached:
    #                about half a minute for 12 runs (the README's worked example). The short horizon still holds
    #                part of the work teams' 30-day ramp-up, so the staff effect is understated.
    # QUICK = False: the real settings: the whole city, each scenario's `run` block (365 days, 30-day warm-up,
    #                10 replications), all cores, tasks cached in results/cache/ (resumable; several CPU-hours).
    QUICK = True
    """,
        parameters=True,
    ),
    setup("""
    if QUICK:
        OVERRIDES = {"world.counties": ["Malong"]}
        RUN = {"replications": 3, "days": 75, "warmup_days": 15, "executor": "serial", "cache_dir": None}
    else:
        OVERRIDES = {}
        RUN = {"replications": None, "days": None, "warmup_days": None, "executor": "local",
               "cache_dir": ROOT / "results" / "cache"}
    """),
    md("""
    ## 1. The scenarios and what each lever changes

    Each lever is a small YAML file that `extends: baseline.yaml`; `reform_2022.yaml` extends all three.
    """),
    code("""
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
    """),
    md("""
    ## 2. Paired comparison with common random numbers

    `sim.compare(base, *others)` runs every scenario with the same seeds and returns a `Comparison`: `.runs`
    (one `Results` per scenario) and `.table`, one row per scenario and metric with the paired difference
    OTHER − BASE, its 95 % interval, the relative change and whether the interval excludes zero.
    """),
    code("""
    comparison = sim.compare(*scenarios.values(), **RUN)
    SHOW = ["first_response_hours_mean", "resolution_hours_mean", "household_visits_per_day", "admin_share",
            "vulnerable_coverage_30d", "resident_trips_per_request", "handoffs_per_cross_department_request"]
    table = comparison.table[comparison.table["metric"].isin(SHOW)]
    table[["scenario", "metric", "base_mean", "other_mean", "mean_diff", "ci_low", "ci_high", "relative_change",
           "excludes_zero"]].round(4)
    """),
    code("""
    # The same as a compact grid: difference [95 % CI] per metric (rows) and scenario (columns).
    def diff_ci(row):
        return f"{row.mean_diff:+.3g} [{row.ci_low:+.3g}, {row.ci_high:+.3g}]"


    (table.assign(difference=table.apply(diff_ci, axis=1))
          .pivot(index="metric", columns="scenario", values="difference")
          .loc[SHOW, NAMES[1:]])
    """),
    code("""
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
    """),
    md("""
    **Why pairing matters.** Paired differences vary less than independent ones when the replications of the two
    scenarios move together. The table shows, per scenario and metric, the correlation between the baseline's and
    the scenario's replications, and how many times larger the standard deviation of the difference would be if
    the runs were independent. The number of replications needed for a given precision scales with its square.
    """),
    code("""
    base_reps = comparison.runs["baseline"].replications
    rows = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for name in NAMES[1:]:
            other = comparison.runs[name].replications
            for m in SHOW:
                rows.append({"scenario": name, "metric": m, "correlation": base_reps[m].corr(other[m]),
                             "sd independent / sd paired": np.sqrt(base_reps[m].var() + other[m].var())
                             / (other[m] - base_reps[m]).std()})
    crn = pd.DataFrame(rows)
    pd.concat({column: crn.pivot(index="metric", columns="scenario", values=column).loc[SHOW, NAMES[1:]]
               for column in ("sd independent / sd paired", "correlation")}, axis=1).round(2)
    """),
    md("""
    Values above 1 are the gain from common random numbers. `inf` means the difference is the same in every
    replication (power down and the village metrics: exactly zero). Values near or below 1 (low or negative
    correlation) mean the lever changes that part of the model so much that the paired replications no
    longer move together; pairing gains little there, and with very few replications a paired interval, which
    has only n − 1 degrees of freedom, can even come out wider than Welch's independent one.
    """),
    md("""
    **Reading the comparison.**

    * A difference whose interval excludes zero (`excludes_zero`) is distinguishable from simulation noise at
      this number of replications; one whose interval covers zero is not, whatever its sign.
    * **Staff down** adds workers in every village: look for shorter first responses and many more household
      visits, and a lower `admin_share` (the burden is shared by more people).
    * **Burden down** frees cadres' time: `admin_share` falls and the freed time goes mostly into visits.
    * **Power down** acts after the village, at the township and county stage. So village-level metrics (first
      response, visits, admin share) show a difference of exactly zero in every replication: with common random
      numbers the village sees the very same requests and luck. Its effect is on resolution time, hand-offs per
      cross-department request and resident trips.
    * **reform_2022** pulls all three levers; the decomposition below asks whether it is more or less than the
      sum of its parts.

    ## 3. Lever decomposition

    `decomposition` runs every combination of the levers (each alone, in pairs, all together), each as a paired
    difference from the baseline, plus the **interaction**: all together minus the sum of the levers alone. It is
    not in the top-level `sim` API, so it takes the lower-level `RunOptions`. The runs already made by the
    comparison are reused by name (the single levers); the pairs and the triple are new runs.
    """),
    code("""
    from sim.experiment.compare import decomposition, marginal_values
    from sim.experiment.runner import RunOptions

    options = RunOptions(**RUN)  # cache_dir must be explicit here: RunOptions defaults to results/cache
    decomp = decomposition(paths["baseline"], [paths[n] for n in LEVERS], options, known=comparison.runs,
                           overrides=OVERRIDES)
    (decomp.assign(effect_ci=decomp.apply(lambda r: f"{r.effect:+.3g} [{r.ci_low:+.3g}, {r.ci_high:+.3g}]", axis=1))
           .pivot(index="term", columns="metric", values="effect_ci")
           .loc[list(dict.fromkeys(decomp["term"])), [m for m in SHOW if m in set(decomp["metric"])]])
    """),
    code("""
    # All three levers together is the same scenario as reform_2022, so the two must agree exactly.
    all_term = "+".join(LEVERS)
    together = decomp[decomp["term"] == all_term].set_index("metric")["effect"]
    reform = comparison.table[comparison.table["scenario"] == "reform_2022"].set_index("metric")["mean_diff"]
    print("levers all together == reform_2022:", np.allclose(together, reform.loc[together.index]))
    """),
    code("""
    TERMS = [*LEVERS, "sum of the levers alone", all_term, "interaction"]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), sharey=True)
    for ax, metric in zip(axes, ["first_response_hours_mean", "household_visits_per_day", "resolution_hours_mean"],
                          strict=True):
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
    """),
    md("""
    **Reading the decomposition.** If the levers were additive, "all together" would equal the sum of the levers
    alone and the interaction would be zero. An interaction that opposes the single effects (for example a
    positive interaction for first response while each lever shortens it) means the levers overlap: once work
    teams have taken over part of the load, cutting the burden saves less waiting, and vice versa. An interaction
    whose interval covers zero means the levers add up, as far as these replications can tell. Because power
    down does not touch the village, pairs with it repeat the other lever's village-level effect exactly.

    ## 4. Marginal values: cut burdens or hire?

    `marginal_values` changes one lever at a time by a small step from the baseline (finite differences, again
    with common random numbers) and reports the change **per unit**: one extra full-time worker in every village,
    one signboard fewer per village (measured as a step of two and divided by two), one more item delegated to
    the townships (a step of five).
    """),
    code("""
    marginal = marginal_values(scenarios["baseline"], options, comparison.runs["baseline"])
    MARGINAL = ["first_response_hours_mean", "household_visits_per_day", "admin_share",
                "vulnerable_coverage_30d", "resolution_hours_mean"]
    (marginal.assign(per_unit=marginal.apply(
        lambda r: f"{r.change_per_unit:+.3g} [{r.ci_low:+.3g}, {r.ci_high:+.3g}]", axis=1))
             .pivot(index="lever", columns="metric", values="per_unit")
             .loc[list(dict.fromkeys(marginal["lever"])), MARGINAL])
    """),
    code("""
    fig, axes = plt.subplots(1, 3, figsize=(13, 2.8), sharey=True)
    levers = list(dict.fromkeys(marginal["lever"]))
    for ax, metric in zip(axes, ["first_response_hours_mean", "household_visits_per_day", "admin_share"],
                          strict=True):
        rows = marginal[marginal["metric"] == metric].set_index("lever").loc[levers]
        scale = metric_info(metric).scale
        y = np.arange(len(rows))[::-1]
        mean = rows["change_per_unit"] * scale
        ax.errorbar(mean, y, xerr=[mean - rows["ci_low"] * scale, rows["ci_high"] * scale - mean], fmt="o",
                    capsize=4, color="#0072B2")
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.set_yticks(y, rows.index)
        ax.set_title(metric_label(metric), loc="left", fontsize=10)
        ax.set_xlabel("change per unit of the lever")
    fig.suptitle("Marginal values at the baseline (95 % CI)")
    fig.tight_layout()
    plt.show()
    """),
    code("""
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
    """),
    md("""
    **Reading the marginal values.**

    * For household visits and the admin share, compare the two rows directly: the exchange rate above says how
      many signboards would have to go to match one extra worker. Cutting signboards costs no salary, while a
      worker does; on the other hand a signboard's tasks do not disappear, they are simply no longer pushed onto
      the village. The table gives the size of each effect; the price of each is for the analyst to add.
    * For first response a single signboard is often too small to show up against the noise, while a worker
      shortens waiting directly. Where an interval covers zero, more replications (or full mode) are needed before
      a ratio means anything.
    * Delegated items act downstream, so they show up in resolution time only, not in the village metrics.
    * Marginal values are local: they describe small changes around the baseline. Large changes are not
      linear (queues saturate, visits run out of households due); for them use a sweep such as
      `scenarios/sweeps/staffing_x_signboards.yaml` (see notebook 03).
    """),
]

# ----------------------------------------------------------------------------------------- 03 sensitivity

SENSITIVITY = [
    md("""
    # 03 · Sensitivity: which unknown assumptions matter?

    **Question.** Several inputs of the model are not known from any source (`docs/DOMAIN.md` §8): admin hours
    per signboard, the pre-reform number of signboards, rural demand rates, village counts and urbanisation in the
    counties without a source, township staff serving escalations, the full-time share of work-team members and
    the share of elderly living alone. Which of these move the key results most, and so where would better data
    pay off? Which can be left at any plausible value without changing the conclusions?

    **Method.** First a one-factor sweep (demand) to show how a sweep works. Then a **Morris** screening of all
    seven assumptions at once, as in `scenarios/sweeps/morris_assumptions.yaml`: random one-at-a-time steps
    (trajectories) across the plausible ranges. Every design point runs the same seeds, so differences between
    points come from the factors and not from luck. Results: a tornado plot of `μ*` (the mean absolute effect of
    a step) and the elementary effects behind it. This is
    `grassroots sweep scenarios/sweeps/morris_assumptions.yaml` in Python.
    """),
    code(
        """
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
    """,
        parameters=True,
    ),
    setup(
        """
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
    """,
        extra_import="from ruamel.yaml import YAML",
    ),
    md("""
    ## 1. A one-factor sweep: demand

    A sweep is a base scenario, factors (dotted paths into it) and a design. Here a grid over
    `requests.demand_multiplier`, the uncertain rural and urban demand rates (DOMAIN §4), on the baseline.
    `sim.sweep` takes a YAML file or the same content as a mapping and returns `.design`, `.points` (one row per
    design point, each metric's mean and 95 % CI over replications), `.sensitivity` and `.main_effects`.
    """),
    code("""
    demand = sim.sweep({
        "name": "demand",
        "base": str(SCENARIOS / "baseline.yaml"),
        "design": "grid",
        "factors": [{"path": "requests.demand_multiplier", "levels": [0.6, 0.9, 1.2, 1.5]}],
        "metrics": ["first_response_hours_mean", "household_visits_per_day", "admin_share"],
        "set": DEMAND_SET,
    }, **RUN)
    demand.points.round(3)
    """),
    code("""
    from sim.report.labels import metric_info, metric_label, metric_unit

    factor = "requests.demand_multiplier"
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
    for ax, metric in zip(axes, ["first_response_hours_mean", "household_visits_per_day"], strict=True):
        p = demand.points.sort_values(factor)
        mean = p[f"{metric}_mean"]
        ax.errorbar(p[factor], mean, yerr=[mean - p[f"{metric}_ci_low"], p[f"{metric}_ci_high"] - mean],
                    marker="o", capsize=4)
        ax.set_xlabel("demand multiplier (1 = the schema's demand rates)")
        ax.set_title(metric_label(metric), loc="left", fontsize=10)
    fig.suptitle("Baseline under lower and higher demand (95 % CI)")
    fig.tight_layout()
    plt.show()
    """),
    md("""
    **Reading it.** More requests mean longer waits and fewer visits, because service time comes out of the same
    duty hours. Watch the shape: a waiting-time curve that bends upward means cadres are getting close to
    saturation (a queueing effect); a nearly straight one means there is still slack. Visits shrink roughly in
    proportion to the time that service takes. The intervals are for each point on its own; since all points
    share seeds, the differences between neighbouring points are more precise than the bars suggest. If the
    curve is steep within the plausible range, demand is an assumption worth pinning down; Morris asks the same
    for all seven at once.

    ## 2. Morris screening of the DOMAIN §8 assumptions

    The factors and their plausible ranges, from the sweep file (the file also sets 5,147 work-team members, so
    that the team members' availability matters):
    """),
    code("""
    pd.DataFrame(spec["factors"]).set_index("path")
    """),
    code("""
    screening = sim.sweep(spec, **RUN)
    print(f"{len(screening.design)} design points, {screening.settings['replications']} replications each, "
          f"{screening.settings['days']} days")
    screening.design.head(8)
    """),
    code("""
    INDEX, CONF = ("mu_star", "mu_star_conf") if DESIGN == "morris" else ("ST", "ST_conf")
    sens = screening.sensitivity
    print(f"Rank by {INDEX} (1 = most influential) for each metric:")
    sens.pivot(index="factor", columns="metric", values="rank").loc[[f["path"] for f in spec["factors"]]]
    """),
    code("""
    sens[["metric", "factor", *[c for c in sens.columns if c not in ("metric", "factor", "design", "rank")],
          "rank"]].round(4)
    """),
    code("""
    metrics = list(dict.fromkeys(sens["metric"]))
    ncols = 2
    nrows = -(-len(metrics) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(12, 2.9 * nrows))
    for ax, metric in zip(axes.ravel(), metrics, strict=False):
        rows = sens[sens["metric"] == metric].sort_values(INDEX, key=abs)
        # mu* is in the metric's units (per Morris step); shares are drawn in percentage points
        scale = metric_info(metric).scale if DESIGN == "morris" else 1.0
        y = np.arange(len(rows))
        ax.barh(y, rows[INDEX].fillna(0) * scale, xerr=rows[CONF].fillna(0) * scale, color="#0072B2", alpha=0.85,
                capsize=3)
        ax.set_yticks(y, rows["factor"], fontsize=8)
        ax.set_title(metric_label(metric), loc="left", fontsize=10)
        ax.set_xlabel(f"{INDEX} ± {CONF} ({metric_unit(metric)})" if DESIGN == "morris" else f"{INDEX} ± {CONF}")
    for ax in axes.ravel()[len(metrics):]:
        ax.set_visible(False)
    fig.suptitle(f"Tornado: influence of the uncertain assumptions ({DESIGN})")
    fig.tight_layout()
    plt.show()
    """),
    md("""
    ### The elementary effects behind `μ*` and σ

    Each Morris trajectory moves one assumption at a time; each move gives one **elementary effect**: the change
    in the metric divided by the step, expressed per whole plausible range (SALib's convention). `μ*` is the mean
    distance of these effects from zero, σ their spread. Effects of one sign and similar size mean a steady,
    additive influence; effects scattered on both sides of zero mean the influence depends on the other
    assumptions or on where in the range the step was taken.
    """),
    code("""
    if DESIGN == "morris":
        EE_METRICS = ["first_response_hours_mean", "household_visits_per_day"]
        ranges = {f["path"]: f["high"] - f["low"] for f in spec["factors"]}
        k = len(ranges)
        design, points = screening.design, screening.points.set_index("point")
        rows = []
        for start in range(0, len(design), k + 1):  # a trajectory is k + 1 consecutive design rows
            trajectory = design.iloc[start:start + k + 1]
            for j in range(1, k + 1):
                values = trajectory[list(ranges)].astype(float)
                step = values.iloc[j] - values.iloc[j - 1]
                path = step.abs().idxmax()
                before, after = trajectory.iloc[j - 1]["point"], trajectory.iloc[j]["point"]
                for metric in EE_METRICS:
                    change = points.loc[after, f"{metric}_mean"] - points.loc[before, f"{metric}_mean"]
                    rows.append({"trajectory": start // (k + 1), "factor": path, "metric": metric,
                                 "elementary effect": change / (step[path] / ranges[path])})
        elementary = pd.DataFrame(rows)

        fig, axes = plt.subplots(1, len(EE_METRICS), figsize=(12, 3.6), sharey=True)
        order = list(ranges)[::-1]
        for ax, metric in zip(axes, EE_METRICS, strict=True):
            rows = elementary[elementary["metric"] == metric]
            y = rows["factor"].map({f: i for i, f in enumerate(order)})
            ax.scatter(rows["elementary effect"], y + 0.08 * (rows["trajectory"] - rows["trajectory"].mean()),
                       color="#D55E00", zorder=3)
            ax.axvline(0, color="grey", linewidth=0.8)
            ax.set_yticks(range(len(order)), order, fontsize=8)
            ax.set_title(metric_label(metric), loc="left", fontsize=10)
            ax.set_xlabel(f"elementary effect ({metric_unit(metric)} per whole range)")
        fig.suptitle("Elementary effects, one dot per trajectory")
        fig.tight_layout()
        plt.show()
    """),
    md("""
    `screening.main_effects` also holds the mean of each metric at each level of each factor, as for a grid. In a
    Morris design with few trajectories each level mean averages only a handful of points taken at different
    values of the other factors, so it mixes in their effects; read main effects from grid or Latin-hypercube
    sweeps (such as `scenarios/sweeps/staffing_x_signboards.yaml`), and `μ*` and the elementary effects here.

    ## What the screening says

    * **`μ*`** is the average absolute elementary effect: roughly, how much a metric changes when one
      assumption goes from the low to the high end of its plausible range with the others held where they are.
      The assumptions at the top of each tornado are the ones whose uncertainty moves that result most: better
      data on them would narrow the model's answers most. The error bars are bootstrap intervals of `μ*`;
      overlapping bars mean the order between those factors is not settled by this many trajectories.
    * An assumption with `μ*` near zero for every metric can be left anywhere in its range. Some zeros are
      structural: township staff serving escalations (`township.service_share`) acts only after a request leaves
      the village, so it cannot change first response or visits, only resolution time; the share of vulnerable
      households changes whom cadres visit, not how much time they have.
    * **σ** close to or above `μ*` (elementary effects scattered on both sides of zero) means the effect depends
      on the other assumptions or is non-linear; such factors should be studied together rather than one at a
      time.
    * The rank table gives the short answer per metric. In quick mode (one county, two trajectories) treat it as
      a demonstration; run with `QUICK = False` before drawing conclusions. For variance-based indices set
      `DESIGN = "sobol"` (more points: first-order S1 and total ST).
    """),
]

# ---------------------------------------------------------------------------------------- 04 verification

VERIFICATION = [
    md("""
    # 04 · Verification: the model against queueing theory

    **Question.** Does the simulation compute what it is meant to compute? In a limiting case the model reduces
    to a textbook queue whose answers are known exactly: `scenarios/validation/mmc.yaml` is one village with
    c = 5 workers always on duty, Poisson arrivals, exponential service (mean 1 h) and no escalation, that is, an
    **M/M/c** queue. This notebook checks, and draws:

    1. the mean wait against **Erlang C** at several utilisations ρ;
    2. the waiting-time distribution **P(wait > t) = C·e^{−(cμ−λ)t}**;
    3. **Little's law** L = λW on the village queues, in the M/M/c case and in the full model;
    4. **warm-up** diagnostics: MSER-5 on the daily series of the full model.

    The same checks run as assertions in `tests/test_verification.py`.
    """),
    code(
        """
    # Parameters (this cell is tagged "parameters").
    # QUICK = True : M/M/c at 5 utilisations with 5 replications each and run lengths of 100-400 days; the
    #                full-model checks on Malong county only, 120 days, 3 replications; serial, nothing cached:
    #                well under a minute.
    # QUICK = False: M/M/c with 10 replications and 200-1,200 days (as the tests do); the full model over the
    #                whole city with the baseline's run block (365 days, 10 replications), all cores, cached in
    #                results/cache/ (tens of CPU-minutes).
    QUICK = True
    """,
        parameters=True,
    ),
    setup("""
    RHOS = [0.5, 0.7, 0.8, 0.9, 0.95]
    if QUICK:
        MMC_DAYS = dict(zip(RHOS, [100, 150, 200, 300, 400], strict=True))
        MMC_REPLICATIONS = 5
        OVERRIDES, FULL_RUN = {"world.counties": ["Malong"]}, {"replications": 3, "days": 120}
        RUN = {"executor": "serial", "cache_dir": None}
    else:
        MMC_DAYS = dict(zip(RHOS, [200, 300, 400, 800, 1200], strict=True))
        MMC_REPLICATIONS = 10
        OVERRIDES, FULL_RUN = {}, {}
        RUN = {"executor": "local", "cache_dir": ROOT / "results" / "cache"}
    """),
    md("""
    ## 1. Mean wait against Erlang C

    With arrival rate λ, service rate μ and c servers, the probability that a request has to wait is Erlang's C
    formula, and the mean wait is W_q = C / (cμ − λ). The scenario sets the arrival rate per 1,000 residents per
    year, so each utilisation ρ = λ / (cμ) becomes a rate override. The model's "first response" is exactly the
    wait in queue here.
    """),
    code("""
    import math

    mmc = sim.load_scenario(SCENARIOS / "validation" / "mmc.yaml")
    village = pd.read_csv(SCENARIOS / "validation" / "mmc_village.csv")
    SERVERS = int(village.loc[0, "cadres"])
    RESIDENTS = float(village.loc[0, "population"])
    MU = 1.0 / mmc.requests.types["job"].effort_hours.mean  # services per hour
    print(f"c = {SERVERS} servers, mu = {MU} per hour, {RESIDENTS:.0f} residents")


    def erlang_c(c, offered):
        # Probability of waiting in M/M/c with offered load a = lambda / mu (a < c).
        rho = offered / c
        top = offered**c / math.factorial(c) / (1 - rho)
        return top / (sum(offered**k / math.factorial(k) for k in range(c)) + top)


    def rate_for(rho):
        # Requests per 1,000 residents per year that give utilisation rho.
        return rho * SERVERS * MU * 8760.0 / (RESIDENTS / 1000.0)


    mmc_runs = {}
    for rho in RHOS:
        mmc_runs[rho] = sim.run(mmc, overrides={"requests.types.job.rate_per_1000_residents_per_year": rate_for(rho)},
                                days=MMC_DAYS[rho], replications=MMC_REPLICATIONS, **RUN)

    rows = []
    for rho, res in mmc_runs.items():
        lam = rho * SERVERS * MU
        c_prob = erlang_c(SERVERS, lam / MU)
        wait = res.summary["first_response_hours_mean"]
        rows.append({"rho": rho, "days": MMC_DAYS[rho], "P(wait) Erlang C": c_prob,
                     "Wq Erlang C (h)": c_prob / (SERVERS * MU - lam), "Wq simulated (h)": wait["mean"],
                     "ci_low": wait["ci_low"], "ci_high": wait["ci_high"],
                     "utilisation simulated": res.summary["service_share"]["mean"]})
    erlang = pd.DataFrame(rows).set_index("rho")
    erlang["Erlang C inside the CI"] = erlang["Wq Erlang C (h)"].between(erlang["ci_low"], erlang["ci_high"])
    erlang.round(4)
    """),
    code("""
    grid = np.linspace(0.3, 0.965, 200)
    theory = [erlang_c(SERVERS, r * SERVERS) / (SERVERS * MU * (1 - r)) for r in grid]

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(grid, theory, color="black", label="Erlang C")
    sim_mean = erlang["Wq simulated (h)"]
    ax.errorbar(erlang.index, sim_mean, yerr=[sim_mean - erlang["ci_low"], erlang["ci_high"] - sim_mean],
                fmt="o", color="#D55E00", capsize=4, label="simulation (95 % CI)")
    ax.set_yscale("log")
    ax.set_xlabel("utilisation ρ = λ / (cμ)")
    ax.set_ylabel("mean wait W_q (hours, log scale)")
    ax.set_title(f"M/M/{SERVERS}: mean wait, simulation against Erlang C")
    ax.legend()
    plt.show()
    """),
    md("""
    **Reading it.** The simulated means should sit on the Erlang C curve, with the theoretical value inside the
    95 % interval (last column of the table); a 95 % interval misses the true value about one time in twenty, so
    an occasional miss by a hair is expected, a systematic offset is not. The intervals widen with ρ: near
    saturation the queue has long memory and each replication varies more, which is why the runs are longer
    there. The simulated utilisation (busy share of duty time) should match ρ.

    ## 2. The waiting-time distribution

    For M/M/c, P(wait > t) = C · e^{−(cμ−λ)t}: a share 1 − C is served at once, the rest wait an exponential time.
    The model records waits in log-binned histograms (`results.histograms`: bin indices into
    `sim.model.records.EDGES`, in hours), pooled over replications.
    """),
    code("""
    from sim.model.records import EDGES
    from sim.analysis.metrics import histogram_counts

    fig, ax = plt.subplots(figsize=(8, 4.2))
    for i, (rho, res) in enumerate(mmc_runs.items()):
        lam = rho * SERVERS * MU
        c_prob = erlang_c(SERVERS, lam / MU)
        counts = histogram_counts(res.histograms, "first_response_hours")
        survival = counts[::-1].cumsum()[::-1] / counts.sum()  # P(wait >= EDGES[k]) at the lower bin edges
        x = (SERVERS * MU - lam) * EDGES[:-1]  # time in units of the mean excess wait 1 / (c mu - lambda)
        keep = (EDGES[:-1] > 0) & (x <= 4.0)
        ax.plot(x[keep], survival[keep], color=f"C{i}", linewidth=2.0, alpha=0.6, label=f"ρ = {rho}")
        xs = np.linspace(0.0, 4.0, 50)
        ax.plot(xs, c_prob * np.exp(-xs), color=f"C{i}", linestyle="--", linewidth=1.0)
    ax.set_yscale("log")
    ax.set_xlim(0, 4)
    ax.set_xlabel("(cμ − λ) · t   (t in hours)")
    ax.set_ylabel("P(wait > t)")
    ax.set_title("Waiting-time tail: simulation (solid) against C·exp(−(cμ−λ)t) (dashed)")
    ax.legend(ncols=2)
    plt.show()
    """),
    md("""
    **Reading it.** Each solid curve should start near the Erlang C probability of waiting at small t and then
    follow its dashed straight line: time is measured in units of 1 / (cμ − λ), so every exponential tail has
    the same slope on this log scale and only its height, C, differs with ρ. Far out in the tail the curves get
    noisy: long waits come in clusters (one busy spell produces many of them), so a short run holds only a few
    independent long-wait episodes. Full mode's longer runs bring the far tail onto the lines. A curve that
    bends away early, near the start, would point to wrong service or arrival processes or to lost requests.

    ## 3. Little's law

    For any stable queue, the time-average number waiting L equals the arrival rate λ times the mean wait W.
    The model measures the three separately (`village_queue_length_mean` from the queue length over time,
    `village_arrival_rate_per_hour`, `village_wait_hours_mean` from the requests), so their agreement checks the
    bookkeeping, in the M/M/c case and in the full model (the baseline with administration, visits, duty hours,
    weekends and escalation).
    """),
    code("""
    baseline = sim.load_scenario(SCENARIOS / "baseline.yaml", OVERRIDES)
    full = sim.run(baseline, warmup_days="auto", **FULL_RUN, **RUN)


    def little(res):
        s = {k: v["mean"] for k, v in res.summary.items()}
        lam_w = s["village_arrival_rate_per_hour"] * s["village_wait_hours_mean"]
        return {"L (queue length)": s["village_queue_length_mean"],
                "lambda (per hour)": s["village_arrival_rate_per_hour"],
                "W (hours)": s["village_wait_hours_mean"], "lambda x W": lam_w,
                "relative difference": s["village_queue_length_mean"] / lam_w - 1}


    little_table = pd.DataFrame({**{f"M/M/c rho={rho}": little(res) for rho, res in mmc_runs.items()},
                                 "full model (baseline)": little(full)}).T
    little_table.round(4)
    """),
    md("""
    **Reading it.** The last column should be close to zero everywhere (within a few per cent: L is a time
    average over the window, while W is averaged over the requests that arrived in it, so requests still waiting
    at either end of the window make the two differ slightly).

    ## 4. Warm-up: MSER-5 on the daily series

    A run starts empty: no backlog, every household equally overdue for a visit. The first days are therefore
    not typical, and metrics skip a warm-up period. MSER-5 (White 1997) picks the truncation: it cuts the daily
    series into batches of 5 days and deletes the number of initial batches that minimises the estimated
    variance of the mean of what remains. `warmup_days="auto"` applies it to a pilot replication (daily mean
    first response and daily visits) and keeps the longer of the two cuts, at most half the run; the choice is
    in `settings["warmup_info"]`.
    """),
    code("""
    from sim.analysis.stats import mser

    print("warm-up chosen by the runner:", full.settings["warmup_info"])

    daily = full.daily.sort_values(["replication", "day"]).copy()
    daily["first_response"] = daily["sum_first_response"] / daily["responded"].replace(0, np.nan)
    series = {"first_response": "daily mean first response (h)", "visits": "household visits per day"}
    rows = []
    for rep, g in daily.groupby("replication"):
        for column in series:
            y = g[column].ffill().fillna(0.0).to_numpy(dtype=float)
            rows.append({"replication": rep, "series": column,
                         "MSER-5 cut (days)": mser(y, batch_size=5)["truncation_index"],
                         "MSER-7 cut (days)": mser(y, batch_size=7)["truncation_index"]})
    cuts = pd.DataFrame(rows).pivot(index="replication", columns="series")
    cuts
    """),
    code("""
    warm = full.settings["warmup_days"]
    # Days of the run inside a seasonal demand peak (dates MM-DD, inclusive; a peak may wrap past new year).
    dates = pd.Timestamp(str(baseline.world.start_date)) + pd.to_timedelta(np.arange(full.settings["days"]), unit="D")
    month_day = np.asarray(dates.strftime("%m-%d"))
    in_peak = np.zeros(len(dates), dtype=bool)
    for peak in baseline.requests.seasonal_peaks:
        if peak.start <= peak.end:
            in_peak |= (month_day >= peak.start) & (month_day <= peak.end)
        else:
            in_peak |= (month_day >= peak.start) | (month_day <= peak.end)

    fig, axes = plt.subplots(2, 2, figsize=(12, 6.5))
    for c, (column, label) in enumerate(series.items()):
        wide = daily.pivot_table(index="day", columns="replication", values=column)
        ax = axes[0, c]
        ax.plot(wide.index, wide, linewidth=0.7, alpha=0.5)
        ax.plot(wide.index, wide.mean(axis=1), color="black", linewidth=1.5, label="mean over replications")
        ax.fill_between(np.arange(len(dates)), 0, 1, where=in_peak, transform=ax.get_xaxis_transform(),
                        color="#E69F00", alpha=0.15, label="seasonal demand peak")
        ax.axvline(warm, color="#D55E00", linestyle="--", label=f"warm-up used: {warm} days")
        ax.set_ylabel(label)
        ax.set_xlabel("day")
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper right", fontsize=8)
        ax = axes[1, c]
        for rep, g in daily.groupby("replication"):
            stat = mser(g[column].ffill().fillna(0.0).to_numpy(dtype=float), batch_size=5)["statistic"]
            ax.plot(np.arange(len(stat)) * 5, stat, marker=".", linewidth=0.8, label=f"replication {rep}")
        ax.set_xlabel("days deleted (batches of 5)")
        ax.set_ylabel("MSER-5 statistic")
        ax.legend(fontsize=8)
    fig.suptitle("Warm-up diagnostics: daily series (top) and the MSER-5 statistic (bottom)")
    fig.tight_layout()
    plt.show()
    """),
    md("""
    **Reading it.** The top panels show whether the first days look different from the rest. Visits start high
    (every household is due at the start) and settle within days; a backlog-driven build-up of waiting would
    show as a rising start of the first-response series. In the bottom panels the minimum of each curve is the
    MSER-5 cut for that replication. Three cautions:

    * **Seasonal peaks are not warm-up.** The run starts on 1 January, and the demand calendar has a Spring
      Festival peak in late January and February (shaded; `requests.seasonal_peaks`). MSER cannot tell a peak
      from a start-up transient: if a cut lands at the end of the shaded band, MSER has deleted the peak, and
      the metrics would then skip a real and busy part of the year. Cuts that disagree between replications
      (see the table) are another sign that there is no clear transient to remove.
    * **The weekly cycle** (one cadre on weekend duty) is strong, and batches of 5 days do not line up with
      weeks, so the MSER-5 statistic is bumpy. Batches of 7 days (the `MSER-7` columns) average the cycle out,
      but on a short run they can be pulled by the seasonal peak as well; compare the two.
    * **The last day** of the first-response series dips: requests that arrive near the end and are answered
      before it are mostly the quick ones. MSER only deletes from the start, so this does not affect the cut.

    The scenario's fixed warm-up (30 days in `baseline.yaml`, chosen to cover the 30-day visit window) is a
    deliberate choice. Over a full year a few weeks more or less matter little; on a short run that starts on
    1 January, prefer a fixed warm-up to `--warmup-days auto`, and check the cut against this plot.
    """),
]


def notebooks() -> dict[str, NotebookNode]:
    return {
        "01_quickstart.ipynb": notebook(QUICKSTART, "quickstart"),
        "02_three_reforms.ipynb": notebook(REFORMS, "reforms"),
        "03_sensitivity.ipynb": notebook(SENSITIVITY, "sensitivity"),
        "04_verification.ipynb": notebook(VERIFICATION, "verification"),
    }


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, nb in notebooks().items():
        nbformat.validate(nb)
        text = nbformat.writes(nb) + "\n"
        path = HERE / name
        if check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(HERE.parent)}")
    if stale:
        print("out of date (run python notebooks/build_notebooks.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
