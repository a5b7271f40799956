"""The shipped JSON Schemas: current with the model, the shipped data and the JSON export validate against
them, and they refuse what the validator refuses on shape (so an editor flags it while typing)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from borderwar_report.records import schemas
from borderwar_report.records.export import to_json
from borderwar_report.records.validate import load_dataset

from .conftest import FIXTURES, ROOT

DATA = ROOT / "data"
FILES = {"document": ["document.yaml"], "sides": ["sides.yaml"], "phases": ["phases.yaml"],
         "claimants": ["claimants.yaml"], "sources": ["sources.yaml"],
         "event": sorted(p.relative_to(DATA).as_posix() for p in (DATA / "events").glob("*.yaml"))}


class EditorLoader(yaml.SafeLoader):
    """YAML as an editor's YAML 1.2 parser reads it: 2026-11-26 stays text (no YAML 1.1 timestamps)."""


EditorLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def load(path: Path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=EditorLoader)


def validator(name: str):
    shipped = json.loads(schemas.path(name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(shipped)
    return jsonschema.Draft202012Validator(shipped)


def test_shipped_schemas_are_current_with_the_model():
    for name in schemas.BUILDERS:
        assert json.loads(schemas.path(name).read_text(encoding="utf-8")) == schemas.schema(name), \
            f"{name}.schema.json is stale: run python -m borderwar_report.records.schemas"


@pytest.mark.parametrize("name", sorted(FILES))
def test_shipped_data_validates(name):
    check = validator(name)
    for rel in FILES[name]:
        errors = [f"{rel}: {list(e.absolute_path)}: {e.message[:200]}" for e in check.iter_errors(load(DATA / rel))]
        assert errors == []


@pytest.mark.slow
def test_mini_fixture_validates():
    for name in ("document", "sides", "phases", "claimants", "sources"):
        assert list(validator(name).iter_errors(load(FIXTURES / "mini" / f"{name}.yaml"))) == []
    for path in (FIXTURES / "mini" / "events").glob("*.yaml"):
        assert list(validator("event").iter_errors(load(path))) == [], path.name


def test_export_validates_and_names_no_machine_path():
    body = json.loads(to_json(load_dataset(DATA)))
    assert body["format"] == schemas.EXPORT_FORMAT
    assert list(validator("export").iter_errors(body)) == []
    body["events"][0]["file"] = str(DATA / "events" / "x.yaml")
    assert list(validator("export").iter_errors(body)), "an absolute path must not pass"


@pytest.mark.parametrize(("name", "rel", "change"), [
    ("event", "events/lake-khasan-1938.yaml", lambda d: d.update(kind="skirmish")),
    ("event", "events/lake-khasan-1938.yaml", lambda d: d.update(colour="red")),
    ("event", "events/lake-khasan-1938.yaml", lambda d: d["sides"][0]["losses"].update(dead=[{"value": 1}])),
    ("event", "events/lake-khasan-1938.yaml",
     lambda d: d["sides"][0]["losses"]["killed"][0].pop("claimant")),
    ("sources", "sources.yaml", lambda d: d[0].pop("kind")),
    ("sources", "sources.yaml", lambda d: d[0].update(kind="blog")),
    ("document", "document.yaml", lambda d: d.update(paper="a5")),
    ("claimants", "claimants.yaml", lambda d: d[0].update(id="Not An Id")),
])
def test_schemas_refuse_what_the_validator_refuses(name, rel, change):
    value = load(DATA / rel)
    change(value)
    assert list(validator(name).iter_errors(value))
