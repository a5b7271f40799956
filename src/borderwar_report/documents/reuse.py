"""A PDF kept from the last build when WeasyPrint would read exactly what it read then.

Typesetting is most of a build's time, and many data edits leave a document's page source as it was: a
comment, an editor's note, a claim that only another document prints. Every typeset PDF is recorded with
a key — the digest of its HTML, its attachments and everything else WeasyPrint reads (the fonts, the
templates, the program and the options: the plan's ``typeset`` key). A later build that arrives at the same
key takes the last build's file, provided the file is still the one the manifest recorded; ``--force``
(which forgets the last manifest) always typesets.

The records live in the output folder's ``.typeset/``, one file per document, so the steps that run on the
second core never write the same file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from borderwar_report.core.files import write_atomic

RECORDS = ".typeset"


def typeset_key(ctx, html: str, *extra: bytes) -> str | None:
    """The key of a PDF typeset from ``html`` (and ``extra`` inputs such as attachments); None when the
    build has no ``typeset`` key (a context made outside a build), which turns reuse off."""
    env = (getattr(ctx, "keys", None) or {}).get("typeset")
    if not env:
        return None
    h = hashlib.sha256(env.encode())
    for part in (html.encode("utf-8"), *extra):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def _record_path(root: Path, name: str) -> Path:
    return root / RECORDS / (name + ".json")


def kept(ctx, name: str, key: str | None) -> bytes | None:
    """The last build's ``name`` (a path in the output folder) if it was typeset with ``key`` and is intact."""
    previous = (ctx.previous_outputs or {}).get(name) if key else None
    if not previous:
        return None
    try:
        record = json.loads(_record_path(Path(ctx.project.out_dir), name).read_text(encoding="utf-8"))
        data = (Path(ctx.project.out_dir) / name).read_bytes()
    except (OSError, ValueError):
        return None
    digest = hashlib.sha256(data).hexdigest()
    if not isinstance(record, dict) or record.get("key") != key or not (
            record.get("sha256") == digest == previous.get("sha256")):
        return None
    return data


def record(ctx, name: str, key: str | None, pdf: bytes) -> None:
    """Note in the staging folder that ``name`` holds ``pdf``, typeset with ``key``."""
    if key:
        body = {"key": key, "sha256": hashlib.sha256(pdf).hexdigest()}
        write_atomic(_record_path(Path(ctx.stage), name), (json.dumps(body, indent=0) + "\n").encode("utf-8"))


def carry_over(ctx, *names: str) -> None:
    """Copy the last build's side files of a kept PDF (its page map, its layout decisions) into the stage."""
    for name in names:
        source = Path(ctx.project.out_dir) / name
        if source.is_file():
            write_atomic(Path(ctx.stage) / name, source.read_bytes())
