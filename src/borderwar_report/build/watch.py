"""Rebuild on save: watch the data and templates, debounce bursts of saves, survive bad edits."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from borderwar_report.build.lock import BuildLocked
from borderwar_report.build.plan import BuildOptions
from borderwar_report.build.runner import run
from borderwar_report.core.errors import DataError, RenderError
from borderwar_report.core.log import Log


def build_once(project, log: Log, options: BuildOptions | None = None) -> bool:
    """One build that reports instead of raising; True when outputs are current."""
    log.restart()
    try:
        result = run(project, options or BuildOptions(), log)
    except DataError as exc:
        log.error(exc.report())
        log.error(f"{exc.summary()}; {project.out_dir}/ is unchanged. Waiting for the next save…")
        return False
    except (RenderError, BuildLocked) as exc:
        log.error(f"build failed: {exc}; {project.out_dir}/ is unchanged. Waiting for the next save…")
        return False
    if result.status == "built":
        log.info(f"rebuilt: {', '.join(result.ran)} in {result.seconds:.1f} s")
    return True


def watch_and_build(project, debounce: float = 0.4, quiet: bool = False,
                    stop: threading.Event | None = None, log: Log | None = None, on_build=None) -> None:
    """Build now, then after every burst of changes under the data and templates folders.

    ``on_build(ok)`` is called after each build (serve.py reloads the browser with it)."""
    import watchfiles

    log = log or Log(quiet=quiet)
    on_build = on_build or (lambda ok: None)
    on_build(build_once(project, log))
    roots = [str(Path(p)) for p in (project.data_dir, project.templates_dir) if Path(p).exists()]
    # Taken before "watching" is printed: a save made the instant it appears (before the file system watcher
    # is registered) differs from this snapshot, so the first quiet timeout builds it. A failed build is
    # retried only once its inputs change again.
    attempted = _stale_inputs(project)
    log.info(f"watching {', '.join(roots)} (Ctrl-C to stop)")
    out = os.path.realpath(project.out_dir)

    def interesting(change, path: str) -> bool:
        # The output folder may lie inside the data folder: its own writes must not trigger builds.
        real = os.path.realpath(path)
        return _interesting(change, path) and real != out and not real.startswith(out + os.sep)

    try:
        # yield_on_timeout: every couple of seconds of quiet, compare fingerprints too, so an edit made while
        # the watcher was starting (or missed by the file system's notifications) is still built.
        for changes in watchfiles.watch(*roots, debounce=int(debounce * 1000), step=50, stop_event=stop,
                                        raise_interrupt=False, watch_filter=interesting,
                                        yield_on_timeout=True, rust_timeout=2000):
            if not changes:
                keys = _stale_inputs(project)
                if keys and keys != attempted:
                    attempted = keys
                    on_build(build_once(project, log))
                continue
            names = sorted({Path(p).name for _, p in changes})
            log.info(f"changed: {', '.join(names[:5])}{' …' if len(names) > 5 else ''}")
            attempted = _stale_inputs(project)
            on_build(build_once(project, log))
    except KeyboardInterrupt:
        pass
    log.info("stopped watching")


def _stale_inputs(project) -> str | None:
    """The input fingerprint when outputs are out of date, else None (standard library only)."""
    from borderwar_report.build.plan import plan

    try:
        keys, todo, _ = plan(project, BuildOptions())
    except OSError:
        return None
    return keys["inputs"] if todo else None


def _interesting(change, path: str) -> bool:
    """Editors' swap and backup files do not trigger builds."""
    name = Path(path).name
    return not (name.startswith((".", "#")) or name.endswith(EDITOR_TEMP_ENDINGS) or name in EDITOR_TEMP_NAMES)


# Vim (.swp/.swo/.swx, and "4913", the file it writes to test a folder), Emacs (#x#, .#x, x~), Kate, others.
EDITOR_TEMP_ENDINGS = ("~", ".swp", ".swo", ".swx", ".tmp", ".kate-swp", ".bak", ".orig")
EDITOR_TEMP_NAMES = {"4913"}
