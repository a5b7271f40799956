"""What needs building: fingerprints of the inputs per step, the manifest of the last build, the plan.

The no-op path (nothing changed) uses only the standard library: Matplotlib, WeasyPrint, YAML and EDTF are
imported after the plan decides there is work to do."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
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
