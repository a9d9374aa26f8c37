"""Start the scenario explorer, run one county, time it, and save a PNG of the page (headless chromium).

Usage:  PYTHONPATH=. python scripts/screenshot_app.py [--out docs/img/web_explorer.png] [--lang zh]
        [--preset reform_2022] [--days 60] [--replications 2] [--height 2600]

The app runs with a fresh, temporary cache and run folder, so the first time printed is a cold
run (scenario and its baseline comparison, report included) and the second an identical request
answered from the cache. Needs /usr/bin/chromium and /usr/bin/chromedriver (Debian: apt-get
install chromium chromium-driver); nothing is downloaded. Without them it says so and exits 0,
like scripts/screenshot_report.sh.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parent.parent
MAX_BYTES = 300_000


def _fontconfig(folder: Path) -> dict[str, str]:
    """A fontconfig file adding the package's CJK font to the system's, so Chinese shows without fonts-noto-cjk."""
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f"  <dir>{ROOT / 'sim' / 'data' / 'fonts'}</dir>\n"
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <cachedir>{folder / 'fontcache'}</cachedir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


def _driver(profile: str, width: int, height: int):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"):
        options.add_argument(arg)
    options.add_argument(f"--window-size={width},{height}")
    options.add_argument(f"--user-data-dir={profile}")
    env = _fontconfig(Path(profile).parent)
    return webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER), env=env))


def _set_number(driver, key: str, value: int) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    box = driver.find_element(By.CSS_SELECTOR, f".st-key-{key} input")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(str(value), Keys.ENTER)
    WebDriverWait(driver, 30).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f".st-key-{key} input").get_attribute("value") == str(value)
    )


def _run_and_time(driver, previous: str | None) -> float:
    """Click Run; seconds until the metric cards show a new run's result."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    started = time.perf_counter()
    driver.find_element(By.CSS_SELECTOR, ".st-key-run button").click()

    def finished(d) -> bool:
        """The new run's note is there and the script has finished drawing (no Stop button)."""
        try:
            info = d.find_elements(By.CSS_SELECTOR, ".st-key-run-info")
            fresh = bool(info) and bool(info[0].text) and info[0].text != previous
            busy = any(b.text.strip() in ("Stop", "停止") for b in d.find_elements(By.CSS_SELECTOR, "header button"))
        except StaleElementReferenceException:
            return False
        return fresh and not busy

    WebDriverWait(driver, 300, poll_frequency=0.1).until(finished)
    return time.perf_counter() - started


def _shrink(png: bytes) -> bytes:
    """Palette PNG (and, if still too big, a smaller one) so the committed image stays small."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    while True:
        out = io.BytesIO()
        image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(out, "PNG", optimize=True)
        if out.tell() <= MAX_BYTES or image.width < 700:
            return out.getvalue()
        image = image.resize((int(image.width * 0.85), int(image.height * 0.85)), Image.Resampling.LANCZOS)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img" / "web_explorer.png")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    parser.add_argument("--preset", default="reform_2022")
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--replications", type=int, default=2)
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=2600)
    args = parser.parse_args()
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        print(f"skipped: {CHROMIUM} or {CHROMEDRIVER} not found (apt-get install chromium chromium-driver)")
        return 0
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from sim.web.i18n import preset_name
    from sim.web.server import app_env, running_server

    work = Path(tempfile.mkdtemp(prefix="grassroots-shot-"))
    env = app_env(args.lang, work / "cache", work / "runs", ROOT / "scenarios")
    try:
        with running_server(env, log=work / "server.log") as url:
            driver = _driver(str(work / "profile"), args.width, args.height)
            try:
                driver.get(url)
                wait = WebDriverWait(driver, 60)
                wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, ".st-key-run button")))
                driver.find_element(By.CSS_SELECTOR, ".st-key-preset input[role='combobox']").click()
                wanted = preset_name(args.preset, args.lang)
                options = wait.until(ec.presence_of_all_elements_located((By.CSS_SELECTOR, "[role='option']")))
                next(o for o in options if o.text == wanted).click()
                wait.until(
                    ec.presence_of_element_located((By.CSS_SELECTOR, f".st-key-lever-{args.preset}-one_thing-modules"))
                )
                _set_number(driver, "days", args.days)
                _set_number(driver, "replications", args.replications)
                cold = _run_and_time(driver, None)
                time.sleep(1.0)  # let the charts finish drawing
                png = _shrink(driver.get_screenshot_as_png())
                info = driver.find_element(By.CSS_SELECTOR, ".st-key-run-info").text
                cached = _run_and_time(driver, info)
                print(f"one county, {args.days} days, {args.replications} replications + baseline comparison:")
                print(f"  cold run through the app (click to finished page): {cold:.1f} s")
                print(f"  identical request again (cache):             {cached:.1f} s")
            finally:
                driver.quit()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(png)
        print(f"screenshot: {args.out} ({len(png) / 1000:.0f} kB)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
