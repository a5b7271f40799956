"""The budgets that keep large data sets bounded in print (issue #17): the chronology, the claims of one
figure and the poster's index. Each rule is checked on small generated data with a small budget passed in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks.generate import write_dataset
from borderwar_report.charts.layout import significance
from borderwar_report.documents import context as cx
from borderwar_report.documents.briefing import render_html
from borderwar_report.records.claims import highest_dead
from borderwar_report.records.model import Claim, ClaimSource
from borderwar_report.records.validate import load_dataset

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"


def plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """60 generated events; the first has 40 claims of the Red side's killed, from three claimants."""
    return load_dataset(write_dataset(60, tmp_path_factory.mktemp("budgets") / "data", claims_on_first=40))


# --- claims of one figure ----------------------------------------------------------------------------

SRC = (ClaimSource("s"),)


def test_claim_budget_keeps_both_ends_each_claimant_and_the_records_order():
    claims = [Claim(v, v, who, SRC) for v, who in
              [(50, "a"), (10, "a"), (60, "a"), (30, "b"), (90, "a"), (20, "c"), (40, "a"), (70, "b")]]
    shown, rest = cx.select_claims(claims, budget=4)
    assert len(shown) == 4
    assert len(rest) == 4
    assert sorted(shown + rest, key=claims.index) == claims  # nothing lost, nothing doubled
    values = [c.low for c in shown]
    assert 10 in values
    assert 90 in values
    assert {c.claimant for c in shown} == {"a", "b", "c"}  # every claimant has a printed claim
    assert shown == tuple(sorted(shown, key=claims.index))
    assert rest == tuple(sorted(rest, key=claims.index))
    assert cx.select_claims(claims, budget=8) == (tuple(claims), ())


def test_claim_budget_never_takes_a_partial_count_for_an_end():
    claims = [Claim(5, 5, "a", SRC), Claim(1000, 1000, "b", SRC, scope="one night"), Claim(7, 7, "a", SRC),
              Claim(6, 6, "a", SRC)]
    shown, _ = cx.select_claims(claims, budget=2)
    assert [c.low for c in shown] == [5, 7]  # the ends among whole-event claims; the partial one is counted


def test_claims_over_the_budget_are_counted_under_the_table(generated):
    view = cx.build_context(generated, {}, claim_budget=4)
    first = next(v for v in view.events if v.id == "event-00000")
    group = next(g for s in first.sides for g in s.losses if s.id == "red" and g.category == "killed")
    total = len(next(s for s in first.event.sides if s.side == "red").losses["killed"])
    assert total == 40
    assert len(group.rows) == 4
    assert group.more == 36
    assert group.claimants == 3
    assert view.claims_omitted == 36
    # the method lists still read every claim: the same as with no budget at all
    full = cx.build_context(generated, {}, claim_budget=1000)
    assert full.claims_omitted == 0
    assert [(v.id, found) for v, found in view.contested] == [(v.id, found) for v, found in full.contested]
    assert view.unconfirmed.total == full.unconfirmed.total
    text = plain(render_html(view, TEMPLATES, TEMPLATES / "fonts"))
    assert "… and 36 further claims of this figure by 3 claimants, not printed: a table prints at most 4 " \
           "claims of one figure" in text
    assert "In this briefing 36 claims are not printed by this rule." in text
    assert "at most 4 claims of one figure" in text
    assert "not printed by this rule" not in plain(render_html(full, TEMPLATES, TEMPLATES / "fonts"))


# --- the chronology ----------------------------------------------------------------------------------

def test_chronology_budget_keeps_profiles_then_the_most_significant(generated):
    events = list(generated.events)
    profiled = cx.select_profiles(events, budget=5)
    chosen = cx.select_chronology(events, profiled, budget=12)
    assert len(chosen) == 12
    assert profiled <= chosen

    def sig(e):
        top = highest_dead(e)
        return significance(e.kind, top.value, top.contested)

    floor = min(sig(e) for e in events if e.id in chosen - profiled)
    assert all(sig(e) <= floor for e in events if e.id not in chosen)  # nobody left out ranks higher
    assert cx.select_chronology(events, profiled, budget=60) == {e.id for e in events}


def test_chronology_over_its_budget_says_how_many_events_it_leaves_out(generated):
    view = cx.build_context(generated, {}, profile_budget=5, chronology_budget=12)
    assert view.compact_chronology
    assert len(view.chronology_events) == 12
    dates = [e.event.date.sort_key for e in view.chronology_events]
    assert dates == sorted(dates)
    html = render_html(view, TEMPLATES, TEMPLATES / "fonts")
    assert len(re.findall(r'class="chron-line"', html)) == 12
    # no link points at a chronology line that is not there (method lists, casualty table)
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    assert not set(re.findall(r'href="#([^"]+)"', html)) - ids
    text = plain(html)
    assert "Table " in text
    assert "12 of the 60 events in the data, in date order" in text
    assert "48 further events are listed only in the interactive timeline and the data exports, not here: " \
           "the chronology lists at most 12 events" in text
    # each phase's note adds up: events not profiled = those in the chronology + those only in the exports,
    # and over the phases the latter are the 48 the chronology leaves out
    notes = re.findall(r"(\d+) further events? of this phase (?:is|are) not profiled.*?(?:(\d+) of them "
                       r"(?:is|are) in the chronology \(appendix A\); (\d+) (?:is|are) listed only"
                       r"|(?:They are|It is) listed only)", text)
    assert notes
    unlisted = 0
    for skipped, listed, only in notes:
        if listed:
            assert int(skipped) == int(listed) + int(only)
            unlisted += int(only)
        else:
            unlisted += int(skipped)
    assert unlisted == 48


def test_chronology_within_its_budget_lists_every_event(generated):
    view = cx.build_context(generated, {}, profile_budget=5, chronology_budget=60)
    assert view.compact_chronology
    assert len(view.chronology_events) == 60
    text = plain(render_html(view, TEMPLATES, TEMPLATES / "fonts"))
    assert "Every event in the data, in date order" in text
    assert "listed only in the interactive timeline" not in text
    assert "every event is in the chronology" in text


# --- the poster's index ------------------------------------------------------------------------------

def test_poster_index_over_its_budget_lists_labelled_events_and_counts_the_rest(tmp_path, monkeypatch):
    import io

    import pypdf

    from borderwar_report.build.plan import BuildOptions
    from borderwar_report.build.runner import BuildContext
    from borderwar_report.core.log import Log
    from borderwar_report.core.project import Project
    from borderwar_report.documents import poster
    from borderwar_report.documents.sheets import event_numbers

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764115200")
    data = write_dataset(150, tmp_path / "data")
    dataset = load_dataset(data)
    ctx = BuildContext(dataset, Project(data, TEMPLATES, tmp_path / "out"), tmp_path / "out", Log(quiet=True),
                       BuildOptions())
    (tmp_path / "out").mkdir()
    monkeypatch.setattr(poster, "POSTER_INDEX_EVENTS", 40)
    pdf, sheet, plan = poster.render_poster(ctx)
    assert plan.overview
    labelled = {p.id for box in plan.lanes for p in box.placements}
    listed = poster.index_events(dataset, plan)
    assert labelled <= {e.id for e in listed}
    assert len(listed) == max(40, len(labelled))
    assert [e.date.sort_key for e in listed] == sorted(e.date.sort_key for e in listed)
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == plan.sheets == 2  # the chart and one sheet of 40 index entries
    text = " ".join(" ".join(p.extract_text().split()) for p in pages)
    assert f"Index of {len(listed)} of the 150 events" in text
    unlisted = 150 - len(listed)
    assert f"the other {unlisted} events are listed only in the interactive timeline and the data exports" in text
    index_text = " ".join(" ".join(p.extract_text().split()) for p in pages[1:])
    assert all(e.title in index_text for e in listed)
    left_out = [e for e in dataset.events if e not in listed]
    assert left_out
    assert not any(f"{e.title} " in index_text for e in left_out)
    numbers = event_numbers(dataset)  # the numbers stay each event's place among all events
    assert all(str(numbers[e.id]) in index_text for e in listed)


# --- automatic detail maps ---------------------------------------------------------------------------

def test_automatic_detail_map_shows_at_most_its_place_budget(tmp_path, monkeypatch):
    from borderwar_report.charts import geo_detail
    from borderwar_report.core.project import Project

    monkeypatch.setattr(geo_detail, "NEAR_PLACES_MAX", 5)
    dataset = load_dataset(write_dataset(1500, tmp_path / "data"))
    blocks = geo_detail.automatic_blocks(dataset)
    assert blocks
    by_id = {e.id: e for e in dataset.events}
    capped = 0
    for eid, block in blocks.items():
        assert len(block.places) <= 5
        own = by_id[eid].place
        assert any((p.lat, p.lon) == (own.lat, own.lon) for p in block.places)  # the battle's own place
        total = geo_detail._AUTO[2].get(eid)
        if total:
            capped += 1
            assert total > 5
            assert f"of their {total:,} places, the 5 of the most significant events" in block.note
    assert capped
    eid = next(e for e in blocks if geo_detail._AUTO[2].get(e))
    chart = geo_detail.make_detail(dataset, Project(tmp_path / "data", TEMPLATES, tmp_path / "out"),
                                   _print_preset(), by_id[eid], blocks[eid])
    assert chart.stats["places"] == 5
    assert chart.caption.startswith(f"5 of the {geo_detail._AUTO[2][eid]:,} places of located events within 150 km")


def _print_preset():
    from dataclasses import replace

    from borderwar_report.charts.style import PRESETS

    return replace(PRESETS["print"], titled=False)


# --- the collector and the long-lived records --------------------------------------------------------

def test_records_are_frozen_for_the_build_and_the_collector_comes_back():
    import gc

    from borderwar_report.core.heap import long_lived as _long_lived

    before = gc.get_freeze_count()
    with _long_lived():
        assert not gc.isenabled()
        kept = [[i] for i in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= before + 1000
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    with pytest.raises(ValueError, match="bad record"), _long_lived():
        raise ValueError("bad record")
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0  # a failed read freezes nothing
    del kept


@pytest.mark.slow
def test_a_build_leaves_nothing_frozen(tmp_path):
    import gc

    from borderwar_report.build.plan import BuildOptions
    from borderwar_report.build.runner import run
    from borderwar_report.core.log import Log
    from borderwar_report.core.project import Project

    data = write_dataset(5, tmp_path / "data")
    # The reading freezes the records (runner._long_lived) and the build unfreezes them, whatever its steps:
    # one step is enough to see it.
    result = run(Project(data, TEMPLATES, tmp_path / "out"), BuildOptions(only=("handout",)), Log(quiet=True))
    assert result.status == "built" and result.ran == ("handout",)
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
