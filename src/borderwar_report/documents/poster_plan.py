"""Laying out the poster's chart: type scale, lanes, label rows, the time axis and its breaks.

The stated rule when the data outgrows the sheet: first the largest type that lets every event carry its full
label (never below 7 pt); failing that, the chart switches to density bands per lane and month
(``charts.layout.DensityRule``), labels for the most significant events while room remains (each lane's
first, then the rest), and a numbered index of every event on further sheets."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from borderwar_report.documents.sheets import (
    INK,
    MIN_PT,
    MUTED,
    Block,
    Line,
    Seg,
    event_numbers,
    lanes_of,
    native_names,
    text_lines,
)

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
DOT_GAP = 3.0  # a loss dot's run is its diameter and this much (pt): 0.5 before it, the rest before its figure
ROW_GAP = 2.5  # vertical space between two blocks that share some of the time axis (pt)
LANE_HEADER = 1.5  # lane title line, in multiples of its type size
PHASE_ROW = 1.8  # one row of phase names, in multiples of their type size
AXIS_BREAK_YEARS = 2  # this many whole years or more without an event are squeezed on the poster's axis
AXIS_BREAK_WIDTH = 0.6  # the room a squeezed stretch keeps, in years


def _loss_dots(dataset, event, ts: TypeScale, measure, max_loss: float, max_dot: float) -> list[Seg]:
    from borderwar_report.records.claims import highest_dead

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
        # the dot (drawn 0.5 pt in), then a thin space before its figure: a dark ring touched the side's name
        segs.append(Seg(dot=d, ring=part.contested, colour=colour, width=d + DOT_GAP))
        segs.append(Seg(text, ts.small, colour=INK, width=measure(text, ts.small)))
    return segs


def _dot(value: float | None, max_dot: float) -> float:
    """A loss dot's diameter (pt): the charts' marker rule (charts.common.marker_diameter, logarithmic in
    the claim) at this type scale, so the poster's size key and the briefing's agree."""
    from borderwar_report.charts.common import marker_diameter

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
    from borderwar_report.records.claims import contested, full_scope

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
    from borderwar_report.charts.layout import (
        BrokenScale,
        Scale,
        empty_years,
        mark_extent,
    )

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
    from borderwar_report.charts.common import join_list, year_span

    breaks = axis_breaks(scale)
    if not breaks:
        return ""
    spans = join_list([year_span(a, b) for a, b in breaks])
    return (f"The time axis is broken at {spans} (marked //): no event falls in "
            f"{'that stretch' if len(breaks) == 1 else 'those stretches'}, so "
            f"{'it takes' if len(breaks) == 1 else 'they take'} less room than the other years.")


def _marks(events, ts: TypeScale, blocks: dict, losses: dict):
    from borderwar_report.charts.layout import Mark, mark_extent, significance

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
    from borderwar_report.charts.layout import (
        DensityRule,
        Mark,
        apply_density,
        pack_lane,
        pack_lanes,
    )
    from borderwar_report.records.claims import highest_dead

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
    from borderwar_report.charts.layout import significance

    summary = losses[event.id]
    return significance(event.kind, summary.value, summary.contested)


def _neg(priority: tuple) -> tuple:
    return tuple(-x for x in priority)


def _extent(date):
    from borderwar_report.charts.layout import mark_extent

    return mark_extent(date)


def _finish(plan: ChartPlan, need: float) -> ChartPlan:
    """Give the spare height to the lanes (evenly), so the chart fills its box."""
    spare = max(0.0, plan.height - need)
    for b in plan.lanes:
        b.spare = spare / max(1, len(plan.lanes))
    plan.content_height = need
    return plan
