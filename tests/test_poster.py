"""The wall timeline (timeline-poster.pdf, its tiles) and the one-page handout."""

import io
import os
from pathlib import Path

import pytest

from borderwar_report.documents import handout, poster, poster_plan, sheets, tiles
from borderwar_report.build.runner import BuildContext
from borderwar_report.build.plan import BuildOptions
from borderwar_report.core.log import Log
from borderwar_report.core.project import Project
from borderwar_report.records.validate import load_dataset

from .conftest import FIXTURES, ROOT

pypdf = pytest.importorskip("pypdf")

MM = 72 / 25.4
A3_LANDSCAPE = (1190.55, 841.89)
A4_PORTRAIT = (595.28, 841.89)


@pytest.fixture(autouse=True)
def _fixed_epoch(monkeypatch):
    """What build.run does for the duration of a build (SOURCE_DATE_EPOCH from the edition date)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", os.environ.get("SOURCE_DATE_EPOCH") or "1764115200")


def make_ctx(data: Path, stage: Path, **options) -> BuildContext:
    dataset = load_dataset(data)
    stage.mkdir(parents=True, exist_ok=True)
    return BuildContext(dataset, Project(data, ROOT / "templates", stage), stage, Log(quiet=True),
                        BuildOptions(**options))


def reader(path: Path):
    return pypdf.PdfReader(io.BytesIO(path.read_bytes()))


def page_size(page) -> tuple[float, float]:
    box = page.mediabox
    return float(box.width), float(box.height)


def flat_text(path: Path) -> str:
    """Every page's text with runs of whitespace made one space (labels wrap across lines)."""
    return " ".join(" ".join(p.extract_text().split()) for p in reader(path).pages)


def assert_size(actual, expected, tol=0.05):
    assert actual[0] == pytest.approx(expected[0], abs=tol) and actual[1] == pytest.approx(expected[1], abs=tol), \
        f"page is {actual[0]:.2f} × {actual[1]:.2f} pt, expected {expected[0]} × {expected[1]}"


@pytest.fixture(scope="module", autouse=True)
def _epoch():
    """The build sets SOURCE_DATE_EPOCH (from the edition) round its steps; these tests call the steps
    directly, so they fix it themselves, and put the caller's value back afterwards."""
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    yield
    if before is None:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    else:
        os.environ["SOURCE_DATE_EPOCH"] = before


@pytest.fixture(scope="module")
def real(shipped_out):
    """The shipped data: A3 poster tiled on A4, and the handout — from the test run's one full build."""
    return make_ctx(ROOT / "data", shipped_out, poster_size="a3", tile="a4")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """200 generated events (benchmarks/generate.py): the overview rule on the poster, one-page handout."""
    from benchmarks.generate import write_dataset

    data = write_dataset(200, tmp_path_factory.mktemp("synthetic") / "data")
    ctx = make_ctx(data, tmp_path_factory.mktemp("synthetic-out"))
    poster.build_poster(ctx)
    handout.build_handout(ctx)
    return ctx


# --- the poster ------------------------------------------------------------------------------------

def test_poster_is_one_a3_landscape_sheet_for_the_shipped_data(real):
    pages = reader(real.stage / "timeline-poster.pdf").pages
    assert len(pages) == 1
    assert_size(page_size(pages[0]), A3_LANDSCAPE)


def test_every_event_title_and_a_native_name_is_text_on_the_poster(real):
    text = flat_text(real.stage / "timeline-poster.pdf")
    missing = [e.title for e in real.dataset.events if " ".join(e.title.split()) not in text]
    assert not missing
    assert "乾岔子島事件" in text  # the CJK name comes out of the PDF as text, not as outlines
    assert "26 November 2026" in text
    # The edition identifies the print; the data digest and the tool are workings, not evidence.
    assert real.dataset.revision not in text and "Typeset by" not in text


def test_poster_embeds_its_fonts_and_only_the_bundled_ones(real):
    fonts = set()

    def walk(resources):
        resources = resources.get_object()
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descendant = font.get("/DescendantFonts")
            desc = (descendant[0].get_object() if descendant else font).get("/FontDescriptor")
            desc = desc.get_object() if desc else {}
            assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
            fonts.add(str(font["/BaseFont"]).split("+")[-1])
        for xobj in (resources.get("/XObject") or {}).values():
            xobj = xobj.get_object()
            if "/Resources" in xobj:
                walk(xobj["/Resources"])

    for page in reader(real.stage / "timeline-poster.pdf").pages:
        walk(page["/Resources"])
    assert fonts and all(name.startswith("Noto") for name in fonts), fonts


def test_labels_never_overlap_never_leave_the_chart_and_type_is_at_least_7pt(real):
    sheet = poster.sheet_layout("a3")
    plan = poster.plan_chart_in_style(real, sheet)
    assert not plan.overview and plan.labelled == len(real.dataset.events)
    assert plan.type.small >= sheets.MIN_PT and plan.type.text >= sheets.MIN_PT
    for box in plan.lanes:
        rects = []
        for p in box.placements:
            block = box.blocks[p.id]
            x = 2.0 + plan.scale.to_phys(p.label_x)
            x0 = x if p.ha == "left" else x - block.width
            top = box.tops[p.id]
            rects.append((p.id, x0, x0 + block.width, top, top + block.height, p.footprint))
            assert 0.0 <= x0 and x0 + block.width <= plan.width, p.id
            assert all(seg.size >= sheets.MIN_PT for line in block.lines for seg in line.segs if seg.text)
        for i, (a, ax0, ax1, at, ab, afp) in enumerate(rects):
            for b, bx0, bx1, bt, bb, bfp in rects[i + 1:]:
                # blocks (label + date glyph footprint) may share x or y, never both
                overlap_x = min(max(ax1, afp[1]), max(bx1, bfp[1])) > max(min(ax0, afp[0]), min(bx0, bfp[0]))
                overlap_y = min(ab, bb) > max(at, bt)
                assert not (overlap_x and overlap_y), f"{a} overlaps {b}"
    assert plan.content_height <= plan.height


@pytest.mark.slow
def test_poster_at_a4_keeps_type_at_7pt_and_every_title(tmp_path):
    ctx = make_ctx(ROOT / "data", tmp_path, poster_size="a4")
    pdf, sheet, plan = poster.render_poster(ctx)
    path = tmp_path / "a4.pdf"
    path.write_bytes(pdf)
    pages = reader(path).pages
    assert all(page_size(p) == pytest.approx((841.89, 595.28), abs=0.05) for p in pages)
    assert plan.type.small >= sheets.MIN_PT
    text = flat_text(path)
    assert all(" ".join(e.title.split()) in text for e in ctx.dataset.events)


@pytest.mark.slow
def test_hundreds_of_events_switch_to_the_stated_overview_rule(synthetic):
    path = synthetic.stage / "timeline-poster.pdf"
    pages = reader(path).pages
    assert len(pages) >= 2  # the chart sheet and the index
    for page in pages:
        assert_size(page_size(page), A3_LANDSCAPE)
    text = flat_text(path)
    assert "more than fit as full labels" in text and "density band" in text  # said, not silent
    missing = [e.title for e in synthetic.dataset.events if e.title not in text]
    assert not missing  # never silently dropped: the index lists every one


# --- tiles -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("poster_size,paper", [("a3", "a4"), ("a1", "letter"), ("a4", "a4")])
def test_tiles_cover_the_poster_with_the_stated_overlap(poster_size, paper):
    w, h = tiles.sheet_pt(poster_size, landscape=True)
    plan = tiles.plan_tiles(w, h, paper, overlap_mm=10.0)
    overlap = 10.0 * MM
    grid = {(t.row, t.col): t for t in plan.tiles}
    assert len(grid) == plan.rows * plan.cols
    for (r, c), t in grid.items():
        assert (t.width, t.height) == pytest.approx(plan.window)
        if (r, c + 1) in grid:
            assert t.right - grid[r, c + 1].left == pytest.approx(overlap)
            assert t.top == pytest.approx(grid[r, c + 1].top)
        if (r + 1, c) in grid:
            assert t.bottom - grid[r + 1, c].top == pytest.approx(overlap)
    assert min(t.left for t in plan.tiles) <= 0 and max(t.right for t in plan.tiles) >= w
    assert min(t.top for t in plan.tiles) <= 0 and max(t.bottom for t in plan.tiles) >= h
    pw, ph = plan.page_width, plan.page_height
    assert sorted((pw, ph)) == pytest.approx(sorted(tiles.sheet_pt(paper, False)))


@pytest.mark.slow
def test_tiled_pdf_shows_each_window_of_the_poster_with_marks_and_labels(real):
    pdfium = pytest.importorskip("pypdfium2")
    import numpy as np

    poster_path, tiles_path = real.stage / "timeline-poster.pdf", real.stage / "timeline-poster-tiles.pdf"
    w, h = page_size(reader(poster_path).pages[0])
    plan = tiles.plan_tiles(w, h, "a4", overlap_mm=10.0)
    tile_pages = reader(tiles_path).pages
    assert len(tile_pages) == plan.rows * plan.cols == 4
    for page, t in zip(tile_pages, plan.tiles):
        assert_size(page_size(page), (plan.page_width, plan.page_height))
        text = " ".join(page.extract_text().split())
        assert f"row {t.row + 1}, column {t.col + 1} of {plan.rows}×{plan.cols}" in text
    assert "Lake Khasan" in " ".join(" ".join(p.extract_text().split()) for p in tile_pages)

    # The window of tile (0, 1), rendered, matches the same region of the poster rendered alike.
    scale = 2.0
    big = np.asarray(pdfium.PdfDocument(str(poster_path))[0].render(scale=scale).to_pil().convert("L"), float)
    t = next(t for t in plan.tiles if (t.row, t.col) == (0, 1))
    small = np.asarray(pdfium.PdfDocument(str(tiles_path))[1].render(scale=scale).to_pil().convert("L"), float)
    x0, y0 = max(0.0, t.left), max(0.0, t.top)
    x1, y1 = min(w, t.right), min(h, t.bottom)
    px = lambda v: int(round(v * scale))  # noqa: E731
    region = big[px(y0):px(y1), px(x0):px(x1)]
    dx, dy = plan.margin + x0 - t.left, plan.margin + y0 - t.top
    window = small[px(dy):px(dy) + region.shape[0], px(dx):px(dx) + region.shape[1]]
    assert region.shape == window.shape and region.std() > 5  # there is something to compare
    assert np.abs(region - window).mean() < 4.0


# --- the handout -----------------------------------------------------------------------------------

def test_handout_is_exactly_one_page_of_the_document_paper(real):
    pages = reader(real.stage / "handout.pdf").pages
    assert len(pages) == 1
    assert_size(page_size(pages[0]), A4_PORTRAIT)
    text = flat_text(real.stage / "handout.pdf")
    for e in handout.key_events(real.dataset):
        assert " ".join(e.title.split()) in text
    assert ".pdf" not in text  # the briefing is named, not its file
    assert real.dataset.revision not in text and "edition 26 November 2026" in text
    from borderwar_report.documents.context import compose_title
    title = compose_title(real.dataset.document.title, *real.dataset.years)[0]
    assert f"The briefing {title}" in text and text.count(title) >= 3  # heading, the full record, footer
    assert "What is uncertain." in text and "claimants disagree on" in text
    assert "'" not in text and '"' not in text  # typographer's quotes
    lines = reader(real.stage / "handout.pdf").pages[0].extract_text().splitlines()
    for e in handout.key_events(real.dataset):  # a CJK name is never broken across lines
        for n in e.names:
            if " " not in n.text and any(ord(ch) > 0x2E80 for ch in n.text) and n.text in "".join(lines):
                assert any(n.text in line for line in lines), n.text


def test_handout_is_one_page_for_200_events_by_the_same_rule(synthetic):
    pages = reader(synthetic.stage / "handout.pdf").pages
    assert len(pages) == 1
    text = flat_text(synthetic.stage / "handout.pdf")
    chosen = handout.key_events(synthetic.dataset)
    assert len(chosen) == sheets.HANDOUT_FIGHTS + sheets.HANDOUT_DIPLOMACY
    assert all(e.title in text for e in chosen)


def test_handout_on_letter_paper(tmp_path):
    ctx = make_ctx(FIXTURES / "mini", tmp_path, paper="letter")
    handout.build_handout(ctx)
    pages = reader(tmp_path / "handout.pdf").pages
    assert len(pages) == 1
    assert_size(page_size(pages[0]), (612.0, 792.0))


def test_key_events_rule_on_the_shipped_data():
    ds = load_dataset(ROOT / "data")
    chosen = handout.key_events(ds)
    fights = [e for e in chosen if e.kind in sheets.FIGHTING]
    talks = [e for e in chosen if e.kind == "diplomacy"]
    assert len(fights) == sheets.HANDOUT_FIGHTS and len(talks) == sheets.HANDOUT_DIPLOMACY
    assert [e.date.sort_key for e in chosen] == sorted(e.date.sort_key for e in chosen)
    for a in fights:  # no chosen fight lies inside another chosen one on the same lane
        for b in fights:
            if a is not b and a.lane == b.lane:
                assert not (b.date.earliest <= a.date.earliest and a.date.latest <= b.date.latest)
    # the rule ranks by dead: every unchosen fight (outside the chosen ones) has no more than the last chosen
    from borderwar_report.charts.measures import highest_dead

    least = min(highest_dead(e).value or 0 for e in fights)
    for e in ds.events:
        inside = any(c.lane == e.lane and c.date.earliest <= e.date.earliest and e.date.latest <= c.date.latest
                     for c in fights)
        if e.kind in sheets.FIGHTING and e not in fights and not inside:
            assert (highest_dead(e).value or 0) <= least


@pytest.mark.parametrize("claims,expected", [
    ([(37, 37, None, "a")] * 3, "37"),
    ([(6831, 6831, None, "a"), (9703, 9703, None, "b")], "6,831–9,703*"),
    ([(6831, 6831, None, "a"), (9703, 9703, None, "a")], "6,831–9,703"),  # one claimant revising is no contest
    ([(2, 2, None, "a"), (11, 11, "at-least", "b")], "2–11+*"),
    ([(23, 40, None, "a")], "23–40"),
    ([(20000, 20000, "about", "a")], "c. 20,000"),
])
def test_claims_range(claims, expected):
    from borderwar_report.records.model import Claim, ClaimSource

    assert poster_plan.claims_range([Claim(lo, hi, who, (ClaimSource("s"),), bound=bound)
                                for lo, hi, bound, who in claims]) == expected


def test_css_string_cannot_break_out_of_the_style_element():
    s = str(sheets.css_string('A "quoted" \\ title </style><script>'))
    assert s.startswith('"') and s.endswith('"')
    assert "</style>" not in s and '\\"quoted\\"' in s


# --- another conflict, and reproducibility ----------------------------------------------------------

@pytest.mark.slow
def test_mini_fixture_builds_reproducibly(tmp_path):
    outputs = []
    for run in ("one", "two"):
        ctx = make_ctx(FIXTURES / "mini", tmp_path / run, poster_size="a3", tile="letter")
        poster.build_poster(ctx)
        handout.build_handout(ctx)
        outputs.append({name: (tmp_path / run / name).read_bytes()
                        for name in ("timeline-poster.pdf", "timeline-poster-tiles.pdf", "handout.pdf")})
    assert outputs[0] == outputs[1]
    text = flat_text(tmp_path / "one" / "timeline-poster.pdf")
    ds = load_dataset(FIXTURES / "mini")
    assert all(e.title in text for e in ds.events)
    assert "1935" in text and "1939" in text and "1945" not in text  # its own years, not the real data's
    assert len(reader(tmp_path / "one" / "handout.pdf").pages) == 1


def test_a_character_no_bundled_font_has_fails_naming_the_record(mini, tmp_path):
    from borderwar_report.core.errors import GlyphMissingError

    event = mini / "events" / "treaty.yaml"
    event.write_text(event.read_text(encoding="utf-8").replace("Treaty of friendship", "Treaty \U0001F600"),
                     encoding="utf-8")
    ctx = make_ctx(mini, tmp_path / "out")
    for build in (poster.build_poster, handout.build_handout):
        with pytest.raises(GlyphMissingError, match="treaty"):
            build(ctx)
    assert not list((tmp_path / "out").glob("*.pdf"))


# --- the axis, the size key, Chinese glyph forms ---------------------------------------------------

def _poster_svg(ctx) -> tuple[str, object]:
    plan = poster.plan_chart_in_style(ctx, poster.sheet_layout("a3"))
    return poster.draw_chart(plan, ctx.dataset, ctx.project).decode(), plan


def test_empty_years_are_squeezed_marked_and_stated(real):
    """Runs of two or more years without any event take less room; the legend says where."""
    from borderwar_report.charts.layout import empty_years, mark_extent

    ds = real.dataset
    first, last = ds.years
    expected = empty_years([mark_extent(e.date) for e in ds.events], first, last, poster_plan.AXIS_BREAK_YEARS)
    assert expected  # the shipped data has such a stretch
    _, plan = _poster_svg(real)
    assert poster_plan.axis_breaks(plan.scale) == [(a, b - 1) for a, b in expected]
    for a, b in expected:  # squeezed: narrower than one ordinary year
        assert plan.scale.to_phys(b) - plan.scale.to_phys(a) < plan.scale.to_phys(a) - plan.scale.to_phys(a - 1)
        for e in ds.events:  # and nothing happens there
            s, t = mark_extent(e.date)
            assert t <= a or s >= b, e.id
    text = flat_text(real.stage / "timeline-poster.pdf")
    assert "The time axis is broken at" in " ".join(text.split())


def test_year_labels_never_run_together(real):
    """Each year label fits in its own year's width, on the real data and on a long, narrow axis."""
    from borderwar_report.charts.layout import BrokenScale, Scale

    measure = poster._measure_for(sheets._fonts_dir(real))
    _, plan = _poster_svg(real)
    ts = plan.type
    for scale in (plan.scale, Scale(1800.0, 2000.0, 800.0),
                  BrokenScale(1900.0, 1960.0, 300.0, ((1910.0, 1950.0),), 0.6)):
        years = sorted(poster.year_labels(scale, measure, ts.year))
        assert years
        boxes = []
        for y in years:
            centre = (scale.to_phys(y) + scale.to_phys(y + 1)) / 2
            w = measure(str(y), ts.year, "bold")
            boxes.append((centre - w / 2, centre + w / 2))
        for (a0, a1), (b0, b1) in zip(boxes, boxes[1:], strict=False):
            assert a1 < b0, (scale, a0, a1, b0, b1)


def test_poster_size_key_agrees_with_the_briefings_timeline(real, tmp_path):
    """Same reference values and the same marker rule as the timeline's key in the briefing."""
    from borderwar_report.charts import render_chart
    from borderwar_report.charts.common import marker_diameter
    from borderwar_report.charts.measures import claimed_dead, reference_values
    from tests.test_charts import svg_texts

    ds = real.dataset
    _, plan = _poster_svg(real)
    key = poster._legend(real, plan)["dot_scale"]
    values = reference_values(claimed_dead(ds))
    assert [k["value"] for k in key] == [f"{v:,}" for v in values]
    factor = plan.max_dot / poster_plan.DOT_FULL
    assert [k["d"] for k in key] == [round(marker_diameter(v, factor), 2) for v in values]
    tl = render_chart(ds, real.project, "print", "timeline", ("svg",), titled=False)
    texts = svg_texts(tl["data"]["svg"])
    for k in key:
        assert k["value"] in texts
    flat = " ".join(flat_text(real.stage / "timeline-poster.pdf").split())
    assert all(k["value"] in flat for k in key)


@pytest.mark.parametrize(("lang", "face"), [("zh", "SC"), ("zh-Hans", "SC"), ("zh-CN", "SC"), ("zh-Hant", "TC"),
                                            ("zh-TW", "TC"), ("zh-HK", "TC"), ("zh-Hant-TW", "TC"), ("ja", "JP"),
                                            ("ru", None), (None, None)])
def test_cjk_face_follows_the_language(lang, face):
    from borderwar_report.charts.style import cjk_face

    assert cjk_face(lang) == (f"Noto Sans CJK {face}" if face else None)


def test_chinese_names_are_set_in_chinese_faces_everywhere(real):
    """Poster chart: a zh name's run names the SC face first; the PDFs embed it; the CSS of the briefing,
    poster and handout picks the face by :lang()."""
    svg, _ = _poster_svg(real)
    shown = [n for e in real.dataset.events for n in sheets.native_names(e) if f">{n.text}<" in svg]
    zh = next(n.text for n in shown if n.lang == "zh")
    runs = [m for m in svg.split("<text") if zh in m]
    assert runs and all("font-family: 'Noto Sans CJK SC'" in r for r in runs)
    ja = next(n.text for n in shown if n.lang == "ja")
    assert all("font-family: 'Noto Sans CJK JP'" in r for r in svg.split("<text") if ja in r)
    pdf = (real.stage / "timeline-poster.pdf").read_bytes()
    assert _font_named(pdf, "CJK-SC")
    for template in ("briefing.css", "poster.html.j2", "handout.html.j2"):
        css = (ROOT / "templates" / template).read_text("utf-8")
        assert ':lang(zh) { font-family: ' in css and '"Noto Sans CJK SC"' in css, template
        assert ':lang(zh-Hant)' in css and '"Noto Sans CJK TC"' in css, template
        assert css.index(":lang(zh) {") < css.index(":lang(zh-Hant)"), template  # the later rule wins


def _font_named(pdf: bytes, part: str) -> bool:
    r = pypdf.PdfReader(io.BytesIO(pdf))
    for n in range(1, 2000):
        try:
            o = r.get_object(n)
        except Exception:  # noqa: BLE001 - past the last object
            continue
        if isinstance(o, dict) and o.get("/Type") == "/Font" and part in str(o.get("/BaseFont")):
            return True
    return False


@pytest.mark.parametrize(("text", "css"), [
    ('plain', '"plain"'),
    ('say "hi"', '"say \\"hi\\""'),
    ("back\\slash", '"back\\\\slash"'),
    ("form\ffeed", '"form\\c feed"'),
    ("line\nbreak\r", '"line\\a break\\d "'),
    ("bell\x07 del\x7f", '"bell\\7  del\\7f "'),
    ("nul\x00", '"nul\ufffd"'),
    ("</style><script>", '"\\3c /style>\\3c script>"'),
    ("ünï 漢字", '"ünï 漢字"'),
])
def test_css_string_serializes_as_cssom_defines(text, css):
    """CSSOM §2.1 "serialize a string": NUL → U+FFFD, U+0001–U+001F and U+007F as hex escapes with a
    trailing space, quote and backslash escaped; "<" also escaped so the text cannot close the <style>."""
    from borderwar_report.documents.sheets import css_string

    assert str(css_string(text)) == css


def test_handout_source_labels_are_whole_and_cjk_labels_never_break(real):
    """A claim's label names its work in full (no "…"), and a label's CJK name stays on one line."""
    text = flat_text(real.stage / "handout.pdf")
    assert "…" not in text
    lines = reader(real.stage / "handout.pdf").pages[0].extract_text().splitlines()
    long_title = max((s for s in real.dataset.sources if not s.author), key=lambda s: len(s.title), default=None)
    if long_title is not None:
        assert sheets.source_label(real.dataset, long_title.id).endswith(long_title.title)
    labels = {f[k] for e in handout.key_events(real.dataset) for f in handout.dead_figures(real.dataset, e)[0]
              for k in ("low_who", "high_who")}
    cjk = {w.strip("()") for label in labels for w in label.split() if any(ord(ch) > 0x2E80 for ch in w)}
    assert cjk  # the shipped data has such labels (ja Wikipedia (張鼓峰事件))
    for word in cjk:
        assert any(word in line for line in lines), word


@pytest.mark.parametrize(("heights", "split"), [([], 0), ([1.0], 1), ([1, 1], 1), ([3, 1, 1, 1], 1),
                                                 ([1, 1, 1, 3], 3), ([2, 2, 2, 2, 2, 2, 2], 4)])
def test_handout_columns_balance(heights, split):
    assert handout.balance_columns(heights) == split


@pytest.mark.parametrize("name", ["handout.pdf", "timeline-poster.pdf"])
def test_printed_type_is_never_below_7_pt(real, name):
    """Measured in the PDF as printed (pdfium applies every matrix), the strip and the chart included."""
    from tests.test_briefing import _char_sizes

    sizes = [(page, round(size, 2), ch) for page, size, ch in _char_sizes(real.stage / name)]
    assert len(sizes) > 1000
    assert min(size for _, size, _ in sizes) >= 6.95, sorted(sizes, key=lambda s: s[1])[:5]
