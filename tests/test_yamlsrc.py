"""The YAML reader against hostile files: aliases, loader differences, files that are not files."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

import pytest
import yaml

from borderwar_report.records import yamlsrc
from borderwar_report.records.validate import load_dataset, validate_folder



def _bomb(levels: int) -> str:
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 10) + "]")
    lines.append(f"title: *l{levels - 1}")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_fast_and_small():
    text = _bomb(9)  # 10^9 strings if expanded
    assert len(text) < 1024
    started = time.process_time()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    doc, problems = yamlsrc.parse_yaml(text, "bomb.yaml")
    assert time.process_time() - started < 1.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 50_000  # KiB
    codes = {(p.line, p.field, p.code) for p in problems}
    assert (10, "title", "yaml-alias") in codes
    assert (2, "l1[0]", "yaml-alias") in codes
    assert all("alias" in p.message and "*l" in p.message for p in problems)


def test_recursive_alias_is_a_problem_not_a_recursion_error():
    doc, problems = yamlsrc.parse_yaml("id: x\nnames: &loop [*loop]\n", "loop.yaml")
    assert [(p.line, p.field, p.code) for p in problems] == [(2, "names[0]", "yaml-alias")]


@pytest.mark.parametrize("loader", [yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader)],
                         ids=["python", "libyaml"])
def test_null_and_tilde_are_nothing_with_either_loader(monkeypatch, loader):
    monkeypatch.setattr(yamlsrc, "_Loader", loader)
    doc, problems = yamlsrc.parse_yaml("a: ~\nb: null\nc: 'null'\nd: \"~\"\ne:\nf: NULL\n", "n.yaml")
    assert problems == []
    assert doc.value == {"a": None, "b": None, "c": "null", "d": "~", "e": None, "f": None}


def test_both_loaders_give_the_same_model(monkeypatch, mini):
    (mini / "events" / "nulls.yaml").write_text(
        "id: nulls\ntitle: Null fields\nkind: battle\nphase: early\nlane: west\ndate: 1936-01-01\n"
        "outcome: ~\nsummary: null\nplace: {name: Somewhere, lat: ~, lon: null}\n", encoding="utf-8")
    models = []
    for loader in (yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        monkeypatch.setattr(yamlsrc, "_Loader", loader)
        models.append(load_dataset(mini))
    assert models[0] == models[1]
    nulls = next(e for e in models[1].events if e.id == "nulls")
    assert nulls.outcome is None and nulls.summary == ""
    assert (nulls.place.lat, nulls.place.lon) == (None, None)


def _special(kind: str, path: Path, tmp_path: Path) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "directory":
        path.mkdir()
    elif kind == "dangling-symlink":
        path.symlink_to(tmp_path / "nowhere.yaml")
    elif kind == "too-big":
        path.write_bytes(b"# padding\n" * (yamlsrc.MAX_FILE_BYTES // 10 + 1))


SPECIAL = {"fifo": "not a regular file", "dev-zero": "not a regular file", "directory": "not a regular file",
           "dangling-symlink": "missing", "too-big": "the limit is"}


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_only_regular_files_of_bounded_size_are_read(mini, tmp_path, kind):
    path = mini / "events" / "special.yaml"
    _special(kind, path, tmp_path)
    problems = validate_folder(mini)
    mine = [p for p in problems if p.path.endswith("special.yaml")]
    assert [p.code for p in mine] == ["unreadable"], [str(p) for p in problems]
    assert SPECIAL[kind] in mine[0].message
