"""Running a build: the lock, a staging folder, the steps (some in a forked side process), the atomic swap.

A failed or interrupted build leaves out/ as it was: every step writes into staging, and only a complete build
is moved in."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from borderwar_report import __version__
from borderwar_report.build.lock import build_lock
from borderwar_report.build.plan import (
    DIGESTS,
    EVENT_DIGESTS,
    MANIFEST,
    STEPS,
    BuildOptions,
    DigestCache,
    _event_digests,
    describe_changes,
    plan,
)
from borderwar_report.core.errors import RenderError
from borderwar_report.core.files import _UMASK, reproducible_epoch, write_atomic
from borderwar_report.core.heap import long_lived
from borderwar_report.core.log import Log
from borderwar_report.core.project import Project

STAGING_PREFIX = ".staging-"
os.umask(_UMASK)


class LayoutError(Exception):
    """The output folder holds the inputs: a build replaces files there, so it would eat its own data."""


def check_layout(project: Project) -> None:
    """Refuse --out equal to (or around) --data or --templates. An output folder *inside* the data or
    templates folder is fine: the fingerprint and the watcher leave it out."""
    out = project.out_dir.resolve()
    for option, folder in (("--data", project.data_dir), ("--templates", project.templates_dir)):
        inside = Path(folder).resolve()
        if inside == out or out in inside.parents:
            raise LayoutError(f"--out {project.out_dir} contains {option} {folder}; a build replaces files in its "
                              f"output folder, so choose an output folder outside the inputs")


@dataclass
class BuildContext:
    """What each step gets: the data, where to find templates, and the staging folder to write into."""

    dataset: object
    project: Project
    stage: Path
    log: Log
    options: BuildOptions
    charts: dict = field(default_factory=dict)  # filled by the charts step (or read back from charts/index.json)
    keys: dict = field(default_factory=dict)  # the plan's fingerprint ("chart_env": what charts are keyed on)
    previous_outputs: dict = field(default_factory=dict)  # the last manifest's outputs (sha256 of each file)
    side_processes: int = 0  # processes running other steps beside the main chain (the briefing's cores are fewer)


@dataclass
class BuildResult:
    status: str  # "up-to-date" | "built"
    outputs: dict[str, dict] = field(default_factory=dict)
    ran: tuple[str, ...] = ()
    seconds: float = 0.0
    changes: list[str] = field(default_factory=list)


def remove_dead_staging(out_dir: Path) -> None:
    """Staging folders (and half-written manifests) of builds killed by SIGKILL or a hang-up. Called only
    while holding the lock, so none of them belongs to a live build."""
    for path in [*out_dir.glob(STAGING_PREFIX + "*"), *out_dir.glob(f".{MANIFEST}.*")]:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_file() or path.is_symlink():
            with contextlib.suppress(OSError):
                path.unlink()


def _swap_in(stage: Path, out_dir: Path) -> None:
    for path in sorted(p for p in stage.rglob("*") if p.is_file()):
        target = out_dir / path.relative_to(stage)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)


_INTERRUPTED: list[int] = []


def _check_not_interrupted() -> None:
    """A signal's KeyboardInterrupt can be swallowed (raised inside a weakref callback or __del__); the flag
    it leaves still stops the build before anything reaches out/."""
    if _INTERRUPTED:
        raise KeyboardInterrupt(f"signal {_INTERRUPTED[-1]}")


@contextlib.contextmanager
def _terminate_as_exception():
    """SIGTERM (cron timeouts, CI cancellation) and SIGHUP (a closed terminal or ssh session) unwind like
    Ctrl-C, so staging is cleaned and out/ kept."""
    def handler(signum, frame):
        _INTERRUPTED.append(signum)
        raise KeyboardInterrupt(f"signal {signum}")

    import sys

    def quiet_unraisable(info):
        # The interrupt raised inside a weakref callback is swallowed by Python with a traceback on stderr;
        # the flag above still stops the build, so only the noise goes.
        if not isinstance(info.exc_value, KeyboardInterrupt):
            previous_hook(info)

    _INTERRUPTED.clear()
    try:
        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    except ValueError:  # not the main thread
        yield
        return
    previous_hook, sys.unraisablehook = sys.unraisablehook, quiet_unraisable
    try:
        yield
    finally:
        for sig, before in previous.items():
            signal.signal(sig, before)
        sys.unraisablehook = previous_hook


def run(project: Project, options: BuildOptions | None = None, log: Log | None = None,
        only_if_up_to_date: bool = False) -> BuildResult | None:
    """Build every output that is out of date. Raises DataError (bad input) or RenderError (a step failed).
    ``only_if_up_to_date``: report an up-to-date build, else return None without building (the command's
    start-up path, which has not loaded its option parser yet)."""
    options = options or BuildOptions()
    log = log or Log()
    started = time.monotonic()
    check_layout(project)
    with build_lock(project.out_dir, log, options.lock_wait):
        remove_dead_staging(project.out_dir)
        cache = DigestCache()
        keys, todo, manifest = plan(project, options, cache)
        if not todo:
            log.info(f"up to date: {project.out_dir}/ (inputs unchanged since the last build)")
            return BuildResult("up-to-date", manifest.get("outputs", {}), (), time.monotonic() - started)
        if only_if_up_to_date:
            return None

        from borderwar_report.records.validate import (
            load_dataset,  # the first non-stdlib import of a real build
        )

        log.step(f"reading {project.data_dir}/")
        warnings: list = []
        with long_lived():  # the records (core.heap)
            dataset = load_dataset(project.data_dir, warnings=warnings)
        for warning in warnings:  # suspect, not wrong: printed (unless -q), and the build goes on
            log.info(str(warning))
        event_digests = _event_digests(dataset)
        # digests made another way (an older version of the tool) would all differ: nothing to say then
        same_kind = manifest.get("events_digest") == EVENT_DIGESTS
        changes = describe_changes(manifest.get("events", {}), event_digests) if manifest and same_kind else []
        for line in changes:
            log.info(line)

        stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=project.out_dir))
        try:
            with _terminate_as_exception(), reproducible_epoch(dataset):
                # A chart whose inputs are unchanged is copied from the last build (a forced build draws all).
                ctx = BuildContext(dataset, project, stage, log, options, keys=keys,
                                   previous_outputs={} if options.force else manifest.get("outputs", {}))
                _run_steps(ctx, todo)
                outputs = _collect_outputs(stage, project.out_dir, manifest, todo)
                new_manifest = {
                    "tool": f"borderwar-report {__version__}",
                    "inputs": keys["inputs"],
                    "steps": {**manifest.get("steps", {}), **{s: keys[s] for s in todo}},
                    "outputs": outputs,
                    "data": {"revision": dataset.revision, "events": len(dataset.events),
                             "sources": len(dataset.sources), "phases": len(dataset.phases),
                             "first": dataset.events[0].date.text if dataset.events else None,
                             "last": dataset.events[-1].date.text if dataset.events else None},
                    "events": event_digests,
                    "events_digest": EVENT_DIGESTS,
                    "changes": changes,
                    "build_seconds": round(time.monotonic() - started, 2),
                    DIGESTS: cache.seen,  # what the next plan may take without reading the files again
                }
                _check_not_interrupted()
                _swap_in(stage, project.out_dir)
                _remove_stale(project.out_dir, manifest, outputs)
                write_atomic(project.out_dir / MANIFEST,
                             (json.dumps(new_manifest, indent=2, ensure_ascii=False) + "\n").encode())
        finally:
            shutil.rmtree(stage, ignore_errors=True)
            gc.unfreeze()
        seconds = time.monotonic() - started
        log.step(f"built {', '.join(todo)} into {project.out_dir}/ in {seconds:.1f} s")
        return BuildResult("built", outputs, tuple(todo), seconds, changes)


def _run_steps(ctx: BuildContext, todo: list[str]) -> None:
    from borderwar_report.build.steps import STEP_FUNCTIONS, load_chart_index

    if "charts" not in todo and (ctx.project.out_dir / "charts").is_dir():
        # The documents embed the charts by relative path, so the unchanged charts join the staging tree.
        shutil.copytree(ctx.project.out_dir / "charts", ctx.stage / "charts")
        ctx.charts = load_chart_index(ctx.stage)
    # The briefing needs only the print charts. The slide set, the poster and the handout (which draw their
    # own figures) run on the second core beside print charts → briefing, the long chain.
    side = (["charts (slides)"] if "charts" in todo else []) + [s for s in ("poster", "handout") if s in todo]
    main = (["charts (print)"] if "charts" in todo else []) + (["briefing"] if "briefing" in todo else [])
    helper = _start_side_steps(ctx, side) if side and main and _can_fork() else None
    if helper is None:
        main = [s for s in STEPS if s in todo]
    else:
        ctx.side_processes = 1
    try:
        for step in main:
            _check_not_interrupted()
            ctx.log.step(step)
            STEP_FUNCTIONS[step](ctx)
        if helper is not None:
            _finish_side_steps(*helper)
    except BaseException:
        if helper is not None and helper[0].is_alive():
            helper[0].terminate()
            helper[0].join()
        raise


def _can_fork() -> bool:
    import multiprocessing
    import threading

    return ((os.cpu_count() or 1) > 1 and os.environ.get("BORDERWAR_SERIAL") != "1"
            and "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1)


def _start_side_steps(ctx: BuildContext, steps: list[str]):
    import multiprocessing

    from borderwar_report.build.steps import STEP_FUNCTIONS

    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)
    # A signal handled while the process starts would raise inside multiprocessing's own bookkeeping (a
    # half-made Finalize then prints "Exception ignored ... Traceback" at exit): the signals wait until the
    # start is done, in the parent, and until the child has its own handlers.
    stopping = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, stopping)

    def work():
        # A group signal (Ctrl-C, a CI runner's SIGTERM) reaches this process too: it ends quietly and the
        # parent, which got the same signal, reports it once and cleans the staging folder.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        try:
            for step in steps:
                ctx.log.step(step)
                STEP_FUNCTIONS[step](ctx)
            send.send(None)
        except BaseException as exc:  # reported to the parent, which decides the exit code
            send.send((type(exc).__name__, str(exc), isinstance(exc, RenderError)))

    try:
        proc = multiprocessing.get_context("fork").Process(target=work, name="borderwar-side-steps", daemon=True)
        proc.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    send.close()
    return proc, receive, steps


def _finish_side_steps(proc, receive, steps) -> None:
    try:
        outcome = receive.recv()
    except EOFError:
        outcome = ("died", f"exit code {proc.exitcode}", False)
    proc.join()
    if outcome is not None:
        kind, message, is_render_error = outcome
        raise RenderError(message if is_render_error else f"{'/'.join(steps)}: {kind}: {message}")


def _remove_stale(out_dir: Path, manifest: dict, outputs: dict) -> None:
    """Outputs the previous build made that this one no longer makes (e.g. tiles after --tile is dropped).

    The manifest is only a file in out/ and can be edited: a path is removed only when it lies inside the
    output folder and still holds the bytes the build wrote there (its sha256), never anything else."""
    for rel, info in manifest.get("outputs", {}).items():
        if rel in outputs or not _safe_output_path(rel):
            continue
        path = out_dir / rel
        with contextlib.suppress(OSError, TypeError, AttributeError):
            if (path.is_symlink() or not path.is_file()
                    or out_dir.resolve() not in path.resolve().parents):
                continue
            if hashlib.sha256(path.read_bytes()).hexdigest() == info.get("sha256"):
                path.unlink()


def _safe_output_path(rel) -> bool:
    """A relative path below the output folder, as the build writes them (no "..", not absolute)."""
    from pathlib import PurePosixPath

    if not isinstance(rel, str) or not rel or "\\" in rel or "\0" in rel:
        return False
    parts = PurePosixPath(rel).parts
    return not PurePosixPath(rel).is_absolute() and ".." not in parts and not parts[0].startswith(".")


def _collect_outputs(stage: Path, out_dir: Path, manifest: dict, todo: list[str]) -> dict[str, dict]:
    """sha256 and size of every output: fresh ones from staging, untouched ones carried over."""
    outputs = {rel: info for rel, info in manifest.get("outputs", {}).items()
               if _safe_output_path(rel) and isinstance(info, dict) and info.get("step") not in todo
               and (out_dir / rel).is_file()}
    for path in sorted(p for p in stage.rglob("*") if p.is_file()):
        rel = path.relative_to(stage).as_posix()
        data = path.read_bytes()
        outputs[rel] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                        "step": _step_of(rel)}
    return dict(sorted(outputs.items()))


def _step_of(rel: str) -> str:
    if rel.startswith("charts/"):
        return "charts"
    if rel.startswith("timeline-poster"):
        return "poster"
    if rel.startswith("handout"):
        return "handout"
    return "briefing"
