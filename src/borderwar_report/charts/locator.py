"""The locator map: every located event on a base map cut from bundled world geometry (land, lakes,
rivers, coast, modern borders) at an extent that follows the events anywhere on the globe, with the
countries, the main cities and the places the events mention named; labels placed without overlap,
approximate places drawn open with a dashed circle, events far from the rest in a world overview inset,
and grid clusters with counts when there are many events.

Base geometry: see :mod:`.geo` and data/geo/README.md (a data set may bring its own ``geo/``).

Why this file is long: extent, base layers, label placement and the overview inset share one
coordinate frame and one collision list; the geometry itself is in geo.py and the label packing in layout.py.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from collections import defaultdict
import dataclasses
from dataclasses import dataclass
from pathlib import Path

from borderwar_report.charts import geo as G
from borderwar_report.charts import layout as L
from borderwar_report.charts.common import (
    KIND_FILLS,
    KIND_MARKERS,
    Chart,
    LegendRow,
    join_list,
    marker_diameter,
    marker_glyph,
    plural,
    pt_axes,
    size_key_values,
    drawn_dead_claims,
    source_fits,
    source_line,
    wrap_text,
    year_text,
)
from borderwar_report.charts.measures import (
    HIGHEST_DEAD_SHORT,
    format_count,
    highest_dead,
)
from borderwar_report.charts.style import (
    INK,
    MUTED,
    Preset,
    frame,
    new_figure,
    text_width_pt,
)
from borderwar_report.charts.timeline import label_text
from borderwar_report.core.errors import RenderError

SEA = "#DCE9F2"
LAND = "#F6F3EC"
WATER = "#9CC3DD"
RIVER = "#5E9CC6"
COAST = "#7C8C99"
BORDER = "#8A7F8F"
PLACE_INK = "#4A4A4A"
CLUSTER_AT = 60  # more located places than this: grid clusters with counts
# No type on a map below 7 pt: the briefing sets the print map at its column width (templates/briefing.css:
# figure img max-width 100% of a 160 mm text block), and the print preset is drawn at that width (scale 1).
MIN_PT = 7.0
REGION_MAX_KM = 5500.0  # the regional map spans at most this (its longer side); farther events go to the overview
RIVER_SHARE = 0.15  # rivers drawn: networks at least this share of the map's diagonal long
MAX_CITIES = 8  # the largest cities named besides those the events mention
SIDE_SHARES = (0.27, 0.32, 0.37, 0.42)  # slides: the legend-and-notes column's share of the width, tried in turn
OVERVIEW_NUMBERED = 12  # places outside the map that the overview numbers and the note names


def geo_dir(project) -> Path:
    return G.geo_dir(project)


@functools.lru_cache(maxsize=4)
def load_geo(path: str) -> dict:
    return G.read_geojson(Path(path))


def _clip_ring(ring, box):
    """Sutherland–Hodgman: a ring clipped to the box (x0, x1, y0, y1); edges along the box are fine for fills."""
    x0, x1, y0, y1 = box
    pts = [tuple(p) for p in ring]
    for inside, cross in (
            (lambda p: p[0] >= x0, lambda a, b: (x0, a[1] + (b[1] - a[1]) * (x0 - a[0]) / (b[0] - a[0]))),
            (lambda p: p[0] <= x1, lambda a, b: (x1, a[1] + (b[1] - a[1]) * (x1 - a[0]) / (b[0] - a[0]))),
            (lambda p: p[1] >= y0, lambda a, b: (a[0] + (b[0] - a[0]) * (y0 - a[1]) / (b[1] - a[1]), y0)),
            (lambda p: p[1] <= y1, lambda a, b: (a[0] + (b[0] - a[0]) * (y1 - a[1]) / (b[1] - a[1]), y1))):
        if not pts:
            break
        out = []
        prev = pts[-1]
        for cur in pts:
            if inside(cur):
                if not inside(prev):
                    out.append(cross(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cross(prev, cur))
            prev = cur
        pts = out
    return pts


def _clip_line(line, box):
    """A polyline cut to the box (x0, x1, y0, y1): the pieces inside (segments that leave it are split at
    the edge)."""
    x0, x1, y0, y1 = box
    pieces, cur = [], []
    for a, b in zip(line, line[1:], strict=False):
        seg = L.clip_segment(a, b, (x0, y0, x1, y1))
        if seg is None:
            if cur:
                pieces.append(cur)
                cur = []
            continue
        p, q = seg
        if cur and cur[-1] == p:
            cur.append(q)
        else:
            if cur:
                pieces.append(cur)
            cur = [p, q]
    if cur:
        pieces.append(cur)
    return pieces


def _polys(features, layer, shift=None, clip=None):
    """Matplotlib Path per polygon (holes included) of one layer, optionally clipped to a box."""
    from matplotlib.path import Path as MPath

    out = []
    for f in features:
        if f["properties"].get("layer") != layer or f["geometry"]["type"] not in ("Polygon", "MultiPolygon"):
            continue
        for poly in G.parts(f["geometry"]):
            verts, codes = [], []
            off = shift(poly[0]) if shift else 0.0
            for ring in poly:
                if clip:
                    ring = _clip_ring(ring, clip)
                    if ring and tuple(ring[0]) != tuple(ring[-1]):
                        ring = ring + [ring[0]]  # CLOSEPOLY's own vertex is ignored: close explicitly
                if len(ring) < 4:
                    continue
                verts.extend((x + off, y) for x, y in ring)
                codes.extend([MPath.MOVETO] + [MPath.LINETO] * (len(ring) - 2) + [MPath.CLOSEPOLY])
            if verts:
                out.append(MPath(verts, codes))
    return out


def _lines(features, layer, pred=lambda p: True, shift=None, clip=None):
    out = []
    for f in features:
        if f["properties"].get("layer") != layer or not pred(f["properties"]):
            continue
        if f["geometry"]["type"] in ("LineString", "MultiLineString"):
            for (line,) in G.parts(f["geometry"]):
                off = shift(line) if shift else 0.0
                line = [(x + off, y) for x, y in line]
                out.extend(_clip_line(line, clip) if clip else [line])
    return out


@dataclass
class _Place:
    key: tuple
    lon: float
    lat: float
    approximate: bool
    events: list

    @property
    def lead(self):
        return self.events[0]


def _group(events, ranks, sx=lambda lon: lon) -> list[_Place]:
    groups: dict[tuple, _Place] = {}
    for ev in events:
        p = ev.place
        key = (round(sx(p.lon), 2), round(p.lat, 2), bool(p.approximate))
        groups.setdefault(key, _Place(key, sx(p.lon), p.lat, bool(p.approximate), [])).events.append(ev)
    for g in groups.values():
        g.events.sort(key=lambda e: (tuple(-x for x in ranks[e.id]), e.date.sort_key, e.id))
    return sorted(groups.values(), key=lambda g: g.key)


def _km(a: tuple, b: tuple) -> float:
    """Great-circle distance in km between (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def wrap_shift(lons) -> bool:
    """True when the longitudes are closer together read as 0–360° (they straddle the antimeridian)."""
    lons = list(lons)
    if not lons:
        return False
    span = max(lons) - min(lons)
    return span > 180 and (max(x % 360 for x in lons) - min(x % 360 for x in lons)) < span


def _span_km(points) -> float:
    """The longer side, in km, of the box around (lon, lat) points (longitudes already unwrapped)."""
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    mid = math.radians((max(lats) + min(lats)) / 2)
    return max((max(lons) - min(lons)) * 111.2 * math.cos(mid), (max(lats) - min(lats)) * 111.2)


def _box_km(box) -> float:
    """_span_km of the points whose bounding box is ``box`` (west, east, south, north): the same figure."""
    w, e, s, n = box
    mid = math.radians((n + s) / 2)
    return max((e - w) * 111.2 * math.cos(mid), (n - s) * 111.2)


def regional(located, max_km: float = REGION_MAX_KM):
    """(on the regional map, in the overview): events are taken nearest the median place first while the box
    around them stays within ``max_km``; the rest are shown in the world overview."""
    if not located:
        return [], []
    wrap = wrap_shift(e.place.lon for e in located)

    def sx(lon):
        return lon % 360 if wrap else lon

    lons = sorted(sx(e.place.lon) for e in located)
    lats = sorted(e.place.lat for e in located)
    centre = (lons[len(lons) // 2], lats[len(lats) // 2])
    order = sorted(located, key=lambda e: (_km(centre, (e.place.lon, e.place.lat)), e.date.sort_key, e.id))
    inside, box = [], None  # box: (west, east, south, north) of the events taken, grown one event at a time
    for e in order:
        lon, lat = sx(e.place.lon), e.place.lat
        if box is None:
            box = (lon, lon, lat, lat)
        else:
            trial = (min(box[0], lon), max(box[1], lon), min(box[2], lat), max(box[3], lat))
            if _box_km(trial) > max_km:
                continue
            box = trial
        inside.append(e)
    ids = {e.id for e in inside}
    return [e for e in located if e.id in ids], [e for e in located if e.id not in ids]


# Wider than this (degrees of longitude per point of map: about 0.1, a 45° view on a 16 cm column), a map is
# drawn from the crude world file: the intermediate one's 0.01° detail is far under a point there, and
# costs seconds and megabytes (a world view: 2.6 s and 2.2 MB of SVG against 0.3 s and 0.2 MB).
WORLD_DEG_PER_PT = 0.1

LABEL_CHARS = 44  # a label line longer than this wraps into balanced lines: a narrow label finds room by its marker


def _label_lines(place: _Place, preset) -> list[str]:
    evs = place.events
    if len(evs) == 1:
        lines = [f"{label_text(evs[0], preset)} ({year_text(evs[0])})"]
    elif len(evs) <= 3:
        lines = [f"{label_text(e, preset)} ({year_text(e)})" for e in sorted(evs, key=lambda e: e.date.sort_key)]
    else:
        years = sorted({y for e in evs for y in (e.date.earliest.year, e.date.latest.year)})
        span = str(years[0]) if years[0] == years[-1] else f"{years[0]}–{years[-1]}"
        lines = [f"{label_text(evs[0], preset)} ({year_text(evs[0])})", f"and {len(evs) - 1} more events here, {span}"]
    return [part for line in lines for part in L.balanced_lines(line, LABEL_CHARS)]


def make_locator(dataset, project, preset: Preset) -> Chart:
    gdir = geo_dir(project)
    world_path = G.world_file(gdir)
    if world_path is None:
        raise RenderError(f"{gdir}: no world.geojson for the base map (see data/geo/README.md)")
    base = G.load_base(str(world_path))
    crude_path = G.world_file(gdir, crude=True)
    world = load_geo(str(crude_path)) if crude_path else None
    ranks = {}
    for e in dataset.events:
        loss = highest_dead(e)
        ranks[e.id] = L.significance(e.kind, loss.value, loss.contested)
    located = [e for e in dataset.events if e.place is not None and e.place.located]
    inside, outside = regional(located)
    wrap = wrap_shift(e.place.lon for e in inside)

    def sx(lon):
        return lon % 360 if wrap else lon

    base_places = G.load_places(str(gdir))
    located_ids = {e.id for e in located}
    unlocated = [e for e in dataset.events if e.id not in located_ids]

    fig = new_figure(preset)
    W = fig.get_figwidth() * 72
    margin = preset.margin
    size = preset.size * 0.9
    small = max(preset.small, MIN_PT)
    title_h = preset.title_height
    source_h = preset.source_height
    inner = W - 2 * margin
    side_layout = preset.fixed_height
    legend_w = inner if not side_layout else inner * SIDE_SHARES[0]
    clustered = _needs_clusters(inside, ranks)
    counts = any(len(p.events) > 1 for p in _group(inside, ranks, sx))
    legend = _legend(fig, preset, dataset, legend_w, inside, clustered, counts, bool(outside and world))
    base_notes = _notes(dataset, outside, unlocated, preset)
    if clustered:
        n_places = len({(round(e.place.lon, 2), round(e.place.lat, 2)) for e in inside})
        base_notes.insert(0, f"{plural(len(inside), 'event')} at {n_places:,} "
                             "places: grey circles count the events in each grid cell; the 8 most significant "
                             "(battles, then the largest losses) are drawn individually.")
    note_line = small * 1.4
    line_h = size * 1.18

    def plan_for(notes):
        """Map size and every label position for the space the notes leave (no drawing)."""
        if side_layout:
            avail_h = preset.max_height * 72 - title_h - source_h - size * 0.6
            avail_w = inner - legend_w - size * 1.5
            below = 0.0
        else:
            n_lines = sum(len(wrap_text(fig, n, small, inner)) for n in notes)
            below = legend.height + size * 0.6 + n_lines * note_line + small * 0.4
            avail_h = max(preset.max_height * 72 - title_h - source_h - below - size * 0.3,
                          preset.max_height * 72 * 0.4)  # many notes make the figure taller, never the map vanish
            avail_w = inner
        view = _view([(sx(e.place.lon), e.place.lat) for e in inside], avail_w / avail_h)
        w0, w1, s0, s1 = view
        aspect = (w1 - w0) * math.cos(math.radians((s0 + s1) / 2)) / (s1 - s0)
        map_w = min(avail_w, avail_h * aspect)
        map_h = map_w / aspect
        pt_x, pt_y = map_w / (w1 - w0), map_h / (s1 - s0)
        places = _group(inside, ranks, sx)
        clusters = []
        if clustered:
            places, clusters = _cluster_plan(places, ranks, w0, s0, pt_x, pt_y, size)
        items, diam = [], {}
        for pl in places:
            loss = max((highest_dead(e).value or 0) for e in pl.events)
            diam[pl.key] = marker_diameter(loss, preset.scale)
            r = diam[pl.key] / 2 + (2.2 * preset.scale if pl.approximate else 0.5)
            lines = _label_lines(pl, preset)
            items.append(L.PointLabel("|".join(map(str, pl.key)), (pl.lon - w0) * pt_x, (pl.lat - s0) * pt_y,
                                      max(text_width_pt(fig, t, size) for t in lines), line_h * len(lines), r,
                                      max(ranks[e.id] for e in pl.events)))
        obstacles = [c["box"] for c in clusters]
        inset = None
        if world is not None and outside:
            inset = _inset_plan(outside, view, places, pt_x, pt_y, map_w, map_h)
            if inset is not None:
                obstacles.append(inset["box"])
        anchors = _anchor_candidates(fig, G.places_in(base_places, view), inside, view, (pt_x, pt_y, map_w, map_h),
                                     preset, items, obstacles)
        spots, reserved = _reserve_anchors(items, (0, 0, map_w, map_h), size * 0.25, obstacles, anchors)
        return {"view": view, "map_w": map_w, "map_h": map_h, "pt_x": pt_x, "pt_y": pt_y, "places": places,
                "items": items, "reserved": reserved,
                "diam": diam, "clusters": clusters, "inset": inset, "spots": spots, "below": below}

    def plan_notes():
        notes = list(base_notes)
        for _ in range(3):
            plan = plan_for(notes)
            unplaced = [pl for pl, it in zip(plan["places"], plan["items"], strict=False)
                        if plan["spots"][it.id] is None]
            wanted = list(base_notes)
            if unplaced:
                wanted.insert(0, "Keyed on the map for lack of room: " + "; ".join(
                    f"{_key(i)} {', '.join(e.title for e in pl.events)}" for i, pl in enumerate(unplaced)))
            if wanted == notes:
                break
            notes = wanted
        return plan, notes

    plan, notes = plan_notes()
    for share in SIDE_SHARES[1:] if side_layout else ():
        # the side column holds the legend and every note: widen it (the map narrows) until they fit
        col = inner - plan["map_w"] - size * 1.5
        need = title_h + legend.height + size + sum(
            len(wrap_text(fig, n, small, col)) * note_line + small * 0.4 for n in notes)
        if need <= preset.max_height * 72 - source_h:
            break
        legend_w = inner * share
        legend = _legend(fig, preset, dataset, legend_w, inside, clustered, counts, bool(outside and world))
        plan, notes = plan_notes()
    west, east, south, north = plan["view"]
    map_w, map_h, pt_x, pt_y = plan["map_w"], plan["map_h"], plan["pt_x"], plan["pt_y"]
    places = plan["places"]
    if side_layout:
        H = preset.max_height * 72
    else:
        n_lines = sum(len(wrap_text(fig, n, small, inner)) for n in notes)
        below = legend.height + size * 0.6 + n_lines * note_line + small * 0.4
        H = title_h + map_h + size * 0.3 + below + source_h
        fig.set_size_inches(preset.width, H / 72)

    # --- drawing ------------------------------------------------------------------------------------
    title = f"Where the events took place: {plural(len(inside), 'event')} on the map"
    frame(fig, preset, title, (source := source_line(
        dataset, drawn_dead_claims(e for e in dataset.events if e.place is not None and e.place.located),
        source_fits(fig, preset, max(preset.small, MIN_PT)))))
    for t in fig.texts:  # the shared frame sets the source line in the preset's small size: none under MIN_PT here
        t.set_fontsize(max(t.get_fontsize(), MIN_PT))
    ax = fig.add_axes((margin / W, 1 - (title_h + map_h) / H, map_w / W, map_h / H))
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1 / math.cos(math.radians((south + north) / 2)), adjustable="box")
    if (east - west) / map_w > WORLD_DEG_PER_PT and crude_path is not None:
        base = G.load_base(str(crude_path))  # a continent or the world: the crude coasts are as fine as print
    layers = _base_map(ax, base, preset, (west, east, south, north), map_w, inside)
    xs, ys = _graticule(ax, west, east, south, north, size * 0.8, preset)
    stats = {"view": tuple(round(float(v), 2) for v in (west, east, south, north)),
             "located": len(located), "inside": len(inside), "outside": len(outside), "unlocated": len(unlocated),
             "places": len(places), "clusters": len(plan["clusters"]),
             "clustered_events": sum(c["n"] for c in plan["clusters"]), "labels": 0, "unplaced": 0}
    _draw_clusters(ax, plan["clusters"], preset, size)
    # what the map holds, in points from its lower-left corner: counts and degree labels go clear of it
    taken = [c["box"] for c in plan["clusters"]] + ([plan["inset"]["box"]] if plan["inset"] is not None else [])
    glyphs = {it.id: (it.x - it.radius, it.y - it.radius, it.x + it.radius, it.y + it.radius)
              for it in plan["items"]}
    leaders = []
    unplaced = []
    halo_box = {"boxstyle": "square,pad=0.08", "fc": LAND, "ec": "none", "alpha": 0.8}
    taken.extend(b for r in plan["reserved"] for b in r["boxes"])
    for pl, item in zip(places, plan["items"], strict=False):
        _draw_place(ax, pl, plan["diam"][pl.key], preset)
        spot = plan["spots"][item.id]
        if spot is None:
            unplaced.append((pl, item))
            continue
        taken.append(spot.box)
        ax.text(west + spot.x / pt_x, south + spot.y / pt_y, "\n".join(_label_lines(pl, preset)), ha=spot.ha,
                va=spot.va, fontsize=size, color=INK, linespacing=1.0, zorder=6, bbox=halo_box,
                multialignment={"left": "left", "right": "right"}.get(spot.ha, "center"))
        stats["labels"] += 1
        if spot.leader:
            cx, cy = L.leader_end((item.x, item.y), spot.box)
            leaders.append(((item.x, item.y), (cx, cy)))
            ax.plot([pl.lon, west + cx / pt_x], [pl.lat, south + cy / pt_y], color=MUTED, lw=0.4 * preset.scale,
                    zorder=4)
    stats["unplaced"] = len(unplaced)
    key_pt = max(size * 0.85, MIN_PT)
    for i, (pl, item) in enumerate(unplaced):
        d = plan["diam"][pl.key]
        off = d / 2 + 1.5 * preset.scale
        kw, kh = text_width_pt(fig, _key(i), key_pt, "bold") + key_pt * 0.4, key_pt * 1.7
        others = taken + [g for k, g in glyphs.items() if k != item.id]
        corners = []  # the key goes at the first corner of its marker clear of every label and marker
        for o in (off, off + kh * 0.6):  # touching the marker, else a little off it
            for dx, dy in ((-1, -1), (1, -1), (-1, 1), (1, 1)):
                x0 = item.x - o - kw if dx < 0 else item.x + o
                y0 = item.y - o - kh if dy < 0 else item.y + o
                if x0 >= 0 and y0 >= 0 and x0 + kw <= map_w and y0 + kh <= map_h:
                    corners.append(((dx * o, dy * o), (x0, y0, x0 + kw, y0 + kh)))
        corners = corners or [((-off, -off), (item.x - off - kw, item.y - off - kh, item.x - off, item.y - off))]
        (ox, oy), kbox = next((c for c in corners if not _blocked(c[1], others, leaders)), corners[0])
        dx, dy = (1 if ox > 0 else -1), (1 if oy > 0 else -1)
        ax.annotate(_key(i), (pl.lon, pl.lat), xytext=(ox, oy),
                    textcoords="offset points", ha="right" if dx < 0 else "left", va="top" if dy < 0 else "bottom",
                    fontsize=key_pt, fontweight="bold",
                    color=INK, zorder=7, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": INK,
                                                   "lw": 0.4 * preset.scale})
        taken.append(kbox)
    for pl, item in zip(places, plan["items"], strict=False):
        if len(pl.events) > 1:
            taken.append(_draw_count(ax, fig, pl, item, plan["diam"][pl.key], preset, (map_w, map_h),
                                     taken + [g for k, g in glyphs.items() if k != item.id], leaders))
    named = _orientation_names(ax, fig, dataset, inside, base_places, layers,
                               (west, east, south, north), (pt_x, pt_y, map_w, map_h), preset,
                               taken + list(glyphs.values()), leaders, plan["reserved"])
    taken.extend(named.pop("boxes"))
    stats.update(named)
    # the degree labels keep clear of the labels as drawn: a label's lines, planned at 1.18 em, are set at the
    # face's full 1.36 em in a halo of 0.08 em a side, which covered a degree label set under the planned box
    drawn = [(x0 - size * 0.08, y0 - grow, x1 + size * 0.08, y1 + grow)
             for x0, y0, x1, y1 in (spot.box for spot in plan["spots"].values() if spot is not None)
             for grow in [(y1 - y0) * (1.36 / 1.18 - 1) + size * 0.08]]
    _degree_labels(ax, fig, xs, ys, (west, east, south, north), (pt_x, pt_y, map_w, map_h),
                   max(size * 0.8 * 0.85, MIN_PT), taken + drawn + list(glyphs.values()), leaders)

    # world overview inset: the region's box and the events outside it
    if plan["inset"] is not None:
        _inset(fig, world, outside, (west, east, south, north), plan["inset"], preset, size, margin, title_h,
               map_h, W, H)

    # legend and notes
    if side_layout:
        lx = margin + map_w + size * 1.5
        lax = pt_axes(fig, lx, title_h, legend_w, legend.height)
        legend.draw(lax)
        y = title_h + legend.height + size
        for n in notes:
            for line in wrap_text(fig, n, small, inner - map_w - size * 1.5):
                y += note_line
                fig.text(lx / W, 1 - y / H, line, fontsize=small, color=MUTED, ha="left", va="baseline")
            y += small * 0.4
    else:
        top = title_h + map_h + size * 0.3
        lax = pt_axes(fig, margin, top, inner, legend.height)
        legend.draw(lax)
        y = top + legend.height + size * 0.6
        for n in notes:
            for line in wrap_text(fig, n, small, inner):
                y += note_line
                fig.text(margin / W, 1 - y / H, line, fontsize=small, color=MUTED, ha="left", va="baseline")
    alt = _alt(dataset, inside, outside, unlocated, places, clustered)
    caption = ("Located events on a base map of coastlines, rivers and lakes (" + _credit(base, places_path(gdir))
               + "). Open markers in a dashed circle stand for approximate places. Borders and names are "
               "modern, for orientation only.")
    return Chart("locator", fig, title, alt, caption, stats, source)


def _view(points, target_aspect, min_pad_deg: float = 2.5) -> tuple[float, float, float, float]:
    """The map's extent: the (lon, lat) points with a margin, widened to the space's shape (latitudes kept
    within ±85°). No point: the whole world."""
    if not points:
        return -180.0, 180.0, -60.0, 80.0
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    w0, w1, s0, s1 = min(lons), max(lons), min(lats), max(lats)
    pad_y = max(min_pad_deg, (s1 - s0) * 0.25)
    s0, s1 = max(s0 - pad_y, -85.0), min(s1 + pad_y, 85.0)
    coslat = math.cos(math.radians((s0 + s1) / 2))
    pad_x = max(min_pad_deg / coslat, (w1 - w0) * 0.2)
    w0, w1 = w0 - pad_x, w1 + pad_x
    have = (w1 - w0) * coslat / (s1 - s0)
    if have < target_aspect:  # too tall: widen
        grow = ((s1 - s0) * target_aspect / coslat - (w1 - w0)) / 2
        w0, w1 = w0 - grow, w1 + grow
    else:
        grow = ((w1 - w0) * coslat / target_aspect - (s1 - s0)) / 2
        s0, s1 = s0 - grow, s1 + grow
        if s0 < -85.0:
            s0, s1 = -85.0, s1 + (-85.0 - s0)
        if s1 > 85.0:
            s0, s1 = s0 - (s1 - 85.0), 85.0
    return w0, w1, s0, s1


def _key(i: int) -> str:
    """A, B, … Z, AA, AB, …: keys for places whose label found no room."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _needs_clusters(inside, ranks) -> bool:
    return len({(round(e.place.lon, 2), round(e.place.lat, 2)) for e in inside}) > CLUSTER_AT


def _base_map(ax, base, preset, view, map_w, events=()):
    """Land, lakes, rivers, coast and borders cut from the world geometry to the view (plus a margin), so
    files stay small; lakes smaller than a few points and rivers short for the scale are left out, unless
    one of ``events`` names it in its place (:func:`water_mentions`). Returns the layers drawn (for names
    and tests); ``layers["drawn"]`` holds the lakes and rivers on the map, each with the name an event's
    place gives it (or None)."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MPath

    w0, w1, s0, s1 = view
    margin = max(0.05, (w1 - w0) * 0.02)
    layers = G.view_layers(base, view, margin)
    ax.set_facecolor(SEA)
    sc = preset.scale
    km_per_pt = (w1 - w0) * 111.2 * math.cos(math.radians((s0 + s1) / 2)) / map_w
    diag_km = math.hypot((w1 - w0) * 111.2 * math.cos(math.radians((s0 + s1) / 2)), (s1 - s0) * 111.2)

    # Vertices closer than a quarter point add bytes and drawing time, not detail: a world map's coasts
    # shrink from 9 MB of SVG to under 1 MB.
    tol = 0.25 * (w1 - w0) / map_w * math.cos(math.radians((s0 + s1) / 2))

    def poly_path(rings):
        verts, codes = [], []
        for r in (thin(r, tol) for r in rings):
            if len(r) < 4 or not _visible(r, tol):
                continue
            verts.extend(map(tuple, r))
            codes.extend([MPath.MOVETO] + [MPath.LINETO] * (len(r) - 2) + [MPath.CLOSEPOLY])
        return MPath(verts, codes) if verts else None

    land = [p for p in (poly_path(rings) for rings in layers["land"]) if p is not None]
    if land:
        add_shape(ax, PathPatch(MPath.make_compound_path(*land), facecolor=LAND, edgecolor="none", zorder=1))
    min_lake = (2.0 * km_per_pt) ** 2  # km²: a lake under about 2 × 2 pt would be a speck
    mentions = water_mentions(events, view)
    drawn_lakes = [(rings, props, polygon, _mentioned(rings, "lake", mentions))
                   for rings, props, polygon in layers["lake"] if polygon]
    drawn_lakes = [d for d in drawn_lakes if d[3] or float(d[1].get("area_km2") or min_lake) >= min_lake]
    lakes = [poly_path(rings) for rings, *_ in drawn_lakes]
    lakes = [p for p in lakes if p is not None]
    if lakes:
        add_shape(ax, PathPatch(MPath.make_compound_path(*lakes), facecolor=SEA, edgecolor=WATER, lw=0.3 * sc,
                               zorder=2))
    min_river = diag_km * RIVER_SHARE
    drawn_rivers = []
    rivers = {"main": [], "minor": []}
    river_polys = []
    for rings, props, polygon in layers["river"]:
        length = float(props.get("length_km") or min_river)
        named = _mentioned(rings, "river", mentions) if length < min_river * 4 else None
        if length < min_river and named is None:
            continue
        if polygon:  # double-lined rivers come as polygons
            river_polys.extend(p for p in [poly_path(rings)] if p is not None)
        else:
            rivers["main" if length >= 4 * min_river else "minor"].extend(rings)
        drawn_rivers.append((rings, props, polygon, named or _mentioned(rings, "river", mentions)))
    if river_polys:
        add_shape(ax, PathPatch(MPath.make_compound_path(*river_polys), facecolor=SEA, edgecolor=RIVER,
                               lw=0.3 * sc, zorder=2))
    # Borders often run along rivers (the same vertices in both layers): a dashed border over a river
    # greys it into neither symbol. There the river goes on top, keeping the key's colour, over a wider
    # dash whose ends show at its sides, as atlases draw it; elsewhere borders cross lakes over their fill.
    free_border, along_main = split_along(layers["border"], rivers["main"], 2 * tol)
    free_border, along_minor = split_along(free_border, rivers["minor"], 2 * tol)
    for lines, colour, lw, ls, z in ((along_main, BORDER, 0.7 + 0.8, (0, (2.5, 1.5)), 2.4),
                                     (along_minor, BORDER, 0.35 + 0.7, (0, (3, 2)), 2.4),
                                     (free_border, BORDER, 0.6, (0, (4, 2)), 2.4),
                                     (rivers["minor"], RIVER, 0.35, "-", 2.6), (rivers["main"], RIVER, 0.7, "-", 2.6),
                                     (layers["coast"], COAST, 0.4, "-", 3)):
        kept = [t for t in (thin(line, tol) for line in lines) if len(t) > 1 and _visible(t, tol)]
        patch = _polyline_patch([[tuple(p) for p in line] for line in kept], colour, lw * sc, ls, z)
        if patch is not None:
            add_shape(ax, patch)
    layers["drawn"] = {"lake": drawn_lakes, "river": drawn_rivers}  # what the map shows (names go on these)
    return layers


def split_along(lines, others, tol: float) -> tuple[list, list]:
    """``lines`` cut into the stretches away from ``others`` and those running along them (both ends of a
    segment within about ``tol`` of a vertex of ``others``), as two lists of (n, 2) arrays."""
    import numpy as np

    if not others or tol <= 0:
        return list(lines), []
    cells = set()
    for other in others:
        for cx, cy in np.floor(np.asarray(other, dtype=float) / tol).astype(np.int64).tolist():
            cells.update((cx + dx, cy + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1))
    free, along = [], []
    for line in lines:
        line = np.asarray(line, dtype=float)
        if len(line) < 2:
            continue
        near = np.array([(cx, cy) in cells for cx, cy in np.floor(line / tol).astype(np.int64).tolist()])
        seg_along = near[:-1] & near[1:]
        start = 0
        for i in range(1, len(seg_along) + 1):  # runs of segments of one kind, sharing their end vertices
            if i == len(seg_along) or seg_along[i] != seg_along[start]:
                (along if seg_along[start] else free).append(line[start:i + 1])
                start = i
    return free, along


def thin(line, tol: float):
    """``line`` (an (n, 2) array) without the vertices that fall in the same ``tol``-sized grid cell as the one
    before them; the first and last stay, so rings stay closed."""
    import numpy as np

    line = np.asarray(line, dtype=float)
    if tol <= 0 or len(line) < 3:
        return line
    cells = np.floor(line / tol)
    keep = np.ones(len(line), dtype=bool)
    keep[1:] = np.any(cells[1:] != cells[:-1], axis=1)
    keep[-1] = True
    return line[keep]


def _visible(line, tol: float) -> bool:
    """Whether a thinned line or ring spans at least two ``tol`` cells: a speck under half a point is not drawn."""
    return float((line.max(axis=0) - line.min(axis=0)).max()) >= 2 * tol


def add_shape(ax, patch) -> None:
    """``ax.add_patch`` without its data-limit update, which walks every vertex as a Bézier segment (9 s for
    a world map's coasts); a map sets its limits before it draws."""
    ax.add_artist(patch)


def _polyline_patch(lines, colour, lw, ls, zorder):
    """Many polylines as one unfilled path: one element in an SVG instead of one per line."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MPath

    verts, codes = [], []
    for line in lines:
        if len(line) < 2:
            continue
        verts.extend(line)
        codes.extend([MPath.MOVETO] + [MPath.LINETO] * (len(line) - 1))
    if not verts:
        return None
    return PathPatch(MPath(verts, codes), fill=False, edgecolor=colour, lw=lw, ls=ls, zorder=zorder,
                     capstyle="round", joinstyle="round")


def places_path(gdir):
    return G._find(Path(gdir), G.PLACES)


def _credit(base, places) -> str:
    """Whose geometry and names the map shows, from the files' own metadata (licences included)."""
    parts = [str(base.metadata.get("source") or Path(base.path).name)]
    if places is not None:
        meta = G.read_geojson(places).get("metadata") or {}
        if meta.get("source"):
            parts.append(str(meta["source"]))
    return "; ".join(parts)


def _fold(text: str) -> str:
    """Lower case without accents, so "Asunción" in a record meets "Asuncion" in a gazetteer."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


_MENTIONED: list = []  # the last call's (events, grams): the locator asks for the same events several times


def mentioned_names(events) -> set[str]:
    """Every run of one to three words in the events' titles, place names, outcomes and summaries (folded):
    a bundled place whose folded name is in this set is one the events mention."""
    events = list(events)
    if _MENTIONED and len(_MENTIONED[0]) == len(events) and all(a is b for a, b in zip(_MENTIONED[0], events, strict=True)):
        return set(_MENTIONED[1])  # the cache holds the events, so no object id is reused while it stands
    grams = _mentioned_names(events)
    _MENTIONED[:] = [events, grams]
    return set(grams)


def _mentioned_names(events) -> set[str]:
    grams: set[str] = set()
    for e in events:
        parts = [e.title, e.outcome or "", e.summary or ""]
        if e.place is not None:
            parts.append(e.place.name)
            parts.extend(n.text for n in e.place.names)
        words = re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", _fold(" ".join(parts)))
        for n in (1, 2, 3):
            grams.update(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
    return grams


WATER_WORDS = {"Lake": "lake", "River": "river"}
WATER_NEAR_KM = {"lake": 5.0, "river": 10.0}  # an event's place this close to a lake's shore or a river names it


def _mentioned(rings, kind, mentions) -> str | None:
    """The name an event's place gives this lake or river (the nearest mention within WATER_NEAR_KM)."""
    best = None
    for k, name, lon, lat in mentions:
        if k == kind:
            d = _nearest_km(rings, lon, lat)
            if d <= WATER_NEAR_KM[kind] and (best is None or d < best[0]):
                best = (d, name)
    return best[1] if best else None


def water_mentions(events, view=None) -> list[tuple[str, str, float, float]]:
    """(kind, name, lon, lat) for each lake or river that a located event's place names ("Lake Khanka",
    "Buir Lake", "Amur River"): the base map's unnamed water body nearest that place can carry the name.
    Only the place's own name counts (a summary may mention a river far from where the event was)."""
    out = []
    for e in events:
        if e.place is None or not e.place.located:
            continue
        words = re.findall(r"[^\W\d_][\w’'-]*", e.place.name)
        for i, w in enumerate(words):
            if w not in WATER_WORDS:
                continue
            after = words[i + 1] if i + 1 < len(words) else ""
            before = words[i - 1] if i > 0 else ""
            lon = e.place.lon + 360 if view is not None and e.place.lon < view[0] - 1e-9 else e.place.lon
            if after[:1].isupper() and after not in WATER_WORDS:
                out.append((WATER_WORDS[w], f"{w} {after}", lon, e.place.lat))
            elif before[:1].isupper() and before not in WATER_WORDS:
                out.append((WATER_WORDS[w], f"{before} {w}", lon, e.place.lat))
    return sorted(set(out))


def _nearest_km(rings, lon, lat) -> float:
    """Distance from a point to the nearest edge of rings or lines (0 inside a ring), in km (local flat)."""
    import numpy as np
    from matplotlib.path import Path as MPath

    k = math.cos(math.radians(lat))
    best = math.inf
    for r in rings:
        pts = np.asarray(r, dtype=float)
        if len(pts) < 2:
            continue
        if len(pts) >= 4 and np.allclose(pts[0], pts[-1]) and MPath(pts).contains_point((lon, lat)):
            return 0.0
        a, b = pts[:-1], pts[1:]
        d = (b - a) * [k, 1.0]
        q = ([lon, lat] - a) * [k, 1.0]
        t = np.clip((q * d).sum(1) / np.maximum((d * d).sum(1), 1e-12), 0, 1)
        best = min(best, float(np.min(np.hypot(*(q - d * t[:, None]).T))) * 111.2)
    return best


def _spaced(cities, at, min_pt) -> list:
    """Largest first, each city at least ``min_pt`` from every larger one kept: the cities spread over the map
    instead of a cluster of one conurbation's neighbours."""
    kept = []
    for p in cities:
        x, y = at(p["lon"], p["lat"])
        if all(math.hypot(x - kx, y - ky) >= min_pt for _, kx, ky in kept):
            kept.append((p, x, y))
    return [p for p, _, _ in kept]


ANCHOR_KM = 250.0  # a city this near an event's place orients the reader to it (per place: population over distance)


def _square(xy, r) -> tuple:
    return xy[0] - r, xy[1] - r, xy[0] + r, xy[1] + r


def _city_fs(preset) -> float:
    return max(MIN_PT, preset.size * 0.72)


def _country_size(fig, name, fs) -> tuple[str, float, float]:
    text = name.upper()
    return text, text_width_pt(fig, text, fs) * 1.08, fs * 1.1


def _anchor_candidates(fig, here, inside, view, scale, preset, items, obstacles) -> list[dict]:
    """The names that orient a reader and that the event labels must make room for where they can: the
    cities the events mention, the largest cities in view (spread out) and the largest city near each event's
    place, then the countries. Each comes with the label boxes it may take, in order of preference (a city
    beside its dot, a country on any of its interior points). Cities whose dot would touch an event's
    marker are left out (the marker is there)."""
    west, _east, south, _north = view
    pt_x, pt_y, map_w, map_h = scale
    fs = _city_fs(preset)
    dot = 2.2 * preset.scale
    glyphs = [(it.x - it.radius, it.y - it.radius, it.x + it.radius, it.y + it.radius) for it in items]

    def at(lon, lat):
        return (lon - west) * pt_x, (lat - south) * pt_y

    def clear(box):
        return (box[0] >= 0 and box[1] >= 0 and box[2] <= map_w and box[3] <= map_h
                and not any(L._overlaps(box, g, 0.5) for g in glyphs + list(obstacles)))

    said = mentioned_names(inside)
    cities = sorted((p for p in here if p["layer"] == "city"), key=lambda p: (-p["population"], p["name"]))
    cities = [p for p in cities if clear((*at(p["lon"], p["lat"]), *at(p["lon"], p["lat"])))
              and clear(_square(at(p["lon"], p["lat"]), dot))]
    chosen = [p for p in cities if _fold(p["name"]) in said]
    major = []
    for it in sorted(items, key=lambda it: (L._neg(it.priority), it.id)):  # the most significant places first
        where = (west + it.x / pt_x, south + it.y / pt_y)
        near = [(p["population"] / max(d, 25.0), p) for p in cities
                if (d := _km((p["lon"], p["lat"]), where)) <= ANCHOR_KM]
        if near:  # a large city near the place beats a larger one farther off
            major.append(max(near, key=lambda t: t[0])[1])
    largest = _spaced(cities, at, math.hypot(map_w, map_h) * 0.08)
    major = [p for i, p in enumerate(major) if p not in major[:i]][:MAX_CITIES // 2] + largest[:2]
    chosen += major + largest[:MAX_CITIES // 2]
    out, seen = [], set()
    for p in chosen:
        key = (p["name"], p["lon"], p["lat"])
        if key in seen or len(out) >= MAX_CITIES:
            continue
        seen.add(key)
        x, y = at(p["lon"], p["lat"])
        lab = L.PointLabel(p["name"], x, y, text_width_pt(fig, p["name"], fs), fs * 1.15, dot)
        boxes = [(c.x, c.y, c.ha, c.va, c.box) for c in L.point_candidates(lab, fs * 0.2, (0.6,))]
        out.append({"place": p, "kind": "city", "dot": _square((x, y), dot), "major": p in major,
                    "cands": [c for c in boxes if clear(c[4])]})
    for c in sorted((p for p in here if p["layer"] == "country"), key=lambda p: (-p["area_km2"], p["name"])):
        _text, w, h = _country_size(fig, c["name"], fs)
        pts = [at(c["lon"], c["lat"])] + sorted((at(lon, lat) for lon, lat in c.get("points", ())),
                                                key=lambda q: math.hypot(q[0] - map_w / 2, q[1] - map_h / 2))
        cands = []
        for x, y in pts:  # centred on the point, else shifted along it (the point stays under the name)
            for dx in (0.0, -w / 3, w / 3):
                box = (x + dx - w / 2, y - h / 2, x + dx + w / 2, y + h / 2)
                if clear(box):
                    cands.append((x + dx, y, "center", "center", box))
        out.append({"place": c, "kind": "country", "dot": None, "major": False, "cands": cands})
    return out


def _reserve_anchors(items, bounds, gap, obstacles, anchors):
    """Event labels and the orienting names compete fairly: each name in turn takes the first of its
    positions that still lets every event label be placed that could be placed without it (the event labels
    are placed again around it and move to another side; for a major city, the one nearest an important
    place, one label may go onto a short leader instead); a name that costs an event label in every
    position is left for later (it may still find room after the events are placed). Returns the event
    label spots and the names reserved."""
    def place(reserved, first=frozenset(), far=False):  # ``first``: these labels choose before the others
        extra = [b for r in reserved for b in r["boxes"]]
        ranked = [dataclasses.replace(it, priority=(1 if it.id in first else 0, *it.priority)) for it in items]
        return L.place_point_labels(ranked, bounds, gap=gap, obstacles=list(obstacles) + extra,
                                    distances=(1.0, 2.2, 3.6, 5.5) + ((7.5,) if far else ()))

    def run(reserved):
        """The event labels around the reserved names; a label the names cost is placed again first
        (a label placed before it may well fit elsewhere) before the names are given up."""
        got = place(reserved)
        first: set = set()
        for far in (False, True):  # then on a longer leader
            lost = {k for k, v in got.items() if v is None} - base_lost
            if not lost:
                break
            first |= lost
            got = place(reserved, frozenset(first), far)
        return got

    def cost(got):  # the labels lost, and how many were pushed onto a leader line
        return {k for k, v in got.items() if v is None}, sum(bool(v and v.leader) for v in got.values())

    base_lost: set = set()
    spots = run([])
    base = cost(spots)
    base_lost = base[0]
    # a marker whose label found no room gets a key at one of its corners: only a major city may crowd it
    keyed = [_square((it.x, it.y), it.radius + gap * 8) for it in items if spots[it.id] is None]  # gap: size / 4
    reserved: list[dict] = []
    for a in anchors:
        taken = [b for r in reserved for b in r["boxes"]] + ([] if a["major"] else keyed)
        for x, y, ha, va, box in a["cands"]:
            if any(L._overlaps(box, b, gap) for b in taken):
                continue
            if a["dot"] is not None and any(L._overlaps(a["dot"], b, 0.3) for b in taken):
                break
            trial = [*reserved, {**a, "spot": (x, y, ha, va), "boxes": [box] + ([a["dot"]] if a["dot"] else [])}]
            got = run(trial)
            (lost, led), slack = cost(got), 2 if a["major"] else 0  # a major city may push labels onto leaders
            if lost <= base[0] and led <= base[1] + slack:  # no label lost that had room without the name
                reserved, spots, base = trial, got, (lost, led)
                break
    return spots, reserved


def _orientation_names(ax, fig, dataset, inside, places, layers, view, scale, preset, taken, leaders,
                       reserved=()) -> dict:
    """Name what orients a reader, clear of every event marker, label, count and inset: the cities that the
    events mention and the largest cities in the extent (spread over the map, up to MAX_CITIES), then the
    countries (a country label can move to any of its interior points, a city cannot), then the lakes and
    rivers the events' places name (the geometry's own names, else the drawn water body nearest the place).
    Returns counts and the boxes taken."""
    west, east, south, north = view
    pt_x, pt_y, map_w, map_h = scale
    fs = _city_fs(preset)
    said = mentioned_names(inside)
    boxes: list = []
    stats = {"countries": 0, "cities": 0, "mentioned": 0, "waters": 0}
    halo = {"boxstyle": "square,pad=0.05", "fc": LAND, "ec": "none", "alpha": 0.6}
    dot = 2.2 * preset.scale
    done_keys = set()

    def draw_city(p, x, y, ha, va):
        ax.scatter([p["lon"]], [p["lat"]], s=[dot * dot], marker="s", facecolors=[PLACE_INK], edgecolors="none",
                   zorder=3.8)
        ax.text(west + x / pt_x, south + y / pt_y, p["name"], fontsize=fs, color=PLACE_INK, ha=ha,
                va=va, zorder=3.8, fontstyle="normal", bbox=halo)
        stats["cities"] += 1
        stats["mentioned"] += 1 if _fold(p["name"]) in said else 0

    def draw_country(c, x, y):  # over the labels' halos, which reach past the boxes the names keep clear of
        ax.text(west + x / pt_x, south + y / pt_y, c["name"].upper(), fontsize=fs, color=MUTED, ha="center",
                va="center", zorder=6.1)
        stats["countries"] += 1

    for r in reserved:  # the names the event labels made room for
        p = r["place"]
        done_keys.add((r["kind"], p["name"]))
        boxes.extend(r["boxes"])
        if r["kind"] == "city":
            draw_city(p, *r["spot"])
        else:
            draw_country(p, *r["spot"][:2])

    def free(box, gap=1.5):
        return (box[0] >= 0 and box[1] >= 0 and box[2] <= map_w and box[3] <= map_h
                and not _blocked(box, taken + boxes, leaders, gap))

    def at(lon, lat):
        return (lon - west) * pt_x, (lat - south) * pt_y

    here = G.places_in(places, view)
    cities = [p for p in here if p["layer"] == "city" and ("city", p["name"]) not in done_keys]
    named = [p for p in cities if _fold(p["name"]) in said]
    named_keys = {(p["name"], p["lon"], p["lat"]) for p in named}

    def dot_free(p):  # its dot would touch an event's marker or label: leave it out
        x, y = at(p["lon"], p["lat"])
        return not _blocked((x - dot, y - dot, x + dot, y + dot), taken, leaders, gap=0.3)

    largest = _spaced([p for p in sorted(cities, key=lambda p: (-p["population"], p["name"]))
                       if (p["name"], p["lon"], p["lat"]) not in named_keys and dot_free(p)],
                      at, math.hypot(map_w, map_h) * 0.08)[:MAX_CITIES * 3]
    items = []
    for rank, p in enumerate([p for p in named if dot_free(p)] + largest):
        x, y = at(p["lon"], p["lat"])
        items.append((p, L.PointLabel(f"c{rank}", x, y, text_width_pt(fig, p["name"], fs), fs * 1.15, dot,
                                      (1 if p in named else 0, p["population"]))))
    spots = L.place_point_labels([it for _, it in items], (0, 0, map_w, map_h), gap=fs * 0.2,
                                 obstacles=taken, distances=(0.6, 1.2))
    for p, it in items:
        spot = spots[it.id]
        if spot is None or spot.leader or _blocked(spot.box, taken + boxes, leaders):
            continue
        if p not in named and stats["cities"] >= MAX_CITIES:
            break
        boxes.extend([spot.box, _square((it.x, it.y), dot)])
        draw_city(p, spot.x, spot.y, spot.ha, spot.va)
    for c in sorted((p for p in here if p["layer"] == "country" and ("country", p["name"]) not in done_keys),
                    key=lambda p: (-p["area_km2"], p["name"])):
        _text, w, h = _country_size(fig, c["name"], fs)
        # its label point first, then the interior points nearest the map's middle
        pts = [at(c["lon"], c["lat"])] + sorted((at(lon, lat) for lon, lat in c.get("points", ())),
                                                key=lambda q: math.hypot(q[0] - map_w / 2, q[1] - map_h / 2))
        for x, y in pts:
            box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
            if free(box):
                boxes.append(box)
                draw_country(c, x, y)
                break

    def beside(rings, w, h):
        """Label centres just outside a lake's outline: right of it, left, above, below, then the corners
        (a name inside a lake smaller than the name, or off along its shore, reads as another place's)."""
        xs, ys = zip(*(at(float(q[0]), float(q[1])) for q in max(rings, key=len)), strict=True)
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        g = fs * 0.3
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        inside = [(cx, cy)] if w <= (x1 - x0) * 0.9 and h <= (y1 - y0) * 0.8 else []
        return inside + [(x1 + g + w / 2, cy), (x0 - g - w / 2, cy), (cx, y1 + g + h / 2), (cx, y0 - g - h / 2),
                         (x1 + g + w / 2, y0 - g), (x1 + g + w / 2, y1 + g), (x0 - g - w / 2, y0 - g),
                         (x0 - g - w / 2, y1 + g)]

    def water_label(name, candidates, exact=lambda w, h: (), steps=()) -> bool:
        """The name on the water body: at one of the ``exact(w, h)`` centres, else centred on one of its
        points, else just beside one (first free). A river's name goes beside its line (``steps``, its
        segments) where one of the first free spots (as many as there are round one point) is clear of it: a
        river through its own name cuts the letters, and one set further off names another river."""
        w, h = text_width_pt(fig, name, fs, style="italic"), fs * 1.1
        g = fs * 0.3
        near = [(dx, dy) for dx in (0.0, -(w / 2 + g), w / 2 + g) for dy in (0.0, h * 0.7, -h * 0.7, h + g, -h - g)]
        spots = (q for q in [*exact(w, h), *((x + dx, y + dy) for x, y in candidates for dx, dy in near)]
                 if free((q[0] - w / 2, q[1] - h / 2, q[0] + w / 2, q[1] + h / 2)))
        first = []
        for q in itertools.islice(spots, 1 if not steps else len(near)):
            first.append(q)
            box = (q[0] - w / 2, q[1] - h / 2, q[0] + w / 2, q[1] + h / 2)
            if not any(L._segment_hits_box(a, b, box) for a, b in steps):
                first.insert(0, q)
                break
        for cx, cy in first[:1]:
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            if free(box):
                boxes.append(box)
                ax.text(west + cx / pt_x, south + cy / pt_y, name, fontsize=fs, color=RIVER, ha="center",
                        va="center", zorder=3.8, fontstyle="italic", bbox=halo)
                stats["waters"] += 1
                return True
        return False

    def along(rings):  # points every few type sizes along the lines (a simplified line has few vertices)
        out = []
        for r in rings:
            pts = [at(float(q[0]), float(q[1])) for q in r]
            for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False):
                n = max(1, int(math.hypot(x1 - x0, y1 - y0) / (fs * 0.8)))
                out.extend((x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(n))
            out.extend(pts[-1:])
        return [q for q in out if 0 <= q[0] <= map_w and 0 <= q[1] <= map_h]

    drawn = layers.get("drawn") or {k: [(*f, None) for f in layers[k]] for k in ("lake", "river")}
    done = set()
    for layer in ("lake", "river"):  # names the geometry itself carries (a data set's own geo/ may)
        for rings, props, _polygon, _named in drawn[layer]:
            name = props.get("name")
            if not name or name in done or _fold(str(name)) not in said:
                continue
            pts = max(rings, key=len)
            by = functools.partial(beside, rings) if layer == "lake" else lambda w, h: ()
            if water_label(str(name), [at(*pts[len(pts) // 2])], by):
                done.add(name)
    mentions = {name: (lon, lat) for _kind, name, lon, lat in water_mentions(inside, view)}
    for layer in ("lake", "river"):  # else the name an event's place gives the drawn water body beside it
        for rings, props, _polygon, name in drawn[layer]:
            if not name or name in done or props.get("name"):
                continue
            x0, y0 = at(*mentions[name])
            pts = along(rings)
            by = lambda w, h: ()  # noqa: E731
            steps = ()
            if layer == "lake":  # in it when the name fits, else beside its outline, then along its shore
                by = functools.partial(beside, rings)
            else:  # along the river, nearest the event first (a label far away would name another stretch)
                pts.sort(key=lambda q: math.hypot(q[0] - x0, q[1] - y0))
                steps = [(at(float(a[0]), float(a[1])), at(float(b[0]), float(b[1])))
                         for r in rings for a, b in zip(r, r[1:], strict=False)]
            if water_label(name, pts[:300], by, steps):
                done.add(name)
    return {**stats, "boxes": boxes}


def _lon_text(x: float) -> str:
    x = (x + 180) % 360 - 180  # a map across the antimeridian runs past 180°
    return f"{abs(x):g}°{'E' if x > 0 else 'W' if x < 0 else ''}"


def _lat_text(y: float) -> str:
    return f"{abs(y):g}°{'N' if y > 0 else 'S' if y < 0 else ''}"


def _step(span: float) -> float:
    """A round graticule step giving about 3–6 lines across ``span`` degrees."""
    for step in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30):
        if span / step <= 6:
            return step
    return 60


def _graticule(ax, west, east, south, north, size, preset):
    step = _step(max(east - west, north - south) * 0.8)

    def ticks(a, b):
        first, last = math.ceil(a / step - 1e-9), math.floor(b / step + 1e-9)
        return [round(i * step, 6) for i in range(first, last + 1)]

    xs, ys = ticks(west, east), ticks(south, north)
    ax.set_xticks(xs)
    ax.set_xticklabels([_lon_text(x) for x in xs], fontsize=max(size, MIN_PT),
                       color=MUTED)
    ax.set_yticks(ys)
    ax.set_yticklabels([_lat_text(y) for y in ys], fontsize=max(size, MIN_PT),
                       color=MUTED)
    ax.tick_params(length=2 * preset.scale, pad=1.5 * preset.scale, direction="in", top=True, right=True,
                   labeltop=False, labelright=False, labelbottom=False, labelleft=False)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(True)
        ax.spines[side].set_color(COAST)
    ax.grid(True, color="white", lw=0.4 * preset.scale, alpha=0.8, zorder=3.5)
    return xs, ys


def _degree_labels(ax, fig, xs, ys, view, scale, fs, taken, leaders):
    """Degree labels inside the frame (so they take no margin), along the bottom and the left edge; a
    label that would leave the frame or cross a marker, label, count, key, leader or the inset is left out."""
    west, east, south, north = view
    pt_x, pt_y, map_w, map_h = scale
    h = fs * 1.46  # as drawn: the face's full line (1.36 em) in its halo (0.05 em a side)
    done = []
    cands = [(x, south, " " + _lon_text(x), (x - west) * pt_x, 0.0) for x in xs[1:]]
    cands += [(west, y, " " + _lat_text(y), 0.0, (y - south) * pt_y) for y in ys if y > south]
    for lon, lat, text, px, py in cands:
        box = (px, py, px + text_width_pt(fig, text, fs), py + h)
        if box[2] > map_w or box[3] > map_h or _blocked(box, taken + done, leaders):
            continue
        done.append(box)
        ax.text(lon, lat, text, fontsize=fs, color=MUTED, ha="left", va="bottom", zorder=3.6,  # over rivers: a
                bbox={"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none", "alpha": 0.6})  # ground to read on


def _blocked(box, boxes, segments, gap=0.5) -> bool:
    return any(L._overlaps(box, b, gap) for b in boxes) or any(L._segment_hits_box(p, q, box) for p, q in segments)


def _draw_count(ax, fig, pl, item, d, preset, bounds, taken, leaders):
    """The number of events at a place, at the first corner of its marker (or above, or below it) that is
    clear of every label, marker, key and leader (else the upper right, on a halo), drawn above the label
    boxes. Returns its box (pt)."""
    map_w, map_h = bounds
    fs = max(MIN_PT, preset.small * 0.75, d * 0.55)
    text = str(len(pl.events))
    w, h = text_width_pt(fig, text, fs), fs
    o = d / 2 + (2.2 * preset.scale if pl.approximate else 0.0) + 0.5
    def room(box):  # its clearance (up to 3 type sizes): a count close to a neighbour reads as the neighbour's
        return min([3 * fs] + [math.hypot(max(0.0, b[0] - box[2], box[0] - b[2]),
                                          max(0.0, b[1] - box[3], box[1] - b[3])) for b in taken])

    def overlap(box):  # the area it would cover of labels and markers
        return sum(max(0.0, min(box[2], b[2]) - max(box[0], b[0])) * max(0.0, min(box[3], b[3]) - max(box[1], b[1]))
                   for b in taken)

    inside: list = []
    free: list = []
    # touching the marker first, then a little farther off it (still nearer this marker than any other):
    # a count printed over a label's letters reads as part of the name
    for step in (0.0, 0.5, 1.0):
        r = o + step * fs
        for dx, dy in ((1, 1), (-1, 1), (0, 1), (1, -1), (-1, -1), (0, -1), (1, 0), (-1, 0)):
            x0 = item.x + r if dx > 0 else item.x - r - w if dx < 0 else item.x - w / 2
            y0 = item.y + r if dy > 0 else item.y - r - h if dy < 0 else item.y - h / 2
            box = (x0, y0, x0 + w, y0 + h)
            if box[0] >= 0 and box[1] >= 0 and box[2] <= map_w and box[3] <= map_h:
                inside.append(((dx, dy), r, box))
        free = [b for b in inside if not _blocked(b[2], taken, leaders)]
        if free:
            free = [max(free, key=lambda b: (room(b[2]), -free.index(b)))]
            break
    if not inside:
        inside = [((1, 1), o, (item.x + o, item.y + o, item.x + o + w, item.y + o + h))]
    (dx, dy), r, box = free[0] if free else min(inside, key=lambda b: (overlap(b[2]), inside.index(b)))
    ax.annotate(text, (pl.lon, pl.lat), xytext=(dx * r, dy * r), textcoords="offset points", fontsize=fs, color=INK,
                ha="left" if dx > 0 else "right" if dx < 0 else "center",
                va="bottom" if dy > 0 else "top" if dy < 0 else "center", zorder=7,
                bbox=None if free else {"boxstyle": "square,pad=0.05", "fc": LAND, "ec": "none", "alpha": 0.9})
    return box


def _draw_place(ax, pl: _Place, d, preset):
    ev = pl.lead
    marker = KIND_MARKERS.get(ev.kind, "o")
    sc = preset.scale
    face = "white" if pl.approximate else KIND_FILLS.get(ev.kind, INK)
    ax.scatter([pl.lon], [pl.lat], s=[d * d], marker=marker, facecolors=[face], edgecolors=[INK], linewidths=0.6 * sc,
               zorder=5)
    if pl.approximate:
        ring = d + 4.4 * sc
        ax.scatter([pl.lon], [pl.lat], s=[ring * ring], marker="o", facecolors="none", edgecolors=[INK],
                   linewidths=0.5 * sc, linestyles=[(0, (2, 1.5))], zorder=5)


def _cluster_plan(places, ranks, west, south, pt_x, pt_y, size):
    """Grid binning: the 8 most significant places stay individual (and labelled); the rest are counted
    in square cells of about 3 type sizes. Returns (individual places, clusters)."""
    fs = max(size * 0.7, MIN_PT)
    cell_pt = max(size * 3.2, fs * 4.0)  # room for a count of 10,000
    cx, cy = cell_pt / pt_x, cell_pt / pt_y
    keep_n = 8
    ranked = sorted(places, key=lambda p: (tuple(-x for x in max(ranks[e.id] for e in p.events)), p.key))
    cells: dict[tuple[int, int], list] = defaultdict(list)
    for p in ranked[keep_n:]:
        cells[(int((p.lon - west) // cx), int((p.lat - south) // cy))].append(p)
    out = []
    most = max((sum(len(p.events) for p in ps) for ps in cells.values()), default=1)
    for _, ps in sorted(cells.items()):
        n = sum(len(p.events) for p in ps)
        lon = sum(p.lon for p in ps) / len(ps)
        lat = sum(p.lat for p in ps) / len(ps)
        d = cell_pt * (0.45 + 0.5 * math.log10(n + 1) / math.log10(most + 1))  # never wider than its cell
        d = min(cell_pt, max(d, (len(f"{n:,}") * 0.62 + 0.4) * fs))  # and wide enough for its count
        x, y = (lon - west) * pt_x, (lat - south) * pt_y
        out.append({"lon": lon, "lat": lat, "n": n, "d": d, "box": (x - d / 2, y - d / 2, x + d / 2, y + d / 2)})
    return sorted(ranked[:keep_n], key=lambda p: p.key), out


def _draw_clusters(ax, clusters, preset, size):
    if not clusters:
        return
    ax.scatter([c["lon"] for c in clusters], [c["lat"] for c in clusters], s=[c["d"] ** 2 for c in clusters],
               marker="o", facecolors="#7F7F7F", edgecolors="white", linewidths=0.5 * preset.scale, alpha=0.85,
               zorder=4)
    for c in clusters:
        ax.text(c["lon"], c["lat"], f"{c['n']:,}", ha="center", va="center", fontsize=max(size * 0.7, MIN_PT),
                color="white", zorder=4.5, fontweight="bold")


def _inset_plan(outside, box, places, pt_x, pt_y, map_w, map_h) -> dict:
    """Extent of the world overview (wrapping at 180° when that is shorter) and the map corner it takes:
    the one over the fewest places (glyph plus a label's worth of room)."""
    west, east, south, north = box
    lons = [e.place.lon for e in outside] + [west, east]
    spread_std = max(lons) - min(lons)
    shifted = [(x + 360) % 360 for x in lons]
    wrap = (max(shifted) - min(shifted)) < spread_std

    def sx(lon):
        return (lon + 360) % 360 if wrap else lon

    pts = [(sx(e.place.lon), e.place.lat) for e in outside] + [(sx(west), south), (sx(east), north)]
    x0, x1 = min(p[0] for p in pts) - 12, max(p[0] for p in pts) + 12
    y0, y1 = max(min(p[1] for p in pts) - 10, -85), min(max(p[1] for p in pts) + 10, 85)
    mid = math.radians((y0 + y1) / 2)
    asp = (x1 - x0) * math.cos(mid) / (y1 - y0)
    iw = map_w * 0.42
    ih = iw / asp
    if ih > map_h * 0.4:
        ih = map_h * 0.4
        iw = ih * asp
    for _ in range(4):  # a corner over no place at all; else a smaller inset; else none (the note lists them)
        corners = {"lower right": (map_w - iw, 0), "upper left": (0, map_h - ih), "lower left": (0, 0),
                   "upper right": (map_w - iw, map_h - ih)}
        room = map_h * 0.08

        def count(c, pad, corners=corners, iw=iw, ih=ih):
            ox, oy = corners[c]
            return sum(1 for p in places if ox - pad <= (p.lon - west) * pt_x <= ox + iw + pad
                       and oy - pad <= (p.lat - south) * pt_y <= oy + ih + pad)

        free = [c for c in corners if count(c, map_h * 0.02) == 0]
        if free:
            corner = min(free, key=lambda c: (count(c, room), list(corners).index(c)))
            ox, oy = corners[corner]
            return {"wrap": wrap, "extent": (x0, x1, y0, y1), "box": (ox, oy, ox + iw, oy + ih), "sx": sx}
        iw, ih = iw * 0.8, ih * 0.8
    return None


def _inset(fig, world, outside, box, plan, preset, size, margin, title_h, map_h, W, H):
    from matplotlib.patches import PathPatch, Rectangle

    west, east, south, north = box
    wrap, sx = plan["wrap"], plan["sx"]
    shift = (lambda ring: 360.0 if max(x for x, _ in ring) <= 0 else 0.0) if wrap else None
    x0, x1, y0, y1 = plan["extent"]
    ox, oy, ox1, oy1 = plan["box"]
    iw, ih = ox1 - ox, oy1 - oy
    left = margin + ox
    bottom_from_top = title_h + map_h - oy
    iax = fig.add_axes((left / W, 1 - bottom_from_top / H, iw / W, ih / H))
    iax.set_xlim(x0, x1)
    iax.set_ylim(y0, y1)
    iax.set_facecolor(SEA)
    iax.set_xticks([]), iax.set_yticks([])
    for s in iax.spines.values():
        s.set_visible(True)
        s.set_color(INK)
        s.set_linewidth(0.6 * preset.scale)
    feats = world["features"]
    for path in _polys(feats, "land", shift=shift, clip=(x0 - 1, x1 + 1, y0 - 1, y1 + 1)):
        add_shape(iax, PathPatch(path, facecolor=LAND, edgecolor="none", zorder=1))
    clip = (x0, x1, y0, y1)
    for lines, colour, ls in ((_lines(feats, "coast", shift=shift, clip=clip), COAST, "-"),
                              (_lines(feats, "border", shift=shift, clip=clip), BORDER, (0, (3, 2)))):
        patch = _polyline_patch(lines, colour, 0.3 * preset.scale, ls, 2)
        if patch is not None:
            add_shape(iax, patch)
    iax.add_patch(Rectangle((sx(west), south), east - west, north - south, facecolor="none", edgecolor=INK,
                            lw=0.7 * preset.scale, zorder=3))
    groups: dict[tuple, list] = {}
    for e in outside:
        groups.setdefault((round(e.place.lon, 1), round(e.place.lat, 1)), []).append(e)
    ordered = sorted(groups.items(), key=lambda kv: kv[1][0].date.sort_key)

    def at(lon, lat):  # inset points from its lower-left corner
        return (sx(lon) - x0) / (x1 - x0) * iw, (lat - y0) / (y1 - y0) * ih

    mr = 3.5 * preset.scale / 2 + 0.3 * preset.scale
    marks = [(x - mr, y - mr, x + mr, y + mr) for x, y in (at(lon, lat) for (lon, lat), _ in ordered)]
    # "overview" in the first corner over no marker; the numbers keep clear of it and of every marker
    fs_o = max(size * 0.75, MIN_PT)
    ow, oh = text_width_pt(fig, "overview", fs_o) + fs_o * 0.2, fs_o * 1.2
    pad = fs_o * 0.15
    pad = fs_o * 0.3
    corners = [(pad, pad), (iw - ow - pad, pad), (pad, ih - oh - pad), (iw - ow - pad, ih - oh - pad)]
    bx, by = next((c for c in corners if not any(L._overlaps((c[0], c[1], c[0] + ow, c[1] + oh), m, 0.5)
                                                for m in marks)), corners[0])
    taken = [(bx, by, bx + ow, by + oh)]
    iax.text((bx + fs_o * 0.1) / iw, by / ih, "overview", transform=iax.transAxes, fontsize=fs_o, color=MUTED,
             ha="left", va="bottom", zorder=5)
    fs = max(size * 0.8, MIN_PT)
    for n, ((lon, lat), evs) in enumerate(ordered, 1):
        approx = any(e.place.approximate for e in evs)
        iax.scatter([sx(lon)], [lat], s=[(3.5 * preset.scale) ** 2], marker="o",
                    facecolors=["white" if approx else INK], edgecolors=[INK], linewidths=0.6 * preset.scale, zorder=4)
        if n > OVERVIEW_NUMBERED:
            continue  # drawn, not numbered: the note lists the first places and counts the rest
        # the numbered circle: beside its marker where it crosses no other marker, number or the "overview"
        r = (max(text_width_pt(fig, str(n), fs, "bold"), fs * 1.36) / 2 + fs * 0.12) + 0.4 * preset.scale
        x, y = at(lon, lat)
        dist = mr + r + 0.5
        best = None
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1), (0.71, 0.71), (-0.71, 0.71), (0.71, -0.71), (-0.71, -0.71)):
            cx, cy = x + dx * dist, y + dy * dist
            box = (cx - r, cy - r, cx + r, cy + r)
            if box[0] < 0 or box[1] < 0 or box[2] > iw or box[3] > ih:
                continue
            if best is None:
                best = (dx * dist, dy * dist, box)
            if not any(L._overlaps(box, b, 0.3) for i, b in enumerate(marks) if i != n - 1) and \
                    not any(L._overlaps(box, b, 0.3) for b in taken):
                best = (dx * dist, dy * dist, box)
                break
        ox_, oy_, box = best or (0.0, 0.0, (x - r, y - r, x + r, y + r))  # no room: over its own marker
        taken.append(box)
        iax.annotate(str(n), (sx(lon), lat), xytext=(ox_, oy_), textcoords="offset points",
                     fontsize=fs, fontweight="bold", ha="center", va="center", zorder=5,
                     bbox={"boxstyle": "circle,pad=0.12", "fc": "white", "ec": INK, "lw": 0.4 * preset.scale})


def _notes(dataset, outside, unlocated, preset) -> list[str]:
    """The notes under the map: the data's own map note (document.yaml ``map_note``), the events in the
    overview, the events without coordinates."""
    notes = []
    note = getattr(dataset.document, "map_note", "") or ""
    if note.strip():
        notes.append(" ".join(note.split()))
    if outside:
        items = []
        groups = _outside_groups(outside)
        for n, evs in enumerate(groups[:OVERVIEW_NUMBERED], 1):
            shown = [f"{label_text(e, preset)} ({year_text(e)})" for e in evs[:3]]
            more = f" and {len(evs) - 3} more" if len(evs) > 3 else ""
            items.append(f"{n} {evs[0].place.name}: " + ", ".join(shown) + more)
        rest = groups[OVERVIEW_NUMBERED:]
        tail = (f"; and {plural(len(rest), 'more place')} ({plural(sum(map(len, rest)), 'event')}), unnumbered"
                if rest else "")
        notes.append("Outside the map (numbered in the overview): " + "; ".join(items) + tail + ".")
    if unlocated:
        notes.append(f"Not on the map (no coordinates in the data): {plural(len(unlocated), 'event')}.")
    return notes


def _outside_groups(outside) -> list[list]:
    """The overview's numbered places, in date order (the numbers of the inset and of the note agree)."""
    groups: dict[tuple, list] = {}
    for e in outside:
        groups.setdefault((round(e.place.lon, 1), round(e.place.lat, 1)), []).append(e)
    return sorted(groups.values(), key=lambda evs: evs[0].date.sort_key)


def legend_row(fig, preset, width) -> LegendRow:
    """A legend row whose type is never under MIN_PT."""
    row = LegendRow(fig, preset, width)
    if row.size < MIN_PT:
        row.size = MIN_PT
        row.line = row.size * 1.7
        row._measure = lambda t: text_width_pt(fig, t, row.size)
    return row


def base_key(row: LegendRow, preset, cities: bool = True) -> None:
    """The base map's own symbols in a legend: modern border, river, city (the locator and detail maps)."""
    sc = preset.scale
    g = row.size * 1.1

    def border(ax, x, y):
        ax.plot([x - g, x + g], [y, y], color=BORDER, lw=0.6 * sc, ls=(0, (4, 2)), clip_on=False)
    row.add(g * 2, border, "modern border")

    def river(ax, x, y):
        ax.plot([x - g, x + g], [y, y], color=RIVER, lw=0.7 * sc, clip_on=False)
    row.add(g * 2, river, "river")

    if cities:
        def city(ax, x, y):
            ax.scatter([x], [y], s=[(2.2 * sc) ** 2], marker="s", facecolors=[PLACE_INK], edgecolors="none",
                       clip_on=False)
        row.add(g, city, "city (modern name)")


def _legend(fig, preset, dataset, width, inside, clusters, counts, overview) -> LegendRow:
    row = legend_row(fig, preset, width)
    sc = preset.scale
    g = row.size * 1.1
    row.add_kinds(dataset)
    if any(e.place.approximate for e in inside):
        d = marker_diameter(100, sc)

        def approx(ax, x, y):
            ax.scatter([x], [y], s=[d * d], marker="o", facecolors=["white"], edgecolors=[INK], linewidths=0.6 * sc,
                       clip_on=False)
            ax.scatter([x], [y], s=[(d + 4.4 * sc) ** 2], marker="o", facecolors="none", edgecolors=[INK],
                       linewidths=0.5 * sc, linestyles=[(0, (2, 1.5))], clip_on=False)
        row.add(d + 4.4 * sc, approx, "approximate place")
    keys = size_key_values(highest_dead(e).value for e in inside)
    for v in keys:
        d = marker_diameter(v, sc)
        row.add(d, marker_glyph("o", d, KIND_FILLS["border-incident"], lw=0.6 * sc), format_count(v),
                gap_after=row.size * 0.4)
    row.add(0 if keys else g, (lambda ax, x, y: None) if keys else
            marker_glyph("o", marker_diameter(None, sc), KIND_FILLS["border-incident"], lw=0.6 * sc),
            f"size: {HIGHEST_DEAD_SHORT}" + ("" if keys else " (none claimed)"))
    if counts:
        def count(ax, x, y):
            ax.text(x, y + 0.36 * row.size, "3", fontsize=row.size, color=INK, ha="center", va="baseline")
        row.add(g, count, "events at one place")
    base_key(row, preset)
    if clusters:
        def cl(ax, x, y):
            ax.scatter([x], [y], s=[(g * 1.3) ** 2], marker="o", facecolors=["#7F7F7F"], edgecolors=["white"],
                       clip_on=False)
            ax.text(x, y + 0.3 * row.size * 0.8, "9", fontsize=row.size * 0.8, color="white", ha="center",
                    va="baseline", fontweight="bold")
        row.add(g * 1.3, cl, "events in a grid cell")
    if overview:
        def num(ax, x, y):
            ax.text(x, y + 0.36 * row.size, "1", fontsize=row.size, fontweight="bold", ha="center", va="baseline",
                    bbox={"boxstyle": "circle,pad=0.12", "fc": "white", "ec": INK, "lw": 0.4 * sc})
        row.add(g * 1.2, num, "in the overview (see the note)")
    return row


def _alt(dataset, inside, outside, unlocated, places, clustered) -> str:
    parts = [f"Map of the region with {plural(len(inside), 'located event')} at {plural(len(places), 'place')}."]
    busiest = sorted(places, key=lambda p: (-len(p.events), p.key))[:3]
    if busiest and not clustered:
        parts.append("Places: " + join_list([f"{p.lead.place.name} ({plural(len(p.events), 'event')})"
                                             for p in sorted(places, key=lambda p: (p.lon, p.lat))], limit=10) + ".")
    elif clustered:
        parts.append("Most events are drawn as grid clusters with counts; the most significant are labelled.")
    approx = sum(1 for e in inside if e.place.approximate)
    if approx:
        parts.append(f"{plural(approx, 'place')} approximate.")
    if outside:
        parts.append("Outside the region, in an overview: " + join_list(
            [f"{e.title} ({e.place.name})" for e in outside], limit=6) + ".")
    if unlocated:
        parts.append(f"{plural(len(unlocated), 'event')} without coordinates are not mapped.")
    parts.append("Borders shown are modern.")
    return " ".join(parts)
