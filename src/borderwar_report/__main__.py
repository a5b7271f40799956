"""``python -m borderwar_report`` (and the ``borderwar-report`` command): the no-op build answered before the
option parser (Click) is imported, then the full command line."""

from __future__ import annotations

import sys

# The options of an ordinary scheduled `build`; any other option, command or value goes to the full parser.
_FLAGS = {"-q": "quiet", "--quiet": "quiet", "-v": "verbose", "--verbose": "verbose"}
_VALUES = {"--data": "data", "--out": "out", "--templates": "templates"}


def _plain_build(args: list[str]) -> dict | None:
    """The options of ``[-q|-v] build [--data D] [--out O] [--templates T] [-q|-v]``, or None."""
    seen: dict = {}
    i, command = 0, False
    while i < len(args):
        arg = args[i]
        if arg in _FLAGS:
            seen[_FLAGS[arg]] = True
        elif not command and arg == "build":
            command = True
        elif command and arg.split("=", 1)[0] in _VALUES:
            name, eq, value = arg.partition("=")
            if not eq:
                i += 1
                if i == len(args) or args[i].startswith("-"):
                    return None
                value = args[i]
            if not value:
                return None
            seen[_VALUES[name]] = value
        else:
            return None
        i += 1
    return seen if command else None


def up_to_date(args: list[str]) -> bool:
    """Answer a plain ``build`` whose outputs are up to date (standard library only); False: not answered
    (work to do, another option, or anything unusual), and the full command line takes over."""
    opts = _plain_build(args)
    if opts is None:
        return False
    from pathlib import Path

    from borderwar_report.build.runner import LayoutError, check_layout, run
    from borderwar_report.core.log import Log
    from borderwar_report.core.project import Project

    out = Path(opts.get("out", "out"))
    if out.exists() and not out.is_dir():
        return False
    project = Project.from_options(opts.get("data"), opts.get("templates"), out)
    try:
        check_layout(project)
    except LayoutError:
        return False
    log = Log(quiet=bool(opts.get("quiet")), verbose=bool(opts.get("verbose")) and not opts.get("quiet"))
    try:
        return run(project, None, log, only_if_up_to_date=True) is not None
    except KeyboardInterrupt:
        log.error(f"build interrupted; {project.out_dir}/ keeps its previous outputs.")
        sys.exit(130)
    except Exception:  # a busy lock, an unreadable folder: the full command reports it
        return False


def main(argv=None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    if up_to_date(args):
        sys.exit(0)
    from borderwar_report.cli import main as full

    try:
        full(args)
    except SystemExit as exc:
        _exit_without_teardown(exc.code)
    _exit_without_teardown(0)


def _exit_without_teardown(code) -> None:
    """End the process once the command is done, without freeing its heap object by object: at 10,000 events a
    build holds about a gigabyte of records, chart inputs and layout that the interpreter's exit took over a
    second to take apart. By then the outputs are written and closed, the lock released and the build's
    other processes joined; what is left to do is flushing what was printed."""
    import contextlib
    import logging
    import os

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: the exit code still says how it went
            stream.flush()
    if code is None:
        code = 0
    elif not isinstance(code, int):
        with contextlib.suppress(OSError, ValueError):
            print(code, file=sys.stderr, flush=True)
        code = 1
    os._exit(code)


if __name__ == "__main__":
    main()
