"""Reports: self-contained HTML from a real run folder, both languages, real CJK glyphs, and the
comparison and sweep folder contracts (built by hand, as their producers would write them)."""

from __future__ import annotations

import io
import json
import re
import shutil
import warnings
from html import escape
from pathlib import Path

import pandas as pd
import pytest
from fontTools.ttLib import TTFont
from matplotlib import font_manager
from typer.testing import CliRunner

from sim.cli import app
from sim.report import figures, plotstyle
from sim.report.assumptions import assumptions_in_force
from sim.report.labels import all_chinese_text, tr
from sim.report.report import build_report
from sim.scenario.params import Scenario

ROOT = Path(__file__).resolve().parent.parent
RUN_SECTIONS = (
    "sec_scenario",
    "sec_key_metrics",
    "sec_response",
    "sec_time_use",
    "sec_visits",
    "sec_geography",
    "sec_stability",
    "sec_diagnostics",
    "sec_assumptions",
    "sec_checklist",
)
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real run (Malong, 40 days, 2 replications, a survey campaign) made by the CLI."""
    tmp = tmp_path_factory.mktemp("report")
    out = tmp / "run"
    result = CliRunner().invoke(
        app,
        [
            "run",
            str(ROOT / "scenarios" / "baseline.yaml"),
            "--days",
            "40",
            "--warmup-days",
            "10",
            "-r",
            "2",
            "--set",
            "world.counties=[Malong]",
            "--set",
            "visits.campaign={start_day: 15, days: 20}",
            "--out",
            str(out),
            "--cache-dir",
            str(tmp / "cache"),
            "--quiet",
            "--executor",
            "serial",
        ],
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def zh_dir(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same run folder, its report rebuilt in Chinese by ``grassroots report`` (no glyph may be missing)."""
    copy = tmp_path_factory.mktemp("zh") / "run"
    shutil.copytree(run_dir, copy)
    shutil.rmtree(copy / "figures")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = CliRunner().invoke(app, ["report", str(copy), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    glyph_warnings = [str(w.message) for w in caught if "glyph" in str(w.message).lower()]
    assert not glyph_warnings, glyph_warnings[:3]
    return copy


def _html(folder: Path) -> str:
    return (folder / "report.html").read_text(encoding="utf-8")


def assert_self_contained(html: str) -> None:
    assert not EXTERNAL.findall(html), "report must not load anything from the network"
    assert "<script" not in html.lower()
    assert "@import" not in html and "url(" not in html  # no external fonts or stylesheets
    assert 'class="notice error"' not in html, "a section failed"


def test_run_report_is_self_contained_with_all_sections(run_dir: Path) -> None:
    html = _html(run_dir)
    assert_self_contained(html)
    headings = re.findall(r'<h2><span class="num">\d+</span>(.*?)</h2>', html)
    assert headings == [escape(tr(key, "en")) for key in RUN_SECTIONS]
    assert html.count('src="data:image/png;base64,') >= 5
    pngs = sorted((run_dir / "figures").glob("*.png"))
    assert len(pngs) >= 7
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000 for p in pngs)


def test_run_report_lists_assumptions_and_checklist(run_dir: Path) -> None:
    html = _html(run_dir)
    section = html[html.index('id="assumptions"') : html.index('id="checklist"')]
    assert "admin.hours_per_signboard_per_month" in section
    assert "world.counties" not in section  # changed by --set, so not a default assumption
    checklist = html[html.index('id="checklist"') :]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    for fact in (
        manifest["scenario"]["description"],
        "first_response_hours_mean",
        "40 days simulated",
        "2 independent replications",
        "arrivals",
        "simpy",
    ):
        assert fact in checklist, fact


def test_assumptions_are_defaults_documented_as_assumptions() -> None:
    default = Scenario().model_dump(mode="json")
    paths = {p for p, _, _ in assumptions_in_force(default)}
    assert {
        "admin.hours_per_signboard_per_month",
        "workers.duty.periods",
        "requests.seasonal_peaks",
        "township.effort_hours",
    } <= paths
    assert "admin.admission_list" not in paths  # its description cites the article, not an assumption
    changed = Scenario.model_validate(
        {"admin": {"hours_per_signboard_per_month": 6}, "requests": {"seasonal_peaks": []}}
    ).model_dump(mode="json")
    paths = {p for p, _, _ in assumptions_in_force(changed)}
    assert "admin.hours_per_signboard_per_month" not in paths
    assert "requests.seasonal_peaks" not in paths  # lists are compared whole


def test_assumptions_behind_a_switch_that_is_off_are_not_in_force() -> None:
    off = {p for p, _, _ in assumptions_in_force(Scenario().model_dump(mode="json"))}
    assert "calendar.holiday_demand_factor" not in off and "admin.admission_blocked_share" not in off
    on = Scenario.model_validate(
        {"calendar": {"official_holidays": True}, "admin": {"admission_list": True}}
    ).model_dump(mode="json")
    paths = {p for p, _, _ in assumptions_in_force(on)}
    assert {"calendar.holiday_demand_factor", "admin.admission_blocked_share"} <= paths
    assert "admin.temporary_approval_share" not in paths  # its own switch is still off


def test_chinese_report(zh_dir: Path) -> None:
    html = (zh_dir / "report.zh.html").read_text(encoding="utf-8")  # beside the English report.html
    assert_self_contained(html)
    assert '<html lang="zh-CN">' in html
    for key in RUN_SECTIONS:
        assert tr(key, "zh") in html, key
    assert "平均首次响应时间" in html and "first_response_hours_mean" in html  # name and identifier
    assert html.count('src="data:image/png;base64,') >= 5


def test_bundled_cjk_font_covers_labels_and_renders_without_missing_glyphs(tmp_path: Path) -> None:
    assert plotstyle.FONT_FILE.is_file() and plotstyle.FONT_FILE.stat().st_size < 2_000_000
    assert (plotstyle.FONT_DIR / "OFL.txt").is_file()
    assert plotstyle.cjk_family() == plotstyle.FONT_FAMILY
    found = font_manager.findfont(font_manager.FontProperties(family=plotstyle.FONT_FAMILY), fallback_to_default=False)
    assert Path(found).resolve() == plotstyle.FONT_FILE.resolve()
    cmap = TTFont(plotstyle.FONT_FILE)["cmap"].getBestCmap()
    missing = {c for c in all_chinese_text() if ord(c) not in cmap and not c.isascii()}
    assert not missing, f"characters missing from the font subset: {sorted(missing)}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with plotstyle.style("zh"):
            fig = plotstyle.new_figure(4, 2)
            ax = fig.subplots()
            ax.set_title("平均首次响应时间（小时）曲靖麒麟区")
            ax.set_xlabel(all_chinese_text()[:80])
            fig.savefig(io.BytesIO(), format="png")
    glyph_warnings = [str(w.message) for w in caught if "glyph" in str(w.message).lower()]
    assert not glyph_warnings, glyph_warnings


def _comparison_folder(run_dir: Path, root: Path, optional: bool) -> Path:
    folder = root / ("comparison_full" if optional else "comparison_min")
    folder.mkdir()
    (folder / "manifest.json").write_text(
        json.dumps(
            {
                "kind": "comparison",
                "base": "baseline",
                "scenarios": ["baseline", "reform"],
                "settings": {"days": 40, "warmup_days": 10, "replications": 2, "seed": 12345},
            }
        )
    )
    summary = json.loads((run_dir / "summary.json").read_text())["metrics"]
    rows = []
    for metric in ("first_response_hours_mean", "household_visits_per_day", "admin_share"):
        base = summary[metric]["mean"]
        rows.append(
            {
                "scenario": "reform",
                "metric": metric,
                "base_mean": base,
                "other_mean": 0.8 * base,
                "mean_diff": -0.2 * base,
                "ci_low": -0.25 * base,
                "ci_high": -0.15 * base,
                "relative_change": -0.2,
                "excludes_zero": True,
                "p_value": 0.001,
            }
        )
    pd.DataFrame(rows).to_csv(folder / "comparison.csv", index=False)
    if optional:
        pd.DataFrame(
            {
                "term": ["staff", "burden", "interaction"],
                "metric": "first_response_hours_mean",
                "effect": [-0.5, -0.3, 0.05],
                "ci_low": [-0.6, -0.4, -0.05],
                "ci_high": [-0.4, -0.2, 0.15],
            }
        ).to_csv(folder / "decomposition.csv", index=False)
        pd.DataFrame(
            {
                "lever": ["workers.work_team.members_total", "admin.signboards_per_village"],
                "metric": "first_response_hours_mean",
                "change_per_unit": [-0.001, 0.05],
                "ci_low": [-0.0015, 0.03],
                "ci_high": [-0.0005, 0.07],
            }
        ).to_csv(folder / "marginal_values.csv", index=False)
        for name in ("baseline", "reform"):
            shutil.copytree(run_dir, folder / "runs" / name, ignore=shutil.ignore_patterns("report.html", "figures"))
    return folder


def test_comparison_report_from_contract_files(run_dir: Path, tmp_path: Path) -> None:
    folder = _comparison_folder(run_dir, tmp_path, optional=True)
    html = build_report(folder).read_text(encoding="utf-8")
    assert_self_contained(html)
    for key in ("sec_comparison", "sec_paired", "sec_side_by_side", "sec_decomposition", "sec_marginal"):
        assert tr(key, "en") in html, key
    assert {"forest.png", "decomposition.png", "marginal_values.png", "key_metrics_by_scenario.png"} <= {
        p.name for p in (folder / "figures").glob("*.png")
    }
    assert html.count('src="data:image/png;base64,') >= 4


def test_comparison_report_without_optional_files(run_dir: Path, tmp_path: Path) -> None:
    folder = _comparison_folder(run_dir, tmp_path, optional=False)
    html = build_report(folder, lang="zh").read_text(encoding="utf-8")
    assert_self_contained(html)
    assert tr("sec_paired", "zh") in html and tr("sec_decomposition", "zh") not in html
    assert tr("missing_files", "zh") in html  # the per-scenario runs are missing, and it says so


def test_sweep_report_from_contract_files(tmp_path: Path) -> None:
    folder = tmp_path / "sweep"
    folder.mkdir()
    factors = ["admin.signboards_per_village", "workers.work_team.members_total"]
    (folder / "manifest.json").write_text(
        json.dumps(
            {
                "kind": "sweep",
                "design": "grid",
                "settings": {"replications": 2},
                "factors": [{"path": factors[0], "levels": [10, 20]}, {"path": factors[1], "low": 0, "high": 5000}],
            }
        )
    )
    points = pd.DataFrame({"point": range(4), factors[0]: [10, 10, 20, 20], factors[1]: [0, 5000, 0, 5000]})
    for m, base in (("first_response_hours_mean", 4.0), ("vulnerable_coverage_30d", 0.9)):
        points[f"{m}_mean"] = base + points.index * 0.01
        points[f"{m}_ci_low"], points[f"{m}_ci_high"] = points[f"{m}_mean"] - 0.01, points[f"{m}_mean"] + 0.01
    points.to_csv(folder / "points.csv", index=False)
    pd.DataFrame(
        [
            {
                "metric": m,
                "factor": f,
                "main_effect_range": r,
                "src": s,
                "src_ci_low": s - 0.1,
                "src_ci_high": s + 0.1,
                "rank": k,
            }
            for m in ("first_response_hours_mean", "vulnerable_coverage_30d")
            for k, (f, r, s) in enumerate(((factors[0], 0.5, 0.8), (factors[1], 0.1, -0.2)), start=1)
        ]
    ).to_csv(folder / "sensitivity.csv", index=False)
    pd.DataFrame(
        [
            {"factor": f, "level": lv, "metric": m, "mean": 4.0 + i}
            for m in ("first_response_hours_mean", "vulnerable_coverage_30d")
            for f, levels in ((factors[0], [10, 20]), (factors[1], [0, 5000]))
            for i, lv in enumerate(levels)
        ]
    ).to_csv(folder / "main_effects.csv", index=False)
    html = build_report(folder).read_text(encoding="utf-8")
    assert_self_contained(html)
    for key in ("sec_design", "sec_points", "sec_sensitivity", "sec_main_effects"):
        assert tr(key, "en") in html, key
    assert {"main_effects.png", "tornado.png"} <= {p.name for p in (folder / "figures").glob("*.png")}


def test_figures_take_tables_and_return_paths(run_dir: Path, tmp_path: Path) -> None:
    diffs = pd.DataFrame(
        {
            "scenario": ["a", "b"],
            "metric": "within_24h_share",
            "mean_diff": [0.01, -0.002],
            "ci_low": [0.005, -0.01],
            "ci_high": [0.015, 0.006],
            "relative_change": [0.01, -0.002],
        }
    )
    path = figures.forest(diffs, tmp_path, "zh")
    assert path == tmp_path / "forest.png" and path.stat().st_size > 1000
    effects = pd.DataFrame(
        {"metric": "admin_share", "factor": ["x", "y"], "mu_star": [0.2, 0.05], "mu_star_conf": [0.02, 0.01]}
    )
    assert figures.tornado(figures.SensitivityIndex(effects, "mu_star", conf="mu_star_conf"), tmp_path).is_file()


def test_unknown_language_and_folder_are_errors(run_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="lang"):
        build_report(run_dir, lang="fr")
    with pytest.raises(FileNotFoundError):
        build_report(tmp_path)
