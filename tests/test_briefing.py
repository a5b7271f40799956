"""The PDF briefing: its view model (context.py) and the typeset PDF built from the shipped data."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
from pathlib import Path

import pypdf
import pytest

from borderwar_report.documents import citations
from borderwar_report.documents import context as cx
from borderwar_report.documents import flow
from borderwar_report.documents.briefing import build_briefing, charts_for_print, svg_aspect, with_notes
from borderwar_report.build.runner import BuildContext, run
from borderwar_report.build.plan import BuildOptions
from borderwar_report.core.errors import GlyphMissingError
from borderwar_report.core.log import Log
from borderwar_report.records.model import Claim, ClaimSource, Source
from borderwar_report.core.project import Project
from borderwar_report.build.steps import load_chart_index
from borderwar_report.records.validate import load_dataset

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
TEMPLATES = ROOT / "templates"
MINI = Path(__file__).resolve().parent / "fixtures" / "mini"
A4 = (595.28, 841.89)
LETTER = (612.0, 792.0)


def build_briefing_only(data: Path, out: Path, charts: bool = True, **options) -> Path:
    """charts (unless told not to) + briefing into ``out``; the poster steps are not this module's business."""
    steps = ("charts", "briefing") if charts else ("briefing",)
    run(Project(data, TEMPLATES, out), BuildOptions(force=True, only=steps, **options), Log(quiet=True))
    return out


def briefing_beside_charts_of(built: Path, out: Path, caches: bool = False, **options) -> str:
    """Typeset the briefing alone into ``out`` beside a copy of the charts of the build in ``built`` (charts do
    not depend on the paper or the PDF variant: their key leaves the options out); from scratch, or with that
    build's page map and chapter-end decisions (``caches``). Returns the build's log."""
    from borderwar_report.documents.briefing import PAGE_MAP
    from borderwar_report.documents.flow import FLOW_FILE

    shutil.copytree(built / "charts", out / "charts")
    for name in (PAGE_MAP, FLOW_FILE) if caches else ():
        shutil.copy(built / name, out / name)
    for path in [out, *out.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)  # the session build is read-only, and so its copy
    log = io.StringIO()
    run(Project(DATA, TEMPLATES, out), BuildOptions(force=True, only=("briefing",), **options),
        Log(stream=log, verbose=True))
    return log.getvalue()


def pdf_text(reader: pypdf.PdfReader) -> list[str]:
    return [page.extract_text() or "" for page in reader.pages]


def squeeze(text: str) -> str:
    """Line ends and spaces removed: a title may wrap anywhere in the PDF."""
    return re.sub(r"\s+", "", text)


def outline_titles(reader: pypdf.PdfReader) -> list[str]:
    out: list[str] = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out.append(item.title)

    walk(reader.outline)
    return out


@pytest.fixture(scope="module")
def shipped(shipped_out):
    """The shipped data built once: (out dir, reader, page texts, dataset, view model)."""
    out = shipped_out
    dataset = load_dataset(DATA)
    view = cx.build_context(dataset, charts_for_print(load_chart_index(out), out))
    reader = pypdf.PdfReader(out / "briefing.pdf")
    return out, reader, pdf_text(reader), dataset, view


# --- the PDF from the shipped data ---------------------------------------------------------------

def test_text_has_every_event_title_and_native_name(shipped):
    _, _, pages, dataset, _ = shipped
    text = "\n".join(pages)
    flat = squeeze(text)
    assert "乾岔子島事件" in text  # copying the name out of the PDF gives the name
    for ev in dataset.events:
        assert squeeze(ev.title) in flat, ev.title
        for name in ev.names:
            assert squeeze(name.text) in flat, (ev.id, name.text)
        if ev.place:
            for name in ev.place.names:
                assert squeeze(name.text) in flat, (ev.id, name.text)


def test_outline_has_every_section_and_event(shipped):
    _, reader, _, dataset, view = shipped
    titles = outline_titles(reader)
    for section in ("Contents", "Summary", "The arc at a glance", "Aftermath and significance",
                    "Appendix A. Chronology", "Appendix B. Names in their own scripts",
                    "Appendix C. Method and data notes", "Appendix D. Sources"):
        assert section in titles
    if view.casualty_table:
        assert "Casualty comparison" in titles
    for phase in dataset.phases:
        assert phase.name in titles
    for ev in dataset.events:
        assert ev.title in titles, ev.title
    assert dataset.document.title not in titles  # the cover title is not a bookmark


def test_metadata_and_language(shipped):
    _, reader, pages, dataset, view = shipped
    doc = dataset.document
    meta = reader.metadata
    first, last = dataset.years
    assert meta.title == view.title == cx.compose_title(doc.title, first, last)[0]
    assert view.title.endswith(f", {first}–{last}")  # the records' years, not typed ones
    assert squeeze(view.title) in squeeze(pages[0])
    assert meta.author == doc.issuer
    assert meta.subject == doc.subtitle
    assert meta["/Keywords"]
    assert "," in meta["/Keywords"]
    assert meta["/CreationDate"].startswith("D:" + doc.edition.strftime("%Y%m%d"))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == doc.language
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root


def test_page_numbering_and_running_heads(shipped):
    _, _, pages, dataset, _ = shipped
    n = len(pages)
    assert "page 1 of" not in pages[0]  # the cover has no page furniture
    for i, text in enumerate(pages[1:], start=2):
        assert f"page {i} of {n}" in text, i
        assert cx.compose_title(dataset.document.title, *dataset.years)[0] in text  # running head
    assert pages[-1].rstrip().endswith(f"{n} of {n}")
    assert "Appendix D. Sources" in pages[-1]


def test_a_page_shared_by_two_chapters_is_headed_with_both(shipped):
    out, _, pages, dataset, _ = shipped
    decisions = json.loads((out / flow.FLOW_FILE).read_text())
    assert decisions["run_on"]  # the shipped data has a chapter that runs on; else this tests nothing
    html = (out / "briefing.html").read_text()
    titles = {m.group(1): " ".join(re.sub(r"<[^>]+>", "", m.group(2)).split()) for m in re.finditer(
        r'<section class="[^"]*\bchapter\b[^"]*" id="([^"]+)">.*?<h1[^>]*>(.*?)</h1>', html, re.S)}
    order = list(titles)
    for chapter in decisions["run_on"]:
        joined = f"{titles[order[order.index(chapter) - 1]]} · {titles[chapter]}"
        shared = [i for i, text in enumerate(pages) if joined in text]
        assert len(shared) == 1, joined
    assert dataset.revision not in "\n".join(pages)  # the data digest is the build's, not the reader's


def test_the_cover_summary_and_method_count_the_same_claims(shipped):
    _, _, pages, dataset, view = shipped
    text = squeeze(" ".join(pages))
    total = sum(1 for e in dataset.events for _ in e.all_claims()) + sum(len(f.claims) for e in dataset.events
                                                                          for f in e.figures)
    assert view.stats["claims"] == view.evidence_claims == total
    assert squeeze(f"{total:,} claims by") in text  # the cover
    assert squeeze(f"{total} figures, each a claim") in text  # the summary's key figures
    assert squeeze(f"The {total:,} claims in the data") in text  # appendix C


def test_no_blank_pages(shipped):
    _, _, pages, _, _ = shipped
    for i, text in enumerate(pages, start=1):
        body = re.sub(r"page \d+ of \d+|Edition \d+ \w+ \d{4}", "", text)
        assert len(body.split()) > 12, f"page {i} is (nearly) blank"


def test_fonts_are_the_bundled_ones_and_embedded(shipped):
    _, reader, _, _, _ = shipped
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descendant = font.get("/DescendantFonts")
            descriptor = (descendant[0].get_object() if descendant else font)["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
            names.add(str(font["/BaseFont"]).split("+")[-1])
    assert all(name.startswith("Noto") for name in names), names  # no system fallback font, so no tofu
    assert any("Serif" in n for n in names)
    assert any("Sans-" in n or n == "NotoSans" for n in names)
    assert any("CJK" in n for n in names)


def test_every_citation_is_a_footnote(shipped):
    """One note per citation point (the end of a profiled event's narrative) citing every work cited there,
    each at the foot of some page with its number; a work's first note is in full, later ones short."""
    _, _, pages, dataset, view = shipped
    expected = [n for e in view.events for n in e.footnotes]
    points = sum(1 for e in view.events if e.profiled and e.event.citations)
    assert len(expected) == points == view.footnote_count > 0
    assert all(len(e.footnotes) <= 1 for e in view.events)
    flat = squeeze("\n".join(pages))
    cited = 0
    for note in expected:
        assert squeeze(f"{note.number}. {note.text[:24]}") in flat, note
        cited += len(note.parts)
        assert note.text.endswith((".", ".”")) and note.text.count("; ") >= len(note.parts) - 1, note.text
    works = {c.source for e in view.events if e.profiled for c in e.event.citations}
    assert cited >= len(works)
    full = "\n".join(n.text for n in expected)
    assert full.count("Stanford University Press") <= 1, "a work's first note in full, the others short"
    assert not re.search(r"\bpp?\. \d", full), "no p./pp. in notes (CMOS 14.1)"
    ranges = re.findall(r"\b(\d+)–(\d+)\b", full)
    assert not [r for r in ranges if len(r[0]) == len(r[1]) >= 3 and r[0][:-2] == r[1][:-2]], \
        "page ranges abbreviated: 152–53, not 152–153 (CMOS 9.64)"
    assert not re.search(rf"(?m)^{view.footnote_count + 1}\. ", "\n".join(pages))  # and no more


def test_contents_and_cross_references_have_page_numbers(shipped):
    _, reader, pages, _, view = shipped
    contents = pages[1]
    assert "Contents" in contents
    first_phase = view.phases[0]
    # "Phase name ....... 5": a leader then the page the phase starts on
    match = re.search(re.escape(first_phase.name) + r"[ .]*\.{3,}\s*(\d+)", contents)
    assert match, contents[:400]
    page = int(match.group(1))
    assert first_phase.name in pages[page - 1]
    text = "\n".join(pages)
    assert re.search(r"table \d+, page \d+", text)  # "see table 38, page 31"
    links = [a.get_object() for p in reader.pages for a in p.get("/Annots", []) or []]
    internal = [a for a in links if a.get("/Subtype") == "/Link" and ("/Dest" in a or
                                                                     a.get("/A", {}).get("/S") == "/GoTo")]
    assert len(internal) > 100  # contents, notes → sources, cross-references


def test_the_contents_lists_every_figure_with_its_page(shipped):
    """Figures 1 to N all have a contents line, the detail maps in the event profiles too, each with the page
    its caption is on."""
    _, _, pages, _, _ = shipped
    contents = "\n".join(p for p in pages[:4] if "Contents" in p)
    captions = {int(n): i for i, page in reversed(list(enumerate(pages, 1))) if "Contents" not in page
                for n in re.findall(r"^Figure (\d+)\. ", page, re.M)}
    listed = {int(n): int(page) for n, page in re.findall(r"Figure (\d+)\. [^\n]*?\.{3,}\s*(\d+)", contents)}
    assert len(captions) >= 4
    assert listed == {n: page for n, page in captions.items()}


def test_shipped_briefing_is_a4_and_the_html_sits_beside_it(shipped):
    out, reader, _, _, _ = shipped
    for page in reader.pages:
        size = sorted((float(page.mediabox.width), float(page.mediabox.height)))
        assert size == pytest.approx(sorted(A4), abs=0.5)
    html = (out / "briefing.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    assert 'lang="ja">乾岔子島事件</span>' in html
    assert "@font-face" in html
    assert "file://" not in html  # fonts beside it (out/fonts/), so the folder can be published as it is


def test_charts_are_vectors_when_the_charts_exist(shipped):
    out, reader, _, _, view = shipped
    if not view.arc_figures and not view.casualty_figure:
        pytest.skip("the charts step produced no print SVGs yet")
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject", {})
        for ref in xobjects.values():
            assert ref.get_object().get("/Subtype") != "/Image"


@pytest.mark.slow
def test_same_inputs_give_the_same_bytes(shipped, tmp_path, monkeypatch):
    """The briefing typeset again with the last build's page map and chapter-end decisions (one layout, where
    the session build, from scratch, needed several) is the same file. Laid out in parts (the briefing step
    alone has the second core), twice, it is the same file both times, with the same pages. Two builds from
    scratch give the same bytes: test_build, with the mini data; charts drawn twice: test_charts."""
    from borderwar_report.documents import chunkrender

    out, reader, _, _, _ = shipped
    monkeypatch.setenv("BORDERWAR_SERIAL", "1")  # one piece, as the session's full build on two cores
    again = tmp_path / "again"
    log = briefing_beside_charts_of(out, again, caches=True)
    assert "; 1 layout(s)" in log
    assert "page references from map\n" in log
    assert (again / "briefing.pdf").read_bytes() == (out / "briefing.pdf").read_bytes()
    assert (again / "briefing.html").read_bytes() == (out / "briefing.html").read_bytes()
    monkeypatch.delenv("BORDERWAR_SERIAL")
    if chunkrender.workers() < 2:
        return
    first, second = tmp_path / "parts-1", tmp_path / "parts-2"
    logs = [briefing_beside_charts_of(out, first, caches=True), briefing_beside_charts_of(out, second, caches=True)]
    assert all("pages laid out in" in text and "(0 laid out again" in text for text in logs)
    assert (first / "briefing.pdf").read_bytes() == (second / "briefing.pdf").read_bytes()
    assert pdf_text(pypdf.PdfReader(first / "briefing.pdf")) == pdf_text(reader)


def test_letter_and_archival_variant_carry_the_data(shipped_letter):
    out = shipped_letter
    reader = pypdf.PdfReader(out / "briefing.pdf")
    for page in reader.pages:
        size = sorted((float(page.mediabox.width), float(page.mediabox.height)))
        assert size == pytest.approx(sorted(LETTER), abs=0.5)
    attached = reader.attachments
    assert set(attached) >= {"data.json", "timeline.json"}
    data = json.loads(attached["data.json"][0])
    assert len(data["events"]) == len(load_dataset(DATA).events)
    assert json.loads(attached["timeline.json"][0])["events"]
    assert "/OutputIntents" in reader.trailer["/Root"]
    assert b"pdfaid" in (out / "briefing.pdf").read_bytes() or "/Metadata" in reader.trailer["/Root"]


# --- embedding the charts ------------------------------------------------------------------------

SVG = """<?xml version="1.0" encoding="utf-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{w}pt" height="{h}pt" viewBox="0 0 {w} {h}">
<rect x="10" y="10" width="{bw}" height="40" fill="#0072B2"/>
<text x="12" y="70" style="font: 10px 'Noto Sans'">{label}</text>
</svg>
"""


def _chart(stage: Path, name: str, label: str, w: int, h: int) -> dict:
    path = stage / "charts" / "print" / f"{name}.svg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SVG.format(w=w, h=h, bw=w - 20, label=label), encoding="utf-8")
    return {"title": f"The {name} chart", "alt": f"Alt text of the {name} chart", "source": "the data",
            "caption": f"Caption of {name}.", "files": {"print": {"svg": f"charts/print/{name}.svg"}}}


@pytest.mark.slow
def test_charts_are_embedded_as_vectors_with_alt_text_and_numbers(tmp_path):
    stage = tmp_path / "stage"
    charts = {"timeline": _chart(stage, "timeline", "Axis label timeline", 480, 200),
              "locator": _chart(stage, "locator", "Axis label locator", 400, 300),
              "casualties": _chart(stage, "casualties", "Axis label casualties", 420, 260)}
    dataset = load_dataset(MINI)
    ctx = BuildContext(dataset, Project(MINI, TEMPLATES, tmp_path / "out"), stage, Log(quiet=True),
                       BuildOptions(), charts)
    build_briefing(ctx)
    data = (stage / "briefing.pdf").read_bytes()
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(pdf_text(reader))
    for label in ("Axis label timeline", "Axis label locator", "Axis label casualties"):
        assert label in text  # live text, typeset with the bundled Noto Sans
    assert b"/Subtype /Image" not in data
    assert b"/Subtype/Image" not in data
    assert re.search(r"Figure 1\.\s+The timeline chart", text)
    assert re.search(r"Figure 2\.\s+The locator chart", text)
    assert re.search(r"Figure 3\.\s+The casualties chart", text)
    assert re.search(r"figure 3, page \d+", text)  # cross-reference from the casualty section
    assert b"Alt text of the timeline chart" in _struct_alt_texts(reader)
    html = (stage / "briefing.html").read_text(encoding="utf-8")
    assert '<svg role="img" aria-label="Alt text of the timeline chart"' in html  # inlined for the browser


def _struct_alt_texts(reader) -> bytes:
    found = []

    def walk(node, depth=0):
        node = node.get_object()
        if depth > 60:
            return
        if "/Alt" in node:
            found.append(str(node["/Alt"]).encode())
        kids = node.get("/K")
        if kids is None:
            return
        if not isinstance(kids, list):
            kids = [kids]
        for kid in kids:
            if hasattr(kid, "get_object") and isinstance(kid.get_object(), dict):
                walk(kid, depth + 1)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return b"\n".join(found)


@pytest.mark.slow
def test_wide_chart_gets_a_landscape_page(tmp_path):
    stage = tmp_path / "stage"
    charts = {"timeline": _chart(stage, "timeline", "Wide axis", 900, 300)}
    assert svg_aspect(stage / "charts" / "print" / "timeline.svg") == pytest.approx(3.0)
    ctx = BuildContext(load_dataset(MINI), Project(MINI, TEMPLATES, tmp_path / "out"), stage, Log(quiet=True),
                       BuildOptions(), charts)
    build_briefing(ctx)
    reader = pypdf.PdfReader(stage / "briefing.pdf")
    landscape = [i for i, p in enumerate(reader.pages) if float(p.mediabox.width) > float(p.mediabox.height)]
    assert len(landscape) == 1
    assert "Wide axis" in reader.pages[landscape[0]].extract_text()


def test_missing_chart_file_is_left_out():
    assert charts_for_print({"timeline": {"files": {"print": {"svg": "charts/print/none.svg"}}}}, MINI) == {}


# --- the mini data set (another conflict in the same format) ------------------------------------

@pytest.mark.slow
def test_another_conflicts_data_builds(tmp_path):
    out = build_briefing_only(MINI, tmp_path / "out", charts=False, paper="letter")
    reader = pypdf.PdfReader(out / "briefing.pdf")
    text = "\n".join(pdf_text(reader))
    for title in ("First clash at the river", "Battle for the hill", "Treaty of friendship",
                  "Raid of uncertain date", "Өндөрлөгийн тулаан", "河畔事件"):
        assert title in text
    assert "Mini Conflict" in reader.metadata.title


def test_missing_glyph_fails_the_build_naming_character_and_record(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(MINI, data)
    path = data / "events" / "treaty.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Treaty of friendship", "Treaty 𓀀 of friendship"),
                    encoding="utf-8")
    with pytest.raises(GlyphMissingError) as info:
        build_briefing_only(data, tmp_path / "out", charts=False)
    assert "U+13000" in str(info.value)
    assert "treaty" in str(info.value)
    assert not (tmp_path / "out" / "briefing.pdf").exists()


# --- the view model -----------------------------------------------------------------------------

def src(**kw) -> Source:
    return Source(**{"id": "x", "type": "book", "title": "T", **kw})


@pytest.mark.parametrize(("source", "expected"), [
    (src(author=("Coox, Alvin D.",), title="Nomonhan: Japan Against Russia, 1939", publisher="Stanford University "
         "Press", place="Stanford", year="1985"),
     "Coox, Alvin D. Nomonhan: Japan Against Russia, 1939. Stanford: Stanford University Press, 1985."),
    (src(type="article", author=("Sella, Amnon",), title="Khalkhin-Gol: The Forgotten War",
         journal="Journal of Contemporary History", volume="18", issue="4", pages="651–687", year="1983"),
     "Sella, Amnon. “Khalkhin-Gol: The Forgotten War.” Journal of Contemporary History 18, no. 4 (1983): "
     "651–87."),
    (src(type="chapter", author=("Doe, Jane", "Roe, Richard"), title="A Chapter", journal="The Book",
         pages="1–20", publisher="Press", place="Oxford", year="2001"),
     "Doe, Jane, and Richard Roe. “A Chapter.” In The Book, 1–20. Oxford: Press, 2001."),
    (src(type="web", author=("Wikipedia contributors",), title="Tauran Incident", publisher="Wikipedia",
         url="https://en.wikipedia.org/wiki/Tauran_Incident", accessed=dt.date(2026, 11, 1)),
     "Wikipedia contributors. “Tauran Incident.” Wikipedia. Accessed 1 November 2026. "
     "https://en.wikipedia.org/wiki/Tauran_Incident."),
    (src(type="report", author=("A, B", "C, D", "E, F"), title="Losses", publisher="Office", year="1949"),
     "A, B, D C, and F E. Losses. Office, 1949."),
    (src(author=("Kolomiets, Maksim",), title="Танки на Халхин-Голе"),
     "Kolomiets, Maksim. Танки на Халхин-Голе. n.d."),
    (src(type="web", author=("Papers Past",), title='Report on the "Olohodoka" clash'),
     "Papers Past. “Report on the ‘Olohodoka’ clash.”"),
])
def test_bibliography_entries_follow_chicago(source, expected):
    entry = cx.ChicagoNotes().bibliography_entry(source)
    assert entry.text == expected
    if source.type in ("book", "report"):
        assert any(p.style == "i" and p.text == source.title for p in entry.parts)
    if source.url:
        assert entry.parts[-2] == cx.Part(source.url, "url")


def test_short_notes():
    book = src(author=("Coox, Alvin D.",), title="Nomonhan: Japan Against Russia, 1939")
    def short(source, locator=None):
        return cx.NoteWriter({"x": source}, cx.ChicagoNotes(), first_full=False).note([cx.Cite("x", locator)])

    book = src(author=("Coox, Alvin D.",), title="Nomonhan: Japan Against Russia, 1939")
    assert short(book, "p. 125")[0].text.text == "Coox, Nomonhan, 125."  # no "p." in a note (CMOS 14.1)
    assert short(book)[0].text.parts[1] == cx.Part("Nomonhan", "i")
    web = src(type="web", author=("Wikipedia contributors",), title="Soviet–Japanese border conflicts")
    assert short(web, "lead")[0].text.text == "Wikipedia contributors, “Soviet–Japanese border conflicts,” lead."
    assert short(web)[0].text.text == "Wikipedia contributors, “Soviet–Japanese border conflicts.”"
    long = src(type="article", author=("Goldman, Stuart D.",), title="The Forgotten Soviet-Japanese War of 1939")
    assert short(long)[0].text.text == "Goldman, “The Forgotten Soviet-Japanese War.”"


@pytest.mark.parametrize(("first", "last", "expected"), [
    ("3", "10", "3–10"), ("71", "72", "71–72"), ("96", "117", "96–117"), ("100", "104", "100–104"),
    ("1100", "1113", "1100–1113"), ("101", "108", "101–8"), ("808", "833", "808–33"), ("1103", "1104", "1103–4"),
    ("321", "328", "321–28"), ("498", "532", "498–532"), ("1087", "1089", "1087–89"), ("11564", "11615", "11564–615"),
    ("1496", "1504", "1496–1504"), ("2787", "2816", "2787–2816"), ("135", "136", "135–36"), ("152", "153", "152–53"),
])
def test_page_ranges_are_abbreviated_as_chicago_9_64(first, last, expected):
    assert citations.abbreviate_range(first, last) == expected


def test_locators_lose_p_and_pp():
    clean = cx.clean_locator
    assert clean("p. 152") == "152"
    assert clean("pp. 152–153") == "152–53"
    assert clean("vol. I, pp. 135–136") == "1:135–36"
    assert clean("page 10-113") == "10-113"  # a hyphen joins one page number's parts
    assert clean("lead, third paragraph") == "lead, third paragraph"
    assert clean(None) == ""


def _kinded(**kw):
    """A Source with the fields the claims model adds (kind, copy_of, titles), whichever model is loaded."""
    import types
    base = {"id": "x", "type": "book", "title": "T", "author": (), "publisher": None, "place": None, "year": None,
            "journal": None, "volume": None, "issue": None, "pages": None, "url": None, "accessed": None,
            "note": None, "kind": None, "copy_of": None, "title_translated": None, "title_romanized": None,
            "edition": None, "editor_note": None}
    return types.SimpleNamespace(**{**base, **kw})


def test_full_then_short_notes_and_one_note_per_place():
    coox = _kinded(id="coox", kind="scholarly-book", author=("Coox, Alvin D.",),
                   title="Nomonhan: Japan Against Russia, 1939", publisher="Stanford University Press",
                   place="Stanford", year="1985")
    kav = _kinded(id="kav", kind="scholarly-book", author=("Kavalerchik, Boris",), title="Июнь 1941",
                  title_romanized="Iyun' 1941", title_translated="June 1941", publisher="Yauza", place="Moscow",
                  year="2017")
    wp = _kinded(id="wp", kind="encyclopedia", type="web", author=("Wikipedia contributors",),
                 title="Battle of Lake Khasan", publisher="Wikipedia", accessed=dt.date(2026, 11, 1),
                 url="https://en.wikipedia.org/wiki/Battle_of_Lake_Khasan")
    writer = cx.NoteWriter({"coox": coox, "kav": kav, "wp": wp})
    first = writer.note([cx.Cite("coox", "pp. 135–136"), cx.Cite("kav", "152"), cx.Cite("coox", "p. 140")])
    text = "".join(p.text.text + p.sep for p in first)
    assert text == ("Alvin D. Coox, Nomonhan: Japan Against Russia, 1939 (Stanford: Stanford University Press, "
                    "1985), 135–36, 140; Boris Kavalerchik, Iyun' 1941 [June 1941] (Moscow: Yauza, 2017), 152.")
    assert first[0].text.parts[1] == cx.Part("Nomonhan: Japan Against Russia, 1939", "i")
    assert [p.source_id for p in first] == ["coox", "kav"]
    again = writer.note([cx.Cite("coox", "152–153", via="kav", via_locator="152")])
    assert again[0].text.text == "Coox, Nomonhan, 152–53, quoted in Kavalerchik, Iyun' 1941, 152."
    enc = writer.note([cx.Cite("wp")])[0].text.text
    assert enc == ("Wikipedia, s.v. “Battle of Lake Khasan,” accessed 1 November 2026, "
                   "https://en.wikipedia.org/wiki/Battle_of_Lake_Khasan.")
    assert writer.note([cx.Cite("wp", "lead")])[0].text.text == "Wikipedia, s.v. “Battle of Lake Khasan,” lead."
    assert citations.quoted_in({}, "coox", "p. 135", "kav", "pp. 152–153", {"coox": "Coox 1985", "kav": "Kavalerchik 2017"}) \
        == "Coox 1985, 135, quoted in Kavalerchik 2017, 152–53"


def test_bibliography_groups_by_kind_sorts_without_articles_and_keeps_copies_with_originals():
    sources = [
        _kinded(id="avalon", kind="official-record", type="web", author=("The Avalon Project",), title="Pact"),
        _kinded(id="bbb", kind="official-record", author=("Berlin Office",), title="Losses"),
        _kinded(id="grif", kind="scholarly-book", author=("Krivosheev, G. F.",), title="Гриф секретности снят",
                title_romanized="Grif sekretnosti snyat", title_translated="Secrecy Stamp Removed", year="1993",
                publisher="Voenizdat", place="Moscow", note="The first publication of the figures.",
                editor_note="found through a forum thread"),
        _kinded(id="grif-en", kind="scholarly-book", copy_of="grif", author=("Krivosheev, G. F.",),
                title="Soviet Casualties and Combat Losses in the Twentieth Century", publisher="Greenhill",
                place="London", year="1997"),
        _kinded(id="wp", kind="encyclopedia", type="web", title="Battle of Lake Khasan", publisher="Wikipedia"),
        _kinded(id="old", title="Unclassified"),
    ]
    groups = cx.group_bibliography(sources, cx.ChicagoNotes())
    assert [g.kind for g in groups] == ["official-record", "scholarly-book", "encyclopedia", "other"]
    assert [g.heading for g in groups][:3] == ["Official records", "Scholarly books", "Encyclopedia articles"]
    assert [e.id for e in groups[0].entries] == ["avalon", "bbb"]  # "The Avalon Project" sorts under A
    grif = groups[1].entries
    assert [e.id for e in grif] == ["grif"]  # the English edition is part of the one work
    assert grif[0].entry.text.startswith("Krivosheev, G. F. Grif sekretnosti snyat [Secrecy Stamp Removed]. Moscow")
    assert grif[0].note == "The first publication of the figures."
    copy = grif[0].copies[0]
    assert (copy.id, copy.anchor, copy.relation) == ("grif-en", "src-grif-en", "English edition of")
    assert copy.original_title.text == "Krivosheev, Grif sekretnosti snyat"
    assert groups[2].notes_only and groups[2].entries[0].entry.text == "Wikipedia, s.v. “Battle of Lake Khasan.”"
    everything = repr(groups)
    assert "forum thread" not in everything  # editor notes never reach print


def test_claims_are_counted_by_the_kinds_of_their_sources():
    import types
    sources = [_kinded(id="b", kind="scholarly-book"), _kinded(id="e", kind="encyclopedia")]
    one = types.SimpleNamespace(source="b", sources=None)
    both = types.SimpleNamespace(source=None, sources=(types.SimpleNamespace(source="b", via=None),
                                                       types.SimpleNamespace(source="e", via=None)))
    quoted = types.SimpleNamespace(source=None, sources=(types.SimpleNamespace(source="e", via="b"),))

    class Ev:
        figures = ()

        def all_claims(self):
            return [("s", "losses", "killed", c) for c in (one, both, quoted)]

    dataset = types.SimpleNamespace(sources=sources, events=[Ev()])
    counts, total, second_hand = cx.evidence_by_kind(dataset)
    assert total == 3 and second_hand == 1
    by_kind = {k.kind: (k.citing, k.only) for k in counts}
    assert by_kind == {"scholarly-book": (2, 1), "encyclopedia": (2, 1)}


def test_curly_quotes_leave_code_and_urls_alone():
    from borderwar_report.documents.typography import smarten_html, smart_quotes
    assert smart_quotes('"Olohodoka" clash') == "“Olohodoka” clash"
    assert smart_quotes("Japan's army, Iyun' 1941, the '30s, 'quoted'") == "Japan’s army, Iyun’ 1941, the ’30s, ‘quoted’"
    html = ('<p>He said &#34;no&#34; &#39;twice&#39;<i>!</i></p><code>x = "a"</code>'
            '<a class="url" href="https://x.org/?q=\'a\'">https://x.org/?q=\'a\'</a><style>a::after { content: "\'" }</style>')
    out = smarten_html(html)
    assert "<p>He said “no” ‘twice’<i>!</i></p>" in out
    assert '<code>x = "a"</code>' in out
    assert ">https://x.org/?q='a'</a>" in out and 'content: "\'"' in out


def test_short_labels_are_unique():
    sources = (src(id="a", type="web", title="Same page", publisher="Wikipedia"),
               src(id="b", type="web", title="Same page", publisher="A mirror"),
               src(id="c", author=("Coox, Alvin D.",), title="Nomonhan", year="1985"))
    labels = cx.short_labels(sources)
    assert labels == {"a": "Same page, Wikipedia", "b": "Same page, A mirror", "c": "Coox 1985"}


def test_url_breaks_keep_the_characters():
    url = "https://en.wikipedia.org/wiki/Soviet%E2%80%93Japanese?x=1&y=2"
    part = cx.Part(url, "url")
    assert "".join(part.segments) == url
    assert part.segments[0] == "https://"
    assert part.breakable.replace("\u200b", "") == url


def test_spread_cells_and_precision():
    src = (ClaimSource("s"),)
    names = {"a": "Gomikawa", "b": "Soviet claim", "c": "Coox"}.get
    claims = [Claim(7696, 7696, "a", src), Claim(22000, 22000, "b", src, bound="at-least"),
              Claim(8629, 8629, "c", src)]
    cell = cx.spread_cell(claims, names)
    assert (cell.text, cell.who, cell.contested) == ("7,696 – ≥ 22,000", "Gomikawa – Soviet claim", True)
    assert cx.spread_cell([Claim(5, 9, "a", src)], names).text == "5–9"
    agree = cx.spread_cell([Claim(5, 5, "a", src), Claim(5, 5, "c", src)], names)
    assert (agree.text, agree.who, agree.contested) == ("5", "2 claimants agree", False)
    assert cx.spread_cell([], names) is cx.NO_FIGURE
    ds = load_dataset(MINI)
    by_id = {e.id: e for e in ds.events}
    assert cx.precision_text(by_id["first-clash"].date) == "exact day"
    assert cx.precision_text(by_id["hill-battle"].date) == "span of days"
    assert cx.precision_text(by_id["uncertain-raid"].date) == "month only, uncertain"


def test_view_model_numbers_tables_and_notes_in_reading_order():
    view = cx.build_context(load_dataset(MINI), {})
    assert view.key_table.number == 1
    assert view.phase_table.number == 2
    numbers = [t.number for e in view.events for t in (e.forces_table, e.losses_table, e.figures_table) if t]
    assert numbers == sorted(numbers)
    assert numbers[0] == 3
    assert view.casualty_table.number == numbers[-1] + 1
    assert view.chronology_table.number == view.casualty_table.number + 1
    notes = [n.number for e in view.events for n in e.footnotes]
    assert notes == list(range(1, len(notes) + 1)) == list(range(1, view.footnote_count + 1))
    # the key figures: the largest claimed losses first, with every side's range
    assert view.key_events[0].view.id == "hill-battle"
    north = view.key_events[0].rows[0]
    assert (north.killed.text, north.killed.contested) == ("792–960", True)
    assert " – " in north.killed.who  # the claimants of the low and the high end
    assert north.contested
    # aftermath: the closing phases where diplomacy and context make at least half the events
    assert [p.id for p in view.aftermath_phases] == ["late"]
    assert [g.english for g in view.glossary][:1] == ["Battle for the hill"]
    assert any(v.id == "hill-battle" for v, _ in view.contested)


def test_profile_budget_keeps_battles_and_largest_losses():
    ds = load_dataset(MINI)
    chosen = cx.select_profiles(list(ds.events), budget=2)
    assert chosen == {"hill-battle", "first-clash"}
    view = cx.build_context(ds, {}, profile_budget=2)
    assert view.profile_count == 2
    assert sum(1 for e in view.events if e.profiled) == 2
    assert view.footnote_count == sum(1 for e in view.events if e.profiled and e.event.citations)


def test_title_years_come_from_the_records():
    assert cx.compose_title("Border Conflicts, 1932–1945", 1931, 1945) == ("Border Conflicts, 1931–1945", "1932–1945")
    assert cx.compose_title("Border Conflicts, 1931–45", 1931, 1945) == ("Border Conflicts, 1931–1945", None)
    assert cx.compose_title("Border Conflicts", 1931, 1945) == ("Border Conflicts, 1931–1945", None)
    assert cx.compose_title("Border Conflicts (1901-1903)", 1902, 1902) == ("Border Conflicts, 1902", "1901–1903")
    assert cx.compose_title("Border Conflicts", None, None) == ("Border Conflicts", None)


def test_plurals_agree_with_their_numbers():
    assert cx.count_text(1, "event") == "1 event"
    assert cx.count_text(1200, "claim") == "1,200 claims"
    assert cx.count_text(2, "battle") == "2 battles"
    assert cx.count_text(3, "forum entry") == "3 forum entries"
    assert cx.kind_count_text("border-incident", 10) == "10 border incidents"
    assert cx.kind_count_text("diplomacy", 1) == "1 diplomatic event"
    assert cx.kind_count_text("skirmish-at-sea", 2) == "2 skirmish at sea events"


def test_with_notes_goes_inside_the_last_paragraph():
    assert with_notes("<p>a</p>\n<p>b</p>\n", "<span>1</span>") == "<p>a</p>\n<p>b<span>1</span></p>"
    assert with_notes("<ul><li>x</li></ul>", "N") == '<ul><li>x</li></ul><p class="notes-only">N</p>'
    assert with_notes("<p>a</p>", "") == "<p>a</p>"


def test_chart_caption_glyphs_are_checked(tmp_path):
    stage = tmp_path / "stage"
    charts = {"casualties": {**_chart(stage, "casualties", "x", 400, 300), "caption": "a ▸ marker"}}
    ctx = BuildContext(load_dataset(MINI), Project(MINI, TEMPLATES, tmp_path / "out"), stage, Log(quiet=True),
                       BuildOptions(), charts)
    with pytest.raises(GlyphMissingError, match=r"U\+25B8.*chart casualties, caption"):
        build_briefing(ctx)


def test_foreign_fonts_are_detected():
    """The build's check reads the fonts WeasyPrint drew with (no second parse of the PDF); it must find
    exactly what the PDF embeds, for HTML text and for SVG text alike."""
    from borderwar_report.core.fonts import font_face_css
    from borderwar_report.documents.briefing import foreign_font_names, foreign_fonts
    from borderwar_report.documents.pdf import render_pdf

    fonts_dir = TEMPLATES / "fonts"
    css = font_face_css(fonts_dir, fonts_dir.resolve().as_uri() + "/")
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="0" y="20" '
           'font-family="monospace">svg text</text></svg>')
    for foreign in ('<p style="font-family: monospace">system</p>', svg):
        html = (f'<html lang="en"><style>{css}</style><p style="font-family: \'Noto Serif\'">bundled</p>'
                f'{foreign}</html>')
        used: list = []
        pdf, _, _ = render_pdf(html, MINI, [TEMPLATES], used_fonts=used)
        found = foreign_fonts(pdf, fonts_dir)
        assert found
        assert not any(name.startswith("Noto") for name in found)
        assert foreign_font_names(used, fonts_dir) == found
        used = []
        bundled_only, _, _ = render_pdf(html.replace(foreign, ""), MINI, [TEMPLATES], used_fonts=used)
        assert foreign_fonts(bundled_only, fonts_dir) == [] == foreign_font_names(used, fonts_dir)
        assert any(name.startswith("Noto") for name in used)


def test_page_numbers_are_stamped_only_where_the_map_is_the_document():
    from borderwar_report.documents.briefing import stamp_page_numbers

    html = ('<html><style>a.x::after { content: target-counter(attr(href), page); }</style>'
            '<p>target-counter(attr(href), page)</p><a class="x" href="#a&amp;b">A</a><a href="#c">C</a></html>')
    stamped = stamp_page_numbers(html, {"a&b": 3, "c": 12})
    assert "content: attr(data-page);" in stamped
    assert "<p>target-counter(attr(href), page)</p>" in stamped  # text from the data is left alone
    assert '<a class="x" data-page="3" href="#a&amp;b">' in stamped and '<a data-page="12" href="#c">' in stamped
    assert stamp_page_numbers(html, {"a&b": 3}) is None  # a target the map does not know
    moved = html.replace("</style>", "@page :first { counter-reset: page 5 }</style>")
    assert stamp_page_numbers(moved, {"a&b": 3, "c": 12}) is None  # page numbers are not positions


def test_page_map_is_checked_after_rendering(tmp_path):
    """Page references are written in as numbers (the last build's map, else guesses) and, once laid out, set
    to the layout's own pages in place where that cannot move anything (after a contents leader); where it
    could (in running text, a number of other digits), the document is laid out again with the real numbers;
    with no way to stamp (the CSS moves the page counter), target-counter. The PDF is the same every way."""
    from borderwar_report.documents.briefing import render_with_page_map
    from borderwar_report.documents.pdf import render_pdf

    css = ("@page { size: A7; margin: 10mm 8mm; } body { font: 9pt/12pt serif; } p { margin: 0; }"
           " .toc a::after { content: leader('.') target-counter(attr(href), page); } .toc a { display: block; }"
           " a.see::after { content: ', page ' target-counter(attr(href), page); }")
    filler = "".join(f"<p>Line {i} of the text that fills the pages.</p>" for i in range(150))
    html = (f'<html lang="en"><head><style>{css}</style></head><body><nav class="toc"><a href="#a">A</a>'
            f'<a href="#b">B</a></nav><p><a class="see" href="#b">see B</a></p>{filler}<h2 id="a">A</h2>'
            f'{filler}<h2 id="b">B</h2><p>End.</p></body></html>')
    layouts = []

    from borderwar_report.documents.chunkrender import references_settled_in_layout

    def render(page_html, anchor_pages, settle, references):
        layouts.append(page_html)
        hooks = () if references is None else (references_settled_in_layout(references),)
        return render_pdf(page_html, tmp_path, [], anchor_pages=anchor_pages, settle=settle, layout_hooks=hooks)[0]

    truth_pdf, truth, how = render_with_page_map(html, {}, render)
    # "see B" in running text guessed with one digit, B is on page 1x: its page is laid out again inside the
    # same layout with the right number (as target-counter would); the contents' numbers are set in place
    assert how == "guesses, set in place"
    assert len(layouts) == 1
    assert truth["b"] >= 10
    assert truth["a"] < truth["b"]
    assert truth_pdf == render_pdf(html, tmp_path, [])[0]  # what target-counter gives
    layouts.clear()
    assert render_with_page_map(html, truth, render) == (truth_pdf, truth, "map")
    assert len(layouts) == 1
    assert render_with_page_map(html, {**truth, "b": 1}, render) == (truth_pdf, truth, "map, set in place")
    assert len(layouts) == 2
    layouts.clear()
    # a stale map whose wrong number is only in the contents, after a leader: set in place, no second layout
    stale = {**truth, "a": truth["a"] + 1}
    assert render_with_page_map(html, stale, render) == (truth_pdf, truth, "map, set in place")
    assert len(layouts) == 1
    moved = html.replace("</style>", "@page :first { counter-reset: page 1 }</style>")
    result = render_with_page_map(moved, truth, render)
    assert result[1:] == (truth, "target-counter")
    assert "target-counter" in layouts[-1]


# --- pages, type and tags (issue 13) ---------------------------------------------------------------

def _struct_elements(pdf):
    """Every structure element reachable from the structure tree root, in reading order."""
    import pikepdf

    out, stack = [], list(reversed(list(pdf.Root.StructTreeRoot.K)))
    while stack:
        e = stack.pop()
        if not isinstance(e, pikepdf.Dictionary) or "/S" not in e:
            continue
        out.append(e)
        k = e.get("/K")
        kids = list(k) if isinstance(k, pikepdf.Array) else [k]
        stack.extend(reversed(kids))
    return out


def _char_sizes(path):
    """(page, effective size in pt, character) for every printed character (pdfium applies the matrices)."""
    import ctypes
    import math

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    doc = pdfium.PdfDocument(str(path))
    matrix = raw.FS_MATRIX()
    for i in range(len(doc)):
        text = doc[i].get_textpage()
        for k in range(text.count_chars()):
            ch = chr(raw.FPDFText_GetUnicode(text.raw, k))
            if ch.isspace() or not ch.isprintable():
                continue
            raw.FPDFText_GetMatrix(text.raw, k, ctypes.byref(matrix))
            scale = math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c))
            yield i + 1, raw.FPDFText_GetFontSize(text.raw, k) * scale, ch


def test_type_is_never_below_7_pt_except_note_calls(shipped):
    """Text, tables, captions, notes, page furniture and the charts' own type: ≥ 7 pt. Only the superscript
    note calls are smaller (6 pt), and they are digits."""
    sizes = list(_char_sizes(shipped[0] / "briefing.pdf"))
    assert len(sizes) > 10000
    small = [(p, round(s, 2), ch) for p, s, ch in sizes if s < 6.95]
    assert small and all(ch.isdigit() and abs(s - 6.0) < 0.05 for _, s, ch in small), small[:10]
    assert min(s for _, s, ch in sizes if not ch.isdigit()) >= 6.95


def test_page_furniture_is_artifact_and_every_element_is_reachable(shipped):
    import pikepdf

    out = shipped[0]
    pdf = pikepdf.open(out / "briefing.pdf")
    reachable = {e.objgen for e in _struct_elements(pdf)}
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    for i in range(0, len(nums), 2):
        entry = nums[i + 1]
        for element in (entry if isinstance(entry, pikepdf.Array) else [entry]):
            if isinstance(element, pikepdf.Dictionary):
                assert element.objgen in reachable, f"parent tree {int(nums[i])}: element outside the tree"
    for number, page in enumerate(pdf.pages[1:], start=2):  # the cover has no furniture
        stream = page.Contents.read_bytes()
        assert b"/Artifact\n<</Type /Pagination /Subtype /Header>>" in stream, number
        assert b"/Artifact\n<</Type /Pagination /Subtype /Footer>>" in stream, number


def test_notes_scopes_figures_and_languages_are_tagged(shipped):
    import pikepdf

    out, _, _, dataset, view = shipped
    pdf = pikepdf.open(out / "briefing.pdf")  # kept open while its objects are read
    elements = _struct_elements(pdf)
    notes = [e for e in elements if e.S == "/Note"]
    assert len(notes) >= view.footnote_count
    ids = [str(e.ID) for e in notes]
    assert len(set(ids)) == len(ids) and all(i.startswith("fn-") for i in ids)
    headers = [e for e in elements if e.S == "/TH"]
    assert headers and all(str(e.A.Scope) in ("/Column", "/Row") for e in headers)
    assert {str(e.A.Scope) for e in headers} == {"/Column", "/Row"}
    figures = [e for e in elements if e.S == "/Figure"]
    assert figures and all(str(e.get("/Alt", "")).strip() for e in figures)
    langs = {str(e.Lang) for e in elements if "/Lang" in e and e.S != "/Document"}
    wanted = {n.lang for ev in dataset.events for n in ev.names}
    assert wanted <= langs, wanted - langs


def test_outline_entries_are_unique(shipped):
    titles = outline_titles(shipped[1])
    assert len(titles) == len(set(titles)), sorted(t for t in titles if titles.count(t) > 1)


MM = 72 / 25.4


def _blank_bands(path) -> list[float]:
    """Per page, the tallest band of the text area (between the page margins) with nothing printed in it,
    as a fraction of that area: text, images and embedded charts count, as pdfium places them."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    bands = []
    for i in range(len(doc)):
        page = doc[i]
        height = page.get_height()
        low, high = 22 * MM, height - 24 * MM  # the bottom and top margins of briefing.css
        text = page.get_textpage()
        boxes = [text.get_rect(k) for k in range(text.count_rects())]
        boxes += [o.get_bounds() for o in page.get_objects() if o.type in (3, 5)]  # images, forms (charts)
        spans = sorted(((max(b, low), min(t, high)) for _, b, _, t in boxes if t > low + 1 and b < high - 1),
                       key=lambda span: -span[1])
        top, band = high, 0.0
        for bottom, upper in spans:
            band = max(band, top - upper)
            top = min(top, bottom)
        bands.append(max(band, top - low) / (high - low))
    return bands


def _table_fragments(path) -> list[list[tuple[int, int, bool]]]:
    """Each numbered (captioned) table as its page fragments: (page, body rows on it, header repeated).
    WeasyPrint tags a table that breaks as one Table element per page; only the first has the caption."""
    import pikepdf

    pdf = pikepdf.open(path)
    pages = {page.objgen: i + 1 for i, page in enumerate(pdf.pages)}

    def kids(e):
        k = e.get("/K")
        return [c for c in (list(k) if isinstance(k, pikepdf.Array) else [k])
                if isinstance(c, pikepdf.Dictionary) and "/S" in c]

    tables = []
    for e in _struct_elements(pdf):
        if e.S != "/Table":
            continue
        parts = {c.S for c in kids(e)}
        rows = [r for g in kids(e) if g.S == "/TBody" for r in kids(g) if r.S == "/TR"]
        fragment = (pages[(rows[0] if rows else e).Pg.objgen], len(rows), "/THead" in parts)
        if "/Caption" in parts:
            tables.append([fragment])
        elif "/THead" in parts and tables:  # a continued part (facts and cover tables have no header)
            tables[-1].append(fragment)
    return tables


@pytest.fixture(scope="module")
def shipped_letter(shipped_out, tmp_path_factory):
    """The shipped briefing on Letter paper, in the archival variant (which changes the PDF's metadata and
    attachments, not its layout), with the charts of the session build."""
    out = tmp_path_factory.mktemp("letter") / "out"
    briefing_beside_charts_of(shipped_out, out, paper="letter", pdf_variant="pdf/a-3b")
    return out


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_pages_are_full_and_tables_keep_their_heads_with_rows(paper, shipped, shipped_letter):
    out = shipped[0] if paper == "a4" else shipped_letter
    path = out / "briefing.pdf"
    reader = pypdf.PdfReader(path)
    phases = {p.name for p in shipped[3].phases}
    # A chapter starts on a new page, so its last page may end anywhere, but not with a short tail alone:
    # when it has more than one page, its last page is at least half filled (the next chapter then
    # starts below the tail, not on a new page). Phases flow on, so the page before a phase is not a
    # chapter's last, nor is the page before a chapter that runs on below the last one's tail.
    height = float(reader.pages[0].mediabox.height)
    chapter_items = [item for item in reader.outline if not isinstance(item, list) and item.title not in phases]
    at_top = [float(item.top) >= height - 24 * MM - 1 for item in chapter_items]  # heading atop the text area
    starts = [reader.get_destination_page_number(item) + 1 for item, top in zip(chapter_items, at_top) if top]
    run_on = {reader.get_destination_page_number(item) + 1 for item, top in zip(chapter_items, at_top) if not top}
    bands = _blank_bands(path)
    chapters = list(zip(starts, [s - 1 for s in starts[1:]] + [len(bands)]))
    chapter_ends = {end for _, end in chapters}
    for number, band in enumerate(bands, start=1):
        if number == 1 or number in chapter_ends:
            continue
        # where a chapter runs on below a tail, its opening figure may not fit under its intro: the page
        # still ends at least half filled
        limit = 0.5 if number in run_on else 0.3
        assert band < limit, f"{paper} page {number}: a blank band of {band:.0%} of the text area"
    for first, last in chapters:
        if last > first:
            assert bands[last - 1] < 0.5, f"{paper} pages {first}–{last}: the last page {bands[last - 1]:.0%} blank"
    for fragments in _table_fragments(path):
        total = sum(rows for _, rows, _ in fragments)
        for page, rows, header in fragments:
            # caption and header never alone or with one row at a page foot; no row alone on the next page
            assert rows >= min(2, total), (paper, fragments)
            assert header, (paper, fragments)  # a continued part repeats the header


def test_continued_tables_say_so(shipped):
    out, reader, pages, _, view = shipped
    for i, text in enumerate(pages):
        body = [line for line in text.splitlines() if line.strip()]
        # a caption or header never ends a page: the last body line is not a header row
        tail = [line for line in body if not re.match(r"\d+\. |Edition |.* page \d+ of \d+", line)]
        assert not any(t.startswith("CATEGORY CLAIM") or t.startswith("FIGURE CLAIM") for t in tail[-2:]), i + 1
    continued = [i for i, text in enumerate(pages) if re.search(r"Table \d+ \(continued\)", text)]
    assert continued
    for i in continued:
        number = re.search(r"Table (\d+) \(continued\)", pages[i]).group(1)
        assert f"Table {number}." in "".join(pages[max(0, i - 3):i]), (i + 1, number)  # it started before


def test_small_caps_extract_as_words(shipped):
    text = "\n".join(shipped[2])
    assert "BORDER INCIDENT" in text and "CLAIMANT AND NOTE" in text and "B O R D E R" not in text


def test_curly_quotes_and_no_editor_notes_in_print(shipped):
    """The templates' text and the charts' own (their keys and notes) alike."""
    out, _, pages, dataset, _ = shipped
    text = "\n".join(pages)
    assert "'" not in re.sub(r"https?://\S+", "", text).replace("\u200b", "")
    assert '"' not in re.sub(r"https?://\S+", "", text)
    html = (out / "briefing.html").read_text(encoding="utf-8")
    for source in dataset.sources:
        note = getattr(source, "editor_note", None)
        if note:
            assert note not in html


def test_tables_with_column_widths_use_fixed_layout():
    """Automatic table layout measures every cell before it sets the widths the colgroup already gives
    (1.5 CPU s of the shipped briefing, issue #17): every table class with a colgroup is laid out fixed, but
    the phases table, whose count column needs automatic layout to fit its header."""
    import re

    css = (TEMPLATES / "briefing.css").read_text()
    fixed = re.search(r"\n([^{}\n]*)\{ table-layout: fixed; \}", css).group(1)
    fixed = {name.strip().lstrip(".") for name in fixed.split(",")}
    sources = "".join(p.read_text() for p in [TEMPLATES / "briefing.html.j2", *(TEMPLATES / "partials").glob("*.j2")])
    with_widths = {m.group(1).split()[0] for m in re.finditer(r'<table class="([^"]+)"', sources)
                   if "<colgroup>" in sources[m.end():m.end() + 300].split("</table>")[0].split("<tr")[0]}
    assert "phases" in with_widths and "phases" not in fixed
    assert with_widths - {"phases"} <= fixed, with_widths - fixed


def test_harfbuzz_subsets_fonts_like_weasyprint_and_draws_the_same_page():
    """pdf.subset_hook: without the system's libharfbuzz-subset, WeasyPrint 70 would subset with fontTools
    (slow on CJK). The HarfBuzz subset keeps the glyph ids and outlines of the glyphs asked for, drops
    the rest, and a page set with it looks exactly like one set through WeasyPrint's own fallback."""
    import contextlib
    import io

    import pypdfium2 as pdfium
    from fontTools.ttLib import TTFont

    from borderwar_report.core.fonts import font_face_css
    from borderwar_report.documents import pdf as pdfmod

    source = TEMPLATES / "fonts" / "NotoSansCJKjp-Regular.subset.ttf"
    original = TTFont(source)
    cmap = original.getBestCmap()
    order = original.getGlyphOrder()
    wanted = {order.index(cmap[ord(ch)]) for ch in "乾岔子島事件"}
    cut = TTFont(io.BytesIO(pdfmod.harfbuzz_subset(source.read_bytes(), 0, wanted, hinting=False,
                                                   notdef_outline=False)))
    assert len(cut.getGlyphOrder()) == max(wanted) + 1  # ids kept, nothing after the last one used
    assert len(cut.reader.file.getvalue()) < source.stat().st_size / 20
    for gid in wanted:
        kept, was = cut["glyf"][cut.getGlyphOrder()[gid]], original["glyf"][order[gid]]
        assert kept.numberOfContours == was.numberOfContours > 0
        assert list(kept.getCoordinates(cut["glyf"])[0]) == list(was.getCoordinates(original["glyf"])[0])
    unused = next(g for g in range(1, max(wanted)) if g not in wanted and original["glyf"][order[g]].numberOfContours)
    assert cut["glyf"][cut.getGlyphOrder()[unused]].numberOfContours == 0

    css = font_face_css(TEMPLATES / "fonts", (TEMPLATES / "fonts").resolve().as_uri() + "/")
    html = (f'<html lang="en"><style>{css} p {{ font-family: "Noto Serif", "Noto Sans CJK JP"; }}</style>'
            '<p>Kanchazu Island (乾岔子島事件), 1937 — “quoted”</p></html>')
    pages = []
    for hook in (pdfmod.subset_hook, contextlib.nullcontext):
        saved, pdfmod.subset_hook = pdfmod.subset_hook, hook
        try:
            pdf, _, _ = pdfmod.render_pdf(html, MINI, [TEMPLATES])
        finally:
            pdfmod.subset_hook = saved
        pages.append(pdfium.PdfDocument(pdf)[0].render(scale=2).to_pil().convert("L").tobytes())
    assert pages[0] == pages[1]


def test_a_work_not_identified_is_labelled_by_its_author_and_year():
    """Chart source lines and table cells name a work by short label; for a work known only from another's
    citation (a bracketed description as its title) that is its author and year, not the description."""
    from borderwar_report.records.shortcite import short_labels

    known = src(id="k", author=("Coox, Alvin D.",), title="Nomonhan", year="1985")
    unknown = src(id="u", author=("Ariunsaikhan",), title='[Work cited as "アリウンサイハン"]', year="2006")
    corporate = src(id="c", author=("Ministry of Defence",), title="Annual report", year="1990")
    labels = short_labels([known, unknown, corporate])
    assert labels == {"k": "Coox 1985", "u": "Ariunsaikhan 2006", "c": "Annual report"}


def test_svg_labels_are_set_as_one_run_where_weasyprint_set_them_letter_by_letter(tmp_path):
    """pdf.svg_text_hook: an SVG text node with one position is drawn as one run of text (kerned, as HTML text
    is), at the place and with the text WeasyPrint's letter-by-letter setting gives it, for every text-anchor;
    a node that places single letters (dx) is left to WeasyPrint."""
    import contextlib

    import pypdfium2 as pdfium

    from borderwar_report.documents import pdf as pdfmod

    labels = [("start", "Lake Khasan"), ("middle", "AVATAR Wolf"), ("end", "Tōkyō 東京")]
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="300pt" height="120pt" viewBox="0 0 300 120">'
           + "".join(f'<text x="150" y="{30 + 30 * i}" style="font-size: 14px; font-family: \'Noto Sans\', '
                     f'\'Noto Sans CJK JP\'; text-anchor: {anchor}">{label}</text>'
                     for i, (anchor, label) in enumerate(labels))
           + '<text x="10" y="115" dx="0 4" style="font-size: 10px; font-family: \'Noto Sans\'">spaced</text></svg>')
    (tmp_path / "chart.svg").write_text(svg, encoding="utf-8")
    fonts = ROOT / "templates" / "fonts"
    faces = "".join(f"@font-face {{ font-family: '{family}'; src: url('{fonts / file}'); }}"
                    for family, file in (("Noto Sans", "NotoSans-Regular.subset.ttf"),
                                         ("Noto Sans CJK JP", "NotoSansCJKjp-Regular.subset.ttf")))
    page_css = "@page { size: 120mm 60mm; margin: 5mm } body { margin: 0 }"
    html = f'<html lang="en"><head><style>{faces} {page_css}</style></head><body>' \
           '<img src="chart.svg" alt="Three labels" style="width: 100mm"></body></html>'
    anchor = (5 + 50) * 72 / 25.4  # x = 150 of a 300-wide view box, 100 mm wide, 5 mm from the page edge
    runs, spans = {}, {}
    for name, hook in (("letters", contextlib.nullcontext), ("runs", pdfmod.svg_text_hook)):
        real, pdfmod.svg_text_hook = pdfmod.svg_text_hook, hook
        try:
            data = pdfmod.render_pdf(html, tmp_path, [fonts])[0]
        finally:
            pdfmod.svg_text_hook = real
        page = pdfium.PdfDocument(data)[0]
        text = page.get_textpage()
        everything = text.get_text_range()
        runs[name] = sum(1 for o in page.get_objects() if o.type == pdfium.raw.FPDF_PAGEOBJ_TEXT)
        for anchor_kind, label in labels:
            assert label in everything
            first = everything.index(label)
            left, right = text.get_charbox(first)[0], text.get_charbox(first + len(label) - 1)[2]
            spans[name, label] = {"start": left, "middle": (left + right) / 2, "end": right}[anchor_kind]
        assert "spaced" in everything.replace(" ", "")
    # one text object per run, and one per font inside a run (the Japanese name is in a second face)
    assert runs["runs"] == len(labels) + 1 + len("spaced") < runs["letters"]
    for _, label in labels:  # anchored where WeasyPrint puts it (measured on the ink, hence the point and a half)
        assert abs(spans["runs", label] - spans["letters", label]) < 0.1, label
        assert abs(spans["runs", label] - anchor) < 1.5, label


def test_a_date_that_two_sources_give_is_printed_once_among_the_other_dates():
    """Two sources for one alternative date print it once ("also 24 January 1935"), not once per source."""
    from borderwar_report.documents.briefing import render_html

    dataset = load_dataset(DATA)
    doubled = [e for e in dataset.events
               if len({a.date for a in e.alternative_dates}) < len(e.alternative_dates)]
    assert doubled, "the shipped data has an event whose alternative date two sources give"
    text = " ".join(re.sub(r"<[^>]+>", " ", render_html(cx.build_context(dataset, {}), TEMPLATES,
                                                         TEMPLATES / "fonts")).split())
    listed = re.search(r"Dates that are approximate, uncertain, one of two, or disputed \(\d+\): (.*?)\. ", text)
    assert listed
    for alternatives in re.findall(r"; also ([^()]*)\)", listed.group(1)):
        dates = alternatives.split(", ")
        assert len(dates) == len(set(dates)), alternatives
