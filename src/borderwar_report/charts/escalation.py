"""The escalation: events per year (stacked by kind) above the highest claim of dead per year (log scale).

An event counts in the year it starts. A year's bar is the highest claim of dead for one side in any one
event of that year (measures.highest_dead) — a figure somebody claims, never a sum;
a year whose events have no figure at all shows "no figure", not zero; a year with contested figures is
hatched.
"""

from __future__ import annotations

import math
from collections import defaultdict

from .common import KIND_FILLS, KIND_LABELS, Chart, LegendRow, join_list, kinds_present, plural, pt_axes, source_line
from .measures import highest_dead, format_count, format_short
from .style import INK, MUTED, Preset, frame, new_figure, text_width_pt


def make_escalation(dataset, project, preset: Preset) -> Chart:
    import matplotlib
    from matplotlib.ticker import FixedFormatter, FixedLocator, LogLocator, MaxNLocator, NullFormatter

    fig = new_figure(preset)
    W = fig.get_figwidth() * 72
    margin = preset.margin
    size = preset.size * 0.9 if preset.name == "print" else preset.size
    y0, y1 = dataset.years
    years = list(range(y0, y1 + 1))
    kinds = kinds_present(dataset)
    counts = {k: defaultdict(int) for k in kinds}
    dead = defaultdict(float)
    contested = defaultdict(bool)
    known = defaultdict(bool)
    for e in dataset.events:
        y = e.date.earliest.year
        counts[e.kind][y] += 1
        loss = highest_dead(e)
        if loss.known:
            dead[y] = max(dead[y], loss.value)
            known[y] = True
            contested[y] |= loss.contested
    title_h = preset.title_height
    source_h = preset.source_height
    inner = W - 2 * margin
    legend = _legend(fig, preset, kinds, inner)
    axis_h = size * 2.0
    head = size * 1.8
    fixed = title_h + head + head * 1.5 + axis_h * 1.2 + legend.height + size * 0.8 + source_h
    H = preset.max_height * 72 if preset.fixed_height else min(preset.max_height * 72, fixed + 200)
    if not preset.fixed_height:
        fig.set_size_inches(preset.width, H / 72)
    panel = (H - fixed) / 2
    title = f"Escalation: events and losses per year, {y0}–{y1}"
    frame(fig, preset, title, source_line(dataset))
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
            ax2.bar([y], [dead[y]], width=0.72, bottom=0.8, color="#5A5A5A",
                    hatch="////" if contested[y] else None, edgecolor="white", linewidth=0.4 * preset.scale,
                    zorder=2)
            ax2.text(y, dead[y] * 1.15, format_count(dead[y]), ha="center", va="bottom", fontsize=note_size,
                     color=INK, zorder=3)
        elif known[y]:
            ax2.text(y, 1.0, "0", ha="center", va="bottom", fontsize=note_size, color=MUTED)
        elif any(counts[k][y] for k in kinds):
            ax2.text(y, 1.0, "no figure", ha="center", va="bottom", fontsize=note_size, color=MUTED,
                     style="italic", rotation=90)
    ax2.yaxis.set_major_locator(FixedLocator(ticks2))
    ax2.yaxis.set_major_formatter(FixedFormatter(labels2))
    ax2.yaxis.set_minor_formatter(NullFormatter())
    ax2.grid(axis="y", color="#E2E2E2", lw=0.4 * preset.scale, zorder=0)
    step = 1 if width / len(years) > size * 2.6 else 2
    ax2.set_xticks(years[::step])
    ax2.set_xticklabels([str(y) for y in years[::step]])
    fig.text(margin / W, 1 - (top2 - head * 0.75) / H, "Highest claim of dead for one side in one event, per year "
             "(log scale; hatched: claimants disagree)", fontsize=size, fontweight="bold", color=INK, ha="left", va="center_baseline")
    for ax in (ax1, ax2):
        ax.tick_params(labelsize=tick_size)
    leg_top = top2 + panel + axis_h
    lax = pt_axes(fig, margin, leg_top, inner, legend.height)
    legend.draw(lax)

    busiest = max(years, key=lambda y: (sum(counts[k][y] for k in kinds), -y))
    deadliest = sorted((y for y in years if dead[y] > 0), key=lambda y: -dead[y])[:2]
    alt = (f"Two bar charts for {y0}–{y1}. Events per year: most in {busiest} "
           f"({sum(counts[k][busiest] for k in kinds)}). ")
    if deadliest:
        alt += "Highest claim of dead in one event for one side, per year, log scale: highest in " + join_list(
            [f"{y} ({format_count(dead[y])}{', contested' if contested[y] else ''})" for y in deadliest]) + "."
    no_fig = [y for y in years if not known[y] and any(counts[k][y] for k in kinds)]
    if no_fig:
        alt += f" {plural(len(no_fig), 'year')} with events but no loss figure."
    caption = ("Events counted in the year they begin. Lower panel: the highest claim of dead for one side in "
               "any one event of the year, as claimed (nothing is added up or averaged). Years without any "
               "figure say so rather than show zero.")
    return Chart("escalation", fig, title, alt, caption, {"years": len(years), "peak": peak})


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
    for k in kinds:
        row.add(g, swatch(KIND_FILLS.get(k, INK)), KIND_LABELS.get(k, k))
    row.add(g, swatch("#5A5A5A", "////"), "contested dead figures")
    return row
