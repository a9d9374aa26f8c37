"""Starting the explorer's Streamlit server as a child process, and knowing when it is up.

Why in one place: ``grassroots serve``, the browser test and the screenshot script all start
the same server the same way (headless, bound to one address, no usage statistics sent), and
all need to wait for its health endpoint before talking to it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

APP_SCRIPT = Path(__file__).resolve().parent / "app.py"


def streamlit_command(host: str, port: int, script: Path = APP_SCRIPT) -> list[str]:
    """``python -m streamlit run`` bound to ``host:port``, headless, no usage statistics sent."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "viewer",  # no "Deploy" button (this app runs on the analyst's machine); Stop stays
    ]


def app_env(
    lang: str = "zh",
    cache_dir: Path | None = None,
    runs_dir: Path | None = None,
    scenarios: Path | None = None,
    workers: int | None = None,
) -> dict[str, str]:
    """This process's environment plus the settings the app reads (see ``execute`` and ``controls``)."""
    env = dict(os.environ)
    env["GRASSROOTS_WEB_LANG"] = lang
    for name, value in (
        ("GRASSROOTS_WEB_CACHE", cache_dir),
        ("GRASSROOTS_WEB_RUNS", runs_dir),
        ("GRASSROOTS_SCENARIOS", scenarios),
    ):
        if value is not None:
            env[name] = str(Path(value).resolve())
    if workers is not None:
        env["GRASSROOTS_WEB_WORKERS"] = str(workers)
    return env


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, child: subprocess.Popen[bytes] | None = None, timeout: float = 60.0) -> None:
    """Wait for Streamlit's health endpoint to answer; fail early if the server exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child is not None and child.poll() is not None:
            raise RuntimeError(f"the Streamlit server exited with code {child.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not come up within {timeout:.0f} s")


@contextmanager
def running_server(
    env: Mapping[str, str], host: str = "127.0.0.1", port: int | None = None, log: Path | None = None
) -> Iterator[str]:
    """Start the app, yield its URL once healthy, stop it (and only it) afterwards."""
    port = port or free_port(host)
    out = log.open("wb") if log is not None else subprocess.DEVNULL
    child = subprocess.Popen(streamlit_command(host, port), env=dict(env), stdout=out, stderr=subprocess.STDOUT)
    url = f"http://{host}:{port}"
    try:
        wait_until_up(url, child)
        yield url
    finally:
        child.terminate()
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        if log is not None and hasattr(out, "close"):
            out.close()
