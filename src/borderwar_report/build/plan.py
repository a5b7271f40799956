"""What needs building: fingerprints of the inputs per step, the manifest of the last build, the plan.

The no-op path (nothing changed) uses only the standard library: Matplotlib, WeasyPrint, YAML and EDTF are
imported after the plan decides there is work to do."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from borderwar_report import __version__
from borderwar_report.core.project import Project

MANIFEST = "manifest.json"
STEPS = ("charts", "briefing", "poster", "handout")
PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the whole package: any code edit rebuilds


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


# --- fingerprints ---------------------------------------------------------------------------------

# A file's digest is reused from the last build when its stat is unchanged. The stat covers size, mtime, ctime
# (which no tool can set back), inode and device, so an edit that keeps size and mtime (``touch -d``, a copy
# with preserved times) still changes ctime. What a stat cannot see is a second write within the timestamp
# granularity of the first: a file whose mtime or ctime is within RACY_SECONDS of the moment it was hashed is
# never cached (git's "racily clean" rule), so the next run hashes it again.
RACY_SECONDS = 2.0
DIGESTS = "input_files"  # the manifest's key for the cache: {absolute path: "size mtime ctime inode dev sha256"}


class DigestCache:
    """File digests of the last build (``known``) and of this run (``seen``, what the next build may reuse)."""

    def __init__(self, known: dict | None = None):
        self.known = known if isinstance(known, dict) else {}
        self.seen: dict[str, str] = {}
        self.hashed = 0  # files read this run (the rest came from the cache)

    def digest(self, path: str, st: os.stat_result) -> bytes:
        stamp = f"{st.st_size} {st.st_mtime_ns} {st.st_ctime_ns} {st.st_ino} {st.st_dev} "
        entry = self.known.get(path)
        if type(entry) is str and len(entry) == len(stamp) + 64 and entry.startswith(stamp):
            with contextlib.suppress(ValueError):
                digest = bytes.fromhex(entry[-64:])
                self.seen[path] = entry
                return digest
        now = time.time_ns()
        with open(path, "rb") as f:
            digest = (hashlib.file_digest(f, "sha256") if hasattr(hashlib, "file_digest")  # Python ≥ 3.11
                      else hashlib.sha256(f.read())).digest()
        self.hashed += 1
        if max(st.st_mtime_ns, st.st_ctime_ns) < now - int(RACY_SECONDS * 1e9):
            self.seen[path] = stamp + digest.hex()
        return digest


def _walk(root: str, exclude: tuple[str, ...], rel: str = ""):
    """(relative posix path, DirEntry) of everything under root, sorted by path, leaving out __pycache__ and
    the ``exclude`` folders (not descended into)."""
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        path = f"{rel}{entry.name}"
        if entry.name == "__pycache__" or any(path.startswith(x) or path == x.rstrip("/") for x in exclude):
            continue
        yield path, entry
        try:
            is_dir = entry.is_dir()  # follows a link to a folder, as the data loader does
        except OSError:
            is_dir = False
        if is_dir:
            yield from _walk(entry.path, exclude, path + "/")


def _digest_tree(root: Path, exclude=(), skip: Path | None = None, cache: DigestCache | None = None) -> str:
    """Content hash of every file under root (names and bytes, sorted). ``exclude``: folders (relative,
    ending in "/") left out; ``skip``: the output folder, if it lies inside; ``cache``: digests of files
    whose stat is unchanged since they were hashed (see DigestCache)."""
    h = hashlib.sha256()
    cache = cache if cache is not None else DigestCache()
    if root.is_dir():
        exclude = tuple(exclude) + _relative_folder(skip, root)
        base = os.path.abspath(root)
        for rel, entry in _walk(base, exclude):
            name = rel.encode() + b"\0"
            try:
                st = entry.stat()
                kind = "dir" if entry.is_dir() else "file" if entry.is_file() else "other"
            except OSError:  # a dangling link
                kind = "other"
            if kind == "file":
                h.update(name + cache.digest(entry.path, st))
            elif kind == "dir":
                h.update(name + b"\0folder")  # an events/x.yaml that is a folder is refused by validation too
            else:
                h.update(name)
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


def fingerprint(project: Project, options: BuildOptions, cache: DigestCache | None = None) -> dict[str, str]:
    """One key per step: a step reruns only when one of its own inputs changed."""
    cache = cache if cache is not None else DigestCache()
    data = _digest_tree(project.data_dir, skip=project.out_dir, cache=cache)
    fonts = _digest_tree(project.fonts_dir, cache=cache)
    templates = _digest_tree(project.templates_dir, exclude=("fonts/",), skip=project.out_dir, cache=cache)
    code = _digest_tree(PACKAGE_DIR, cache=cache)
    style = project.templates_dir / "charts.mplstyle"
    style_digest = hashlib.sha256(style.read_bytes()).hexdigest() if style.is_file() else ""
    env = os.environ.get("SOURCE_DATE_EPOCH", "")
    opts = json.dumps(options.key(), sort_keys=True)

    def combine(*parts: str) -> str:
        return hashlib.sha256("\n".join((__version__,) + parts).encode()).hexdigest()

    template = options.key().get("pptx_template", "")
    charts = combine(data, fonts, style_digest, code, env, template)
    docs = combine(data, fonts, templates, code, env, opts, charts)
    # What every chart depends on besides the data: each chart's own key adds the part of the data it draws
    # (charts/inputs.py), so a rebuild redraws only the charts whose part changed.
    chart_env = combine(fonts, style_digest, code, env)
    # What a typeset PDF depends on besides its own HTML and attachments (documents/reuse.py).
    typeset = combine(fonts, templates, code, env, opts)
    return {"inputs": combine(data, fonts, templates, code, env, opts), "charts": charts,
            "briefing": docs, "poster": docs, "handout": docs, "chart_env": chart_env, "typeset": typeset,
            "pptx_template": template}


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


def plan(project: Project, options: BuildOptions, cache: DigestCache | None = None) -> tuple[dict, list[str], dict]:
    """(fingerprint, steps to run, previous manifest). Standard library only. ``cache`` is filled with the
    file digests a build records in its manifest for the next one."""
    manifest = read_manifest(project.out_dir)
    cache = cache if cache is not None else DigestCache()
    cache.known = manifest.get(DIGESTS) if isinstance(manifest.get(DIGESTS), dict) else {}
    keys = fingerprint(project, options, cache)
    previous = manifest.get("steps", {})
    if options.force or not _outputs_intact(project.out_dir, manifest):
        todo = [s for s in STEPS if s in options.only]
    else:
        todo = [s for s in STEPS if s in options.only and previous.get(s) != keys[s]]
    return keys, todo, manifest


# --- the build ------------------------------------------------------------------------------------

def _event_digests(dataset) -> dict[str, str]:
    from borderwar_report.records.export import _plain

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
