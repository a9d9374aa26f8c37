"""The explorer in a real browser: ``grassroots serve`` on a free port, Debian's chromium driven by Selenium.

Why a browser test on top of AppTest: AppTest runs the script, not the server, the widgets'
JavaScript or the process pool under the server. This test is what an analyst does: open the
page, pick a preset, keep one county, set 30 days, run, read a metric, and checks the number
against the Python API. It uses the system chromium and chromedriver only (nothing is
downloaded; Selenium Manager is told to stay offline).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import SCENARIOS

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()),
        reason=f"browser test needs {CHROMIUM} and {CHROMEDRIVER} (Debian: apt-get install chromium chromium-driver)",
    ),
]
selenium = pytest.importorskip("selenium")

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from sim.api import run as api_run  # noqa: E402
from sim.experiment import tasks as tk  # noqa: E402
from sim.report.labels import fmt_estimate  # noqa: E402
from sim.scenario.loader import load_scenario  # noqa: E402
from sim.web.server import free_port, wait_until_up  # noqa: E402


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``grassroots serve`` (as ``python -m sim serve``) on a free localhost port; stopped by SIGTERM."""
    folder = tmp_path_factory.mktemp("serve")
    port = free_port()
    log = (folder / "serve.log").open("wb")
    cmd = [sys.executable, "-m", "sim", "serve", "--port", str(port), "--lang", "zh"]
    cmd += ["--runs-dir", str(folder / "runs"), "--cache-dir", str(folder / "cache"), "--scenarios", str(SCENARIOS)]
    child = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, child, timeout=90)
        yield url, folder
    finally:
        child.send_signal(signal.SIGTERM)  # the serve command stops its Streamlit child on SIGTERM
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not fetch a browser
    profile = tempfile.mkdtemp(prefix="chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.add_argument("--window-size=1400,1000")
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _clickable(driver: WebDriver, css: str, timeout: float = 60) -> WebElement:
    return WebDriverWait(driver, timeout).until(ec.element_to_be_clickable((By.CSS_SELECTOR, css)))


def _set_number(driver: WebDriver, key: str, value: int) -> None:
    box = _clickable(driver, f".st-key-{key} input")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(str(value), Keys.ENTER)
    WebDriverWait(driver, 30).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f".st-key-{key} input").get_attribute("value") == str(value)
    )


def _stop_buttons(driver: WebDriver) -> list[WebElement]:
    """Streamlit's own Stop button in the header (present while the script runs)."""
    found = []
    for button in driver.find_elements(By.CSS_SELECTOR, "header button"):
        try:
            if button.text.strip() in ("Stop", "停止"):
                found.append(button)
        except StaleElementReferenceException:  # the header re-rendered meanwhile
            continue
    return found


def test_pick_a_preset_run_one_county_and_read_the_apis_number(served: tuple[str, Path], browser: WebDriver) -> None:
    server, _ = served
    browser.get(server)
    _clickable(browser, ".st-key-run button")
    assert "基层治理情景模拟" in browser.find_element(By.TAG_NAME, "h1").text
    _clickable(browser, ".st-key-preset input[role='combobox']").click()
    options = WebDriverWait(browser, 30).until(
        ec.presence_of_all_elements_located((By.CSS_SELECTOR, "[role='option']"))
    )
    next(o for o in options if o.text == "干部往下沉").click()
    WebDriverWait(browser, 30).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, ".st-key-lever-staff_down-workers-work_team-members_total"))
    )
    counties = browser.find_element(By.CSS_SELECTOR, ".st-key-counties").text
    assert "马龙区 Malong" in counties and "麒麟区" not in counties  # one county by default
    _set_number(browser, "days", 30)
    assert browser.find_elements(By.CSS_SELECTOR, ".st-key-download-yaml button"), "the YAML download button"
    _clickable(browser, ".st-key-run button").click()
    value = WebDriverWait(browser, 180).until(
        ec.visibility_of_element_located(
            (By.CSS_SELECTOR, ".st-key-metric-first_response_hours_mean [data-testid='stMetricValue']")
        )
    )
    shown = value.text
    scenario = load_scenario(
        SCENARIOS / "staff_down.yaml",
        {"world.counties": ["Malong"], "run.days": 30, "run.warmup_days": 10, "run.replications": 2},
    )
    m = api_run(scenario).summary["first_response_hours_mean"]
    mean, _ = fmt_estimate("first_response_hours_mean", m["mean"], m["ci_low"], m["ci_high"])
    assert shown == f"{mean} 小时", (shown, m)
    # the downloads come after the metrics in the same script run: wait for them, do not race them
    for key in ("download-report", "download-zip"):
        WebDriverWait(browser, 60).until(ec.presence_of_element_located((By.CSS_SELECTOR, f".st-key-{key} button")))


def test_stopping_a_run_in_the_browser_leaves_no_run_folder(served: tuple[str, Path], browser: WebDriver) -> None:
    """Streamlit's Stop mid-run: the pool stops, finished tasks stay cached, no (half-written) folder appears."""
    server, folder = served
    runs = folder / "runs"
    before = sorted(p.name for p in runs.iterdir()) if runs.exists() else []
    browser.get(server)
    _clickable(browser, ".st-key-run button")
    _set_number(browser, "days", 365)  # long enough (≈ 10 s) to be stopped in the middle
    _set_number(browser, "replications", 4)
    _clickable(browser, ".st-key-run button").click()
    WebDriverWait(browser, 30).until(ec.presence_of_element_located((By.CSS_SELECTOR, "[data-testid='stProgress']")))
    WebDriverWait(browser, 30).until(lambda d: _stop_buttons(d))
    _stop_buttons(browser)[0].click()
    WebDriverWait(browser, 30).until(lambda d: not _stop_buttons(d))  # the page is stopped at once
    assert not browser.find_elements(By.CSS_SELECTOR, ".st-key-run-info"), "the run did not finish"
    _set_number(browser, "days", 20)  # a short run queues until the stopped one has let go of the cores
    _set_number(browser, "replications", 1)
    _clickable(browser, ".st-key-run button").click()
    WebDriverWait(browser, 180).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".st-key-run-info")))
    new = sorted(set(p.name for p in runs.iterdir()) - set(before))
    assert len(new) == 1 and json.loads((runs / new[0] / "summary.json").read_text())["days"] == 20, new
    cache = folder / "cache"
    assert all(tk.load(e) is not None for e in cache.iterdir() if not e.name.startswith(".")), "complete entries"
