"""Incremental rebuilds: the cache of input digests (no-op path) and the per-chart keys (a one-record edit
redraws only the charts whose inputs changed)."""

import io
import json
import os
import shutil
from pathlib import Path

import pytest

from borderwar_report.build import plan as P
from borderwar_report.build.plan import BuildOptions, DigestCache
from borderwar_report.build.runner import run
from borderwar_report.core.log import Log
from borderwar_report.core.project import Project

from .conftest import FIXTURES, ROOT, writable_copy

TEMPLATES = ROOT / "templates"


# --- the digest cache -------------------------------------------------------------------------------

def _tree(tmp_path) -> Path:
    root = tmp_path / "tree"
    (root / "sub").mkdir(parents=True)
    (root / "a.yaml").write_text("title: one\n")
    (root / "sub" / "b.yaml").write_text("title: two\n")
    return root


def test_unchanged_files_are_not_read_again(tmp_path, monkeypatch):
    monkeypatch.setattr(P, "RACY_SECONDS", -10.0)  # as if the files were written long before
    root = _tree(tmp_path)
    first = DigestCache()
    digest = P._digest_tree(root, cache=first)
    assert first.hashed == 2
    assert len(first.seen) == 2
    again = DigestCache(json.loads(json.dumps(first.seen)))  # through the manifest's JSON
    assert P._digest_tree(root, cache=again) == digest
    assert again.hashed == 0
    assert again.seen == first.seen


def test_an_edit_that_keeps_size_and_mtime_is_seen(tmp_path, monkeypatch):
    """Same size, mtime set back (a copy with preserved times, touch -d): the ctime still moves."""
    monkeypatch.setattr(P, "RACY_SECONDS", -10.0)
    root = _tree(tmp_path)
    first = DigestCache()
    digest = P._digest_tree(root, cache=first)
    path = root / "a.yaml"
    st = path.stat()
    path.write_text("title: won\n")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    again = DigestCache(first.seen)
    assert P._digest_tree(root, cache=again) != digest
    assert again.hashed == 1


def test_a_file_written_just_before_hashing_is_never_cached(tmp_path):
    """The racy case: a second write in the same timestamp tick would leave the stat unchanged, so a file
    whose mtime or ctime is within RACY_SECONDS of the moment it is hashed is hashed again next time."""
    root = _tree(tmp_path)  # written just now
    first = DigestCache()
    P._digest_tree(root, cache=first)
    assert first.seen == {}
    again = DigestCache(first.seen)
    P._digest_tree(root, cache=again)
    assert again.hashed == 2
    # Why: an entry whose stat matches is believed without reading the file, whatever the file now holds.
    path = root / "a.yaml"
    lying = DigestCache({str(path.absolute()): _stamp(path) + "00" * 32})
    assert P._digest_tree(root, cache=lying) != P._digest_tree(root)


def _stamp(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size} {st.st_mtime_ns} {st.st_ctime_ns} {st.st_ino} {st.st_dev} "


def test_a_misshapen_cache_entry_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setattr(P, "RACY_SECONDS", -10.0)
    root = _tree(tmp_path)
    digest = P._digest_tree(root)
    path = str((root / "a.yaml").absolute())
    for entry in ([1, 2], "x", _stamp(root / "a.yaml") + "not hex" * 9 + "0", _stamp(root / "a.yaml"), None):
        assert P._digest_tree(root, cache=DigestCache({path: entry})) == digest


def test_a_build_records_the_digests_and_a_noop_reads_no_file(tmp_path, monkeypatch):
    """The manifest carries the cache; the next plan takes every digest from it."""
    monkeypatch.setattr(P, "RACY_SECONDS", -10.0)
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "mini", data)
    project = Project(data, TEMPLATES, tmp_path / "out")
    cache = DigestCache()
    keys = P.fingerprint(project, BuildOptions(), cache)
    assert any(k.startswith(str(data.absolute())) for k in cache.seen)
    assert any(k.endswith(".ttf") or k.endswith(".otf") for k in cache.seen)  # the fonts, the 18 MB
    again = DigestCache(cache.seen)
    assert P.fingerprint(project, BuildOptions(), again) == keys
    assert again.hashed == 0


# --- per-chart keys -----------------------------------------------------------------------------------

def _load(data: Path):
    from borderwar_report.records.validate import load_dataset

    return load_dataset(data)


def _keys(data: Path):
    from borderwar_report.charts import CHARTS
    from borderwar_report.charts.inputs import Keys

    ds = _load(data)
    keys = Keys(ds, Project(data, TEMPLATES, data.parent / "out"), "env")
    out = {name: keys.key("print", name) for name in CHARTS}
    out["deck"] = keys.key("deck.pptx", "deck")
    out["detail"] = keys.key("print", "detail-hill-battle")
    return out


def _reprs_are_content(value, seen_types: set) -> None:
    """Every object in a reduced copy is of a type whose repr is its content (inputs.digest hashes repr)."""
    import dataclasses
    import datetime as dt

    from borderwar_report.records.model import Organisation

    seen_types.add(type(value))
    if isinstance(value, Organisation):
        assert repr(value).startswith("Organisation(")
    elif value is None or type(value) in (str, int, float, bool, dt.date):
        pass
    elif dataclasses.is_dataclass(value):
        shown = ", ".join(f"{f.name}={getattr(value, f.name)!r}" for f in dataclasses.fields(value))
        assert repr(value) == f"{type(value).__qualname__}({shown})", type(value)  # every field, by name
        for f in dataclasses.fields(value):
            _reprs_are_content(getattr(value, f.name), seen_types)
    elif type(value) is dict:
        for k, v in value.items():
            _reprs_are_content(k, seen_types)
            _reprs_are_content(v, seen_types)
    elif type(value) in (tuple, list):
        for v in value:
            _reprs_are_content(v, seen_types)
    else:
        raise AssertionError(f"{type(value).__name__} in a reduced copy: is its repr its content?")


@pytest.mark.parametrize("data", [ROOT / "data", FIXTURES / "chaco"], ids=["shipped", "chaco"])
def test_a_key_digests_everything_in_the_reduced_copy(data):
    from borderwar_report.charts.inputs import reduce
    from borderwar_report.records.model import Organisation

    ds = _load(data)
    types: set = set()
    for kind in ("casualties", "dead", "maps", "deck"):
        _reprs_are_content(reduce(ds, kind), types)
    assert repr(Organisation("Red Army")) != repr("Red Army")


def test_a_reduced_record_is_a_copy_with_its_fields_only():
    from borderwar_report.charts.inputs import replace
    from borderwar_report.records.model import Claim, ClaimSource

    claim = Claim(5, 7, "someone", (ClaimSource("a", "p. 1"),), note="why")
    object.__setattr__(claim, "_cached", 1)
    copy = replace(claim, note=None)
    assert copy == Claim(5, 7, "someone", (ClaimSource("a", "p. 1"),))
    assert claim.note == "why"
    assert not hasattr(copy, "_cached")
    with pytest.raises(TypeError):
        replace(claim, nots=None)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_keys_follow_exactly_the_parts_each_chart_draws(mini):
    before = _keys(mini)
    battle = mini / "events" / "hill-battle.yaml"

    def changed():
        nonlocal before
        after = _keys(mini)
        diff = sorted(k for k in after if after[k] != before[k])
        before = after
        return diff

    battle.write_text("# an editor's comment above the record\n" + battle.read_text())
    assert changed() == []  # the loaded records are the same (only their line numbers moved)
    _edit(battle, "Heavy fighting for a **hill**.", "Heavy fighting for a **ridge**.")
    assert changed() == ["detail", "locator"]  # the maps name what the events' words mention
    _edit(battle, "low: 2752", "low: 2753")  # a wounded figure: only the casualty chart shows it
    assert changed() == ["casualties", "deck"]
    _edit(battle, "value: 792", "value: 793")  # a killed figure: every marker is sized by the claims of dead
    assert changed() == ["casualties", "deck", "detail", "escalation", "locator", "timeline"]
    _edit(battle, 'locator: "p. 152"', 'locator: "p. 153"')  # where in the work: the briefing's notes
    assert changed() == []


def test_the_session_builds_charts_drawn_from_reduced_data_are_those_of_the_full_data(shipped_out):
    """As below, for the shipped data, against the session build (which drew from the reduced copies):
    each chart drawn from the full data set is, byte for byte, the file the build wrote, with its index
    entry's title, alt text, caption and source; likewise the detail maps."""
    from borderwar_report.charts import CHARTS, render_chart, render_details
    from borderwar_report.core.files import reproducible_epoch

    ds = _load(ROOT / "data")
    project = Project(ROOT / "data", TEMPLATES, Path("/nonexistent"))
    index = json.loads((shipped_out / "charts" / "index.json").read_text(encoding="utf-8"))
    with reproducible_epoch(ds):
        for name in CHARTS:
            for preset, titled, fmts in (("print", False, ("svg",)), ("slides", True, ("svg", "pdf"))):
                full = render_chart(ds, project, preset, name, fmts, titled=titled)
                for fmt in fmts:
                    assert full["data"][fmt] == (shipped_out / index[name]["files"][preset][fmt]).read_bytes(), \
                        (name, preset, fmt)
                for field in ("title", "alt", "caption", "source") if preset == "print" else ():  # the index's
                    assert full[field] == index[name][field], (name, field)
        for name, chart in render_details(ds, project, "print", ("svg",)).items():
            assert chart["data"]["svg"] == (shipped_out / index[name]["files"]["print"]["svg"]).read_bytes(), name
            assert chart["alt"] == index[name]["alt"]


@pytest.mark.slow
@pytest.mark.parametrize("data", [FIXTURES / "chaco"], ids=["chaco"])
def test_a_chart_drawn_from_its_reduced_data_is_the_same_picture(data):
    """The key covers what the drawing reads because the drawing reads only the reduced copy; this checks
    that the copy leaves out nothing a chart draws: every chart, print and slides, and every detail map and
    the deck, byte for byte against the full data set."""
    from borderwar_report.charts import CHARTS, DECK, make_deck, render_chart, render_details
    from borderwar_report.charts.inputs import Keys
    from borderwar_report.core.files import reproducible_epoch

    ds = _load(data)
    project = Project(data, TEMPLATES, Path("/nonexistent"))
    keys = Keys(ds, project, "env")
    with reproducible_epoch(ds):
        pictures = {}
        for name in CHARTS:
            for preset, titled, fmts in (("print", False, ("svg",)), ("slides", True, ("svg", "pdf"))):
                full = render_chart(ds, project, preset, name, fmts, titled=titled)
                reduced = render_chart(keys.reduced(name), project, preset, name, fmts, titled=titled, locate=ds)
                for field in ("data", "title", "alt", "caption", "source"):
                    assert full[field] == reduced[field], (name, preset, field)
            pictures[name] = render_chart(ds, project, "slides", name, ("png",), titled=False)
        full = render_details(ds, project, "print", ("svg",))
        reduced = render_details(keys.reduced("detail-"), project, "print", ("svg",), locate=ds)
        assert full == reduced
        deck = [(n, pictures[n]) for n in CHARTS]
        assert make_deck(ds, deck) == make_deck(keys.reduced(DECK), deck)


def _build(data, out, force=False):
    stream = io.StringIO()
    result = run(Project(data, TEMPLATES, out), BuildOptions(force=force), Log(stream=stream, verbose=True))
    return result, stream.getvalue()


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.name.startswith(".") and p.name != "manifest.json"}


@pytest.mark.slow
def test_an_edit_redraws_only_its_charts_and_matches_a_forced_build(mini_build, tmp_path):
    data, out = (writable_copy(folder, tmp_path / folder.name) for folder in mini_build)  # built, with its caches
    before = _files(out)
    index = json.loads((out / "charts" / "index.json").read_text())
    assert all(set(info["keys"]) >= {"print"} for info in index.values())

    # A file damaged in out/ is drawn again, not copied: its bytes no longer match the manifest.
    (out / "charts" / "print" / "locator.svg").write_bytes(b"<svg/>")
    _edit(data / "events" / "hill-battle.yaml", "low: 2752", "low: 2753")  # a wounded figure
    result, log = _build(data, out)
    assert "charts" in result.ran
    after = _files(out)
    redrawn = sorted(rel for rel in after if rel.startswith("charts/") and after[rel] != before[rel])
    assert "charts/print/casualties.svg" in redrawn  # the figure is printed in the SVG's text
    assert not [r for r in redrawn if r.split("/")[-1].split(".")[0] in ("timeline", "escalation", "locator")]
    new_index = json.loads((out / "charts" / "index.json").read_text())
    changed = sorted((name, k) for name, info in new_index.items() for k, v in info["keys"].items()
                     if index[name]["keys"][k] != v)
    assert ("casualties", "print") in changed
    assert ("casualties", "slides") in changed
    assert ("timeline", "deck.pptx") in changed  # the deck holds every chart: it is made again
    assert not [c for c in changed if c[0] != "casualties" and c[1] != "deck.pptx"]
    assert "chart timeline: inputs unchanged, copied" in log
    assert "chart casualties: inputs unchanged" not in log
    assert "chart locator: inputs unchanged, copied" not in log  # the damaged one: drawn, the same picture

    forced = tmp_path / "forced"
    result, log = _build(data, forced, force=True)
    assert "copied" not in log
    assert _files(forced) == after  # every output, charts and documents, byte for byte


# --- the source line ------------------------------------------------------------------------------------

def test_the_source_line_names_the_works_drawn_and_the_document(mini):
    from dataclasses import replace

    from borderwar_report.charts.common import source_line

    ds = _load(mini)
    claims = [c for e in ds.events for *_, c in e.all_claims()]
    text = source_line(ds, claims, fits=lambda t: True)
    assert text.startswith("Source: figures as claimed in ")
    assert ds.document.title in text
    assert ds.revision not in text
    assert "borderwar-report" not in text
    assert "Counting the Dead" in text  # a short label (a work without a personal author: its title)
    # A budget: what does not fit is counted, never cut mid-word.
    short = source_line(ds, claims, fits=lambda t: len(t) <= len(text) - 5)
    assert "other work" in short
    assert source_line(ds, claims, fits=lambda t: False).startswith("Source: figures as claimed in ")
    # A caption (no line to fit) names a few works and leaves the document out: the document is the caption's.
    caption = source_line(ds, claims)
    assert ds.document.title not in caption
    # A copy is cited as the work it reproduces.
    copy = replace(ds.sources[0], id="a-reprint", title="A reprint", author=("Reprinter, R.",), year="2020",
                   copy_of=ds.sources[0].id)
    claim = next(c for c in claims if c.source == ds.sources[0].id)
    ds2 = replace(ds, sources=(*ds.sources, copy))
    reread = replace(claim, sources=(replace(claim.sources[0], source="a-reprint"),))
    assert "Reprinter" not in source_line(ds2, [reread], fits=lambda t: True)
    nothing = source_line(ds, [], fits=lambda t: True)
    assert nothing.startswith(f"Source: {ds.document.title} (edition ")


# --- typeset PDFs kept when their page source is unchanged -------------------------------------------------

def test_an_edit_that_prints_nothing_keeps_the_typeset_pdfs(mini_build, tmp_path, monkeypatch):
    from .conftest import writable_copy

    monkeypatch.setenv("BORDERWAR_SERIAL", "1")  # every step's log line in this process's stream

    data = writable_copy(mini_build[0], tmp_path / "data")
    out = writable_copy(mini_build[1], tmp_path / "out")
    before = _files(out)
    documents = ("briefing.pdf", "timeline-poster.pdf", "handout.pdf")

    # A comment and an editor's note change the data files, not a printed word.
    event = data / "events" / "hill-battle.yaml"
    _edit(event, "outcome: Ceasefire", "editor_note: check the wounded range\noutcome: Ceasefire  # per doe")
    result, log = _build(data, out)
    assert {"briefing", "poster", "handout"} <= set(result.ran)
    for name in documents:
        assert (out / name).read_bytes() == before[name], name
    assert log.count("page source unchanged, kept from the last build") == 3

    # A kept file must still be the one the manifest recorded: a damaged handout is typeset again.
    (out / "handout.pdf").write_bytes(b"%PDF-1.7 damaged")
    _edit(event, "# per doe", "# per doe, p. 7")
    result, log = _build(data, out)
    assert "handout.pdf: page source unchanged" not in log
    assert (out / "handout.pdf").read_bytes() == before["handout.pdf"]
    assert log.count("page source unchanged, kept from the last build") == 2

    # A printed figure changes the briefing's page source: it is typeset again.
    _edit(event, "low: 2752", "low: 2753")
    result, log = _build(data, out)
    assert "briefing: page source unchanged" not in log
    assert (out / "briefing.pdf").read_bytes() != before["briefing.pdf"]
