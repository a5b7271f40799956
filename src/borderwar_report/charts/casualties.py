"""The casualty comparison: per event and side, every claim for killed, wounded and all casualties, on a
symmetric-log axis (0 is drawn, 2 and 20,000 both read). Nothing is picked: each claim is its own dot or
bar, the spread of the claims a thin line; a side with no figure says "unknown" (never zero).

When there are more events than rows, the events with the highest claims of dead are shown and the
rest are summed up in one "other (N events)" row (their claims as ticks), by the stated rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from borderwar_report.charts.common import (
    CAP_MIDDLE,
    Chart,
    LegendRow,
    join_list,
    plural,
    pt_axes,
    drawn_dead_claims,
    source_fits,
    source_line,
    wrap_text,
    year_span,
    year_text,
)
from borderwar_report.charts.layout import significance
from borderwar_report.charts.measures import (
    format_count,
    format_short,
    highest_dead,
    value_range_words,
)
from borderwar_report.charts.style import INK, MUTED, Preset, new_figure, text_width_pt
from borderwar_report.charts.timeline import label_text

PANELS = (("killed", "Killed", ("killed", "killed_or_missing")),
          ("wounded", "Wounded", ("wounded",)),
          ("casualties", "All casualties", ("casualties",)))
SHOWN = {c for _, _, cats in PANELS for c in cats}
OTHER = "#8C8C8C"
# In print the chart may grow taller than the other charts (up to this, in mm), so that its rows stay
# readable at 7.5 pt; past that the smaller events are summed up in the "other" row.
PRINT_MAX_HEIGHT_MM = 200
LINE_SPACING = 1.15  # of the event titles, in ems


@dataclass
class _Row:
    kind: str  # "side" | "unknown" | "other" | "spacer" (room for a long title, nothing drawn)
    event: object = None
    sides: tuple = ()
    claims: dict = field(default_factory=dict)  # panel key -> {category: claims}
    label: str = ""


@dataclass
class _Group:
    event: object
    title_lines: list[str]
    unknown: str  # "Japan, USSR" — sides of the event with no figure at all ("" if none)
    rows: list[_Row]
    fold_unknown: bool  # the unknown sides are named under the title instead of on their own row


def _event_group(fig, ev, side_names, preset, size, col_w, row_h) -> _Group:
    rows, unknown = [], []
    for s in ev.sides:
        cells = {}
        for key, _, cats in PANELS:
            found = {c: s.losses[c] for c in cats if s.losses.get(c)}
            if found:
                cells[key] = found
        if cells:
            rows.append(_Row("side", ev, (s.side,), cells, side_names[s.side]))
        else:
            unknown.append(s.side)
    title = label_text(ev, preset)
    line_h = size * LINE_SPACING
    # where the figure may grow (print), the title may take one row more than the sides do (a spacer
    # row); then it is cut
    spare = 0 if preset.fixed_height else 1
    room = max(1, int((max(len(rows) + (1 if unknown else 0), 1) + spare) * row_h // line_h))
    lines = wrap_text(fig, f"{title} ({year_text(ev)})", size, col_w)
    if len(lines) > room:  # drop the year before cutting the title
        lines = wrap_text(fig, title, size, col_w, room)
    names = ", ".join(side_names[s] for s in unknown)
    fold = bool(unknown) and (len(lines) + 1) * line_h <= max(len(rows), 1) * row_h
    if unknown and not fold:
        rows.append(_Row("unknown", ev, tuple(unknown), {}, names))
    while len(rows) * row_h < (len(lines) + fold) * line_h:
        rows.append(_Row("spacer", ev))
    return _Group(ev, lines, names, rows, fold)


def _has_losses(ev) -> bool:
    return any(s.losses.get(c) for s in ev.sides for c in SHOWN)


def make_casualties(dataset, project, preset: Preset) -> Chart:
    fig = new_figure(preset)
    W = fig.get_figwidth() * 72
    margin = preset.margin
    side_names = {s.id: s.short or s.name for s in dataset.sides}
    colour = {s.id: s.colour for s in dataset.sides}
    events = [e for e in dataset.events if _has_losses(e)]
    panels = [p for p in PANELS if p[0] != "casualties" or any(
        s.losses.get("casualties") for e in events for s in e.sides)]
    size = preset.size * 0.94 if preset.name == "print" else preset.size
    tiny = max(preset.small, size * 0.85)  # "unknown", tick labels
    row_h = size * 1.6 if preset.name == "print" else preset.row
    max_h = PRINT_MAX_HEIGHT_MM / 25.4 * 72 if preset.name == "print" else preset.max_height * 72

    # --- columns and budget: how many events fit ----------------------------------------------------
    inner = W - 2 * margin
    event_col = inner * (0.26 if preset.name == "print" else 0.25)
    title_h = preset.title_height
    head_h = size * 1.9
    axis_h = size * 2.1
    source_h = preset.source_height
    legend = _legend(fig, preset, dataset, events, W - 2 * margin)
    note_line = preset.small * 1.4
    note_h = note_line * 2
    fixed = title_h + head_h + axis_h + legend.height + size * 0.5 + note_h + source_h
    groups: dict[str, _Group] = {}

    def group(e):  # wrapped titles are measured only for events that may be shown
        if e.id not in groups:
            groups[e.id] = _event_group(fig, e, side_names, preset, size, event_col - size * 0.6, row_h)
        return groups[e.id]

    budget = max(int((max_h - fixed) // row_h), 2)
    def least(e):
        """Rows the event needs at least, without measuring anything: its sides with figures, and a row
        for the sides without when the title's line and theirs cannot share the sides' rows."""
        known = sum(1 for s in e.sides if any(s.losses.get(c) for c in SHOWN))
        unknown = len(e.sides) > known
        return max(1, known + (1 if unknown and known * row_h < 2 * size * LINE_SPACING else 0))

    if sum(least(e) for e in events) <= budget and sum(len(group(e).rows) for e in events) <= budget:
        chosen = events
    else:
        ranked = sorted(events, key=lambda e: tuple(-x for x in _rank(e)) + (e.date.sort_key,))
        chosen_ids, used = set(), 1  # one row for "other"
        for e in ranked:
            if used >= budget:
                break
            if used + least(e) > budget:
                continue
            n = len(group(e).rows)
            if used + n <= budget:
                chosen_ids.add(e.id)
                used += n
        chosen = [e for e in events if e.id in chosen_ids]
    chosen_set = {e.id for e in chosen}
    others = [e for e in events if e.id not in chosen_set]
    rows: list[_Row] = [r for e in chosen for r in groups[e.id].rows]
    if others:
        cells: dict = {}
        for e in others:
            for s in e.sides:
                for key, _, cats in panels:
                    for c in cats:
                        cells.setdefault(key, {}).setdefault(c, []).extend(s.losses.get(c, ()))
        rows.append(_Row("other", None, (), cells, f"other ({plural(len(others), 'event')})"))
    n_rows = max(len(rows), 1)
    if preset.fixed_height:
        row_h = min(row_h * 1.5, max(row_h, (max_h - fixed) / n_rows))
        H = max_h
    else:
        H = fixed + n_rows * row_h
        fig.set_size_inches(preset.width, H / 72)
    from borderwar_report.charts.style import frame

    title = "Losses as claimed, per event and side"
    frame(fig, preset, title, (source := source_line(
        dataset, [c for e in events for s in e.sides for cat in SHOWN for c in s.losses.get(cat, ())],
        source_fits(fig, preset))))

    # --- columns ------------------------------------------------------------------------------------
    side_w = max([text_width_pt(fig, r.label, size) + max(len(r.sides) - 1, 0) * size * 0.75 * 1.35
                  for r in rows if r.kind != "other"] + [size * 3])  # the unknown row's extra key squares
    side_col = min(side_w + size * 1.6, inner * 0.16)
    gap = size * 2.2
    panel_w = (inner - event_col - side_col - gap * len(panels)) / len(panels)
    top = title_h + head_h
    body_h = n_rows * row_h

    lab = pt_axes(fig, margin, top, event_col + side_col, body_h)
    stats = {"events": len(events), "shown_events": len(chosen), "other_events": len(others), "rows": len(rows),
             "claims": 0, "unknown": 0}
    vmax = max([c.high for e in events for s in e.sides for cat in SHOWN for c in s.losses.get(cat, ())] + [10])
    xmax = 10 ** math.ceil(math.log10(vmax * 1.05))
    axes = []
    for i, (key, name, _cats) in enumerate(panels):
        left = margin + event_col + side_col + gap + i * (panel_w + gap)
        ax = fig.add_axes((left / W, 1 - (top + body_h) / H, panel_w / W, body_h / H))
        ax.set_xscale("symlog", linthresh=1, linscale=0.4)
        ax.set_xlim(-0.7, xmax)
        ax.set_ylim(body_h, 0)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        _ticks(ax, fig, xmax, panel_w, preset, tiny)
        fig.text(left / W, 1 - (title_h + head_h * 0.55) / H, name, fontsize=size, fontweight="bold", color=INK,
                 ha="left", va="center_baseline")
        axes.append((key, ax))

    # zebra bands per event group and labels
    spans: list[tuple[str, int, int]] = []
    for i, r in enumerate(rows):
        key = r.event.id if r.event else "__other__"
        if spans and spans[-1][0] == key:
            spans[-1] = (key, spans[-1][1], i + 1)
        else:
            spans.append((key, i, i + 1))
    line_h = size * LINE_SPACING
    for g, (key, a, b) in enumerate(spans):
        y0, y1 = a * row_h, b * row_h
        if g % 2 == 0:
            lab.axhspan(y0, y1, color="#F1F1F1", lw=0, zorder=0)
            for _, ax in axes:
                ax.axhspan(y0, y1, color="#F1F1F1", lw=0, zorder=0)
        if key == "__other__":
            lines = [(rows[a].label, INK, "normal")]
        else:
            grp = groups[key]
            lines = [(t, INK, "normal") for t in grp.title_lines]
            if grp.fold_unknown:
                lines.append((f"{grp.unknown}: unknown", MUTED, "italic"))
                stats["unknown"] += len(panels)
        first = (y0 + y1) / 2 - len(lines) * line_h / 2
        for j, (text, col, style) in enumerate(lines):
            lab.text(0, first + (j + 0.5) * line_h + CAP_MIDDLE * size, text, ha="left", va="baseline", fontsize=size,
                     color=col, style=style)

    for i, r in enumerate(rows):
        cy = (i + 0.5) * row_h
        if r.kind == "spacer":
            continue
        if r.kind == "side":
            sw = size * 0.75
            lab.scatter([event_col + sw / 2], [cy], s=[sw * sw], marker="s", color=colour[r.sides[0]], zorder=3)
            lab.text(event_col + sw + size * 0.35, cy + CAP_MIDDLE * size, r.label, ha="left", va="baseline",
                     fontsize=size, color=INK)
        elif r.kind == "unknown":  # one key square per side, as on the rows with figures, then their names
            sw = size * 0.75
            xs = [event_col + sw / 2 + k * sw * 1.35 for k in range(len(r.sides))]
            lab.scatter(xs, [cy] * len(xs), s=[sw * sw] * len(xs), marker="s",
                        color=[colour[side] for side in r.sides], zorder=3)
            lab.text(xs[-1] + sw / 2 + size * 0.35, cy + CAP_MIDDLE * size, r.label, ha="left", va="baseline",
                     fontsize=size, color=MUTED)
        else:
            lab.text(event_col + size * 0.75 + size * 0.35, cy + CAP_MIDDLE * size, "all sides", ha="left",
                     va="baseline", fontsize=size, color=MUTED)
        for key, ax in axes:
            cell = r.claims.get(key)
            if not cell:
                if r.kind != "other":
                    ax.text(0.3, cy + CAP_MIDDLE * tiny, "unknown", ha="left", va="baseline", fontsize=tiny,
                            color=MUTED, style="italic")
                    stats["unknown"] += 1
                continue
            if r.kind == "other":
                _draw_other(ax, cell, cy, row_h, preset)
            else:
                stats["claims"] += _draw_cell(ax, cell, cy, row_h, colour[r.sides[0]], preset)

    # legend and note
    leg_top = top + body_h + axis_h
    lax = pt_axes(fig, margin, leg_top, inner, legend.height)
    legend.draw(lax)
    note = ("Every claim is drawn (dots; bars for ranges), the thin line spans a side’s claims; nothing is "
            "averaged. Axis: 0, then logarithmic.")
    how = "ticks: their claims" if len(others) <= 40 else "bars: how many of their claims fall in each range"
    if others:
        note = (f"Shown: the {plural(len(chosen), 'event')} with the highest claims of dead; the other "
                f"{len(others):,} in one row ({how}). ") + note
    for j, line in enumerate(wrap_text(fig, note, preset.small, inner, 3)):
        fig.text(margin / W, 1 - (leg_top + legend.height + size * 0.5 + note_line * (j + 0.7)) / H, line,
                 fontsize=preset.small, color=MUTED, ha="left", va="baseline")

    alt = _alt(dataset, events, chosen, others, side_names, panels)
    drawn = [v for e in events for s in e.sides for cat in SHOWN for c in s.losses.get(cat, ()) for v in (c.low, c.high)]
    caption = ("Each dot is one claim (a bar, a claimed range; a triangle pointing right, at least; pointing "
               "left, at most; hollow, unconfirmed); the "
               "thin line spans the claims for a side. Unknown means no source in the data gives a figure. "
               f"Scale: zero, then logarithmic, so that claims {value_range_words(drawn)} read on one axis.")
    return Chart("casualties", fig, title, alt, caption, stats, source)


def _rank(ev) -> tuple:
    loss = highest_dead(ev)
    return significance(ev.kind, loss.value, loss.contested)


def _draw_cell(ax, cell, cy, row_h, colour, preset) -> int:
    sc = preset.scale
    killed = [c for cat, cl in cell.items() if cat != "killed_or_missing" for c in cl]
    if len(killed) > 1:
        ax.plot([min(c.low for c in killed), max(c.high for c in killed)], [cy, cy], color=colour, lw=0.8 * sc,
                alpha=0.9, zorder=2, solid_capstyle="butt", clip_on=False)
    claims = [(cat, c) for cat, cl in cell.items() for c in cl]
    n = len(claims)
    d = row_h * 0.4
    spread = min(row_h * 0.7, (n - 1) * d * 0.95)  # claims at one value stay apart
    for i, (cat, c) in enumerate(sorted(claims, key=lambda x: (x[1].low, x[1].high, x[0]))):
        y = cy if n == 1 else cy - spread / 2 + spread * i / (n - 1)
        face = "white" if c.unconfirmed else colour
        if c.is_range:
            ax.plot([c.low, c.high], [y, y], color=colour, lw=d * 0.55, solid_capstyle="butt", zorder=3, clip_on=False)
        marker = {"at-least": ">", "at-most": "<"}.get(c.bound or "", "s" if cat == "killed_or_missing" else "o")
        x = c.high if c.bound == "at-least" else c.low if c.bound == "at-most" else c.low
        if not c.is_range or c.bound:  # a filled mark has a white rim, so that stacked claims stay countable
            ax.scatter([x], [y], s=[(d * (0.85 if marker == "s" else 1.0)) ** 2], marker=marker, facecolors=[face],
                       edgecolors=[colour if c.unconfirmed else "white"], linewidths=0.6 * sc, zorder=4,
                       clip_on=False)
    return n


def _draw_other(ax, cell, cy, row_h, preset):
    """The grouped events' claims: a tick each while they are few, else a histogram strip (counts per
    quarter decade), with the line spanning them all."""
    values = sorted(v for cl in cell.values() for c in cl for v in {c.low, c.high})
    if not values:
        return
    ax.plot([values[0], values[-1]], [cy, cy], color=OTHER, lw=0.8 * preset.scale, zorder=2)
    if len(values) <= 150:
        ax.scatter(values, [cy] * len(values), s=[(row_h * 0.6) ** 2] * len(values), marker="|", color=OTHER,
                   linewidths=0.8 * preset.scale, zorder=3)
        return
    from collections import Counter

    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    def edge(k):
        return 0.0 if k < 0 else 10 ** (k / 4)

    bins = Counter(-1 if v < 1 else int(math.floor(math.log10(v) * 4)) for v in values)
    peak = max(bins.values())
    h = row_h * 0.8
    rects = [Rectangle((edge(k) if k >= 0 else -0.4, cy + h / 2 - h * n / peak),
                       (edge(k + 1) - edge(k)) if k >= 0 else 0.8, h * n / peak) for k, n in sorted(bins.items())]
    ax.add_collection(PatchCollection(rects, facecolor=OTHER, edgecolor="none", zorder=3))


def _ticks(ax, fig, xmax, width, preset, size):
    from matplotlib.ticker import FixedLocator, NullFormatter

    top = int(round(math.log10(xmax)))
    label_w = text_width_pt(fig, "100k", size) * 1.15
    step = 1
    while (top // step + 2) * label_w > width and step < top:
        step += 1
    major = [0] + [10 ** k for k in range(top, -1, -step)][::-1]
    ax.xaxis.set_major_locator(FixedLocator(major))
    ax.set_xticklabels([format_short(v) for v in major], fontsize=size)
    ax.xaxis.set_minor_locator(FixedLocator([10 ** k for k in range(0, top + 1) if 10 ** k not in major]))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.grid(axis="x", which="both", color="#DDDDDD", lw=0.4 * preset.scale, zorder=1)


def _legend(fig, preset, dataset, events, width) -> LegendRow:
    from borderwar_report.charts.common import marker_glyph

    row = LegendRow(fig, preset, width)
    g = row.size * 0.9
    used = []
    for e in events:
        for s in e.sides:
            if any(s.losses.get(c) for c in SHOWN) and s.side not in used:
                used.append(s.side)
    for side in dataset.sides:
        if side.id in used:
            row.add(g, marker_glyph("s", g * 0.8, side.colour, edge=side.colour, lw=0), side.short or side.name,
                    gap_after=row.size * 0.7)
    d = g * 0.75
    row.add(g, marker_glyph("o", d, MUTED, edge=MUTED), "one claim")

    def bar(ax, x, y):
        ax.plot([x - g * 0.9, x + g * 0.9], [y, y], color=MUTED, lw=d * 0.55, solid_capstyle="butt", clip_on=False)
    row.add(g * 1.8, bar, "claimed range")
    row.add(g, marker_glyph(">", d, MUTED, edge=MUTED), "at least")
    row.add(g, marker_glyph("<", d, MUTED, edge=MUTED), "at most")
    row.add(g, marker_glyph("o", d, "white", edge=MUTED), "unconfirmed")
    if any(s.losses.get("killed_or_missing") for e in events for s in e.sides):
        row.add(g, marker_glyph("s", d * 0.85, MUTED, edge=MUTED), "killed or missing")
    return row


def _alt(dataset, events, chosen, others, side_names, panels) -> str:
    if not events:
        return "Casualty comparison: no event in the data has a loss figure."
    spreads = []
    unknown = 0
    for e in events:
        for s in e.sides:
            cl = s.losses.get("killed") or ()
            if len(cl) > 1:
                lo, hi = min(c.low for c in cl), max(c.high for c in cl)
                if hi > lo:
                    spreads.append((hi / max(lo, 1), e, s.side, lo, hi, len(cl)))
            if not any(s.losses.get(c) for c in SHOWN):
                unknown += 1
    spreads.sort(key=lambda x: (-x[0], x[1].id))
    first, last = min(e.date.earliest.year for e in events), max(e.date.latest.year for e in events)
    parts = [f"Casualty claims for {plural(len(events), 'event')} ({year_span(first, last)}), per side, "
             f"for {join_list([p[1].lower() for p in panels])}, "
             "on a scale that is zero then logarithmic."]
    if others:
        parts.append(f"The {plural(len(chosen), 'event')} with the highest claims of dead "
                     f"{'is' if len(chosen) == 1 else 'are'} drawn individually "
                     f"({join_list([e.title for e in chosen], limit=5)}); {plural(len(others), 'other event')} "
                     f"{'is' if len(others) == 1 else 'are'} grouped as other.")
    top = sorted(events, key=lambda e: -(highest_dead(e).value or 0))[:1]
    for e in top:
        hd = highest_dead(e)
        if hd.known:
            parts.append(f"The highest claim of dead is {format_count(hd.value)} for "
                         f"{side_names.get(hd.top.side, hd.top.side)} at {e.title}.")
    if spreads:
        r, e, side, lo, hi, n = spreads[0]
        parts.append(f"Widest disagreement on the dead: {side_names[side]} at {e.title}, {n} claims from "
                     f"{format_count(lo)} to {format_count(hi)}.")
    if unknown:
        parts.append(f"{plural(unknown, 'side')} in these events {'has' if unknown == 1 else 'have'} no figure "
                     "and {} shown as unknown.".format("is" if unknown == 1 else "are"))
    return " ".join(parts)
