"""The briefing laid out in parallel parts (documents/chunks.py, chunkrender.py, pdfmerge.py): the merged file
must be the document one render gives: same pages and text, page numbers, footnote numbers, running heads,
bookmarks, links and their destinations, one tag tree, one copy of each font."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pikepdf
import pypdf
import pytest

from borderwar_report.documents import chunks

CSS = """
@page { size: A6; margin: 14mm 10mm;
  @top-left { content: string(title) " · " string(section, first); font-size: 7pt; }
  @bottom-right { content: "page " counter(page) " of " counter(pages); font-size: 7pt; } }
@page cover { margin: 0; @top-left { content: none; } @bottom-right { content: none; } }
.cover { page: cover; } .cover h1 { string-set: title content(text); }
body { font: 9pt/1.3 serif; }
.chapter { break-before: page; }
section.phase + section.phase { break-before: auto; }
h1 { string-set: section content(text); bookmark-level: 1; font-size: 12pt; }
h1[data-head] { string-set: section attr(data-head); }
.head-mark { string-set: section attr(data-head); }
h2 { bookmark-level: 2; font-size: 10pt; }
.fn { float: footnote; }
.contents a { display: block; }
.contents a::after { content: leader(".") target-counter(attr(href), page); }
a.xref::after { content: ", page " target-counter(attr(href), page); }
a.pageref::after { content: target-counter(attr(href), page); }
table.index { table-layout: fixed; width: 100%; } td.num { text-align: right; }
"""


def sample_html(chapters: int = 7, paragraphs: int = 7, xrefs: bool = True) -> str:
    words = ["border", "river", "treaty", "garrison", "patrol", "island", "hill", "lake", "frontier", "survey",
             "commission", "envoy", "report", "casualty", "reinforcement", "armistice"]
    body = ['<section class="cover" id="cover"><h1>Sample Conflicts</h1></section>',
            '<section class="contents chapter" id="contents"><h1>Contents</h1>']
    body += [f'<a href="#ch{i}">Chapter {i}</a>' for i in range(chapters)]
    body.append("</section>")
    note = 0
    for i in range(chapters):
        kind = "phase chapter" if i in (2, 3) else "chapter"
        body.append(f'<section class="{kind}" id="ch{i}"><h1>Chapter {i}</h1>')
        for j in range(paragraphs + (i % 3) * 2):
            text = " ".join(words[(i * 7 + j * 3 + k) % len(words)] for k in range(60 + 13 * ((i + j) % 4)))
            note += 1
            ref = f' (see <a class="xref" href="#ch{(i + 3) % chapters}">chapter {(i + 3) % chapters}</a>)' \
                if j == 1 and xrefs else ""
            body.append(f'<h2 id="s{i}-{j}">Section {i}.{j}</h2>' if j % 3 == 0 else "")
            body.append(f"<p>{text}{ref}<span class=\"fn\">Note {note} on chapter {i}.</span></p>")
        body.append("</section>")
    # An index at the end: a fixed-layout table whose last column gives each chapter's page.
    body.append('<section class="chapter" id="index"><h1>Index</h1><table class="index"><thead><tr><th>Chapter</th>'
                '<th class="num">Page</th></tr></thead><tbody>')
    body += [f'<tr><td>Chapter {i}</td><td class="num"><a class="pageref" href="#ch{i}"></a></td></tr>'
             for i in range(chapters)]
    body.append("</tbody></table></section>")
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sample</title>'
            f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>")


def test_plan_cuts_at_chapters_that_open_a_page():
    html = sample_html()
    forced = {"contents", "ch0", "ch1", "ch2", "ch4", "ch5", "ch6"}  # ch3 runs on after ch2 (a phase)
    parts = chunks.plan(html, 2, forced=forced)
    assert parts is not None
    assert len(parts) == 3
    assert parts[0].first_chapter is None
    assert all(p.first_chapter in forced for p in parts[1:])
    # Every footnote is in one part; each part starts numbering where the one before ended.
    total = len(re.findall(r'class="fn"', html))
    assert sum(p.footnotes for p in parts) == total
    assert [p.footnotes_before for p in parts] == [0, parts[0].footnotes, parts[0].footnotes + parts[1].footnotes]
    for part in parts[1:]:
        assert f"counter-reset: footnote {part.footnotes_before}" in part.html
    # The contents links to every chapter: the first part holds stand-ins for those in other parts.
    own = set(re.findall(r'<section class="[^"]*" id="(ch\d)"', parts[0].html))
    assert set(parts[0].foreign) == {f"ch{i}" for i in range(7)} - own
    assert all(f'<span id="{c}"></span>' in parts[0].html for c in parts[0].foreign)
    # A later part starts after hidden, id-less copies of the sections before it (for sibling selectors).
    assert '<section class="phase chapter" style="display: none"></section>' in parts[2].html
    for part in parts:
        assert part.html.count('id="cover"') == (1 if part.index == 0 else 0)
    # The runs of chapters, put back together, are the document's.
    runs = [re.findall(r'<section class="[^"]*" id="([^"]+)"', p.html) for p in parts]
    assert [c for run in runs for c in run] == ["cover", "contents", *(f"ch{i}" for i in range(7)), "index"]


def test_plan_declines_what_a_part_cannot_reproduce():
    html = sample_html()
    assert chunks.plan(html, 1) is None  # one core: nothing to gain
    assert chunks.plan(html.replace("@page cover", "@page :first"), 2) is None
    assert chunks.plan(html.replace(".chapter {", ".chapter { counter-reset: figure;"), 2) is None
    assert chunks.plan(html, 2, forced=set()) is None  # no chapter opens a page: no place to cut


def test_the_forecast_of_page_breaks_follows_the_cascade():
    html = sample_html()
    forced = chunks.forced_breaks(html, [f"ch{i}" for i in range(7)] + ["contents"])
    assert forced == {"contents", "ch0", "ch1", "ch2", "ch4", "ch5", "ch6"}


def test_cuts_make_the_largest_part_as_small_as_it_can_be():
    assert chunks._cuts([10, 50, 10, 10, 10], 3) in ([1, 2], [1, 3])
    assert max(sum(w) for w in _runs([10, 50, 10, 10, 10], chunks._cuts([10, 50, 10, 10, 10], 3))) == 50
    assert chunks._cuts([5, 5, 5, 5], 2) == [2]
    assert chunks._cuts([7], 3) == []


def _runs(weights, cuts):
    edges = [0, *cuts, len(weights)]
    return [weights[a:b] for a, b in zip(edges, edges[1:], strict=False)]


def test_guessed_page_numbers_take_the_last_build_first():
    html = sample_html()
    guessed = chunks.guess_pages(html, {"ch1": 42})
    assert guessed["ch1"] == 42
    assert set(guessed) == {f"ch{i}" for i in range(7)}
    assert guessed["ch6"] >= guessed["ch0"] >= 1


# --- The merged file against one render --------------------------------------------------------------------


def _render_both(tmp_path: Path, html: str, previous_pages=None):
    from borderwar_report.documents import chunkrender, flow
    from borderwar_report.documents.pdf import render_pdf

    anchors: dict[str, int] = {}
    decided: set[str] = set()
    one, _, _ = render_pdf(flow.apply(html, ()), tmp_path, [], label="one piece", anchor_pages=anchors,
                           run_on=decided)
    # As a rebuild does: the chapter-end decisions of one render are known (the parts are not cut there).
    parts = chunkrender.render(flow.apply(html, decided), tmp_path, [], processes=2, previous_pages=previous_pages)
    assert parts is not None, "the sample document should be rendered in parts"
    return one, parts, anchors


def _outline(reader: pypdf.PdfReader) -> list[tuple[int, str, int]]:
    out: list[tuple[int, str, int]] = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return out


def _dests(reader: pypdf.PdfReader) -> dict[str, int]:
    return {name: reader.get_destination_page_number(dest) for name, dest in reader.named_destinations.items()}


def _links(reader: pypdf.PdfReader) -> list[list[tuple]]:
    pages = []
    for page in reader.pages:
        found = []
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/Link":
                found.append((tuple(round(float(x), 1) for x in annot["/Rect"]), str(annot.get("/Dest"))))
        pages.append(sorted(found))
    return pages


@pytest.mark.slow
def test_parts_give_the_document_one_render_gives(tmp_path):
    html = sample_html()
    one, parts, anchors = _render_both(tmp_path, html)
    a, b = pypdf.PdfReader(io.BytesIO(one)), pypdf.PdfReader(io.BytesIO(parts["pdf"]))
    assert parts["parts"] >= 2
    assert len(a.pages) == len(b.pages) == parts["pages"] > 8
    texts_a = [p.extract_text() for p in a.pages]
    texts_b = [p.extract_text() for p in b.pages]
    for number, (x, y) in enumerate(zip(texts_a, texts_b, strict=True), 1):
        assert x == y, f"page {number} differs"
    total = len(a.pages)
    for number, text in enumerate(texts_b[1:], 2):  # the cover has no footer
        assert f"page {number} of {total}" in text
    # Running heads carry the cover's title into every part.
    assert all("Sample Conflicts · " in text for text in texts_b[1:])
    # Footnotes are numbered on from part to part: every note, once, in order.
    notes = [int(n) for text in texts_b for n in re.findall(r"Note (\d+) on", text)]
    assert notes == list(range(1, len(re.findall(r'class="fn"', html)) + 1))
    assert _outline(a) == _outline(b)
    assert _dests(a) == _dests(b)
    assert {k: v + 1 for k, v in _dests(b).items()} == {k: v for k, v in anchors.items() if k in _dests(b)}
    assert _links(a) == _links(b)
    assert parts["anchors"] == anchors


def _compare(one: bytes, parts: bytes) -> None:
    a, b = pypdf.PdfReader(io.BytesIO(one)), pypdf.PdfReader(io.BytesIO(parts))
    assert [p.extract_text() for p in a.pages] == [p.extract_text() for p in b.pages]
    assert _links(a) == _links(b)
    assert _outline(a) == _outline(b)


@pytest.mark.slow
def test_a_guessed_page_number_of_other_digits_is_set_in_place_where_that_is_exact(tmp_path):
    """Every guess has three digits where the real number has one or two. In the contents (after a leader)
    and in a fixed-layout table's aligned cell the real number is set in place: the leader gives up or takes
    the room, the cell's text moves by its alignment; that is what a layout would do, so no part is laid out
    again. In running text the width could move a line break: that part is laid out again."""
    from borderwar_report.documents.chunks import guess_pages

    html = sample_html(xrefs=False)
    wrong = {t: 100 + n for t, n in guess_pages(html, {}).items()}
    one, parts, _ = _render_both(tmp_path, html, previous_pages=wrong)
    _compare(one, parts["pdf"])
    assert parts["relaid"] == 0
    html = sample_html(xrefs=True)
    one, parts, _ = _render_both(tmp_path, html, previous_pages=wrong)
    _compare(one, parts["pdf"])
    assert parts["relaid"] >= 1


@pytest.mark.slow
def test_the_merged_file_has_one_tag_tree_and_one_copy_of_each_font(tmp_path):
    _one, parts, _ = _render_both(tmp_path, sample_html())
    pdf = pikepdf.open(io.BytesIO(parts["pdf"]))
    root = pdf.Root.StructTreeRoot
    assert len(root.K) == 1
    assert root.K[0].S == "/Document"
    document = root.K[0]
    assert all(kid.P.objgen == document.objgen for kid in document.K if "/S" in kid)
    nums = root.ParentTree.Nums
    keys = [int(nums[i]) for i in range(0, len(nums), 2)]
    assert keys == sorted(set(keys))
    for index, page in enumerate(pdf.pages):
        assert int(page.obj.StructParents) == index
        assert index in keys
        for annot in page.obj.get("/Annots", []):
            if "/StructParent" in annot:
                entry = nums[2 * keys.index(int(annot.StructParent)) + 1]
                assert entry.S == "/Link"
    assert int(root.ParentTreeNextKey) == max(keys) + 1
    files = {}
    for page in pdf.pages:
        for name, font in page.obj.Resources.Font.items():
            descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            stream = descendant.FontDescriptor.get("/FontFile2") or descendant.FontDescriptor.get("/FontFile3")
            files.setdefault(name, set()).add(stream.objgen)
    assert files
    assert all(len(copies) == 1 for copies in files.values())
    # And the file is well formed.
    assert not pdf.check_pdf_syntax()


@pytest.mark.slow
def test_a_cut_the_layout_does_not_keep_falls_back_to_one_piece(tmp_path):
    """A part must start where one render starts a new page. Told (wrongly) that chapter 3, which the
    stylesheet runs on below chapter 2, opens a page, the parts find out after their layout: render says so
    (None), and the briefing is rendered in one piece."""
    from borderwar_report.documents import chunkrender, flow

    html = flow.apply(sample_html(), ())
    assert [p.first_chapter for p in chunks.plan(html, 2, forced={"ch3"})] == [None, "ch3"]
    messages: list[str] = []
    assert chunkrender.render(html, tmp_path, [], processes=2, log=messages.append, forced={"ch3"}) is None
    assert messages == ["briefing: rendering in one piece (a part does not start on a new page)"]


@pytest.mark.slow
def test_a_part_that_starts_below_another_parts_heading_nests_in_the_outline(tmp_path):
    """Chapters 4–6 have no heading of their own level: their sections' bookmarks belong under chapter 3's
    heading in one render, even when a part starts with one of them."""
    from borderwar_report.documents import flow

    html = sample_html(xrefs=False)
    for i in (4, 5, 6):
        html = html.replace(f"<h1>Chapter {i}</h1>", "")
    cut_at = [p.first_chapter for p in chunks.plan(flow.apply(html, ()), 2) or []]
    assert set(cut_at) & {"ch4", "ch5", "ch6"}, cut_at
    one, parts, _ = _render_both(tmp_path, html)
    a, b = pypdf.PdfReader(io.BytesIO(one)), pypdf.PdfReader(io.BytesIO(parts["pdf"]))
    assert any(depth == 1 and title.startswith("Section 5") for depth, title, _ in _outline(a))
    assert _outline(a) == _outline(b)


def test_the_early_render_process_gives_what_rendering_here_gives(tmp_path):
    """early_render.py: the process forked as the briefing step begins runs chunkrender.render on the HTML it
    is sent, and its result (the merged PDF, the page map, what it logged) is the one rendering here gives."""
    from borderwar_report.documents import chunkrender, early_render, flow

    html = flow.apply(sample_html(), ())
    here_said: list[str] = []
    here = chunkrender.render(html, tmp_path, [], processes=2, log=here_said.append)
    early = early_render.EarlyRenderer()
    try:
        there_said: list[str] = []
        there = early.render(html, tmp_path, [], processes=2, log=there_said.append)
    finally:
        early.close()
    assert there is not None
    assert here is not None
    assert there["pdf"] == here["pdf"]
    assert {k: v for k, v in there.items() if k != "pdf"} == {k: v for k, v in here.items() if k != "pdf"}
    assert there_said == here_said
    # cut wrongly (see above): the early process says so as rendering here does, and the step renders in one piece
    early = early_render.EarlyRenderer()
    try:
        said: list[str] = []
        assert early.render(html, tmp_path, [], processes=2, log=said.append, forced={"ch3"}) is None
    finally:
        early.close()
    assert said == ["briefing: rendering in one piece (a part does not start on a new page)"]


def test_an_early_render_process_that_fails_or_is_not_needed_ends(tmp_path):
    """A failure in the early process reaches the step as a RuntimeError naming it (the step then renders in
    one piece), and a process the step never sends work (the PDF kept from the last build) ends when closed."""
    import time

    from borderwar_report.documents import early_render

    early = early_render.EarlyRenderer()
    try:
        with pytest.raises(RuntimeError, match="unexpected keyword"):
            early.render("<html></html>", tmp_path, [], no_such_option=1)
    finally:
        early.close()
    assert not early._proc.is_alive()
    idle = early_render.EarlyRenderer()
    started = time.monotonic()
    idle.close()
    assert not idle._proc.is_alive()
    assert time.monotonic() - started < 5
    assert early_render.start(1) is None  # one core for the briefing: rendered in one piece, nothing to fork
