"""Bundled world geometry for the maps, clipped at build time to any extent on the globe.

A base-map folder (``<data>/geo/`` when it holds ``world.geojson[.gz]``, else the packaged
``data/geo/``; see data/geo/README.md) has:

* ``world.geojson[.gz]`` — layers ``land`` (polygons; their rings are the coast unless a ``coast`` layer
  is given), ``lake`` (``area_km2``), ``river`` (lines; ``length_km`` of the network, ``name`` optional),
  ``border`` (lines);
* ``world-crude.geojson`` — the same at crude resolution, for the overview inset (optional);
* ``places.geojson[.gz]`` — points: layer ``city`` (``name``, ``population``) and ``country`` (``name``,
  ``area_km2``) (optional);
* ``detail.geojson[.gz]`` — the same layers as the world file, finer, within the boxes its
  ``metadata.bounds`` declares (optional; tools/make_geo_detail.py cuts it for a data set's detail maps). A
  detail map whose view lies inside one of them is drawn from it (:func:`detail_base`). It may also stand in
  a data set's own ``geo/`` beside the packaged world file.

Everything here is pure numpy: :func:`view_layers` returns plain coordinate arrays in degrees
(longitudes shifted by ±360 where a view crosses the antimeridian), ready for Matplotlib paths.
"""

from __future__ import annotations

import functools
import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from borderwar_report.core.errors import RenderError
from borderwar_report.core.project import packaged

WORLD = ("world.geojson", "world.geojson.gz")
CRUDE = ("world-crude.geojson", "world-crude.geojson.gz")
PLACES = ("places.geojson", "places.geojson.gz")
DETAIL = ("detail.geojson", "detail.geojson.gz")


def _find(folder: Path, names) -> Path | None:
    return next((folder / n for n in names if (folder / n).is_file()), None)


def geo_dir(project) -> Path:
    """The data set's own ``geo/`` folder when it brings a world file, else the packaged one."""
    own = Path(project.data_dir) / "geo"
    return own if _find(own, WORLD) else packaged("data") / "geo"


def geo_dirs(project) -> list[Path]:
    """Every folder the maps read: the data set's own ``geo/`` (for its detail layer, even beside the
    packaged world file) and :func:`geo_dir`."""
    own, base = Path(project.data_dir) / "geo", geo_dir(project)
    return [own, base] if own != base and _find(own, DETAIL) else [base]


def detail_base(project, view) -> BaseMap | None:
    """The finer layer (``detail.geojson``) of the first folder of :func:`geo_dirs` whose declared bounds
    hold the whole ``view`` (west, east, south, north), else None: the map is drawn from the world file."""
    for folder in geo_dirs(project):
        path = _find(folder, DETAIL)
        if path is not None:
            base = load_base(str(path))
            try:
                if covers(base.metadata.get("bounds") or (), view):
                    return base
            except (TypeError, ValueError):
                raise RenderError(f"{path}: metadata.bounds must be a list of [west, south, east, north] "
                                  f"(see data/geo/README.md)") from None
    return None


def covers(bounds, view) -> bool:
    """Does one of ``bounds`` ([west, south, east, north], as a map's extent; east may pass 180°) hold the
    view (west, east, south, north), at its own longitudes or one turn of the globe away?"""
    w, e, s, n = view
    for b in bounds:
        bw, bs, be, bn = (float(x) for x in b)
        if bs <= s and n <= bn and any(bw <= w + k and e + k <= be for k in (-360.0, 0.0, 360.0)):
            return True
    return False


def read_geojson(path: Path) -> dict:
    try:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
        data = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError, EOFError) as exc:
        raise RenderError(f"{path}: cannot read the base map ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise RenderError(f"{path}: not a GeoJSON FeatureCollection")
    return data


def parts(geom) -> list[list]:
    """[[ring or line, ...], ...]: polygons with their holes, or one-element lists of lines."""
    t, c = geom.get("type"), geom.get("coordinates")
    if t == "Polygon":
        return [c]
    if t == "MultiPolygon":
        return list(c)
    if t == "LineString":
        return [[c]]
    if t == "MultiLineString":
        return [[line] for line in c]
    return []


@dataclass
class Shape:
    """One polygon (rings[0] the exterior, the rest holes) or one line, with its bounding box."""

    rings: list  # of (n, 2) float arrays
    box: tuple  # west, east, south, north
    props: dict = field(default_factory=dict)
    polygon: bool = True


@dataclass
class BaseMap:
    layers: dict  # layer name -> [Shape]
    metadata: dict
    path: str


@functools.lru_cache(maxsize=6)
def load_base(path: str) -> BaseMap:
    """The world file at ``path`` as shapes by layer. A packed copy beside it (``pack_path``), made from
    exactly these bytes, loads in a tenth of the time; any other file is parsed as GeoJSON."""
    packed = _load_packed(Path(path))
    return packed if packed is not None else parse_base(Path(path))


def parse_base(path: Path) -> BaseMap:
    """The world file parsed as GeoJSON (never its packed copy)."""
    data = read_geojson(path)
    layers: dict = {}
    for f in data["features"]:
        props = f.get("properties") or {}
        geom = f.get("geometry") or {}
        polygon = geom.get("type") in ("Polygon", "MultiPolygon")
        for part in parts(geom):
            rings = [np.asarray(r, dtype=float).reshape(-1, 2) for r in part if len(r) >= 2]
            if not rings:
                continue
            ext = rings[0]
            box = (float(ext[:, 0].min()), float(ext[:, 0].max()), float(ext[:, 1].min()), float(ext[:, 1].max()))
            layers.setdefault(props.get("layer", ""), []).append(Shape(rings, box, props, polygon))
    return BaseMap(layers, data.get("metadata") or {}, str(path))


# --- the packed copy: the same shapes as flat numpy arrays (tools/make_geo.py writes it) ----------

def pack_path(world: Path) -> Path:
    """world.geojson.gz -> world.packed.npz"""
    return world.with_name(world.name.split(".")[0] + ".packed.npz")


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def pack_base(world: Path) -> dict:
    """The arrays of ``world``'s packed copy (``np.savez_compressed(pack_path(world), **pack_base(world))``):
    every ring's points in one array, offsets per ring and per shape, boxes, and the GeoJSON's sha256."""
    base = parse_base(world)
    coords, ring_starts, shape_rings, boxes, polygon, layer_of, props = [], [0], [0], [], [], [], []
    names = list(base.layers)  # the GeoJSON's order, drawn the same
    for li, name in enumerate(names):
        for shape in base.layers[name]:
            for ring in shape.rings:
                coords.append(ring)
                ring_starts.append(ring_starts[-1] + len(ring))
            shape_rings.append(shape_rings[-1] + len(shape.rings))
            boxes.append(shape.box)
            polygon.append(shape.polygon)
            layer_of.append(li)
            props.append(shape.props)
    return {**_pack_coords(np.concatenate(coords)), "ring_starts": np.asarray(ring_starts, dtype=np.int64),
            "shape_rings": np.asarray(shape_rings, dtype=np.int64), "boxes": np.asarray(boxes, dtype=float),
            "polygon": np.asarray(polygon, dtype=bool), "layer_of": np.asarray(layer_of, dtype=np.int32),
            "layers": np.asarray(json.dumps(names)), "props": np.asarray(json.dumps(props, ensure_ascii=False)),
            "metadata": np.asarray(json.dumps(base.metadata, ensure_ascii=False)),
            "source_sha256": np.asarray(_sha256(world))}


def write_pack(world: Path) -> Path:
    """Write ``world``'s packed copy beside it (a dev-time step of tools/make_geo.py); returns its path."""
    path = pack_path(world)
    np.savez_compressed(path, **pack_base(world))
    return path


def _pack_coords(coords: np.ndarray) -> dict:
    """Coordinates rounded to a few decimals (as make_geo writes them) keep as integer steps of 10^-k,
    delta-coded so they compress to a third; ``int / 10^k`` gives back the very same float, since both it
    and the GeoJSON's decimal text round the same exact number to the nearest double. Else float64."""
    for scale in (1, 10, 100, 1000, 10_000, 100_000, 1_000_000):
        steps = np.rint(coords * scale)
        if np.abs(steps).max() < 2 ** 52 and np.array_equal(steps / scale, coords):
            delta = np.diff(steps.astype(np.int64).ravel(), prepend=0)
            small = np.abs(delta).max() < 2 ** 31
            return {"coords_delta": delta.astype(np.int32) if small else delta, "coords_scale": np.asarray(scale)}
    return {"coords": coords}


def _unpack_coords(arrays: dict) -> np.ndarray:
    if "coords" in arrays:
        return arrays["coords"]
    return (np.cumsum(arrays["coords_delta"], dtype=np.int64) / float(arrays["coords_scale"])).reshape(-1, 2)


def _load_packed(world: Path) -> BaseMap | None:
    packed = pack_path(world)
    if not packed.is_file():
        return None
    try:
        with np.load(packed, allow_pickle=False) as z:
            if str(z["source_sha256"]) != _sha256(world):
                return None  # made from other bytes: the GeoJSON is the truth
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, KeyError):
        return None
    coords = _unpack_coords(arrays)
    coords.setflags(write=False)  # rings are views of one array: nothing may edit them in place
    starts, shape_rings = arrays["ring_starts"].tolist(), arrays["shape_rings"].tolist()
    names, props = json.loads(str(arrays["layers"])), json.loads(str(arrays["props"]))
    layers: dict = {name: [] for name in names}
    for i, (box, polygon, li) in enumerate(zip(arrays["boxes"].tolist(), arrays["polygon"].tolist(),
                                               arrays["layer_of"].tolist(), strict=True)):
        rings = [coords[starts[r]:starts[r + 1]] for r in range(shape_rings[i], shape_rings[i + 1])]
        layers[names[li]].append(Shape(rings, tuple(box), props[i], polygon))
    return BaseMap(layers, json.loads(str(arrays["metadata"])), str(world))


def world_file(gdir: Path, crude: bool = False) -> Path | None:
    return _find(gdir, CRUDE if crude else WORLD)


@functools.lru_cache(maxsize=4)
def load_places(gdir: str) -> list[dict]:
    """[{layer, name, lon, lat, population, area_km2}] from places.geojson (empty without the file)."""
    path = _find(Path(gdir), PLACES)
    if path is None:
        return []
    out = []
    for f in read_geojson(path)["features"]:
        p, g = f.get("properties") or {}, f.get("geometry") or {}
        if g.get("type") != "Point" or not p.get("name"):
            continue
        lon, lat = g["coordinates"][:2]
        out.append({"layer": p.get("layer", "city"), "name": str(p["name"]), "lon": float(lon), "lat": float(lat),
                    "population": int(p.get("population") or 0), "area_km2": float(p.get("area_km2") or 0),
                    "points": [tuple(map(float, q[:2])) for q in p.get("points") or ()]})
    return out


# --- clipping ---------------------------------------------------------------------------------------

def _hits(a: tuple, b: tuple) -> bool:
    return a[0] <= b[1] and a[1] >= b[0] and a[2] <= b[3] and a[3] >= b[2]


def clip_ring(ring: np.ndarray, box) -> np.ndarray | None:
    """Sutherland–Hodgman, vectorised: the ring cut to box (west, east, south, north), for filling (parts
    of a concave ring are joined along the box edge). None when nothing is left."""
    pts = ring[:-1] if len(ring) > 1 and np.array_equal(ring[0], ring[-1]) else ring
    for axis, lim, keep_ge in ((0, box[0], True), (0, box[1], False), (1, box[2], True), (1, box[3], False)):
        if len(pts) < 3:
            return None
        cur = pts
        prev = np.roll(pts, 1, axis=0)
        cin = cur[:, axis] >= lim if keep_ge else cur[:, axis] <= lim
        pin = prev[:, axis] >= lim if keep_ge else prev[:, axis] <= lim
        if cin.all():
            continue
        cross = cin != pin
        denom = cur[:, axis] - prev[:, axis]
        t = np.where(cross, (lim - prev[:, axis]) / np.where(cross, denom, 1.0), 0.0)  # only crossing edges count
        inter = prev + t[:, None] * (cur - prev)
        inter[:, axis] = lim
        both = np.stack([inter, cur], axis=1)  # per edge: the crossing point, then the vertex
        mask = np.stack([cross, cin], axis=1)
        pts = both[mask]
    if len(pts) < 3:
        return None
    return np.vstack([pts, pts[:1]])


def clip_line(line: np.ndarray, box) -> list[np.ndarray]:
    """The runs of a polyline whose segments touch the box (drawing clips the rest at the frame)."""
    if len(line) < 2:
        return []
    a, b = line[:-1], line[1:]
    keep = ((np.minimum(a[:, 0], b[:, 0]) <= box[1]) & (np.maximum(a[:, 0], b[:, 0]) >= box[0])
            & (np.minimum(a[:, 1], b[:, 1]) <= box[3]) & (np.maximum(a[:, 1], b[:, 1]) >= box[2]))
    if keep.all():
        return [line]
    out = []
    idx = np.flatnonzero(keep)
    if not len(idx):
        return out
    breaks = np.flatnonzero(np.diff(idx) > 1)
    starts = np.concatenate([[idx[0]], idx[breaks + 1]])
    ends = np.concatenate([idx[breaks], [idx[-1]]])
    for s, e in zip(starts, ends, strict=True):
        out.append(line[s:e + 2])
    return out


def _seam_free(line: np.ndarray) -> list[np.ndarray]:
    """A land ring as coast: without the segments along ±180° or the poles' edge (cuts, not coast)."""
    a, b = line[:-1], line[1:]
    seam = ((a[:, 0] == b[:, 0]) & (np.abs(a[:, 0]) >= 179.999)) | ((a[:, 1] == b[:, 1]) & (np.abs(a[:, 1]) >= 89.9))
    if not seam.any():
        return [line]
    out, start = [], 0
    for i in np.flatnonzero(seam):
        if i > start:
            out.append(line[start:i + 1])
        start = i + 1
    if start < len(line) - 1:
        out.append(line[start:])
    return out


def view_layers(base: BaseMap, view, margin: float) -> dict:
    """The base map cut to ``view`` (west, east, south, north; east may pass 180° and west -180°) plus a
    margin in degrees: {"land": [[rings]], "coast": [lines], "lake": [([rings], props)],
    "river": [([lines], props)], "border": [lines]} — coordinates shifted into the view's longitudes."""
    w, e, s, n = view
    out: dict = {"land": [], "coast": [], "lake": [], "river": [], "border": []}
    for shift in (-360.0, 0.0, 360.0):
        box = (w - margin - shift, e + margin - shift, s - margin, n + margin)
        if box[1] < -180 or box[0] > 180:
            continue
        off = np.array([shift, 0.0])
        for shape in base.layers.get("land", ()):
            if not _hits(shape.box, box):
                continue
            rings = [r for r in (clip_ring(r, box) for r in shape.rings) if r is not None]
            if rings:
                out["land"].append([r + off for r in rings])
            if "coast" not in base.layers:
                for r in shape.rings:
                    for piece in _seam_free(r):
                        out["coast"].extend(p + off for p in clip_line(piece, box))
        for shape in base.layers.get("coast", ()):
            if _hits(shape.box, box):
                out["coast"].extend(p + off for p in clip_line(shape.rings[0], box))
        for layer in ("lake", "river"):
            for shape in base.layers.get(layer, ()):
                if not _hits(shape.box, box):
                    continue
                if shape.polygon:
                    rings = [r for r in (clip_ring(r, box) for r in shape.rings) if r is not None]
                else:
                    rings = [p for p in clip_line(shape.rings[0], box)]
                if rings:
                    out[layer].append(([r + off for r in rings], shape.props, shape.polygon))
        for shape in base.layers.get("border", ()):
            if _hits(shape.box, box):
                out["border"].extend(p + off for p in clip_line(shape.rings[0], box))
    return out


def places_in(places: list[dict], view) -> list[dict]:
    """The places on the map: a city or label point inside the view, or a country with an interior point
    inside it (``points`` keeps those), longitudes shifted into the view."""
    w, e, s, n = view

    def shifted(lon, lat):
        if not s <= lat <= n:
            return None
        return next((lon + k for k in (0.0, 360.0, -360.0) if w <= lon + k <= e), None)

    out = []
    for p in places:
        pts = [(x, lat) for lon, lat in p.get("points", ()) if (x := shifted(lon, lat)) is not None]
        lon = shifted(p["lon"], p["lat"])
        if lon is not None:
            out.append({**p, "lon": lon, "points": pts})
        elif pts:
            out.append({**p, "lon": pts[0][0], "lat": pts[0][1], "points": pts})
    return out
