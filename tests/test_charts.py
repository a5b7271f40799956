"""Charts: layout rules (pure), each chart for the real data, a one-event set, a side without figures,
a 2,000-event set; the files, the deck, missing glyphs and byte-for-byte reproducibility.

Assertions are on structure (SVG text, stats the charts report, image sizes), not on pixels.
"""

from __future__ import annotations

import contextlib
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
from borderwar_report.charts.measures import highest_dead
from borderwar_report.records.dates import HistDate
from borderwar_report.core.errors import GlyphMissingError
from borderwar_report.records.model import Claim, ClaimSource, Event, Place, SideInEvent
from borderwar_report.core.project import Project
from borderwar_report.records.validate import load_dataset

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SVG = "{http://www.w3.org/2000/svg}"


def project_for(data: Path, out: Path) -> Project:
    return Project(Path(data), ROOT / "templates", Path(out))


class _Ctx:
    """The bits of build.BuildContext that build_charts uses."""

    def __init__(self, dataset, project, stage):
        from borderwar_report.core.log import Log

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
def real_build(shipped_out):
    """(out, index): the charts of the shipped data, as the session's build drew them (build_charts, in a
    build: its print part on one core, its slides on the other)."""
    from borderwar_report.build.steps import load_chart_index

    return shipped_out, load_chart_index(shipped_out)


@pytest.fixture(scope="module")
def real_print(real, tmp_path_factory):
    """Each chart of the real data as the briefing embeds it (a print SVG without title and source line,
    which the numbered caption gives), with the stats the chart reports."""
    proj = project_for(ROOT / "data", tmp_path_factory.mktemp("p"))
    return {name: render_chart(real, proj, "print", name, ("svg",), titled=False) for name in CHARTS}


@contextlib.contextmanager
def drawn(ds, name: str, preset_name: str, titled: bool = True, dpi: int = 600):
    """A chart drawn with its preset (the Figure itself, not its bytes) and an Agg renderer at ``dpi``,
    for geometry checks, inside the chart's style context."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from borderwar_report.charts import _maker
    from borderwar_report.charts.style import PRESETS, chart_context

    preset = dataclasses.replace(PRESETS[preset_name], titled=titled)
    proj = project_for(ROOT / "data", ROOT / "out")
    with chart_context(proj, preset):
        chart = _maker(name)(ds, proj, preset)
        chart.fig.set_dpi(dpi)
        FigureCanvasAgg(chart.fig)
        try:
            yield chart, chart.fig.canvas.get_renderer()
        finally:
            chart.fig.clear()


def ink_boxes(ax, renderer) -> list[tuple[str, tuple]]:
    """(text, box) for the ink of every text on ``ax``, in points, y up: glyph by glyph (so a descender
    counts only where there is one), merged into runs of the same height. Texts not set on their
    baseline count with their whole layout box."""
    f = 72.0 / ax.figure.dpi
    out = []
    for t in ax.texts:
        text = t.get_text()
        if not t.get_visible() or not text:
            continue
        bb = t.get_window_extent(renderer)
        if t.get_va() != "baseline" or t.get_rotation() != 0 or "\n" in text:
            out.append((text, (bb.x0 * f, bb.y0 * f, bb.x1 * f, bb.y1 * f)))
            continue
        prop = t.get_fontproperties()
        base = float(t.get_transform().transform([t.get_position()])[0][1])

        def width(s, prop=prop):
            return renderer.get_text_width_height_descent(s, prop, ismath=False)[0] if s else 0.0
        stretch = (bb.x1 - bb.x0) / (width(text) or 1.0)
        runs: list[list[float]] = []
        for i, ch in enumerate(text):
            if ch.isspace():
                continue
            _, h, d = renderer.get_text_width_height_descent(ch, prop, ismath=False)
            box = [bb.x0 + width(text[:i]) * stretch, base - d, bb.x0 + width(text[:i + 1]) * stretch, base + h - d]
            if runs and runs[-1][1] == box[1] and runs[-1][3] == box[3] and box[0] - runs[-1][2] < 3:
                runs[-1][2] = max(runs[-1][2], box[2])
            else:
                runs.append(box)
        out.extend((text, tuple(v * f for v in r)) for r in runs)
    return out


def glyph_boxes(ax) -> list[tuple[str, tuple]]:
    """(kind, box) for everything drawn on ``ax`` but text and background patches: markers, bars, lines
    and rules, in points, y up, line widths included."""
    import math

    from matplotlib.collections import LineCollection, PatchCollection, PathCollection

    f = 72.0 / ax.figure.dpi
    out = []
    for c in ax.collections:
        lw = (max(c.get_linewidths()) if len(c.get_linewidths()) else 0.0) / 2
        if isinstance(c, PathCollection):
            ext = c.get_paths()[0].get_extents()
            unit = max(abs(ext.x0), abs(ext.x1), abs(ext.y0), abs(ext.y1))
            sizes = c.get_sizes()
            for i, (x, y) in enumerate(ax.transData.transform(c.get_offsets())):
                r = unit * math.sqrt(sizes[i % len(sizes)]) + lw
                out.append(("marker", (x * f - r, y * f - r, x * f + r, y * f + r)))
        else:
            shapes = c.get_segments() if isinstance(c, LineCollection) else \
                [p.vertices for p in c.get_paths()] if isinstance(c, PatchCollection) else []
            for pts in shapes:
                xy = ax.transData.transform(pts) * f
                out.append(("line", (xy[:, 0].min() - lw, xy[:, 1].min() - lw, xy[:, 0].max() + lw,
                                     xy[:, 1].max() + lw)))
    for line in ax.lines:
        xy = line.get_transform().transform(line.get_xydata()) * f
        lw = line.get_linewidth() / 2
        out.append(("rule", (xy[:, 0].min(), xy[:, 1].min() - lw, xy[:, 0].max(), xy[:, 1].max() + lw)))
    return out


def crossings(ax, renderer, tol: float = 0.05) -> list:
    """Every text on ``ax`` that crosses a glyph or another text (ink boxes, see above)."""
    def hit(a, b):
        return a[0] < b[2] - tol and b[0] < a[2] - tol and a[1] < b[3] - tol and b[1] < a[3] - tol
    texts = ink_boxes(ax, renderer)
    glyphs = glyph_boxes(ax)
    bad = [(t, kind, tb, gb) for t, tb in texts for kind, gb in glyphs if hit(tb, gb)]
    bad += [(a, b, ab, bb) for i, (a, ab) in enumerate(texts) for b, bb in texts[i + 1:] if a != b and hit(ab, bb)]
    return bad


# --- layout: pure rules ---------------------------------------------------------------------------

def _no_overlap(layout: L.LaneLayout, gap: float) -> None:
    by_row: dict[int, list] = {}
    for p in layout.placements:
        if p.labelled:
            by_row.setdefault(p.row, []).append(p.footprint)
            if p.label_row != p.row:  # a label below its glyph takes its room in that row
                by_row.setdefault(p.label_row, []).append(p.label)
    for spans in by_row.values():
        spans.sort()
        for (a0, a1), (b0, b1) in zip(spans, spans[1:], strict=False):
            assert a1 + gap <= b0 + 1e-9, (a0, a1, b0, b1)


@pytest.mark.parametrize(("seed", "below"), [(s, b) for s in range(5) for b in (False, True)])
def test_pack_lane_never_overlaps_and_stays_on_the_axis(seed, below):
    rng = random.Random(seed)
    scale = L.Scale(1930.0, 1946.0, 400.0)
    marks = []
    for i in range(60):
        a = rng.uniform(1930, 1945.9)
        b = min(a + rng.choice([0, 0, 0.1, 1.5]), 1946)
        tall = (a - 0.1, a + 0.1) if below and rng.random() < 0.15 else None
        marks.append(L.Mark(f"e{i}", "x", a, b, rng.uniform(10, 300 if below else 120), pad=rng.uniform(1, 4),
                            priority=(rng.random(),), bar=b > a and not below, tall=tall))
    for max_rows in (None, 4):
        lay = L.pack_lane(marks, scale, gap=2, label_gap=1, max_rows=max_rows,
                          reserved=[(0, 0.0, 50.0)], label_below=below)
        assert {p.id for p in lay.placements} == {m.id for m in marks}  # nothing dropped
        _no_overlap(lay, 2)
        by_id = {m.id: m for m in marks}
        for p in lay.placements:
            if p.labelled:
                assert 0 <= p.label[0] < p.label[1] <= 400
                assert p.label_row == p.row + {"below": 1, "above": -1}.get(p.side, 0)
                if p.row == 0:
                    assert p.footprint[0] >= 52  # the reserved lane name keeps its room
                if p.label_row == 0:
                    assert p.label[0] >= 52
            tall = by_id[p.id].tall
            if tall and p.row < (max_rows if max_rows is not None else lay.rows):  # the overflow row is loose
                lo, hi = scale.to_phys(tall[0]), scale.to_phys(tall[1])
                for q in lay.placements:  # nothing else in the rows above and below, where the glyph reaches
                    if q.id != p.id and q.labelled:
                        if abs(q.row - p.row) == 1:
                            assert q.footprint[1] + 2 <= lo + 1e-9 or q.footprint[0] >= hi + 2 - 1e-9, (p, q)
                        if abs(q.label_row - p.row) == 1:
                            assert q.label[1] + 2 <= lo + 1e-9 or q.label[0] >= hi + 2 - 1e-9, (p, q)
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


def test_a_label_with_no_room_beside_its_bar_goes_under_it_never_over_it():
    scale = L.Scale(0.0, 10.0, 100.0)
    bar = L.Mark("s", "x", 2.0, 6.0, 70.0, pad=1.0, bar=True)  # fits neither inside, right nor left
    (old,) = L.pack_lane([bar], scale).placements  # the poster's rule: the label runs on over the bar
    assert old.side == "inside"
    assert old.label[0] < scale.to_phys(6.0)
    (p,) = L.pack_lane([bar], scale, label_below=True).placements
    assert (p.side, p.row, p.label_row) == ("below", 0, 1)
    assert p.label == pytest.approx((19.0, 89.0))  # under the bar, from its start
    assert L.pack_lane([bar], scale, label_below=True).rows == 2
    other = L.Mark("t", "x", 0.0, 0.0, 15.0, pad=1.0)  # its label would sit where the hanging one goes
    lay = L.pack_lane([bar, other], scale, label_below=True)
    _no_overlap(lay, 1.0)
    assert all(p.labelled for p in lay.placements)
    point = L.Mark("p", "x", 5.0, 5.0, 20.0, pad=1.0)  # room beside: never below
    assert L.pack_lane([point], scale, label_below=True).placements[0].side == "right"


def test_a_tall_glyph_keeps_the_rows_above_and_below_clear():
    scale = L.Scale(0.0, 10.0, 100.0)
    marks = [L.Mark("big", "x", 5.0, 5.0, 20.0, pad=3.0, tall=(4.7, 5.3)),
             L.Mark("a", "x", 1.0, 1.0, 60.0, pad=1.0), L.Mark("b", "x", 1.5, 1.5, 60.0, pad=1.0)]
    lay = L.pack_lane(marks, scale, gap=1.0)
    rows = {p.id: p.row for p in lay.placements}
    assert rows["big"] == 0  # tall glyphs go first
    assert abs(rows["a"] - rows["big"]) > 1  # their labels (to 73 mm) would run under the big marker
    assert abs(rows["b"] - rows["big"]) > 1
    with pytest.raises(ValueError, match="empty"):
        L.Mark("z", "x", 1.0, 1.0, 5.0, tall=(2.0, 1.0))


def test_clip_segment_keeps_the_part_inside_and_joins_pieces():
    box = (0.0, 0.0, 10.0, 10.0)
    assert L.clip_segment((-5, 5), (15, 5), box) == ((0.0, 5.0), (10.0, 5.0))
    assert L.clip_segment((2, 2), (3, 3), box) == ((2, 2), (3, 3))  # inside: the ends as given, as tuples
    assert L.clip_segment([2, 2], [3, 3], box) == ((2, 2), (3, 3))
    assert L.clip_segment((-5, -5), (-1, 20), box) is None
    assert L.clip_segment((11, 0), (11, 10), box) is None  # parallel to an edge, outside
    p, q = L.clip_segment((5, 5), (5, 30), box)
    assert (p, q) == ((5, 5), (5.0, 10.0))


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


def test_marker_size_is_a_claimed_figure_and_unknown_stays_unknown(real):
    by_id = {e.id: e for e in real.events}
    kg = highest_dead(by_id["khalkhin-gol-1939"])
    assert kg.contested
    claimed = {c.high for s in by_id["khalkhin-gol-1939"].sides for cat in ("killed", "killed_or_missing",
                                                                              "irrecoverable")
               for c in s.losses.get(cat, ())}
    assert kg.value in claimed  # somebody claims exactly this number: no sum, no median
    assert highest_dead(by_id["molotov-ribbentrop-pact-1939"]).value is None  # unknown, not 0


# --- the real data --------------------------------------------------------------------------------

def test_build_writes_every_file_and_the_index(real_build):
    out, index = real_build
    assert list(index)[:len(CHARTS)] == list(CHARTS)
    details = list(index)[len(CHARTS):]
    assert "detail-lake-khasan-1938" in details  # the record's map block
    assert all(name.startswith("detail-") for name in details)
    listed = {rel for info in index.values() for group in info["files"].values() for rel in group.values()}
    written = {p.relative_to(out).as_posix() for p in (out / "charts").rglob("*") if p.is_file()}
    assert written - listed == {"charts/index.json", "charts/deck.pptx"}  # the index names every picture
    for name, info in index.items():
        assert info["title"]
        assert info["caption"]
        assert info["source"].startswith("Source: ")  # the works drawn (test_incremental: source_line)
        assert "borderwar-report" not in info["source"]
        assert len(info["alt"]) > 80
        # the index says which presets a chart has: detail maps are print only, the charts have slides too
        assert info["presets"] == (["print"] if name in details else ["print", "slides"]), name
        assert sorted(info["files"]) == info["presets"]
        assert set(info["files"]["print"]) == {"svg"}
        if "slides" in info["presets"]:
            assert set(info["files"]["slides"]) == {"png", "svg", "pdf"}
        for group in info["files"].values():
            for rel in group.values():
                assert rel.startswith("charts/")
                assert (out / rel).is_file()
                assert (out / rel).stat().st_size > 1000
    assert (out / "charts" / "deck.pptx").is_file()


def test_the_briefings_print_svgs_leave_title_and_source_to_the_caption(real_build):
    out, index = real_build
    for name, info in index.items():
        texts = svg_texts((out / info["files"]["print"]["svg"]).read_bytes())
        assert texts, name
        assert info["title"] not in texts, name  # index.json still has both, for the caption
        assert info["source"] not in texts, name


@pytest.mark.slow
def test_only_the_print_svgs_are_drawn_untitled(tmp_path, monkeypatch):
    import borderwar_report.charts as charts

    calls = []
    real_render = charts.render_chart

    def spy(dataset, project, preset_name, name, formats, transparent=False, titled=True, **kw):
        calls.append((preset_name, titled))
        return real_render(dataset, project, preset_name, name, formats, transparent, titled, **kw)

    monkeypatch.setattr(charts, "render_chart", spy)
    monkeypatch.setenv("BORDERWAR_SERIAL", "1")  # one process, so the spy sees every call
    data = _mini(tmp_path, ("hill-battle",))
    build_charts(_Ctx(load_dataset(data), project_for(data, tmp_path / "out"), tmp_path / "out"))
    # the deck's pictures are slides without title and source line: the slide carries both
    assert sorted(set(calls)) == [("print", False), ("slides", False), ("slides", True)]
    assert len(calls) == 3 * len(CHARTS)


def test_chart_words_are_in_the_bundled_fonts(real_build):
    """Titles, alt text and captions go into the PDFs: every character must have a glyph."""
    import unicodedata

    from borderwar_report.core.fonts import covered_codepoints

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
    assert len(found) == len(real.events)  # at the briefing's size every event is labelled
    assert tl["title"] not in texts  # the briefing's numbered caption gives both
    assert tl["source"] not in texts
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


def test_charts_set_no_cjk_text_without_its_languages_face(real_print, real):
    """Chinese names take SC/TC glyph forms by their ``lang`` (style.stack_for_lang; pinned for the poster in
    test_poster). The charts print no native-script names today (titles are English): a chart that starts
    to must set them with stack_for_lang, and this test then needs the face check instead."""
    import unicodedata

    assert any(n.text for e in real.events for n in e.names)  # the data has native names
    for name, chart in real_print.items():
        for text in svg_texts(chart["data"]["svg"]):
            cjk = {ch for ch in text if unicodedata.east_asian_width(ch) in ("W", "F") and not ch.isspace()}
            assert not cjk, (name, text)


def test_casualty_chart_draws_every_claim_and_says_unknown(real, real_print):
    ch = real_print["casualties"]
    texts = svg_texts(ch["data"]["svg"])
    assert any("unknown" in t for t in texts)
    assert ch["stats"]["claims"] > 40
    shown = ch["stats"]["shown_events"] + ch["stats"]["other_events"]
    assert shown == sum(1 for e in real.events if any(s.losses.get(c) for s in e.sides
                                                       for c in PERSONNEL))
    assert {"Killed", "Wounded"} <= set(texts)


def svg_font_sizes(data: bytes) -> set[float]:
    """Every font size (pt) the SVG's live text is set in."""
    import re

    return {float(m) for m in re.findall(rb"font[:-]size[:=]\s*\"?([0-9.]+)", data)}


def placement_scale(svg: bytes) -> float:
    """How much the briefing shrinks a print SVG: ``img { max-width: 100% }`` of the narrowest text
    column templates/briefing.css gives a figure (A4 or Letter, portrait or the landscape pages)."""
    import re

    from borderwar_report.documents.handout import PAPER_MM

    css = (ROOT / "templates" / "briefing.css").read_text("utf-8")

    def side_margins(page: str) -> float:
        rule = re.search(r"@page" + page + r"\s*\{\s*margin:\s*([^;]+);", css)
        parts = [float(v.removesuffix("mm")) for v in rule.group(1).split()]
        right, left = {1: (parts[0], parts[0]), 2: (parts[1], parts[1]), 3: (parts[1], parts[1])}.get(
            len(parts), (parts[1], parts[3]))
        return left + right

    narrowest = min(PAPER_MM[p][0] for p in PAPER_MM) - side_margins("")
    figure = re.search(r"figure\.chart \{([^}]*)\}", css).group(1)  # no side margin or padding on figures
    assert not re.search(r"padding|margin:\s*\S+\s+[1-9]", figure), figure
    width_pt = float(re.search(rb'<svg[^>]*\bwidth="([\d.]+)pt"', svg).group(1))
    return min(1.0, narrowest / 25.4 * 72 / width_pt)


def test_print_charts_set_no_type_below_seven_points_as_printed(real_print):
    """Every live text of the briefing's charts, at the size the briefing places the SVG: ≥ 7 pt."""
    for name in ("timeline", "casualties", "escalation"):  # the map (charts/locator.py) has its own floor
        svg = real_print[name]["data"]["svg"]
        assert b"scale(" not in svg, name  # no text is shrunk inside the SVG either
        sizes = svg_font_sizes(svg)
        assert sizes, name
        scale = placement_scale(svg)
        assert scale > 0.9, (name, scale)
        assert min(sizes) * scale >= 7.0 - 1e-6, (name, scale, sorted(sizes))


def test_slide_svgs_carry_outlines_and_print_svgs_live_text_in_bundled_fonts(real, real_print, tmp_path):
    """Slides: text as outlined paths (the SVG looks the same on any machine). Print: live text whose
    font-family names only bundled families, which WeasyPrint has from the @font-face rules."""
    from borderwar_report.core.fonts import font_table

    families = {f["family"] for f in font_table(ROOT / "templates" / "fonts")}
    proj = project_for(ROOT / "data", tmp_path)
    for name in ("timeline", "casualties", "escalation"):
        slide = render_chart(real, proj, "slides", name, ("svg",))["data"]["svg"]
        assert not svg_texts(slide), name
        assert b"<path" in slide and b"font-family" not in slide, name
        printed = real_print[name]["data"]["svg"].decode()
        assert svg_texts(printed.encode()), name
        import re

        named = {f.strip().strip("'\"") for stack in re.findall(r"font-family: ([^;\"]+)", printed)
                 for f in stack.split(",")}
        assert named and named <= families, (name, named - families)


def test_casualty_chart_in_print_shows_every_event_with_room(real, real_print):
    from xml.etree import ElementTree

    ch = real_print["casualties"]
    st = ch["stats"]
    assert st["other_events"] == 0  # the print chart grows (to 200 mm at most) rather than grouping
    assert st["shown_events"] == st["events"]
    texts = svg_texts(ch["data"]["svg"])
    assert not any(t.startswith("other (") for t in texts)
    assert not any(t.endswith("…") for t in texts)  # no title cut
    height = ElementTree.fromstring(ch["data"]["svg"]).get("height")
    assert height.endswith("pt")
    mm = float(height[:-2]) / 72 * 25.4
    row_pt = float(height[:-2]) / st["rows"]
    assert mm <= 200
    assert row_pt >= 11.0  # rows not cramped: ≥ 1.5 × the 7.5 pt type (with the frame shared out)


@pytest.mark.slow
def test_timeline_labels_never_cross_bars_markers_or_one_another(real):
    """Every text the timeline sets (labels, lane and phase names, band captions) is clear of every bar,
    whisker, marker and rule, and of every other text — measured on the drawn figure, glyph by glyph."""
    cases = [(real, "print", False), (real, "slides", True), (load_dataset(FIXTURES / "mini"), "print", True),
             (synthetic(300), "print", False)]
    for ds, preset, titled in cases:
        with drawn(ds, "timeline", preset, titled) as (chart, renderer):
            bad = crossings(chart.fig.axes[0], renderer)
            assert not bad, (preset, titled, bad[:3])
            if ds is real:  # room exists on both: every shipped event keeps its label
                assert chart.stats["unlabelled"] == 0, preset


def test_timeline_sets_a_label_with_no_room_beside_its_bar_under_it(real):
    """The IJA's count of incidents (1935 – April 1939) is too long for the room beside its bar."""
    long_span = max((e for e in real.events if e.date.kind == "span"), key=lambda e: len(e.title))
    with drawn(real, "timeline", "print", False) as (chart, renderer):
        ax = chart.fig.axes[0]
        (label,) = [t for t in ax.texts if t.get_text() == long_span.title]
        bars = [b for kind, b in glyph_boxes(ax) if kind == "line"]
        f = 72.0 / chart.fig.dpi
        bb = label.get_window_extent(renderer)
        x0, top = bb.x0 * f, bb.y1 * f
        # some bar lies above the label, over its left end: the label hangs under its own bar
        assert any(b[0] <= x0 + 2 and b[2] > x0 and b[1] >= top - 1 and b[1] - top < 12 for b in bars)


def test_escalation_lower_bars_take_the_colour_of_their_events_kind(real):
    """Colour means kind in both panels: a year's lower bar is coloured by the kind of the event whose claim
    it draws (it once coloured every bar as a border incident)."""
    from matplotlib.colors import to_hex
    from matplotlib.patches import Rectangle

    from borderwar_report.charts.common import KIND_FILLS

    best: dict = {}
    for e in real.events:
        v = highest_dead(e).value
        if v is not None and v > best.get(e.date.earliest.year, (-1, None))[0]:
            best[e.date.earliest.year] = (v, e.kind)
    with drawn(real, "escalation", "print") as (chart, _renderer):
        lower = chart.fig.axes[1]
        bars = {round(b.get_x() + b.get_width() / 2): to_hex(b.get_facecolor()) for b in lower.patches
                if isinstance(b, Rectangle) and b.get_height() > 0.5 and b.get_width() < 1}
    kinds = {to_hex(c): k for k, c in KIND_FILLS.items()}
    for year, (_v, kind) in best.items():
        if _v > 0:
            assert kinds.get(bars.get(year)) == kind, (year, kind, bars.get(year))
    assert len({kinds.get(c) for c in bars.values()}) >= 2


@pytest.mark.slow
def test_escalation_gutter_fits_its_widest_tick_label(real):
    """No tick label is cut at the left edge, whatever the figures (here: every claim × 400, up to 100M)."""
    big = dataclasses.replace(real, events=tuple(
        dataclasses.replace(e, sides=tuple(dataclasses.replace(s, losses={
            c: tuple(dataclasses.replace(x, low=x.low * 400, high=x.high * 400) for x in cl)
            for c, cl in s.losses.items()}) for s in e.sides)) for e in real.events))
    seen = set()
    for ds in (real, big, synthetic(7000)):
        for preset in ("print", "slides"):
            with drawn(ds, "escalation", preset) as (chart, renderer):
                margin = chart.fig.dpi * (0.12 if preset == "print" else 0.3)
                labels = [t for ax in chart.fig.axes[:2] for t in ax.get_yticklabels() if t.get_text()]
                assert labels
                for t in labels:
                    assert t.get_window_extent(renderer).x0 >= margin - 1, (preset, t.get_text())
                seen |= {t.get_text() for t in labels}
    assert "100M" in seen  # the × 400 figures
    assert any("," in t for t in seen)  # 7,000 events: counts per year with a thousands separator


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


@pytest.mark.parametrize("titled", [False, True])
def test_print_map_sets_no_type_below_seven_points(real, tmp_path, titled):
    """Degree labels, the overview's numbers, keys and counts included: the real data (places with several
    events, keyed places, three events outside the region) and the mini fixture (one outside)."""
    from matplotlib.text import Text

    for ds in (real, load_dataset(_mini(tmp_path))):
        with drawn(ds, "locator", "print", titled=titled, dpi=72) as (chart, _):
            texts = [t for t in chart.fig.findobj(Text) if t.get_text()]
            assert any("°" in t.get_text() for t in texts)  # degree labels are drawn, not dropped wholesale
            small = sorted((t.get_fontsize(), t.get_text()) for t in texts if t.get_fontsize() < 7 - 1e-6)
            assert not small, small


def test_slide_map_counts_are_clear_of_every_label(real):
    """The number of events beside a marker is never under a label's background box."""
    with drawn(real, "locator", "slides", dpi=72) as (chart, renderer):
        texts = [t for ax in chart.fig.axes for t in ax.texts if t.get_visible() and t.get_text()]
        counts = [t for t in texts if t.get_text().isdigit() and t.get_bbox_patch() is None]
        labels = [t for t in texts if t.get_bbox_patch() is not None]
        assert counts
        assert labels
        for c in counts:
            cb = c.get_window_extent(renderer)
            for lab in labels:
                assert not cb.overlaps(lab.get_bbox_patch().get_window_extent(renderer)) or \
                    c.get_zorder() > lab.get_zorder(), (c.get_text(), lab.get_text())


def test_slide_pngs_are_16_9_and_full_hd(real_build):
    from PIL import Image

    out, index = real_build
    slides = [info for info in index.values() if "slides" in info["presets"]]
    assert len(slides) == len(CHARTS)
    for info in slides:
        with Image.open(out / info["files"]["slides"]["png"]) as im:
            w, h = im.size
            assert w >= 1920
            assert h >= 1080
            assert abs(w / h - 16 / 9) < 0.01


def test_deck_opens_with_one_slide_per_chart(real_build):
    from pptx import Presentation

    out, index = real_build
    prs = Presentation(str(out / "charts" / "deck.pptx"))
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)
    pictures = [s for s in prs.slides if any(sh.shape_type == 13 for sh in s.shapes)]
    assert len(pictures) == len(CHARTS)  # print-only charts (the detail maps) are not slides
    for slide, name in zip(pictures, CHARTS, strict=True):
        info = index[name]
        assert slide.shapes.title.text == info["title"]  # a real title placeholder: outline, navigation, readers
        assert slide.shapes.title.is_placeholder
        # the title once: the picture is drawn untitled (not the slide file, whose picture has its title)
        pic = next(sh for sh in slide.shapes if sh.shape_type == 13)
        assert pic.image.blob != (out / info["files"]["slides"]["png"]).read_bytes()
        texts = [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame and not sh.is_placeholder]
        # the source line is slide text under the picture, budgeted to one line there (not the caption's)
        assert len(texts) == 1
        assert texts[0].startswith("Source: figures as claimed in ")
        source = next(sh for sh in slide.shapes if sh.has_text_frame and not sh.is_placeholder)
        assert source.top >= pic.top + pic.height and source.top + source.height <= prs.slide_height
        # title, picture and source use the slide: no empty band under a title box taller than its line
        head = slide.shapes.title
        assert head.top + head.height <= prs.slide_height // 8 and pic.top - (head.top + head.height) \
            <= prs.slide_height // 30
        assert pic.height >= prs.slide_height * 0.75
        notes = slide.notes_slide.notes_text_frame.text
        assert texts[0] in notes
        assert info["title"] in notes
        assert "Alt text: " + info["alt"].split(". ")[0] in notes  # the slide's own alt text, same opening


def test_deck_is_a_centred_16_9_layout_with_the_bundled_fonts(real_build):
    import re

    from pptx import Presentation
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    out, _ = real_build
    prs = Presentation(str(out / "charts" / "deck.pptx"))
    for slide in prs.slides:
        title = slide.shapes.title
        assert title is not None
        right = prs.slide_width - (title.left + title.width)
        assert abs(title.left - right) <= prs.slide_width // 100, (title.left, right)  # centred, not 4:3 off-centre
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.left + shape.width <= prs.slide_width
    theme = prs.slide_master.part.part_related_by(RT.THEME).blob.decode()
    assert re.findall(r'<a:latin typeface="([^"]*)"', theme)[:2] == ["Noto Sans", "Noto Sans"]
    assert "Edition 26 November 2026" in prs.slides[0].placeholders[1].text  # dates as the documents write them


def test_deck_native_charts_carry_only_claimed_numbers(real_build, real):
    from pptx import Presentation

    from borderwar_report.records.claims import DEAD_PREFERENCE

    out, _ = real_build
    prs = Presentation(str(out / "charts" / "deck.pptx"))
    charts = [sh.chart for s in prs.slides for sh in s.shapes if sh.has_chart]
    assert len(charts) == 2
    casualties, per_year = charts
    low, high = casualties.plots[0].series
    assert (low.name, high.name) == ("Lowest claim of dead", "Highest claim of dead")
    claimed = {(c.low, c.high) for ev in real.events for s in ev.sides for cat in DEAD_PREFERENCE
               for c in s.losses.get(cat, ())}
    lows, highs = {lo for lo, _ in claimed}, {hi for _, hi in claimed}
    for lo, hi in zip(low.values, high.values, strict=True):
        assert lo <= hi and int(lo) in lows and int(hi) in highs  # each bar is somebody's figure
    assert sum(per_year.plots[0].series[0].values) == len(real.events)


def test_deck_native_chart_labels_are_whole_and_readable(real):
    """Category labels are never cut short with "…": long ones break into even lines, at 10 pt."""
    import io

    from PIL import Image
    from pptx import Presentation

    from borderwar_report.charts.deck import CATEGORY_CHARS, CATEGORY_PT, casualty_series, make_deck

    labels, _, _ = casualty_series(real, lambda s: s)
    assert labels
    for label in labels:
        assert "…" not in label
        assert all(len(line) <= CATEGORY_CHARS or " " not in line for line in label.split("\n")), label
    titles = {ev.title.split(" (")[0] for ev in real.events}
    assert any("\n" in label for label in labels)
    assert all(any(t in label.replace("\n", " ") for t in titles) for label in labels)  # the title in full
    buf = io.BytesIO()
    Image.new("RGB", (160, 90), "white").save(buf, "PNG")
    chart = {"data": {"png": buf.getvalue()}, "title": "A chart", "alt": "Alt.", "source": "Source: x."}
    deck = Presentation(io.BytesIO(make_deck(real, [("casualties", chart), ("escalation", chart)])))
    natives = [sh.chart for s in deck.slides for sh in s.shapes if sh.has_chart]
    assert len(natives) == 2
    for native in natives:
        assert not native.has_title  # the slide's title is the chart's
        assert native.category_axis.tick_labels.font.size.pt == CATEGORY_PT >= 7
    assert natives[0].value_axis.tick_labels.number_format == "#,##0"


def test_deck_uses_a_users_own_master(real, tmp_path):
    from pptx import Presentation
    from pptx.util import Emu

    from borderwar_report.charts.deck import make_deck

    master = Presentation()
    master.slide_width, master.slide_height = Emu(11430000), Emu(6858000)  # 16:10 house style
    master.slide_layouts[5].name = "House title only"
    template = tmp_path / "house.pptx"
    master.save(template)
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (160, 90), "white").save(buf, "PNG")
    chart = {"data": {"png": buf.getvalue()}, "title": "A chart", "alt": "Alt.", "source": "Source: x."}
    deck = Presentation(io.BytesIO(make_deck(real, [("timeline", chart)], template)))
    assert (deck.slide_width, deck.slide_height) == (11430000, 6858000)
    assert deck.slides[1].slide_layout.name == "House title only"
    assert deck.slides[1].shapes.title.text == "A chart"


def test_deck_renders_in_libreoffice(real_build, tmp_path):
    """LibreOffice Impress opens the deck and draws every slide (optional: skipped where it is not installed)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-impress); the deck is read back "
                    "with python-pptx above")
    import subprocess

    import pypdf

    out, _ = real_build
    result = subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
                             "pdf", "--outdir", str(tmp_path), str(out / "charts" / "deck.pptx")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    reader = pypdf.PdfReader(tmp_path / "deck.pdf")
    assert len(reader.pages) == 1 + len(CHARTS) + 2
    page = reader.pages[1]
    assert float(page.mediabox.width) / float(page.mediabox.height) == pytest.approx(16 / 9, abs=0.01)


# --- other data sets ------------------------------------------------------------------------------

def _mini(tmp_path, keep=None) -> Path:
    target = tmp_path / "data"
    shutil.copytree(FIXTURES / "mini", target)
    if keep:
        for f in (target / "events").iterdir():
            if f.stem not in keep:
                f.unlink()
    return target


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_export_charts_for_the_cli(tmp_path):
    data = _mini(tmp_path, ("hill-battle", "first-clash"))
    ds = load_dataset(data)
    written = export_charts(ds, project_for(data, tmp_path / "o"), preset="print", formats=["svg", "png", "pptx"],
                            out_dir=tmp_path / "talk", transparent=True)
    names = sorted(p.name for p in written)
    assert names == sorted([f"{n}.{f}" for n in CHARTS for f in ("svg", "png")] + ["deck.pptx"])
    texts = svg_texts((tmp_path / "talk" / "timeline.svg").read_bytes())  # a standalone chart keeps its frame
    assert any(t.startswith("Timeline, ") for t in texts)
    assert any(t.startswith("Source: figures as claimed in ") for t in texts)
    from PIL import Image

    with Image.open(tmp_path / "talk" / "timeline.png") as im:
        assert im.mode == "RGBA"
        assert im.getpixel((0, 0))[3] == 0


# --- scale ----------------------------------------------------------------------------------------

def claim(low: int, high: int, claimant: str) -> Claim:
    """A claim by one of the mini fixture's claimants, read in that claimant's work."""
    return Claim(low, high, claimant, (ClaimSource({"doe": "doe-1999", "smith": "smith-2001"}[claimant]),))


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
        doe, smith = (ClaimSource("doe-1999"),), (ClaimSource("smith-2001"),)
        sides = (SideInEvent("north", losses={"killed": (Claim(k, k, "doe", doe),
                                                        Claim(k + 3, k + 3, "smith", smith))}),
                 SideInEvent("south", losses={"wounded": (Claim(k, 2 * k, "doe", doe),)} if i % 3 else {}))
        events.append(Event(id=f"s{i:05d}", title=f"Synthetic event {i}", kind=kind, phase="early",
                            lane="talks" if kind == "diplomacy" else "west", date=HistDate.parse(text),
                            file="synthetic", line=i, sides=sides,
                            place=Place(f"P{i}", lat=rng.uniform(41, 52), lon=rng.uniform(112, 134),
                                        approximate=rng.random() < 0.2)))
    events.sort(key=lambda e: e.date.sort_key)
    return dataclasses.replace(base, events=tuple(events), revision="synthetic")


@pytest.mark.slow
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
    from borderwar_report.charts.timeline import PRINT_MAX_HEIGHT_MM

    assert tl["height_mm"] <= PRINT_MAX_HEIGHT_MM  # a print timeline may grow this tall to label more
    cas = charts["casualties"]["stats"]
    assert cas["other_events"] > 1900
    assert cas["shown_events"] >= 3
    assert any(t.startswith("other (") for t in svg_texts(charts["casualties"]["data"]["svg"]))
    loc = charts["locator"]["stats"]
    assert loc["clusters"] > 10
    assert loc["clustered_events"] + loc["places"] <= 2000 + loc["places"]
    assert len(charts["timeline"]["data"]["svg"]) < 2_000_000


# --- words agree with the drawing, and nothing of the shipped data is built in ---------------------

def numbers_in(text: str) -> set[int]:
    import re

    return {int(m.replace(",", "")) for m in re.findall(r"(?<![\w.])\d[\d,]*(?![\w])", text)}


def drawn_numbers(ds, chart: dict) -> set[int]:
    """What a chart shows as numbers: its texts (tick labels, figures on bars), the claims it draws as
    marks, the years of its axis; and any count up to the number of events (counts of events, lanes,
    years), or a day of the month in a date."""
    texts = " ".join(svg_texts(chart["data"]["svg"]))
    claims = {v for e in ds.events for s in e.sides for cl in s.losses.values() for c in cl for v in (c.low, c.high)}
    y0, y1 = ds.years
    return numbers_in(texts) | claims | set(range(y0, y1 + 1)) | set(range(0, max(len(ds.events), 31) + 1))


def test_every_number_in_an_alt_text_is_one_the_chart_draws_or_a_count(real, real_print):
    for name in ("timeline", "casualties", "escalation"):
        chart = real_print[name]
        stray = numbers_in(chart["alt"]) - drawn_numbers(real, chart)
        assert not stray, (name, stray, chart["alt"])
    esc = real_print["escalation"]
    bars = numbers_in(" ".join(svg_texts(esc["data"]["svg"])))
    for n in numbers_in(esc["alt"]):  # the escalation's figures are the ones printed on its bars
        assert n in bars or n <= len(real.events) or real.years[0] <= n <= real.years[1], n


def other_era(base):
    """Three events of 1964–1969 with dead in the tens, on the mini fixture's sides and claimants."""
    events = (
        Event(id="a", title="River crossing skirmish", kind="border-incident", phase="p", lane="west",
              date=HistDate.parse("1964-03-02"), file="x", line=1,
              sides=(SideInEvent("north", losses={"killed": (claim(12, 12, "doe"), claim(19, 19, "smith"))}),
                     SideInEvent("south", losses={"killed": (claim(7, 7, "doe"),)}))),
        Event(id="b", title="Hill 212 clash", kind="battle", phase="p", lane="west",
              date=HistDate.parse("1967-08"), file="x", line=2,
              sides=(SideInEvent("north", losses={"killed": (claim(58, 58, "smith"),)}),)),
        Event(id="c", title="Border protocol signed", kind="diplomacy", phase="p", lane="talks",
              date=HistDate.parse("1969-11-20"), file="x", line=3, sides=()),
    )
    phases = (dataclasses.replace(base.phases[0], id="p", name="Frontier tension", date=HistDate.parse("1964/1969")),)
    return dataclasses.replace(base, events=events, phases=phases, revision="other-era")


def test_charts_of_another_era_and_magnitude_say_nothing_of_the_shipped_data(real, tmp_path):
    import re

    ds = other_era(load_dataset(FIXTURES / "mini"))
    proj = project_for(FIXTURES / "mini", tmp_path)
    shipped = ({str(y) for y in range(real.years[0], real.years[1] + 1)}
               | {s.name for s in real.sides} | {s.short for s in real.sides if s.short}
               | {lane.label for lane in real.document.lanes} | {p.name for p in real.phases}
               | {"1,000", "100,000", "80,000", "tens of thousands", "single deaths"})  # the old fixed keys
    shipped -= {lane.label for lane in ds.document.lanes} | {s.name for s in ds.sides}  # this data's own words
    shipped -= {"Escalation"}  # a shipped phase's name, and the escalation chart's own title
    for name in ("timeline", "casualties", "escalation"):
        for preset in ("print", "slides"):
            chart = render_chart(ds, proj, preset, name, ("svg",))
            words = [chart["title"], chart["alt"], chart["caption"]]
            if preset == "print":
                words += svg_texts(chart["data"]["svg"])
            text = " | ".join(words)
            found = {w for w in shipped if re.search(r"(?<![\w,])" + re.escape(w) + r"(?![\w,])", text)}
            assert not found, (name, preset, found)
            assert "1964" in chart["title"] or name == "casualties", chart["title"]
    tl = render_chart(ds, proj, "print", "timeline", ("svg",))
    key = {t for t in svg_texts(tl["data"]["svg"]) if re.fullmatch(r"[\d,]+", t)} - {str(y) for y in range(1964, 1970)}
    assert key == {"7", "50"}, key  # the size key spans this data's claims of dead (7 to 58)
    esc = render_chart(ds, proj, "print", "escalation", ("svg",))
    texts = svg_texts(esc["data"]["svg"])
    assert "no figure" not in texts  # 1969 has only diplomacy: blank, not "no figure"
    assert "1 events" not in esc["alt"] and "1969–1969" not in esc["alt"]


def test_a_single_year_is_not_written_as_a_range(tmp_path):
    base = other_era(load_dataset(FIXTURES / "mini"))
    one = dataclasses.replace(base, events=base.events[:1],
                              phases=(dataclasses.replace(base.phases[0], date=HistDate.parse("1964")),))
    proj = project_for(FIXTURES / "mini", tmp_path)
    for name in ("timeline", "escalation"):
        chart = render_chart(one, proj, "print", name, ("svg",))
        for text in (chart["title"], chart["alt"], chart["caption"]):
            assert "1964–1964" not in text and "1 events" not in text, text


def test_phase_names_sit_over_their_own_bands(real):
    """Each phase name lies within its band, or (wider than the band) covers all of it; the bracket
    under it spans exactly the band."""
    for preset in ("print", "slides"):
        with drawn(real, "timeline", preset, False) as (chart, renderer):
            ax = chart.fig.axes[0]
            inv = ax.transData.inverted()
            texts = {t.get_text(): t for t in ax.texts}
            brackets = [seg for coll in ax.collections if hasattr(coll, "get_segments")
                        for seg in coll.get_segments() if len(seg) == 4]
            for p in real.phases:
                a, b = L.mark_extent(p.date)
                a, b = max(a, real.years[0]), min(b, real.years[1] + 1)
                bb = texts[p.name].get_window_extent(renderer)
                x0, x1 = inv.transform((bb.x0, 0))[0], inv.transform((bb.x1, 0))[0]
                inside = a - 1e-6 <= x0 and x1 <= b + 1e-6
                covers = x0 <= a + 1e-6 and b - 1e-6 <= x1
                assert inside or covers, (preset, p.name, (x0, x1), (a, b))
                assert any(abs(seg[1][0] - a) < 1e-6 and abs(seg[2][0] - b) < 1e-6 for seg in brackets), p.name


@pytest.mark.slow
def test_deck_with_native_charts_is_byte_reproducible(real):
    """The native charts embed workbooks that their writer stamps with the clock; the deck fixes them."""
    import io
    import time as clock

    from PIL import Image

    from borderwar_report.charts.deck import make_deck

    buf = io.BytesIO()
    Image.new("RGB", (160, 90), "white").save(buf, "PNG")
    charts = [(n, {"data": {"png": buf.getvalue()}, "title": n, "alt": "a", "source": "s"}) for n in CHARTS]
    first = make_deck(real, charts)
    clock.sleep(1.1)  # the workbook's timestamps have one-second resolution
    assert make_deck(real, charts) == first


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_dollar_signs_in_data_are_text_not_math(mini, tmp_path, name):
    """Matplotlib would read "$5 and $10" as mathtext ("5and10" in italics) and crash on bad math."""
    for path in (mini / "events").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        text = text.replace("title: First clash at the river", 'title: "Raid for $5 and $10"')
        text = text.replace("title: Treaty of friendship", 'title: "Bad math $\\\\frac{$ here"')
        text = text.replace("name: River ford", 'name: "Ford $x^2$"')
        path.write_text(text, encoding="utf-8")
    ds = load_dataset(mini)
    svg = render_chart(ds, project_for(mini, tmp_path), "print", name, ["svg"])["data"]["svg"]
    texts = " ".join(svg_texts(svg))
    if name == "timeline":
        assert "Raid for $5 and $10" in texts
        assert "Bad math $\\frac{$ here" in texts
    assert "5and10" not in texts.replace(" ", "")


def test_chart_pdfs_embed_harfbuzz_subsets_that_draw_the_same():
    """style.pdf_subset_hook: Matplotlib's PDF fonts cut by HarfBuzz instead of fontTools give the very same
    page and text, and a smaller file."""
    import io

    import matplotlib
    import pypdfium2 as pdfium
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from pypdf import PdfReader

    from borderwar_report.charts import style

    fonts = ROOT / "templates" / "fonts"
    saved = {}
    for name, hook in (("harfbuzz", style.pdf_subset_hook), ("fonttools", contextlib.nullcontext)):
        fig = Figure(figsize=(4, 1.5))
        fig.text(0.05, 0.6, "Kanchazu 乾岔子島事件 1937", fontproperties=FontProperties(
            fname=fonts / "NotoSansCJKjp-Regular.subset.ttf"), size=12)
        fig.text(0.05, 0.2, "Khalkhin Gol — “quoted”, Үүрэг", fontproperties=FontProperties(
            fname=fonts / "NotoSans-Regular.subset.ttf"), size=12)
        real, style.pdf_subset_hook = style.pdf_subset_hook, hook
        try:
            with matplotlib.rc_context({"pdf.fonttype": 42}):
                saved[name] = style.save_bytes(fig, "pdf")
        finally:
            style.pdf_subset_hook = real
    pages = [pdfium.PdfDocument(data)[0].render(scale=3).to_pil().convert("L").tobytes() for data in saved.values()]
    assert pages[0] == pages[1]
    texts = [PdfReader(io.BytesIO(data)).pages[0].extract_text() for data in saved.values()]
    assert texts[0] == texts[1]
    assert "乾岔子島事件" in texts[0]
    assert len(saved["harfbuzz"]) < len(saved["fonttools"])
