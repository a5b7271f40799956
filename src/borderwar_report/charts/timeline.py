"""The arc timeline: phases as bands, events on lanes, dates at their real precision, labels that never
overlap (``layout.pack_lane``), density bands when a lane-year is crowded (``layout.DensityRule``).

Geometry is worked out in points first (rows, lanes, legend), then drawn on one Axes whose x unit is the
decimal year and whose y unit is the point, counted down from the top of the lanes.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace

from borderwar_report.charts import layout as L
from borderwar_report.charts.common import (
    CAP_MIDDLE,
    KIND_FILLS,
    KIND_MARKERS,
    Chart,
    LegendRow,
    join_list,
    line_glyph,
    marker_diameter,
    marker_glyph,
    plural,
    pt_axes,
    drawn_dead_claims,
    source_fits,
    source_line,
    wrap_text,
    year_span,
    year_text,
)
from borderwar_report.charts.measures import (
    claimed_dead,
    format_count,
    highest_dead,
    reference_values,
    value_range_words,
)
from borderwar_report.charts.style import (
    FAINT,
    INK,
    MM,
    MUTED,
    PHASE_FILLS,
    PRINT_MIN_PT,
    Preset,
    frame,
    new_figure,
    text_width_pt,
)

ONE_DAY = dt.timedelta(days=1)
# Noto Sans, in ems: how far a label's ink reaches below its row's centre line when its capitals are
# centred on it (common.CAP_MIDDLE, then the descenders: 0.357 + 0.24).
TEXT_BELOW = 0.6
# A label set on the row under its glyph is lifted this share of a row towards it, so that it reads with
# its own bar rather than with the glyph of the row below (the lift stays clear of the ink of the glyph's
# row while a row is at most 1.6 × the label size).
BELOW_LIFT = 0.15
# In print the timeline may grow taller than the other charts (mm) so that every event keeps its label.
PRINT_MAX_HEIGHT_MM = 160
# A phase's bracket lies this far below its name's baseline (ems): clear of the descenders (0.24).
PHASE_RULE_BELOW = 0.45
BAR_FACE = "#DADADA"
BAR_EDGE = "#7A7A7A"


def dy(day: dt.date) -> float:
    return L.decimal_year(day)


@dataclass
class _Item:
    event: object
    mark: L.Mark
    diameter: float
    contested: bool
    losses: float | None


@dataclass(frozen=True)
class _Room:
    """A lane's rows and the extra room its tall markers need (pt): above the first row, above the
    overflow row (``over``) of a squeezed lane, below the last row."""

    top: float
    over: int | None
    over_gap: float
    bottom: float

    def centre(self, lane_top: float, row: int, row_h: float) -> float:
        """The centre line of ``row``, counted from the lane's top line."""
        gap = self.over_gap if self.over is not None and row >= self.over else 0.0
        return lane_top + self.top + gap + (row + 0.5) * row_h

    def height(self, rows: int, row_h: float) -> float:
        return self.top + (self.over_gap if self.over is not None else 0.0) + rows * row_h + self.bottom


def _lanes(dataset) -> list[tuple[str, str]]:
    lanes = [(lane.id, lane.label) for lane in dataset.document.lanes]
    known = {lid for lid, _ in lanes}
    extra = sorted({e.lane for e in dataset.events} - known)
    return lanes + [(lid, lid) for lid in extra]


def make_timeline(dataset, project, preset: Preset, rule: L.DensityRule | None = None) -> Chart:
    """The timeline at the preset's label size; when that leaves a few events unlabelled, again in a
    taller print figure, then at smaller type (rows shrink with it), until every label fits or the
    ladder ends (the chart then says how many are unlabelled)."""
    ladder = label_ladder(preset)
    for i, attempt in enumerate(ladder):
        chart = _make_timeline(dataset, project, attempt, rule)
        few = chart.stats["unlabelled"] <= max(1, chart.stats["shown"] // 3)
        if chart.stats["unlabelled"] == 0 or not few or i == len(ladder) - 1:
            return chart
        chart.fig.clear()
    raise AssertionError("unreachable")  # pragma: no cover


def label_ladder(preset: Preset) -> list[Preset]:
    """The presets a timeline tries in turn: as given; in print, up to PRINT_MAX_HEIGHT_MM tall; then
    label type one and two steps smaller (never under the print floor), rows in proportion."""
    first = replace(preset, max_height=max(preset.max_height, PRINT_MAX_HEIGHT_MM * MM)) \
        if preset.name == "print" else preset
    out = [preset] if first == preset else [preset, first]
    floor = PRINT_MIN_PT if preset.name == "print" else preset.small
    for k in (0.9375, 0.875) if preset.name == "print" else (0.875, 0.75):
        size = max(floor, round(preset.size * k * 4) / 4)
        if size < out[-1].size:
            out.append(replace(first, size=size, row=preset.row * size / preset.size))
    return out


def _make_timeline(dataset, project, preset: Preset, rule: L.DensityRule | None = None) -> Chart:
    rule = rule or L.DensityRule()
    fig = new_figure(preset)
    W = fig.get_figwidth() * 72
    margin = preset.margin
    y0, y1 = dataset.years
    scale = L.Scale(float(y0), float(y1 + 1), W - 2 * margin)
    label_size = preset.size
    phase_size = preset.small if preset.name == "print" else preset.size * 0.85
    lane_size = preset.small if preset.name == "print" else preset.size * 0.85
    lanes = _lanes(dataset)
    lane_ids = [lid for lid, _ in lanes]

    # --- marks -------------------------------------------------------------------------------------
    ring = 1.3 * preset.scale
    reach = preset.row - TEXT_BELOW * label_size  # from a row's centre to the ink of the row above
    items: dict[str, _Item] = {}
    for ev in dataset.events:
        loss = highest_dead(ev)
        d = marker_diameter(loss.value, preset.scale)
        ink = d / 2 + (ring + 0.25 * preset.scale if loss.contested else 0.3 * preset.scale)  # with its outline
        pad = ink + (0.15 * preset.scale if loss.contested else 0.0)
        e0, e1 = L.mark_extent(ev.date)
        # A marker reaching the ink of the next rows' labels is "tall": it keeps them clear above and below it.
        mx = _marker_x(ev.date)
        tall = (mx - pad / scale.per_unit, mx + pad / scale.per_unit) if ink > reach else None
        # bar=False: a label is never set on a bar (its edges and whiskers would cross the text); it goes
        # beside the glyph, else on the next row under it (label_below)
        mark = L.Mark(ev.id, ev.lane, e0, e1, 0.0, pad, L.significance(ev.kind, loss.value, loss.contested),
                      tall=tall)
        items[ev.id] = _Item(ev, mark, d, loss.contested, loss.value)
    shown, banded, dense = L.apply_density([it.mark for it in items.values()], rule)
    # measure labels only for the events drawn individually
    shown = [replace(m, label_width=text_width_pt(fig, label_text(items[m.id].event, preset), label_size))
             for m in shown]
    banded_lanes = {m.lane for m in banded}

    phase_rows = _pack_phases(dataset, scale, fig, phase_size)
    lane_label = dict(lanes)
    reserve = {lid: [(0, 0.0, text_width_pt(fig, lane_label[lid], lane_size, "bold") + label_size)]
               for lid in lane_ids}

    # --- vertical budget (points) ------------------------------------------------------------------
    title_h = preset.title_height
    phase_row = phase_size * 1.75  # the name, then its band's bracket
    phase_h = max(len(phase_rows), 1) * phase_row + phase_size * 0.6  # descenders clear of the first lane
    band_text = preset.small
    band_h = band_text * 1.3 + preset.row * 0.7  # its caption line, then the histogram under it
    axis_h = preset.size * 0.9 * 2.0
    bottom_pad = preset.row * 0.25
    legend = _legend(fig, preset, dataset, W - 2 * margin, dense, rule)
    notes_line = preset.small * 1.45
    source_h = preset.source_height

    def fixed(n_notes: int) -> float:
        return (title_h + phase_h + band_h * len(banded_lanes) + axis_h + bottom_pad
                + legend.height + preset.small * 0.6 + n_notes * notes_line + source_h)

    gap = label_size * 0.5
    label_gap = label_size * 0.3
    limits: dict[str, int | None] = {}

    def pack(lid, max_rows=None):
        ms = [m for m in shown if m.lane == lid]
        limits[lid] = max_rows
        return L.pack_lane(ms, scale, gap=gap, label_gap=label_gap, max_rows=max_rows, reserved=reserve[lid],
                           label_below=True)

    def pack_squeezed(lid, n):
        """The lane in ``n`` rows: labels in all of them when that leaves no glyph over, else the last
        row kept for the glyphs without labels — whichever labels more."""
        full = pack(lid, n)
        if full.rows <= n and not full.unlabelled:
            return full
        spare = pack(lid, max(n - 1, 1))
        if full.rows <= n and len(full.unlabelled) < len(spare.unlabelled):
            limits[lid] = n
            return full
        return spare

    def room(lid, lay) -> _Room:
        """Room for markers taller than a row: above the first row and below the last (lane lines and the
        next lane's labels stay clear of them), and above a squeezed lane's overflow row, whose glyphs
        could not keep the row above clear."""
        last = max(lay.rows, 1) - 1
        over = [(p.row, items[p.id].mark.pad + 0.5 * preset.scale - preset.row / 2) for p in lay.placements]
        cap = limits.get(lid)
        spill = [items[p.id].mark.pad + 0.3 * preset.scale - reach for p in lay.placements
                 if p.row == cap and items[p.id].mark.tall]
        return _Room(max([o for r, o in over if r == 0] + [0.0]), cap if spill else None, max(spill + [0.0]),
                     max([o for r, o in over if r == last] + [0.0]))

    def lanes_height(layouts) -> float:
        return sum(room(lid, lay).height(max(lay.rows, 1), preset.row) for lid, lay in layouts.items())

    layouts = {lid: pack(lid) for lid in lane_ids}
    need = {lid: max(lay.rows, 1) for lid, lay in layouts.items()}
    max_h = preset.max_height * 72
    avail = max_h - fixed(1 + 2 * bool(dense))
    budget = int(avail // preset.row)
    squeezed = False
    while lanes_height(layouts) > avail and (not squeezed or budget > len(lanes)):
        if squeezed:
            budget -= 1  # the tall markers' room did not fit: one row less
        squeezed = True
        alloc = _allocate(need, max(budget, len(lanes)))
        layouts = {lid: pack_squeezed(lid, alloc[lid]) if alloc[lid] < need[lid] else pack(lid) for lid in lane_ids}
    rooms = {lid: room(lid, lay) for lid, lay in layouts.items()}
    pads_h = sum(r.height(0, 0.0) for r in rooms.values())
    unlabelled = [p for lay in layouts.values() for p in lay.unlabelled]
    notes = []
    if unlabelled:
        notes.append(f"{plural(len(unlabelled), 'further event')} drawn without a label for lack of room "
                     f"(labels go to battles, then the largest losses); every event is in the chronology.")
    if dense:
        notes.append(rule.describe())
    notes = [line for n in notes for line in wrap_text(fig, n, preset.small, W - 2 * margin)]
    rows_total = sum(max(lay.rows, 1) for lay in layouts.values())
    row_h = preset.row
    if preset.fixed_height:
        spare = max_h - fixed(len(notes)) - pads_h - rows_total * row_h
        row_h = min(preset.row * 1.6, row_h + max(spare, 0) / max(rows_total, 1))
        height = max_h
    else:
        height = fixed(len(notes)) + pads_h + rows_total * row_h
        fig.set_size_inches(preset.width, height / 72)
    H = fig.get_figheight() * 72

    # --- frame ------------------------------------------------------------------------------------
    title = f"Timeline, {year_span(y0, y1)}: {plural(len(dataset.events), 'event')} by theatre"
    frame(fig, preset, title, (source := source_line(dataset, drawn_dead_claims(dataset.events), source_fits(fig, preset))))
    lanes_h = sum(rooms[lid].height(max(layouts[lid].rows, 1), row_h) + (band_h if lid in banded_lanes else 0)
                  for lid in lane_ids)
    plot_top = title_h
    plot_h = phase_h + lanes_h + bottom_pad
    W_ax = W - 2 * margin
    ax = fig.add_axes((margin / W, 1 - (plot_top + plot_h) / H, W_ax / W, plot_h / H))
    ax.set_xlim(scale.x0, scale.x1)
    ax.set_ylim(plot_h, 0)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_yticks([])
    _year_ticks(ax, fig, scale, preset)

    # phases: bands over the whole height, names in the header rows
    for i, p in enumerate(dataset.phases):
        a, b = L.mark_extent(p.date)
        ax.axvspan(max(a, scale.x0), min(b, scale.x1), color=PHASE_FILLS[i % 2], lw=0, zorder=0)
    brackets = []
    for r, row in enumerate(phase_rows):
        base = phase_size * 0.3 + (r + 0.5) * phase_row + CAP_MIDDLE * phase_size
        rule_y = base + PHASE_RULE_BELOW * phase_size  # under the descenders
        for x, ha, name, a, b in row:
            ax.text(x, base, name, ha=ha, va="baseline", fontsize=phase_size, color=MUTED, style="italic", zorder=4)
            tick = phase_size * 0.3
            brackets += [[(a, rule_y + tick), (a, rule_y), (b, rule_y), (b, rule_y + tick)]]
    if brackets:
        from matplotlib.collections import LineCollection as _Lines

        ax.add_collection(_Lines(brackets, colors=FAINT, linewidths=0.6 * preset.scale, zorder=3))

    # lanes
    y = phase_h
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.patches import Rectangle

    segs, caps, dashed_segs = [], [], []
    bars, qbars = [], []
    markers: dict[tuple, list] = {}
    rings = []
    texts = 0
    for lid in lane_ids:
        lay = layouts[lid]
        rm = rooms[lid]
        ax.axhline(y, color=FAINT, lw=0.5 * preset.scale, zorder=1)
        ax.text(scale.x0, rm.centre(y, 0, row_h) + CAP_MIDDLE * lane_size, lane_label[lid], ha="left",
                va="baseline", fontsize=lane_size, fontweight="bold", color=MUTED, zorder=4)
        n_banded = sum(1 for m in banded if m.lane == lid)
        for pl in lay.placements:
            it = items[pl.id]
            _glyph(it, rm.centre(y, pl.row, row_h), row_h, preset, segs, caps, dashed_segs, bars, qbars, markers,
                   rings, ring, scale.per_unit)
            if pl.labelled:  # capitals centred on the glyphs' line; a label below its glyph a little closer
                lift = {"below": BELOW_LIFT * row_h, "above": -BELOW_LIFT * row_h}.get(pl.side, 0.0)
                ax.text(pl.label_x, rm.centre(y, pl.label_row, row_h) - lift + CAP_MIDDLE * label_size,
                        label_text(it.event, preset), ha=pl.ha, va="baseline", fontsize=label_size, color=INK,
                        zorder=5)
                texts += 1
        y += rm.height(max(lay.rows, 1), row_h)
        if lid in banded_lanes:
            _band(ax, [m for m in banded if m.lane == lid], scale, y, band_h, band_text, n_banded)
            y += band_h

    lw = 0.7 * preset.scale
    ax.add_collection(LineCollection(segs, colors=MUTED, linewidths=lw, zorder=2.5))
    ax.add_collection(LineCollection(caps, colors=MUTED, linewidths=lw, zorder=2.5))
    ax.add_collection(LineCollection(dashed_segs, colors=MUTED, linewidths=lw * 0.8, linestyles=(0, (1, 1.5)),
                                     zorder=2.5))
    if bars:
        ax.add_collection(PatchCollection([Rectangle(*b) for b in bars], facecolor=BAR_FACE, edgecolor=BAR_EDGE,
                                          linewidths=0.5 * preset.scale, zorder=2))
    if qbars:
        ax.add_collection(PatchCollection([Rectangle(*b) for b in qbars], facecolor=BAR_FACE,
                                          edgecolor=BAR_EDGE, linewidths=0.6 * preset.scale,
                                          linestyles=(0, (3, 2)), zorder=2))
    for (marker, hollow, kind), pts in sorted(markers.items()):
        xs, ys, ss = zip(*pts, strict=False)
        ax.scatter(xs, ys, s=[s * s for s in ss], marker=marker, zorder=3,
                   facecolors="white" if hollow else KIND_FILLS.get(kind, INK), edgecolors=INK,
                   linewidths=0.6 * preset.scale, linestyles=(0, (2, 1.2)) if hollow else "solid")
    if rings:
        xs, ys, ss = zip(*rings, strict=False)
        ax.scatter(xs, ys, s=[s * s for s in ss], marker="o", facecolors="none", edgecolors=INK,
                   linewidths=0.5 * preset.scale, zorder=3)

    # legend and notes under the axis
    leg_top = plot_top + plot_h + axis_h
    lax = pt_axes(fig, margin, leg_top, W_ax, legend.height)
    legend.draw(lax)
    for i, note in enumerate(notes):
        fig.text(margin / W, 1 - (leg_top + legend.height + preset.small * 0.6 + (i + 0.8) * notes_line) / H,
                 note, fontsize=preset.small, color=MUTED, ha="left", va="baseline")

    alt = _alt(dataset, lanes, items, layouts, dense, banded, unlabelled)
    key = reference_values(claimed_dead(dataset))
    sizes = (f"marker size grows with the logarithm of the highest claim of dead for any one side (killed, "
             f"else killed or missing, else irrecoverable losses; the claims run "
             f"{value_range_words(claimed_dead(dataset))}; the key shows {join_list([format_count(v) for v in key])})"
             if key else "no event has a claim of dead, so every marker has the smallest size")
    caption = (f"Events of {year_span(y0, y1)} on {plural(len(lanes), 'lane')}"
               f"{', phases shaded' if dataset.phases else ''}; {sizes}; a ring marks figures that claimants "
               "dispute. Bars are spans, whiskers the stated range of an imprecise date, hollow dashed markers "
               "approximate or uncertain dates, paired ticks one of two dates.")
    stats = {"events": len(dataset.events), "shown": len(shown), "banded": len(banded), "labelled": texts,
             "unlabelled": len(unlabelled), "dense_buckets": len(dense), "rows": rows_total,
             "height_mm": round(H / 72 * 25.4, 1), "squeezed": squeezed}
    return Chart("timeline", fig, title, alt, caption, stats, source)


def label_text(event, preset) -> str:
    """The event's title; on slides without a trailing parenthesis ("Battle of X (Y incident)" → "Battle
    of X"), so that 16 pt labels fit."""
    title = event.title
    if preset.name == "slides" and title.endswith(")") and " (" in title:
        short = title[:title.rindex(" (")].strip()
        if short:
            return short
    return title


def _allocate(need: dict[str, int], budget: int) -> dict[str, int]:
    """Share ``budget`` rows among lanes in proportion to need, at least one each (largest remainders)."""
    total = sum(need.values())
    raw = {k: max(1.0, budget * v / total) for k, v in need.items()}
    alloc = {k: min(need[k], max(1, math.floor(r))) for k, r in raw.items()}
    left = budget - sum(alloc.values())
    for k in sorted(need, key=lambda k: (-(raw[k] - math.floor(raw[k])), k)):
        if left <= 0:
            break
        if alloc[k] < need[k]:
            alloc[k] += 1
            left -= 1
    return alloc


def _glyph(it: _Item, cy, row_h, preset, segs, caps, dashed, bars, qbars, markers, rings, ring, per_unit):
    ev, date = it.event, it.event.date
    s, e = date.start, date.end
    cap = min(row_h * 0.28, it.diameter * 0.7 + 1)
    hollow = date.qualified
    if date.kind == "span":
        a = dy(s.latest + ONE_DAY) if s.precision != "day" else dy(s.earliest)
        b = dy(e.earliest) if e.precision != "day" else dy(e.latest + ONE_DAY)
        bh = row_h * 0.5
        (qbars if hollow else bars).append(((a, cy - bh / 2), max(b - a, 0.0), bh))
        if s.precision != "day":
            segs.append([(dy(s.earliest), cy), (a, cy)])
            caps.append([(dy(s.earliest), cy - cap), (dy(s.earliest), cy + cap)])
        if e.precision != "day":
            segs.append([(b, cy), (dy(e.latest + ONE_DAY), cy)])
            caps.append([(dy(e.latest + ONE_DAY), cy - cap), (dy(e.latest + ONE_DAY), cy + cap)])
    elif date.kind == "choice":
        centres = [(dy(o.earliest) + dy(o.latest + ONE_DAY)) / 2 for o in (s, e)]
        for o, c in zip((s, e), centres, strict=True):
            if o.precision != "day":
                segs.append([(dy(o.earliest), cy), (dy(o.latest + ONE_DAY), cy)])
            caps.append([(c, cy - row_h * 0.36), (c, cy + row_h * 0.36)])
        dashed.append([(centres[0], cy), (centres[1], cy)])
        hollow = True
    else:
        a, b = dy(s.earliest), dy(e.latest + ONE_DAY)
        if s.precision != "day" and (b - a) * per_unit > it.diameter:  # narrower: hidden by the marker
            segs.append([(a, cy), (b, cy)])
            caps.extend([[(a, cy - cap), (a, cy + cap)], [(b, cy - cap), (b, cy + cap)]])
    mx = _marker_x(date)
    marker = KIND_MARKERS.get(ev.kind, "o")
    size = it.diameter * (0.85 if marker in "Ds" else 1.0)
    markers.setdefault((marker, hollow, ev.kind), []).append((mx, cy, size))
    if it.contested:
        rings.append((mx, cy, it.diameter + 2 * ring))


def _marker_x(date) -> float:
    """Where an event's marker sits on the time axis: a span's start, midway between the two dates of a
    choice, else the middle of the date's range."""
    s, e = date.start, date.end
    if date.kind == "span":
        return dy(s.earliest)
    if date.kind == "choice":
        return sum((dy(o.earliest) + dy(o.latest + ONE_DAY)) / 2 for o in (s, e)) / 2
    return (dy(s.earliest) + dy(e.latest + ONE_DAY)) / 2


def _band(ax, marks, scale, top, h, size, n):
    """Events per month as a histogram strip in the lane's band row, under a caption line."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    bins = L.density_bins(marks, scale.x0, scale.x1)
    if not bins:
        return
    peak = max(n for *_, n in bins)
    floor, room = top + h * 0.95, h * 0.95 - size * 1.3
    rects = [Rectangle((a, floor - room * n / peak), b - a, room * n / peak) for a, b, n in bins]
    ax.add_collection(PatchCollection(rects, facecolor="#8A8A8A", edgecolor="none", zorder=2))
    ax.text(scale.x1, top + size * (0.15 + 0.72), f"{plural(n, 'further event')}, per month (peak {peak:,})",
            ha="right", va="baseline", fontsize=size, color=MUTED, zorder=4)


def _pack_phases(dataset, scale, fig, size) -> list[list[tuple[float, str, str, float, float]]]:
    """Phase names in header rows, each over its own band: within the band when the name fits in it,
    else centred on the band (kept on the axis); a bracket under every name spans
    its band. Rows are filled first-fit so names never overlap. Returns rows of (x, ha, name, a, b),
    ``a``..``b`` the band in axis units."""
    rows: list[list[tuple[float, float]]] = []
    out: list[list[tuple[float, str, str, float, float]]] = []
    pad = size * 0.35
    for p in sorted(dataset.phases, key=lambda p: p.date.sort_key):
        a, b = L.mark_extent(p.date)
        a, b = max(a, scale.x0), min(b, scale.x1)
        if b <= a:
            continue
        w = text_width_pt(fig, p.name, size, style="italic")
        lo, hi = scale.to_phys(a), scale.to_phys(b)
        if w <= hi - lo:  # within the band: after a small indent where there is room for it
            start = lo + min(pad, (hi - lo - w) / 2)
            span = (start, start + w)
        else:
            mid = (lo + hi) / 2
            start = min(max(mid - w / 2, 0.0), scale.length - w)
            span = (start, start + w)
        x, ha = scale.to_axis(span[0]), "left"
        for r, taken in enumerate(rows + [[]]):
            if all(span[1] + pad * 0.6 <= t0 or span[0] >= t1 + pad * 0.6 for t0, t1 in taken):
                if r == len(rows):
                    rows.append([])
                    out.append([])
                rows[r].append(span)
                out[r].append((x, ha, p.name, a, b))
                break
    return out


def _year_ticks(ax, fig, scale, preset):
    years = int(scale.x1 - scale.x0)
    per_year = scale.per_unit
    w = text_width_pt(fig, "0000", preset.size * 0.9) * 1.6
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 250, 500, 1000) if s * per_year >= w)
    start = math.ceil(scale.x0 / step) * step
    ticks = list(range(int(start), int(scale.x1), step))
    ax.set_xticks([t + 0.5 for t in ticks] if step == 1 else ticks)
    ax.set_xticklabels([str(t) for t in ticks])
    ax.set_xticks([float(t) for t in range(int(scale.x0), int(scale.x1) + 1)] if years <= 400 else [],
                  minor=True)
    ax.tick_params(axis="x", which="major", length=0 if step == 1 else 3 * preset.scale, pad=2 * preset.scale)
    ax.tick_params(axis="x", which="minor", length=3 * preset.scale)


def _legend(fig, preset, dataset, width, dense, rule) -> LegendRow:
    row = LegendRow(fig, preset, width)
    sc = preset.scale
    g = row.size * 1.1
    row.add_kinds(dataset)
    row.add_size_key(reference_values(claimed_dead(dataset)))
    d = marker_diameter(100, sc)
    row.add(d + 3 * sc, _ring_glyph(d, sc), "contested figures")
    row.add(row.size * 2.2, _bar_glyph(row.size * 2.2, row.size * 0.7, sc, False), "span")
    row.add(row.size * 2.2, line_glyph(row.size * 2.2, 0.7 * sc, caps=True), "month or year only")
    row.add(g, marker_glyph("o", d, "white", lw=0.6 * sc, ls=(0, (2, 1.2))), "approximate or uncertain (~ ?)")
    row.add(row.size * 2.2, _choice_glyph(row.size * 2.2, row.size, sc), "one of two dates")
    if dense:
        row.add(row.size * 2.2, _band_glyph(row.size * 2.2, row.size), "events per month (dense lane-years)")
    return row


def _ring_glyph(d, sc):
    def draw(ax, x, y):
        ax.scatter([x], [y], s=[d * d], marker="o", facecolors=[KIND_FILLS["border-incident"]], edgecolors=[INK],
                   linewidths=0.6 * sc, zorder=3, clip_on=False)
        ax.scatter([x], [y], s=[(d + 2.6 * sc) ** 2], marker="o", facecolors="none", edgecolors=[INK],
                   linewidths=0.5 * sc, zorder=3, clip_on=False)
    return draw


def _bar_glyph(w, h, sc, dashed):
    from matplotlib.patches import Rectangle

    def draw(ax, x, y):
        ax.add_patch(Rectangle((x - w / 2, y - h / 2), w, h, facecolor=BAR_FACE, edgecolor=BAR_EDGE,
                               lw=0.5 * sc, ls=(0, (3, 2)) if dashed else "-", clip_on=False))
    return draw


def _choice_glyph(w, h, sc):
    def draw(ax, x, y):
        for cx in (x - w / 2.6, x + w / 2.6):
            ax.plot([cx, cx], [y - h * 0.4, y + h * 0.4], color=MUTED, lw=0.7 * sc, clip_on=False)
        ax.plot([x - w / 2.6, x + w / 2.6], [y, y], color=MUTED, lw=0.6 * sc, ls=(0, (1, 1.5)), clip_on=False)
    return draw


def _band_glyph(w, h):
    from matplotlib.patches import Rectangle

    def draw(ax, x, y):
        for i, f in enumerate((0.3, 0.8, 0.5, 1.0, 0.4)):
            ax.add_patch(Rectangle((x - w / 2 + i * w / 5, y + h * 0.4 - h * 0.8 * f), w / 5 * 0.9, h * 0.8 * f,
                                   facecolor="#8A8A8A", edgecolor="none", clip_on=False))
    return draw


def _alt(dataset, lanes, items, layouts, dense, banded, unlabelled) -> str:
    y0, y1 = dataset.years
    counts = {lid: 0 for lid, _ in lanes}
    for ev in dataset.events:
        counts[ev.lane] = counts.get(ev.lane, 0) + 1
    lane_text = join_list([f"{label} ({counts.get(lid, 0)})" for lid, label in lanes], limit=8)
    phases = join_list([f"{p.name} ({p.date.display()})" for p in dataset.phases], limit=8)
    ranked = sorted((it for it in items.values() if it.losses), key=lambda it: (-it.losses, it.event.id))[:3]
    biggest = join_list([f"{it.event.title} ({year_text(it.event)}, {format_count(it.losses)} dead claimed"
                         f"{', contested' if it.contested else ''})" for it in ranked])
    spans = sum(1 for it in items.values() if it.event.date.kind == "span")
    vague = sum(1 for it in items.values() if not it.event.date.is_exact_day and it.event.date.kind != "span")
    when = f"in {y0}" if y0 == y1 else f"from {y0} to {y1}"
    parts = [f"Timeline of {plural(len(items), 'event')} {when} in {plural(len(lanes), 'lane')}: "
             f"{lane_text}."]
    if dataset.phases:
        parts.append(f"Phases: {phases}.")
    if biggest:
        parts.append(f"Highest claims of dead: {biggest}.")
    parts.append(f"{plural(spans, 'event')} drawn as spans; {vague} with imprecise, approximate, uncertain or "
                 "alternative dates drawn as ranges or hollow markers.")
    if dense:
        parts.append(f"{plural(len(banded), 'event')} in {plural(len(dense), 'crowded lane-year')} shown as "
                     "density bands.")
    if unlabelled:
        parts.append(f"{plural(len(unlabelled), 'event')} unlabelled for lack of room.")
    return " ".join(parts)
