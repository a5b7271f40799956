"""JSON Schemas (draft 2020-12) for the data files and for the JSON export, for editors and other tools.

The schemas are built here from the model's own vocabularies (kinds, categories, bounds), so they cannot
drift from the validator's; the ``*.schema.json`` files beside this module are that output, shipped so an
editor can point at them (README: "Editor support"). ``python -m borderwar_report.records.schemas`` rewrites them;
a test fails when they are stale.

A schema checks shape: keys, types, vocabularies, id syntax. What needs the whole data set (does a claimant
id exist, do breakdowns add up, is an EDTF date real) stays with ``borderwar-report validate``.
Scalars are accepted as editors' YAML 1.2 parsers read them (``year: 1985`` is a number there, text for the
validator), so numbers may be written either way.
"""

from __future__ import annotations

import json
from pathlib import Path

from borderwar_report.records import model as m

HERE = Path(__file__).resolve().parent
BASE = "https://borderwar-report.invalid/schemas/"  # an identifier, never fetched
DATA_FILES = ("document", "sides", "phases", "claimants", "sources", "event")
EXPORT_FORMAT = "borderwar-report/2"  # export.to_json's "format"; a test keeps the two equal

ID = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]{0,79}$",
      "description": "lower-case letters, digits and hyphens"}
TEXT = {"type": "string", "minLength": 1}
EDTF = {"type": "string", "minLength": 4, "description": "an EDTF date: 1935-01-08, 1935-06, 1936-03?, 1935-01~, "
        "[1935-01..1935-02], 1938-07-29/1938-08-11"}
DAY = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "description": "an ISO day, 2026-11-01"}
WHOLE = {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": r"^\d[\d_,]*$"}],
         "description": "a whole number ≥ 0"}
NUMBER = {"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}]}
SHORT = {"anyOf": [{"type": "string"}, {"type": "integer"}]}  # volume: 18, pages: 651–687
BOOL = {"anyOf": [{"type": "boolean"}, {"enum": ["true", "false", "yes", "no"]}]}
MARKDOWN = {"type": "string", "description": "Markdown; no raw HTML"}
EDITOR_NOTE = {"type": "string", "description": "never printed or exported: how the data set was compiled"}


def _obj(properties: dict, required=(), description: str | None = None) -> dict:
    out = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = list(required)
    if description:
        out["description"] = description
    return out


def _list(item: dict, description: str | None = None) -> dict:
    out = {"type": "array", "items": item}
    if description:
        out["description"] = description
    return out


NAMES = _list(_obj({"lang": TEXT, "text": TEXT, "romanized": TEXT, "source": ID, "editor_rendering": BOOL,
                    "editor_note": EDITOR_NOTE}, ("lang", "text")), "names in their own scripts")
PEOPLE = _list({"anyOf": [TEXT, _obj({"name": TEXT, "names": NAMES, "rank": TEXT, "role": TEXT,
                                      "editor_note": EDITOR_NOTE}, ("name",))]},
               "a bare name, or {name, names, rank, role}")
PLACE = _obj({"name": TEXT, "names": NAMES, "lat": NUMBER, "lon": NUMBER, "approximate": BOOL, "source": ID,
              "locator": SHORT, "editor_note": EDITOR_NOTE}, ("name",))
# Checked in full by `validate`; here only their being a mapping or a list.
OPEN_OBJECT = {"type": "object"}
OPEN_LIST = {"type": "array"}
CLAIM_SOURCE = _obj({"source": ID, "locator": SHORT, "via": ID, "via_locator": SHORT, "editor_note": EDITOR_NOTE},
                    ("source",))
CLAIM = {
    **_obj({"value": WHOLE, "low": WHOLE, "high": WHOLE, "bound": {"enum": list(m.BOUNDS)}, "unit": TEXT,
            "claimant": ID, "sources": {"type": "array", "items": CLAIM_SOURCE, "minItems": 1}, "source": ID,
            "locator": SHORT, "via": ID, "via_locator": SHORT, "scope": TEXT, "id": ID, "part_of": ID,
            "unconfirmed": BOOL, "claimed_zero": BOOL, "note": MARKDOWN, "editor_note": EDITOR_NOTE},
           ("claimant",), "one claimant's figure: value, or low and high"),
    "allOf": [{"oneOf": [{"required": ["value"]}, {"required": ["low", "high"]}]},
              {"anyOf": [{"required": ["sources"]}, {"required": ["source"]}]}],
}
CLAIMS = {"type": "array", "items": CLAIM, "minItems": 1}


def _figures(categories) -> dict:
    return _obj(dict.fromkeys(categories, CLAIMS))


def document_schema() -> dict:
    return _obj({
        "title": TEXT, "subtitle": {"type": "string"}, "issuer": {"type": "string"}, "edition": DAY,
        "paper": {"enum": list(m.PAPER_SIZES)}, "language": {"type": "string", "pattern": r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"},
        "span": EDTF, "lanes": _list(_obj({"id": ID, "label": TEXT}, ("id", "label"))),
        "summary": MARKDOWN, "method": MARKDOWN, "keywords": _list(TEXT),
        "conflict": _obj({"name": TEXT, "names": NAMES, "editor_note": EDITOR_NOTE}, ("name",)),
        "totals": OPEN_OBJECT, "map_note": {"type": "string"}, "editor_note": EDITOR_NOTE,
    }, ("title", "edition", "lanes"), "document.yaml: the document config")


def sides_schema() -> dict:
    return _list(_obj({"id": ID, "name": TEXT, "short": TEXT, "adjective": TEXT, "bloc": ID,
                       "colour": {"type": "string", "pattern": r"^#[0-9A-Fa-f]{6}$"}, "names": NAMES},
                      ("id", "name")), "sides.yaml: the belligerents")


def phases_schema() -> dict:
    return _list(_obj({"id": ID, "name": TEXT, "date": EDTF, "summary": MARKDOWN, "sides": OPEN_LIST,
                       "figures": OPEN_LIST, "editor_note": EDITOR_NOTE}, ("id", "name", "date")),
                 "phases.yaml: named date spans")


def claimants_schema() -> dict:
    return _list(_obj({"id": ID, "name": TEXT, "short": TEXT, "kind": {"enum": list(m.CLAIMANT_KINDS)}, "side": ID,
                       "note": {"type": "string"}, "editor_note": EDITOR_NOTE}, ("id", "name")),
                 "claimants.yaml: who asserts figures")


def sources_schema() -> dict:
    return _list(_obj({
        "id": ID, "kind": {"enum": list(m.SOURCE_KINDS)}, "type": {"enum": list(m.SOURCE_TYPES)},
        "author": {"anyOf": [TEXT, _list({"anyOf": [TEXT, _obj({"organisation": TEXT}, ("organisation",))]})],
                   "description": '"Family, Given" for people; {organisation: …} for a body whose name has a comma'}, "title": TEXT, "title_translated": TEXT, "title_romanized": TEXT,
        "publisher": TEXT, "place": TEXT, "year": {"anyOf": [{"type": "integer"},
                                                              {"type": "string", "pattern": r"^\d{4}[a-z]?$|^n\.d\.$"}]},
        "journal": TEXT, "volume": SHORT, "issue": SHORT, "pages": SHORT, "edition": SHORT, "copy_of": ID,
        "url": {"type": "string", "pattern": r"^https?://\S+$"}, "accessed": DAY, "note": {"type": "string"},
        "editor_note": EDITOR_NOTE,
    }, ("id", "kind", "title")), "sources.yaml: the bibliography")


def event_schema() -> dict:
    event = _obj({
        "id": ID, "title": TEXT, "names": NAMES, "kind": {"enum": list(m.EVENT_KINDS)}, "phase": ID, "lane": ID,
        "date": EDTF,
        "alternative_dates": _list(_obj({"date": EDTF, "source": ID, "locator": SHORT, "note": {"type": "string"},
                                         "editor_note": EDITOR_NOTE}, ("date", "source"))),
        "place": PLACE, "places": _list(PLACE), "map": OPEN_OBJECT,
        "sides": _list(_obj({"side": ID, "commanders": PEOPLE, "units": PEOPLE, "forces": _figures(m.FORCE_CATEGORIES),
                             "losses": _figures(m.LOSS_CATEGORIES), "note": {"type": "string"},
                             "editor_note": EDITOR_NOTE}, ("side",))),
        "outcome": TEXT, "summary": MARKDOWN, "note": MARKDOWN, "editor_note": EDITOR_NOTE,
        "figures": _list(_obj({"label": TEXT, "claims": CLAIMS, "editor_note": EDITOR_NOTE}, ("label", "claims"))),
        "citations": _list(_obj({"source": ID, "locator": SHORT, "editor_note": EDITOR_NOTE}, ("source",))),
    }, ("id", "title", "kind", "phase", "lane", "date"))
    return {"$defs": {"event": event}, "description": "events/*.yaml: one event, or a list of events",
            "anyOf": [{"$ref": "#/$defs/event"}, {"type": "array", "items": {"$ref": "#/$defs/event"}}]}


def export_schema() -> dict:
    """borderwar-report/2 JSON (``export --format json``): the normalized model, events with their data-relative
    file, claims as numbers. Open to additions (a newer tool may add keys); the core is fixed."""
    date = {"type": "object", "required": ["edtf", "display", "kind", "earliest", "latest"],
            "properties": {"edtf": {"type": "string"}, "display": {"type": "string"},
                           "kind": {"type": "string"}, "earliest": DAY, "latest": DAY}}
    claim = {"type": "object", "required": ["low", "high", "claimant", "sources"],
             "properties": {"low": {"type": "integer", "minimum": 0}, "high": {"type": "integer", "minimum": 0},
                            "claimant": ID, "sources": {"type": "array", "minItems": 1,
                                                        "items": {"type": "object", "required": ["source"]}}}}
    figures = {"type": "object", "additionalProperties": {"type": "array", "items": claim}}
    event = {"type": "object", "required": ["id", "title", "kind", "date", "file", "sides"],
             "properties": {"id": ID, "title": TEXT, "kind": {"enum": list(m.EVENT_KINDS)}, "date": date,
                            "file": {"type": "string", "pattern": r"^events/[^/]+$",
                                     "description": "the event's file, relative to the data folder"},
                            "sides": {"type": "array", "items": {"type": "object", "required": ["side"],
                                                                 "properties": {"forces": figures,
                                                                                "losses": figures}}}}}
    return {"type": "object", "required": ["format", "document", "events", "sources", "sides", "phases"],
            "properties": {"format": {"const": EXPORT_FORMAT},
                           "document": {"type": "object", "required": ["title", "edition"]},
                           "events": {"type": "array", "items": event},
                           "sources": {"type": "array", "items": {"type": "object", "required": ["id", "title", "kind"]}},
                           "sides": {"type": "array"}, "phases": {"type": "array"}}}


BUILDERS = {"document": document_schema, "sides": sides_schema, "phases": phases_schema,
            "claimants": claimants_schema, "sources": sources_schema, "event": event_schema,
            "export": export_schema}


def schema(name: str) -> dict:
    body = BUILDERS[name]()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{BASE}{name}.schema.json",
            "title": f"borderwar-report {name}", **body}


def path(name: str) -> Path:
    return HERE / f"{name}.schema.json"


def write_all() -> list[Path]:
    written = []
    for name in BUILDERS:
        text = json.dumps(schema(name), ensure_ascii=False, indent=2) + "\n"
        if not path(name).is_file() or path(name).read_text(encoding="utf-8") != text:
            path(name).write_text(text, encoding="utf-8")
            written.append(path(name))
    return written
