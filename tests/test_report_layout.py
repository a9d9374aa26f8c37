"""Report layout in a real browser: nothing wider than the page, headers that break only between words,
a Chinese report beside the English one, and empty panels without NumPy warnings.

Why a browser: whether a table fits or a header breaks mid-word ("Populatio/n") depends on font
metrics and table layout, which only a rendering engine knows. Debian's chromium and chromedriver
run headless through Selenium; without them the browser tests skip and say why.
"""

from __future__ import annotations

import json
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.analysis.metrics import KEY_METRICS
from sim.cli import app
from sim.report import figures, plotstyle
from sim.report.report import build_report

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
VIEWPORT = (1280, 900)
SCENARIOS = ("baseline", "staff_down", "burden_down", "power_down", "reform_2022")
TINY = ["--set", "world.counties=[Malong]", "--days", "20", "--warmup-days", "5", "-r", "2"]
TINY += ["--executor", "serial", "--quiet"]

#: Measures the page: the document, every table and figure against the viewport, scroll boxes that
#: scroll, and header words whose characters land on more than one line (a break inside the word).
#: A "word" is a run of non-space, non-CJK characters, ending after a hyphen (a break after "p-" is
#: allowed; Chinese has no spaces and may break between any two characters).
LAYOUT_JS = r"""
const W = window.innerWidth;
const out = {width: W, doc: document.documentElement.scrollWidth, wide: [], scrolling: [], broken: []};
const where = (el) => (el.closest('section') || {}).id || '';
document.querySelectorAll('table, img, figure').forEach((el) => {
  const r = el.getBoundingClientRect();
  if (r.right > W + 0.5 || r.left < -0.5) out.wide.push([el.tagName, where(el), Math.round(r.right)]);
});
document.querySelectorAll('.scroll').forEach((el) => {
  if (el.scrollWidth > el.clientWidth + 1) out.scrolling.push([where(el), el.scrollWidth, el.clientWidth]);
});
const word = /[^\s\u2e80-\u9fff\u3000-\u303f\uff00-\uffef-]+-?/g;
document.querySelectorAll('th').forEach((th) => {
  const walk = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    for (const m of node.data.matchAll(word)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const lines = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0)
        .map((r) => Math.round(r.top)));
      if (lines.size > 1) out.broken.push([where(th), th.textContent.trim(), m[0]]);
    }
  }
});
return out;
"""


def _cli(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny run and a tiny five-scenario comparison made by the CLI, and a hand-made wide sweep folder."""
    tmp = tmp_path_factory.mktemp("layout")
    cache = str(tmp / "cache")
    run, comparison = tmp / "run", tmp / "comparison"
    _cli("run", str(ROOT / "scenarios" / "baseline.yaml"), *TINY, "--out", str(run), "--cache-dir", cache)
    files = [str(ROOT / "scenarios" / f"{s}.yaml") for s in SCENARIOS]
    _cli("compare", *files, *TINY, "--out", str(comparison), "--cache-dir", cache)
    sweep = _sweep_folder(tmp / "sweep")
    build_report(sweep)
    return {"run": run, "comparison": comparison, "sweep": sweep}


def _sweep_folder(folder: Path) -> Path:
    """A sweep folder as its producer writes it: four factors and all key metrics (the widest points table)."""
    folder.mkdir()
    factors = [
        "admin.signboards_per_village",
        "workers.work_team.members_total",
        "township.added_posts_total",
        "departments.on_time_response_probability",
    ]
    manifest = {"kind": "sweep", "design": "lhs", "name": "wide", "base": "baseline", "settings": {"replications": 2}}
    manifest["factors"] = [{"path": f, "low": 0, "high": 5000} for f in factors]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    rng = np.random.default_rng(0)
    points = pd.DataFrame({"point": range(8), **{f: rng.uniform(0, 5000, 8).round(1) for f in factors}})
    for m in KEY_METRICS:
        points[f"{m}_mean"] = rng.uniform(1, 150_000, 8)
        points[f"{m}_ci_low"], points[f"{m}_ci_high"] = points[f"{m}_mean"] * 0.97, points[f"{m}_mean"] * 1.03
    points.to_csv(folder / "points.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian chromium at a 1280 × 900 viewport (skips when chromium or Selenium is absent)."""
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        pytest.skip(f"headless layout test needs {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"):
        options.add_argument(arg)
    options.add_argument(f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _layout(browser: Any, html: Path) -> dict[str, Any]:
    browser.get(html.resolve().as_uri())
    return browser.execute_script(LAYOUT_JS)


@pytest.mark.parametrize(
    ("kind", "file"),
    [("run", "report.html"), ("comparison", "report.html"), ("run", "report.zh.html"), ("sweep", "report.html")],
)
def test_report_fits_the_viewport_and_headers_break_between_words(
    folders: dict[str, Path], browser: Any, kind: str, file: str
) -> None:
    if file == "report.zh.html" and not (folders[kind] / file).is_file():
        build_report(folders[kind], lang="zh")
    page = _layout(browser, folders[kind] / file)
    assert page["width"] == VIEWPORT[0], page["width"]
    assert page["doc"] <= page["width"], f"the page scrolls sideways: {page['doc']} > {page['width']} px"
    assert not page["wide"], f"wider than the viewport (tag, section, right edge): {page['wide']}"
    assert not page["scrolling"], f"tables that need a scroll bar (section, width, box): {page['scrolling']}"
    assert not page["broken"], f"header words broken across lines (section, header, word): {page['broken'][:5]}"


def test_comparison_of_five_scenarios_shows_every_scenario_and_links_assumptions(folders: dict[str, Path]) -> None:
    html = (folders["comparison"] / "report.html").read_text(encoding="utf-8")
    table = html[html.index('id="side-by-side"') :]
    table = table[: table.index("</section>")]
    for name in SCENARIOS:
        assert f">{name}</th>" in table, name
    assert 'href="#assumptions"' in html and 'id="assumptions"' in html  # checklist 3.4 points somewhere


def test_chinese_report_beside_the_english_one(folders: dict[str, Path], tmp_path: Path) -> None:
    folder = tmp_path / "run"
    shutil.copytree(folders["run"], folder)
    english = (folder / "report.html").read_bytes()
    figures = {p.name: p.read_bytes() for p in (folder / "figures").glob("*.png")}
    _cli("report", str(folder), "--lang", "zh")
    assert (folder / "report.html").read_bytes() == english, "the English report was overwritten"
    assert {p.name: p.read_bytes() for p in (folder / "figures").glob("*.png")} == figures
    zh = (folder / "report.zh.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in zh
    assert "马龙区" in zh and "马龙区街道1" in zh  # county from sim/data, township by its parts
    assert "曲靖2021年改革前" in zh  # the bundled scenario's description, translated
    assert {p.name for p in (folder / "figures" / "zh").glob("*.png")} == set(figures)


def test_empty_panels_say_na_without_numpy_warnings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The M/M/c verification run has no visits and no vulnerable households: its panels say so."""
    out = tmp_path / "mmc"
    args = ["--days", "12", "--warmup-days", "2", "-r", "2", "--executor", "serial", "--quiet"]
    _cli("run", str(ROOT / "scenarios" / "validation" / "mmc.yaml"), *args, "--out", str(out))
    reasons: list[str] = []
    original = plotstyle.not_available

    def spy(ax: Any, reason: str, lang: plotstyle.Lang) -> None:
        reasons.append(reason)
        original(ax, reason, lang)

    monkeypatch.setattr(plotstyle, "not_available", spy)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        html = build_report(out).read_text(encoding="utf-8")
    runtime = [f"{w.filename}:{w.lineno}: {w.message}" for w in caught if issubclass(w.category, RuntimeWarning)]
    assert not runtime, runtime
    assert 'class="notice error"' not in html
    assert "no household visits in this run" in reasons
    assert "no vulnerable households in the simulated villages" in reasons


def test_heatmap_colours_small_differences_pale(tmp_path: Path) -> None:
    """1.01 against 1.03 (city 1.02) is about ±1 %: pale on the fixed ±50 % scale, not deep red and blue."""
    rel = figures.relative_to(np.array([[1.01, 5.0], [1.03, 0.0]]), [1.02, 0.0])
    assert np.allclose(rel[:, 0], [1.01 / 1.02 - 1, 1.03 / 1.02 - 1])
    assert np.all(np.abs(rel[:, 0]) < 0.05 * figures.HEAT_LIMIT)
    assert np.isnan(rel[:, 1]).all()  # no city value to compare with: grey, and no division warning
    table = pd.DataFrame({"county": ["Malong", "Qilin"], "resident_trips_per_request": [1.01, 1.03]})
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        heat = figures.HeatTable(table, ["马龙区", "麒麟区"], ["resident_trips_per_request"], reference={})
        path = figures.heatmap(heat, tmp_path, "zh")
    assert path.is_file()
