"""Chapter-end decisions (documents/flow.py): the rules on given page measures, and the passes."""

from borderwar_report.documents import flow

HTML = ('<section class="summary chapter" id="a">A</section>'
        '<section class="phase chapter" id="b">B</section>'
        '<section class="sources chapter appendix" id="c">C</section>')


def test_chapter_ids_and_classes():
    assert flow.chapter_ids(HTML) == ["a", "b", "c"]
    out = flow.apply(HTML, {"b"}, {"c"})
    assert '<section class="phase chapter run-on" id="b">' in out
    assert '<section class="sources chapter appendix tight" id="c">' in out
    assert '<section class="summary chapter" id="a">' in out
    assert flow.apply(HTML, (), ()) == HTML


def test_a_run_on_chapter_heads_its_first_page_with_both_chapters():
    html = ('<section class="phase chapter" id="a"><h1>Casualty <i>comparison</i></h1>A</section>'
            '<section class="aftermath chapter" id="b"><p>x</p><h1 class="x">After &amp; more</h1>B</section>')
    out = flow.apply(html, {"b"}, ())
    assert ('<h1 class="x" data-head="Casualty comparison · After &amp; more">After &amp; more</h1>'
            '<div class="head-mark" data-head="After &amp; more"></div>B') in out
    assert "data-head" not in flow.apply(html, (), ())
    assert out.count("data-head") == 2  # the chapter that opens a page keeps its plain head


def test_a_short_tail_lets_the_next_chapter_run_on():
    # a: pages 1-3 with 10 % on page 3; b: pages 4-5, 90 % full at its end; c: pages 6-7
    fills = [0.9, 0.9, 0.1, 0.9, 0.9, 0.9, 0.5]
    assert flow.decide(["a", "b", "c"], {"a": 1, "b": 4, "c": 6}, fills) == ({"b"}, set())


def test_a_one_page_chapter_may_end_anywhere():
    fills = [0.1, 0.9, 0.9]
    assert flow.decide(["a", "b", "c"], {"a": 1, "b": 2, "c": 3}, fills) == (set(), set())


def test_the_last_chapter_with_a_short_tail_is_set_tight():
    fills = [0.9, 0.9, 0.9, 0.2]
    assert flow.decide(["a", "b", "c"], {"a": 1, "b": 2, "c": 3}, fills) == (set(), {"c"})
    fills[-1] = flow.SHORT_TAIL
    assert flow.decide(["a", "b", "c"], {"a": 1, "b": 2, "c": 3}, fills) == (set(), set())


def test_decisions_only_grow_and_kept_ones_stay():
    fills = [0.9, 0.1, 0.9, 0.9]
    assert flow.decide(["a", "b", "c"], {"a": 1, "b": 2, "c": 4}, fills, {"b"}, set()) == ({"b"}, set())


def test_lay_out_repeats_until_settled_and_reuses_saved_decisions(tmp_path):
    seen = []

    def render(html):
        seen.append(html)
        if "run-on" in html:  # b now starts on page 3 below a's tail; c's tail is short
            return "second", {"a": 1, "b": 3, "c": 4}, [0.9, 0.9, 0.95, 0.9, 0.1]
        return "first", {"a": 1, "b": 4, "c": 5}, [0.9, 0.9, 0.1, 0.9, 0.3]  # c: one page

    result, run_on, tight, passes = flow.lay_out(HTML, None, render)
    assert (result, run_on, tight, passes) == ("second", {"b"}, {"c"}, 3)
    assert 'class="sources chapter appendix tight"' in seen[-1]
    path = tmp_path / flow.FLOW_FILE
    path.write_bytes(flow.decisions_json(HTML, run_on, tight))
    assert flow.read_decisions(path, HTML) == ({"b"}, {"c"})
    assert flow.read_decisions(path, HTML + " ") is None  # made for other HTML
    seen.clear()
    assert flow.lay_out(HTML, flow.read_decisions(path, HTML), render)[3] == 1
    assert len(seen) == 1
    path.write_text("{not json")
    assert flow.read_decisions(path, HTML) is None
