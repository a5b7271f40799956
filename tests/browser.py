"""A real browser for the tests: Debian's headless Chromium, a local HTTP server, and Chromium's own network
log to prove that a page asked for nothing beyond localhost.

Locally a missing Chromium skips the browser tests with the reason; in CI (.ci/run installs it) it fails.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  # a page asking for an outside host fails fast instead of waiting on the network
                  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def chromium() -> str:
    """The Chromium binary, or skip (fail in CI) naming what to install."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    reason = "headless Chromium is not installed (apt-get install -y chromium); browser tests need it"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    log: list[tuple[str, int]]

    def log_request(self, code="-", size="-"):
        self.log.append((self.path, int(code) if str(code).isdigit() else 0))

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def serve_folder(folder: Path):
    """Serve ``folder`` on 127.0.0.1 (a free port); yields (base URL, [(path, status), …] as requested)."""
    log: list[tuple[str, int]] = []
    handler = functools.partial(type("Handler", (_Quiet,), {"log": log}), directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", log
    finally:
        server.shutdown()
        server.server_close()


def _urls_of_page(net_log: Path, site: str) -> list[str]:
    """Every URL the page (not the browser's own services) asked for: requests keyed to the page's site."""
    try:
        body = json.loads(net_log.read_text(encoding="utf-8"))
    except ValueError:  # Chromium killed before it closed the JSON: the events are still one per line
        text = net_log.read_text(encoding="utf-8").rstrip().rstrip(",")
        body = json.loads(text + "]}")
    names = {v: k for k, v in body["constants"]["logEventTypes"].items()}
    urls = []
    for event in body["events"]:
        params = event.get("params") or {}
        if names.get(event["type"]) == "URL_REQUEST_START_JOB" and "url" in params:
            key = params.get("network_isolation_key", "")
            if site in key or params.get("initiator", "").startswith(site):
                urls.append(params["url"])
    return urls


def load_page(url: str, workdir: Path, *, budget_ms: int = 8000, screenshot: Path | None = None,
              size=(1280, 900)) -> tuple[str, list[str]]:
    """Load ``url`` in a fresh headless Chromium; returns (the DOM after scripts ran, URLs the page asked for)."""
    workdir.mkdir(parents=True, exist_ok=True)
    profile = workdir / f"profile-{len(list(workdir.glob('profile-*')))}"
    net_log = profile.with_suffix(".netlog.json")
    args = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--log-net-log={net_log}",
            f"--virtual-time-budget={budget_ms}", f"--window-size={size[0]},{size[1]}"]
    args += [f"--screenshot={screenshot}"] if screenshot else ["--dump-dom"]
    result = subprocess.run([*args, url], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    parsed = urlparse(url)
    return result.stdout, _urls_of_page(net_log, f"{parsed.scheme}://{parsed.hostname}")


def outside(urls) -> list[str]:
    """The URLs that would leave this machine."""
    return [u for u in urls if urlparse(u).scheme not in ("data", "blob")
            and urlparse(u).hostname not in LOCAL_HOSTS]
