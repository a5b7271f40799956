"""The escalation: events per year (stacked by kind) above the highest claim of dead per year (log scale).

An event counts in the year it starts. A year's bar is the highest claim of dead for one side in any one
event of that year (measures.highest_dead) — a figure somebody claims, never a sum;
the bar is coloured by the kind of the event whose claim it is (the upper panel's kind colours);
a year whose battles or border incidents have no claim at all shows "no figure", not zero, and a year
without fighting stays blank; a contested figure is hatched.
"""

from __future__ import annotations

import math
from collections import defaultdict

from borderwar_report.charts.common import (
    FIGHTING,
    KIND_FILLS,
    KIND_LABELS,
    Chart,
    LegendRow,
    join_list,
    kinds_present,
    plural,
    pt_axes,
    drawn_dead_claims,
    source_fits,
    source_line,
    year_span,
)
from borderwar_report.charts.measures import format_count, format_short, highest_dead
from borderwar_report.charts.style import (
    INK,
    MUTED,
    Preset,
    frame,
    new_figure,
    text_width_pt,
)

LOWER_PANEL = "Highest claim of dead for one side in one event, per year (log scale; colour: that event\u2019s kind)"


def make_escalation(dataset, project, preset: Preset) -> Chart:
    import matplotlib
    from matplotlib.ticker import (
        FixedFormatter,
        FixedLocator,
        LogLocator,
        MaxNLocator,
        NullFormatter,
        NullLocator,
    )

    fig = new_figure(preset)
    W = fig.get_figwidth() * 72
    margin = preset.margin
    size = preset.size * 0.9 if preset.name == "print" else preset.size
    y0, y1 = dataset.years
    years = list(range(y0, y1 + 1))
    kinds = kinds_present(dataset)
    counts = {k: defaultdict(int) for k in kinds}
    dead = defaultdict(float)
    dead_kind: dict[int, str] = {}  # the kind of the event whose claim is the year's bar
    contested = defaultdict(bool)
    known = defaultdict(bool)
    fighting_unknown = defaultdict(bool)  # a battle or border incident that year has no claim of dead
    for e in sorted(dataset.events, key=lambda e: (e.date.sort_key, e.id)):
        y = e.date.earliest.year
        counts[e.kind][y] += 1
        loss = highest_dead(e)
        if loss.known:
            if not known[y] or loss.value > dead[y]:
                dead[y], dead_kind[y] = loss.value, e.kind
                contested[y] = loss.contested
            known[y] = True
        elif e.kind in FIGHTING:
            fighting_unknown[y] = True
    title_h = preset.title_height
    source_h = preset.source_height
    inner = W - 2 * margin
    legend = _legend(fig, preset, kinds, inner)
    axis_h = size * 2.5  # tick labels, then a clear gap above the legend
    head = size * 1.8
    fixed = title_h + head + head * 1.5 + axis_h * 1.2 + legend.height + size * 0.8 + source_h
    H = preset.max_height * 72 if preset.fixed_height else min(preset.max_height * 72, fixed + 200)
    if not preset.fixed_height:
        fig.set_size_inches(preset.width, H / 72)
    panel = (H - fixed) / 2
    title = f"Escalation: events and losses per year, {year_span(y0, y1)}"
    frame(fig, preset, title, (source := source_line(dataset, drawn_dead_claims(dataset.events), source_fits(fig, preset))))
    tick_size = max(preset.small, size * 0.85)
    note_size = max(preset.small, size * 0.75)  # figures on the bars, "no figure"

    # both value axes' ticks first: the gutter on the left is as wide as their widest label
    totals = [sum(counts[k][y] for k in kinds) for y in years]
    peak = max(totals + [1])
    vmax = max(list(dead.values()) + [10])
    lim1, lim2 = (0, peak * 1.15), (0.8, 10 ** math.ceil(math.log10(vmax * 3)))
    ticks1, labels1 = _ticks(MaxNLocator(nbins=4, integer=True), lim1, format_count)
    ticks2, labels2 = _ticks(LogLocator(base=10, numticks=8), lim2, format_short)
    ylab = (max(text_width_pt(fig, t, tick_size) for t in labels1 + labels2)
            + matplotlib.rcParams["ytick.major.size"] + matplotlib.rcParams["ytick.major.pad"] + size * 0.3)
    left = margin + ylab
    width = inner - ylab

    def add_axes(top):
        return fig.add_axes((left / W, 1 - (top + panel) / H, width / W, panel / H))

    top1 = title_h + head
    ax1 = add_axes(top1)
    bottom = [0] * len(years)
    for k in kinds:
        vals = [counts[k][y] for y in years]
        ax1.bar(years, vals, bottom=bottom, width=0.72, color=KIND_FILLS.get(k, INK), edgecolor="white",
                linewidth=0.4 * preset.scale, zorder=2)
        bottom = [b + v for b, v in zip(bottom, vals, strict=False)]
    ax1.set_ylim(*lim1)
    ax1.yaxis.set_major_locator(FixedLocator(ticks1))
    ax1.yaxis.set_major_formatter(FixedFormatter(labels1))
    ax1.grid(axis="y", color="#E2E2E2", lw=0.4 * preset.scale, zorder=0)
    ax1.set_xlim(y0 - 0.6, y1 + 0.6)
    ax1.set_xticks(years)
    ax1.set_xticklabels([])
    fig.text(margin / W, 1 - (top1 - head * 0.45) / H, "Events per year (by the year they begin)", fontsize=size,
             fontweight="bold", color=INK, ha="left", va="center_baseline")

    top2 = top1 + panel + head * 1.5 + axis_h * 0.2
    ax2 = add_axes(top2)
    ax2.set_yscale("log")
    ax2.set_ylim(*lim2)
    ax2.set_xlim(y0 - 0.6, y1 + 0.6)
    for y in years:
        if known[y] and dead[y] > 0:
            ax2.bar([y], [dead[y]], width=0.72, bottom=0.8, color=KIND_FILLS.get(dead_kind[y], INK),
                    hatch="////" if contested[y] else None, edgecolor="white", linewidth=0.4 * preset.scale,
                    zorder=2)
            ax2.text(y, dead[y] * 1.15, format_count(dead[y]), ha="center", va="bottom", fontsize=note_size,
                     color=INK, zorder=3)
        elif known[y]:
            ax2.text(y, 1.0, "0", ha="center", va="bottom", fontsize=note_size, color=MUTED)
        elif fighting_unknown[y]:
            ax2.text(y, 1.0, "no figure", ha="center", va="bottom", fontsize=note_size, color=MUTED,
                     style="italic", rotation=90)
    ax2.yaxis.set_major_locator(FixedLocator(ticks2))
    ax2.yaxis.set_major_formatter(FixedFormatter(labels2))
    ax2.yaxis.set_minor_formatter(NullFormatter())
    ax2.yaxis.set_minor_locator(NullLocator())  # the log scale's eight ticks a decade drew a ruler up the axis
    ax2.grid(axis="y", color="#E2E2E2", lw=0.4 * preset.scale, zorder=0)
    step = 1 if width / len(years) > size * 2.6 else 2
    ax2.set_xticks(years[::step])
    ax2.set_xticklabels([str(y) for y in years[::step]])
    fig.text(margin / W, 1 - (top2 - head * 0.75) / H, LOWER_PANEL, fontsize=size, fontweight="bold", color=INK,
             ha="left", va="center_baseline")
    for ax in (ax1, ax2):
        ax.tick_params(labelsize=tick_size)
    leg_top = top2 + panel + axis_h
    lax = pt_axes(fig, margin, leg_top, inner, legend.height)
    legend.draw(lax)

    busiest = max(years, key=lambda y: (sum(counts[k][y] for k in kinds), -y))
    deadliest = sorted((y for y in years if dead[y] > 0), key=lambda y: -dead[y])[:2]
    busiest_n = sum(counts[k][busiest] for k in kinds)
    alt = (f"Two bar charts for {year_span(y0, y1)}. Events per year: most in {busiest} "
           f"({plural(busiest_n, 'event')}). ")
    if deadliest:
        alt += ("Lower chart, per year, the highest claim of dead for one side in any one event, log scale: "
                "highest in " + join_list([f"{y} ({format_count(dead[y])}, "
                                           f"{KIND_LABELS.get(dead_kind[y], dead_kind[y])}"
                                           + (", contested" if contested[y] else "") + ")" for y in deadliest])
                + ".")
    no_fig = [y for y in years if fighting_unknown[y] and not known[y]]
    if no_fig:
        alt += f" {plural(len(no_fig), 'year')} with fighting but no claim of dead."
    caption = ("Events counted in the year they begin. Lower panel: for each year, the highest claim of dead "
               "for one side in any one event that began in it, as claimed (nothing is added up or "
               "averaged); the bar takes the colour of that event's kind. A year whose battles or border "
               "incidents have no claim of dead says \u201cno figure\u201d; a year without fighting is left blank.")
    return Chart("escalation", fig, title, alt, caption, {"years": len(years), "peak": peak}, source)


def _ticks(locator, limits, fmt) -> tuple[list[float], list[str]]:
    """The ticks ``locator`` puts within ``limits``, and their labels."""
    lo, hi = limits
    ticks = [float(t) for t in locator.tick_values(lo, hi) if lo <= t <= hi]
    return ticks, [fmt(t) for t in ticks]


def _legend(fig, preset, kinds, width) -> LegendRow:
    from matplotlib.patches import Rectangle

    row = LegendRow(fig, preset, width)
    g = row.size * 1.0

    def swatch(colour, hatch=None):
        def draw(ax, x, y):
            ax.add_patch(Rectangle((x - g / 2, y - g / 2), g, g, facecolor=colour, edgecolor="white", hatch=hatch,
                                   clip_on=False))
        return draw
    row.add(0, lambda ax, x, y: None, "Kind of event (both panels):", gap_after=row.size * 0.6)
    for k in kinds:
        row.add(g, swatch(KIND_FILLS.get(k, INK)), KIND_LABELS.get(k, k))
    row.add(g, swatch(KIND_FILLS["diplomacy"], "////"), "contested: claimants give different figures")
    return row
