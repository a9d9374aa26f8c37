#!/usr/bin/env bash
# Render a report.html to a PNG with headless Chromium, to look at a report
# the way a reader's browser shows it (layout, tables, figures, Chinese text).
#
# Usage:  scripts/screenshot_report.sh REPORT.html [OUT.png] [WIDTH] [HEIGHT]
#         (defaults: OUT = the HTML's name with .png, WIDTH 1280 px,
#          HEIGHT = the whole page: measured in the browser, then captured)
#
# Needs /usr/bin/chromium (Debian: apt-get install chromium chromium-driver;
# for Chinese text also a CJK system font such as fonts-noto-cjk). The whole
# page is captured through Selenium and /usr/bin/chromedriver; without them
# a fixed HEIGHT (default 5000) is used with chromium --screenshot. Without
# Chromium it says so and exits 0, so it can sit in optional tooling.
# Chromium runs with no network features and a throw-away profile; the report
# itself is self-contained, so nothing is fetched.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
html="$(realpath "$1")"
out="$(realpath -m "${2:-${html%.html}.png}")"
width="${3:-1280}"
height="${4:-full}"
chromium=/usr/bin/chromium
driver=/usr/bin/chromedriver
python="${PYTHON:-python3}"

if [[ ! -f "$html" ]]; then
    echo "error: $html not found" >&2
    exit 2
fi
if [[ ! -x "$chromium" ]]; then
    echo "skipped: $chromium not found (apt-get install chromium)" >&2
    exit 0
fi

if [[ -x "$driver" ]] && "$python" -c "import selenium" 2>/dev/null; then
    # Selenium: open at WIDTH, measure the document, capture it whole (or HEIGHT px of it).
    "$python" - "$html" "$out" "$width" "$height" "$chromium" "$driver" <<'PY'
import base64
import sys
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

html, out, width, height, chromium, driver = sys.argv[1:7]
options = webdriver.ChromeOptions()
options.binary_location = chromium
for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            f"--window-size={width},900"):
    options.add_argument(arg)
browser = webdriver.Chrome(service=Service(driver), options=options)
try:
    browser.get(Path(html).as_uri())
    page = browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    full = int(page[1]) if height == "full" else int(height)
    shot = browser.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "captureBeyondViewport": True,
         "clip": {"x": 0, "y": 0, "width": max(int(width), int(page[0])), "height": full, "scale": 1}},
    )
    Path(out).write_bytes(base64.b64decode(shot["data"]))
    print(f"screenshot: {out} ({max(int(width), int(page[0]))} x {full} px; page {page[0]} x {page[1]})")
finally:
    browser.quit()
PY
    exit 0
fi

[[ "$height" == "full" ]] && height=5000
echo "note: no chromedriver/selenium, capturing a fixed ${width} x ${height} px window" >&2
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --screenshot="$out" \
    --window-size="${width},${height}" "file://${html}" >/dev/null 2>&1
echo "screenshot: $out"
