"""Long unattended runs around the build: tampered manifests, careless folder layouts, killed builds,
read-only outputs, closed pipes, signals and the watcher's start-up race."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from borderwar_report.build.lock import BuildLocked, build_lock
from borderwar_report.core.log import Log

from .conftest import run_cli, writable_copy
from .test_build import TEMPLATES, build, built, snapshot, workspace  # noqa: F401 (fixtures)


def test_tampered_manifest_never_deletes_outside_or_foreign_files(workspace, tmp_path):
    data, out = workspace
    outside = tmp_path / "victim.txt"
    absolute = tmp_path / "absolute-victim.txt"
    foreign = out / "notes.txt"  # the user's own file, never written by a build
    for path in (outside, absolute, foreign):
        path.write_text("keep me")
    manifest = json.loads((out / "manifest.json").read_text())
    fake = {"sha256": "0" * 64, "size": 7, "step": "handout"}
    manifest["outputs"].update({"../victim.txt": fake, str(absolute): fake, "notes.txt": fake,
                                "charts/../../victim.txt": fake})
    (out / "manifest.json").write_text(json.dumps(manifest))
    build(data, out, force=True, only=("handout",))
    assert outside.read_text() == absolute.read_text() == foreign.read_text() == "keep me"
    listed = json.loads((out / "manifest.json").read_text())["outputs"]
    assert not [rel for rel in listed if ".." in rel or rel.startswith("/") or rel == "notes.txt"]
    assert (out / "handout.pdf").is_file()


@pytest.mark.slow
def test_output_folder_inside_the_data_folder_is_ignored(workspace):
    data, built = workspace
    out = data / "out"
    shutil.move(built, out)
    assert build(data, out).status == "up-to-date"  # the outputs now in the data folder are not an input change
    event = data / "events" / "treaty.yaml"
    event.write_text(event.read_text().replace("Treaty of friendship", "Treaty of lasting friendship"))
    assert build(data, out, only=("handout",)).status == "built"
    assert build(data, out, only=("handout",)).status == "up-to-date"  # nor is what the build wrote there


@pytest.mark.parametrize("layout", ["same", "data-inside-out"])
def test_output_folder_that_holds_the_data_is_refused(tmp_path, layout):
    from .conftest import FIXTURES

    out = tmp_path / "out"
    data = out if layout == "same" else out / "data"
    shutil.copytree(FIXTURES / "mini", data)
    result = run_cli("build", "--data", data, "--out", out, "--templates", TEMPLATES)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "--out" in result.stderr
    assert sorted(p.name for p in data.iterdir()) == sorted(p.name for p in (FIXTURES / "mini").iterdir())


def test_stale_staging_is_cleaned_and_a_lost_lock_file_does_not_let_two_builds_in(workspace):
    data, out = workspace
    stale = out / ".staging-killed"
    stale.mkdir()
    (stale / "briefing.pdf").write_bytes(b"half")
    assert build(data, out).status == "up-to-date"
    assert not stale.exists(), "a staging folder left by a killed build is removed under the lock"

    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from borderwar_report.build.runner import build_lock
        from borderwar_report.core.log import Log
        with build_lock(Path({str(out)!r}), Log(quiet=True), 0):
            (Path({str(out)!r}) / ".staging-live").mkdir()
            print("locked", flush=True)
            sys.stdin.read()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        for path in out.iterdir():  # whatever file a lock might live in, it is gone now
            if path.is_file() and path.name.startswith("."):
                path.unlink()
        with pytest.raises(BuildLocked):
            with build_lock(out, Log(quiet=True), 0.5):
                pass
        assert (out / ".staging-live").is_dir(), "a live build's staging folder is not touched"
    finally:
        holder.communicate("", timeout=30)
    with build_lock(out, Log(quiet=True), 0.5):
        pass


AUDIT_READ_ONLY = """
import os, sys
out = os.path.realpath(sys.argv[1])
def inside(path):
    try:
        return os.path.realpath(os.fsdecode(path)).startswith(out)
    except TypeError:
        return False
def hook(event, args):
    writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
    if event == "open" and inside(args[0]) and ((args[1] or "r").strip("rbt") or (args[2] or 0) & writes):
        raise PermissionError(13, "read-only (test)", args[0])
    if event in ("os.mkdir", "os.remove", "os.rename", "os.rmdir", "shutil.rmtree", "os.chmod") and inside(args[0]):
        raise PermissionError(13, "read-only (test)", args[0])
sys.addaudithook(hook)
from borderwar_report.cli import main
main(sys.argv[2:])
"""


def test_up_to_date_build_writes_nothing_so_a_read_only_out_works(workspace):
    data, out = workspace
    result = subprocess.run([sys.executable, "-c", AUDIT_READ_ONLY, str(out), "build", "--data", str(data),
                             "--out", str(out), "--templates", str(TEMPLATES)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stderr


@pytest.mark.parametrize(("args", "code"), [(("build",), 0), (("validate", "--data", "nowhere"), 1)])
def test_a_closed_stderr_pipe_keeps_the_exit_code(workspace, args, code):
    data, out = workspace
    extra = ["--data", str(data), "--out", str(out), "--templates", str(TEMPLATES)] if args == ("build",) else []
    proc = subprocess.Popen([sys.executable, "-m", "borderwar_report", *args, *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    proc.stderr.close()  # the reader went away (e.g. `… 2>&1 | head -1`)
    assert proc.wait(timeout=120) == code


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_watch_debounce_must_be_a_finite_number_of_seconds(value):
    result = run_cli("watch", "--debounce", value)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "--debounce" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_group_signal_mid_build_prints_no_traceback_and_leaves_no_staging(workspace, sig):
    data, out = workspace
    before = snapshot(out)
    proc = subprocess.Popen([sys.executable, "-m", "borderwar_report", "build", "-v", "--force", "--data",
                             str(data), "--out", str(out), "--templates", str(TEMPLATES)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    seen = []
    for line in proc.stderr:  # inside the steps, with the side-steps process forked and drawing
        seen.append(line)
        if "charts (slides)" in line:
            break
    os.killpg(proc.pid, sig)  # what a CI runner or systemd (SIGTERM), or a closed terminal (SIGHUP) sends
    _, err = proc.communicate(timeout=60)
    err = "".join(seen) + err
    if proc.returncode == 0:
        pytest.skip("the build finished before the signal arrived")
    assert "Traceback" not in err, err
    assert "keeps its previous outputs" in err
    assert snapshot(out) == before
    assert not list(out.glob(".staging-*"))


class _SaveOnAnnouncement:
    """stderr for the watcher that saves an edit the instant "watching" is printed: the race, made certain."""

    def __init__(self, event: Path, stop: threading.Event):
        self.event, self.stop, self.text = event, stop, ""

    def write(self, text: str) -> None:
        self.text += text
        if "watching" in text:
            self.event.write_text(self.event.read_text().replace("Treaty of friendship", "Treaty of peace"))
        if "rebuilt" in text:
            self.stop.set()

    def flush(self) -> None:
        pass


@pytest.mark.slow
def test_watch_builds_a_save_made_right_after_it_says_watching(workspace, monkeypatch):
    from borderwar_report.core.project import Project
    from borderwar_report.build.watch import watch_and_build

    data, out = workspace
    stop = threading.Event()
    stream = _SaveOnAnnouncement(data / "events" / "treaty.yaml", stop)
    monkeypatch.setattr(sys, "stderr", stream)
    timer = threading.Timer(180, stop.set)  # a bound on a failing test, not a wait the test relies on
    timer.start()
    try:
        watch_and_build(Project(data, TEMPLATES, out), debounce=0.1, stop=stop)
    finally:
        timer.cancel()
    assert "rebuilt" in stream.text, stream.text
    assert "Treaty of peace" in (out / "briefing.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_endless_template_loop_ends_with_exit_3(tmp_path, mini_build):
    data, out = writable_copy(mini_build[0], tmp_path / "data"), writable_copy(mini_build[1], tmp_path / "out")
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    page = templates / "handout.html.j2"
    endless = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n"  # 10^10 turns
    page.write_text(endless + page.read_text(encoding="utf-8"))
    env = {**os.environ, "BORDERWAR_RENDER_TIMEOUT": "1"}  # the loop burns a core until then
    started = time.monotonic()
    result = run_cli("handout", "--data", data, "--out", out, "--templates", templates, env=env, timeout=300)
    assert result.returncode == 3, result.stderr
    assert "handout.html.j2" in result.stderr and "1 s" in result.stderr
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 120


@pytest.mark.parametrize("body", ['{"outputs": {"briefing.pdf": 5}, "steps": []}', '[1, 2]', '{"outputs": "x"}'])
def test_a_manifest_of_the_wrong_shape_means_rebuild_not_crash(workspace, body):
    data, out = workspace
    (out / "manifest.json").write_text(body)
    assert build(data, out, only=("handout",)).status == "built"
    assert json.loads((out / "manifest.json").read_text())["outputs"]["handout.pdf"]["size"] > 0
