"""The wall timeline (timeline-poster.pdf, optionally tiled) and the one-page handout (handout.pdf).

Both are drawn from the Dataset only. The poster's chart is a Matplotlib SVG at the sheet's physical size
with live text (typeset by WeasyPrint with the bundled fonts, so names stay selectable); lanes, label rows
and the density rule come from ``charts.layout``, the loss figure from ``charts.measures``.

The poster's stated rule when the data outgrows the sheet: first the largest type that lets every event
carry its full label (never below 7 pt); failing that, a banner says so and the chart switches to density
bands per lane and month (``charts.layout.DensityRule``), labels for the most significant events while
room remains (each lane's first, then the rest), and a numbered index of every event on further sheets.

The handout's rule: up to HANDOUT_FIGHTS battles/border incidents ranked by the highest claim of dead (an action
inside a chosen one's dates and lane is folded into it) and HANDOUT_DIPLOMACY diplomacy events with the
most sources; if that ever overflows one page, the lowest-ranked fight is dropped until it fits.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from .build import write_atomic

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
    from .claims import DEAD_PREFERENCE
    from .claims import contested as disputed

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


# --- the handout's selection rule ----------------------------------------------------------------

def _loss_value(event) -> float | None:
    from .claims import highest_dead

    return highest_dead(event).value


def key_events(dataset, fights: int = HANDOUT_FIGHTS, diplomacy: int = HANDOUT_DIPLOMACY) -> list:
    """The events that matter most, by rule, in date order.

    Fighting (battle, border incident): ranked by the highest claim of dead for one side (unknown last), ties by date; an event
    lying inside the dates of an already chosen event of the same lane is a part of it and is skipped.
    Diplomacy: the events with the most distinct sources, ties by date.
    """
    dead = {e.id: _loss_value(e) for e in dataset.events if e.kind in FIGHTING}
    ranked = sorted((e for e in dataset.events if e.kind in FIGHTING),
                    key=lambda e: (-(dead[e.id] if dead[e.id] is not None else -1.0), e.date.sort_key, e.id))
    chosen: list = []
    for e in ranked:
        if len(chosen) == fights:
            break
        if any(c.lane == e.lane and c.date.earliest <= e.date.earliest and e.date.latest <= c.date.latest
               and (c.date.earliest, c.date.latest) != (e.date.earliest, e.date.latest) for c in chosen):
            continue
        chosen.append(e)
    talks = sorted((e for e in dataset.events if e.kind == "diplomacy"),
                   key=lambda e: (-len(e.source_ids()), e.date.sort_key, e.id))[:diplomacy]
    return sorted(chosen + talks, key=lambda e: (e.date.sort_key, e.id))


def dead_figures(dataset, event, max_sides: int = 4) -> tuple[list[dict], int]:
    """Per side, the claims for its dead (killed, else killed or missing, else irrecoverable losses), as
    the lowest and highest full-scope claim with who makes each. Returns (rows, sides left out)."""
    from .claims import DEAD_PREFERENCE, spread
    from .model import category_label

    rows = []
    for s in event.sides:
        for category in DEAD_PREFERENCE:
            found = spread(s.losses.get(category, ()))
            if found is None:
                continue
            low, high = found.low, found.high
            try:
                side = dataset.side(s.side)
                side_name, colour = side.short, side.colour
            except KeyError:
                side_name, colour = s.side, "#666666"
            rows.append({"side": side_name, "colour": colour, "category": category_label(category),
                         "contested": found.contested, "claimants": found.claimants,
                         "low": low.display(), "low_who": claim_who(dataset, low),
                         "high": high.display(), "high_who": claim_who(dataset, high)})
            break
    return rows[:max_sides], max(0, len(rows) - max_sides)


def _clip(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:—–-")
    return cut + "…"


def _first_paragraph(markdown_text: str, limit: int) -> str:
    para = (markdown_text or "").strip().split("\n\n")[0]
    para = " ".join(para.split())
    if len(para) <= limit:
        return para
    sentences, out = para.replace(". ", ".\n").split("\n"), ""
    for s in sentences:
        if len(out) + len(s) + 1 > limit:
            break
        out = f"{out} {s}".strip()
    return out or _clip(para, limit)


# --- shared rendering helpers --------------------------------------------------------------------

def _fonts_dir(ctx) -> Path:
    from .charts.style import fonts_dir

    return fonts_dir(ctx.project)


def _paper(ctx) -> str:
    return (ctx.options.paper or ctx.dataset.document.paper or "a4").lower()


def _render(ctx, template: str, label: str, **variables) -> bytes:
    """Render a template of templates/ to PDF with the bundled fonts; WeasyPrint's warnings go to the log."""
    from markupsafe import Markup

    from .fonts import font_face_css
    from .pdf import render_pdf
    from .render import render_template

    fonts = _fonts_dir(ctx)
    css = Markup(font_face_css(fonts, "fonts/"))  # CSS from our own fonts.json, not from the data
    from .typography import smarten_html

    html = render_template(ctx.project.templates_dir, template, font_css=css, **variables)
    if template == "handout.html.j2":  # its text is the data's prose: typographer's quotes, as in the briefing
        html = smarten_html(html)
    pdf, warnings, _refused = render_pdf(html, fonts.parent, [ctx.project.templates_dir, fonts.parent],
                                         label=label)
    for w in warnings:
        if "HarfBuzz" not in w:  # the fontTools fallback notice is about speed, not the output
            ctx.log.info(f"{label}: {w}")
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
    from . import __version__
    from .charts.common import plural
    from .context import compose_title

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

        from .fonts import font_table

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


# --- the poster -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class TypeScale:
    """Type sizes (pt) for one attempt; nothing below MIN_PT."""

    factor: float
    title: float
    text: float
    small: float
    lane: float
    year: float
    phase: float

    @classmethod
    def at(cls, factor: float) -> TypeScale:
        def f(base):
            return round(max(MIN_PT, base * factor), 2)
        return cls(factor, f(8.5), f(7.5), f(7.0), f(10.0), f(10.0), f(8.5))


@dataclass
class LaneBox:
    id: str
    label: str
    top: float = 0.0
    header: float = 0.0
    band: float = 0.0  # density band height (overview mode)
    content: float = 0.0  # height of the placed labels
    spare: float = 0.0  # share of the sheet's unused height
    placements: list = field(default_factory=list)  # labelled charts.layout.Placement
    tops: dict = field(default_factory=dict)  # event id → top of its block below the band
    blocks: dict = field(default_factory=dict)
    banded: list = field(default_factory=list)  # events counted in the band (not drawn singly)

    @property
    def height(self) -> float:
        return self.header + self.band + self.content + 4.0 + self.spare


@dataclass
class ChartPlan:
    width: float
    height: float
    scale: object  # charts.layout.Scale (pt)
    type: TypeScale
    overview: bool
    lanes: list[LaneBox]
    phase_rows: int
    phase_placements: list
    axis: float  # height of one year axis
    labelled: int
    numbers: dict
    max_dot: float
    max_loss: float
    content_height: float = 0.0
    sheets: int = 1  # sheets of the poster PDF: the chart, then the index (overview)


GLYPH = 4.0  # date marker diameter at factor 1 (pt)
DOT_FULL = 12.0  # the room for a loss dot at type factor 1 (pt); charts.common.marker_diameter fills it
ROW_GAP = 2.5  # vertical space between two blocks that share some of the time axis (pt)
LANE_HEADER = 1.5  # lane title line, in multiples of its type size
PHASE_ROW = 1.8  # one row of phase names, in multiples of their type size
AXIS_BREAK_YEARS = 2  # this many whole years or more without an event are squeezed on the poster's axis
AXIS_BREAK_WIDTH = 0.6  # the room a squeezed stretch keeps, in years


def _loss_dots(dataset, event, ts: TypeScale, measure, max_loss: float, max_dot: float) -> list[Seg]:
    from .claims import highest_dead

    summary = highest_dead(event)
    segs: list[Seg] = []
    for part in summary.sides:
        try:
            side = dataset.side(part.side)
            name, colour = side.short, side.colour
        except KeyError:
            name, colour = part.side, "#666666"
        d = round(_dot(part.value, max_dot), 2)
        tag = {"killed_or_missing": " k/m", "irrecoverable": " irr."}.get(part.category, "")
        text = f"{name} {claims_range(_side_claims(event, part.side, part.category))}{tag}"
        if segs:
            segs.append(Seg("  ", ts.small, width=measure("  ", ts.small)))
        segs.append(Seg(dot=d, ring=part.contested, colour=colour, width=d + 2.0))
        segs.append(Seg(text, ts.small, colour=INK, width=measure(text, ts.small)))
    return segs


def _dot(value: float | None, max_dot: float) -> float:
    """A loss dot's diameter (pt): the charts' marker rule (charts.common.marker_diameter, logarithmic in
    the claim) at this type scale, so the poster's size key and the briefing's agree."""
    from .charts.common import marker_diameter

    return marker_diameter(value, max_dot / DOT_FULL)


def _side_claims(event, side_id: str, category: str) -> tuple:
    for s in event.sides:
        if s.side == side_id:
            return s.losses.get(category) or ()
    return ()


def claims_range(claims) -> str:
    """What the full-scope claims say, compactly: "37" when they agree, "6,831–9,703*" when claimants
    disagree (the lowest and highest figure claimed; "+" after an at-least or more-than figure, "≤" before
    an at-most one, "c." before an about one)."""
    from .claims import contested, full_scope

    claims = full_scope(claims)
    if not claims:
        return "?"
    lo = min(claims, key=lambda c: (c.low, c.high))
    hi = max(claims, key=lambda c: (c.high, c.low))

    def one(value: int, claim) -> str:
        return ({"about": "c. ", "at-most": "≤", "fewer-than": "<"}.get(claim.bound or "", "") + f"{value:,}"
                + ("+" if claim.bound in ("at-least", "more-than") else ""))

    if lo.low == hi.high:
        text = one(lo.low, lo)
    else:
        text = f"{one(lo.low, lo)}–{one(hi.high, hi)}"
    return text + ("*" if contested(claims) else "")


def _wrap_segs(segs: list[Seg], width: float, size: float) -> list[Line]:
    """Loss runs (dot, figure) wrapped as units; the spacer between two units is dropped at a break."""
    units, cur = [], []
    for seg in segs:
        if not seg.dot and not seg.text.strip() and cur:  # spacer: closes a unit
            units.append(cur)
            cur = [seg]
        else:
            cur.append(seg)
    if cur:
        units.append(cur)
    lines: list[list[Seg]] = []
    for unit in units:
        body = [u for u in unit if u.dot or u.text.strip()]
        if lines and sum(x.width for x in lines[-1]) + sum(x.width for x in unit) <= width:
            lines[-1].extend(unit)
        else:
            lines.append(body)
    return [Line(tuple(ln), max(size * 1.3, max((x.dot for x in ln), default=0.0) + 1.5), size) for ln in lines]


NAME_SEPARATOR = "\u00a0·\u00a0"


def _name_line(measure, parts: list[tuple[str, str | None]], ts: TypeScale) -> Line:
    """One line of "date · name · name" runs, each name a run of its own language."""
    segs: list[Seg] = []
    for i, (text, lang) in enumerate(parts):
        if i:  # in the Latin face (a CJK face sets a full-width dot); no-break spaces, which SVG keeps
            segs.append(Seg(NAME_SEPARATOR, ts.text, "normal", MUTED, width=measure(NAME_SEPARATOR, ts.text)))
        segs.append(Seg(text, ts.text, "normal", MUTED, width=measure(text, ts.text), lang=lang))
    return Line(tuple(segs), ts.text * 1.28, ts.text)


def event_block(dataset, event, ts: TypeScale, measure, max_width: float, *, number: int | None,
                compact: bool, max_loss: float, max_dot: float, names: int = 2) -> Block:
    """The label of one event: title, date and native names, and (full mode) its loss dots."""
    title = f"{number} · {event.title}" if number is not None else event.title
    lines = text_lines(measure, title, ts.title, "bold", max_width, INK)
    if event.date.kind == "span":  # room for the span bar round the first line
        lines[0] = replace(lines[0], height=ts.title * 1.55)
    native = native_names(event, 1 if compact else names)
    names = [n.text for n in native]
    date = event.date.display()
    meta = " · ".join([date, *names])
    if measure(meta, ts.text) <= max_width:
        lines.append(_name_line(measure, [(date, None)] + [(n.text, n.lang) for n in native], ts))
    else:
        lines += text_lines(measure, date, ts.text, "normal", max_width, MUTED)
        if names and measure(" · ".join(names), ts.text) <= max_width:
            lines.append(_name_line(measure, [(n.text, n.lang) for n in native], ts))
        elif names:
            lines += text_lines(measure, " · ".join(names), ts.text, "normal", max_width, MUTED)
    if not compact:
        dots = _loss_dots(dataset, event, ts, measure, max_loss, max_dot)
        if dots:
            lines += _wrap_segs(dots, max_width, ts.small)
    return Block(tuple(lines))


def _scale(dataset, length: float, broken: bool = True):
    """The time axis: whole years, linear, except that runs of AXIS_BREAK_YEARS or more years without
    any event are squeezed (a broken axis, marked on the chart and stated in the legend)."""
    from .charts.layout import BrokenScale, Scale, empty_years, mark_extent

    first, last = dataset.years
    for e in dataset.events:  # the document span may be narrower than the data: never clip an event
        first, last = min(first, e.date.earliest.year), max(last, e.date.latest.year)
    gaps = empty_years([mark_extent(e.date) for e in dataset.events], first, last, AXIS_BREAK_YEARS) if broken else []
    if gaps:
        return BrokenScale(float(first), float(last + 1), length, tuple((float(a), float(b)) for a, b in gaps),
                           AXIS_BREAK_WIDTH)
    return Scale(float(first), float(last + 1), length)


def axis_breaks(scale) -> list[tuple[int, int]]:
    """The squeezed stretches of the poster's axis, as (first year, last year)."""
    return [(int(a), int(b) - 1) for a, b in getattr(scale, "gaps", ())]


def axis_break_text(scale) -> str:
    """The legend's sentence on the broken axis ("" when the axis is unbroken)."""
    from .charts.common import join_list, year_span

    breaks = axis_breaks(scale)
    if not breaks:
        return ""
    spans = join_list([year_span(a, b) for a, b in breaks])
    return (f"The time axis is broken at {spans} (marked //): no event falls in "
            f"{'that stretch' if len(breaks) == 1 else 'those stretches'}, so "
            f"{'it takes' if len(breaks) == 1 else 'they take'} less room than the other years.")


def _marks(events, ts: TypeScale, blocks: dict, losses: dict):
    from .charts.layout import Mark, mark_extent, significance

    pad = GLYPH * ts.factor / 2 + 0.5
    out = []
    for e in events:
        start, end = mark_extent(e.date)
        summary = losses[e.id]
        width = blocks[e.id].width if e.id in blocks else 0.0
        out.append(Mark(e.id, e.lane, start, end, width, pad=pad,
                        priority=significance(e.kind, summary.value, summary.contested),
                        bar=e.date.kind == "span" and e.date.start.precision == "day"))
    return out


def compact_rows(placements, heights: dict, gap: float = ROW_GAP) -> tuple[dict, float]:
    """Skyline compaction of a row layout: each block, row by row, moves up until it meets a block of an
    earlier row that shares some of its footprint. Rows never overlap in x within a row, so no two blocks
    overlap after it either. Returns ({id: top}, total height)."""
    placed: list[tuple[float, float, float]] = []  # (x0, x1, bottom)
    tops: dict[str, float] = {}
    bottom_all = 0.0
    for p in sorted(placements, key=lambda q: (q.row, q.footprint[0], q.id)):
        x0, x1 = p.footprint
        top = max((b + gap for a0, a1, b in placed if a0 < x1 + gap and x0 < a1 + gap), default=0.0)
        tops[p.id] = top
        bottom = top + heights[p.id]
        placed.append((x0, x1, bottom))
        bottom_all = max(bottom_all, bottom)
    return tops, bottom_all


def plan_chart(dataset, width: float, height: float, sheet_factor: float, measure, overview: bool = False
               ) -> ChartPlan:
    """Lay the chart out on a ``width`` × ``height`` pt area; see the module docstring for the rule."""
    from .charts.layout import DensityRule, Mark, apply_density, pack_lane, pack_lanes
    from .claims import highest_dead

    losses = {e.id: highest_dead(e) for e in dataset.events}
    max_loss = max((p.value for s in losses.values() for p in s.sides), default=0.0)
    lanes = lanes_of(dataset)
    lane_ids = [lid for lid, _ in lanes]
    scale = _scale(dataset, width - 4.0)
    numbers = event_numbers(dataset)

    def fixed_parts(ts: TypeScale):
        phase_marks = [Mark(p.id, "phases", *_extent(p.date), measure(p.name, ts.phase, "bold"), pad=1.0,
                            bar=True) for p in dataset.phases]
        phase_layout = pack_lane(phase_marks, scale, gap=4.0, label_gap=3.0) if phase_marks else None
        axis = ts.year * 1.7
        phase_rows = phase_layout.rows if phase_layout else 0
        fixed = 2 * axis + phase_rows * ts.phase * PHASE_ROW + 6.0 + len(lanes) * (ts.lane * LANE_HEADER + 4.0)
        return phase_layout, axis, phase_rows, fixed

    def plan_of(ts, overview, boxes, phase_layout, axis, phase_rows, labelled, max_dot):
        return ChartPlan(width, height, scale, ts, overview, boxes, phase_rows,
                         phase_layout.placements if phase_layout else [], axis, labelled, numbers, max_dot, max_loss)

    # Full mode: every event labelled. Attempts from the largest type down to the 7 pt floor; at each size
    # the full label first, then one native name on a wider line, then one name on a narrower line.
    factors = sorted({round(sheet_factor * k, 3) for k in (1.6, 1.4, 1.25, 1.12, 1.0, 0.9, 0.82)
                      if 8.5 * sheet_factor * k >= MIN_PT or k == 1.0}, reverse=True)
    variants = ((2, 150.0), (1, 230.0), (1, 150.0))
    # A lower bound first: every label holds at least its title and its date, at 7 pt or more; if even
    # that area exceeds the chart, no full attempt can succeed (this keeps 10,000 events fast).
    floor_area = sum(measure(e.title, MIN_PT, "bold") for e in dataset.events) * MIN_PT * 1.28 * 2
    if floor_area > width * (height - fixed_parts(TypeScale.at(0.0))[3]):
        factors = []
    for factor in (() if overview else factors):
        ts = TypeScale.at(factor)
        max_dot = DOT_FULL * factor
        phase_layout, axis, phase_rows, fixed = fixed_parts(ts)
        for names, line in variants:
            blocks = {e.id: event_block(dataset, e, ts, measure, line * max(1.0, factor), number=None,
                                        compact=False, max_loss=max_loss, max_dot=max_dot, names=names)
                      for e in dataset.events}
            if sum(b.width * (b.height + ROW_GAP) for b in blocks.values()) > width * (height - fixed):
                continue  # cannot fit even if packed without a gap: skip the packing
            layouts = pack_lanes(_marks(dataset.events, ts, blocks, losses), scale, lane_ids,
                                 gap=4.0 * factor, label_gap=2.5 * factor)
            if not all(p.labelled for lay in layouts.values() for p in lay.placements):
                continue
            boxes = []
            for lid, label in lanes:
                lay = layouts[lid]
                tops, content = compact_rows(lay.placements, {k: b.height for k, b in blocks.items()})
                boxes.append(LaneBox(lid, label, header=ts.lane * LANE_HEADER, content=content,
                                     placements=lay.placements, tops=tops, blocks=blocks))
            need = fixed + sum(b.content for b in boxes)
            if need <= height:
                return _finish(plan_of(ts, False, boxes, phase_layout, axis, phase_rows, len(dataset.events),
                                       max_dot), need)

    # The overview: density bands for all, labels for the most significant while room remains.
    ts = TypeScale.at(sheet_factor)
    max_width = 200.0 * max(1.0, ts.factor)
    max_dot = DOT_FULL * ts.factor
    phase_layout, axis, phase_rows, fixed = fixed_parts(ts)
    band = ts.small * 2.6
    room = height - fixed - band * len(lanes)
    candidates = []  # per lane: the events the density rule leaves to be drawn singly, and their blocks
    for lid, label in lanes:
        events = [e for e in dataset.events if e.lane == lid]
        shown_ids = set()
        if events:
            shown, _banded, _dense = apply_density(_marks(events, ts, {}, losses), DensityRule())
            shown_ids = {m.id for m in shown}
        shown_events = [e for e in events if e.id in shown_ids]
        blocks = {e.id: event_block(dataset, e, ts, measure, max_width, number=numbers[e.id], compact=True,
                                    max_loss=max_loss, max_dot=max_dot) for e in shown_events}
        candidates.append((lid, label, events, shown_events, blocks))

    # Labels in order of significance: first each lane's most significant event, then all the others over
    # the whole chart. An event gets its label if its lane, packed again with it, still leaves every lane
    # within the sheet; otherwise it stays in the band.
    def rank(ek):
        return _neg(significance_of(ek[0], losses)), ek[0].date.sort_key, ek[0].id

    pool = sorted(((e, k) for k, c in enumerate(candidates) for e in c[3]), key=rank)
    firsts = sorted((next(ek for ek in pool if ek[1] == k) for k in range(len(candidates))
                     if any(ek[1] == k for ek in pool)), key=rank)  # each lane's most significant event first
    pool = firsts + [ek for ek in pool if ek not in firsts]
    chosen: list[list] = [[] for _ in candidates]
    result: list[tuple[list, dict, float]] = [([], {}, 0.0) for _ in candidates]
    for e, k in pool:
        blocks = candidates[k][4]
        trial = sorted(chosen[k] + [e], key=lambda x: (x.date.sort_key, x.id))
        lay = pack_lane(_marks(trial, ts, blocks, losses), scale, gap=4.0 * ts.factor, label_gap=2.5 * ts.factor)
        if not all(p.labelled for p in lay.placements):
            continue
        tops, content = compact_rows(lay.placements, {e2.id: blocks[e2.id].height for e2 in trial})
        if sum(r[2] for r in result) - result[k][2] + content <= room:
            chosen[k].append(e)
            result[k] = (lay.placements, tops, content)
    boxes, labelled = [], 0
    for k, (lid, label, events, _shown, blocks) in enumerate(candidates):
        placements, tops, content = result[k]
        drawn = {p.id for p in placements}
        boxes.append(LaneBox(lid, label, header=ts.lane * LANE_HEADER, band=band, content=content,
                             placements=placements, tops=tops, blocks=blocks,
                             banded=[e for e in events if e.id not in drawn]))
        labelled += len(placements)
    need = fixed + sum(b.content + b.band for b in boxes)
    return _finish(plan_of(ts, True, boxes, phase_layout, axis, phase_rows, labelled, max_dot), need)


def significance_of(event, losses: dict) -> tuple:
    from .charts.layout import significance

    summary = losses[event.id]
    return significance(event.kind, summary.value, summary.contested)


def _neg(priority: tuple) -> tuple:
    return tuple(-x for x in priority)


def _extent(date):
    from .charts.layout import mark_extent

    return mark_extent(date)


def _finish(plan: ChartPlan, need: float) -> ChartPlan:
    """Give the spare height to the lanes (evenly), so the chart fills its box."""
    spare = max(0.0, plan.height - need)
    for b in plan.lanes:
        b.spare = spare / max(1, len(plan.lanes))
    plan.content_height = need
    return plan


# --- drawing the chart ------------------------------------------------------------------------------



def _baseline(centre: float, size: float) -> float:
    """Baseline that centres a line's lower-case and capital letters on ``centre`` (y grows downwards)."""
    return centre + 0.36 * size


def draw_chart(plan: ChartPlan, dataset, project) -> bytes:
    """The planned chart as SVG bytes (live text, fonts by family name)."""
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Circle, Rectangle

    from .charts import style

    preset = style.Preset("poster", plan.width / 72, plan.height / 72, True, plan.type.text, plan.type.small,
                          plan.type.title, 300, 1.0, plan.type.title * 1.3, "none")
    with style.chart_context(project, preset), style.glyph_guard(style.char_locator(dataset)):
        fig = style.new_figure(preset)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, plan.width)
        ax.set_ylim(plan.height, 0)
        ax.set_axis_off()
        ts, sc = plan.type, plan.scale
        x_of = lambda v: 2.0 + sc.to_phys(v)  # noqa: E731
        lines: list = []  # (segments, width, colour, style, zorder) batches

        def seg(x0, y0, x1, y1, lw=0.6, colour=INK, ls="solid", z=3):
            lines.append(((x0, y0), (x1, y1), lw, colour, ls, z))

        def text(x, y, s, size, weight="normal", colour=INK, ha="left", z=5):
            ax.text(x, y, s, fontsize=size, fontweight=weight, color=colour, ha=ha, va="baseline", zorder=z)

        events = {e.id: e for e in dataset.events}
        measure = _measure_for(style.fonts_dir(project))
        # Year axes, top and bottom, and the year grid.
        first, last = int(sc.x0), int(sc.x1)
        lanes_top = plan.axis + plan.phase_rows * ts.phase * PHASE_ROW + 3.0
        lanes_bottom = plan.height - plan.axis - 3.0
        broken = {y for a, b in axis_breaks(sc) for y in range(a, b + 1)}
        labelled = year_labels(sc, measure, ts.year)
        for y_axis in (0.0, plan.height - plan.axis):
            edge = y_axis + (plan.axis if y_axis == 0.0 else 0.0)
            base = _baseline(y_axis + plan.axis / 2 - (1.5 if y_axis == 0 else -1.5), ts.year)
            seg(x_of(first), edge, x_of(last), edge, 0.8, INK, z=4)
            tick = 4.0 if y_axis == 0.0 else -4.0
            for year in range(first, last + 1):
                if year in broken and year - 1 in broken:
                    continue  # inside a squeezed stretch: no tick
                seg(x_of(year), edge - tick, x_of(year), edge, 0.8, INK, z=4)
                if year in labelled:
                    text((x_of(year) + x_of(year + 1)) / 2, base, str(year), ts.year, "bold", INK, "center")
            for a, b in axis_breaks(sc):  # the break mark: a white gap in the axis line, two slashes
                xa, xb = x_of(a), x_of(b + 1)
                mid, half = (xa + xb) / 2, min(3.0, (xb - xa) / 4)
                seg(mid - half - 1.2, edge, mid + half + 1.2, edge, 2.4, "white", z=4.5)
                for dx in (-half, half):
                    seg(mid + dx - 1.5, edge + 3.0, mid + dx + 1.5, edge - 3.0, 0.8, INK, z=5)
                span = f"{a}–{b}"
                if measure(span, ts.small) + 4 <= xb - xa:
                    text(mid, base, span, ts.small, "normal", MUTED, "center")
        for year in range(first, last + 1):
            if not (year in broken and year - 1 in broken):
                seg(x_of(year), lanes_top, x_of(year), lanes_bottom, 0.4, FAINT, z=1)

        # Phases: bands behind the lanes, a bracket and a name in the phase rows.
        fills = style.PHASE_FILLS
        for i, ph in enumerate(dataset.phases):
            a, b = _extent(ph.date)
            ax.add_patch(Rectangle((x_of(a), lanes_top), x_of(b) - x_of(a), lanes_bottom - lanes_top,
                                   facecolor=fills[i % 2], edgecolor="none", zorder=0))
        row_h = ts.phase * PHASE_ROW
        for p in plan.phase_placements:
            ph = dataset.phase(p.id)
            a, b = _extent(ph.date)
            y = plan.axis + p.row * row_h + row_h * 0.72
            seg(x_of(a), y, x_of(b), y, 0.8, MUTED, z=3)
            seg(x_of(a), y, x_of(a), y - 4, 0.8, MUTED, z=3)
            seg(x_of(b), y, x_of(b), y - 4, 0.8, MUTED, z=3)
            if p.labelled:
                lx = 2.0 + sc.to_phys(p.label_x)
                base = y - 2.5 if p.side == "inside" else _baseline(y - 2, ts.phase)
                text(lx, base, ph.name, ts.phase, "bold", MUTED, p.ha)

        # Lanes.
        y = lanes_top
        band_max = max((n for b in plan.lanes for *_, n in _bins(b.banded, sc)), default=1)
        for box in plan.lanes:
            box.top = y
            seg(0, y, plan.width, y, 0.8, "#888888", z=2)
            text(2.0, _baseline(y + box.header / 2 + 1, ts.lane), box.label, ts.lane, "bold", INK)
            if plan.overview:
                w_label = measure(box.label, ts.lane, "bold")
                extra = f"{len(box.placements) + len(box.banded)} events · {len(box.placements)} labelled"
                if box.banded:
                    extra += f" · {len(box.banded)} in the band below (events per month; tallest bar {band_max})"
                text(2.0 + w_label + 8, _baseline(y + box.header / 2 + 1, ts.small), extra, ts.small, "normal", MUTED)
            yb = y + box.header
            if box.band:
                seg(x_of(first), yb + box.band - 1, x_of(last), yb + box.band - 1, 0.4, MUTED, z=2)
                for a, b, n in _bins(box.banded, sc):
                    h = (box.band - 3) * n / band_max
                    ax.add_patch(Rectangle((x_of(a), yb + box.band - 1 - h), max(0.6, x_of(b) - x_of(a) - 0.3), h,
                                           facecolor=BAND_FILL, edgecolor="none", zorder=3))
            for p in box.placements:
                ev = events[p.id]
                block = box.blocks[p.id]
                top = yb + box.band + 2.0 + box.tops[p.id]
                centre = top + block.lines[0].height / 2
                _draw_date(ax, seg, ev.date, ev.kind, x_of, centre, ts)
                lx = 2.0 + sc.to_phys(p.label_x)
                _draw_block(ax, block, lx, top, p.ha, Circle)
            y += box.height
        by_style: dict = {}
        for a, b, lw, colour, ls, z in lines:
            by_style.setdefault((lw, colour, ls, z), []).append((a, b))
        for (lw, colour, ls, z), segs in sorted(by_style.items(), key=lambda kv: (kv[0][3], str(kv[0]))):
            ax.add_collection(LineCollection(segs, linewidths=lw, colors=colour, linestyles=ls, zorder=z,
                                             capstyle="butt"))
        svg = style.save_bytes(fig, "svg", title=dataset.document.title)
    return svg


def year_labels(scale, measure, size: float) -> set[int]:
    """The years whose labels the axis sets: every year when a year is wide enough for its label, else
    every 2nd, 5th, 10th… (never two labels running together); none inside a squeezed stretch."""
    first, last = int(scale.x0), int(scale.x1)
    broken = {y for a, b in axis_breaks(scale) for y in range(a, b + 1)}
    years = [y for y in range(first, last) if y not in broken]
    if not years:
        return set()
    room = min(scale.to_phys(y + 1) - scale.to_phys(y) for y in years)
    need = max(measure(str(y), size, "bold") for y in years) * 1.3
    step = next((k for k in (1, 2, 5, 10, 20, 25, 50, 100, 250, 500, 1000) if k * room >= need), 1000)
    return {y for y in years if y % step == 0 or step == 1}


def _bins(events, sc):
    from .charts.layout import Mark, density_bins, mark_extent

    marks = [Mark(e.id, e.lane, *mark_extent(e.date), 0.0) for e in events]
    return density_bins(marks, sc.x0, sc.x1, 12)


def _draw_date(ax, seg, date, kind: str, x_of, centre: float, ts: TypeScale) -> None:
    """The date at its real precision: a marker for a known day (shape and fill by kind, as in the charts),
    a bar for a known span, a whisker |—| over the range an imprecise end may fall in, hollow when
    approximate or uncertain, dashed for "a or b"."""
    from matplotlib.patches import Circle, Rectangle, RegularPolygon

    from .charts.common import KIND_FILLS, KIND_MARKERS
    from .charts.layout import decimal_year
    from .charts.timeline import BAR_EDGE, BAR_FACE

    f = ts.factor
    r = GLYPH * f / 2
    cap = ts.title * 0.55

    def x_day(d: dt.date, end: bool = False) -> float:
        return x_of(decimal_year(d + dt.timedelta(days=1)) if end else decimal_year(d))

    def whisker(a: float, b: float, dashed=False):
        seg(a, centre, b, centre, 0.9 * f, INK, "dashed" if dashed else "solid", z=4)
        seg(a, centre - cap / 2, a, centre + cap / 2, 0.9 * f, INK, z=4)
        seg(b, centre - cap / 2, b, centre + cap / 2, 0.9 * f, INK, z=4)

    def dot(x: float, hollow: bool):
        style = {"facecolor": "white" if hollow else KIND_FILLS.get(kind, INK), "edgecolor": INK,
                 "linewidth": 0.8 * f, "zorder": 6}
        shape = KIND_MARKERS.get(kind, "o")
        if shape == "D":
            ax.add_patch(RegularPolygon((x, centre), 4, radius=r * 1.25, **style))
        elif shape == "s":
            ax.add_patch(Rectangle((x - r * 0.9, centre - r * 0.9), r * 1.8, r * 1.8, **style))
        else:
            ax.add_patch(Circle((x, centre), r, **style))

    s, e = date.start, date.end
    if date.kind == "choice":
        whisker(x_day(s.earliest), x_day(e.latest, True), dashed=True)
        dot((x_day(s.earliest) + x_day(s.latest, True)) / 2, True)
        dot((x_day(e.earliest) + x_day(e.latest, True)) / 2, True)
        return
    if date.kind == "moment":
        a, b = x_day(s.earliest), x_day(s.latest, True)
        if s.precision != "day":
            whisker(a, b)
        dot((a + b) / 2, s.precision != "day" or s.approximate or s.uncertain)
        return
    # A span: the part it surely covers as a bar, imprecise ends as whiskers.
    a = x_day(s.latest, True) if s.precision != "day" else x_day(s.earliest)
    b = x_day(e.earliest) if e.precision != "day" else x_day(e.latest, True)
    if s.precision != "day":
        whisker(x_day(s.earliest), x_day(s.latest, True))
    if e.precision != "day":
        whisker(x_day(e.earliest), x_day(e.latest, True))
    height = ts.title * 1.45
    if b - a < 2.0:
        mid = (a + b) / 2
        a, b = mid - 1.0, mid + 1.0
    qualified = date.qualified
    ax.add_patch(Rectangle((a, centre - height / 2), b - a, height, facecolor=BAR_FACE,
                           edgecolor=BAR_EDGE, linewidth=0.7 * f, linestyle="dashed" if qualified else "solid",
                           zorder=3))


def _draw_block(ax, block: Block, x: float, top: float, ha: str, Circle) -> None:
    import matplotlib

    from .charts.style import stack_for_lang

    stack = tuple(matplotlib.rcParams["font.family"])
    y = top
    for line in block.lines:
        centre = y + line.height / 2
        cx = x if ha == "left" else x - line.width
        for s in line.segs:
            if s.dot:
                ax.add_patch(Circle((cx + s.dot / 2 + 0.5, centre), s.dot / 2, facecolor=s.colour,
                                    edgecolor=INK if s.ring else "none", linewidth=1.0 if s.ring else 0,
                                    zorder=6))
            elif s.text.strip():
                family = {"fontfamily": list(stack_for_lang(stack, s.lang, first=True))} if s.lang else {}
                ax.text(cx, _baseline(centre, s.size), s.text, fontsize=s.size, fontweight=s.weight,
                        color=s.colour, ha="left", va="baseline", zorder=7, **family)
            cx += s.width
        y += line.height


# --- the poster document ----------------------------------------------------------------------------

@dataclass(frozen=True)
class SheetLayout:
    """The poster page in millimetres: margins, title block, chart box, legend and source line."""

    name: str
    width: float
    height: float
    factor: float  # sheet width / A3 width: type and furniture scale with it
    margin: float
    header: float
    legend: float
    source: float
    gap: float
    banner: float = 0.0  # the overview note above the chart (0: none)

    @property
    def chart_width(self) -> float:
        return self.width - 2 * self.margin

    @property
    def chart_height(self) -> float:
        # 1 mm spare: rounding in the page layout must never push the source line onto a second sheet.
        banner = self.banner + self.gap if self.banner else 0.0
        return self.height - 2 * self.margin - self.header - self.legend - self.source - 3 * self.gap - banner - 1.0

    def pt(self, size: float, floor: float = MIN_PT) -> float:
        return round(max(floor, size * self.factor), 2)


def sheet_layout(name: str) -> SheetLayout:
    from .tiles import sheet_mm

    w, h = sheet_mm(name, landscape=True)
    f = w / 420.0
    pt = lambda base: max(MIN_PT, base * f) / MM  # noqa: E731 — mm per line of that size
    header = pt(20) * 1.25 + pt(9.5) * 1.45 + 1.5
    legend = pt(8.5) * 1.6 + pt(7.5) * 1.32 * 8.6
    return SheetLayout(name, w, h, f, 8.0 * max(1.0, math.sqrt(f)), header, legend, pt(7.5) * 1.45, 2.0 * max(1.0, f))


def _legend(ctx, plan: ChartPlan) -> dict:
    from .claims import HIGHEST_DEAD_RULE, HIGHEST_DEAD_SHORT, highest_dead

    ds = ctx.dataset
    used = {p.side for e in ds.events for p in highest_dead(e).sides}
    sides = [{"name": s.name, "short": s.short, "colour": s.colour, "in_losses": s.id in used} for s in ds.sides]
    phases = [{"name": p.name, "date": p.date.display()} for p in ds.phases]
    lanes = [label for _, label in lanes_of(ds)]
    from .charts.common import KIND_FILLS, KIND_LABELS, KIND_MARKERS, kinds_present

    kinds = [{"label": KIND_LABELS.get(k, k), "fill": KIND_FILLS.get(k, INK), "shape": KIND_MARKERS.get(k, "o")}
             for k in kinds_present(ds)]
    from .charts.measures import claimed_dead, reference_values

    scale = [{"value": f"{v:,}", "d": round(_dot(v, plan.max_dot), 2)}
             for v in reference_values(claimed_dead(ds))]
    return {"sides": sides, "phases": phases, "lanes": lanes, "loss_rule": HIGHEST_DEAD_RULE,
            "axis_break": axis_break_text(plan.scale),
            "kinds": kinds, "dot_scale": scale, "size_key": HIGHEST_DEAD_SHORT}


def overview_note(plan: ChartPlan, n_events: int, sheet_label: str) -> str:
    from .charts.layout import DensityRule

    return (f"This data set has {n_events:,} events — more than fit as full labels on one {sheet_label} sheet "
            f"with type of at least {MIN_PT:g} pt. So, by rule: every event without a label is counted in its "
            f"lane's density band (grey bars: events per month). {DensityRule().describe()} Labels go, while "
            f"they fit, first to the most significant event of each lane, then to the most significant of the "
            f"rest: {plan.labelled:,} are labelled here, each with its index number. All {n_events:,} events are listed by number, date and title in the "
            f"index on the following sheets.")


INDEX_COLUMN = 72.0  # mm: the narrowest index column


@dataclass(frozen=True)
class IndexLayout:
    """The index of every event, set in Python (lines measured with the bundled fonts) so WeasyPrint only
    places lines: sheets → columns → entries → lines. Sizes in pt."""

    sheets: tuple
    columns: int
    column_width: float  # mm
    size: float
    leading: float
    indent: float  # mm, room for the number
    gap: float  # mm between columns
    top: float  # mm from the sheet's top margin to the first line


def index_layout(dataset, sheet: SheetLayout, measure) -> IndexLayout:
    lanes = dict(lanes_of(dataset))
    size = max(MIN_PT, 7.5 * sheet.factor)
    leading = round(size * 1.3, 2)
    gap = 5.0 * sheet.factor
    columns = max(1, int((sheet.chart_width + gap) // (INDEX_COLUMN + gap)))
    column_width = (sheet.chart_width - gap * (columns - 1)) / columns
    indent = 8.0 * sheet.factor
    heading = max(MIN_PT, 12 * sheet.factor) * 1.4 + 1.5 * sheet.factor * MM
    top = heading / MM + 1.0
    usable = (sheet.height - 2 * sheet.margin - top) * MM - 2.0
    per_column = max(1, int(usable // leading))
    width = (column_width - indent) * MM * 0.97
    sheets, columns_now, column, used = [], [], [], 0
    for i, e in enumerate(dataset.events, 1):
        names = " · ".join(short_names(e, 1))
        text = " · ".join(x for x in (e.date.display(), e.title, names) if x) + f" [{lanes.get(e.lane, e.lane)}]"
        lines = wrap(measure, text, size, "normal", width)
        if used + len(lines) > per_column and column:
            columns_now.append(column)
            column, used = [], 0
            if len(columns_now) == columns:
                sheets.append(columns_now)
                columns_now = []
        column.append({"n": i, "lines": lines})
        used += len(lines)
    if column:
        columns_now.append(column)
    if columns_now:
        sheets.append(columns_now)
    return IndexLayout(tuple(sheets), columns, column_width, size, leading, indent, gap, round(top, 3))


def _alt_text(dataset, plan: ChartPlan) -> str:
    first, last = int(plan.scale.x0), int(plan.scale.x1) - 1
    lanes = "; ".join(label for _, label in lanes_of(dataset))
    phases = "; ".join(f"{p.name} ({p.date.display()})" for p in dataset.phases)
    from .charts.common import plural, year_span

    return (f"Timeline of {plural(len(dataset.events), 'event')}, {year_span(first, last)}, in lanes: {lanes}."
            + (f" Phases: {phases}." if phases else ""))


def render_poster(ctx, size: str | None = None) -> tuple[bytes, SheetLayout, ChartPlan]:
    """The poster PDF (chart sheet, plus index sheets when the overview rule applies)."""
    from .fonts import check_glyphs
    from .tiles import SHEET_LABELS

    check_glyphs(ctx.dataset, _fonts_dir(ctx))  # a name no bundled font can draw fails here, by record
    size = (size or ctx.options.poster_size or "a3").lower()
    sheet = sheet_layout(size)
    sheet_label = f"{SHEET_LABELS[size]} landscape"
    n = len(ctx.dataset.events)
    plan = plan_chart_in_style(ctx, sheet)
    note = ""
    if plan.overview:  # the rule is stated in a banner over the chart; the chart gives up that height
        longest = overview_note(replace(plan, labelled=n), n, sheet_label)
        sheet = replace(sheet, banner=banner_height(ctx, sheet, longest))
        plan = plan_chart_in_style(ctx, sheet, overview=True)
        note = overview_note(plan, n, sheet_label)
    svg = draw_chart(plan, ctx.dataset, ctx.project)
    index = index_layout(ctx.dataset, sheet, _measure_for(_fonts_dir(ctx))) if plan.overview else None
    plan.sheets = 1 + (len(index.sheets) if index else 0)
    pdf = _render(ctx, "poster.html.j2", f"timeline-poster.pdf ({sheet_label})", **_common(ctx),
                  sheet=sheet, sheet_label=sheet_label, size=size, chart_uri=_data_uri(svg),
                  alt=_alt_text(ctx.dataset, plan), legend=_legend(ctx, plan), note=note, plan=plan,
                  index=index)
    return pdf, sheet, plan


def plan_chart_in_style(ctx, sheet: SheetLayout, overview: bool = False) -> ChartPlan:
    """The chart plan for a sheet's chart box, measured in the bundled fonts."""
    return plan_chart(ctx.dataset, sheet.chart_width * MM, sheet.chart_height * MM, sheet.factor,
                      _measure_for(_fonts_dir(ctx)), overview=overview)


def _measure_for(fonts_dir: Path) -> Measure:
    """One Measure per fonts folder and fonts.json version (a watch loop may swap the fonts)."""
    stamp = (Path(fonts_dir) / "fonts.json").stat().st_mtime_ns
    return _cached_measure(Path(fonts_dir), stamp)


@functools.lru_cache(maxsize=4)
def _cached_measure(fonts_dir: Path, stamp: int) -> Measure:
    return Measure(fonts_dir)


def banner_height(ctx, sheet: SheetLayout, note: str) -> float:
    """Height (mm) of the banner that states the overview rule, from the note's measured length."""
    size = max(MIN_PT, 8.0 * sheet.factor)
    heading = max(MIN_PT, 9.0 * sheet.factor)
    text_w = sheet.chart_width * MM - 2 * 3.0 * sheet.factor * MM  # padding inside the banner
    words = measure_lines(_measure_for(_fonts_dir(ctx)), note, size, text_w)
    return round((heading * 1.35 + words * size * 1.35) / MM + 2 * 1.2 * sheet.factor + 1.0, 2)


def measure_lines(measure, text: str, size: float, width: float) -> int:
    return len(wrap(measure, text, size, "normal", width * 0.97))


def build_poster(ctx) -> None:
    """Write timeline-poster.pdf (and timeline-poster-tiles.pdf with ``--tile``) into the staging folder."""
    pdf, sheet, plan = render_poster(ctx)
    write_atomic(ctx.stage / "timeline-poster.pdf", pdf)
    mode = "overview (density bands, index)" if plan.overview else "every event labelled"
    ctx.log.info(f"timeline-poster.pdf: {sheet.name.upper()} landscape, {plan.sheets} sheet(s), {mode}, "
                 f"{plan.labelled:,} of {len(ctx.dataset.events):,} events labelled, type ≥ {plan.type.small:g} pt")
    if ctx.options.tile:
        tiles = render_tiles(ctx, pdf, sheet, plan.sheets)
        write_atomic(ctx.stage / "timeline-poster-tiles.pdf", tiles)


def render_tiles(ctx, poster_pdf: bytes, sheet: SheetLayout, sheets: int, overlap_mm: float = 10.0) -> bytes:
    """The poster split across ``ctx.options.tile`` pages (A4 or Letter) with ``overlap_mm`` shared."""
    from .tiles import overlay_context, plan_tiles, tile_pdf

    plan = plan_tiles(sheet.width * MM, sheet.height * MM, ctx.options.tile, overlap_mm=overlap_mm)
    overlay = _render(ctx, "tiles.html.j2", "timeline-poster-tiles.pdf", language=_common(ctx)["language"],
                      **overlay_context(plan, sheets, ctx.dataset.document.title))
    return tile_pdf(poster_pdf, overlay, plan)


# --- the handout ------------------------------------------------------------------------------------

PAPER_MM = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
HANDOUT_MARGIN = 13.0  # mm


STRIP_ROWS = 3  # rows of glyphs per lane on the handout's strip (the lane's name sits in the first)
LABEL_CLEAR = 6.0  # pt between a lane's name and the first glyph in its row on the strip


def draw_strip(dataset, chosen: list, width: float, project) -> tuple[bytes, bool, float]:
    """The compact arc for the handout: year axis, phases, every event as a small glyph on its lane (a lane
    too crowded for that shows its events per month as bars), the chosen events marked by their number.
    Returns (SVG bytes with live text, whether some lane was drawn as a band, height in pt)."""
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Circle, Rectangle

    from .charts import style
    from .charts.layout import Mark, density_bins, mark_extent, pack_lane

    size = MIN_PT
    measure = _measure_for(style.fonts_dir(project))
    sc = _scale(dataset, width - 4.0, broken=False)  # the handout's strip keeps a linear axis (no break marks)
    phase_marks = [Mark(p.id, "phases", *mark_extent(p.date), measure(p.name, size), pad=0.5, bar=True)
                   for p in dataset.phases]
    phase_lay = pack_lane(phase_marks, sc, gap=3.0, label_gap=2.0, max_rows=2) if phase_marks else None
    lanes = lanes_of(dataset)
    row_h = size * 1.45
    numbers = {e.id: i for i, e in enumerate(chosen, 1)}
    lane_plans = []  # (lane id, label, events, dense, layout, height)
    for lid, label in lanes:
        events = [e for e in dataset.events if e.lane == lid]
        # Too many events to draw one by one: the numbered ones as glyphs, the rest as a monthly band.
        dense = len(events) > 0.5 * (STRIP_ROWS - 1) * (width / 4.0)
        marks = []
        for e in events:
            n = numbers.get(e.id)
            if dense and not n:
                continue
            w = measure(str(n), size, "bold") + 4.0 if n else 0.0
            prio = (1, -n) if n else (0, _loss_value(e) or -1.0)
            marks.append(Mark(e.id, lid, *mark_extent(e.date), w, pad=1.2, priority=prio))
        # The lane's name takes the start of the first row, with a clear gap (LABEL_CLEAR) before any glyph
        # in that row. pack_lane may use one overflow row beyond max_rows, so STRIP_ROWS is the most a lane
        # ever gets.
        reserved = [(0, 0.0, measure(label, size, "bold") + 2.0 + LABEL_CLEAR)]
        lay = pack_lane(marks, sc, gap=1.0, label_gap=1.0, max_rows=1 if dense else STRIP_ROWS - 1,
                        reserved=reserved) if marks else None
        rows = STRIP_ROWS if dense else max(1, lay.rows if lay else 1)
        lane_plans.append((lid, label, events, dense, lay, row_h * rows + 2.0))
    axis, prow = size * 1.7, size * 1.5
    top = axis + 2 + (phase_lay.rows if phase_lay else 0) * prow
    height = top + sum(lp[5] for lp in lane_plans) + 1.0
    preset = style.Preset("strip", width / 72, height / 72, True, size, size, size, 300, 1.0, 9.0, "none")
    with style.chart_context(project, preset), style.glyph_guard(style.char_locator(dataset)):
        fig = style.new_figure(preset)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, width)
        ax.set_ylim(height, 0)
        ax.set_axis_off()
        x_of = lambda v: 2.0 + sc.to_phys(v)  # noqa: E731
        segs: dict = {}

        def line(a, b, lw=0.5, colour=INK, z=3):
            segs.setdefault((lw, colour, z), []).append((a, b))

        def text(x, y, s, weight="normal", colour=INK, ha="left"):
            ax.text(x, _baseline(y, size), s, fontsize=size, fontweight=weight, color=colour, ha=ha,
                    va="baseline", zorder=6)

        first, last = int(sc.x0), int(sc.x1)
        step = max(1, math.ceil((last - first) * measure("0000", size, "bold") * 1.6 / (width - 4)))
        line((x_of(first), axis), (x_of(last), axis), 0.6)
        for year in range(first, last + 1):
            line((x_of(year), axis), (x_of(year), axis - 3), 0.6)
            if year < last and (year - first) % step == 0:
                text((x_of(year) + x_of(year + 1)) / 2 if step == 1 else x_of(year) + 1, axis / 2, str(year),
                     "bold", INK, "center" if step == 1 else "left")
        # Phases: shaded bands, names packed in rows above the lanes.
        bottom = height - 1
        for i, ph in enumerate(dataset.phases):
            a, b = mark_extent(ph.date)
            ax.add_patch(Rectangle((x_of(a), top), x_of(b) - x_of(a), bottom - top, facecolor=style.PHASE_FILLS[i % 2],
                                   edgecolor="none", zorder=0))
        for p in (phase_lay.placements if phase_lay else []):
            if p.labelled:
                ph = dataset.phase(p.id)
                y = axis + 2 + p.row * prow + prow / 2
                text(2.0 + sc.to_phys(p.label_x), y, ph.name, "normal", MUTED, p.ha)
        # Lanes: the name at the start of the first row, glyphs for all, numbers for the chosen.
        crowded = any(lp[3] for lp in lane_plans)
        y0 = top
        for lid, label, events, dense, lay, lane_h in lane_plans:
            line((0, y0), (width, y0), 0.4, "#999999", 2)
            # The name sits on a white ground, so neither a phase band nor a glyph runs through it.
            ax.add_patch(Rectangle((0.5, y0 + 1.0), measure(label, size, "bold") + 3.0, row_h, facecolor="white",
                                   edgecolor="none", zorder=1))
            text(2.0, y0 + 1.0 + row_h / 2, label, "bold", MUTED)
            if dense:
                bins = density_bins([Mark(e.id, lid, *mark_extent(e.date), 0.0) for e in events
                                     if e.id not in numbers], sc.x0, sc.x1, 12)
                peak = max((c for *_, c in bins), default=1)
                used = max(1, lay.rows if lay else 0)
                base, room = y0 + lane_h - 1.0, lane_h - 2.0 - row_h * used
                for a, b, c in (bins if room >= 3.0 else ()):
                    h = room * c / peak
                    ax.add_patch(Rectangle((x_of(a), base - h), max(0.5, x_of(b) - x_of(a) - 0.2), h,
                                           facecolor=BAND_FILL, edgecolor="none", zorder=3))
            for p in (lay.placements if lay else []):
                cy = y0 + 1.0 + row_h * (0.5 + p.row)
                a, b = p.glyph
                a, b = 2.0 + a + 1.2, 2.0 + b - 1.2
                if b - a < 1.6:
                    ax.add_patch(Circle(((a + b) / 2, cy), 1.2, facecolor=INK if p.id in numbers else "#777777",
                                        edgecolor="none", zorder=4))
                else:
                    ax.add_patch(Rectangle((a, cy - 1.2), b - a, 2.4, facecolor=INK if p.id in numbers else "#777777",
                                           edgecolor="none", zorder=4))
                if p.labelled and p.id in numbers:
                    n = numbers[p.id]
                    lx = 2.0 + sc.to_phys(p.label_x)
                    w = measure(str(n), size, "bold") + 4.0
                    x0 = lx if p.ha == "left" else lx - w
                    ax.add_patch(Rectangle((x0, cy - size * 0.62), w, size * 1.24, facecolor="white", edgecolor=INK,
                                           linewidth=0.5, zorder=5))
                    text(x0 + w / 2, cy, str(n), "bold", INK, "center")
            y0 += lane_h
        for (lw, colour, z), ss in sorted(segs.items(), key=lambda kv: (kv[0][2], str(kv[0]))):
            ax.add_collection(LineCollection(ss, linewidths=lw, colors=colour, zorder=z))
        return style.save_bytes(fig, "svg", title=f"{dataset.document.title}: the arc"), crowded, height


def handout_context(ctx, chosen: list, fights: int = HANDOUT_FIGHTS) -> dict:
    ds = ctx.dataset
    paper = _paper(ctx)
    w, h = PAPER_MM.get(paper, PAPER_MM["a4"])
    strip_w = w - 2 * HANDOUT_MARGIN
    svg, crowded, strip_h = draw_strip(ds, chosen, strip_w * MM, ctx.project)
    lanes = dict(lanes_of(ds))
    items = []
    for i, e in enumerate(chosen, 1):  # (the two columns are split by balance_columns, below)
        figures, more = dead_figures(ds, e)
        items.append({"n": i, "title": e.title, "names": " · ".join(short_names(e, 2)), "date": e.date.display(),
                      "kind": e.kind.replace("-", " "), "lane": lanes.get(e.lane, e.lane),
                      "place": _clip(e.place.name if e.place else "", 60),
                      "outcome": _clip(e.outcome, 150), "figures": figures, "more_sides": more})
    u = uncertainty(ds)
    from .charts.common import plural, year_span

    split = balance_columns([4 + len(it["figures"]) * 1.5 + len(it["names"] + it["title"]) / 45
                             + len(it["outcome"]) / 55 for it in items])

    first, last = int(_scale(ds, 1.0).x0), int(_scale(ds, 1.0).x1) - 1
    footer = f"{_common(ctx)['title']} · handout · edition {edition_text(ds)} · data revision {ds.revision or 'unversioned'}"
    return {**_common(ctx), "paper": paper, "footer": css_string(footer), "page_w": w, "page_h": h, "margin": HANDOUT_MARGIN,
            "strip_uri": _data_uri(svg), "strip_h": round(strip_h / MM, 3), "strip_w": strip_w, "crowded": crowded,
            "strip_alt": (f"The arc {year_span(first, last)}: {plural(len(ds.events), 'event')} on "
                          f"{plural(len(lanes), 'lane')}"
                          + (f", phases {', '.join(p.name for p in ds.phases)}" if ds.phases else "")
                          + "; the numbered events are listed below."),
            "summary": _first_paragraph(ds.document.summary, 560), "items": items,
            "columns": (items[:split], items[split:]),
            "rule": HANDOUT_RULE.format(fights=fights, diplomacy=HANDOUT_DIPLOMACY),
            "uncertain": uncertainty_line(ds), "u": u, "first_year": first, "last_year": last}


def balance_columns(heights: list[float]) -> int:
    """Where to split items (in reading order) into two columns so that the taller one is as short as
    possible: the handout's two columns are flex boxes (CSS columns cost WeasyPrint ~1.9 s here)."""
    if not heights:
        return 0
    return min(range(len(heights) + 1), key=lambda k: (max(sum(heights[:k]), sum(heights[k:])), -k))


def render_handout(ctx) -> bytes:
    """One page, always: if the chosen events overflow, the lowest-ranked fight is dropped (stated rule)."""
    from .errors import RenderError
    from .fonts import check_glyphs

    check_glyphs(ctx.dataset, _fonts_dir(ctx))

    for fights in range(HANDOUT_FIGHTS, -1, -1):
        chosen = key_events(ctx.dataset, fights, HANDOUT_DIPLOMACY)
        pdf = _render(ctx, "handout.html.j2", "handout.pdf", **handout_context(ctx, chosen, fights))
        if _page_count(pdf) == 1:
            return pdf
        ctx.log.info(f"handout.pdf: {len(chosen)} events overflow one page; trying {fights - 1} fights")
    raise RenderError("handout.pdf: even without any event the handout overflows one page")


def build_handout(ctx) -> None:
    """Write handout.pdf (exactly one page, A4 or Letter) into the staging folder."""
    write_atomic(ctx.stage / "handout.pdf", render_handout(ctx))
