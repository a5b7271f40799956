"""`borderwar-report serve` in a real browser: the page loads with its fonts, and a data edit rebuilds and
reloads the page (seen as the browser asking for it again, after the reload event)."""

from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading
import time

import pytest

from borderwar_report.build.serve import RELOAD_SCRIPT, inject_reload

from .browser import CHROMIUM_FLAGS, chromium
from .conftest import ROOT, writable_copy


def test_reload_script_goes_before_the_end_of_the_body():
    page = b"<html><body><p>x</p></body></html>"
    assert inject_reload(page) == b"<html><body><p>x</p>" + RELOAD_SCRIPT + b"</body></html>"
    assert inject_reload(b"<p>fragment</p>").endswith(RELOAD_SCRIPT)


class Lines:
    """A process's output, read on a thread, waited on with a deadline."""

    def __init__(self, stream):
        self.pending: queue.Queue = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=lambda: [self.pending.put(line) for line in stream], daemon=True).start()

    def wait_for(self, pattern: str, timeout: float = 240, after: int = 0) -> re.Match:
        deadline = time.monotonic() + timeout
        for line in self.seen[after:]:
            if re.search(pattern, line):
                return re.search(pattern, line)
        while time.monotonic() < deadline:
            try:
                line = self.pending.get(timeout=0.5)
            except queue.Empty:
                continue
            self.seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found
        raise AssertionError(f"no {pattern!r} within {timeout} s; saw:\n{''.join(self.seen)[-3000:]}")


def test_serve_loads_fonts_and_reloads_after_a_data_edit(tmp_path, mini_build):
    browser = chromium()
    # the session's mini build as the last build: serve starts up to date, and the edit rebuilds
    data, _ = (writable_copy(mini_build[0], tmp_path / "data"), writable_copy(mini_build[1], tmp_path / "out"))
    serve = subprocess.Popen([sys.executable, "-m", "borderwar_report", "serve", "-v", "--data", data,
                              "--out", tmp_path / "out", "--templates", ROOT / "templates", "--port", "0",
                              "--debounce", "0.2"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log = Lines(serve.stdout)
    page = None
    try:
        port = log.wait_for(r"at http://localhost:(\d+)/").group(1)
        log.wait_for(r"watching ")
        page = subprocess.Popen([browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                                 "--remote-debugging-port=0", f"http://127.0.0.1:{port}/"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log.wait_for(r'"GET /briefing.html HTTP/1.1" 200')
        log.wait_for(r'"GET /fonts/NotoSerif-Regular\.subset\.ttf HTTP/1.1" 200')
        log.wait_for(r'"GET /__reload HTTP/1.1" 200')
        mark = len(log.seen)
        event = data / "events" / "treaty.yaml"
        event.write_text(event.read_text(encoding="utf-8").replace("Treaty of friendship", "Treaty of lasting friendship"),
                         encoding="utf-8")
        log.wait_for(r"rebuilt: .* in \d+\.\d s", after=mark)
        log.wait_for(r'"GET /briefing.html HTTP/1.1" 200', after=mark)  # the browser reloaded the page
        assert "lasting friendship" in (tmp_path / "out" / "briefing.html").read_text(encoding="utf-8")
        errors = [line for line in log.seen if re.search(r'HTTP/1.1" [45]\d\d', line) and "favicon" not in line]
        assert errors == []
    finally:
        if page is not None:
            page.terminate()
            page.wait(timeout=30)
        serve.terminate()
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            serve.kill()
            pytest.fail("serve did not stop on SIGTERM")
    assert serve.returncode == 0  # SIGTERM stops it like Ctrl-C, the file server with it
    log.wait_for(r"stopped watching", timeout=10)
