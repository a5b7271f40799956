"""The command line as click, Quarto and mkdocs users expect it: case-insensitive choices, `-o -`, the same
-q/-v/--debug on every command (before or after its name), usage errors as sentences, and a log that says
what a person needs."""

from __future__ import annotations

import io
import json
import os
import threading

import pytest

from borderwar_report.cli import cli, main
from borderwar_report.core.log import Log
from borderwar_report.build.watch import _interesting

from .conftest import FIXTURES, run_cli

COMMANDS = sorted(cli.commands)


def run_main(capsys, *args):
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_takes_quiet_verbose_and_debug(capsys, name):
    code, out, _ = run_main(capsys, name, "--help")
    assert code == 0
    for flag in ("-q, --quiet", "-v, --verbose", "--debug"):
        assert flag in out, (name, flag)


@pytest.mark.parametrize("args", [("-q", "validate"), ("validate", "-q"), ("--debug", "validate", "-v"),
                                  ("validate", "--debug")])
def test_common_flags_before_or_after_the_command(capsys, args):
    code, out, err = run_main(capsys, *args, "--data", FIXTURES / "mini")
    assert code == 0, err
    assert "valid" in out


def test_choices_are_case_insensitive_and_dash_is_standard_output(capsys):
    code, out, err = run_main(capsys, "export", "--data", FIXTURES / "mini", "--format", "JSON", "-o", "-")
    assert code == 0, err
    assert json.loads(out)["format"] == "borderwar-report/2"
    assert not os.path.exists("-")


def test_out_naming_a_file_is_a_usage_error_with_a_sentence(tmp_path):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"not a folder")
    result = run_cli("build", "--data", FIXTURES / "mini", "--out", target, "--paper", "Letter")
    assert result.returncode == 2
    assert "is a file; give a folder" in result.stderr
    assert "Traceback" not in result.stderr and "FileExistsError" not in result.stderr
    assert target.read_bytes() == b"not a folder"


def test_chart_statistics_only_with_verbose():
    quiet_stream, verbose_stream = io.StringIO(), io.StringIO()
    for log in (Log(stream=quiet_stream), Log(stream=verbose_stream, verbose=True)):
        log.info("built")
        log.detail("chart casualties: 13 events, 2 series")
    assert quiet_stream.getvalue().count("\n") == 1 and "chart" not in quiet_stream.getvalue()
    assert "chart casualties" in verbose_stream.getvalue()
    silent = io.StringIO()
    Log(stream=silent, quiet=True, verbose=True).detail("x")
    assert silent.getvalue() == ""


def test_log_lines_from_two_processes_never_share_a_line(tmp_path):
    """Each line is one write(2) on the shared descriptor, so concurrent writers cannot split it."""
    path = tmp_path / "log.txt"
    with open(path, "w") as stream:
        logs = [Log(stream=stream) for _ in range(2)]

        def spam(log, tag):
            for i in range(400):
                log.info(f"{tag} line {i} " + tag * 60)

        threads = [threading.Thread(target=spam, args=(log, tag)) for log, tag in zip(logs, "AB")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    lines = path.read_text().splitlines()
    assert len(lines) == 800
    for line in lines:
        tail = line.split(" line ", 1)[1]
        assert set(tail.split(" ", 1)[1]) in ({"A"}, {"B"}), line


@pytest.mark.parametrize("name", [".lake.yaml.swp", "lake.yaml~", ".#lake.yaml", "#lake.yaml#", "4913",
                                  "lake.yaml.swo", "lake.yaml.kate-swp"])
def test_editor_temp_files_are_not_inputs(name):
    assert not _interesting(None, f"/data/events/{name}")


def test_real_inputs_are_inputs():
    assert _interesting(None, "/data/events/lake-khasan-1938.yaml")
    assert _interesting(None, "/templates/briefing.css")


@pytest.mark.slow
# That no library message reaches standard error in a quiet build: test_maps, the Chaco build.


@pytest.mark.parametrize(("text", "fix"), [("title: Khasan: the battle\n", "must be quoted"),
                                           ("a:\n  - x\n - y\n", "indentation"),
                                           ("a: *x\n", "must be quoted")])
def test_yaml_syntax_errors_come_with_the_fix(text, fix):
    from borderwar_report.records.yamlsrc import parse_yaml

    _, problems = parse_yaml(text, "f.yaml")
    assert fix in problems[0].message, problems[0].message


def test_without_fcntl_the_build_says_it_needs_posix(tmp_path, monkeypatch):
    import sys

    from borderwar_report.build.lock import build_lock
    from borderwar_report.core.errors import RenderError

    monkeypatch.setitem(sys.modules, "fcntl", None)  # as on Windows: import fcntl fails
    with pytest.raises(RenderError, match="POSIX systems"), build_lock(tmp_path / "out", Log(quiet=True), 1):
        pass
