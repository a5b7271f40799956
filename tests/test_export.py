"""Each export carries the records faithfully: read it back and compare with the model."""

import csv
import io
import json

import pytest

from borderwar_report.export import TIMELINEJS_COLUMNS, to_csv, to_json, to_timelinejs
from borderwar_report.validate import load_dataset

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


def test_csv_has_timelinejs_columns_and_one_row_per_event(ds):
    rows = list(csv.DictReader(io.StringIO(to_csv(ds))))
    assert list(rows[0].keys())[: len(TIMELINEJS_COLUMNS)] == TIMELINEJS_COLUMNS
    assert [r["Unique ID"] for r in rows] == [e.id for e in ds.events]
    for row, ev in zip(rows, ds.events):
        assert row["Headline"] == ev.title
        assert int(row["Year"]) == ev.date.start.earliest.year
        assert row["EDTF"] == ev.date.text
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
    from borderwar_report.export import csv_cell

    assert csv_cell(cell) == safe


def test_timelinejs_json_shape(ds):
    body = json.loads(to_timelinejs(ds))
    assert len(body["events"]) == len(ds.events)
    assert {e["unique_id"] for e in body["events"]} == {e.id for e in ds.events}
    khasan = next(e for e in body["events"] if e["unique_id"] == "lake-khasan-1938")
    assert khasan["start_date"] == {"year": 1938, "month": 7, "day": 29,
                                    "display_date": "29 July – 11 August 1938"}
    assert khasan["end_date"] == {"year": 1938, "month": 8, "day": 11}
    assert khasan["text"]["headline"].startswith("Battle of Lake Khasan")
    assert "張鼓峰事件" in khasan["text"]["text"]
    assert [e["text"]["headline"] for e in body["eras"]] == [p.name for p in ds.phases]
    month_only = [e for e in body["events"] if "day" not in e["start_date"]]
    assert month_only, "month-precision dates must not gain a false day"


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
