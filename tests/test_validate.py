"""Every validation rule, each with a broken example and the (line, field, code) it must produce."""

import re
import shutil
from pathlib import Path

import pytest

from borderwar_report.core.errors import DataError
from borderwar_report.records.validate import load_dataset, validate_folder

from .conftest import FIXTURES, run_cli

BROKEN = sorted((FIXTURES / "broken").glob("*.yaml"))


def place_broken(data: Path, case: Path) -> Path:
    """`events--x.yaml` joins events/; `sources.yaml--x.yaml` replaces sources.yaml."""
    target_name, _ = case.name.split("--", 1)
    target = data / "events" / case.name.split("--", 1)[1] if target_name == "events" else data / target_name
    shutil.copyfile(case, target)
    return target


def expectations(case: Path) -> set[tuple[int, str, str]]:
    out = set()
    for line in case.read_bytes().decode("utf-8", "replace").splitlines():
        found = re.match(r"# expect: (\d+) (\S*) (\S+)$", line)
        if found:
            out.add((int(found[1]), found[2], found[3]))
    return out


@pytest.mark.parametrize("case", BROKEN, ids=[c.stem for c in BROKEN])
def test_broken_example_reports_its_problem(mini, case):
    target = place_broken(mini, case)
    expected = expectations(case)
    assert expected, f"{case.name} has no '# expect:' line"
    problems = validate_folder(mini)
    found = {(p.line, p.field, p.code) for p in problems if Path(p.path).name == target.name}
    assert expected <= found, f"expected {expected}, got {[str(p) for p in problems]}"


def test_all_problems_reported_at_once(mini):
    for case in BROKEN:
        if case.name.startswith("events--"):
            place_broken(mini, case)
    problems = validate_folder(mini)
    files = {Path(p.path).name for p in problems}
    assert len(files) >= 15


def test_message_format_names_file_line_and_field(mini):
    place_broken(mini, FIXTURES / "broken" / "events--negative-figure.yaml")
    with pytest.raises(DataError) as info:
        load_dataset(mini)
    line = str(info.value.problems[0])
    assert re.match(r"^.*negative-figure\.yaml:11: sides\[0\]\.losses\.killed\[0\]\.value: "
                    r"must be a whole number ≥ 0, got -300 \[figure-negative\]$", line), line


def test_cli_validate_exit_code_and_no_traceback(mini):
    place_broken(mini, FIXTURES / "broken" / "events--not-utf8.yaml")
    place_broken(mini, FIXTURES / "broken" / "events--tabs.yaml")
    result = run_cli("validate", "--data", mini)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "not-utf8.yaml:3: not UTF-8 (byte 0xE9); save the file as UTF-8 [encoding]" in result.stderr
    assert "tabs.yaml:5:" in result.stderr and "tab" in result.stderr
    assert "2 problems in 2 files" in result.stderr


def test_huge_title_is_refused(mini):
    path = mini / "events" / "huge.yaml"
    path.write_text("id: huge\ntitle: " + "x" * 1_000_000 + "\nkind: battle\nphase: early\nlane: west\n"
                    "date: 1936-01-01\n", encoding="utf-8")
    problems = validate_folder(mini)
    assert [(p.line, p.field, p.code) for p in problems] == [(2, "title", "too-long")]
    assert len(str(problems[0])) < 300


def test_empty_data_folder(tmp_path):
    problems = validate_folder(tmp_path)
    codes = {p.code for p in problems}
    assert {"missing-file", "no-events"} <= codes


def test_missing_data_folder(tmp_path):
    assert [p.code for p in validate_folder(tmp_path / "nope")] == ["no-data"]


def test_bom_and_crlf_files_load_like_plain_ones(mini):
    path = mini / "events" / "treaty.yaml"
    plain = load_dataset(mini)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    again = load_dataset(mini)
    assert [e.title for e in again.events] == [e.title for e in plain.events]
    assert again.events[-1].names[0].text == "友好条约"


def test_norway_problem_scalars_stay_text(mini):
    (mini / "events" / "no.yaml").write_text(
        "id: no-event\ntitle: NO\nkind: battle\nphase: early\nlane: west\ndate: 1936-01-01\n", encoding="utf-8")
    ds = load_dataset(mini)
    assert any(e.title == "NO" for e in ds.events)


def test_unknown_stays_unknown_not_zero(mini):
    ds = load_dataset(mini)
    raid = next(e for e in ds.events if e.id == "uncertain-raid")
    assert raid.sides == ()
    clash = next(e for e in ds.events if e.id == "first-clash")
    north = next(s for s in clash.sides if s.side == "north")
    assert "wounded" not in north.losses  # absent, not 0
    assert north.losses["killed"][0].low == 0  # an explicit zero stays a zero


def test_colours_default_to_okabe_ito_in_file_order(mini):
    ds = load_dataset(mini)
    assert [s.colour for s in ds.sides] == ["#0072B2", "#D55E00"]


@pytest.mark.slow
def test_many_copies_of_one_id_cost_linear_time_and_point_at_the_first(mini):
    import time

    copies = 10_000
    record = "- {id: treaty, title: Copy, kind: diplomacy, phase: late, lane: talks, date: 1939-01-01}\n"
    (mini / "events" / "zz-copies.yaml").write_text(record * copies, encoding="utf-8")  # after treaty.yaml
    started = time.process_time()
    problems = [p for p in validate_folder(mini) if p.code == "duplicate-id"]
    assert time.process_time() - started < 20
    assert len(problems) == copies  # every copy once; the first (treaty.yaml) is named, not repeated
    assert all(len(p.message) < 200 for p in problems)
    assert all("treaty.yaml:1" in p.message for p in problems)
    assert not any(Path(p.path).name == "treaty.yaml" for p in problems)


def test_a_long_list_of_problems_is_capped_with_a_count_of_the_rest():
    from borderwar_report.core.errors import MAX_REPORTED, Problem

    problems = [Problem("events/x.yaml", i + 1, "title", "is required", "missing-field") for i in range(100_000)]
    report = DataError(problems).report().splitlines()
    assert len(report) == MAX_REPORTED + 1
    assert report[-1] == f"… and {100_000 - MAX_REPORTED:,} more problems (fix these and run validate again)"
    assert report[0] == "events/x.yaml:1: title: is required [missing-field]"


def test_event_outside_the_documents_span_is_a_warning_not_an_error(mini):
    doc = mini / "document.yaml"
    doc.write_text(doc.read_text(encoding="utf-8").replace("edition:", "span: 1935/1939\nedition:"), encoding="utf-8")
    phases = mini / "phases.yaml"
    phases.write_text(phases.read_text(encoding="utf-8").replace("1938/1939", "1938/1941"), encoding="utf-8")
    (mini / "events" / "late.yaml").write_text(
        "id: late-raid\ntitle: After the span\nkind: battle\nphase: late\nlane: west\ndate: 1940-06\n",
        encoding="utf-8")
    warnings = []
    ds = load_dataset(mini, warnings=warnings)
    assert any(e.id == "late-raid" for e in ds.events)
    assert [(Path(w.path).name, w.line, w.field, w.code, w.severity) for w in warnings] == \
        [("late.yaml", 1, "date", "date-outside-span", "warning")]
    assert "warning:" in str(warnings[0]) and "1935/1939" in str(warnings[0])
    result = run_cli("validate", "--data", mini)
    assert result.returncode == 0, result.stderr
    assert "late.yaml:1: date: warning:" in result.stderr


def test_markdown_without_html_is_not_mistaken_for_html(mini):
    event = mini / "events" / "first-clash.yaml"
    text = event.read_text(encoding="utf-8")
    changed = text.replace("summary: A patrol met", "summary: Fewer than 3 < 5 men, see <https://example.org>; a patrol met")
    assert changed != text
    event.write_text(changed, encoding="utf-8")
    assert [p for p in validate_folder(mini) if p.code == "raw-html"] == []
