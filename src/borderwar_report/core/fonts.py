"""The bundled fonts: their @font-face rules, their coverage, and the check that every character of the
data has a glyph, so a name can never print as a blank box."""

from __future__ import annotations

import functools
import json
import unicodedata
from pathlib import Path

from borderwar_report.core.errors import GlyphMissingError

_SKIP_CATEGORIES = {"Cc", "Cf", "Zs", "Zl", "Zp"}


def harfbuzz_request(content: bytes, index: int, glyph_ids, dropped_tables):
    """(face, request): HarfBuzz's face of the font ``content`` and a subset request for ``glyph_ids`` that
    drops ``dropped_tables`` (4-byte tags) — what the briefing's and the charts' PDF subsetters share
    (documents/pdf.py, charts/style.py). Needs the uharfbuzz wheel."""
    import uharfbuzz as hb

    face = hb.Face(hb.Blob(content), index)
    request = hb.SubsetInput()
    request.glyph_set.update(sorted(glyph_ids))
    request.sets(hb.SubsetInputSets.DROP_TABLE_TAG).update(int.from_bytes(t, "big") for t in dropped_tables)
    return face, request


def font_table(fonts_dir: Path) -> list[dict]:
    """The fonts.json entries (file, family, weight, style, role)."""
    try:
        return json.loads((Path(fonts_dir) / "fonts.json").read_text(encoding="utf-8"))["fonts"]
    except (OSError, ValueError, KeyError) as exc:
        raise GlyphMissingError(f"{fonts_dir}/fonts.json is missing or unreadable ({exc}); "
                                "the bundled fonts cannot be found") from None


def font_files(fonts_dir: Path) -> list[Path]:
    return [Path(fonts_dir) / f["file"] for f in font_table(fonts_dir)]


def font_face_css(fonts_dir: Path, href_prefix: str = "fonts/") -> str:
    """@font-face rules for every bundled file; hrefs are relative to the HTML (``href_prefix``)."""
    rules = []
    for f in font_table(fonts_dir):
        fmt = {"truetype": "truetype", "opentype": "opentype"}.get(f.get("format", ""), "opentype")
        rules.append(
            "@font-face { font-family: '%s'; font-weight: %s; font-style: %s; src: url('%s%s') format('%s'); }"
            % (f["family"], f["weight"], f["style"], href_prefix, f["file"], fmt))
    return "\n".join(rules) + "\n"


@functools.lru_cache(maxsize=8)
def _coverage(paths: tuple[str, ...]) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    covered: set[int] = set()
    for path in paths:
        font = TTFont(path, lazy=True)
        covered.update(font.getBestCmap() or {})
        font.close()
    return frozenset(covered)


def covered_codepoints(fonts_dir: Path) -> frozenset[int]:
    """Every code point some bundled regular-weight font can draw."""
    regular = [Path(fonts_dir) / f["file"] for f in font_table(fonts_dir)
               if f["weight"] == 400 and f["style"] == "normal"]
    return _coverage(tuple(str(p) for p in regular))


def dataset_texts(dataset):
    """(where, field, text) for every piece of text that reaches a page or a chart."""
    doc = dataset.document
    for key in ("title", "subtitle", "issuer", "summary", "method"):
        yield "document.yaml", key, getattr(doc, key)
    for lane in doc.lanes:
        yield "document.yaml", f"lanes.{lane.id}", lane.label
    for side in dataset.sides:
        yield f"side {side.id}", "name", side.name + side.short
        for n in side.names:
            yield f"side {side.id}", "names", n.text + (n.romanized or "")
    for phase in dataset.phases:
        yield f"phase {phase.id}", "name", phase.name + phase.summary
    for source in dataset.sources:
        text = " ".join(filter(None, [*source.author, source.title, source.publisher, source.place,
                                      source.journal, source.pages, source.note, source.title_translated,
                                      source.title_romanized, source.edition]))
        yield f"source {source.id}", "title", text
    for claimant in dataset.claimants:
        yield f"claimant {claimant.id}", "name", " ".join(filter(None, [claimant.name, claimant.short,
                                                                      claimant.note]))
    if doc.conflict_name:
        yield "document.yaml", "conflict", doc.conflict_name + "".join(n.text for n in doc.conflict_names)
    yield from _sides_texts("document.yaml", doc.totals.sides, doc.totals.figures)
    for phase in dataset.phases:
        yield from _sides_texts(f"phase {phase.id}", phase.totals.sides, phase.totals.figures)
    for ev in dataset.events:
        where = f"event {ev.id} ({ev.file}:{ev.line})"
        yield where, "title", ev.title
        for n in ev.names:
            yield where, "names", n.text + (n.romanized or "")
        for place in ev.places:
            yield where, "place", place.name + "".join(n.text for n in place.names) + (place.locator or "")
        yield where, "summary", ev.summary
        yield where, "outcome", ev.outcome or ""
        yield where, "note", ev.note
        yield from _sides_texts(where, ev.sides, ev.figures)
        for a in ev.alternative_dates:
            yield where, "alternative_dates", a.note or ""
        for c in ev.citations:
            yield where, "citations", c.locator or ""


def _claim_text(claim) -> str:
    return " ".join(filter(None, [claim.note, claim.scope, claim.unit, *(s.locator or "" for s in claim.sources),
                                  *(s.via_locator or "" for s in claim.sources)]))


def _sides_texts(where: str, sides, figures):
    for s in sides:
        for person in s.commanders + s.units:
            yield where, "commanders", str(person) + "".join(n.text for n in person.names)
        yield where, "sides", s.note or ""
        for _group, _category, claim in s.claims():
            yield where, "claims", _claim_text(claim)
    for f in figures:
        yield where, "figures", f.label + "".join(_claim_text(c) for c in f.claims)


def missing_glyphs(dataset, fonts_dir: Path) -> list[str]:
    """One message per uncovered character, naming the character and the first record that uses it.
    Worked out once per data set and fonts folder (the charts, the briefing, the poster and the handout each
    check; at 50,000 events each check read 3 million texts)."""
    state = getattr(dataset, "__dict__", None)
    known = state.setdefault("_missing_glyphs", {}) if state is not None else {}
    key = str(Path(fonts_dir).resolve())
    if key not in known:
        known[key] = tuple(_missing_glyphs(dataset, fonts_dir))
    return list(known[key])


def _missing_glyphs(dataset, fonts_dir: Path) -> list[str]:
    covered = covered_codepoints(fonts_dir)
    first_use: dict[str, tuple[str, str]] = {}
    for where, field, text in dataset_texts(dataset):
        for ch in set(text or ""):
            if ord(ch) not in covered and unicodedata.category(ch) not in _SKIP_CATEGORIES:
                first_use.setdefault(ch, (where, field))
    return [f"character {ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')}) in {where}, {field}, "
            f"is in no bundled font" for ch, (where, field) in sorted(first_use.items())]


def check_glyphs(dataset, fonts_dir: Path) -> None:
    problems = missing_glyphs(dataset, fonts_dir)
    if problems:
        raise GlyphMissingError("; ".join(problems[:20]) + (f"; and {len(problems) - 20} more"
                                                             if len(problems) > 20 else ""))
