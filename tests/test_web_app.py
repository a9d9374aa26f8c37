"""The web explorer without a browser: controls to scenario, uploads, runs, cache, and the app itself.

Why these checks: the explorer is only useful if it computes exactly what ``grassroots run``
computes (same loader, same overrides, same runner), if a bad upload changes nothing, and if
concurrent or interrupted runs never leave a corrupt cache entry or a half-written folder.
Runs are tiny (Malong, 10-20 days, 1-2 replications), a second or two each.
"""

from __future__ import annotations

import json
import re
import shlex
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import ROOT, SCENARIOS

pytest.importorskip("streamlit")

from streamlit.testing.v1 import AppTest

from sim.analysis.metrics import KEY_METRICS
from sim.cli import app as cli_app
from sim.cli import commands_serve
from sim.experiment import tasks as tk
from sim.scenario.errors import ScenarioError
from sim.scenario.loader import apply_overrides, load_scenario, scenario_to_yaml
from sim.web import controls, execute, results_view
from sim.web.i18n import TEXT, county_names

APP = ROOT / "sim" / "web" / "app.py"
TINY = controls.RunChoice(counties=("Malong",), days=20, warmup_days=5, replications=2, seed=7)


@pytest.fixture
def web_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app's folders in tmp_path (runs, cache) and the shipped presets."""
    monkeypatch.setenv("GRASSROOTS_WEB_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("GRASSROOTS_WEB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("GRASSROOTS_SCENARIOS", str(SCENARIOS))
    monkeypatch.setenv("GRASSROOTS_WEB_LANG", "zh")
    return tmp_path


# ------------------------------------------------------------------ controls


def test_every_lever_is_a_scenario_field_with_the_articles_figure_in_its_help() -> None:
    reform = load_scenario(SCENARIOS / "reform_2022.yaml")
    for lever in controls.LEVERS:
        value = controls.get_path(reform, lever.path)
        assert lever.low <= float(value) <= lever.high, lever.path
        assert isinstance(lever.coerce(value), type(value)), lever.path
        assert lever.help("en").startswith("★ Article") and lever.help("zh").startswith("★ 报道")
    figures = {"workers.work_team.members_total": "5,147", "delegation.items_delegated": "26"}
    for path, figure in figures.items():
        assert figure in controls.LEVER_BY_PATH[path].help("en")
    assert controls.get_path(reform, "workers.work_team.members_total") == 5147


def test_levers_apply_as_the_same_dotted_overrides_as_the_cli_set() -> None:
    start = load_scenario(SCENARIOS / "staff_down.yaml")
    values = {**controls.lever_values(start), "workers.work_team.members_total": 6000.0, "one_thing.modules": 3}
    scenario, overrides = controls.build_scenario(start, values, TINY)
    assert overrides["workers.work_team.members_total"] == 6000 and overrides["one_thing.modules"] == 3
    assert "admin.signboards_per_village" not in overrides  # unchanged levers are not overridden
    assert scenario == load_scenario(SCENARIOS / "staff_down.yaml", overrides)
    command = controls.cli_command("scenarios/staff_down.yaml", overrides)
    assert "--set workers.work_team.members_total=6000" in command and "--days 20" in command


def test_an_invalid_combination_is_the_loaders_error() -> None:
    start = load_scenario(SCENARIOS / "baseline.yaml")
    bad = controls.RunChoice(("Malong",), days=10, warmup_days=10, replications=1, seed=1)
    with pytest.raises(ScenarioError, match="warmup_days must be shorter"):
        controls.build_scenario(start, controls.lever_values(start), bad)


def test_uploads_are_checked_by_the_loader_with_file_line_and_field() -> None:
    good = b"extends: baseline.yaml\nname: mine\nadmin:\n  signboards_per_village: 12\n"
    scenario = controls.load_upload(good, "mine.yaml", SCENARIOS)
    assert scenario.name == "mine" and scenario.admin.signboards_per_village == 12
    typo = b"extends: baseline.yaml\nname: mine\nadmin:\n  signboard_per_village: 12\n"
    with pytest.raises(ScenarioError) as err:
        controls.load_upload(typo, "mine.yaml", SCENARIOS)
    text = str(err.value)
    assert text.startswith("mine.yaml:4: admin.signboard_per_village") and "signboards_per_village" in text
    with pytest.raises(ScenarioError, match=r"world\.villages_csv: an uploaded scenario cannot use a data file"):
        controls.load_upload(b"extends: baseline.yaml\nworld:\n  villages_csv: baseline.yaml\n", "v.yaml", SCENARIOS)
    with pytest.raises(ScenarioError, match=r"^broken.yaml:3: invalid YAML"):
        controls.load_upload(b"name: x\nadmin: [1, 2\n", "broken.yaml", SCENARIOS)


def test_the_downloaded_yaml_loads_back_as_the_same_scenario(tmp_path: Path) -> None:
    start = load_scenario(SCENARIOS / "reform_2022.yaml")
    scenario, _ = controls.build_scenario(start, {**controls.lever_values(start), "one_thing.modules": 4}, TINY)
    path = tmp_path / "downloaded.yaml"
    path.write_text(scenario_to_yaml(scenario), encoding="utf-8")
    assert load_scenario(path) == scenario


def test_every_text_has_both_languages_and_is_used() -> None:
    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "sim" / "web").glob("*.py"))
    for key, (en, zh) in TEXT.items():
        assert en and zh, key
        assert f'"{key}"' in source.replace(f'"{key}": (', ""), f"text {key!r} is never used"
    for key in re.findall(r"\bt\(\s*[\"']([a-z_]+)[\"']", source):
        assert key in TEXT, key


def test_chinese_county_names_cover_the_nine_counties() -> None:
    names = county_names()
    assert len(names) == 9 and names["Malong"] == "马龙区" and names["Xuanwei"] == "宣威市"


# ------------------------------------------------------------------ the serve command


def test_serve_binds_localhost_by_default_and_passes_its_folders(tmp_path: Path, monkeypatch) -> None:
    started: list[tuple[list[str], dict[str, str]]] = []

    class FakeServer:
        def __init__(self, cmd: list[str], env: dict[str, str]) -> None:
            started.append((cmd, env))

        def wait(self, timeout: float | None = None) -> int:
            return 0

    monkeypatch.setattr(commands_serve.subprocess, "Popen", FakeServer)
    result = CliRunner().invoke(cli_app, ["serve", "--port", "8600", "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    ((cmd, env),) = started
    address = cmd[cmd.index("--server.address") + 1]
    assert address == "127.0.0.1" and cmd[cmd.index("--server.port") + 1] == "8600"
    assert cmd[cmd.index("--browser.gatherUsageStats") + 1] == "false"
    assert Path(cmd[cmd.index("run") + 1]).name == "app.py"
    assert env["GRASSROOTS_WEB_CACHE"] == str((tmp_path / "c").resolve()) and env["GRASSROOTS_WEB_LANG"] == "zh"
    bad = CliRunner().invoke(cli_app, ["serve", "--lang", "fr"])
    assert bad.exit_code == 2 and "--lang" in bad.output


# ------------------------------------------------------------------ runs


def _request(name: str = "staff_down.yaml", base: bool = True, lang: str = "en") -> tuple[execute.RunRequest, dict]:
    start = load_scenario(SCENARIOS / name)
    values = {**controls.lever_values(start), "admin.signboards_per_village": 14.0}
    scenario, overrides = controls.build_scenario(start, values, TINY)
    base_scenario = controls.base_scenario(load_scenario(SCENARIOS / "baseline.yaml"), TINY) if base else None
    return execute.RunRequest(
        scenario, base_scenario, lang, f"scenarios/{name}", controls.cli_command(f"scenarios/{name}", overrides)
    ), overrides


def test_the_app_computes_the_same_numbers_as_grassroots_run(tmp_path: Path) -> None:
    request, overrides = _request()
    outcome = execute.run_request(request, tmp_path / "runs", tmp_path / "cache-web")
    web = json.loads((outcome.folder / "summary.json").read_text())["metrics"]
    command = controls.cli_command(str(SCENARIOS / "staff_down.yaml"), overrides)  # the line the app shows
    assert "--days 20" in command and "--seed 7" in command and "signboards_per_village=14" in command
    folders = ["--cache-dir", str(tmp_path / "cache-cli"), "--out", str(tmp_path / "cli")]
    result = CliRunner().invoke(cli_app, [*shlex.split(command)[1:], "-q", *folders, "--lang", "en"])
    assert result.exit_code == 0, result.output
    cli = json.loads((tmp_path / "cli" / "summary.json").read_text())["metrics"]
    for metric in KEY_METRICS:
        assert web[metric] == cli[metric], metric
    shown = results_view.comparison_table(outcome.folder, "en").set_index("id")  # against the baseline
    assert float(shown.loc["within_24h_share", "Base"]) <= 100.0  # a share in per cent, scaled once
    assert shown.loc["admin_share", "Difference"].endswith("*")  # 14 signboards instead of 20: less admin
    again = execute.run_request(request, tmp_path / "runs", tmp_path / "cache-web")
    assert again.from_cache and again.folder == outcome.folder and again.wall_time_s < 1.0


def test_an_overloaded_township_is_flagged_in_the_township_table(tmp_path: Path) -> None:
    start = load_scenario(SCENARIOS / "baseline.yaml")
    overload = {"township.service_share": 0.01, "township.coping.max_extra_staff_ratio": 0.0}
    run = controls.RunChoice(("Malong",), days=20, warmup_days=5, replications=1, seed=3)
    scenario, _ = controls.build_scenario(apply_overrides(start, overload), controls.lever_values(start), run)
    outcome = execute.run_request(
        execute.RunRequest(scenario), tmp_path / "runs", tmp_path / "cache", pool=execute.Pool("serial")
    )
    summary = results_view.read_summary(outcome.folder)
    flags, _ = results_view.queue_flags(summary, "en")
    towns = results_view.township_table(outcome.folder, "en", summary)
    assert not flags.empty and set(flags["Reason"]) == {"offered work exceeds capacity with coping"}
    marked = towns[towns["Service pool"].str.startswith("⚠")]
    assert set(marked["Township"]) == set(flags["Township"])  # every unstable township queue, and only those


def test_concurrent_identical_requests_share_one_folder_and_a_sound_cache(tmp_path: Path) -> None:
    request, _ = _request("burden_down.yaml", base=False)
    outcomes: list[execute.RunOutcome] = []
    errors: list[BaseException] = []

    def go() -> None:
        try:
            outcomes.append(
                execute.run_request(request, tmp_path / "runs", tmp_path / "cache", pool=execute.Pool("serial"))
            )
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    assert len({o.folder for o in outcomes}) == 1
    assert [p.name for p in (tmp_path / "runs").iterdir()] == [outcomes[0].folder.name]  # no temporary left
    entries = list((tmp_path / "cache").iterdir())
    assert entries and all(tk.load(e) is not None for e in entries), "every cache entry is complete"
    assert not [e for e in entries if e.name.startswith(".tmp-")]


def test_a_stopped_run_leaves_no_run_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    request, _ = _request("power_down.yaml", base=False)

    def stop(folder: Path, lang: str = "en") -> Path:  # the stop arrives while the report is written
        assert (folder / "summary.json").is_file()
        raise KeyboardInterrupt

    monkeypatch.setattr(execute, "build_report", stop)
    with pytest.raises(KeyboardInterrupt):
        execute.run_request(request, tmp_path / "runs", tmp_path / "cache", pool=execute.Pool("serial"))
    assert not list((tmp_path / "runs").iterdir())  # neither the folder nor its hidden temporary

    def stop_early(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        execute.run_request(
            request, tmp_path / "runs", tmp_path / "cache", progress=stop_early, pool=execute.Pool("serial")
        )
    assert not list((tmp_path / "runs").iterdir())


def test_a_cancelled_background_run_writes_nothing_and_frees_the_lock(tmp_path: Path) -> None:
    request, _ = _request("reform_2022.yaml", base=False, lang="zh")
    lock = threading.Lock()
    lock.acquire()  # another session is running: this one queues
    job = execute.BackgroundRun(request, lock, root=tmp_path / "runs", cache_dir=tmp_path / "cache").start()
    assert job.running(wait=0.3) and job.waiting
    job.cancel()
    assert not job.running(wait=10)
    assert isinstance(job.error, execute.Cancelled) and job.outcome is None
    lock.release()
    done = execute.BackgroundRun(request, lock, root=tmp_path / "runs", cache_dir=tmp_path / "cache").start()
    assert not done.running(wait=120) and done.error is None and done.outcome is not None
    assert not lock.locked() and done.done == done.total == 2
    report = execute.report_path(done.outcome.folder)  # the Chinese report, whatever its file is called
    assert report is not None and "关键指标" in report.read_text(encoding="utf-8")


# ------------------------------------------------------------------ the app (Streamlit's AppTest)


def _app() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    return at.run()


def test_app_starts_in_chinese_with_one_county_and_switches_to_english(web_env: Path) -> None:
    at = _app()
    assert not at.exception
    assert at.title[0].value == "基层治理情景模拟"
    assert at.multiselect(key="counties").value == ["Malong"]
    assert at.selectbox(key="preset").value == "baseline"
    at.selectbox(key="preset").set_value("staff_down").run()
    at.number_input(key="lever-staff_down-workers.work_team.members_total").set_value(6000).run()
    at.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Grassroots governance scenario explorer"
    lever = at.number_input(key="lever-staff_down-workers.work_team.members_total")
    assert "Work-team members" in lever.label and lever.value == 6000  # the switch keeps every choice
    assert at.selectbox(key="preset").value == "staff_down"


def test_app_invalid_settings_show_the_loaders_message_and_no_run_button(web_env: Path) -> None:
    at = _app()
    at.multiselect(key="counties").set_value([]).run()
    assert "Malong" in at.sidebar.warning[0].value  # an empty choice falls back to one county
    at.number_input(key="warmup").set_value(60).run()  # as long as the run
    assert "warmup_days must be shorter" in "\n".join(c.value for c in at.main.code)
    assert not [b for b in at.button if b.key == "run"]


def test_app_lever_changes_show_in_the_yaml_and_the_command(web_env: Path) -> None:
    at = _app()
    at.selectbox(key="preset").set_value("staff_down").run()
    lever = at.number_input(key="lever-staff_down-workers.work_team.members_total")
    assert lever.value == 5147 and "5,147" in lever.help
    lever.set_value(7000).run()
    code = "\n".join(c.value for c in at.code)
    assert "members_total: 7000" in code
    assert "--set workers.work_team.members_total=7000" in code


def test_app_malformed_upload_shows_the_loaders_message_and_changes_nothing(web_env: Path) -> None:
    if not hasattr(AppTest, "file_uploader"):  # Streamlit 1.42 (the web extra's floor) has no uploads in AppTest
        pytest.skip("this Streamlit's AppTest cannot upload files; controls.load_upload is tested above")
    at = _app()
    before = "\n".join(c.value for c in at.main.code)
    at.file_uploader(key="upload").set_value(("mine.yaml", b"admin:\n  signboard_per_village: 3\n", "text/yaml"))
    at.run()
    assert at.sidebar.error, "an error box"
    messages = "\n".join(c.value for c in at.sidebar.code)
    assert "mine.yaml:2: admin.signboard_per_village" in messages
    assert "\n".join(c.value for c in at.main.code) == before


def test_app_runs_shows_results_and_reuses_the_cache(web_env: Path) -> None:
    at = _app()
    at.radio(key="lang").set_value("en").run()
    at.selectbox(key="preset").set_value("burden_down").run()
    at.number_input(key="days").set_value(15).run()
    at.number_input(key="warmup").set_value(3).run()
    at.number_input(key="replications").set_value(1).run()
    at.button(key="run").click().run()
    assert not at.exception and not at.error
    labels = [m.label for m in at.metric]
    assert "Mean first response" in labels and "Time on administration" in labels
    tables = "\n".join(str(tab.value) for tab in at.table)
    assert "Paired comparison" in " ".join(s.value for s in at.subheader)
    assert "Rural" in tables or "Urban" in tables  # time use by village kind
    folder = next((web_env / "runs").iterdir())
    assert (folder / "report.html").is_file() and (folder / "comparison_vs_base.csv").is_file()
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["days"] == 15 and summary["replications"] == 1
    at.button(key="run").click().run()
    assert any("from the cache" in i.value for i in at.info)
    at.number_input(key="seed").set_value(99).run()
    assert any("controls have changed" in w.value for w in at.warning)  # old results are marked as such
