"""Exports of the validated data for other tools: full JSON, TimelineJS CSV and TimelineJS3 JSON.

TimelineJS shows slide text as HTML, so the Markdown of the data is rendered here (raw HTML in the data is
refused by the validator; the renderer escapes what is left). Nothing in an export names the building
machine: an event's ``file`` is relative to the data folder.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from html import escape as _escape
from pathlib import PurePath

from borderwar_report.records.dates import HistDate
from borderwar_report.records.model import Dataset, Event


def escape(text: str) -> str:
    return _escape(text, quote=False)  # element content only: attributes are never built from data

# TimelineJS3's spreadsheet template columns, in its order (src/template/my-own-timeline.csv of the npm
# package @knight-lab/timelinejs 3.9; its CSV reader, ConfigFactory.js, reads these names).
TIMELINEJS_COLUMNS = ["Year", "Month", "Day", "Time", "End Year", "End Month", "End Day", "End Time",
                      "Display Date", "Headline", "Text", "Media", "Media Credit", "Media Caption",
                      "Media Thumbnail", "Type", "Group", "Background"]
EXTRA_COLUMNS = ["Unique ID", "EDTF"]  # ignored by TimelineJS, kept so a sheet can be traced to the records


def _plain(value):
    if isinstance(value, HistDate):
        return {"edtf": value.text, "display": value.display(), "kind": value.kind,
                "earliest": value.earliest.isoformat(), "latest": value.latest.isoformat(),
                "start_precision": value.start.precision, "end_precision": value.end.precision,
                "approximate": value.start.approximate or value.end.approximate,
                "uncertain": value.start.uncertain or value.end.uncertain}
    if isinstance(value, dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def data_relative(path: str) -> str:
    """An event file's path from the data folder: the loader reads events only from ``DATA/events/``."""
    return f"events/{PurePath(path).name}" if path else path


def to_json(ds: Dataset) -> str:
    """The full normalized model."""
    body = _plain(ds)
    for event in body.get("events", []):
        event["file"] = data_relative(event.get("file"))
    body["format"] = "borderwar-report/2"  # 2: claims name a claimant id and a list of sources
    return json.dumps(body, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def _event_text(ev: Event, ds: Dataset) -> str:
    """The slide's body as HTML: native names, place, the summary's Markdown, outcome."""
    from borderwar_report.core.markup import markdown

    parts = []
    if ev.names:
        parts.append(f'<p class="names">{escape(" · ".join(n.text for n in ev.names))}</p>')
    if ev.place:
        place = escape(ev.place.name) + (" (approximate)" if ev.place.approximate else "")
        parts.append(f"<p><strong>Place:</strong> {place}</p>")
    if ev.summary:
        parts.append(str(markdown(ev.summary)).strip())
    if ev.outcome:
        parts.append(f"<p><strong>Outcome:</strong> {escape(ev.outcome)}</p>")
    return "\n".join(parts)


def _group(ev: Event, ds: Dataset) -> str:
    return {ln.id: ln.label for ln in ds.document.lanes}.get(ev.lane, ev.lane)


def _tl_date(d: dt.date, precision: str) -> dict:
    out = {"year": d.year}
    if precision in ("month", "day"):
        out["month"] = d.month
    if precision == "day":
        out["day"] = d.day
    return out


def to_timelinejs(ds: Dataset) -> str:
    """TimelineJS3 JSON: events with start/end dates, headline/text, group, unique_id; eras from phases."""
    events = []
    for ev in ds.events:
        item = {
            "unique_id": ev.id,
            "start_date": _tl_date(ev.date.start.earliest, ev.date.start.precision),
            "display_date": ev.date.display(),  # at the slide's top level: inside a date TimelineJS adds its own
            "text": {"headline": escape(ev.title), "text": _event_text(ev, ds)},
            "group": _group(ev, ds),
        }
        if ev.date.kind != "moment":
            item["end_date"] = _tl_date(ev.date.end.earliest, ev.date.end.precision)
        events.append(item)
    eras = [{"start_date": _tl_date(p.date.start.earliest, p.date.start.precision),
             "end_date": _tl_date(p.date.end.latest, p.date.end.precision),
             "text": {"headline": escape(p.name)}} for p in ds.phases]
    body = {"title": {"text": {"headline": escape(ds.document.title),
                               "text": f"<p>{escape(ds.document.subtitle)}</p>" if ds.document.subtitle else ""}},
            "events": events, "eras": eras}
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A text cell a spreadsheet would run as a formula (OWASP "CSV injection": it starts with = + - @, tab
    or carriage return) gets a leading apostrophe, which spreadsheets show as text; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _sheet_dates(start: dt.date, start_precision: str, end: dt.date | None = None, end_precision: str = "") -> dict:
    row = {"Year": start.year, "Month": start.month if start_precision != "year" else "",
           "Day": start.day if start_precision == "day" else ""}
    if end is not None:
        row.update({"End Year": end.year, "End Month": end.month if end_precision != "year" else "",
                    "End Day": end.day if end_precision == "day" else ""})
    return row


def to_csv(ds: Dataset) -> str:
    """TimelineJS's spreadsheet: a title row (Type=title), one era row per phase, one row per event."""
    buf = io.StringIO()
    sheet = csv.DictWriter(buf, fieldnames=TIMELINEJS_COLUMNS + EXTRA_COLUMNS, lineterminator="\n")
    sheet.writeheader()

    def write(row: dict) -> None:  # every cell neutralised against formula injection, title and era rows too
        sheet.writerow({key: csv_cell(value) for key, value in row.items()})

    doc = ds.document
    write({"Headline": escape(doc.title), "Text": f"<p>{escape(doc.subtitle)}</p>" if doc.subtitle else "",
                     "Type": "title"})
    for p in ds.phases:
        write({**_sheet_dates(p.date.start.earliest, p.date.start.precision,
                                        p.date.end.latest, p.date.end.precision),
                         "Headline": escape(p.name), "Type": "era", "Unique ID": p.id, "EDTF": p.date.text})
    for ev in ds.events:
        s, e = ev.date.start, ev.date.end
        row = _sheet_dates(s.earliest, s.precision, *((e.earliest, e.precision) if ev.date.kind != "moment" else ()))
        row.update({"Display Date": ev.date.display(), "Headline": escape(ev.title), "Text": _event_text(ev, ds),
                    "Group": _group(ev, ds), "Unique ID": ev.id, "EDTF": ev.date.text})
        write(row)
    return buf.getvalue()


def _bibliography(name):
    def export(ds: Dataset) -> str:
        from borderwar_report.records import bibio

        return getattr(bibio, name)(ds)
    return export


FORMATS = {"json": to_json, "csv": to_csv, "timelinejs": to_timelinejs, "csl-json": _bibliography("to_csl_json"),
           "bibtex": _bibliography("to_bibtex")}
