"""The bibliography in and out: Zotero-style BibTeX and CSL-JSON become sources.yaml entries that validate,
and the exports read back (with the same parser users' tools use) into the same works."""

from __future__ import annotations

import json
import shutil

import bibtexparser
import pytest
import yaml

from borderwar_report.records.bibio import (
    read_bibtex,
    read_csl_json,
    read_references,
    to_bibtex,
    to_csl_json,
    to_sources_yaml,
)
from borderwar_report.core.errors import DataError
from borderwar_report.records.validate import load_dataset

from .conftest import FIXTURES, ROOT, run_cli

REFS = FIXTURES / "references"


@pytest.fixture(scope="module")
def shipped():
    return load_dataset(ROOT / "data")


def by_title(entries):
    return {e["title"]: e for e in entries}


def names(entry) -> list[str]:
    return [a["organisation"] if isinstance(a, dict) else a for a in entry.get("author", [])]


def test_zotero_bibtex_fields_map_to_sources_yaml():
    got = by_title(read_references(REFS / "zotero.bib"))
    coox = got["Nomonhan: Japan against Russia, 1939"]
    assert coox["id"] == "coox-1985"
    assert (coox["type"], coox["kind"]) == ("book", "scholarly-book")
    assert coox["author"] == ["Coox, Alvin D."]
    assert coox["publisher"] == "Stanford University Press"  # the @string resolved
    assert coox["place"] == "Stanford, Calif."
    assert coox["editor_note"] == "Two volumes; cited from vol. 1"  # unchecked notes never print
    assert "note" not in coox
    sella = got["Khalkhin-Gol: The Forgotten War"]
    assert (sella["type"], sella["journal"], sella["volume"], sella["issue"], sella["pages"]) == \
        ("article", "Journal of Contemporary History", "18", "4", "651–687")
    hata = got["The Japanese–Soviet Confrontation, 1935–1939"]
    assert hata["type"] == "chapter" and hata["journal"] == "Deterrent Diplomacy"
    assert hata["author"] == ["Hata, Ikuhiko", "von Gröning, Karl"]  # LaTeX accent decoded, particle kept
    wp = got["Soviet–Japanese Border Conflicts"]
    assert (wp["type"], wp["kind"], wp["accessed"], wp["author"]) == ("web", "web-page", "2026-11-01",
                                                                     ["Wikipedia contributors"])
    assert wp["url"].startswith("https://en.wikipedia.org/")
    gomikawa = got["ノモンハン"]
    assert gomikawa["author"] == ["五味川, 純平"] and gomikawa["year"] == "1978"


def test_zotero_csl_json_fields_map_to_sources_yaml():
    got = by_title(read_references(REFS / "zotero.json"))
    coox = got["Nomonhan: Japan against Russia, 1939"]
    assert (coox["id"], coox["year"], coox["place"], coox["author"]) == \
        ("coox-1985", "1985", "Stanford, Calif.", ["Coox, Alvin D."])
    sella = got["Khalkhin-Gol: The Forgotten War"]
    assert (sella["kind"], sella["pages"], sella["issue"]) == ("journal-article", "651–687", "4")
    wp = got["Soviet–Japanese border conflicts"]
    assert (wp["type"], wp["kind"], wp["accessed"], wp["author"], wp["journal"]) == \
        ("web", "encyclopedia", "2026-11-01", ["Wikipedia contributors"], "Wikipedia")
    grif = got["Гриф секретности снят"]
    assert grif["author"] == ["Кривошеев, Г. Ф."] and grif["year"] == "1993"
    nyt = got["Soviet and Japanese troops clash"]
    assert (nyt["type"], nyt["kind"], nyt["journal"]) == ("article", "newspaper", "The New York Times")
    assert nyt["author"] == ["van der Berg, Jan"]


@pytest.mark.parametrize("name", ["zotero.bib", "zotero.json"])
def test_imported_entries_validate_as_sources_yaml(tmp_path, name):
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "mini", data)
    existing = yaml.safe_load((data / "sources.yaml").read_text(encoding="utf-8"))
    text = to_sources_yaml(read_references(REFS / name), {s["id"] for s in existing})
    assert "# a guess from the" in text  # every kind says it is a guess
    with open(data / "sources.yaml", "a", encoding="utf-8") as handle:
        handle.write(text)
    ds = load_dataset(data)
    assert len(ds.sources) == len(existing) + len(read_references(REFS / name))


def test_cli_import_appends_and_skips_what_is_there(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "mini", data)
    before = (data / "sources.yaml").read_text(encoding="utf-8")
    printed = run_cli("sources", "import", REFS / "zotero.json", "--data", data)
    assert printed.returncode == 0, printed.stderr
    assert yaml.safe_load(printed.stdout)[0]["id"] == "coox-1985"
    assert (data / "sources.yaml").read_text(encoding="utf-8") == before  # printing changes nothing
    first = run_cli("sources", "import", REFS / "zotero.json", "--data", data, "--append")
    assert first.returncode == 0, first.stderr
    assert "appended 5 source(s)" in first.stderr
    again = run_cli("sources", "import", REFS / "zotero.json", "--data", data, "--append")
    assert again.returncode == 0 and again.stderr.count("skipped:") == 5
    assert run_cli("validate", "--data", data).returncode == 0


def test_bad_reference_files_are_located_errors(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('[{"type": "book", "title": "x"},\n', encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_csl_json(broken.read_text(), str(broken))
    assert "not JSON" in str(info.value.problems[0])
    result = run_cli("sources", "import", broken)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    with pytest.raises(DataError):
        read_bibtex("@book{x, title = {unclosed\n", "x.bib")


def test_csl_json_export_reads_back_to_the_same_works(shipped):
    items = json.loads(to_csl_json(shipped))
    assert [i["id"] for i in items] == [s.id for s in shipped.sources]
    assert "editor_note" not in json.dumps(items)
    back = read_csl_json(json.dumps(items))
    for source, entry in zip(shipped.sources, back):
        assert entry["title"] == source.title
        assert names(entry) == list(source.author)
        assert entry["kind"] == source.kind and "kind_guess" not in entry  # carried in CSL's custom object
        for key in ("publisher", "place", "journal", "volume", "issue", "pages", "url", "edition", "copy_of",
                    "title_translated", "title_romanized"):
            assert entry.get(key) == getattr(source, key), (source.id, key)
        assert entry.get("accessed") == (source.accessed.isoformat() if source.accessed else None)
        assert entry.get("year") == (source.year[:4] if source.year and source.year[:4].isdigit() else None)


def test_bibtex_export_parses_back_with_bibtexparser(shipped):
    text = to_bibtex(shipped)
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    assert [e.key for e in library.entries] == [s.id for s in shipped.sources]
    back = read_bibtex(text)
    for source, entry in zip(shipped.sources, back):
        assert entry["title"] == source.title, source.id
        assert names(entry) == list(source.author), source.id
        assert entry.get("pages") == source.pages
        assert entry.get("url") == source.url


def test_editor_notes_stay_out_of_the_exports(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "mini", data)
    with open(data / "sources.yaml", "a", encoding="utf-8") as handle:
        handle.write("- id: secret-source\n  kind: memoir\n  type: book\n  title: A memoir\n"
                     "  editor_note: SECRET-EDITOR-NOTE how we found it\n")
    ds = load_dataset(data)
    for text in (to_csl_json(ds), to_bibtex(ds)):
        assert "SECRET-EDITOR-NOTE" not in text
        assert "A memoir" in text


def test_append_without_a_data_folder_is_a_usage_error(tmp_path):
    result = run_cli("sources", "import", REFS / "zotero.json", "--append", cwd=tmp_path)
    assert result.returncode == 2
    assert "give --data DIR" in result.stderr


def test_a_short_title_never_ends_on_a_possessive_or_a_little_word():
    from borderwar_report.records.shortcite import short_title

    assert short_title("Documents of the Mongolian People's Republic's case") == \
        "Documents of the Mongolian People's Republic's case"
    assert short_title("The Soldiers’ War in the Far East, 1938") == "The Soldiers’ War"
    assert short_title("Nomonhan: Japan against Russia, 1939") == "Nomonhan"
    assert short_title("A History of the War on the Steppe") == "A History of the War"
