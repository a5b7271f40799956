"""Each export carries the records faithfully: read it back and compare with the model."""

import csv
import io
import json
from pathlib import Path

import pytest

from borderwar_report.records.export import TIMELINEJS_COLUMNS, to_csv, to_json, to_timelinejs
from borderwar_report.records.validate import load_dataset

from .conftest import ROOT, run_cli


@pytest.fixture(scope="module")
def ds():
    return load_dataset(ROOT / "data")


def test_json_round_trips_every_record(ds):
    body = json.loads(to_json(ds))
    assert body["format"] == "borderwar-report/2"
    assert [e["id"] for e in body["events"]] == [e.id for e in ds.events]
    for ev, out in zip(ds.events, body["events"]):
        assert out["title"] == ev.title
        assert out["date"]["edtf"] == ev.date.text
        assert out["date"]["earliest"] == ev.date.earliest.isoformat()
        assert [n["text"] for n in out["names"]] == [n.text for n in ev.names]
        claims = [(c["low"], c["high"], c["claimant"], [x["source"] for x in c["sources"]])
                  for s in out["sides"] for group in ("forces", "losses") for cs in s[group].values() for c in cs]
        assert claims == [(c.low, c.high, c.claimant, [x.source for x in c.sources]) for *_, c in ev.all_claims()]
    assert len(body["sources"]) == len(ds.sources)
    assert [c["id"] for c in body["claimants"]] == [c.id for c in ds.claimants]


def test_csv_is_timelinejs_template_with_title_era_and_event_rows(ds):
    rows = list(csv.DictReader(io.StringIO(to_csv(ds))))
    assert list(rows[0].keys())[: len(TIMELINEJS_COLUMNS)] == TIMELINEJS_COLUMNS
    # The columns of TimelineJS3's own template (my-own-timeline.csv in @knight-lab/timelinejs 3.9).
    assert TIMELINEJS_COLUMNS == ["Year", "Month", "Day", "Time", "End Year", "End Month", "End Day", "End Time",
                                  "Display Date", "Headline", "Text", "Media", "Media Credit", "Media Caption",
                                  "Media Thumbnail", "Type", "Group", "Background"]
    titles = [r for r in rows if r["Type"] == "title"]
    assert [t["Headline"] for t in titles] == [ds.document.title] and rows[0] is titles[0]
    eras = [r for r in rows if r["Type"] == "era"]
    assert [(e["Headline"], int(e["Year"]), int(e["End Year"])) for e in eras] == [
        (p.name, p.date.start.earliest.year, p.date.end.latest.year) for p in ds.phases]
    events = [r for r in rows if r["Type"] == ""]
    assert [r["Unique ID"] for r in events] == [e.id for e in ds.events]
    for row, ev in zip(events, ds.events):
        assert row["Headline"] == ev.title.replace("&", "&amp;")
        assert row["Display Date"] == ev.date.display()
        assert int(row["Year"]) == ev.date.start.earliest.year
        assert row["EDTF"] == ev.date.text
        assert row["Text"].startswith("<p") and "**" not in row["Text"]
        if ev.date.start.precision == "day":
            assert (int(row["Month"]), int(row["Day"])) == (ev.date.earliest.month, ev.date.earliest.day)
        if ev.date.kind == "span":
            assert int(row["End Year"]) == ev.date.end.earliest.year


@pytest.mark.parametrize("title", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)"])
def test_csv_cells_cannot_be_spreadsheet_formulas(mini, title):
    """OWASP CSV injection: a text cell starting with = + - @ tab or CR gets a leading apostrophe."""
    import yaml

    path = mini / "events" / "treaty.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Treaty of friendship",
                                                             "title: " + yaml.safe_dump(title).split("\n...")[0]
                                                             .strip()), encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(to_csv(load_dataset(mini)))))
    row = next(r for r in rows if r["Unique ID"] == "treaty")
    assert row["Headline"] == "'" + title
    for value in (v for r in rows for v in r.values()):
        assert not value or value[0] not in "=+-@\t\r", value


@pytest.mark.parametrize(("cell", "safe"), [("\tx", "'\tx"), ("\rx", "'\rx"), ("=1", "'=1"), ("a=1", "a=1"),
                                            ("", ""), (1938, 1938)])
def test_csv_cell_neutralises_every_formula_start(cell, safe):
    from borderwar_report.records.export import csv_cell

    assert csv_cell(cell) == safe


def test_timelinejs_json_shape(ds):
    body = json.loads(to_timelinejs(ds))
    assert len(body["events"]) == len(ds.events)
    assert {e["unique_id"] for e in body["events"]} == {e.id for e in ds.events}
    khasan = next(e for e in body["events"] if e["unique_id"] == "lake-khasan-1938")
    # display_date belongs to the slide: inside start_date TimelineJS prints its own date after it.
    assert khasan["start_date"] == {"year": 1938, "month": 7, "day": 29}
    assert khasan["display_date"] == "29 July – 11 August 1938"
    assert all("display_date" not in e["start_date"] for e in body["events"])
    assert khasan["end_date"] == {"year": 1938, "month": 8, "day": 11}
    assert khasan["text"]["headline"].startswith("Battle of Lake Khasan")
    assert "張鼓峰事件" in khasan["text"]["text"]
    assert [e["text"]["headline"] for e in body["eras"]] == [p.name for p in ds.phases]
    month_only = [e for e in body["events"] if "day" not in e["start_date"]]
    assert month_only, "month-precision dates must not gain a false day"


def test_timelinejs_text_is_html_from_the_markdown(ds):
    body = json.loads(to_timelinejs(ds))
    for ev, out in zip(ds.events, body["events"]):
        text = out["text"]["text"]
        paragraphs = [p for p in ev.summary.split("\n\n") if p.strip()]
        assert text.count("<p>") >= len(paragraphs), ev.id  # one paragraph each, not run together
        assert "**" not in text and "](" not in text, ev.id  # Markdown is rendered, not passed on


def test_timelinejs_text_escapes_what_the_data_says(mini):
    import dataclasses

    dataset = load_dataset(mini)
    first = dataclasses.replace(dataset.events[0], outcome="<script>alert(1)</script>", summary="*keep* & go")
    dataset = dataclasses.replace(dataset, events=(first, *dataset.events[1:]))
    text = json.loads(to_timelinejs(dataset))["events"][0]["text"]["text"]
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "<em>keep</em> &amp; go" in text


def test_json_names_no_path_of_the_building_machine(ds):
    body = json.loads(to_json(ds))
    assert [e["file"] for e in body["events"]] == [f"events/{Path(e.file).name}" for e in ds.events]
    assert str(ROOT) not in to_json(ds)


@pytest.mark.parametrize("fmt", ["json", "csv", "timelinejs"])
def test_cli_export_writes_file(tmp_path, fmt):
    target = tmp_path / f"export.{fmt}"
    result = run_cli("export", "--data", ROOT / "data", "--format", fmt, "-o", target)
    assert result.returncode == 0, result.stderr
    assert target.stat().st_size > 1000


def test_cli_export_bad_format_is_usage_error():
    result = run_cli("export", "--format", "xml")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
