"""Unattended rebuilds: no-op, incremental, reproducible, atomic, locked, watched."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from borderwar_report.build.plan import BuildOptions, describe_changes
from borderwar_report.build.runner import run
from borderwar_report.core.errors import DataError
from borderwar_report.core.log import Log
from borderwar_report.core.project import Project

from .conftest import ROOT, run_cli, writable_copy

TEMPLATES = ROOT / "templates"
MAIN_OUTPUTS = ("briefing.pdf", "briefing.html", "timeline-poster.pdf", "handout.pdf")


def snapshot(out: Path) -> dict[str, tuple[int, bytes]]:
    return {p.relative_to(out).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(out.rglob("*")) if p.is_file() and p.name != ".build.lock"}


def build(data, out, templates=TEMPLATES, **options):
    return run(Project(Path(data), Path(templates), Path(out)), BuildOptions(**options), Log(quiet=True))


@pytest.fixture
def built(mini_build):
    """The mini data set and its outputs, built once per test run (read-only: tests copy, not rebuild)."""
    return mini_build


@pytest.fixture
def workspace(mini_build, tmp_path):
    data, out = mini_build
    return writable_copy(data, tmp_path / "data"), writable_copy(out, tmp_path / "out")


def test_build_writes_every_output_and_a_manifest(built):
    _, out = built
    manifest = json.loads((out / "manifest.json").read_text())
    for name in MAIN_OUTPUTS:
        assert (out / name).is_file(), name
        info = manifest["outputs"][name]
        assert info["size"] == (out / name).stat().st_size
        assert len(info["sha256"]) == 64
    assert manifest["data"]["events"] == 4
    assert manifest["data"]["revision"]
    assert manifest["build_seconds"] > 0
    assert not list(out.glob(".staging-*")), "staging folders must not be left behind"


def test_noop_is_fast_touches_nothing_and_imports_nothing_heavy(workspace):
    data, out = workspace
    before = snapshot(out)
    code = ("import sys, time; t = time.perf_counter();"
            "from borderwar_report.build.runner import run, BuildOptions; from borderwar_report.core.project import Project;"
            "from borderwar_report.core.log import Log;"
            f"r = run(Project({str(data)!r}, {str(TEMPLATES)!r}, {str(out)!r}), BuildOptions(), Log(quiet=True));"
            "print(r.status, time.perf_counter() - t, *sorted(m for m in ('matplotlib', 'weasyprint', 'yaml', 'jinja2')"
            " if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    status, seconds, *heavy = result.stdout.split()
    assert status == "up-to-date"
    assert heavy == [], f"the no-op path imported {heavy}"
    assert snapshot(out) == before
    # Timing targets live in benchmarks/; this only guards against a gross regression.
    assert float(seconds) < 5


def test_cli_says_up_to_date(workspace):
    data, out = workspace
    result = run_cli("build", "--data", data, "--out", out, "--templates", TEMPLATES)
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stderr


@pytest.mark.slow
def test_data_edit_rebuilds_and_reports_what_changed(workspace):
    data, out = workspace
    path = data / "events" / "treaty.yaml"
    path.write_text(path.read_text().replace("Treaty of friendship", "Treaty of lasting friendship"))
    result = build(data, out)
    assert result.status == "built"
    assert "charts" in result.ran and "briefing" in result.ran
    assert result.changes == ["events edited: treaty"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["changes"] == ["events edited: treaty"]


@pytest.mark.slow
def test_template_edit_retypesets_without_redrawing_charts(workspace, tmp_path):
    import shutil

    data, out = workspace
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    build(data, out, templates=templates)  # a new templates folder: fonts and style identical
    css = next(templates.glob("*.css"), None) or templates / "briefing.html.j2"
    css.write_text(css.read_text() + "\n/* edited */\n")
    result = build(data, out, templates=templates)
    assert result.status == "built"
    assert "charts" not in result.ran
    assert "briefing" in result.ran


@pytest.mark.slow
def test_force_rebuilds_what_is_up_to_date(workspace):
    """On an up-to-date folder a build does nothing and a forced one builds (shown on the handout, the
    cheapest output; every step of a build from an empty folder: test_same_inputs_give_identical_bytes)."""
    data, out = workspace
    assert build(data, out, only=("handout",)).ran == ()
    assert list(build(data, out, force=True, only=("handout",)).ran) == ["handout"]


def test_page_map_gives_the_same_briefing(workspace, monkeypatch):
    """A rebuild prints the page references from the last build's page map instead of target-counter passes;
    the check after rendering makes a stale or broken map harmless: the PDF is byte-identical every time.
    (The briefing rendered in one piece, as on a one-core machine; the parts: the next test.)"""
    import io

    from borderwar_report.documents.briefing import PAGE_MAP

    monkeypatch.setenv("BORDERWAR_SERIAL", "1")
    data, out = workspace
    pages = json.loads((out / PAGE_MAP).read_text())
    assert pages and all(type(v) is int for v in pages.values())

    def rebuild():
        stream = io.StringIO()
        run(Project(data, TEMPLATES, out), BuildOptions(force=True, only=("briefing",)),  # charts as they are
            Log(stream=stream, verbose=True))
        return stream.getvalue(), (out / "briefing.pdf").read_bytes()

    log, first = rebuild()
    assert "page references from map\n" in log
    assert "; 1 layout(s)" in log  # the chapter-end decisions of the last build, for the same HTML, reused
    (out / PAGE_MAP).write_text(json.dumps({k: v + 1 for k, v in pages.items()}))
    log, again = rebuild()
    assert re.search(r"page references from map, (set in place|corrected)\n", log), log
    assert again == first
    (out / PAGE_MAP).write_text(json.dumps({k: v for k, v in list(pages.items())[1:]}))
    log, again = rebuild()
    assert re.search(r"page references from guesses(, set in place|, corrected)?\n", log), log  # one was missing
    assert again == first
    (out / PAGE_MAP).unlink()
    log, again = rebuild()
    assert re.search(r"page references from guesses(, set in place|, corrected)?\n", log), log
    assert again == first
    assert json.loads((out / PAGE_MAP).read_text()) == pages


def test_the_briefing_in_parts_is_the_briefing_in_one_piece(workspace, tmp_path, monkeypatch):
    """On a machine with cores to spare the briefing is laid out in parts at once (chunkrender.py): same pages,
    text, bookmarks and link destinations as one render; a rebuild from the last build's page map is the
    same file, and so is one from a wrong map (the parts lay themselves out again with the real numbers)."""
    import io

    import pypdf

    from borderwar_report.documents import chunkrender
    from borderwar_report.documents.briefing import PAGE_MAP

    if chunkrender.workers() < 2:
        pytest.skip("one core: the briefing is always rendered in one piece here")
    data, out = workspace

    def rebuild(target, serial=False):
        if serial:
            monkeypatch.setenv("BORDERWAR_SERIAL", "1")
        else:
            monkeypatch.delenv("BORDERWAR_SERIAL", raising=False)
        stream = io.StringIO()
        if not (target / "charts").is_dir():
            run(Project(data, TEMPLATES, target), BuildOptions(force=True, only=("charts",)), Log(quiet=True))
        # The briefing alone: a full build gives the slides, poster and handout the second core.
        run(Project(data, TEMPLATES, target), BuildOptions(force=True, only=("briefing",)),
            Log(stream=stream, verbose=True))
        return stream.getvalue(), (target / "briefing.pdf").read_bytes()

    log, parts = rebuild(out)
    assert "pages laid out in" in log, log
    assert "(0 laid out again" in log  # the page map of the last build gave every number
    _, one = rebuild(tmp_path / "one", serial=True)
    a, b = pypdf.PdfReader(io.BytesIO(one)), pypdf.PdfReader(io.BytesIO(parts))
    assert [p.extract_text() for p in a.pages] == [p.extract_text() for p in b.pages]
    assert [(o.title, a.get_destination_page_number(o)) for o in a.outline if not isinstance(o, list)] == \
        [(o.title, b.get_destination_page_number(o)) for o in b.outline if not isinstance(o, list)]
    assert {k: a.get_destination_page_number(v) for k, v in a.named_destinations.items()} == \
        {k: b.get_destination_page_number(v) for k, v in b.named_destinations.items()}
    pages = json.loads((out / PAGE_MAP).read_text())
    (out / PAGE_MAP).write_text(json.dumps({k: v + 9 for k, v in pages.items()}))  # other numbers, other widths
    log, again = rebuild(out)
    assert again == parts
    assert "(0 laid out again" not in log
    # In a fresh process the parts are forked from a process started as the step begins (early_render.py);
    # here WeasyPrint is imported already, so that is asked for.
    from borderwar_report.documents import early_render

    started = []
    monkeypatch.setattr(early_render, "weasyprint_imported", lambda: False)
    real = early_render.EarlyRenderer
    monkeypatch.setattr(early_render, "EarlyRenderer", lambda: started.append(1) or real())
    (out / PAGE_MAP).write_text(json.dumps(pages))
    log, early = rebuild(out)
    assert started == [1]
    assert "pages laid out in" in log, log
    assert early == parts


@pytest.mark.slow
def test_same_inputs_give_identical_bytes(built, tmp_path):
    data, first = built
    second = tmp_path / "again"
    assert set(build(data, second).ran) == {"charts", "briefing", "poster", "handout"}
    a, b = snapshot(first), snapshot(second)
    a.pop("manifest.json"), b.pop("manifest.json")
    assert sorted(a) == sorted(b)
    differing = [name for name in a if a[name][1] != b[name][1]]
    assert differing == []


def test_bad_data_keeps_previous_outputs(workspace):
    data, out = workspace
    before = snapshot(out)
    (data / "events" / "broken.yaml").write_text("id: broken\ntitle: [unclosed\n")
    with pytest.raises(DataError):
        build(data, out)
    result = run_cli("build", "--data", data, "--out", out, "--templates", TEMPLATES)
    assert result.returncode == 1
    assert "broken.yaml:2" in result.stderr and "unchanged" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(out) == before


def test_broken_template_names_file_and_line_and_keeps_outputs(workspace, tmp_path):
    import shutil

    data, out = workspace
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    page = templates / "briefing.html.j2"
    lines = page.read_text().splitlines()
    lines.insert(3, "{% if %}")
    page.write_text("\n".join(lines) + "\n")
    before = snapshot(out)
    result = run_cli("build", "--data", data, "--out", out, "--templates", templates)
    assert result.returncode == 3, result.stderr
    assert "briefing.html.j2:4" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(out) == before


@pytest.mark.slow
def test_sigterm_mid_build_keeps_previous_outputs(workspace):
    data, out = workspace
    before = snapshot(out)
    proc = subprocess.Popen([sys.executable, "-m", "borderwar_report", "build", "--force", "--data", str(data),
                             "--out", str(out), "--templates", str(TEMPLATES)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)  # past start-up, inside the steps
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the build finished before the signal arrived")
    assert "keeps its previous outputs" in err
    assert snapshot(out) == before
    assert not list(out.glob(".staging-*"))


@pytest.mark.slow
def test_concurrent_builds_do_not_interleave(workspace):
    """A second build started while a first holds the output folder waits, then finds its outputs made by
    the first: one full build and one that waits, not two full builds racing."""
    data, out = workspace
    args = [sys.executable, "-m", "borderwar_report", "build", "-v", "--data", str(data), "--out", str(out),
            "--templates", str(TEMPLATES)]
    first = subprocess.Popen([*args, "--force"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first_err = []
    for line in first.stderr:  # "reading" is logged once the build holds the lock
        first_err.append(line)
        if "reading" in line:
            break
    second = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, rest = first.communicate(timeout=300)
    _, second_err = second.communicate(timeout=300)
    first_err = "".join(first_err) + rest
    assert [first.returncode, second.returncode] == [0, 0], (first_err, second_err)
    assert "reading" in first_err and "waiting" not in first_err
    assert "waiting" in second_err, "the second build should have waited for the lock"
    manifest = json.loads((out / "manifest.json").read_text())
    for name, info in manifest["outputs"].items():
        assert (out / name).stat().st_size == info["size"], name
    assert not list(out.glob(".staging-*"))


def test_describe_changes():
    assert describe_changes({"a": "1", "b": "2"}, {"b": "3", "c": "4"}) == \
        ["events added: c", "events removed: a", "events edited: b"]


@pytest.mark.slow
def test_watch_rebuilds_on_edit_and_survives_a_broken_edit(workspace):
    data, out = workspace
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "borderwar_report", "watch", "--data", str(data), "--out",
                             str(out), "--templates", str(TEMPLATES), "--debounce", "0.2"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: list[str] = []
    import queue
    import threading

    pending: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [pending.put(line) for line in proc.stdout], daemon=True).start()

    def wait_for(fragment, timeout=120):
        """Read the watcher's output until a line contains fragment; bounded in time even if it goes quiet."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = pending.get(timeout=0.5)
            except queue.Empty:
                continue
            lines.append(line)
            if fragment in line:
                return
        raise AssertionError(f"no {fragment!r} within {timeout} s; saw {''.join(lines)[-2000:]}")

    try:
        wait_for("watching")
        event = data / "events" / "treaty.yaml"
        good = event.read_text()
        edited = good.replace("Treaty of friendship", "Treaty of eternal friendship")
        event.write_text(edited)
        wait_for("rebuilt")
        event.write_text("id: treaty\ntitle: [broken\n")
        wait_for("treaty.yaml:2")
        wait_for("Waiting for the next save")
        # the repair gives back the records last built: the build after it runs and keeps the typeset PDFs
        event.write_text("# repaired\n" + edited)
        wait_for("rebuilt")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert "Traceback" not in "".join(lines)


def test_template_runtime_error_names_file_and_line(tmp_path):
    from borderwar_report.core.errors import RenderError
    from borderwar_report.documents.render import render_template

    (tmp_path / "page.html.j2").write_text("line one\n{{ 1 / 0 }}\n")
    with pytest.raises(RenderError, match=r"page\.html\.j2:2: template error: ZeroDivisionError"):
        render_template(tmp_path, "page.html.j2")
