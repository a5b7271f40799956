"""Charts: layout rules (pure), each chart for the real data, a one-event set, a side without figures,
a 2,000-event set; the files, the deck, missing glyphs and byte-for-byte reproducibility.

Assertions are on structure (SVG text, stats the charts report, image sizes), not on pixels.
"""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest

from borderwar_report.charts import CHARTS, build_charts, export_charts, render_chart
from borderwar_report.charts import layout as L
from borderwar_report.charts.measures import best_attested
from borderwar_report.dates import HistDate
from borderwar_report.errors import GlyphMissingError
from borderwar_report.model import Claim, Event, Place, SideInEvent
from borderwar_report.project import Project
from borderwar_report.validate import load_dataset

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SVG = "{http://www.w3.org/2000/svg}"


def project_for(data: Path, out: Path) -> Project:
    return Project(Path(data), ROOT / "templates", Path(out))


class _Ctx:
    """The bits of build.BuildContext that build_charts uses."""

    def __init__(self, dataset, project, stage):
        from borderwar_report.log import Log

        self.dataset, self.project, self.stage = dataset, project, Path(stage)
        self.log = Log(quiet=True)


def svg_texts(data: bytes) -> list[str]:
    root = ElementTree.fromstring(data)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


@pytest.fixture(scope="module", autouse=True)
def _epoch():
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", "1764115200")
    yield
    mp.undo()


@pytest.fixture(scope="module")
def real():
    return load_dataset(ROOT / "data")


@pytest.fixture(scope="module")
def real_build(real, tmp_path_factory):
    out = tmp_path_factory.mktemp("charts-real")
    t = time.perf_counter()
    index = build_charts(_Ctx(real, project_for(ROOT / "data", out), out))
    return out, index, time.perf_counter() - t


@pytest.fixture(scope="module")
def real_print(real, tmp_path_factory):
    """Each chart of the real data as a print SVG, with the stats the chart reports."""
    proj = project_for(ROOT / "data", tmp_path_factory.mktemp("p"))
    return {name: render_chart(real, proj, "print", name, ("svg",)) for name in CHARTS}


# --- layout: pure rules ---------------------------------------------------------------------------

def _no_overlap(layout: L.LaneLayout, gap: float) -> None:
    by_row: dict[int, list] = {}
    for p in layout.placements:
        if p.labelled:
            by_row.setdefault(p.row, []).append(p.footprint)
    for spans in by_row.values():
        spans.sort()
        for (a0, a1), (b0, b1) in zip(spans, spans[1:], strict=False):
            assert a1 + gap <= b0 + 1e-9, (a0, a1, b0, b1)


@pytest.mark.parametrize("seed", range(5))
def test_pack_lane_never_overlaps_and_stays_on_the_axis(seed):
    rng = random.Random(seed)
    scale = L.Scale(1930.0, 1946.0, 400.0)
    marks = []
    for i in range(60):
        a = rng.uniform(1930, 1945.9)
        b = min(a + rng.choice([0, 0, 0.1, 1.5]), 1946)
        marks.append(L.Mark(f"e{i}", "x", a, b, rng.uniform(10, 120), pad=rng.uniform(1, 4),
                            priority=(rng.random(),), bar=b > a))
    for max_rows in (None, 4):
        lay = L.pack_lane(marks, scale, gap=2, label_gap=1, max_rows=max_rows,
                          reserved=[(0, 0.0, 50.0)])
        assert {p.id for p in lay.placements} == {m.id for m in marks}  # nothing dropped
        _no_overlap(lay, 2)
        for p in lay.placements:
            if p.labelled:
                assert 0 <= p.label[0] < p.label[1] <= 400
                if p.row == 0:
                    assert p.footprint[0] >= 52  # the reserved lane name keeps its room
        if max_rows is None:
            assert all(p.labelled for p in lay.placements)
        else:
            assert lay.rows <= max_rows + 1
            labelled_rows = {p.row for p in lay.placements if p.labelled}
            glyph_only_overflow = [p for p in lay.placements if p.row == max_rows]
            assert all(not p.labelled or p.row <= max_rows for p in lay.placements)
            assert labelled_rows or glyph_only_overflow


def test_pack_lane_labels_the_most_significant_first_when_rows_run_out():
    scale = L.Scale(0.0, 10.0, 100.0)
    marks = [L.Mark(f"m{i}", "x", 5.0, 5.0, 40.0, pad=1.0, priority=(i,)) for i in range(5)]
    lay = L.pack_lane(marks, scale, max_rows=2)
    labelled = sorted(p.id for p in lay.placements if p.labelled)
    assert labelled[-2:] == ["m3", "m4"]  # the two best hold the two rows
    assert labelled == [f"m{i}" for i in range(5 - len(labelled), 5)]  # the rest by priority, in the overflow
    assert lay.unlabelled
    assert lay.rows == 3


def test_long_span_carries_its_label_inside():
    lay = L.pack_lane([L.Mark("s", "x", 1.0, 9.0, 30.0, pad=2.0, bar=True)], L.Scale(0.0, 10.0, 100.0))
    (p,) = lay.placements
    assert p.side == "inside"
    assert p.ha == "left"
    assert p.label_x > 1.0


def test_density_rule_keeps_the_most_significant_per_lane_year():
    rule = L.DensityRule(max_per_bucket=4, labels_per_bucket=2)
    marks = [L.Mark(f"a{i}", "n", 1939.1 + i / 100, 1939.1 + i / 100, 10, priority=(i,)) for i in range(10)]
    marks += [L.Mark("b", "n", 1940.5, 1940.5, 10)]
    shown, banded, dense = L.apply_density(marks, rule)
    assert dense == {("n", 1939): 10}
    assert {m.id for m in shown} == {"a9", "a8", "b"}
    assert len(banded) == 8
    bins = L.density_bins(banded, 1939.0, 1941.0)
    assert sum(n for *_, n in bins) == 8
    assert "more than 4 events" in rule.describe()


def test_point_labels_do_not_overlap_each_other_or_points():
    rng = random.Random(3)
    pts = [L.PointLabel(f"p{i}", rng.uniform(0, 300), rng.uniform(0, 200), rng.uniform(20, 80), 8, 3,
                        (rng.random(),)) for i in range(40)]
    spots = L.place_point_labels(pts, (0, 0, 300, 200), gap=1)
    boxes = [s.box for s in spots.values() if s]
    assert len(boxes) >= 15
    for i, a in enumerate(boxes):
        assert a[0] >= 0
        assert a[2] <= 300
        assert a[1] >= 0
        assert a[3] <= 200
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
        for p in pts:
            inside = a[0] < p.x < a[2] and a[1] < p.y < a[3]
            assert not inside


def test_best_attested_takes_medians_per_side_and_keeps_unknown(real):
    by_id = {e.id: e for e in real.events}
    kg = best_attested(by_id["khalkhin-gol-1939"])
    assert kg.contested
    assert kg.value > 10_000
    assert {s.side for s in kg.sides} == {"ussr", "japan", "mongolia", "manchukuo"}
    assert best_attested(by_id["molotov-ribbentrop-pact-1939"]).value is None  # unknown, not 0


# --- the real data --------------------------------------------------------------------------------

def test_build_writes_every_file_and_the_index(real_build):
    out, index, seconds = real_build
    assert list(index) == list(CHARTS)
    on_disk = json.loads((out / "charts" / "index.json").read_text(encoding="utf-8"))
    assert on_disk == index
    for _name, info in index.items():
        assert info["title"]
        assert info["caption"]
        assert info["source"].startswith("Source: borderwar-report data, revision ")
        assert len(info["alt"]) > 80
        assert set(info["files"]["print"]) == {"svg"}
        assert set(info["files"]["slides"]) == {"png", "svg", "pdf"}
        for group in info["files"].values():
            for rel in group.values():
                assert rel.startswith("charts/")
                assert (out / rel).is_file()
                assert (out / rel).stat().st_size > 1000
    assert (out / "charts" / "deck.pptx").is_file()


def test_chart_words_are_in_the_bundled_fonts(real_build):
    """Titles, alt text and captions go into the PDFs: every character must have a glyph."""
    import unicodedata

    from borderwar_report.fonts import covered_codepoints

    covered = covered_codepoints(ROOT / "templates" / "fonts")
    for name, info in real_build[1].items():
        for key in ("title", "alt", "caption", "source"):
            missing = {ch for ch in info[key] if ord(ch) not in covered and unicodedata.category(ch) != "Zs"}
            assert not missing, (name, key, missing)


def test_alt_text_is_written_from_the_data(real, real_build):
    index = real_build[1]
    assert f"Timeline of {len(real.events)} events from {real.years[0]} to {real.years[1]}" in index["timeline"]["alt"]
    assert "Khalkhin Gol" in index["timeline"]["alt"]  # largest losses named
    assert "Moscow" in index["locator"]["alt"]  # outside the region, named
    assert "unknown" in index["casualties"]["alt"]


def test_print_svgs_carry_live_text_and_the_records_titles(real, real_print):
    tl = real_print["timeline"]
    texts = svg_texts(tl["data"]["svg"])
    titles = {e.title for e in real.events}
    found = titles & set(texts)
    assert len(found) == tl["stats"]["labelled"]
    assert tl["stats"]["labelled"] + tl["stats"]["unlabelled"] == len(real.events)
    assert len(found) >= 0.9 * len(real.events)
    assert tl["title"] in texts
    assert tl["source"] in texts
    for lane in real.document.lanes:
        assert lane.label in texts
    svg = tl["data"]["svg"].decode()
    assert "Noto Sans" in svg
    assert "<text" in svg


PERSONNEL = ("killed", "killed_or_missing", "wounded", "casualties")


def test_print_svg_text_needs_no_system_font(real_print):
    """WeasyPrint typesets the live SVG text with the @font-face families, but a symbol missing from Noto
    Sans goes to a system font (seen: circled digits went to DejaVu Sans). So every character of the print
    SVGs is in Noto Sans itself, or is CJK (Noto Sans CJK JP, which WeasyPrint does fall back to)."""
    import unicodedata

    from fontTools.ttLib import TTFont

    cmap = TTFont(ROOT / "templates" / "fonts" / "NotoSans-Regular.subset.ttf").getBestCmap()
    for name, chart in real_print.items():
        for text in svg_texts(chart["data"]["svg"]):
            odd = {ch for ch in text if ord(ch) not in cmap and not ch.isspace()
                   and unicodedata.east_asian_width(ch) not in ("W", "F")}
            assert not odd, (name, text, odd)


def test_casualty_chart_draws_every_claim_and_says_unknown(real, real_print):
    ch = real_print["casualties"]
    texts = svg_texts(ch["data"]["svg"])
    assert any("unknown" in t for t in texts)
    assert ch["stats"]["claims"] > 40
    shown = ch["stats"]["shown_events"] + ch["stats"]["other_events"]
    assert shown == sum(1 for e in real.events if any(s.losses.get(c) for s in e.sides
                                                       for c in PERSONNEL))
    assert {"Killed", "Wounded"} <= set(texts)


def test_locator_maps_inside_events_and_lists_the_rest(real, real_print):
    st = real_print["locator"]["stats"]
    located = sum(1 for e in real.events if e.place and e.place.located)
    assert st["inside"] + st["outside"] == located
    assert st["outside"] >= 3  # Moscow, Poland, Pearl Harbor
    assert st["unlocated"] == len(real.events) - located
    assert st["labels"] + st["unplaced"] == st["places"]
    text = " ".join(svg_texts(real_print["locator"]["data"]["svg"]))
    assert "modern" in text
    assert "Outside the map" in text
    assert "Moscow" in text


def test_slide_pngs_are_16_9_and_full_hd(real_build):
    from PIL import Image

    out, index, _ = real_build
    for info in index.values():
        with Image.open(out / info["files"]["slides"]["png"]) as im:
            w, h = im.size
            assert w >= 1920
            assert h >= 1080
            assert abs(w / h - 16 / 9) < 0.01


def test_deck_opens_with_one_slide_per_chart(real_build):
    from pptx import Presentation

    out, index, _ = real_build
    prs = Presentation(str(out / "charts" / "deck.pptx"))
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)
    slides = list(prs.slides)
    assert len(slides) == 1 + len(CHARTS)
    for slide, (_name, info) in zip(slides[1:], index.items(), strict=False):
        notes = slide.notes_slide.notes_text_frame.text
        assert info["source"] in notes
        assert info["title"] in notes
        assert "Alt text: " + info["alt"].split(". ")[0] in notes  # the slide's own alt text, same opening
        assert any(sh.shape_type == 13 for sh in slide.shapes)  # a picture


# --- other data sets ------------------------------------------------------------------------------

def _mini(tmp_path, keep=None) -> Path:
    target = tmp_path / "data"
    shutil.copytree(FIXTURES / "mini", target)
    if keep:
        for f in (target / "events").iterdir():
            if f.stem not in keep:
                f.unlink()
    return target


@pytest.mark.parametrize("keep", [None, ("hill-battle",), ("treaty",)])
def test_every_chart_renders_for_small_sets(tmp_path, keep):
    data = _mini(tmp_path, keep)
    ds = load_dataset(data)
    proj = project_for(data, tmp_path / "out")  # no geo/ in the fixture: the packaged base map is used
    for name in CHARTS:
        for preset in ("print", "slides"):
            ch = render_chart(ds, proj, preset, name, ("svg",))
            assert ch["data"]["svg"].startswith(b"<?xml")
    tl = render_chart(ds, proj, "print", "timeline", ("svg",))
    assert {e.title for e in ds.events} <= set(svg_texts(tl["data"]["svg"]))


def test_a_side_without_figures_is_unknown_not_zero(tmp_path):
    ds = load_dataset(_mini(tmp_path))
    ev = next(e for e in ds.events if e.id == "hill-battle")
    bare = dataclasses.replace(ev, sides=(ev.sides[0], SideInEvent("south")))
    ds = dataclasses.replace(ds, events=tuple(bare if e.id == ev.id else e for e in ds.events))
    ch = render_chart(ds, project_for(FIXTURES / "mini", tmp_path), "print", "casualties", ("svg",))
    texts = svg_texts(ch["data"]["svg"])
    assert any(t.startswith("Southland") and "unknown" in t for t in texts) or \
        ("Southland" in texts and "unknown" in texts)
    assert ch["stats"]["unknown"] >= 2


def test_missing_glyph_in_the_data_names_the_character_and_the_event(tmp_path):
    data = _mini(tmp_path)
    path = data / "events" / "treaty.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Treaty of friendship", "Treaty \U0010FFFD"),
                    encoding="utf-8")
    ds = load_dataset(data)
    with pytest.raises(GlyphMissingError) as err:
        build_charts(_Ctx(ds, project_for(data, tmp_path / "out"), tmp_path / "out"))
    assert "U+10FFFD" in str(err.value)
    assert "treaty" in str(err.value)
    assert not (tmp_path / "out" / "charts" / "index.json").exists()


def test_matplotlib_glyph_warning_becomes_an_error_naming_the_event(tmp_path):
    ds = load_dataset(_mini(tmp_path))
    tangut = "\U00017000"  # TANGUT IDEOGRAPH: in no bundled font
    ds = dataclasses.replace(ds, events=tuple(dataclasses.replace(e, title=f"Raid {tangut}")
                                              if e.id == "first-clash" else e for e in ds.events))
    with pytest.raises(GlyphMissingError) as err:  # render_chart skips the up-front check: the guard catches it
        render_chart(ds, project_for(FIXTURES / "mini", tmp_path), "print", "timeline", ("svg",))
    assert "U+17000" in str(err.value)
    assert "first-clash" in str(err.value)


def test_rendering_twice_gives_identical_bytes(tmp_path):
    data = _mini(tmp_path)
    ds = load_dataset(data)
    outs = []
    for i in (1, 2):
        out = tmp_path / f"out{i}"
        build_charts(_Ctx(ds, project_for(data, out), out))
        outs.append({p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert outs[0].keys() == outs[1].keys()
    assert len(outs[0]) == 2 + 4 * len(CHARTS)
    for rel in outs[0]:
        assert outs[0][rel] == outs[1][rel], rel
    svg = outs[0]["charts/print/timeline.svg"].decode()
    assert "<dc:date>" not in svg
    assert "Matplotlib v" not in svg
    pdf = outs[0]["charts/slides/timeline.pdf"]
    assert b"CreationDate" not in pdf
    assert b"Producer" not in pdf


def test_export_charts_for_the_cli(tmp_path):
    data = _mini(tmp_path, ("hill-battle", "first-clash"))
    ds = load_dataset(data)
    written = export_charts(ds, project_for(data, tmp_path / "o"), preset="print", formats=["svg", "png", "pptx"],
                            out_dir=tmp_path / "talk", transparent=True)
    names = sorted(p.name for p in written)
    assert names == sorted([f"{n}.{f}" for n in CHARTS for f in ("svg", "png")] + ["deck.pptx"])
    from PIL import Image

    with Image.open(tmp_path / "talk" / "timeline.png") as im:
        assert im.mode == "RGBA"
        assert im.getpixel((0, 0))[3] == 0


# --- scale ----------------------------------------------------------------------------------------

def synthetic(n: int, seed: int = 7):
    """An in-memory data set of n events on the mini fixture's frame (no YAML: fast)."""
    base = load_dataset(FIXTURES / "mini")
    rng = random.Random(seed)
    events = []
    for i in range(n):
        y, m, d = rng.randint(1935, 1939), rng.randint(1, 12), rng.randint(1, 28)
        text = rng.choice([f"{y}-{m:02d}-{d:02d}", f"{y}-{m:02d}", f"{y}-{m:02d}~",
                           f"{y}-{m:02d}-{d:02d}/{y}-{m:02d}-{min(28, d + 5):02d}"])
        kind = rng.choice(["battle", "border-incident", "border-incident", "diplomacy"])
        k = int(10 ** rng.uniform(0, 4))
        sides = (SideInEvent("north", losses={"killed": (Claim(k, k, "doe-1999"),
                                                        Claim(k + 3, k + 3, "smith-2001"))}),
                 SideInEvent("south", losses={"wounded": (Claim(k, 2 * k, "doe-1999"),)} if i % 3 else {}))
        events.append(Event(id=f"s{i:05d}", title=f"Synthetic event {i}", kind=kind, phase="early",
                            lane="talks" if kind == "diplomacy" else "west", date=HistDate.parse(text),
                            file="synthetic", line=i, sides=sides,
                            place=Place(f"P{i}", lat=rng.uniform(41, 52), lon=rng.uniform(112, 134),
                                        approximate=rng.random() < 0.2)))
    events.sort(key=lambda e: e.date.sort_key)
    return dataclasses.replace(base, events=tuple(events), revision="synthetic")


def test_two_thousand_events_aggregate_and_stay_quick(tmp_path):
    ds = synthetic(2000)
    proj = project_for(FIXTURES / "mini", tmp_path)
    t = time.perf_counter()
    charts = {name: render_chart(ds, proj, "print", name, ("svg",)) for name in CHARTS}
    seconds = time.perf_counter() - t
    assert seconds < 40, seconds
    tl = charts["timeline"]["stats"]
    assert tl["dense_buckets"] > 0
    assert tl["banded"] > 1500
    assert tl["height_mm"] <= 120
    cas = charts["casualties"]["stats"]
    assert cas["other_events"] > 1900
    assert cas["shown_events"] >= 3
    assert any(t.startswith("other (") for t in svg_texts(charts["casualties"]["data"]["svg"]))
    loc = charts["locator"]["stats"]
    assert loc["clusters"] > 10
    assert loc["clustered_events"] + loc["places"] <= 2000 + loc["places"]
    assert len(charts["timeline"]["data"]["svg"]) < 2_000_000
