"""The process that lays out the briefing in parts (chunkrender.py), forked as the briefing step begins.

Importing WeasyPrint (Pango, HarfBuzz and fontconfig through cffi) takes about half a second, and the part
processes inherit it from whoever forks them. Forked first, this process imports it on a free core while the
step builds the view model and the HTML, then receives the HTML and runs ``chunkrender.render`` itself; the
step waits for its result. Where the parts cannot be used (``render`` gives None) or this process fails, the
step renders the briefing in one piece as before: the early start can only make it sooner.
"""

from __future__ import annotations

import contextlib
import os


class EarlyRenderer:
    """A forked process waiting for one ``render`` call (see the module)."""

    def __init__(self):
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self._conn, theirs = context.Pipe()
        # Not a daemon: it forks the parts (a daemon may not); close() or the end of the pipe ends it.
        self._proc = context.Process(target=_serve, args=(theirs, self._conn), daemon=False,
                                     name="borderwar-briefing-render")
        self._proc.start()
        theirs.close()

    def render(self, html: str, base_dir, allowed_roots, log=None, **options) -> dict | None:
        """``chunkrender.render(html, base_dir, allowed_roots, log=log, **options)``, run in the early process;
        what it logs is passed to ``log`` here. Raises RuntimeError if the process failed."""
        try:
            self._conn.send(("render", html, base_dir, allowed_roots, options))
            reply = self._conn.recv()
        except (EOFError, OSError) as exc:
            raise RuntimeError(f"the early render process ended ({exc.__class__.__name__})") from None
        if reply[0] == "error":
            raise RuntimeError(reply[1].strip().splitlines()[-1])
        _, result, messages = reply
        for message in messages:
            if log is not None:
                log(message)
        return result

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._conn.close()  # a process still importing ends at its next receive
        self._proc.join(2)
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join()


def start(processes: int) -> EarlyRenderer | None:
    """An early renderer when the briefing will be laid out in parts (``processes`` ≥ 2 cores for it) and
    forking is safe here (one thread), else None."""
    import multiprocessing
    import threading

    if (processes < 2 or threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods()
            or weasyprint_imported()):  # nothing to gain
        return None
    return EarlyRenderer()


def weasyprint_imported() -> bool:
    import sys

    return "weasyprint" in sys.modules


def _serve(conn, steps_end) -> None:
    import gc
    import traceback

    steps_end.close()  # inherited: closed here, so the step closing its end reads as the end of the pipe
    gc.disable()  # as the parts: the process ends without collecting
    try:
        import weasyprint  # noqa: F401 — the point of the early start

        from borderwar_report.documents import chunkrender, pdfmerge  # noqa: F401

        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the step needed no render
        if not message or message[0] != "render":
            return
        _, html, base_dir, allowed_roots, options = message
        said: list[str] = []
        result = chunkrender.render(html, base_dir, allowed_roots, log=said.append, **options)
        conn.send(("result", result, said))
    except BaseException:  # reported to the step, which renders in one piece and shows the real error there
        with contextlib.suppress(Exception):
            conn.send(("error", traceback.format_exc()))
    finally:
        with contextlib.suppress(Exception):
            conn.close()
        os._exit(0)
