"""What the poster and the handout share: facts drawn from the data, rendering helpers, text measurement."""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from pathlib import Path

MIN_PT = 7.0  # no type on the poster or the handout is set smaller
MM = 72 / 25.4  # points per millimetre
INK, MUTED, FAINT = "#222222", "#555555", "#CFCFCF"
BAND_FILL = "#7A8FA6"

FIGHTING = ("battle", "border-incident")
HANDOUT_FIGHTS = 5  # battles and border incidents on the handout
HANDOUT_DIPLOMACY = 2
HANDOUT_RULE = ("Chosen by rule: up to {fights} battles and border incidents with the highest claim of dead "
                "for one side (an action inside a chosen event's dates and lane is folded into it), and up to "
                "{diplomacy} diplomacy events with the most sources.")


# --- facts from the data, shared by poster and handout ---------------------------------------------

def edition_text(dataset) -> str:
    d = dataset.document.edition
    return f"{d.day} {d:%B} {d.year}"


def event_numbers(dataset) -> dict[str, int]:
    """1-based position of each event in date order: the key between poster labels and the index."""
    return {e.id: i for i, e in enumerate(dataset.events, 1)}


def lanes_of(dataset) -> list[tuple[str, str]]:
    """(lane id, label) in the document's order, plus any lane an event names that the document lacks."""
    lanes = [(ln.id, ln.label) for ln in dataset.document.lanes]
    known = {lid for lid, _ in lanes}
    for e in dataset.events:
        if e.lane not in known:
            lanes.append((e.lane, e.lane.replace("-", " ").capitalize()))
            known.add(e.lane)
    return lanes


def short_names(event, limit: int = 2) -> list[str]:
    """The event's first ``limit`` native names, in the data's order, without repeats."""
    return [n.text for n in native_names(event, limit)]


def native_names(event, limit: int = 2) -> list:
    """The event's first ``limit`` native names (with their ``lang``), in the data's order, without
    repeated texts."""
    out: list = []
    for n in event.names:
        if all(n.text != o.text for o in out):
            out.append(n)
        if len(out) == limit:
            break
    return out


def uncertainty(dataset) -> dict:
    """Counts behind the handout's "what is uncertain" line."""
    from borderwar_report.records.claims import DEAD_PREFERENCE
    from borderwar_report.records.claims import contested as disputed

    vague = sum(1 for e in dataset.events if not _day_exact(e.date))
    alternative = sum(1 for e in dataset.events if e.alternative_dates)
    groups = contested = unconfirmed = 0
    for e in dataset.events:
        for s in e.sides:
            for category, claims in s.losses.items():
                if not claims:
                    continue
                groups += 1
                contested += disputed(claims)
                unconfirmed += any(c.unconfirmed for c in claims)
    no_dead = sum(1 for e in dataset.events if e.kind in FIGHTING
                  and not any(s.losses.get(c) for s in e.sides for c in DEAD_PREFERENCE))
    fights = sum(1 for e in dataset.events if e.kind in FIGHTING)
    return {"events": len(dataset.events), "vague_dates": vague, "alternative_dates": alternative,
            "figures": groups, "contested": contested, "unconfirmed": unconfirmed,
            "fights": fights, "fights_without_dead": no_dead}


def uncertainty_line(dataset) -> str:
    """One sentence, computed: vague dates, alternative dates, contested and missing figures."""
    u = uncertainty(dataset)

    def of(part: int, whole: int, noun: str, verb: str) -> str:
        # "3 of 28 events are", "1 of 4 events is": the verb agrees with the part

        nouns = noun if whole == 1 else noun + "s"
        verb = verb if part == 1 else {"is": "are", "has": "have", "rests": "rest"}[verb]
        return f"{part:,} of {whole:,} {nouns} {verb}"

    parts = [of(u["vague_dates"], u["events"], "event", "is") + " dated only to the month or year, or "
             "marked approximate or uncertain",
             f"{u['alternative_dates']:,} {'has' if u['alternative_dates'] == 1 else 'have'} other dates in "
             "some sources",
             f"claimants disagree on {u['contested']:,} of {u['figures']:,} loss figures"]
    if u["unconfirmed"]:
        parts.append(f"{u['unconfirmed']:,} {'rests' if u['unconfirmed'] == 1 else 'rest'} on unconfirmed claims")
    if u["fights"]:
        parts.append(of(u["fights_without_dead"], u["fights"], "clash", "has").replace("clashs", "clashes")
                     + " no figure for the dead at all")
    return "; ".join(parts) + "."


def _day_exact(date) -> bool:
    """Both ends known to the day and neither approximate nor uncertain (a span of exact days counts)."""
    return date.kind != "choice" and not date.qualified and \
        date.start.precision == "day" and date.end.precision == "day"


def source_label(dataset, source_id: str) -> str:
    """A short name for a source when a claim has no claimant: author surname and year, or the title."""
    try:
        src = dataset.source(source_id)
    except KeyError:
        return source_id
    author = src.author[0] if src.author else ""
    if author and "contributors" not in author:
        name = author.split(",")[0].strip()
        return f"{name} {src.year}" if src.year else name
    title = src.title  # never cut: a clipped title names no work
    return f"{(src.publisher or 'web').split(' (')[0]}: {title}" if author else title


def claim_who(dataset, claim) -> str:
    try:
        return dataset.claimant(claim.claimant).short
    except KeyError:
        return source_label(dataset, claim.source)


# --- shared rendering helpers --------------------------------------------------------------------

def _fonts_dir(ctx) -> Path:
    from borderwar_report.charts.style import fonts_dir

    return fonts_dir(ctx.project)


def _paper(ctx) -> str:
    return (ctx.options.paper or ctx.dataset.document.paper or "a4").lower()


def _render(ctx, template: str, label: str, keep_as: str | None = None, **variables) -> bytes:
    """Render a template of templates/ to PDF with the bundled fonts; WeasyPrint's warnings go to the log.
    ``keep_as``: the output file the PDF is written to unchanged, which a later build with the same page
    source may keep (documents/reuse.py)."""
    from markupsafe import Markup

    from borderwar_report.core.fonts import font_face_css
    from borderwar_report.documents.pdf import render_pdf
    from borderwar_report.documents.render import render_template

    fonts = _fonts_dir(ctx)
    css = Markup(font_face_css(fonts, "fonts/"))  # CSS from our own fonts.json, not from the data
    from borderwar_report.documents.typography import smarten_html

    html = render_template(ctx.project.templates_dir, template, font_css=css, **variables)
    if template == "handout.html.j2":  # its text is the data's prose: typographer's quotes, as in the briefing
        html = smarten_html(html)
    from borderwar_report.documents import reuse

    key = reuse.typeset_key(ctx, html, keep_as.encode()) if keep_as else None
    pdf = reuse.kept(ctx, keep_as, key)
    if pdf is not None:
        ctx.log.detail(f"{label}: page source unchanged, kept from the last build")
    else:
        pdf, warnings, _refused = render_pdf(html, fonts.parent, [ctx.project.templates_dir, fonts.parent],
                                             label=label)
        for w in warnings:
            if "HarfBuzz" not in w:  # the fontTools fallback notice is about speed, not the output
                ctx.log.info(f"{label}: {w}")
    reuse.record(ctx, keep_as, key, pdf)
    return pdf


def css_string(text: str):
    """Text from the data as a quoted CSS string (for @page margin boxes), serialized as CSSOM §2.1
    "serialize a string" defines: NUL becomes U+FFFD; U+0001–U+001F and U+007F become hex escapes with a
    trailing space; quote and backslash are escaped. "<" is escaped too, so text cannot close <style>."""
    from markupsafe import Markup

    out = []
    for ch in text:
        code = ord(ch)
        if code == 0:
            out.append("\ufffd")
        elif code < 0x20 or code == 0x7F or ch == "<":
            out.append(f"\\{code:x} ")
        elif ch in '"\\':
            out.append("\\" + ch)
        else:
            out.append(ch)
    return Markup('"' + "".join(out) + '"')


def _page_count(pdf: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def _data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _common(ctx) -> dict:
    from borderwar_report import __version__
    from borderwar_report.charts.common import plural
    from borderwar_report.documents.context import compose_title

    ds = ctx.dataset
    years = ds.years if (ds.events or ds.document.span) else (None, None)
    return {"doc": ds.document, "title": compose_title(ds.document.title, *years)[0], "edition": edition_text(ds),
            "revision": ds.revision or "unversioned",
            "n_events": len(ds.events), "n_sources": len(ds.sources), "version": __version__,
            "events_text": plural(len(ds.events), "event"), "sources_text": plural(len(ds.sources), "source"),
            "language": ds.document.language or "en"}


# --- text measurement and label blocks ------------------------------------------------------------

@dataclass(frozen=True)
class Seg:
    """One run on a label line: text, or a loss dot (diameter in pt)."""

    text: str = ""
    size: float = 8.0
    weight: str = "normal"
    colour: str = "#222222"
    dot: float = 0.0
    ring: bool = False
    width: float = 0.0
    lang: str | None = None  # a native name's language: its CJK glyph forms (charts.style.cjk_face)


@dataclass(frozen=True)
class Line:
    segs: tuple[Seg, ...]
    height: float
    size: float

    @property
    def width(self) -> float:
        return sum(s.width for s in self.segs)


@dataclass(frozen=True)
class Block:
    lines: tuple[Line, ...]

    @property
    def width(self) -> float:
        return max((ln.width for ln in self.lines), default=0.0)

    @property
    def height(self) -> float:
        return sum(ln.height for ln in self.lines)


class Measure:
    """Advance widths in points from the bundled fonts' own metrics (fontTools), glyph by glyph through the
    sans stack of fonts.json — the same per-glyph fallback Pango and Matplotlib apply. Kerning is left
    out, which errs slightly wide (safe for packing). ~100× faster than asking Agg for every string."""

    def __init__(self, fonts_dir: Path):
        import json

        from fontTools.ttLib import TTFont

        from borderwar_report.core.fonts import font_table

        fonts_dir = Path(fonts_dir)
        table = font_table(fonts_dir)
        try:
            stack = json.loads((fonts_dir / "fonts.json").read_text("utf-8"))["stacks"]["sans"]
        except (KeyError, ValueError, OSError):
            stack = ["Noto Sans", "Noto Sans CJK JP"]
        self._faces: dict[str, list] = {}
        for weight, wanted in (("normal", 400), ("bold", 700)):
            faces = []
            for family in stack:
                entries = [f for f in table if f["family"] == family and f["style"] == "normal"]
                entry = next((f for f in entries if f["weight"] == wanted), None) or \
                    next((f for f in entries if f["weight"] == 400), None)
                if entry is None:
                    continue
                font = TTFont(str(fonts_dir / entry["file"]), lazy=True)
                faces.append((font.getBestCmap() or {}, font["hmtx"].metrics, font["head"].unitsPerEm))
            self._faces[weight] = faces
        self._em: dict[tuple[str, str], float] = {}

    def _advance(self, ch: str, weight: str) -> float:
        key = (ch, weight)
        em = self._em.get(key)
        if em is None:
            em = 0.6  # no bundled font has it: the glyph check reports that elsewhere
            for cmap, metrics, upem in self._faces.get(weight) or self._faces["normal"]:
                glyph = cmap.get(ord(ch))
                if glyph is not None:
                    em = metrics[glyph][0] / upem
                    break
            self._em[key] = em
        return em

    @functools.lru_cache(maxsize=65536)  # noqa: B019 — one Measure per build
    def __call__(self, text: str, size: float, weight: str = "normal") -> float:
        weight = "bold" if weight in ("bold", 700, "700") else "normal"
        return sum(self._advance(ch, weight) for ch in text) * size * 1.02 + 0.3


def wrap(measure, text: str, size: float, weight: str, width: float) -> list[str]:
    """Greedy word wrap to ``width`` pt; a word wider than the line is broken between characters."""
    words, lines, cur = text.split(), [], ""
    for word in words:
        trial = f"{cur} {word}" if cur else word
        if measure(trial, size, weight) <= width:
            cur = trial
            continue
        if cur:
            lines.append(cur)
        cur = ""
        while measure(word, size, weight) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and measure(word[:cut], size, weight) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        cur = word
    if cur:
        lines.append(cur)
    return lines or [""]


def text_lines(measure, text, size, weight, width, colour, leading=1.28) -> list[Line]:
    return [Line((Seg(t, size, weight, colour, width=measure(t, size, weight)),), size * leading, size)
            for t in wrap(measure, text, size, weight, width)]
