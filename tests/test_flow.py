"""Chapter-end decisions (documents/flow.py): the rules on given page measures, and the passes."""

from borderwar_report.documents import flow, reflow

HTML = ('<section class="summary chapter" id="a">A</section>'
        '<section class="phase chapter" id="b">B</section>'
        '<section class="sources chapter appendix" id="c">C</section>')


def test_chapter_ids_and_classes():
    assert flow.chapter_ids(HTML) == ["a", "b", "c"]
    out = flow.apply(HTML, {"b"})
    assert '<section class="phase chapter run-on" id="b">' in out
    assert '<section class="sources chapter appendix" id="c">' in out
    assert '<section class="summary chapter" id="a">' in out
    assert flow.apply(HTML, ()) == HTML


def test_a_run_on_chapter_heads_its_first_page_with_both_chapters():
    html = ('<section class="phase chapter" id="a"><h1>Casualty <i>comparison</i></h1>A</section>'
            '<section class="aftermath chapter" id="b"><p>x</p><h1 class="x">After &amp; more</h1>B</section>')
    out = flow.apply(html, {"b"})
    assert ('<h1 class="x" data-head="Casualty comparison · After &amp; more">After &amp; more'
            '<span class="head-mark" data-head="After &amp; more"></span></h1>B') in out
    plain = flow.apply(html, ())
    assert '<h1 class="x">After &amp; more<span class="head-mark" data-head="After &amp; more"></span></h1>' in plain
    assert "<h1>Casualty <i>comparison</i></h1>A" in plain  # the first chapter follows none
    assert out.count("data-head") == 2  # the chapter that opens a page keeps its plain head
    assert flow.running_heads(html) == {"b": ("After & more", "Casualty comparison · After & more")}


def test_a_chapter_without_a_heading_takes_none_from_the_next():
    html = ('<section class="chapter" id="a"><h1>A</h1></section><section class="chapter" id="b">B</section>'
            '<section class="chapter" id="c"><h1>C</h1></section>')
    out = flow.apply(html, {"b", "c"})
    assert out.count("<h1") == 2
    assert out.count("head-mark") == 1
    assert '<h1 data-head="A · C">C<span class="head-mark" data-head="C"></span></h1>' in out


def test_a_short_tail_lets_the_next_chapter_run_on():
    # a: pages 1-3 with 10 % on page 3; b: pages 4-5, 90 % full at its end; c: pages 6-7
    fills = [0.9, 0.9, 0.1, 0.9, 0.9, 0.9, 0.5]
    assert flow.decide(["a", "b", "c"], {"a": 1, "b": 4, "c": 6}, fills) == {"b"}


def test_a_one_page_chapter_may_end_anywhere():
    fills = [0.1, 0.9, 0.9]
    assert flow.decide(["a", "b", "c"], {"a": 1, "b": 2, "c": 3}, fills) == set()


def test_the_last_chapter_runs_on_itself_to_pull_back_a_short_tail():
    fills = [0.9, 0.9, 0.9, 0.2]  # nothing follows c to run on below its tail: c runs on below b
    assert flow.decide(["a", "b", "c"], {"a": 1, "b": 2, "c": 3}, fills) == {"c"}
    fills[1] = flow.SHORT_TAIL - 0.01  # b's one page: it may end anywhere
    assert flow.decide(["a", "b", "c"], {"a": 1, "b": 2, "c": 3}, fills) == {"c"}
    # pages that do not end the document (a part of it: chunks.py) leave their last chapter as it is
    assert flow.decide(["a", "b", "c"], {"a": 1, "b": 2, "c": 3}, fills, final=False) == set()
    fills[-1] = flow.SHORT_TAIL  # half full: nothing to pull back
    assert flow.decide(["a", "b", "c"], {"a": 1, "b": 2, "c": 3}, fills) == set()
    assert flow.decide(["a", "b", "c"], {"a": 1, "b": 2, "c": 4}, [0.9, 0.9, 0.9, 0.1]) == set()  # one page


def test_a_chapter_the_stylesheet_runs_on_below_the_last_one_takes_the_joined_head():
    # b starts on page 3, where a ends (phases flow on); c opens page 5 below nothing of b; d has no page
    spans = {"a": (1, 3), "b": (3, 4), "c": (5, 6)}
    assert reflow.sharing(spans, ["a", "b", "c", "d"]) == {"b"}
    fills = [0.9] * 6
    assert flow.decide(["a", "b", "c"], {"a": 1, "b": 3, "c": 5}, fills, (), {"b"}) == {"b"}
    assert flow.decide(["a", "b", "c"], {"a": 1, "b": 3, "c": 5}, fills, (), {"x"}) == set()


def test_decisions_only_grow_and_kept_ones_stay():
    fills = [0.9, 0.1, 0.9, 0.9]
    assert flow.decide(["a", "b", "c"], {"a": 1, "b": 2, "c": 4}, fills, {"b"}) == {"b"}


def test_lay_out_repeats_until_settled_and_reuses_saved_decisions(tmp_path):
    seen = []

    def render(html):
        seen.append(html)
        if "run-on" in html:  # b now starts on page 3 below a's tail; c, the last, ends half full
            return "second", {"a": 1, "b": 3, "c": 4}, [0.9, 0.9, 0.95, 0.9, 0.6]
        return "first", {"a": 1, "b": 4, "c": 5}, [0.9, 0.9, 0.1, 0.9, 0.3]  # c: one page

    result, run_on, passes = flow.lay_out(HTML, None, render)
    assert (result, run_on, passes) == ("second", {"b"}, 2)
    assert 'class="phase chapter run-on"' in seen[-1]
    path = tmp_path / flow.FLOW_FILE
    path.write_bytes(flow.decisions_json(HTML, run_on))
    assert flow.read_decisions(path, HTML) == {"b"}
    assert flow.read_decisions(path, HTML + " ") is None  # made for other HTML
    seen.clear()
    assert flow.lay_out(HTML, flow.read_decisions(path, HTML), render)[2] == 1
    assert len(seen) == 1
    path.write_text("{not json")
    assert flow.read_decisions(path, HTML) is None


def _flow_html(tail_lines: int, extra_css: str = "") -> str:
    """Three chapters on A6 (25 lines a page) with a contents list and a cross-reference by target-counter;
    chapter a runs ``tail_lines`` lines onto its third page."""
    def para(chapter, n):
        return "".join(f"<p>{chapter.upper()}{i} is a line of text to fill the chapter.</p>" for i in range(n))

    css = ("@page { size: A6; margin: 34.5pt 10mm; @bottom-center { content: counter(page) ' of ' counter(pages); } }"
           "body { font: 10pt/14pt sans-serif; } p { margin: 0; } .chapter { break-before: page; }"
           ".chapter.run-on { break-before: auto; margin-top: 8mm; }"
           "nav a::after, a.xref::after { content: ', page ' target-counter(attr(href), page); }" + extra_css)
    return (f'<html lang="en"><head><style>{css}</style></head><body>'
            '<nav class="contents chapter" id="toc"><a href="#a">A</a> <a href="#b">B</a> <a href="#c">C</a></nav>'
            f'<section class="x chapter" id="a">{para("a", 2 * 25 + tail_lines)}</section>'
            f'<section class="y chapter" id="b"><a class="xref" href="#c">see C</a>{para("b", 40)}</section>'
            f'<section class="z chapter" id="c">{para("c", 20)}</section></body></html>')


def _lay_out(html: str, tmp_path, inline: bool):
    from borderwar_report.documents.pdf import render_pdf

    def render(page_html):
        anchors, fills, taken = {}, [], set()
        pdf = render_pdf(page_html, tmp_path, [], anchor_pages=anchors, page_fills=fills,
                         run_on=taken if inline else None)[0]
        return pdf, anchors, fills, taken

    return flow.lay_out(html, None, render)


def test_a_run_on_inside_the_layout_is_the_document_laid_out_again(tmp_path):
    """reflow.py applies the run-on in the same WeasyPrint layout: one layout, and the PDF byte for byte
    what laying out the HTML with the class gives (page numbers in the contents, cross-reference, footer)."""
    html = _flow_html(tail_lines=2)
    old = _lay_out(html, tmp_path, inline=False)
    new = _lay_out(html, tmp_path, inline=True)
    assert old[1] == new[1] == {"b"}
    assert (old[2], new[2]) == (2, 1)  # layouts
    assert new[0] == old[0]
    _check_page_numbers(new[0])


def _check_page_numbers(pdf: bytes) -> None:
    import io
    import re

    import pypdf

    text = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    first = {c: next(i for i, t in enumerate(text, 1) if f"{c.upper()}0 is a line" in t) for c in "abc"}
    contents = dict(re.findall(r"([ABC]), page (\d+)", text[0]))
    assert contents == {c.upper(): str(n) for c, n in first.items()}, (contents, first)
    assert f"see C, page {first['c']}" in text[first["b"] - 1]
    assert all(t.rstrip().endswith(f"{n} of {len(text)}") for n, t in enumerate(text, 1))


def test_a_run_on_inside_the_layout_joins_the_running_heads_as_a_second_layout_would(tmp_path):
    """With headings and a running head from them: one layout, the shared page headed "X · Y", the pages
    after it "Y", and the PDF byte for byte the HTML with the class and the joined head laid out afresh."""
    import io

    import pypdf

    css = ("h1 { font-size: 10pt; margin: 0; string-set: head content(text); }"
           "h1[data-head] { string-set: head attr(data-head); } .head-mark { string-set: head attr(data-head); }"
           "@page { @top-center { content: string(head, first); } }")
    html = _flow_html(tail_lines=2, extra_css=css)
    for chapter, title in (("a", "X"), ("b", "Y"), ("c", "Z")):
        html = html.replace(f'id="{chapter}">', f'id="{chapter}"><h1>{title}</h1>', 1)
    old = _lay_out(html, tmp_path, inline=False)
    new = _lay_out(html, tmp_path, inline=True)
    assert old[1] == new[1] == {"b"}
    assert (old[2], new[2]) == (2, 1)
    assert new[0] == old[0]
    text = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(new[0])).pages]
    shared = next(i for i, t in enumerate(text) if "B0 is a line" in t)
    lines = [t.splitlines() for t in text]
    assert "X · Y" in lines[shared]
    assert "Y" in lines[shared + 1]
    assert "X · Y" not in lines[shared + 1]
    assert "X" in lines[shared - 1]


def test_page_references_are_filled_in_inside_the_layout(tmp_path):
    """Forward references (the contents, "see C") print their targets' pages after one layout, with or
    without a run-on, also where the page total does not change between WeasyPrint's passes."""
    for tail in (2, 16):
        result, run_on, passes = _lay_out(_flow_html(tail_lines=tail), tmp_path, inline=True)
        assert passes == 1
        assert run_on == ({"b"} if tail == 2 else set())  # 16 of 25 lines: no short tail
        _check_page_numbers(result)


def test_a_run_on_class_that_styles_more_than_its_chapter_is_laid_out_again(tmp_path):
    for css in (".run-on p { color: red; }", ".chapter.run-on { color: red; }",
                ".chapter.run-on::before { content: '*'; }"):
        html = _flow_html(tail_lines=2, extra_css=css)
        old = _lay_out(html, tmp_path, inline=False)
        new = _lay_out(html, tmp_path, inline=True)
        assert new[1] == {"b"}, css
        assert new[2] == 2, css  # not taken inline: laid out again with the class
        assert new[0] == old[0], css


def test_run_on_selectors_on_the_subject_only():
    from borderwar_report.documents.reflow import subject_only

    style = "<style>{}</style>"
    assert subject_only(style.format(".chapter.run-on { margin: 0 }  section.run-on:first-child, p {}"))
    assert not subject_only(style.format(".run-on p { color: red }"))
    assert not subject_only(style.format(".run-on > p {}"))
    assert not subject_only(style.format("div:has(.run-on) {}"))
    assert not subject_only(style.format(".run-on-x {}"))
    assert subject_only(style.format("/* .run-on p */ p {}"))


def test_a_run_on_is_decided_on_the_first_pass_with_the_page_references(tmp_path, monkeypatch):
    """The run-on is decided as soon as the page after the short tail is made, and the pass starts again
    from the tail (the pages above it kept), with the page references settling in the next pass: 10 page
    layouts here (13 when decided at the end of the first pass, 14 after the references settle), and the
    page numbers as before."""
    import weasyprint.layout.page as wpage

    made = []
    remake = wpage.remake_page
    monkeypatch.setattr(wpage, "remake_page", lambda index, *a: made.append(index) or remake(index, *a))
    result, run_on, passes = _lay_out(_flow_html(tail_lines=2), tmp_path, inline=True)
    assert (run_on, passes) == ({"b"}, 1)
    # b opens page 4 below page 3's short tail: the pass starts again at 3; the contents (page 0) is remade
    # for the new page numbers once, in the next pass
    assert made == [0, 1, 2, 3, 4, 3, 4, 5, 0, 3], made
    _check_page_numbers(result)


def test_a_chapter_that_already_flows_takes_the_run_on_class_without_a_page_laid_out_again(tmp_path, monkeypatch):
    """A chapter a more specific rule already runs on (the phases of a narrative) shares the page where the one
    before it ends: it takes the run-on class and the joined running head, but the class changes nothing its
    box lays out by, so no page is made a second time for it (in the shipped briefing: 4 page layouts less)."""
    import io

    import pypdf
    import weasyprint.layout.page as wpage

    css = (".x.chapter + .y.chapter { break-before: auto; margin-top: 8mm; }"
           "h1 { font-size: 10pt; margin: 0; string-set: head content(text); }"
           "h1[data-head] { string-set: head attr(data-head); } .head-mark { string-set: head attr(data-head); }"
           "@page { @top-center { content: string(head, first); } }")
    html = _flow_html(tail_lines=5, extra_css=css)
    for chapter, title in (("a", "X"), ("b", "Y"), ("c", "Z")):
        html = html.replace(f'id="{chapter}">', f'id="{chapter}"><h1>{title}</h1>', 1)
    made = []
    remake = wpage.remake_page
    monkeypatch.setattr(wpage, "remake_page", lambda index, *a: made.append(index) or remake(index, *a))
    result, run_on, passes = _lay_out(html, tmp_path, inline=True)
    assert (run_on, passes) == ({"b"}, 1)
    # the second pass remakes the pages whose page references moved (the contents; the page after the
    # shared one), not the shared page's predecessor for the class (before: [0, 1, 2, 3, 4, 5, 0, 2, 3])
    assert made == [0, 1, 2, 3, 4, 5, 0, 3], made
    text = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(result)).pages]
    shared = next(i for i, t in enumerate(text) if "B0 is a line" in t)
    assert "A54 is a line" in text[shared]  # b starts on the page where a ends
    assert "X · Y" in text[shared].splitlines()
    from borderwar_report.documents.pdf import render_pdf

    monkeypatch.setattr(wpage, "remake_page", remake)  # the HTML with the class from the start, laid out afresh
    assert result == render_pdf(flow.apply(html, {"b"}), tmp_path, [], anchor_pages={}, page_fills=[])[0]


def _footnote_html(note_line: int, page_text: str) -> str:
    """60 lines on A6 (three pages); a long footnote on line ``note_line`` that is carried to the next page,
    and references on the first and third pages only, as ``page_text`` prints them."""
    css = ("@page { size: A6; margin: 15mm 10mm; @bottom-center { content: counter(page); } }"
           "body { font: 10pt/14pt sans-serif; } p { margin: 0; } .fn { float: footnote; font-size: 9pt; }"
           f"a.x::after {{ content: ', page ' {page_text}; }}")
    lines = []
    for i in range(60):
        text = f"Line {i} of filler text here."
        if i == note_line:
            text += f'<span class="fn">Note on line {i}. ' + "A long note that goes on. " * 8 + "</span>"
        if i in (2, 52):
            text += ' <a class="x" href="#end">see</a>'
        lines.append(f"<p>{text}</p>")
    return f'<html lang="en"><head><style>{css}</style></head><body>{"".join(lines)}<p id="end">End.</p></body></html>'


def test_a_footnote_carried_over_is_printed_once_when_pages_are_laid_out_again(tmp_path):
    """pdf.footnote_carry_hook: WeasyPrint 70 remakes the pages whose forward reference it learns late (the
    first and the third here) and keeps the second; the note carried from the first page to the second was
    printed again on the third. Now it is printed once, and the PDF is the one the same HTML with the page
    number written in gives (one layout, nothing remade)."""
    import io

    import pypdf

    from borderwar_report.documents.pdf import render_pdf

    for line in (5, 14, 20):
        laid_out_again = render_pdf(_footnote_html(line, "target-counter(attr(href), page)"), tmp_path, [])[0]
        pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(laid_out_again)).pages]
        assert sum(f"Note on line {line}." in text for text in pages) == 1, line
        last = next(i for i, text in enumerate(pages, 1) if "End." in text)
        assert render_pdf(_footnote_html(line, f"'{last}'"), tmp_path, [])[0] == laid_out_again
