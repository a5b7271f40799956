"""The record format beyond claims: several places, commanders as records, sourced names, conflict totals."""

from __future__ import annotations

import textwrap

import pytest

from borderwar_report.documents.context import build_context
from borderwar_report.core.errors import DataError
from borderwar_report.records.model import Organisation
from borderwar_report.records.validate import load_dataset

from .test_claims import CLAIMANTS, DOCUMENT, PHASES, SIDES, SOURCES


def folder(tmp_path, event: str, document: str = DOCUMENT, phases: str = PHASES, sources: str = SOURCES):
    (tmp_path / "events").mkdir(parents=True)
    for name, text in (("document.yaml", document), ("sides.yaml", SIDES), ("phases.yaml", phases),
                       ("sources.yaml", sources), ("claimants.yaml", CLAIMANTS)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    head = "id: battle\ntitle: The battle\nkind: battle\nphase: war\nlane: front\ndate: 1950-06\n"
    (tmp_path / "events" / "battle.yaml").write_text(head + textwrap.dedent(event), encoding="utf-8")
    return tmp_path


def test_several_places_each_with_its_own_source(tmp_path):
    ds = load_dataset(folder(tmp_path, """\
        places:
          - {name: The ford, lat: 10.5, lon: 20.25, source: enc, locator: map 3}
          - {name: The hill, lat: 10.6, lon: 20.3, approximate: true}
        """))
    ev = ds.events[0]
    assert [p.name for p in ev.places] == ["The ford", "The hill"] and ev.place.name == "The ford"
    assert (ev.place.source, ev.place.locator, ev.places[1].approximate) == ("enc", "map 3", True)


def test_place_and_places_together_is_refused(tmp_path):
    with pytest.raises(DataError) as info:
        load_dataset(folder(tmp_path, "place: {name: A}\nplaces: [{name: B}]\n"))
    assert [p.field for p in info.value.problems] == ["places"]


def test_commanders_and_units_as_records_or_bare_names(tmp_path):
    ds = load_dataset(folder(tmp_path, """\
        sides:
          - side: red
            commanders:
              - Plain Name
              - {name: Ivan Petrov, rank: Colonel, role: division commander, names: [{lang: ru, text: Иван Петров}]}
            units: [{name: 1st Rifle Division}]
        """))
    side = ds.events[0].sides[0]
    assert [str(c) for c in side.commanders] == ["Plain Name", "Colonel Ivan Petrov (division commander)"]
    assert side.commanders[1].names[0].text == "Иван Петров" and side.units[0].name == "1st Rifle Division"


def test_names_carry_a_source_or_an_editor_rendering_flag(tmp_path):
    ds = load_dataset(folder(tmp_path, """\
        names:
          - {lang: ru, text: Битва, source: book}
          - {lang: ja, text: 戦い, editor_rendering: true}
        """))
    names = ds.events[0].names
    assert (names[0].source, names[1].editor_rendering) == ("book", True)
    with pytest.raises(DataError) as info:
        load_dataset(folder(tmp_path / "bad", "names: [{lang: ru, text: Битва, source: nowhere}]\n"))
    assert [p.code for p in info.value.problems] == ["unknown-source"]


def test_conflict_name_and_totals_no_event_carries(tmp_path):
    document = DOCUMENT + textwrap.dedent("""\
        conflict: {name: The Test War, names: [{lang: ru, text: Тестовая война}]}
        totals:
          sides:
            - side: red
              losses: {killed: [{value: 5000, claimant: red-gov, source: book}]}
        """)
    phases = "- id: war\n  name: War\n  date: 1950/1951\n  figures: [{label: villages burned, claims: " \
             "[{value: 40, claimant: ann, source: paper}]}]\n"
    ds = load_dataset(folder(tmp_path, "", document=document, phases=phases))
    assert ds.document.conflict_name == "The Test War"
    assert ds.document.totals.sides[0].losses["killed"][0].high == 5000
    assert ds.phases[0].totals.figures[0].label == "villages burned"
    b = build_context(ds)
    assert b.conflict_totals.losses_table and b.phases[0].totals.figures_table
    numbers = [b.key_table.number if b.key_table else 0, b.conflict_totals.losses_table.number,
               b.phases[0].totals.figures_table.number]
    assert numbers == sorted(numbers)  # tables numbered in reading order


def test_an_organisation_with_a_comma_is_taught_and_then_kept_whole(tmp_path):
    sources = SOURCES.replace('author: ["Author, Ann"]', 'author: ["Yale Law School, The Avalon Project"]')
    with pytest.raises(DataError) as info:
        load_dataset(folder(tmp_path, "", sources=sources))
    (p,) = info.value.problems
    assert p.code == "author-organisation" and "{organisation:" in p.message and p.line > 0
    sources = SOURCES.replace('author: ["Author, Ann"]', 'author: [{organisation: "Yale Law School, Avalon"}]')
    ds = load_dataset(folder(tmp_path / "ok", "", sources=sources))
    (author,) = ds.source("book").author
    assert isinstance(author, Organisation) and author == "Yale Law School, Avalon"


def test_an_editor_is_named_as_chicago_does():
    from borderwar_report.documents.citations import _given_family, bibliography_authors

    assert bibliography_authors(("Krivosheev, G. F. (ed.)",)) == "Krivosheev, G. F., ed."
    assert _given_family("Krivosheev, G. F. (ed.)") == "G. F. Krivosheev, ed."
    assert _given_family("Coox, Alvin D.") == "Alvin D. Coox"


def test_an_old_revision_of_an_article_says_which_one_in_its_note():
    from borderwar_report.documents.citations import ChicagoNotes
    from borderwar_report.records.model import Source

    old = Source("wp-old", "web", "Battles of Khalkhin Gol", ("Wikipedia contributors",), "English Wikipedia",
                 url="https://en.wikipedia.org/w/index.php?oldid=71827437", kind="encyclopedia",
                 edition="revision 71827437 (2006)")
    text = ChicagoNotes().full_note(old, None).text
    assert "s.v. “Battles of Khalkhin Gol,” revision 71827437 (2006)," in text and "ed." not in text
