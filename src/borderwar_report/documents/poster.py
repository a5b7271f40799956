"""The wall timeline (timeline-poster.pdf, optionally tiled): drawing the planned chart and the sheet.

The chart is a Matplotlib SVG at the sheet's physical size with live text (typeset by WeasyPrint with the
bundled fonts, so names stay selectable); lanes, label rows and the density rule come from ``charts.layout``
via ``poster_plan``, the loss figure from ``charts.measures``."""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass, replace
from pathlib import Path

from borderwar_report.core.files import write_atomic
from borderwar_report.documents.poster_plan import (
    GLYPH,
    PHASE_ROW,
    ChartPlan,
    TypeScale,
    _dot,
    _extent,
    axis_break_text,
    axis_breaks,
    plan_chart,
)
from borderwar_report.documents.sheets import (
    BAND_FILL,
    FAINT,
    INK,
    MIN_PT,
    MM,
    MUTED,
    Block,
    Measure,
    _common,
    _data_uri,
    _fonts_dir,
    _render,
    event_numbers,
    lanes_of,
    short_names,
    wrap,
)

# --- drawing the chart ------------------------------------------------------------------------------



def _baseline(centre: float, size: float) -> float:
    """Baseline that centres a line's lower-case and capital letters on ``centre`` (y grows downwards)."""
    return centre + 0.36 * size


def draw_chart(plan: ChartPlan, dataset, project) -> bytes:
    """The planned chart as SVG bytes (live text, fonts by family name)."""
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Circle, Rectangle

    from borderwar_report.charts import style

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
    from borderwar_report.charts.layout import Mark, density_bins, mark_extent

    marks = [Mark(e.id, e.lane, *mark_extent(e.date), 0.0) for e in events]
    return density_bins(marks, sc.x0, sc.x1, 12)


def _draw_date(ax, seg, date, kind: str, x_of, centre: float, ts: TypeScale) -> None:
    """The date at its real precision: a marker for a known day (shape and fill by kind, as in the charts),
    a bar for a known span, a whisker |—| over the range an imprecise end may fall in, hollow when
    approximate or uncertain, dashed for "a or b"."""
    from matplotlib.patches import Circle, Rectangle, RegularPolygon

    from borderwar_report.charts.common import KIND_FILLS, KIND_MARKERS
    from borderwar_report.charts.layout import decimal_year
    from borderwar_report.charts.timeline import BAR_EDGE, BAR_FACE

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

    from borderwar_report.charts.style import stack_for_lang

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
    from borderwar_report.documents.tiles import sheet_mm

    w, h = sheet_mm(name, landscape=True)
    f = w / 420.0
    pt = lambda base: max(MIN_PT, base * f) / MM  # noqa: E731 — mm per line of that size
    header = pt(20) * 1.25 + pt(9.5) * 1.45 + 1.5
    legend = pt(8.5) * 1.6 + pt(7.5) * 1.32 * 8.6
    return SheetLayout(name, w, h, f, 8.0 * max(1.0, math.sqrt(f)), header, legend, pt(7.5) * 1.45, 2.0 * max(1.0, f))


def _legend(ctx, plan: ChartPlan) -> dict:
    from borderwar_report.records.claims import (
        HIGHEST_DEAD_RULE,
        HIGHEST_DEAD_SHORT,
        highest_dead,
    )

    ds = ctx.dataset
    used = {p.side for e in ds.events for p in highest_dead(e).sides}
    sides = [{"name": s.name, "short": s.short, "colour": s.colour, "in_losses": s.id in used} for s in ds.sides]
    phases = [{"name": p.name, "date": p.date.display()} for p in ds.phases]
    lanes = [label for _, label in lanes_of(ds)]
    from borderwar_report.charts.common import (
        KIND_FILLS,
        KIND_LABELS,
        KIND_MARKERS,
        kinds_present,
    )

    kinds = [{"label": KIND_LABELS.get(k, k), "fill": KIND_FILLS.get(k, INK), "shape": KIND_MARKERS.get(k, "o")}
             for k in kinds_present(ds)]
    from borderwar_report.charts.measures import claimed_dead, reference_values

    scale = [{"value": f"{v:,}", "d": round(_dot(v, plan.max_dot), 2)}
             for v in reference_values(claimed_dead(ds))]
    return {"sides": sides, "phases": phases, "lanes": lanes, "loss_rule": HIGHEST_DEAD_RULE,
            "axis_break": axis_break_text(plan.scale),
            "kinds": kinds, "dot_scale": scale, "size_key": HIGHEST_DEAD_SHORT}


def overview_note(plan: ChartPlan, n_events: int, sheet_label: str, indexed: int | None = None) -> str:
    """The banner's statement of the overview rule; ``indexed`` events are in the index (all by default)."""
    from borderwar_report.charts.layout import DensityRule

    indexed = n_events if indexed is None else indexed
    if indexed >= n_events:
        listing = f"All {n_events:,} events are listed by number, date and title in the index on the following sheets."
    else:
        unlisted = n_events - indexed
        listing = (f"The index on the following sheets lists {indexed:,} of them by number, date and title (at "
                   f"most {POSTER_INDEX_EVENTS:,}: every labelled event, then the most significant of the "
                   f"others); the other {unlisted:,} {'event is' if unlisted == 1 else 'events are'} listed "
                   f"only in the interactive timeline and the data exports.")
    return (f"This data set has {n_events:,} events — more than fit as full labels on one {sheet_label} sheet "
            f"with type of at least {MIN_PT:g} pt. So, by rule: every event without a label is counted in its "
            f"lane's density band (grey bars: events per month). {DensityRule().describe()} Labels go, while "
            f"they fit, first to the most significant event of each lane, then to the most significant of the "
            f"rest: {plan.labelled:,} are labelled here, each with its index number. {listing}")


POSTER_INDEX_EVENTS = 600  # the overview's index lists at most this many events (index_events): ≈ 3 A3 sheets


def index_events(dataset, plan: ChartPlan, budget: int | None = None) -> list:
    """Which events the overview's index lists, in date order: all of them up to the budget; beyond it every
    event labelled on the chart (its number must be found), then the most significant of the others (battles
    first, then the highest claim of dead for one side, then incidents before diplomacy and context), the
    earliest first among equals, until the budget is full."""
    budget = POSTER_INDEX_EVENTS if budget is None else budget
    events = list(dataset.events)
    if len(events) <= budget:
        return events
    from borderwar_report.documents.poster_plan import _neg, significance_of
    from borderwar_report.records.claims import highest_dead

    chosen = {p.id for box in plan.lanes for p in box.placements}
    losses = {e.id: highest_dead(e) for e in events if e.id not in chosen}
    rest = sorted((e for e in events if e.id not in chosen),
                  key=lambda e: (_neg(significance_of(e, losses)), e.date.sort_key, e.id))
    for e in rest[:max(0, budget - len(chosen))]:
        chosen.add(e.id)
    return [e for e in events if e.id in chosen]


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
    listed: int = 0  # events in the index (index_events)


def index_layout(dataset, sheet: SheetLayout, measure, events=None) -> IndexLayout:
    """The index of ``events`` (every event by default), each with its number among all events."""
    lanes = dict(lanes_of(dataset))
    numbers = event_numbers(dataset)
    events = list(dataset.events) if events is None else list(events)
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
    for e in events:
        i = numbers[e.id]
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
    return IndexLayout(tuple(sheets), columns, column_width, size, leading, indent, gap, round(top, 3), len(events))


def _alt_text(dataset, plan: ChartPlan) -> str:
    first, last = int(plan.scale.x0), int(plan.scale.x1) - 1
    lanes = "; ".join(label for _, label in lanes_of(dataset))
    phases = "; ".join(f"{p.name} ({p.date.display()})" for p in dataset.phases)
    from borderwar_report.charts.common import plural, year_span

    return (f"Timeline of {plural(len(dataset.events), 'event')}, {year_span(first, last)}, in lanes: {lanes}."
            + (f" Phases: {phases}." if phases else ""))


def render_poster(ctx, size: str | None = None) -> tuple[bytes, SheetLayout, ChartPlan]:
    """The poster PDF (chart sheet, plus index sheets when the overview rule applies)."""
    from borderwar_report.core.fonts import check_glyphs
    from borderwar_report.documents.tiles import SHEET_LABELS

    check_glyphs(ctx.dataset, _fonts_dir(ctx))  # a name no bundled font can draw fails here, by record
    size = (size or ctx.options.poster_size or "a3").lower()
    sheet = sheet_layout(size)
    sheet_label = f"{SHEET_LABELS[size]} landscape"
    n = len(ctx.dataset.events)
    plan = plan_chart_in_style(ctx, sheet)
    note = ""
    if plan.overview:  # the rule is stated in a banner over the chart; the chart gives up that height
        # the longest the note can be: every number as long as it gets
        longest = overview_note(replace(plan, labelled=n), n, sheet_label, min(n, POSTER_INDEX_EVENTS))
        sheet = replace(sheet, banner=banner_height(ctx, sheet, longest))
        plan = plan_chart_in_style(ctx, sheet, overview=True)
    index = None
    if plan.overview:
        listed = index_events(ctx.dataset, plan)
        index = index_layout(ctx.dataset, sheet, _measure_for(_fonts_dir(ctx)), listed)
        note = overview_note(plan, n, sheet_label, len(listed))
    svg = draw_chart(plan, ctx.dataset, ctx.project)
    plan.sheets = 1 + (len(index.sheets) if index else 0)
    pdf = _render(ctx, "poster.html.j2", f"timeline-poster.pdf ({sheet_label})", "timeline-poster.pdf",
                  **_common(ctx), sheet=sheet, sheet_label=sheet_label, size=size, chart_uri=_data_uri(svg),
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
    from borderwar_report.documents.tiles import overlay_context, plan_tiles, tile_pdf

    plan = plan_tiles(sheet.width * MM, sheet.height * MM, ctx.options.tile, overlap_mm=overlap_mm)
    overlay = _render(ctx, "tiles.html.j2", "timeline-poster-tiles.pdf", language=_common(ctx)["language"],
                      **overlay_context(plan, sheets, ctx.dataset.document.title))
    return tile_pdf(poster_pdf, overlay, plan)
