"""The claims model: claimants apart from sources, breakdowns, scope, bounds — and the validator's lessons."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from borderwar_report.records.claims import (
    agreement,
    agreement_text,
    claimant_count,
    contested,
    highest_dead,
    spread,
)
from borderwar_report.core.errors import DataError
from borderwar_report.records.model import Claim, ClaimSource, Event, SideInEvent
from borderwar_report.records.validate import load_dataset

DOCUMENT = """\
title: A test conflict
edition: 2026-01-01
lanes: [{id: front, label: Front}]
"""
SIDES = """\
- {id: red, name: Red State, short: Red, adjective: Red}
- {id: blue, name: Blue State, short: Blue}
"""
PHASES = "- {id: war, name: War, date: 1950/1951}\n"
SOURCES = """\
- {id: book, kind: scholarly-book, type: book, author: ["Author, Ann"], title: A Book, publisher: P, year: 1990}
- {id: enc, kind: encyclopedia, type: web, title: An Article, url: "https://en.wikipedia.org/wiki/X"}
- {id: paper, kind: newspaper, type: article, title: A Report, journal: The Daily, year: 1950}
"""
CLAIMANTS = """\
- {id: ann, name: Ann Author, kind: scholar}
- {id: red-gov, name: Red government, kind: official, side: red}
"""


def claim(value, claimant, *sources, **kw) -> Claim:
    return Claim(value, value, claimant, tuple(ClaimSource(s) for s in sources or ("book",)), **kw)


def write(tmp_path: Path, losses: str, claimants: str = CLAIMANTS, sources: str = SOURCES) -> Path:
    (tmp_path / "events").mkdir()
    for name, text in (("document.yaml", DOCUMENT), ("sides.yaml", SIDES), ("phases.yaml", PHASES),
                       ("sources.yaml", sources), ("claimants.yaml", claimants)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    event = textwrap.dedent("""\
        id: battle
        title: The battle
        kind: battle
        phase: war
        lane: front
        date: 1950-06
        sides:
          - side: red
            losses:
        """) + textwrap.indent(textwrap.dedent(losses), " " * 6)
    (tmp_path / "events" / "battle.yaml").write_text(event, encoding="utf-8")
    return tmp_path


def problems(tmp_path: Path, losses: str, **kw) -> list:
    with pytest.raises(DataError) as info:
        load_dataset(write(tmp_path, losses, **kw))
    return info.value.problems


# --- reading claims -------------------------------------------------------------------------------

def test_a_reprint_is_one_claim_with_several_sources(tmp_path):
    ds = load_dataset(write(tmp_path, """\
        killed:
          - {value: 526, claimant: ann, sources: [{source: book, locator: "135"}, {source: enc}, {source: paper}]}
        """))
    (claims,) = ds.events[0].sides[0].losses.values()
    assert len(claims) == 1 and [s.source for s in claims[0].sources] == ["book", "enc", "paper"]
    found = spread(claims)
    assert found.claimants == 1 and found.agree and not found.contested


def test_one_claimant_repeated_never_counts_as_agreement():
    claims = (claim(526, "ann", "book"), claim(526, "ann", "enc"))
    assert claimant_count(claims) == 1
    assert spread(claims).claimants == 1


def test_an_unattributed_work_giving_a_named_claimants_figure_repeats_it_and_does_not_agree_with_it():
    """A reprint of a named claimant's figure in an article that names no one is not a second claimant in
    agreement; two named claimants are; where only unattributed works give a figure they are its claimants."""
    names = {"kriv": "Krivosheev", "kol": "Kolomiets", "jawp": "ja Wikipedia", "enwp": "en Wikipedia"}.get
    works = frozenset({"jawp", "enwp"})
    reprinted = (claim(2752, "kriv"), claim(2752, "jawp"))
    assert agreement(reprinted, works) == (("kriv",), ("jawp",))
    assert agreement_text(reprinted, names, works) == "Krivosheev; the same in 1 unattributed work"
    assert spread(reprinted).text(names, works) == "2,752 (Krivosheev; the same in 1 unattributed work)"
    both = (claim(15952, "kol"), claim(15952, "kriv"), claim(15952, "jawp"), claim(15952, "enwp"))
    assert agreement_text(both, names, works) == "2 claimants agree; the same in 2 unattributed works"
    assert agreement_text((claim(27, "jawp"), claim(27, "enwp")), names, works) == "2 unattributed works"
    assert agreement_text((claim(27, "enwp"),), names, works) == "en Wikipedia"
    assert agreement_text(reprinted, names) == "2 claimants agree"  # nobody marked unattributed
    assert contested((claim(2752, "kriv"), claim(2700, "jawp")))  # a different figure is still a rival


def test_contested_means_different_claimants_disagree():
    assert not contested((claim(792, "a"), claim(960, "a")))  # one claimant revising itself
    assert not contested((claim(792, "a"), claim(792, "b")))  # two claimants agreeing
    assert contested((claim(792, "a"), claim(960, "b")))


def test_a_partial_count_never_widens_the_range():
    whole = claim(500, "a")
    night = claim(2000, "b", scope="the night of 6 August")
    found = spread((whole, night))
    assert (found.low_value, found.high_value, found.partial) == (500, 500, 1)
    assert not contested((whole, night))  # a partial count is not a rival of the whole
    event = Event("e", "E", "battle", "war", "front", None, "", 0,
                  sides=(SideInEvent("red", losses={"killed": (whole, night)}),))
    assert highest_dead(event).value == 500


def test_highest_dead_is_one_claim_never_a_sum_over_sides():
    event = Event("e", "E", "battle", "war", "front", None, "", 0, sides=(
        SideInEvent("red", losses={"killed": (claim(300, "a"), claim(900, "b"))}),
        SideInEvent("blue", losses={"killed_or_missing": (claim(700, "c"),)})))
    found = highest_dead(event)
    assert found.value == 900 and found.top.side == "red" and found.contested


def test_spread_names_the_claimant_of_each_end():
    found = spread((claim(6831, "kriv"), claim(9703, "kol"), claim(8000, "x")))
    names = {"kriv": "Krivosheev", "kol": "Kolomiets", "x": "X"}.get
    assert found.text(names) == "6,831 (Krivosheev) to 9,703 (Kolomiets)"


# --- breakdowns ---------------------------------------------------------------------------------

BREAKDOWN = """\
killed_or_missing:
  - {id: tally, value: 792, claimant: red-gov, source: book}
killed:
  - {value: 717, claimant: red-gov, part_of: tally, source: book}
missing:
  - {value: %s, claimant: red-gov, part_of: tally, source: book}
"""


def test_a_breakdown_adds_up_and_is_not_contested(tmp_path):
    ds = load_dataset(write(tmp_path, BREAKDOWN % 75))
    losses = ds.events[0].sides[0].losses
    assert not any(contested(c) for c in losses.values())
    assert losses["killed"][0].part_of == "tally"


def test_a_breakdown_that_does_not_add_up_is_refused(tmp_path):
    (p,) = problems(tmp_path, BREAKDOWN % 70)
    assert p.code == "breakdown" and "add up to 787, not 792" in p.message and p.line > 0


def test_a_part_must_nest_inside_its_tally(tmp_path):
    found = problems(tmp_path, """\
        killed:
          - {id: tally, value: 100, claimant: red-gov, source: book}
        wounded:
          - {value: 100, claimant: red-gov, part_of: tally, source: book}
        """)
    assert [p.code for p in found] == ["breakdown"] and '"wounded" is not counted inside "killed"' in found[0].message


def test_a_part_of_an_unknown_tally_is_refused(tmp_path):
    (p,) = problems(tmp_path, """\
        killed:
          - {value: 100, claimant: red-gov, part_of: nothing, source: book}
        """)
    assert p.code == "breakdown" and "nothing" in p.message


# --- the validator teaches ------------------------------------------------------------------------

@pytest.mark.parametrize(("losses", "code", "words"), [
    ("killed: [{value: unknown, claimant: ann, source: book}]", "figure-unknown", "leave the category out"),
    ("killed: [{value: 0, claimant: ann, source: book}]", "figure-zero", "claimed_zero: true"),
    ("killed: [{low: 5, claimant: ann, source: book}]", "figure-shape", "low needs high"),
    ("killed: [{value: 5, source: book}]", "claim-claimant", "who asserts the figure"),
    ("killed: [{value: 5, claimant: Soviet official figures, source: book}]", "claim-claimant",
     "add the claimant to claimants.yaml"),
    ("killed: [{value: 5, claimant: ann}]", "claim-source", "where the figure was read"),
    ("killed: [{value: 5, claimant: ann, source: book, via: book}]", "claim-source", "the work that quotes"),
    ("killed: [{value: 5, claimant: nobody, source: book}]", "unknown-claimant", 'unknown claimant "nobody"'),
    ("killed: [{low: 5, high: 9, bound: about, claimant: ann, source: book}]", "figure-shape", "single value"),
])
def test_each_claim_rule_has_a_failing_example(tmp_path, losses, code, words):
    found = problems(tmp_path, losses)
    assert [p.code for p in found] == [code], found
    assert words in found[0].message and found[0].line > 0


def test_a_claimed_zero_is_accepted(tmp_path):
    ds = load_dataset(write(tmp_path, "killed: [{value: 0, claimed_zero: true, claimant: ann, source: book}]"))
    assert ds.events[0].sides[0].losses["killed"][0].high == 0


def test_a_source_without_kind_says_which_kinds_exist(tmp_path):
    sources = SOURCES.replace("kind: newspaper, ", "")
    (p,) = problems(tmp_path, "killed: [{value: 5, claimant: ann, source: book}]", sources=sources)
    assert p.code == "source-kind" and "official-record" in p.message and "sources.yaml" in p.path


def test_editor_notes_are_accepted_and_kept_out_of_the_model(tmp_path):
    ds = load_dataset(write(tmp_path, """\
        killed:
          - {value: 5, claimant: ann, source: book, note: counted at the graves, editor_note: re-check p. 12}
        """))
    (c,) = ds.events[0].sides[0].losses["killed"]
    assert c.note == "counted at the graves"
    assert "re-check" not in repr(ds)


def test_second_hand_reading_is_recorded_with_via(tmp_path):
    ds = load_dataset(write(tmp_path, """\
        killed:
          - {value: 5, claimant: ann, sources: [{source: book, locator: "12", via: paper, via_locator: "3"}]}
        """))
    (c,) = ds.events[0].sides[0].losses["killed"]
    assert c.sources[0] == ClaimSource("book", "12", "paper", "3")
    assert c.source_ids() == ["book", "paper"]
