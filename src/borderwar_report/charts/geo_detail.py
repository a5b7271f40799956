"""An event's detail map: its ``map`` block (extent, named places, lines such as fronts on a date) over the
bundled world geometry, cut at build time to the block's extent (or to its places with a margin).

A battle without a block gets one when the data has enough located events around it (see
:func:`detail_block`). ``make_detail(dataset, project, preset, event)`` → :class:`.common.Chart`. Type is
never under :data:`.locator.MIN_PT`.
"""

from __future__ import annotations

import math
from pathlib import Path

from borderwar_report.charts import geo as G
from borderwar_report.charts import layout as L
from borderwar_report.charts.common import Chart, pt_axes, source_fits, source_line, wrap_text
from borderwar_report.charts.locator import (
    BORDER,
    INK,
    LAND,
    MIN_PT,
    MUTED,
    RIVER,
    _base_map,
    _degree_labels,
    _graticule,
    _km,
    _orientation_names,
    _view,
    base_key,
    geo_dir,
    legend_row,
)
from borderwar_report.charts.measures import highest_dead
from borderwar_report.charts.style import new_figure, text_width_pt
from borderwar_report.records.model import EventMap, MapPlace

LINE_STYLES = {"front": ("#B03A2E", 1.2, "-"), "advance": ("#1F4E79", 1.0, (0, (5, 2))),
               "withdrawal": ("#7F7F7F", 1.0, (0, (2, 2))), "river": (RIVER, 1.0, "-"),
               "border": (BORDER, 0.8, (0, (4, 2))), "other": (INK, 0.8, "-")}
DETAIL_HEIGHT_SHARE = 0.6  # of the preset's largest height
SIDE_SHARE = 0.34  # of the page's width: the key and notes in a column beside a narrow map
MIN_UNDER_SHARE = 0.25  # of the map's height with its key beside it: the least a key under the map leaves it
MAX_ASPECT = 1.8  # width over height of a detail map's figure: the briefing sets a chart from 1.9 on a landscape page


NEAR_KM = 150.0  # events this close to a battle are its neighbourhood
NEAR_PLACES = 3  # distinct located places (the battle's own included) that earn a battle a detail map
AUTO_DETAIL_CANDIDATES = 12  # only the most significant battles are considered for an automatic detail map
NEAR_PLACES_MAX = 40  # an automatic detail map shows at most this many places (those of the most significant events)


ARROW_KINDS = ("advance", "withdrawal")  # lines that are movements: drawn with a head at their last point


def _arrow_head(ax, points, colour, lw, fs, scale):
    """A solid head at the end of a movement line, as long as the type is high, pointing along its last
    segment (measured in points on the page, so it keeps its shape whatever the map's degrees per point)."""
    (x0, y0), (x1, y1) = points[-2], points[-1]
    dx, dy = (x1 - x0) * scale[0], (y1 - y0) * scale[1]
    length = math.hypot(dx, dy)
    if length == 0:
        return
    back = min(1.0, fs * 1.2 / length)  # the head's tail: a short way back along the segment
    ax.annotate("", xy=(x1, y1), xytext=(x1 - (x1 - x0) * back, y1 - (y1 - y0) * back), zorder=5,
                arrowprops={"arrowstyle": f"-|>,head_length={fs * 0.09:.2f},head_width={fs * 0.05:.2f}",
                            "color": colour, "lw": lw, "shrinkA": 0, "shrinkB": 0})


def line_numbers(lines) -> dict[tuple[str, str], int]:
    """(kind, name) → the number drawn on each of its lines and in its key item, when two or more named
    groups share one kind's style (five advances would otherwise be five identical dashes in the key)."""
    groups = list(dict.fromkeys((ln.kind, ln.name) for ln in lines))
    kinds = [kind for kind, _ in groups]
    if all(kinds.count(kind) == 1 for kind in kinds):
        return {}
    return {group: i for i, group in enumerate(groups, 1)}


def _number_spot(points, fs):
    """Where a line's number goes (page coordinates): halfway along it, or, on a line too short to show
    itself past the number, just behind its start (the arrow then runs from the number)."""
    steps = [math.hypot(b[0] - a[0], b[1] - a[1]) for a, b in zip(points, points[1:], strict=False)]
    if sum(steps) < fs * 5 and steps and steps[0]:
        (x0, y0), (x1, y1) = points[0], points[1]
        back = fs * 1.1 / steps[0]
        return x0 - (x1 - x0) * back, y0 - (y1 - y0) * back
    left = sum(steps) / 2
    for (a, b), step in zip(zip(points, points[1:], strict=False), steps, strict=True):
        if step and left <= step:
            t = left / step
            return a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t
        left -= step
    return points[0]


def _number_mark(ax, x, y, number: int, colour, fs, scale):
    ax.text(x, y, str(number), fontsize=fs, color=colour, ha="center", va="center", zorder=8, clip_on=False,
            bbox={"boxstyle": "circle,pad=0.15", "fc": "white", "ec": colour, "lw": 0.6 * scale})


def has_detail(event) -> bool:
    m = event.map
    return m is not None and (len(m.places) + len(m.lines) > 0)


def _order(e):
    """The most significant first (layout.significance), then the earliest."""
    dead = highest_dead(e)
    return tuple(-x for x in L.significance(e.kind, dead.value, dead.contested)), e.date.sort_key, e.id


_AUTO: list = [None, {}, {}]  # (the dataset, its automatic blocks, {event id: places in the neighbourhood})


def automatic_blocks(dataset) -> dict[str, EventMap]:
    """The stated rule for detail maps the data does not ask for: of the AUTO_DETAIL_CANDIDATES most
    significant located battles, each one whose neighbourhood (the located events within NEAR_KM) holds at
    least NEAR_PLACES distinct places and no more significant battle gets a map of that neighbourhood.
    Bounded work and output however large the data set: at most that many maps, each found in one pass, each
    with at most NEAR_PLACES_MAX places (beyond that, those of the most significant events, the battle's own
    first; the map's note and caption give the count of all)."""
    if _AUTO[0] is dataset:
        return _AUTO[1]
    located = [e for e in dataset.events if e.place is not None and e.place.located]
    battles = sorted((e for e in located if e.kind == "battle" and not has_detail(e)), key=_order)
    blocks: dict[str, EventMap] = {}
    totals: dict[str, int] = {}
    for event in battles[:AUTO_DETAIL_CANDIDATES]:
        here = (event.place.lon, event.place.lat)
        near = [e for e in located if _km(here, (e.place.lon, e.place.lat)) <= NEAR_KM]
        if any(e.kind == "battle" and _order(e) < _order(event) for e in near):
            continue  # a more significant battle nearby draws the neighbourhood
        places: dict = {}
        for e in sorted(near, key=lambda e: (e is not event, e.date.sort_key, e.id)):
            places.setdefault((round(e.place.lon, 2), round(e.place.lat, 2)), e.place)
        if len(places) < NEAR_PLACES:
            continue
        note = f"The located events of the data set within {NEAR_KM:,.0f} km."
        if len(places) > NEAR_PLACES_MAX:  # the budget: the places of the most significant events, own first
            keep: set = set()
            for e in sorted(near, key=lambda e: (e is not event, _order(e))):
                if len(keep) >= NEAR_PLACES_MAX:
                    break
                keep.add((round(e.place.lon, 2), round(e.place.lat, 2)))
            totals[event.id] = len(places)
            note = (f"The located events of the data set within {NEAR_KM:,.0f} km: of their {len(places):,} "
                    f"places, the {NEAR_PLACES_MAX} of the most significant events (battles first, then the "
                    f"highest claim of dead for one side).")
            places = {k: v for k, v in places.items() if k in keep}
        blocks[event.id] = EventMap(
            places=tuple(MapPlace(p.name, p.lat, p.lon, bool(p.approximate)) for p in places.values()), note=note)
    _AUTO[:] = [dataset, blocks, totals]
    return blocks


def detail_block(dataset, event) -> EventMap | None:
    """The event's own ``map`` block, else its automatic one (:func:`automatic_blocks`); None: no detail map."""
    if has_detail(event):
        return event.map
    return automatic_blocks(dataset).get(event.id)


def _is_own(event, place) -> bool:
    """Is this map place the event's own (drawn in bold)?"""
    return event.place is not None and (place.lat, place.lon) == (event.place.lat, event.place.lon)


def make_detail(dataset, project, preset, event, block: EventMap | None = None) -> Chart:
    block = block or detail_block(dataset, event)
    gdir = geo_dir(project)
    fig = new_figure(preset)
    W = fig.get_figwidth() * 72
    margin, fs = preset.margin, max(MIN_PT, preset.size * 0.85)
    inner = W - 2 * margin
    min_text = inner * 0.6  # the legend and notes get at least this width, the map's if it is wider

    numbers = line_numbers(block.lines)

    def key_and_notes(width, cities=True):
        legend = legend_row(fig, preset, width)
        named: set = set()
        for ln in block.lines:  # each line is named in the legend (a name along a short line seldom fits) ...
            if (ln.kind, ln.name) in named:
                continue  # ... once: two arrows of one army share its item
            named.add((ln.kind, ln.name))
            colour, lw, ls = LINE_STYLES.get(ln.kind, LINE_STYLES["other"])
            number = numbers.get((ln.kind, ln.name))

            # a numbered line as the map draws it, its number halfway: long enough to show past the circle
            # on both sides (a line the circle's width left a stray tick at its edge)
            half = fs * (1.8 if number is not None else 1.0)

            def symbol(ax, x, y, c=colour, w=lw, s=ls, n=number, half=half):
                ax.plot([x - half, x + half], [y, y], color=c, lw=w, ls=s, clip_on=False)
                if n is not None:
                    _number_mark(ax, x, y, n, c, fs, preset.scale)
            legend.add(half * 2.2, symbol, f"{ln.kind}: {ln.name}")
        dot = 2.6 * preset.scale
        if any(not p.approximate for p in block.places):
            legend.add(fs, lambda ax, x, y: ax.scatter([x], [y], s=[(dot * 2) ** 2], facecolors=[INK],
                                                       edgecolors=[INK], clip_on=False),
                       "place (the event’s own in bold)" if any(_is_own(event, p) for p in block.places)
                       else "place")
        if any(p.approximate for p in block.places):
            legend.add(fs, lambda ax, x, y: ax.scatter([x], [y], s=[(dot * 2) ** 2], facecolors=["white"],
                                                       edgecolors=[INK], clip_on=False), "approximate place")
        base_key(legend, preset, cities)  # what the base map's lines and squares are
        notes = [n for n in (block.note, getattr(dataset.document, "map_note", "")) if n]
        lines: list[str | None] = []  # None: the space between two notes (they read as one paragraph without it)
        for n in notes:
            lines.extend(([None] if lines else []) + wrap_text(fig, " ".join(n.split()), fs, width))
        text_height = sum(fs * (0.6 if line is None else 1.4) for line in lines)
        return legend, lines, legend.height + fs * 0.6 + text_height

    legend, note_lines, below = key_and_notes(min_text)
    side_w, gap = inner * SIDE_SHARE, fs * 1.5
    side_h = preset.max_height * 72 * DETAIL_HEIGHT_SHARE - margin * 2  # the map's height with its key beside it
    # the map's height with its key under it; a long key (many lines, a long note) may leave little or nothing,
    # so the map keeps a floor of its share and the key beside it is weighed below
    avail_h = max(side_h - below, side_h * MIN_UNDER_SHARE)
    pts = [(p.lon, p.lat) for p in block.places] + [q for ln in block.lines for q in ln.points]
    if event.place is not None and event.place.located:
        pts.append((event.place.lon, event.place.lat))
    if block.extent:
        w, s, e, n = block.extent
        view = (w, e if e > w else e + 360, s, n)  # the record's extent as given; the map takes its shape
    else:
        spread = max(max(p[0] for p in pts) - min(p[0] for p in pts), max(p[1] for p in pts) - min(p[1] for p in pts))
        view = _view(pts, min(inner / avail_h, 1.6), min_pad_deg=max(0.02, spread * 0.15))
    w0, w1, s0, s1 = view
    aspect = (w1 - w0) * math.cos(math.radians((s0 + s1) / 2)) / (s1 - s0)
    map_w = min(inner, avail_h * aspect)
    # A map narrower than the page with its key under it (its height taken by the key's lines) is drawn
    # taller with the key and notes in a column beside it, when that makes it larger.
    side = bool(min(inner - side_w - gap, side_h * aspect) > map_w * 1.15)
    if side:  # the column is as wide as the key's widest item (a legend item does not wrap), up to half the page
        row = key_and_notes(side_w)[0]
        side_w = max([side_w] + [g + row.size * 0.35 + row._measure(t) + 1 for g, _d, t, _gap in row.items])
        side = bool(side_w <= inner * 0.5 and min(inner - side_w - gap, side_h * aspect) > map_w * 1.15)
    if side:
        map_w = min(inner - side_w - gap, side_h * aspect)
    map_h = map_w / aspect
    if side and (2 * margin + map_w + gap + side_w) / (2 * margin + map_h) > MAX_ASPECT:
        # not so wide that the briefing gives it a landscape page: the map is drawn taller, showing more
        # of the land north and south of the extent (the extent stays in the middle)
        map_h = (2 * margin + map_w + gap + side_w) / MAX_ASPECT - 2 * margin
        mid, half = (s0 + s1) / 2, (w1 - w0) * math.cos(math.radians((s0 + s1) / 2)) * map_h / map_w / 2
        view = w0, w1, s0, s1 = (w0, w1, mid - half, mid + half)
        aspect = map_w / map_h
    text_w = side_w if side else max(map_w, min_text)
    cities = any(p["layer"] == "city" for p in G.places_in(G.load_places(str(gdir)), view))
    legend, note_lines, below = key_and_notes(text_w, cities)
    if side:
        W = margin + map_w + gap + text_w + margin
        H = margin + max(map_h, below) + margin
    else:
        W = text_w + 2 * margin  # the figure is as wide as its map (or its key): a narrow map is no wide figure
        H = margin + map_h + fs * 0.4 + below + margin
    fig.set_size_inches(W / 72, H / 72)
    ax = fig.add_axes((margin / W, 1 - (margin + map_h) / H, map_w / W, map_h / H))
    ax.set_xlim(w0, w1)
    ax.set_ylim(s0, s1)
    ax.set_aspect(1 / math.cos(math.radians((s0 + s1) / 2)), adjustable="box")
    # the finer layer where it holds the whole view (a battlefield 30 km across), else the world file
    base = G.detail_base(project, view) or G.load_base(str(G.world_file(gdir)))
    layers = _base_map(ax, base, preset, view, map_w, [event])
    xs, ys = _graticule(ax, w0, w1, s0, s1, fs, preset)
    pt_x, pt_y = map_w / (w1 - w0), map_h / (s1 - s0)
    for ln in block.lines:
        colour, lw, ls = LINE_STYLES.get(ln.kind, LINE_STYLES["other"])
        ax.plot([p[0] for p in ln.points], [p[1] for p in ln.points], color=colour, lw=lw * preset.scale, ls=ls,
                zorder=5, solid_capstyle="round")
        if ln.kind in ARROW_KINDS:  # a movement ends in a head at its last point (the points run in its direction)
            _arrow_head(ax, ln.points, colour, lw * preset.scale, fs, (pt_x, pt_y))
    obstacles = []
    for ln in block.lines:
        number = numbers.get((ln.kind, ln.name))
        if number is None:
            continue
        x, y = _number_spot([((q[0] - w0) * pt_x, (q[1] - s0) * pt_y) for q in ln.points], fs)
        _number_mark(ax, w0 + x / pt_x, s0 + y / pt_y, number, LINE_STYLES.get(ln.kind, LINE_STYLES["other"])[0],
                     fs, preset.scale)
        half = fs * 0.75  # the circle round a one- or two-digit number
        obstacles.append((x - half, y - half, x + half, y + half))
    dot = 2.6 * preset.scale
    items = []
    for i, p in enumerate(block.places):
        ax.scatter([p.lon], [p.lat], s=[(dot * 2) ** 2], marker="o", facecolors=["white" if p.approximate else INK],
                   edgecolors=[INK], linewidths=0.6 * preset.scale, zorder=6)
        own = _is_own(event, p)
        items.append(L.PointLabel(f"p{i}", (p.lon - w0) * pt_x, (p.lat - s0) * pt_y,
                                  text_width_pt(fig, p.name, fs, "bold" if own else "normal"), fs * 1.15, dot,
                                  (len(block.places) - i,)))
    # the labels keep off the drawn lines where they all still find room (else they may cover a line)
    segments = [(((a[0] - w0) * pt_x, (a[1] - s0) * pt_y), ((b[0] - w0) * pt_x, (b[1] - s0) * pt_y))
                for ln in block.lines for a, b in zip(ln.points, ln.points[1:], strict=False)]
    inner = (fs * 0.3, fs * 0.3, map_w - fs * 0.3, map_h - fs * 0.3)  # a label does not touch the frame
    spots = L.place_point_labels(items, inner, gap=fs * 0.25, obstacles=obstacles)
    if segments:
        clear = L.place_point_labels(items, inner, gap=fs * 0.25, obstacles=obstacles, segments=segments)
        if sum(v is not None for v in clear.values()) >= sum(v is not None for v in spots.values()):
            spots = clear
    placed = 0
    leaders: list = []
    for p, it in zip(block.places, items, strict=True):
        spot = spots[it.id]
        if spot is None:
            continue
        placed += 1
        own = _is_own(event, p)
        ax.text(w0 + spot.x / pt_x, s0 + spot.y / pt_y, p.name, fontsize=fs, color=INK, ha=spot.ha, va=spot.va,
                zorder=7, fontweight="bold" if own else "normal",
                bbox={"boxstyle": "square,pad=0.05", "fc": LAND, "ec": "none", "alpha": 0.8})
        if spot.leader:  # a label set away from its place is tied to it (else it reads as a neighbour's)
            cx, cy = L.leader_end((it.x, it.y), spot.box)
            leaders.append(((it.x, it.y), (cx, cy)))
            ax.plot([p.lon, w0 + cx / pt_x], [p.lat, s0 + cy / pt_y], color=MUTED, lw=0.4 * preset.scale, zorder=5)
    taken = obstacles + [spots[it.id].box for it in items if spots[it.id] is not None] + [
        (it.x - dot, it.y - dot, it.x + dot, it.y + dot) for it in items]
    # the names and degree labels keep off the drawn lines too: a movement's start under "45°N" is lost
    named = _orientation_names(ax, fig, dataset, [event], G.load_places(str(gdir)), layers, view,
                               (pt_x, pt_y, map_w, map_h), preset, taken, leaders + segments)
    taken.extend(named.pop("boxes"))
    _degree_labels(ax, fig, xs, ys, view, (pt_x, pt_y, map_w, map_h), fs, taken, leaders + segments)
    left, top = (margin + map_w + gap, margin) if side else (margin, margin + map_h + fs * 0.4)
    legend.draw(pt_axes(fig, left, top, text_w, legend.height))
    y = top + legend.height + fs * 0.6
    for line in note_lines:
        y += fs * (0.6 if line is None else 1.4)
        if line is not None:
            fig.text(left / W, 1 - y / H, line, fontsize=fs, color=MUTED, ha="left", va="baseline")
    title = f"Detail map: {event.title}"
    alt = (f"Detail map of {event.title}: " + ", ".join(p.name for p in block.places)
           + (("; lines: " + ", ".join(dict.fromkeys(ln.name for ln in block.lines))) if block.lines else "") + ".")
    own_block = block is event.map
    total = 0 if own_block or _AUTO[0] is not dataset else _AUTO[2].get(event.id, 0)
    caption = (("Places and lines as the works cited for them locate them" if own_block else
                f"{len(block.places)} of the {total:,} places of located events within {NEAR_KM:,.0f} km, those "
                f"of the most significant events; this event’s place in bold" if total else
                f"Every located event within {NEAR_KM:,.0f} km; this event’s place in bold")
               + ", over modern coastlines, rivers and borders."
               + (" Open markers are approximate places." if any(p.approximate for p in block.places) else ""))
    stats = {"view": tuple(round(float(v), 3) for v in view), "places": len(block.places), "labels": placed,
             "lines": len(block.lines), "key_beside": side,
             "geometry": Path(base.path).name, "lakes": len(layers["drawn"]["lake"]),
             "map_mm": (round(float(map_w) / 72 * 25.4, 1), round(float(map_h) / 72 * 25.4, 1)), **named}
    source = source_line(dataset, (), source_fits(fig, preset), what="places as located in",
                         works=[p.source for p in block.places if p.source]
                         + [ln.source for ln in block.lines if ln.source])
    return Chart(f"detail-{event.id}", fig, title, alt, caption, stats, source)
