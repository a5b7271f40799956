"""The build plan: fingerprint inputs, run only the steps whose inputs changed, swap outputs in atomically.

The no-op path (nothing changed) uses only the standard library: Matplotlib, WeasyPrint, YAML and EDTF are
imported after the plan decides there is work to do.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .errors import RenderError
from .log import Log
from .project import Project

MANIFEST = "manifest.json"
STAGING_PREFIX = ".staging-"
STEPS = ("charts", "briefing", "poster", "handout")
PACKAGE_DIR = Path(__file__).resolve().parent
_UMASK = os.umask(0o022)
os.umask(_UMASK)


class BuildLocked(Exception):
    pass


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
class BuildOptions:
    force: bool = False
    paper: str | None = None  # a4 | letter; None = the document config
    pdf_variant: str | None = None  # e.g. pdf/a-3b, pdf/ua-1
    poster_size: str = "a3"
    tile: str | None = None
    only: tuple[str, ...] = STEPS
    lock_wait: float = 600.0
    pptx_template: Path | None = None  # a user's PowerPoint master for charts/deck.pptx

    def key(self) -> dict:
        template = ""
        if self.pptx_template:  # its content, not its name: editing the master rebuilds the deck
            with contextlib.suppress(OSError):
                template = hashlib.sha256(Path(self.pptx_template).read_bytes()).hexdigest()
        return {"paper": self.paper, "pdf_variant": self.pdf_variant, "poster_size": self.poster_size,
                "tile": self.tile, **({"pptx_template": template} if self.pptx_template else {})}


@dataclass
class BuildContext:
    """What each step gets: the data, where to find templates, and the staging folder to write into."""

    dataset: object
    project: Project
    stage: Path
    log: Log
    options: BuildOptions
    charts: dict = field(default_factory=dict)  # filled by the charts step (or read back from charts/index.json)


@dataclass
class BuildResult:
    status: str  # "up-to-date" | "built"
    outputs: dict[str, dict] = field(default_factory=dict)
    ran: tuple[str, ...] = ()
    seconds: float = 0.0
    changes: list[str] = field(default_factory=list)


# --- fingerprints ---------------------------------------------------------------------------------

def _digest_tree(root: Path, exclude=(), skip: Path | None = None) -> str:
    """Content hash of every file under root (names and bytes, sorted): mtimes lie after a checkout.
    ``exclude``: folders (relative, ending in "/") left out; ``skip``: the output folder, if it lies inside."""
    h = hashlib.sha256()
    if root.is_dir():
        exclude = tuple(exclude) + _relative_folder(skip, root)
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root).as_posix()
            if any(rel.startswith(x) or rel == x.rstrip("/") for x in exclude) or "__pycache__" in rel:
                continue
            h.update(rel.encode() + b"\0")
            if path.is_dir():
                h.update(b"\0folder")  # an events/x.yaml that is a folder is refused by validation too
            elif path.is_file():
                h.update(hashlib.sha256(path.read_bytes()).digest())
            else:
                # A pipe, device or dangling link is never read (it could block or never end), but its
                # presence is an input: validation refuses it, so the build must not call itself up to date.
                h.update(b"\0not a regular file")
    return h.hexdigest()


def _relative_folder(folder: Path | None, root: Path) -> tuple[str, ...]:
    """("out/",) when folder lies inside root (its outputs are not inputs), else ()."""
    if folder is None:
        return ()
    try:
        rel = folder.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return ()
    return (rel + "/",) if rel != "." else ()


def fingerprint(project: Project, options: BuildOptions) -> dict[str, str]:
    """One key per step: a step reruns only when one of its own inputs changed."""
    data = _digest_tree(project.data_dir, skip=project.out_dir)
    fonts = _digest_tree(project.fonts_dir)
    templates = _digest_tree(project.templates_dir, exclude=("fonts/",), skip=project.out_dir)
    code = _digest_tree(PACKAGE_DIR)
    style = project.templates_dir / "charts.mplstyle"
    style_digest = hashlib.sha256(style.read_bytes()).hexdigest() if style.is_file() else ""
    env = os.environ.get("SOURCE_DATE_EPOCH", "")
    opts = json.dumps(options.key(), sort_keys=True)

    def combine(*parts: str) -> str:
        return hashlib.sha256("\n".join((__version__,) + parts).encode()).hexdigest()

    charts = combine(data, fonts, style_digest, code, env, options.key().get("pptx_template", ""))
    docs = combine(data, fonts, templates, code, env, opts, charts)
    return {"inputs": combine(data, fonts, templates, code, env, opts), "charts": charts,
            "briefing": docs, "poster": docs, "handout": docs}


def read_manifest(out_dir: Path) -> dict:
    """The previous build's manifest, or {} (a full rebuild) when it is missing, unreadable or misshapen:
    it is a file in out/ that anyone can edit, so its shape is checked before anything trusts it."""
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(manifest, dict):
        return {}
    for key in ("outputs", "steps", "events"):
        if not isinstance(manifest.get(key, {}), dict):
            return {}
    if not all(isinstance(info, dict) and isinstance(info.get("size"), int) and isinstance(info.get("sha256"), str)
               for info in manifest.get("outputs", {}).values()):
        return {}
    return manifest


def _outputs_intact(out_dir: Path, manifest: dict) -> bool:
    for rel, info in manifest.get("outputs", {}).items():
        path = out_dir / rel
        try:
            if path.stat().st_size != info["size"]:
                return False
        except OSError:
            return False
    return bool(manifest.get("outputs"))


def plan(project: Project, options: BuildOptions) -> tuple[dict, list[str], dict]:
    """(fingerprint, steps to run, previous manifest). Standard library only."""
    keys = fingerprint(project, options)
    manifest = read_manifest(project.out_dir)
    previous = manifest.get("steps", {})
    if options.force or not _outputs_intact(project.out_dir, manifest):
        todo = [s for s in STEPS if s in options.only]
    else:
        todo = [s for s in STEPS if s in options.only and previous.get(s) != keys[s]]
    return keys, todo, manifest


# --- locking and atomic writes --------------------------------------------------------------------

@contextlib.contextmanager
def build_lock(out_dir: Path, log: Log, wait: float):
    """One build per output folder; a second one waits for the first (or gives up with a clear message).

    The lock is on the output folder itself (flock on its descriptor), not on a file inside it: deleting any
    file in out/ cannot let a second build in, and a read-only out/ can still be locked for an up-to-date
    check. The side-steps process shares the descriptor, so a killed parent's live child still holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        raise RenderError("borderwar-report runs on POSIX systems (Linux, macOS, WSL): the build lock uses fcntl, "
                          "which Windows does not have") from None

    if not out_dir.is_dir():
        out_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    told = False
    while True:
        fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                raise BuildLocked(f"another build is writing to {out_dir}/; gave up after {wait:.0f} s") from None
            if not told:
                log.info(f"another build is writing to {out_dir}/; waiting for it to finish")
                told = True
            time.sleep(0.2)
            continue
        held, now = os.fstat(fd), os.stat(out_dir)
        if (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino):
            break
        os.close(fd)  # the folder was replaced between open and lock: lock the one that is there now
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def remove_dead_staging(out_dir: Path) -> None:
    """Staging folders (and half-written manifests) of builds killed by SIGKILL or a hang-up. Called only
    while holding the lock, so none of them belongs to a live build."""
    for path in [*out_dir.glob(STAGING_PREFIX + "*"), *out_dir.glob(f".{MANIFEST}.*")]:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_file() or path.is_symlink():
            with contextlib.suppress(OSError):
                path.unlink()


def write_atomic(path: Path, data: bytes) -> None:
    """Temp file in the same folder, fsync, rename: readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; outputs are for sharing
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


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


# --- the build ------------------------------------------------------------------------------------

def _event_digests(dataset) -> dict[str, str]:
    from .export import _plain

    out = {}
    for ev in dataset.events:
        body = _plain(ev)
        body.pop("line", None)
        body.pop("file", None)  # where the data folder lives is not an edit
        out[ev.id] = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
    return out


def describe_changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    edited = sorted(k for k in set(after) & set(before) if after[k] != before[k])
    out = []
    for label, ids in (("added", added), ("removed", removed), ("edited", edited)):
        if ids:
            shown = ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")
            out.append(f"events {label}: {shown}")
    return out


@contextlib.contextmanager
def reproducible_epoch(dataset):
    """Every date stamped into an output comes from the data's edition date unless SOURCE_DATE_EPOCH is set.

    Set only for the duration of the build, so a long-lived process (watch, tests) keeps its environment.
    """
    import calendar

    previous = os.environ.get("SOURCE_DATE_EPOCH")
    if not previous:
        edition = dataset.document.edition
        os.environ["SOURCE_DATE_EPOCH"] = str(calendar.timegm(edition.timetuple()))
    try:
        yield
    finally:
        if not previous:
            os.environ.pop("SOURCE_DATE_EPOCH", None)


def run(project: Project, options: BuildOptions | None = None, log: Log | None = None) -> BuildResult:
    """Build every output that is out of date. Raises DataError (bad input) or RenderError (a step failed)."""
    options = options or BuildOptions()
    log = log or Log()
    started = time.monotonic()
    check_layout(project)
    with build_lock(project.out_dir, log, options.lock_wait):
        remove_dead_staging(project.out_dir)
        keys, todo, manifest = plan(project, options)
        if not todo:
            log.info(f"up to date: {project.out_dir}/ (inputs unchanged since the last build)")
            return BuildResult("up-to-date", manifest.get("outputs", {}), (), time.monotonic() - started)

        from .validate import load_dataset  # the first non-stdlib import of a real build

        log.step(f"reading {project.data_dir}/")
        warnings: list = []
        dataset = load_dataset(project.data_dir, warnings=warnings)
        for warning in warnings:  # suspect, not wrong: printed (unless -q), and the build goes on
            log.info(str(warning))
        event_digests = _event_digests(dataset)
        changes = describe_changes(manifest.get("events", {}), event_digests) if manifest else []
        for line in changes:
            log.info(line)

        stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=project.out_dir))
        try:
            with _terminate_as_exception(), reproducible_epoch(dataset):
                ctx = BuildContext(dataset, project, stage, log, options)
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
                    "changes": changes,
                    "build_seconds": round(time.monotonic() - started, 2),
                }
                _check_not_interrupted()
                _swap_in(stage, project.out_dir)
                _remove_stale(project.out_dir, manifest, outputs)
                write_atomic(project.out_dir / MANIFEST,
                             (json.dumps(new_manifest, indent=2, ensure_ascii=False) + "\n").encode())
        finally:
            shutil.rmtree(stage, ignore_errors=True)
        seconds = time.monotonic() - started
        log.step(f"built {', '.join(todo)} into {project.out_dir}/ in {seconds:.1f} s")
        return BuildResult("built", outputs, tuple(todo), seconds, changes)


def _run_steps(ctx: BuildContext, todo: list[str]) -> None:
    from .steps import STEP_FUNCTIONS, load_chart_index

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

    from .steps import STEP_FUNCTIONS

    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)

    def work():
        # A group signal (Ctrl-C, a CI runner's SIGTERM) reaches this process too: it ends quietly and the
        # parent, which got the same signal, reports it once and cleans the staging folder.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        try:
            for step in steps:
                ctx.log.step(step)
                STEP_FUNCTIONS[step](ctx)
            send.send(None)
        except BaseException as exc:  # reported to the parent, which decides the exit code
            send.send((type(exc).__name__, str(exc), isinstance(exc, RenderError)))

    proc = multiprocessing.get_context("fork").Process(target=work, name="borderwar-side-steps", daemon=True)
    proc.start()
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
