"""The maps: bundled world geometry cut to any extent, the regional extent that follows the events, the
names that orient a reader, the size key from the data, and a second data set (the Chaco War) whose
outputs carry nothing of the shipped data."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from borderwar_report.charts import geo as G
from borderwar_report.charts import render_chart
from borderwar_report.charts.common import size_key_values
from borderwar_report.charts.locator import mentioned_names, regional, wrap_shift
from borderwar_report.core.errors import RenderError
from borderwar_report.core.project import Project, packaged
from borderwar_report.records.validate import load_dataset

ROOT = Path(__file__).resolve().parents[1]
CHACO = Path(__file__).resolve().parent / "fixtures" / "chaco"
# What only the shipped (Soviet–Japanese) data set may put in an output.
SHIPPED_ONLY = ("Manchuria", "Manchukuo", "1930s", "Khalkhin", "Nomonhan", "Khasan", "Soviet", "Japanese",
                "Mongolia", "Amur")


def _texts(svg: bytes) -> str:
    return " ".join(re.findall(r">([^<>]+)</text>", svg.decode("utf-8"))) + " " + svg.decode("utf-8")


@pytest.fixture(scope="module")
def chaco():
    return load_dataset(CHACO)


@pytest.fixture(scope="module")
def chaco_maps(chaco, tmp_path_factory):
    proj = Project(CHACO, packaged("templates"), tmp_path_factory.mktemp("out"))
    return {p: render_chart(chaco, proj, p, "locator", ("svg",)) for p in ("print", "slides")}


# --- the bundled geometry ---------------------------------------------------------------------------

def test_bundled_geometry_is_modest_and_licensed():
    geo = packaged("data") / "geo"
    total = sum(f.stat().st_size for f in geo.iterdir() if f.is_file())
    # a few MB at most: the GeoJSON, the crude inset, the places, and the packed copy that saves ~1.5 s per map
    # process on every build
    assert total < 6 * 1024 * 1024, total
    readme = (geo / "README.md").read_text(encoding="utf-8")
    for needle in ("LGPL-3.0-or-later", "CC BY 4.0", "public domain", "sha256"):
        assert needle in readme
    assert (geo / "LICENSE-LGPL-3.0.txt").is_file()


def test_world_geometry_covers_every_continent():
    base = G.load_base(str(G.world_file(packaged("data") / "geo")))
    for lon, lat in ((-59.9, -22.7), (31.2, 30.0), (108.0, 53.5), (-100.0, 40.0), (134.0, -25.0), (10.0, 50.0)):
        layers = G.view_layers(base, (lon - 3, lon + 3, lat - 3, lat + 3), 0.1)
        assert layers["land"], (lon, lat)
    chaco = G.view_layers(base, (-63, -56, -26, -19), 0.1)
    assert chaco["river"] and chaco["border"] and not chaco["coast"]  # the Paraguay and Pilcomayo; inland


def test_clip_ring_keeps_the_part_inside():
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], dtype=float)
    cut = G.clip_ring(square, (5, 20, -5, 5))
    assert cut is not None
    assert cut[:, 0].min() == 5 and cut[:, 0].max() == 10 and cut[:, 1].max() == 5
    assert G.clip_ring(square, (20, 30, 20, 30)) is None


def test_clip_line_keeps_a_segment_that_crosses_the_box():
    line = np.array([[-10.0, 0.0], [10.0, 0.0]])  # both ends outside, the middle inside
    assert len(G.clip_line(line, (-1, 1, -1, 1))) == 1
    assert G.clip_line(line, (-1, 1, 5, 6)) == []


def test_a_view_across_the_antimeridian_gets_both_sides():
    base = G.load_base(str(G.world_file(packaged("data") / "geo")))
    layers = G.view_layers(base, (170.0, 190.0, -25.0, -10.0), 0.1)  # Fiji straddles 180°
    xs = np.concatenate([r[:, 0] for rings in layers["land"] for r in rings])
    assert xs.min() < 180 < xs.max()


# --- the regional extent ----------------------------------------------------------------------------

def test_regional_map_follows_the_events_and_sends_far_ones_to_the_overview(chaco):
    located = [e for e in chaco.events if e.place is not None and e.place.located]
    inside, outside = regional(located)
    assert len(inside) == len(located) and not outside
    shipped = load_dataset(ROOT / "data")
    located = [e for e in shipped.events if e.place is not None and e.place.located]
    inside, outside = regional(located)
    assert {e.place.name for e in outside} >= {"Moscow", "Pearl Harbor, Hawaii"}
    assert all(e.place.lon > 100 for e in inside)


def test_wrap_shift_reads_the_antimeridian():
    assert wrap_shift([179.0, -179.0])
    assert not wrap_shift([-60.0, -58.0])


def test_chaco_map_is_drawn_over_south_america(chaco_maps):
    for preset, chart in chaco_maps.items():
        w, e, s, n = chart["stats"]["view"]
        assert -75 < w < e < -45 and -35 < s < n < -10, (preset, chart["stats"]["view"])
        assert chart["stats"]["inside"] == 7 and chart["stats"]["outside"] == 0


# --- what the map says ------------------------------------------------------------------------------

def test_size_key_spans_the_data():
    assert size_key_values([150, 80000]) == [100, 1000, 10000]
    assert size_key_values([3, 25000]) == [1, 100, 10000]
    assert size_key_values([None, 0]) == []
    assert size_key_values([12, 150]) == [10, 100]


def test_mentioned_names_fold_accents(chaco):
    said = mentioned_names(chaco.events)
    assert "boqueron" in said and "nanawa" in said and "isla poi" in said


def test_chaco_map_names_its_countries_and_cities_and_its_own_note(chaco_maps):
    for preset, chart in chaco_maps.items():
        text = _texts(chart["data"]["svg"])
        st = chart["stats"]
        assert st["countries"] >= 3 and st["cities"] >= 3, (preset, st)
        assert "PARAGUAY" in text and "BOLIVIA" in text
        assert "demarcated in 2009" in text  # document.yaml map_note
        for word in SHIPPED_ONLY:
            assert word not in text, (preset, word)
        assert "GeoNames" in chart["caption"]


def test_the_shipped_map_note_is_data_not_code():
    src = (ROOT / "src" / "borderwar_report" / "charts" / "locator.py").read_text(encoding="utf-8")
    assert "1930s" not in src and "Manchuria" not in src


def test_map_print_type_is_never_under_seven_points(chaco, tmp_path):
    from matplotlib.text import Text

    from borderwar_report.charts.locator import make_locator
    from borderwar_report.charts.style import PRESETS, chart_context

    proj = Project(CHACO, packaged("templates"), tmp_path)
    with chart_context(proj, PRESETS["print"]):
        chart = make_locator(chaco, proj, PRESETS["print"])
        small = [(t.get_fontsize(), t.get_text()) for t in chart.fig.findobj(Text)
                 if t.get_text() and t.get_fontsize() < 7 - 1e-6]
        chart.fig.clear()
    assert not small, small


# --- the second data set builds every output, with nothing of the shipped data in it ---------------

@pytest.mark.slow
def test_chaco_builds_every_output_without_the_shipped_datas_words(tmp_path):
    """Through the real command, quiet: every output, nothing of the shipped data, and no library's own
    message (WeasyPrint, fontTools, Matplotlib) on standard error."""
    from pypdf import PdfReader

    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "borderwar_report", "build", "--force", "-q", "--data", str(CHACO),
                          "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stderr == ""
    pdfs = sorted(out.glob("*.pdf"))
    assert {p.name for p in pdfs} >= {"briefing.pdf", "handout.pdf", "timeline-poster.pdf"}
    for pdf in pdfs:
        text = " ".join(page.extract_text() or "" for page in PdfReader(str(pdf)).pages)
        assert "Chaco" in text, pdf.name
        for word in SHIPPED_ONLY:
            assert word not in text, (pdf.name, word)
    for svg in (out / "charts").rglob("*.svg"):
        text = svg.read_text(encoding="utf-8")
        for word in SHIPPED_ONLY:
            assert word not in text, (svg.name, word)
    # no extent of the shipped map's region: the locator's degree labels are all west and south
    loc = (out / "charts" / "print" / "locator.svg").read_text(encoding="utf-8")
    degrees = re.findall(r"(\d+(?:\.\d+)?)°([NSEW])", loc)
    assert degrees and all(h in "SW" for _, h in degrees), degrees
    assert not math.isnan(len(loc))


# --- detail maps from an event's map block -----------------------------------------------------------

def test_map_block_is_parsed(chaco):
    ev = next(e for e in chaco.events if e.id == "chaco-war-1932-1935")
    assert ev.map.extent == (-61.2, -24.0, -58.8, -22.0)
    assert [p.name for p in ev.map.places] == ["Fortín Boquerón", "Fortín Nanawa"]
    assert ev.map.lines[0].kind == "advance" and ev.map.lines[0].points[0] == (-60.4, -23.1)


def test_bad_map_block_names_the_line(tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(CHACO, data)
    f = data / "events" / "chaco-war-1932-1935.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("[-60.4, -23.1]", "[-60.4]")
                 .replace("kind: advance", "kind: charge"), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "borderwar_report", "validate", "--data", str(data)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    assert re.search(r"chaco-war-1932-1935\.yaml:\d+: map\.lines\[0\]\.kind", run.stdout + run.stderr)
    assert re.search(r"chaco-war-1932-1935\.yaml:\d+: map\.lines\[0\]\.points\[0\]", run.stdout + run.stderr)


def test_detail_map_draws_the_block_at_its_extent(chaco, tmp_path):
    from matplotlib.text import Text

    from borderwar_report.charts.geo_detail import has_detail, make_detail
    from borderwar_report.charts.style import PRESETS, chart_context

    proj = Project(CHACO, packaged("templates"), tmp_path)
    ev = next(e for e in chaco.events if e.id == "chaco-war-1932-1935")
    assert has_detail(ev) and not any(has_detail(e) for e in chaco.events if e is not ev)
    with chart_context(proj, PRESETS["print"]):
        chart = make_detail(chaco, proj, PRESETS["print"], ev)
        texts = [t for t in chart.fig.findobj(Text) if t.get_text()]
        small = [(t.get_fontsize(), t.get_text()) for t in texts if t.get_fontsize() < 7 - 1e-6]
        words = " ".join(t.get_text() for t in texts)
        chart.fig.savefig(tmp_path / "detail.png", dpi=100)
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        renderer, fig_box = FigureCanvasAgg(chart.fig).get_renderer(), chart.fig.bbox
        outside = [t.get_text() for t in texts if t.get_window_extent(renderer).x1 > fig_box.x1 + 1]
        chart.fig.clear()
    assert not outside  # the key beside the map is as wide as its widest item: no legend text cut at the edge
    assert chart.stats["key_beside"]  # a map narrower than the page: its key and notes beside it
    w, e, s, n = chart.stats["view"]
    assert w <= -61.2 and e >= -58.8 and s <= -24.0 and n >= -22.0 and e - w < 4
    assert chart.stats["labels"] == 2 and chart.stats["lines"] == 1
    assert "Fortín Nanawa" in words and "advance" in words and not small
    assert "modern border" in words and "river" in words  # the base map's lines are keyed too


def test_a_detail_map_with_a_long_key_keeps_its_map_and_heads_its_movements(chaco, tmp_path):
    """A block with many lines and a long note (a campaign, not a battlefield) once left the map under its key
    a negative height and failed; the map keeps its share, and each advance or withdrawal ends in a head at
    its last point, one legend item for lines sharing a name."""
    import dataclasses

    from matplotlib.text import Annotation, Text

    from borderwar_report.charts.geo_detail import make_detail
    from borderwar_report.charts.style import PRESETS, chart_context
    from borderwar_report.records.model import MapLine

    proj = Project(CHACO, packaged("templates"), tmp_path)
    ev = next(e for e in chaco.events if e.id == "chaco-war-1932-1935")
    kinds = [("column 0", "advance"), ("column 0", "advance"), ("column 1", "advance"), ("column 1", "withdrawal")]
    kinds += [(f"front {i}", "front") for i in range(5)]
    lines = tuple(MapLine(name, ((-61.0 + i * 0.2, -23.9), (-60.9 + i * 0.2, -22.2)), kind)
                  for i, (name, kind) in enumerate(kinds))
    block = dataclasses.replace(ev.map, lines=lines, note=" ".join(["A long note on what the arrows are."] * 12))
    with chart_context(proj, PRESETS["print"]):
        chart = make_detail(chaco, proj, PRESETS["print"], ev, block)
        heads = [a for a in chart.fig.findobj(Annotation) if a.arrow_patch is not None]
        words = [t.get_text() for t in chart.fig.findobj(Text) if t.get_text()]
        chart.fig.clear()
    w_mm, h_mm = chart.stats["map_mm"]
    assert w_mm > 40, chart.stats
    assert h_mm > 40, chart.stats
    assert len(heads) == sum(ln.kind in ("advance", "withdrawal") for ln in lines)
    assert words.count("advance: column 0") == 1  # two arrows of one name and kind: one item
    assert sorted(t for t in words if t.endswith("column 1")) == ["advance: column 1", "withdrawal: column 1"]
    # fronts 0-4 and columns 0-1 share their kinds' styles: each group is numbered on its lines and in its item
    groups = list(dict.fromkeys((ln.kind, ln.name) for ln in lines))
    numbers = [t for t in words if t.isdigit()]
    assert sorted(numbers, key=int) == sorted([str(i) for i in range(1, len(groups) + 1)] * 2
                                              + ["1"], key=int)  # column 0 has two arrows


def test_lines_are_numbered_only_where_a_style_is_shared():
    from borderwar_report.charts.geo_detail import _number_spot, line_numbers
    from borderwar_report.records.model import MapLine

    def line(name, kind):
        return MapLine(name, ((0.0, 0.0), (1.0, 1.0)), kind)
    assert line_numbers([line("a", "front"), line("b", "advance"), line("c", "river")]) == {}
    assert line_numbers([line("a", "advance"), line("a", "advance"), line("b", "advance"), line("c", "front")]) == {
        ("advance", "a"): 1, ("advance", "b"): 2, ("front", "c"): 3}
    assert _number_spot([(0, 0), (100, 0)], 8) == (50, 0)  # halfway along a long line
    x, y = _number_spot([(0, 0), (20, 0)], 8)  # a short one: just behind its start
    assert x < 0 and y == 0


def test_one_battle_per_neighbourhood_gets_a_detail_map_without_a_block(chaco):
    from borderwar_report.charts.geo_detail import detail_block

    auto = {e.id: detail_block(chaco, e) for e in chaco.events if not e.map}
    drawn = [i for i, b in auto.items() if b is not None]
    assert drawn == ["nanawa-second-1933"]  # the most significant battle among Boquerón, Yucra and Nanawa
    assert len(auto["nanawa-second-1933"].places) >= 3
    shipped = load_dataset(ROOT / "data")
    assert all(detail_block(shipped, e) is None for e in shipped.events if not e.map)  # no neighbourhood of 3


# --- what orients a reader on the shipped map -------------------------------------------------------

def test_water_mentions_come_from_the_places_own_names():
    from borderwar_report.charts.locator import water_mentions

    shipped = load_dataset(ROOT / "data")
    names = {(kind, name) for kind, name, _lon, _lat in water_mentions(shipped.events)}
    assert {("lake", "Lake Khanka"), ("lake", "Buir Lake"), ("river", "Amur River"),
            ("river", "Halha River")} <= names
    assert not any(name.split()[0] in ("of", "by", "the") for _, name in names)  # "West of Lake Khanka"


def test_shipped_locator_names_the_main_cities_and_the_waters_its_events_name(tmp_path):
    from borderwar_report.charts.locator import _mentioned

    shipped = load_dataset(ROOT / "data")
    proj = Project(ROOT / "data", packaged("templates"), tmp_path)
    for preset in ("print", "slides"):
        chart = render_chart(shipped, proj, preset, "locator", ("svg",), titled=False)
        st = chart["stats"]
        assert st["waters"] >= 2 and st["cities"] >= 6 and st["countries"] >= 2, (preset, st)
        if preset == "print":  # live text
            text = _texts(chart["data"]["svg"])
            assert "Amur River" in text and "Harbin" in text and "CHINA" in text and "RUSSIA" in text
    # a place by a lake too small for the base map does not lend its name to another lake 10 km away
    base = G.load_base(str(G.world_file(ROOT / "data" / "geo")))
    lakes = G.view_layers(base, (130.3, 130.9, 42.2, 42.7), 0.1)["lake"]
    assert lakes and all(_mentioned(r, "lake", [("lake", "Lake Khasan", 130.611, 42.4359)]) is None
                         for r, _p, _poly in lakes)


@pytest.mark.parametrize("titled", [True, False])
def test_slide_locator_keeps_every_note_on_the_slide(tmp_path, titled):
    """The side column widens until the legend and notes fit (they used to run off the slide's foot)."""
    import dataclasses

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    from borderwar_report.charts.locator import make_locator
    from borderwar_report.charts.style import PRESETS, chart_context

    shipped = load_dataset(ROOT / "data")
    proj = Project(ROOT / "data", packaged("templates"), tmp_path)
    preset = dataclasses.replace(PRESETS["slides"], titled=titled)
    with chart_context(proj, preset):
        chart = make_locator(shipped, proj, preset)
        renderer = FigureCanvasAgg(chart.fig).get_renderer()
        fig_box = chart.fig.bbox
        for t in chart.fig.findobj(Text):
            if t.get_text().strip():
                b = t.get_window_extent(renderer)
                assert b.x0 >= fig_box.x0 - 1 and b.y0 >= fig_box.y0 - 1 and b.x1 <= fig_box.x1 + 1 \
                    and b.y1 <= fig_box.y1 + 1, t.get_text()
        chart.fig.clear()


@pytest.mark.parametrize("preset,titled", [("print", True), ("slides", True), ("slides", False)])
def test_shipped_locator_makes_room_for_the_orienting_cities_and_countries(tmp_path, preset, titled):
    """The cities next to the battles and the countries are named even where event labels crowd them
    (Vladivostok under the Suifenho labels, Harbin under "Manchukuo founded", Mongolia's thin strip)."""
    import dataclasses

    from matplotlib.text import Text

    from borderwar_report.charts.locator import make_locator
    from borderwar_report.charts.style import PRESETS, chart_context

    shipped = load_dataset(ROOT / "data")
    proj = Project(ROOT / "data", packaged("templates"), tmp_path)
    p = dataclasses.replace(PRESETS[preset], titled=titled)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    with chart_context(proj, p):
        chart = make_locator(shipped, proj, p)
        texts = [t for t in chart.fig.findobj(Text) if t.get_text().strip()]
        words = {t.get_text() for t in texts}
        renderer = FigureCanvasAgg(chart.fig).get_renderer()
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
        chart.fig.clear()
    assert {"Vladivostok", "MONGOLIA", "CHINA", "RUSSIA", "Harbin"} <= words, (preset, titled)
    # a count of events at a place is never printed over a label's letters (it read as part of the name)
    for text, box in boxes:
        if text.isdigit():
            hits = [other for other, b in boxes if other != text and b.width and box.width
                    and min(box.x1, b.x1) - max(box.x0, b.x0) > 1 and min(box.y1, b.y1) - max(box.y0, b.y0) > 1]
            assert not hits, (preset, titled, text, hits)


def test_a_name_takes_its_place_and_the_event_label_moves_to_the_other_side():
    from borderwar_report.charts import layout as L
    from borderwar_report.charts.locator import _reserve_anchors

    event = L.PointLabel("e", 50, 50, 30, 8, 3, (1,))
    city_box = (55, 46, 85, 54)  # right of the event's marker: where its label goes first
    anchors = [{"place": {"name": "X"}, "kind": "city", "dot": (86, 49, 88, 51), "major": False,
                "cands": [(55, 50, "left", "center", city_box)]}]
    spots, reserved = _reserve_anchors([event], (0, 0, 100, 100), 1.0, [], anchors)
    assert [r["place"]["name"] for r in reserved] == ["X"]
    assert spots["e"] is not None and spots["e"].box[2] <= 50 and not spots["e"].leader
    # a name that would cost an event its label where it had room is not reserved
    crowded = L.PointLabel("e", 50, 50, 30, 8, 3, (1,))
    spots, reserved = _reserve_anchors([crowded], (20, 40, 85, 60), 1.0, [], anchors)
    assert reserved == [] and spots["e"] is not None


def test_shipped_detail_maps_label_every_place_from_a_cited_encyclopedia(tmp_path):
    from borderwar_report.charts import render_details

    shipped = load_dataset(ROOT / "data")
    kinds = {s.id: s.kind for s in shipped.sources}
    blocks = {e.id: e.map for e in shipped.events if e.map}
    assert {"lake-khasan-1938", "khalkhin-gol-1939"} <= set(blocks)
    for block in blocks.values():
        assert all(p.source and kinds[p.source] == "encyclopedia" for p in block.places)
    proj = Project(ROOT / "data", packaged("templates"), tmp_path)
    out = render_details(shipped, proj, "print", ("svg",))
    for eid, block in blocks.items():
        st = out[f"detail-{eid}"]["stats"]
        assert st["labels"] == st["places"] == len(block.places), (eid, st)
        # with the key beside it the map takes over half the text width (under it, 53 mm of 160)
        assert st["key_beside"] and st["map_mm"][0] >= 80, (eid, st)
        # and no wider than the briefing sets on a portrait page (from 1.9 a chart gets a landscape page)
        from borderwar_report.documents.context import WIDE_ASPECT

        svg = out[f"detail-{eid}"]["data"]["svg"].decode()
        w, h = (float(re.search(rf'{k}="([\d.]+)pt"', svg).group(1)) for k in ("width", "height"))
        assert w / h < WIDE_ASPECT, (eid, w / h)


def test_automatic_detail_maps_keep_their_stated_budget(tmp_path):
    """However many battles a data set has, at most AUTO_DETAIL_CANDIDATES get an automatic detail map (the
    10,000-event benchmark once drew 63 of them, a minute of the build)."""
    from benchmarks.generate import write_dataset

    from borderwar_report.charts.geo_detail import AUTO_DETAIL_CANDIDATES, automatic_blocks, detail_block
    from borderwar_report.records.validate import load_dataset

    big = load_dataset(write_dataset(1500, tmp_path / "data"))
    auto = automatic_blocks(big)
    assert 0 < len(auto) <= AUTO_DETAIL_CANDIDATES
    assert all(len(b.places) >= 3 for b in auto.values())
    drawn = [e.id for e in big.events if detail_block(big, e) is not None]
    assert set(drawn) == set(auto) | {e.id for e in big.events if e.map}


def _same_shapes(a, b) -> bool:
    if list(a.layers) != list(b.layers) or a.metadata != b.metadata:
        return False
    for name in a.layers:
        if len(a.layers[name]) != len(b.layers[name]):
            return False
        for x, y in zip(a.layers[name], b.layers[name], strict=True):
            if (x.box, x.props, x.polygon, len(x.rings)) != (y.box, y.props, y.polygon, len(y.rings)):
                return False
            if not all(np.array_equal(r, q) for r, q in zip(x.rings, y.rings, strict=True)):
                return False
    return True


@pytest.mark.slow
def test_shipped_packed_geometry_is_the_geojson_exactly():
    """data/geo/world.packed.npz is what tools/make_geo.py derives from world.geojson.gz: loading it gives
    the very shapes parsing the GeoJSON gives (so every map is drawn the same), only faster."""
    world = G.world_file(packaged("data") / "geo")
    packed = G._load_packed(world)
    assert packed is not None, "the packed copy is missing or stale: run tools/make_geo.py (or geo.write_pack)"
    assert _same_shapes(packed, G.parse_base(world))


def test_a_packed_copy_of_other_bytes_is_ignored(tmp_path):
    world = tmp_path / "world.geojson"
    world.write_bytes((packaged("data") / "geo" / "world-crude.geojson").read_bytes())
    G.write_pack(world)
    assert _same_shapes(G._load_packed(world), G.parse_base(world))
    text = world.read_text(encoding="utf-8")
    world.write_text(text.replace('"layer":"coast"', '"layer":"shore"', 1), encoding="utf-8")  # an edit
    assert G._load_packed(world) is None
    assert "shore" in G.load_base.__wrapped__(str(world)).layers
    G.write_pack(world)
    ring = G._load_packed(world).layers["land"][0].rings[0]
    with pytest.raises(ValueError):  # rings are views of one array: editing one in place is refused
        ring[0, 0] = 0.0


def test_a_label_keeps_off_a_drawn_line_when_it_has_room():
    """A line drawn on a detail map (an arrow running into a city from the east) is a segment the city's
    label does not cover: it goes to another side; without the segment it takes its first choice, the right."""
    from borderwar_report.charts import layout as L

    city = L.PointLabel("c", 100, 60, 40, 9, 3, (1,))
    arrow = ((160, 60), (103, 60))
    free = L.place_point_labels([city], (0, 0, 200, 120))["c"]
    kept = L.place_point_labels([city], (0, 0, 200, 120), segments=[arrow])["c"]
    assert free.box[0] > 100  # to the right, over the arrow
    assert kept is not None
    assert not L._segment_hits_box(*arrow, kept.box)


def test_a_label_away_from_its_marker_always_has_a_leader():
    """Crowded markers push labels outwards; a label not touching its marker's ring is tied to it by a
    leader line (once, the Kanchazu label sat far from its marker with none)."""
    import random

    from borderwar_report.charts import layout as L

    rng = random.Random(13)
    labels = [L.PointLabel(f"p{i}", rng.uniform(20, 180), rng.uniform(20, 130), rng.uniform(30, 70), 9,
                           rng.uniform(2, 6), (rng.random(),)) for i in range(25)]
    gap = 1.5
    spots = L.place_point_labels(labels, (0, 0, 200, 150), gap=gap)
    assert sum(s is not None and s.leader for s in spots.values()) >= 3  # the crowd did push some out
    for p in labels:
        s = spots[p.id]
        if s is None or s.leader:
            continue
        x0, y0, x1, y1 = s.box
        dx, dy = max(x0 - p.x, 0, p.x - x1), max(y0 - p.y, 0, p.y - y1)
        assert (dx * dx + dy * dy) ** 0.5 <= 1.1 * (p.radius + gap), (p.id, s)  # beside it (a diagonal: 1.06)


# --- the finer layer of the detail maps (data/geo/detail.geojson.gz, tools/make_geo_detail.py) ------

def _write_detail(folder: Path, bounds, lake_box) -> Path:
    """A small detail file: one lake, ``lake_box`` (about 100 km²)."""
    w, s, e, n = lake_box
    ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
    fc = {"type": "FeatureCollection", "metadata": {"bounds": bounds},
          "features": [{"type": "Feature", "properties": {"layer": "lake", "area_km2": 100.0},
                        "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "detail.geojson"
    path.write_text(json.dumps(fc), encoding="utf-8")
    return path


def test_the_finer_layer_is_chosen_only_where_its_bounds_hold_the_view():
    bounds = [[130.38, 42.28, 130.83, 42.61], [179.5, 60.0, 180.5, 61.0]]
    assert G.covers(bounds, (130.5, 130.72, 42.369, 42.511))
    assert not G.covers(bounds, (130.3, 130.72, 42.369, 42.511))  # a view reaching past the box: the world file
    assert not G.covers(bounds, (130.5, 130.72, 42.369, 42.7))
    assert G.covers(bounds, (-180.2, -179.7, 60.2, 60.8))  # across the antimeridian, one turn of the globe away
    assert not G.covers([], (130.5, 130.72, 42.369, 42.511))


def test_shipped_detail_maps_are_drawn_from_the_finer_layer_and_show_its_small_lakes(tmp_path, monkeypatch):
    """The battlefield maps (25 km across) are cut from the full-resolution layer: the Khasan map shows lakes
    the world file leaves out (under its 20 km²), and without the layer it falls back to the world file. A
    regional map (the 1945 offensive, 2,000 km across) lies outside the layer's boxes and takes the world file."""
    from borderwar_report.charts import render_details

    shipped = load_dataset(ROOT / "data")
    proj = Project(ROOT / "data", packaged("templates"), tmp_path)
    fine = render_details(shipped, proj, "print", ())
    assert {k: v["stats"]["geometry"] for k, v in fine.items()} == {
        "detail-lake-khasan-1938": "detail.geojson.gz", "detail-khalkhin-gol-1939": "detail.geojson.gz",
        "detail-soviet-invasion-of-manchuria-1945": "world.geojson.gz"}
    detail = G.detail_base(proj, fine["detail-lake-khasan-1938"]["stats"]["view"])
    world = G.load_base(str(G.world_file(packaged("data") / "geo")))
    small = [s for s in detail.layers["lake"] if s.props["area_km2"] < world.metadata["min_lake_area_km2"]]
    w, e, s_, n = fine["detail-lake-khasan-1938"]["stats"]["view"]
    assert any(G._hits(s.box, (w, e, s_, n)) for s in small)  # one such lake lies on the Khasan map ...
    monkeypatch.setattr(G, "detail_base", lambda project, view: None)
    coarse = render_details(shipped, proj, "print", ())
    assert {v["stats"]["geometry"] for v in coarse.values()} == {"world.geojson.gz"}
    # ... and is drawn: the map shows more lakes from the finer layer than from the world file
    assert fine["detail-lake-khasan-1938"]["stats"]["lakes"] > coarse["detail-lake-khasan-1938"]["stats"]["lakes"]
    for name in fine:  # the same map otherwise: its view and its labels
        assert {k: v for k, v in fine[name]["stats"].items() if k not in ("geometry", "lakes", "waters")} == \
            {k: v for k, v in coarse[name]["stats"].items() if k not in ("geometry", "lakes", "waters")}


def test_a_data_set_brings_its_own_finer_layer_beside_the_packaged_world(chaco, tmp_path):
    """<data>/geo/detail.geojson alone (no world file there) is read for a view inside its bounds, and its lake
    is drawn; a data set without one (the Chaco fixture) draws from the packaged world file as before."""
    import shutil

    from borderwar_report.charts.geo_detail import make_detail
    from borderwar_report.charts.inputs import Keys
    from borderwar_report.charts.style import PRESETS, chart_context

    ev = next(e for e in chaco.events if e.id == "chaco-war-1932-1935")
    proj = Project(CHACO, packaged("templates"), tmp_path / "out")
    with chart_context(proj, PRESETS["print"]):
        before = make_detail(chaco, proj, PRESETS["print"], ev)
        before.fig.clear()
    assert before.stats["geometry"] == "world.geojson.gz"
    data = tmp_path / "data"
    shutil.copytree(CHACO, data)
    _write_detail(data / "geo", [[-63.0, -26.0, -57.0, -20.0]], [-60.6, -23.1, -60.5, -23.0])
    own = Project(data, packaged("templates"), tmp_path / "out2")
    assert G.geo_dir(own) == packaged("data") / "geo" and G.geo_dirs(own)[0] == data / "geo"
    assert Keys(chaco, own, "env").key("print", f"detail-{ev.id}") != Keys(chaco, proj, "env").key(
        "print", f"detail-{ev.id}")  # the finer layer is an input of the map: a change to it draws it again
    with chart_context(own, PRESETS["print"]):
        chart = make_detail(chaco, own, PRESETS["print"], ev)
        chart.fig.clear()
    assert chart.stats["geometry"] == "detail.geojson" and chart.stats["lakes"] == 1
    assert chart.stats["view"] == before.stats["view"] and chart.stats["labels"] == before.stats["labels"]
    _write_detail(data / "geo", [[-61.0, -26.0, -57.0, -20.0]], [-60.6, -23.1, -60.5, -23.0])  # too small
    G.load_base.cache_clear()
    with chart_context(own, PRESETS["print"]):
        chart = make_detail(chaco, own, PRESETS["print"], ev)
        chart.fig.clear()
    assert chart.stats["geometry"] == "world.geojson.gz"


def test_a_finer_layer_with_bad_bounds_names_its_file(tmp_path):
    _write_detail(tmp_path / "geo", [["west", 1, 2, 3]], [0, 0, 0.01, 0.01])
    proj = Project(tmp_path, packaged("templates"), tmp_path / "out")
    with pytest.raises(RenderError, match=r"detail\.geojson: metadata\.bounds"):
        G.detail_base(proj, (0, 1, 0, 1))


def test_the_detail_tool_boxes_every_battlefield_view_with_a_margin():
    """tools/make_geo_detail.py: each view under MAX_VIEW_KM widened by half its size (boxes that overlap
    merged), a regional view left to the world file; every box holds its views."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_geo_detail", ROOT / "tools" / "make_geo_detail.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    views = [(130.5, 130.72, 42.369, 42.511), (130.5, 130.72, 42.36, 42.52), (-60.0, -55.0, -25.0, -20.0),
             (179.9, 180.1, 65.0, 65.1)]
    boxes = tool.boxes_for(views)
    assert boxes == [(130.39, 130.83, 42.28, 42.6), (179.8, 180.2, 64.95, 65.15)]
    bounds = [[b[0], b[2], b[1], b[3]] for b in boxes]
    assert all(G.covers(bounds, v) for v in views if v[1] - v[0] < 1)
    assert not G.covers(bounds, views[2])
    assert tool._pieces(boxes[1]) == [(-180.0, -179.8, 64.95, 65.15), (179.8, 180.0, 64.95, 65.15)]


def test_a_border_is_split_where_it_runs_along_a_river():
    from borderwar_report.charts.locator import split_along

    river = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 1.0], [3.0, 1.0]])
    border = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 1.0], [2.0, 2.0]])
    free, along = split_along([border], [river], 0.1)
    assert [p.tolist() for p in along] == [[[0.0, 1.0], [1.0, 1.0], [2.0, 1.0]]]
    assert [p.tolist() for p in free] == [[[0.0, 0.0], [0.0, 1.0]], [[2.0, 1.0], [2.0, 2.0]]]
    assert split_along([border], [], 0.1) == ([border], [])


def test_a_river_that_is_a_border_keeps_the_keys_river_colour(tmp_path):
    """The Tumen is the border on the Khasan map: the river is drawn in the key's colour over a wider
    dashed border, not under the border's dashes (which grey it into neither symbol)."""
    from borderwar_report.charts import render_details
    from borderwar_report.charts.locator import BORDER, RIVER

    shipped = load_dataset(ROOT / "data")
    proj = Project(ROOT / "data", packaged("templates"), tmp_path)
    svg = render_details(shipped, proj, "print", ("svg",),
                         only={"detail-lake-khasan-1938"})["detail-lake-khasan-1938"]["data"]["svg"]
    svg = svg.decode() if isinstance(svg, bytes) else svg
    map_part = svg[:svg.index('id="legend')] if 'id="legend' in svg else svg
    strokes = [(m.start(), float(m.group(2))) for m in
               re.finditer(r"stroke: (#[0-9a-f]{6}); stroke-width: ([0-9.]+)", map_part)
               if m.group(1) == BORDER.lower()]
    rivers = [m.start() for m in re.finditer(rf"stroke: {RIVER.lower()}; stroke-width", map_part)]
    assert rivers and strokes
    wide = [at for at, width in strokes if width > 1.0]  # the border along the river, as a casing
    assert wide and max(wide) < min(rivers)  # ... drawn before (under) the river
