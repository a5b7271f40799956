"""Broken input through the real command: exit 1, FILE:LINE: field: message, no traceback, and the
previous outputs left exactly as they were."""

import shutil

import pytest

from borderwar_report.cli import main

from .conftest import ROOT, writable_copy
from .test_build import snapshot
from .test_validate import BROKEN, expectations, place_broken

TEMPLATES = ROOT / "templates"


@pytest.fixture
def built_mini(mini_build, tmp_path):
    data, out = mini_build
    return data, writable_copy(out, tmp_path / "built-out")


def run_main(*args):
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        return exc.code
    return 0


@pytest.mark.parametrize("case", BROKEN, ids=[c.stem for c in BROKEN])
def test_broken_input_build_exits_1_and_keeps_outputs(built_mini, tmp_path, capsys, case):
    data, out = built_mini
    work = tmp_path / "data"
    writable_copy(data, work)
    target = place_broken(work, case)
    before = snapshot(out)
    code = run_main("build", "--data", work, "--out", out, "--templates", TEMPLATES)
    err = capsys.readouterr().err
    assert code == 1, err
    assert "Traceback" not in err
    for line, field, _ in expectations(case):
        prefix = f"{target.name}:{line}:" + (f" {field}:" if field else "")
        assert prefix in err, f"{prefix!r} not in {err!r}"
    assert "nothing was built" in err and "unchanged" in err
    assert snapshot(out) == before


@pytest.mark.parametrize("what", ["empty-folder", "huge-title", "missing-folder"])
def test_other_hostile_data(built_mini, tmp_path, capsys, what):
    data, out = built_mini
    work = tmp_path / "data"
    if what == "empty-folder":
        work.mkdir()
    elif what == "huge-title":
        writable_copy(data, work)
        (work / "events" / "huge.yaml").write_text("id: huge\ntitle: " + "x" * 1_000_000 + "\nkind: battle\n"
                                                   "phase: early\nlane: west\ndate: 1936-01-01\n")
    before = snapshot(out)
    code = run_main("build", "--data", work, "--out", out, "--templates", TEMPLATES)
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err
    assert len(err) < 5000, "a huge field must not be echoed back whole"
    assert snapshot(out) == before


def test_usage_error_exits_2(capsys):
    assert run_main("build", "--paper", "a5") == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory", "dangling-symlink", "too-big"])
@pytest.mark.parametrize("where", ["events/special.yaml", "sources.yaml"])
def test_files_that_are_not_plain_files_fail_validate_and_build_alike(built_mini, tmp_path, capsys, kind, where):
    from .test_yamlsrc import _special

    data, out = built_mini
    work = tmp_path / "data"
    writable_copy(data, work)
    target = work / where
    target.unlink(missing_ok=True)
    _special(kind, target, tmp_path)
    before = snapshot(out)
    assert run_main("validate", "--data", work) == 1
    validate_err = capsys.readouterr().err
    assert run_main("build", "--data", work, "--out", out, "--templates", TEMPLATES) == 1
    build_err = capsys.readouterr().err
    for err in (validate_err, build_err):
        assert "Traceback" not in err
        assert f"{target.name}: cannot read: " in err, err
    assert snapshot(out) == before
