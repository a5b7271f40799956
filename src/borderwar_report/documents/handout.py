"""The one-page handout (handout.pdf).

The rule: up to HANDOUT_FIGHTS battles/border incidents ranked by the highest claim of dead (an action inside a
chosen one's dates and lane is folded into it) and HANDOUT_DIPLOMACY diplomacy events with the most sources; if
that ever overflows one page, the lowest-ranked fight is dropped until it fits."""

from __future__ import annotations

import math

from borderwar_report.core.files import write_atomic
from borderwar_report.documents.poster import _baseline, _measure_for
from borderwar_report.documents.poster_plan import _scale
from borderwar_report.documents.sheets import (
    BAND_FILL,
    FIGHTING,
    HANDOUT_DIPLOMACY,
    HANDOUT_FIGHTS,
    HANDOUT_RULE,
    INK,
    MIN_PT,
    MM,
    MUTED,
    _common,
    _data_uri,
    _fonts_dir,
    _page_count,
    _paper,
    _render,
    claim_who,
    css_string,
    edition_text,
    lanes_of,
    short_names,
    uncertainty,
    uncertainty_line,
)

# --- the handout's selection rule ----------------------------------------------------------------

def _loss_value(event) -> float | None:
    from borderwar_report.records.claims import highest_dead

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
    from borderwar_report.records.claims import DEAD_PREFERENCE, agreement_text, spread
    from borderwar_report.records.model import category_label

    unattributed = dataset.unattributed
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
                         "high": high.display(), "high_who": claim_who(dataset, high),
                         "agreed_who": agreement_text(found.whole, lambda cid, claims=found.whole: claim_who(
                             dataset, next(c for c in claims if c.claimant == cid)), unattributed)})
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

    from borderwar_report.charts import style
    from borderwar_report.charts.layout import (
        Mark,
        density_bins,
        mark_extent,
        pack_lane,
    )

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
    from borderwar_report.charts.common import plural, year_span

    split = balance_columns([4 + len(it["figures"]) * 1.5 + len(it["names"] + it["title"]) / 45
                             + len(it["outcome"]) / 55 for it in items])

    first, last = int(_scale(ds, 1.0).x0), int(_scale(ds, 1.0).x1) - 1
    footer = f"{_common(ctx)['title']} · handout · edition {edition_text(ds)}"
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
    from borderwar_report.core.errors import RenderError
    from borderwar_report.core.fonts import check_glyphs

    check_glyphs(ctx.dataset, _fonts_dir(ctx))

    for fights in range(HANDOUT_FIGHTS, -1, -1):
        chosen = key_events(ctx.dataset, fights, HANDOUT_DIPLOMACY)
        pdf = _render(ctx, "handout.html.j2", "handout.pdf", keep_as="handout.pdf",
                      **handout_context(ctx, chosen, fights))
        if _page_count(pdf) == 1:
            return pdf
        ctx.log.info(f"handout.pdf: {len(chosen)} events overflow one page; trying {fights - 1} fights")
    raise RenderError("handout.pdf: even without any event the handout overflows one page")


def build_handout(ctx) -> None:
    """Write handout.pdf (exactly one page, A4 or Letter) into the staging folder."""
    write_atomic(ctx.stage / "handout.pdf", render_handout(ctx))
