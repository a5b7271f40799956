"""The Jinja2 environment shared by every document: autoescaped, strict, with filters for the model.

Text from the data is never a template: it reaches a page only as an autoescaped value or through the
``markdown`` filter, which renders Markdown with raw HTML switched off.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from pathlib import Path

from borderwar_report.core.errors import RenderError
from borderwar_report.core.markup import markdown


def thousands(value) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def make_env(templates_dir: Path):
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    # Templates are trusted code, the sandbox is not a security boundary; it keeps a template from reaching
    # Python internals (``__class__``, ``__globals__``) and from ranges over 100,000 items, and its cost was not
    # measurable (the shipped briefing renders in 0.4–1.1 s either way on a loaded 2-core machine).
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,  # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["markdown"] = markdown
    env.filters["md_inline"] = lambda text: markdown(text, inline=True)
    env.filters["thousands"] = thousands
    return env


RENDER_TIMEOUT_ENV = "BORDERWAR_RENDER_TIMEOUT"
DEFAULT_RENDER_TIMEOUT = 300.0  # seconds per template; the 10,000-event briefing renders in a few


class _RenderTimeout(Exception):
    pass


def render_timeout() -> float:
    """Seconds one template may take ($BORDERWAR_RENDER_TIMEOUT, default 300; 0 = no limit)."""
    import math
    import os

    text = os.environ.get(RENDER_TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_RENDER_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not (math.isfinite(seconds) and seconds >= 0):
        raise RenderError(f"{RENDER_TIMEOUT_ENV}={text!r} is not a number of seconds (0 = no limit)")
    return seconds


@contextlib.contextmanager
def _time_limit(seconds: float):
    """SIGALRM ends a template that loops for ever (templates are code). Only the main thread of a process
    can take signals; elsewhere (a test's worker thread) the template runs without a limit."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum, frame):
        raise _RenderTimeout()

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def render_template(templates_dir: Path, name: str, **context) -> str:
    """Render one template; a broken template is reported with its file and line."""
    import jinja2

    env = make_env(templates_dir)
    limit = render_timeout()
    try:
        with _time_limit(limit):
            return env.get_template(name).render(**context)
    except _RenderTimeout as exc:
        line = _template_line(exc, templates_dir)
        raise RenderError(f"{line}: {name} took longer than {limit:g} s to render (an endless loop?); the limit "
                          f"is set by {RENDER_TIMEOUT_ENV}") from None
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or str(Path(templates_dir) / (exc.name or name))
        raise RenderError(f"{where}:{exc.lineno}: template syntax error: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"{templates_dir}/{exc.name}: template not found") from None
    except jinja2.UndefinedError as exc:
        line = _template_line(exc, templates_dir)
        raise RenderError(f"{line}: template error: {exc.message}") from None
    except RenderError:
        raise
    except Exception as exc:  # a filter or expression failing at run time, e.g. a bad attribute call
        line = _template_line(exc, templates_dir)
        raise RenderError(f"{line}: template error: {type(exc).__name__}: {exc}") from None


def _template_line(exc, templates_dir) -> str:
    """The innermost template frame of a runtime template error, as FILE:LINE."""
    import traceback

    tb = exc.__traceback__
    found = f"{templates_dir}"
    for frame, lineno in traceback.walk_tb(tb):
        filename = frame.f_code.co_filename
        if filename.endswith((".j2", ".html", ".css")):
            found = f"{filename}:{lineno}"
    return found
