#!/usr/bin/env bash
# Render a report.html to a PNG with headless Chromium, to look at a report
# the way a reader's browser shows it (layout, tables, figures, Chinese text).
#
# Usage:  scripts/screenshot_report.sh RUN_DIR/report.html [OUT.png] [WIDTH] [HEIGHT]
#         (defaults: OUT = report.png next to the HTML, window 1400 x 5000 px)
#
# Needs /usr/bin/chromium (Debian: apt-get install chromium; for Chinese text
# also a CJK system font such as fonts-noto-cjk). Without Chromium it says so
# and exits 0, so it can sit in optional tooling. Chromium runs with no
# network features and a throw-away profile; the report itself is
# self-contained, so nothing is fetched.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
html="$(realpath "$1")"
out="${2:-$(dirname "$html")/report.png}"
width="${3:-1400}"
height="${4:-5000}"
chromium=/usr/bin/chromium

if [[ ! -f "$html" ]]; then
    echo "error: $html not found" >&2
    exit 2
fi
if [[ ! -x "$chromium" ]]; then
    echo "skipped: $chromium not found (apt-get install chromium)" >&2
    exit 0
fi

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars --screenshot="$(realpath -m "$out")" \
    --window-size="${width},${height}" "file://${html}" >/dev/null 2>&1
echo "screenshot: $out"
