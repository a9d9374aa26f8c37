"""The Streamlit script of the scenario explorer (``grassroots serve`` runs it).

Why so thin: Streamlit re-runs this script top to bottom on every click, so it only reads the
widgets, hands their values to ``controls`` (scenario), ``execute`` (run folder) and
``results_view`` (tables), and keeps the last run folder in the session. Widget keys are
stable names (``preset``, ``counties``, ``run``, ``download-yaml``, ``lever-<preset>-<path>``)
that the tests and the browser test address.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from sim.report.labels import Lang
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import load_scenario, scenario_to_yaml
from sim.scenario.params import Scenario
from sim.web import controls, execute, results_view
from sim.web.i18n import LANG_NAMES, LANGS, county_label, county_names, preset_name, t

NO_BASE = ""


@st.cache_resource(show_spinner=False)
def _preset(path: str, mtime: float) -> Scenario:
    """A preset file, loaded once per process (and again when the file changes)."""
    return load_scenario(path)


def _language() -> Lang:
    default = os.environ.get("GRASSROOTS_WEB_LANG", "zh")
    index = LANGS.index(default) if default in LANGS else 0
    choice = st.sidebar.radio(
        "语言 / Language", LANGS, index=index, format_func=LANG_NAMES.get, horizontal=True, key="lang"
    )
    return "zh" if choice == "zh" else "en"


def _start(lang: Lang, presets: dict[str, Path]) -> tuple[Scenario, str, str]:
    """The starting scenario, its widget id and its source: the chosen preset, or a valid upload."""
    name = st.sidebar.selectbox(
        t("preset", lang), list(presets), format_func=lambda p: preset_name(p, lang), key="preset"
    )
    path = presets[name]
    start, start_id, source = _preset(str(path), path.stat().st_mtime), name, f"scenarios/{path.name}"
    upload = st.sidebar.file_uploader(t("upload", lang), type=["yaml", "yml"], key="upload")
    if upload is not None:
        data = upload.getvalue()
        try:
            uploaded = controls.load_upload(data, upload.name, path.parent)
        except ScenarioError as exc:
            st.sidebar.error(t("upload_error", lang))
            st.sidebar.code(str(exc), language=None)
        else:
            digest = hashlib.sha256(data).hexdigest()[:8]
            start, start_id, source = uploaded, f"upload-{digest}", upload.name
            st.sidebar.success(t("upload_ok", lang, name=upload.name))
    return start, start_id, source


def _run_choice(lang: Lang, start: Scenario) -> controls.RunChoice:
    known = list(county_names(start.world.counties_csv))
    default = [c for c in (start.world.counties or [controls.DEFAULT_COUNTY]) if c in known] or known[:1]
    counties = st.sidebar.multiselect(
        t("counties", lang),
        known,
        default=default,
        format_func=lambda c: county_label(c, lang),
        help=t("counties_help", lang),
        key="counties",
    )
    days = st.sidebar.number_input(t("days", lang), 5, 730, 60, 5, key="days")
    warmup = st.sidebar.number_input(t("warmup", lang), 0, 365, 10, 1, key="warmup")
    reps = st.sidebar.number_input(t("replications", lang), 1, 50, 2, 1, key="replications")
    seed = st.sidebar.number_input(t("seed", lang), 0, 2**31 - 1, int(start.run.seed), 1, key="seed")
    if not counties:
        st.sidebar.warning(t("no_county", lang, county=", ".join(county_label(c, lang) for c in default)))
    return controls.RunChoice(tuple(counties or default), int(days), int(warmup), int(reps), int(seed))


def _lever_widget(box: Any, lever: controls.Lever, value: Any, key: str, lang: Lang) -> Any:
    """A toggle or a number box for one lever; its range widens to hold a starting value beyond it."""
    label, help_text = lever.label(lang), lever.help(lang)
    if lever.kind == "bool":
        return box.toggle(label, value=bool(value), help=help_text, key=key)
    if lever.kind == "int":
        high = max(int(lever.high), int(value))
        return box.number_input(label, int(lever.low), high, int(value), int(lever.step), help=help_text, key=key)
    high = max(float(lever.high), float(value))
    return box.number_input(
        label, float(lever.low), high, float(value), float(lever.step), format=lever.format, help=help_text, key=key
    )


def _levers(lang: Lang, start: Scenario, start_id: str) -> dict[str, Any]:
    """One widget per lever, in two columns, starting from the starting scenario's values."""
    st.subheader(t("levers", lang))
    st.caption(t("levers_intro", lang))
    values = controls.lever_values(start)
    columns = st.columns(2)
    return {
        lever.path: _lever_widget(columns[i % 2], lever, values[lever.path], f"lever-{start_id}-{lever.path}", lang)
        for i, lever in enumerate(controls.LEVERS)
    }


def _base(lang: Lang, presets: dict[str, Path]) -> Path | None:
    """The preset to compare against (None for no comparison)."""
    options = [NO_BASE, *presets]
    base = st.sidebar.selectbox(
        t("compare_with", lang),
        options,
        index=options.index("baseline") if "baseline" in presets else 0,
        format_func=lambda p: preset_name(p, lang) if p else t("compare_none", lang),
        key="compare_with",
    )
    return presets[base] if base else None


def _scenario_box(lang: Lang, scenario: Scenario, command: str) -> None:
    text = scenario_to_yaml(scenario)
    with st.expander(t("scenario_yaml", lang)):
        st.caption(t("cli_equivalent", lang))
        st.code(command, language="bash")
        st.code(text, language="yaml")
    st.download_button(
        t("download_yaml", lang),
        text.encode("utf-8"),
        file_name=f"{scenario.name}.yaml",
        mime="application/x-yaml",
        key="download-yaml",
    )


@st.cache_resource(show_spinner=False)
def _run_lock() -> threading.Lock:
    """One simulation at a time per server: two sessions' process pools would only fight over the same cores."""
    return threading.Lock()


def _poll(job: execute.BackgroundRun, bar: Any, lang: Lang) -> None:
    """Show the job's progress until it ends; if the script is stopped or rerun meanwhile, cancel the job."""
    try:
        while job.running(wait=0.25):  # each pass calls Streamlit, which is where Stop arrives
            if job.waiting:
                bar.progress(0.0, text=t("queued", lang))
            elif job.total:
                bar.progress(job.done / job.total, text=t("progress", lang, done=job.done, total=job.total))
    finally:
        if job.running():
            job.cancel()  # the script is being stopped or rerun: nothing will be written


def _run(lang: Lang, request: execute.RunRequest) -> None:
    """Run in the background and poll it; Stop (or any click) during the run cancels it."""
    bar = st.progress(0.0, text=t("running", lang, name=request.scenario.name))
    workers = int(os.environ.get("GRASSROOTS_WEB_WORKERS", "0")) or None
    started = time.perf_counter()
    lock = _run_lock() if execute.finished(request) is None else None  # cached requests never queue
    job = execute.BackgroundRun(request, lock, pool=execute.Pool(workers=workers)).start()
    _poll(job, bar, lang)
    bar.empty()
    if job.error is not None or job.outcome is None:
        st.error(t("failed", lang) + f" {job.error}")
        return
    st.session_state["result"] = {
        "folder": str(job.outcome.folder),
        "from_cache": job.outcome.from_cache,
        "seconds": time.perf_counter() - started,
        "key": request.key(),
    }


@dataclass(frozen=True)
class Choices:
    """What the analyst chose in the page: a starting scenario (and its source), the run settings,
    the preset to compare with, and the levers' values."""

    start: Scenario
    source: str
    run: controls.RunChoice
    base_file: Path | None
    levers: dict[str, Any]


def _choices(lang: Lang, presets: dict[str, Path]) -> Choices:
    """Read the widgets: starting scenario, run settings and base in the sidebar, then the levers."""
    start, start_id, source = _start(lang, presets)
    run_choice = _run_choice(lang, start)
    base_file = _base(lang, presets)
    return Choices(start, source, run_choice, base_file, _levers(lang, start, start_id))


def _scenarios(lang: Lang, choices: Choices) -> tuple[Scenario, Scenario | None, dict[str, Any]] | None:
    """The scenario to run, its comparison base and the overrides used; None (with the loader's message) if invalid."""
    try:
        scenario, overrides = controls.build_scenario(choices.start, choices.levers, choices.run)
        base = None
        if choices.base_file is not None:
            preset = _preset(str(choices.base_file), choices.base_file.stat().st_mtime)
            base = controls.base_scenario(preset, choices.run)
    except ScenarioError as exc:
        st.error(t("invalid", lang))
        st.code(str(exc), language=None)
        return None
    return scenario, base, overrides


def _request(lang: Lang, choices: Choices) -> execute.RunRequest | None:
    """The request the Run button sends, with its equivalent command line; None when the choices are invalid."""
    built = _scenarios(lang, choices)
    if built is None:
        return None
    scenario, base, overrides = built
    command = controls.cli_command(choices.source, overrides)
    if base is not None and base.model_params() == scenario.model_params():
        st.caption(t("same_as_base", lang))
        base = None  # nothing to compare: every paired difference would be exactly 0
    return execute.RunRequest(scenario, base, lang, choices.source, command)


def _show_result(lang: Lang, request: execute.RunRequest) -> None:
    """The session's last run, noting when it was made with other settings or came from the cache."""
    result = st.session_state.get("result")
    if result is None or not (Path(result["folder"]) / "summary.json").is_file():
        return
    with st.container(key="run-info"):
        if result.get("key") != request.key():
            st.warning(t("stale", lang))
        if result["from_cache"]:
            st.info(t("from_cache", lang))
        st.success(t("done", lang, seconds=result["seconds"]))
    results_view.render(Path(result["folder"]), lang)


def main() -> None:
    st.set_page_config(page_title="grassroots-sim", layout="wide")
    lang = _language()
    st.title(t("title", lang))
    st.caption(t("intro", lang))
    request = _request(lang, _choices(lang, controls.list_presets()))
    if request is None:
        return
    _scenario_box(lang, request.scenario, request.command)
    if st.button(t("run", lang), type="primary", key="run"):
        _run(lang, request)
    _show_result(lang, request)


main()
