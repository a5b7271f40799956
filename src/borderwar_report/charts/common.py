"""What every chart shares: its result record, the source line, kind glyphs, marker sizes, the legend row."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from borderwar_report.charts.measures import HIGHEST_DEAD_SHORT, format_count, highest_dead
from borderwar_report.charts.style import FAINT, INK, MUTED

KIND_MARKERS = {"battle": "o", "border-incident": "o", "diplomacy": "D", "context": "s"}
KIND_FILLS = {"battle": "#1A1A1A", "border-incident": "#5A5A5A", "diplomacy": "#8C8C8C", "context": "#B4B4B4"}
KIND_LABELS = {"battle": "battle", "border-incident": "border incident", "diplomacy": "diplomacy",
               "context": "context"}
FIGHTING = ("battle", "border-incident")  # the kinds for which a missing claim of dead is a gap worth saying
KIND_ORDER = ("battle", "border-incident", "diplomacy", "context")
# Noto Sans, in ems: half the capital height. Text set with va="baseline" this far below a glyph's centre
# line has its capitals centred on the glyph (va="center_baseline" sets it visibly low).
CAP_MIDDLE = 0.357
# What a marker's size shows, after the reference dots of the key (the same words on the poster).
SIZE_KEY_TEXT = f"{HIGHEST_DEAD_SHORT} (smallest: none claimed)"


@dataclass
class Chart:
    """A drawn chart and its words. ``fig`` is a matplotlib Figure (never pyplot)."""

    name: str
    fig: object
    title: str
    alt: str
    caption: str
    stats: dict = field(default_factory=dict)  # what the tests and benchmarks look at (counts, modes)
    source: str = ""  # the source line (drawn under a titled chart; the briefing's caption gives it otherwise)


def drawn_dead_claims(events) -> list:
    """The claims behind the markers of ``events``: each side's full-scope claims in the category its
    highest claim of dead comes from (measures.highest_dead), which size the marker and ring it."""
    from borderwar_report.records.claims import full_scope

    out = []
    for e in events:
        for d in highest_dead(e).sides:
            side = next(s for s in e.sides if s.side == d.side)
            out.extend(full_scope(side.losses.get(d.category, ())))
    return out


def cited_works(dataset, source_ids) -> list[str]:
    """Short labels ("Coox 1985") of the works in ``source_ids`` (one entry per use): the bibliography's
    order of evidence (official records, scholarly books, articles, … web pages), the most used first within
    a kind; a copy or translation counts as the work it reproduces (works, not copies, are cited)."""
    from borderwar_report.records.model import SOURCE_KINDS
    from borderwar_report.records.shortcite import short_labels

    by_id = {s.id: s for s in dataset.sources}
    uses: dict[str, int] = {}
    for sid in source_ids:
        work, seen = sid, {sid}
        while work in by_id and by_id[work].copy_of in by_id and by_id[work].copy_of not in seen:
            work = by_id[work].copy_of
            seen.add(work)
        uses[work] = uses.get(work, 0) + 1
    labels = short_labels(dataset.sources)
    rank = {k: i for i, k in enumerate(SOURCE_KINDS)}

    def order(w):
        return rank.get(by_id[w].kind, len(rank)), -uses[w], labels[w].casefold()

    return [labels[w] for w in sorted((w for w in uses if w in labels), key=order)]


def claim_works(claims) -> list[str]:
    """The works each claim was read in (one use per claim and work)."""
    return [sid for claim in claims for sid in dict.fromkeys(cs.source for cs in claim.sources)]


SOURCE_WORKS_UNTITLED = 4  # works named in a caption's source (the briefing cites them all in its notes)


def source_line(dataset, claims=(), fits=None, works=(), what: str = "figures as claimed in") -> str:
    """The source of a chart: the works whose claims (``claims``) or places (``works``: source ids) it draws,
    by short label (cited_works' order), and the document that cites them in full — "Source: figures as
    claimed in Coox 1985; Hedin 2019; and 14 other works; full citations in <document title>."
    ``fits(text) -> bool``: the line drawn under a chart, with the works that fit (in order, passing over
    one too long for the room left) and the rest counted;
    None: a caption's source for the document itself (at most SOURCE_WORKS_UNTITLED works, no title)."""
    from borderwar_report.records.dates import day_text

    doc = dataset.document
    edition = f"{doc.title} (edition {day_text(doc.edition)})"
    labels = cited_works(dataset, claim_works(claims) + list(works))
    if not labels:
        return f"Source: {edition}." if fits is not None else ""

    def text(shown: list[str]) -> str:
        rest = len(labels) - len(shown)
        listed = "; ".join(shown)
        if rest:
            listed += f"; and {plural(rest, 'other work')}" if shown else plural(rest, "work")
        return f"Source: {what} {listed}" + (f"; full citations in {doc.title}." if fits is not None else ".")

    if fits is None:
        return text(labels[:SOURCE_WORKS_UNTITLED])
    shown: list[str] = []
    for label in labels:  # in order, each work that still fits on the line (a long title may be passed over)
        if fits(text(shown + [label])):
            shown.append(label)
    return text(shown)


# The deck sets a chart's source as slide text under its picture, which it scales to about 0.78 of the slide's
# width below the title: the line is budgeted to this share of the untitled slide drawing's width.
DECK_SOURCE_SHARE = 0.74


def source_fits(fig, preset, size: float | None = None):
    """A ``fits`` for :func:`source_line`: one line at ``size`` (the preset's small size) within the
    figure's width; for the untitled slide drawing (the deck's picture), within the deck's source line
    (DECK_SOURCE_SHARE); None for the untitled print drawing, whose caption in the briefing gives the source."""
    from borderwar_report.charts.style import text_width_pt

    if not preset.titled and preset.name != "slides":
        return None
    width = fig.get_figwidth() * 72
    room = width - 2 * preset.margin if preset.titled else width * DECK_SOURCE_SHARE
    return lambda text: text_width_pt(fig, text, size or preset.small) <= room


def kinds_present(dataset) -> list[str]:
    seen = {e.kind for e in dataset.events}
    return [k for k in KIND_ORDER if k in seen] + sorted(seen - set(KIND_ORDER))


def marker_diameter(losses: float | None, scale: float) -> float:
    """Marker diameter in points: grows with log10 of the highest claim of dead; unknown = the smallest."""
    value = 0.0 if losses is None else max(0.0, losses)
    return scale * (3.2 + 1.6 * math.log10(1 + value))


def size_key_values(values) -> list[int]:
    """Round values for a marker-size key that spans the data: powers of ten from the one at or below the
    smallest positive value to the one at or below the largest, at most three (the ends and one between).
    Empty when no value is positive (then no size key is drawn)."""
    vals = [v for v in values if v is not None and v > 0]
    if not vals:
        return []
    lo, hi = math.floor(math.log10(min(vals))), math.floor(math.log10(max(vals)))
    if hi - lo <= 2:
        exps = list(range(lo, hi + 1))
    else:
        exps = [lo, (lo + hi + 1) // 2, hi]
    return [10 ** e for e in exps]


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def year_span(first: int, last: int) -> str:
    """ "1931–1945", or "1969" for a single year (never "1969–1969")."""
    return str(first) if first == last else f"{first}–{last}"


def year_text(event) -> str:
    return year_span(event.date.earliest.year, event.date.latest.year)


def join_list(items: list[str], limit: int = 6) -> str:
    items = list(items)
    if len(items) > limit:
        items = items[:limit] + [f"{len(items) - limit} more"]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def wrap_text(fig, text: str, size: float, width: float, max_lines: int = 99) -> list[str]:
    """Greedy word wrap by measured width; a cut last line ends with an ellipsis."""
    from borderwar_report.charts.style import text_width_pt

    lines, cur = [], ""
    for word in text.split():
        trial = f"{cur} {word}".strip()
        if cur and text_width_pt(fig, trial, size) > width:
            lines.append(cur)
            cur = word
        else:
            cur = trial
    if cur:
        lines.append(cur)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_width_pt(fig, last + "…", size) > width:
            last = last[:-1].rstrip()
        lines[-1] = last + "…"
    return lines


class LegendRow:
    """A legend laid out left to right in points, wrapping to new lines; drawn on an Axes in pt units
    (x right, y down). Items are (draw(ax, x, y) -> width_pt, text)."""

    def __init__(self, fig, preset, width_pt: float):
        from borderwar_report.charts.style import text_width_pt

        self.fig, self.preset, self.width = fig, preset, width_pt
        self.size = preset.small if preset.name == "print" else preset.size * 0.85
        self.line = self.size * 1.7
        self.items: list[tuple] = []
        self._measure = lambda s: text_width_pt(fig, s, self.size)

    def add(self, glyph_width: float, draw, text: str, gap_after: float | None = None) -> None:
        self.items.append((glyph_width, draw, text, gap_after))

    def add_size_key(self, values, kind_fill: str | None = None) -> None:
        """The marker-size key: one dot per reference value (measures.reference_values), then what the
        size shows."""
        sc = self.preset.scale
        for v in values:
            d = marker_diameter(v, sc)
            self.add(d, marker_glyph("o", d, kind_fill or KIND_FILLS["border-incident"], lw=0.6 * sc),
                     format_count(v), gap_after=self.size * 0.4)
        self.add(0, lambda ax, x, y: None, SIZE_KEY_TEXT if values else "no claim of dead in the data")

    def add_kinds(self, dataset) -> None:
        """One item per kind of event in the data, its marker as the timeline and the map draw it."""
        sc = self.preset.scale
        for kind in kinds_present(dataset):
            m = KIND_MARKERS.get(kind, "o")
            self.add(self.size * 1.1, marker_glyph(m, marker_diameter(100, sc) * (0.85 if m in "Ds" else 1),
                                                   KIND_FILLS.get(kind, INK), lw=0.6 * sc),
                     KIND_LABELS.get(kind, kind), gap_after=self.size * 0.6)

    def layout(self):
        pos, x, y = [], 0.0, self.line / 2
        for glyph_w, draw, text, gap in self.items:
            w = glyph_w + self.size * 0.35 + self._measure(text)
            if x > 0 and x + w > self.width:
                x, y = 0.0, y + self.line
            pos.append((x, y, glyph_w, draw, text))
            x += w + (gap if gap is not None else self.size * 1.3)
        return pos, y + self.line / 2

    @property
    def height(self) -> float:
        return self.layout()[1] if self.items else 0.0

    def draw(self, ax) -> None:
        pos, _ = self.layout()
        for x, y, glyph_w, draw, text in pos:
            draw(ax, x + glyph_w / 2, y)
            ax.text(x + glyph_w + self.size * 0.35, y + CAP_MIDDLE * self.size, text, ha="left", va="baseline",
                    fontsize=self.size, color=INK)


def pt_axes(fig, left_pt: float, top_pt: float, width_pt: float, height_pt: float):
    """An invisible Axes whose data units are points from its top-left corner (y grows down)."""
    W, H = fig.get_figwidth() * 72, fig.get_figheight() * 72
    ax = fig.add_axes((left_pt / W, 1 - (top_pt + height_pt) / H, width_pt / W, max(height_pt, 0.01) / H))
    ax.set_xlim(0, width_pt)
    ax.set_ylim(max(height_pt, 0.01), 0)
    ax.set_axis_off()
    return ax


def marker_glyph(marker: str, size: float, face: str, edge: str = INK, lw: float = 0.6, ls: str = "-"):
    def draw(ax, x, y):
        ax.scatter([x], [y], s=[size ** 2], marker=marker, facecolors=[face], edgecolors=[edge],
                   linewidths=lw, linestyles=ls, zorder=3, clip_on=False)
    return draw


def line_glyph(width: float, lw: float, color: str = MUTED, caps: bool = False, ls: str = "-"):
    def draw(ax, x, y):
        ax.plot([x - width / 2, x + width / 2], [y, y], color=color, lw=lw, ls=ls, clip_on=False,
                solid_capstyle="butt")
        if caps:
            for cx in (x - width / 2, x + width / 2):
                ax.plot([cx, cx], [y - lw * 2, y + lw * 2], color=color, lw=lw, clip_on=False)
    return draw


__all__ = ["Chart", "source_line", "kinds_present", "marker_diameter", "size_key_values", "LegendRow", "pt_axes", "FAINT"]
