"""Show a run folder in the app: key metrics, paired comparison, time use, townships, downloads.

Why from the folder's files and not from in-memory Results: a request found in the cache has
only its folder, and the analyst downloads that same folder, so what the app shows and what
the files say cannot drift apart. The table builders are plain functions (tested without a
browser); ``render`` only lays them out with Streamlit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from sim.analysis.metrics import KEY_METRICS, TIME_USE
from sim.report.labels import Lang, category, fmt_estimate, fmt_metric, metric_name, metric_unit
from sim.web.execute import COMPARISON_FILE, report_path, zip_folder
from sim.web.i18n import county_label, preset_name, t

#: Headline cards above the table (each in a container keyed ``metric-<name>`` for browser tests).
HEADLINE = ("first_response_hours_mean", "within_24h_share", "household_visits_per_day", "admin_share")


@st.cache_data(show_spinner=False, max_entries=8)
def _zipped(folder: str) -> bytes:
    """The run folder as a zip, built once per folder (a finished folder never changes)."""
    return zip_folder(Path(folder))


def read_summary(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def metrics_table(summary: dict[str, Any], lang: Lang) -> pd.DataFrame:
    """Key metrics: display name, mean and 95 % CI in display units (shares in per cent), identifier."""
    rows = []
    for name in KEY_METRICS:
        m = summary["metrics"].get(name)
        if m is None:
            continue
        mean, ci = fmt_estimate(name, m["mean"], m["ci_low"], m["ci_high"])
        rows.append(
            {
                t("metric", lang): metric_name(name, lang),
                t("mean", lang): mean,
                t("ci", lang): ci,
                t("unit", lang): metric_unit(name, lang),
                "id": name,
            }
        )
    return pd.DataFrame(rows)


def _comparison_row(r: Any, lang: Lang) -> dict[str, object]:
    """One key metric: base and this run, the difference (starred when its CI excludes 0), CI, relative change."""
    diff, ci = fmt_estimate(r.metric, r.mean_diff, r.ci_low, r.ci_high)
    change = r.relative_change
    return {
        t("metric", lang): metric_name(r.metric, lang),
        t("base", lang): fmt_metric(r.metric, r.base_mean),
        t("this", lang): fmt_metric(r.metric, r.other_mean),
        t("difference", lang): diff + ("*" if r.excludes_zero else ""),
        t("ci", lang): ci,
        t("change", lang): "—" if change != change else f"{100 * change:+.1f}%",
        t("unit", lang): metric_unit(r.metric, lang),
        "id": r.metric,
    }


def comparison_table(folder: Path, lang: Lang) -> pd.DataFrame | None:
    """Paired differences (this − base) of the key metrics with their 95 % CI; None without a base."""
    path = folder / COMPARISON_FILE
    if not path.is_file():
        return None
    comp = pd.read_csv(path)
    comp = comp[comp["metric"].isin(KEY_METRICS)]
    return pd.DataFrame([_comparison_row(r, lang) for r in comp.itertuples()])


def time_use_table(folder: Path) -> pd.DataFrame:
    """Shares of village workers' duty time by village kind (and all), pooled over replications."""
    kinds = pd.read_csv(folder / "tables" / "by_village_kind.csv")
    cols = [f"{u}_h" for u in TIME_USE]
    summed = kinds.groupby("kind")[[*cols, "duty_h"]].sum()
    summed.loc["all"] = summed.sum()
    shares = summed[cols].div(summed["duty_h"], axis=0)
    shares.columns = list(TIME_USE)
    return shares


#: Township columns averaged over replications (those the run has).
TOWNSHIP_NUMBERS = ("posts_before", "posts", "first_response_hours_mean", "service_pool_utilisation")
Township = tuple[Any, Any]  # (county, township)


def _township_status(
    towns: pd.DataFrame, places: list[Township], summary: dict[str, Any] | None
) -> dict[Township, str]:
    """The worst status of each township's queues: its service pool in any replication, and the queues
    the summary flags as coping or unstable (the enforcement team's among them)."""
    status = dict.fromkeys(places, "stable")
    if "service_pool_status" in towns:
        for county, township, value in towns[["county", "township", "service_pool_status"]].itertuples(index=False):
            status[(county, township)] = _worse(status.get((county, township), "stable"), value)
    for kind in ("coping_queues", "unstable_queues"):
        for q in (summary or {}).get(kind, []):
            where = (q.get("county"), q.get("township"))
            if where in status:
                status[where] = _worse(status[where], kind.split("_")[0])
    return status


def _township_frame(table: pd.DataFrame, status: dict[Township, str], lang: Lang) -> pd.DataFrame:
    """The table as shown: labelled columns, rounded numbers, the status marked."""
    out = pd.DataFrame(
        {
            t("county", lang): [county_label(c, lang) for c in table["county"]],
            t("township", lang): table["township"],
        }
    )
    if "posts_before" in table:
        out[t("posts_before", lang)] = table["posts_before"].round(0)
        out[t("posts", lang)] = table["posts"].round(0)
    out[t("first_response", lang)] = table["first_response_hours_mean"].round(2)
    if "service_pool_utilisation" in table:
        out[t("utilisation", lang)] = table["service_pool_utilisation"].round(2)
    out[t("status", lang)] = [_status(status[w], lang) for w in zip(table["county"], table["township"], strict=True)]
    return out


def township_table(folder: Path, lang: Lang, summary: dict[str, Any] | None = None) -> pd.DataFrame:
    """One row per township: posts before and after, mean first response, service-pool load and status.

    The status is the worst of the township's queues (service pool and enforcement team), so a
    township whose enforcement team does not settle is flagged too.
    """
    towns = pd.read_csv(folder / "tables" / "by_township.csv")
    numeric = [c for c in TOWNSHIP_NUMBERS if c in towns.columns]
    table = towns.groupby(["county", "township"], sort=False)[numeric].mean().reset_index()
    places = list(zip(table["county"], table["township"], strict=True))
    return _township_frame(table, _township_status(towns, places, summary), lang)


_RANK = {"stable": 0, "coping": 1, "unstable": 2}


def _worse(a: object, b: object) -> str:
    """The worse of two queue statuses (unknown values count as stable)."""
    a, b = (v if isinstance(v, str) and v in _RANK else "stable" for v in (a, b))
    return a if _RANK[a] >= _RANK[b] else b


def _status(value: str, lang: Lang) -> str:
    mark = {"unstable": "⚠ ", "coping": "△ "}.get(value, "")
    return mark + category(value, lang)


def queue_flags(summary: dict[str, Any], lang: Lang) -> tuple[pd.DataFrame, int]:
    """The unstable queues (any level) as a table, and how many queues are coping."""
    rows = [
        {
            t("county", lang): county_label(str(q.get("county", "")), lang),
            t("township", lang): q.get("township") or "—",
            t("queue", lang): f"{category(str(q.get('stage', '')), lang)} · {q.get('queue', '')}",
            t("utilisation", lang): round(float(q.get("utilisation", float("nan"))), 2),
            t("reason", lang): str(q.get("reason", "")),
        }
        for q in summary.get("unstable_queues", [])
    ]
    return pd.DataFrame(rows), len(summary.get("coping_queues", []))


def _headline(summary: dict[str, Any], lang: Lang) -> None:
    """The headline metrics as tiles (mean, unit, 95 % CI), then all key metrics as a table."""
    st.subheader(t("key_metrics", lang))
    columns = st.columns(len(HEADLINE))
    for column, name in zip(columns, HEADLINE, strict=True):
        m = summary["metrics"].get(name)
        if m is None:
            continue
        mean, ci = fmt_estimate(name, m["mean"], m["ci_low"], m["ci_high"])
        with column.container(key=f"metric-{name}"):
            st.metric(metric_name(name, lang), f"{mean} {metric_unit(name, lang)}", help=f"95 % CI {ci}")
            st.caption(f"95% CI {ci}")
    st.table(metrics_table(summary, lang).set_index(t("metric", lang)))


def _comparison(folder: Path, lang: Lang) -> None:
    """The paired comparison with the request's base, when the run had one."""
    comp = comparison_table(folder, lang)
    request = json.loads((folder / "web_request.json").read_text(encoding="utf-8"))
    if comp is not None:
        base = request.get("base") or ""
        st.subheader(t("comparison", lang, base=preset_name(base, lang)))
        st.table(comp.set_index(t("metric", lang)))
        st.caption(t("significant", lang))


def _time_use(folder: Path, lang: Lang) -> None:
    """Each role's time shares in per cent, as stacked bars and as a table."""
    st.subheader(t("time_use", lang))
    shares = time_use_table(folder)
    shown = (100 * shares).round(1)
    shown.index = [category(k, lang) for k in shown.index]
    shown.columns = [category(c, lang) for c in shown.columns]
    st.bar_chart(shown, horizontal=True, stack=True, y_label="", x_label="%")
    st.table(shown.map(lambda v: f"{v:.1f}"))


def _townships(folder: Path, summary: dict[str, Any], lang: Lang) -> None:
    """Unstable and coping queues first (or that there are none), then the township table."""
    st.subheader(t("townships", lang))
    flags, coping = queue_flags(summary, lang)
    if flags.empty:
        st.success(t("unstable_none", lang))
    else:
        st.warning(t("unstable_some", lang, n=len(flags)))
        st.table(flags)
    if coping:
        st.info(t("coping_some", lang, n=coping))
    st.dataframe(township_table(folder, lang, summary), hide_index=True)


def _downloads(folder: Path, lang: Lang) -> None:
    """The report (when there is one) and the whole run folder as a zip, and where the folder is."""
    st.subheader(t("downloads", lang))
    left, right = st.columns(2)
    report = report_path(folder)
    if report is not None:
        left.download_button(
            t("download_report", lang),
            report.read_bytes(),
            file_name=f"{folder.name}-{report.name}",
            mime="text/html",
            key="download-report",
        )
    right.download_button(
        t("download_zip", lang),
        _zipped(str(folder)),
        file_name=f"{folder.name}.zip",
        mime="application/zip",
        key="download-zip",
    )
    st.caption(t("run_folder", lang, path=str(folder)))


def render(folder: Path, lang: Lang) -> None:
    """Lay out the results of ``folder`` (a finished run folder) in the current Streamlit page."""
    summary = read_summary(folder)
    _headline(summary, lang)
    _comparison(folder, lang)
    _time_use(folder, lang)
    _townships(folder, summary, lang)
    _downloads(folder, lang)
