"""Exports of the validated data for other tools: full JSON, TimelineJS CSV and TimelineJS3 JSON."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json

from .dates import HistDate
from .model import Dataset, Event

# TimelineJS's Google-Sheets template columns, in its order.
TIMELINEJS_COLUMNS = ["Year", "Month", "Day", "Time", "End Year", "End Month", "End Day", "End Time",
                      "Display Date", "Headline", "Text", "Media", "Media Credit", "Media Caption",
                      "Media Thumbnail", "Type", "Group", "Background", "Link"]


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


def to_json(ds: Dataset) -> str:
    """The full normalized model."""
    body = _plain(ds)
    body["format"] = "borderwar-report/2"  # 2: claims name a claimant id and a list of sources
    return json.dumps(body, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def _event_text(ev: Event, ds: Dataset) -> str:
    parts = []
    if ev.names:
        parts.append(" · ".join(n.text for n in ev.names))
    if ev.place:
        parts.append(f"Place: {ev.place.name}" + (" (approximate)" if ev.place.approximate else ""))
    if ev.summary:
        parts.append(ev.summary.strip())
    if ev.outcome:
        parts.append(f"Outcome: {ev.outcome}")
    return "\n\n".join(parts)


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
            "start_date": {**_tl_date(ev.date.start.earliest, ev.date.start.precision),
                           "display_date": ev.date.display()},
            "text": {"headline": ev.title, "text": _event_text(ev, ds)},
            "group": _group(ev, ds),
        }
        if ev.date.kind != "moment":
            item["end_date"] = _tl_date(ev.date.end.earliest, ev.date.end.precision)
        events.append(item)
    eras = [{"start_date": _tl_date(p.date.start.earliest, p.date.start.precision),
             "end_date": _tl_date(p.date.end.latest, p.date.end.precision),
             "text": {"headline": p.name}} for p in ds.phases]
    body = {"title": {"text": {"headline": ds.document.title, "text": ds.document.subtitle}},
            "events": events, "eras": eras}
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A text cell a spreadsheet would run as a formula (OWASP "CSV injection": it starts with = + - @, tab
    or carriage return) gets a leading apostrophe, which spreadsheets show as text; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(ds: Dataset) -> str:
    """One row per event in TimelineJS's spreadsheet columns."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=TIMELINEJS_COLUMNS + ["Unique ID", "EDTF"], lineterminator="\n")
    writer.writeheader()
    for ev in ds.events:
        s, e = ev.date.start, ev.date.end
        row = {"Year": s.earliest.year, "Month": s.earliest.month if s.precision != "year" else "",
               "Day": s.earliest.day if s.precision == "day" else "",
               "Display Date": ev.date.display(), "Headline": ev.title, "Text": _event_text(ev, ds),
               "Group": _group(ev, ds), "Unique ID": ev.id, "EDTF": ev.date.text}
        if ev.date.kind != "moment":
            row.update({"End Year": e.earliest.year, "End Month": e.earliest.month if e.precision != "year" else "",
                        "End Day": e.earliest.day if e.precision == "day" else ""})
        writer.writerow({key: csv_cell(value) for key, value in row.items()})
    return buf.getvalue()


FORMATS = {"json": to_json, "csv": to_csv, "timelinejs": to_timelinejs}
