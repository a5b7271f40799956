"""``borderwar-report serve``: build, serve OUT on localhost, rebuild on save and reload the open pages.

Like ``mkdocs serve`` and ``quarto preview``: the HTML pages are sent with a small script that listens on
``/__reload`` (server-sent events) and reloads the page when a build finishes. The script is added only to
what this server sends; the files in OUT stay as a build wrote them.

The server runs in its own process, started before the first build, so the build keeps its second core
(builds fork only from a single-threaded process). It learns of a finished build from ``manifest.json``,
which a build rewrites as its last act and a failed build leaves alone — so a bad edit reloads nothing.
"""

from __future__ import annotations

import functools
import http.server
import multiprocessing
import os
import signal
import sys
import threading
import time
from pathlib import Path

RELOAD_PATH = "/__reload"
RELOAD_SCRIPT = (b'<script>/* borderwar-report serve: reload when a build finishes */'
                 b'(function(){var s=new EventSource("' + RELOAD_PATH.encode() + b'");'
                 b's.addEventListener("reload",function(){s.close();location.reload();});})();</script>')
POLL_SECONDS = 0.25


def _stamp(out_dir: Path) -> tuple[int, int]:
    try:
        st = (out_dir / "manifest.json").stat()
        return st.st_mtime_ns, st.st_size
    except OSError:
        return 0, 0


def inject_reload(html: bytes) -> bytes:
    """The page with the reload script before </body> (or at the end)."""
    at = html.lower().rfind(b"</body>")
    return html[:at] + RELOAD_SCRIPT + html[at:] if at >= 0 else html + RELOAD_SCRIPT


class PreviewHandler(http.server.SimpleHTTPRequestHandler):
    out_dir: Path
    start_page: str
    verbose: bool = False

    def do_GET(self):  # noqa: N802 - the base class's name
        path = self.path.split("?", 1)[0]
        if path == RELOAD_PATH:
            return self._events()
        if path == "/":
            self.send_response(302)
            self.send_header("Location", "/" + self.start_page)
            self.end_headers()
            return None
        if path.endswith(".html"):
            return self._html()
        return super().do_GET()

    def _html(self):
        local = Path(self.translate_path(self.path))
        try:
            body = inject_reload(local.read_bytes())
        except OSError:
            self.send_error(404, "not built yet (or the build failed): see the terminal")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _events(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = _stamp(self.out_dir)
        quiet_since = time.monotonic()
        try:
            self.wfile.write(b": connected\n\n")
            self.wfile.flush()
            while True:
                time.sleep(POLL_SECONDS)
                now = _stamp(self.out_dir)
                if now != seen:
                    self.wfile.write(b"event: reload\ndata: built\n\n")
                    self.wfile.flush()
                    return
                if time.monotonic() - quiet_since > 15:  # keeps proxies and the browser from timing out
                    self.wfile.write(b": still here\n\n")
                    self.wfile.flush()
                    quiet_since = time.monotonic()
        except (BrokenPipeError, ConnectionResetError):
            return

    def end_headers(self):
        if not self.path.startswith(RELOAD_PATH):
            self.send_header("Cache-Control", "no-store")  # a reload must fetch the new fonts, charts, pages
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        if self.verbose:
            print(f"serve: {format % args}", file=sys.stderr, flush=True)


def _serve_forever(out_dir: str, host: str, port: int, start_page: str, verbose: bool, ready) -> None:
    out = Path(out_dir)
    handler = functools.partial(type("Handler", (PreviewHandler,), {"out_dir": out, "start_page": start_page,
                                                                     "verbose": verbose}), directory=str(out))
    http.server.ThreadingHTTPServer.daemon_threads = True
    try:
        server = http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        ready.send(("error", f"cannot listen on {host}:{port}: {exc.strerror}"))
        return
    ready.send(("ok", server.server_address[1]))
    parent = os.getppid()

    def orphaned() -> None:  # the watcher died without stopping us (kill -9): stop serving too
        while os.getppid() == parent:
            time.sleep(1)
        server.shutdown()

    threading.Thread(target=orphaned, daemon=True).start()
    server.serve_forever()


def start_server(out_dir: Path, host: str = "127.0.0.1", port: int = 8000, start_page: str = "briefing.html",
                 verbose: bool = False):
    """(process, port) of the file server; raises OSError if the port is taken."""
    out_dir.mkdir(parents=True, exist_ok=True)
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    receive, send = context.Pipe(duplex=False)
    proc = context.Process(target=_serve_forever, args=(str(out_dir.resolve()), host, port, start_page, verbose, send),
                           name="borderwar-serve", daemon=True)
    proc.start()
    status, value = receive.recv()
    if status != "ok":
        proc.join()
        raise OSError(value)
    return proc, value


def serve(project, log, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False,
          debounce: float = 0.4) -> None:
    """Serve OUT, build, and rebuild on every save until Ctrl-C."""
    from borderwar_report.build.watch import watch_and_build

    proc, port = start_server(Path(project.out_dir), host, port, verbose=log.verbose)
    url = f"http://{'localhost' if host in ('127.0.0.1', '::1') else host}:{port}/"
    log.info(f"serving {project.out_dir}/ at {url} (pages reload after each build; Ctrl-C to stop)")
    opened = []

    def after_build(ok: bool) -> None:
        if ok and open_browser and not opened:
            import webbrowser

            opened.append(webbrowser.open(url))

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)  # a plain kill stops like Ctrl-C, the server with it
    try:
        watch_and_build(project, debounce=debounce, log=log, on_build=after_build)
    finally:
        signal.signal(signal.SIGTERM, previous)
        proc.terminate()
        proc.join(timeout=5)
