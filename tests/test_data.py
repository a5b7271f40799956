"""The shipped records: the seed article's figures are kept and credited to it, reprints are one claim,
the corrected facts stay corrected, contested figures keep every claimant, no source is a mirror or an
unlicensed copy, nothing editorial is printed, and no text is copied from the seed article."""

import hashlib
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from borderwar_report.records.claims import contested
from borderwar_report.records.validate import load_dataset

from .conftest import FIXTURES, ROOT

SURVEY = "enwp-border-conflicts"  # the seed article, as a claimant and as a source

# (event, side, group, category, value) — figures stated in the seed article.
ARTICLE_FIGURES = [
    ("halhamiao-1935", "manchukuo", "forces", "troops", 11),
    ("halhamiao-1935", "manchukuo", "losses", "killed", 2),
    ("halhamiao-1935", "manchukuo", "losses", "wounded", 6),
    ("halhamiao-1935", "mongolia", "losses", "casualties", 0),  # "suffered no casualties"
    ("lake-khanka-1935", "japan", "forces", "troops", 11),
    ("lake-khanka-1935", "ussr", "forces", "troops", 6),
    ("lake-khanka-1935", "ussr", "losses", "killed", 1),
    ("lake-khanka-1935", "ussr", "losses", "horses", 2),
    ("suifenho-1935", "japan", "forces", "troops", 9),
    ("suifenho-1935", "manchukuo", "forces", "troops", 32),
    ("suifenho-1935", "ussr", "forces", "troops", 50),
    ("suifenho-1935", "japan", "losses", "killed", 2),
    ("suifenho-1935", "manchukuo", "losses", "killed", 4),
    ("buir-lake-1935", "mongolia", "losses", "captured", 10),
    ("buir-lake-1935", "manchukuo", "losses", "killed", 3),
    ("olankhuduk-1936", "mongolia", "forces", "troops", 140),
    ("olankhuduk-1936", "japan", "losses", "killed", 8),
    ("olankhuduk-1936", "japan", "losses", "wounded", 4),
    ("olankhuduk-1936", "japan", "losses", "tankettes", 1),
    ("olankhuduk-1936", "mongolia", "forces", "aircraft", 2),
    ("tauran-1936", "mongolia", "forces", "troops", 100),
    ("tauran-1936", "ussr", "forces", "troops", 6),
    ("tauran-1936", "japan", "forces", "troops", 400),
    ("tauran-1936", "japan", "forces", "tankettes", 10),
    ("tauran-1936", "mongolia", "losses", "killed", 56),
    ("tauran-1936", "mongolia", "losses", "aircraft", 3),
    ("tauran-1936", "japan", "losses", "killed", 27),
    ("tauran-1936", "japan", "losses", "wounded", 9),
    ("korean-army-nkvd-1936", "japan", "forces", "troops", 10),
    ("korean-army-nkvd-1936", "ussr", "forces", "troops", 20),
    ("korean-army-nkvd-1936", "japan", "losses", "killed", 2),
    ("suifenho-1936", "japan", "losses", "killed", 3),
    ("kanchazu-island-1937", "ussr", "forces", "gunboats", 3),
    ("kanchazu-island-1937", "japan", "forces", "guns", 2),
    ("kanchazu-island-1937", "ussr", "losses", "killed", 37),
    ("kanchazu-island-1937", "japan", "losses", "casualties", 0),  # "suffered no casualties"
]

# (event, label fragment, value) — counted things that are not forces or losses.
ARTICLE_COUNTS = [
    ("ija-incident-count-1935-1939", "incidents", 108),
    ("soviet-aid-to-china-1937-1941", "tanks", 82),
    ("soviet-aid-to-china-1937-1941", "artillery", 1300),
    ("soviet-aid-to-china-1937-1941", "machine guns", 14000),
    ("soviet-aid-to-china-1937-1941", "rifles", 50000),
    ("soviet-aid-to-china-1937-1941", "trucks", 1550),
    ("soviet-aid-to-china-1937-1941", "advisers and volunteers", 3665),
    ("soviet-aid-to-china-1937-1941", "killed", 195),
    ("korean-army-nkvd-1936", "reinforcements", 100),
]

# Dates at the precision the sources give them, corrections included.
DATES = {
    "first-shooting-affray-1935": "January or February 1935",
    "halhamiao-1935": "8 January 1935",
    "lake-khanka-1935": "June 1935",
    "suifenho-1935": "October 1935",
    "kanchazu-island-1937": "19–30 June 1937",
    "lake-khasan-1938": "29 July – 11 August 1938",
    "khalkhin-gol-1939": "11 May – 16 September 1939",
    "khalkhin-gol-july-offensive-1939": "2–25 July 1939",
    "khalkhin-gol-august-probes-1939": "7–8 and 20 August 1939",  # two occasions, not a span 7–20 August
    "khalkhin-gol-ceasefire-1939": "15–16 September 1939",
    "molotov-ribbentrop-pact-1939": "23 August 1939",  # to the day, not "August 1939"
    "soviet-invasion-of-poland-1939": "17 September 1939",
    "neutrality-pact-1941": "13 April 1941",
    "pact-denunciation-1945": "5 April 1945",
}

# Contested figures: different claimants give different figures, and each is kept.
CONTESTED = [
    ("lake-khasan-1938", "ussr", "killed_or_missing", {792, 960}),
    ("lake-khasan-1938", "japan", "killed", {526, 525}),
    ("khalkhin-gol-1939", "ussr", "killed", {9703, 6831}),
    ("khalkhin-gol-1939", "japan", "killed", {7696, 8629, 8440}),
    ("halhamiao-1935", "manchukuo", "killed", {2, 11}),
    ("tauran-1936", "mongolia", "troops", {100, 128, 300}),
    ("soviet-invasion-of-manchuria-1945", "japan", "killed", {21389, 83737}),
]

# Where copies of other people's work are found: never a source's address.
MIRROR_AND_COPY_DOMAINS = (
    "profilbaru.com", "wiki3.en-us.nina.az", "richxsearch.com", "kotoba.ne.jp", "weblio.jp", "cnmilf.com",
    "wiki.x.io", "ssl-lolipop.jp", "kiwix", "seisyun.net", "wiki.li", "the-uncensored-wiki.com",
    "privacytools.io", "litbaza.com", "libcat.ru", "loveread", "onlinereadsfree.com", "bibliboba",
    "xbook.life", "chitay-knigi.com", "coollib", "deepbiglib", "piglix.com", "wikiwand.com",
    # stamp catalogues, diaries, aggregators and forums
    "findyourstampsvalue.com", "mixi.jp", "fx361.cc", "news-pravda.com", "axishistory.com",
    "worldhistoryproject.org", "docslib.org",
)

# Words that belong in editor_note, never in printed text.
EDITORIAL = re.compile(
    r"from memory|fact sheet|the project|re-?check|online copy|\bmirror\b|not seen|as quoted in|"
    r"added together by|the data format|data set started|seed article",
    re.IGNORECASE,
)

SHINGLE_WORDS = 8
SEED_SHINGLES = FIXTURES / "seed-shingles.sha1"
# Titles of cited works must be quoted as they are, even when the seed article cites the same work.
VERBATIM_KEYS = {"title", "title_translated", "title_romanized", "url", "editor_note"}


@pytest.fixture(scope="module")
def ds():
    return load_dataset(ROOT / "data")


def event(ds, event_id):
    return next(e for e in ds.events if e.id == event_id)


def claims(ev, side, group, category):
    for s in ev.sides:
        if s.side == side:
            return getattr(s, group).get(category, ())
    return ()


# --- the seed article's figures -----------------------------------------------------------------

@pytest.mark.parametrize(("event_id", "side", "group", "category", "value"), ARTICLE_FIGURES)
def test_article_figure_is_recorded_and_credited_to_the_article(ds, event_id, side, group, category, value):
    found = [c for c in claims(event(ds, event_id), side, group, category)
             if c.low == value and c.claimant == SURVEY and SURVEY in c.source_ids()]
    assert found, f"{event_id}: {side} {group}.{category} = {value} from the survey article is missing"


@pytest.mark.parametrize(("event_id", "label", "value"), ARTICLE_COUNTS)
def test_article_counts(ds, event_id, label, value):
    ev = event(ds, event_id)
    found = {c.low for f in ev.figures if label in f.label.lower() for c in f.claims if SURVEY in c.source_ids()}
    assert value in found, f"{event_id}: '{label}' = {value} missing; has {[f.label for f in ev.figures]}"


@pytest.mark.parametrize(("event_id", "display"), sorted(DATES.items()))
def test_dates_at_their_precision(ds, event_id, display):
    assert event(ds, event_id).date.display() == display


# --- one claimant, one claim ---------------------------------------------------------------------

def test_a_reprinted_figure_is_one_claim_with_several_sources(ds):
    khasan = event(ds, "lake-khasan-1938")
    coox = [c for c in claims(khasan, "japan", "losses", "killed") if c.low == 526]
    assert len(coox) == 1 and coox[0].claimant == "coox"
    assert {s.source for s in coox[0].sources} == {"coox-1985", "enwp-khasan"}
    assert coox[0].sources[0].via == "lopukhovsky-kavalerchik-2010"
    soviet = [c for c in claims(khasan, "ussr", "losses", "killed_or_missing") if c.low == 792]
    assert len(soviet) == 1 and soviet[0].claimant == "krivosheev-1993" and len(soviet[0].sources) >= 2


def test_no_claimant_repeats_a_figure_as_a_second_claim(ds):
    for ev in ds.events:
        for s in ev.sides:
            for group in (s.forces, s.losses):
                for category, cs in group.items():
                    keys = [(c.claimant, c.figure, c.scope) for c in cs]
                    assert len(keys) == len(set(keys)), f"{ev.id} {s.side} {category}: a claimant's figure twice"


def test_the_soviet_1993_khasan_count_is_a_breakdown_not_rival_claims(ds):
    ussr = next(s for s in event(ds, "lake-khasan-1938").sides if s.side == "ussr")
    by_id = {c.id: c for cs in ussr.losses.values() for c in cs if c.id}
    parts = {}
    for category, cs in ussr.losses.items():
        for c in cs:
            if c.part_of:
                parts.setdefault(c.part_of, {})[category] = c.low
    assert by_id["soviet-1993-total"].low == 4071
    assert parts["soviet-1993-total"] == {"killed_or_missing": 792, "wounded_or_sick": 3279}
    assert parts["soviet-1993-dead"] == {"killed": 717, "missing": 75}
    assert parts["soviet-1993-sanitary"] == {"wounded": 2752, "sick": 527}
    revised = [c for c in ussr.losses["killed_or_missing"] if c.claimant == "krivosheev-revised"]
    assert [c.low for c in revised] == [960]


def test_no_figure_is_a_sum_the_project_made(ds):
    khasan = event(ds, "lake-khasan-1938")
    assert 250 not in {c.low for c in claims(khasan, "ussr", "forces", "aircraft")}
    labels = {f.label: [c.low for c in f.claims] for f in khasan.figures}
    assert labels["Soviet fighter aircraft engaged"] == [70] and labels["Soviet bomber aircraft engaged"] == [180]
    nomonhan = event(ds, "khalkhin-gol-1939")
    japan_gomikawa = [c for *_, c in nomonhan.all_claims() if c.claimant == "gomikawa"]
    assert 17364 not in {c.low for c in japan_gomikawa}, "Gomikawa gives no total; 17,364 would be our sum"


@pytest.mark.parametrize(("event_id", "side", "category", "expected"), CONTESTED)
def test_contested_figures_keep_every_claimant(ds, event_id, side, category, expected):
    ev = event(ds, event_id)
    group = "forces" if category == "troops" else "losses"
    cs = claims(ev, side, group, category)
    assert expected <= {c.low for c in cs}, f"{event_id} {side} {category}: {expected - {c.low for c in cs}} missing"
    assert contested(cs)


def test_partial_claims_carry_a_scope(ds):
    nomonhan = event(ds, "khalkhin-gol-1939")
    coox = [c for *_, c in nomonhan.all_claims() if c.claimant == "coox"]
    assert coox and all(c.scope == "ground forces" for c in coox)
    late_august = [c for c in claims(nomonhan, "japan", "forces", "troops") if c.low == 25000]
    assert late_august[0].scope == "late August"


# --- corrections ---------------------------------------------------------------------------------

def test_the_us_ambassador_in_july_1937_is_davies(ds):
    ev = event(ds, "sino-japanese-war-1937")
    assert "Bullitt" not in ev.summary
    assert "Joseph E. Davies" in ev.note
    assert "frus-1937-davies" in {c.source for c in ev.citations}


def test_japan_recognised_manchukuo_on_15_september_1932(ds):
    ev = event(ds, "manchukuo-founded-1932")
    assert "15 September 1932" in ev.summary and "16 September" not in ev.summary


def test_soviet_aid_to_china_runs_into_1941(ds):
    ev = event(ds, "soviet-aid-to-china-1937-1941")
    assert ev.date.latest.year == 1941
    assert all("September 1939" in f.label for f in ev.figures if "supplied" in f.label)


def test_the_neutrality_pact_runs_five_years_from_ratification(ds):
    ev = event(ds, "neutrality-pact-1941")
    assert "25 April 1946" in ev.note and "25 April" in ev.summary


# --- sources -------------------------------------------------------------------------------------

def test_no_source_is_on_a_mirror_or_copy_domain(ds):
    for src in ds.sources:
        if src.url:
            host = urlparse(src.url).hostname or ""
            assert not any(d in host for d in MIRROR_AND_COPY_DOMAINS), f"{src.id}: {src.url}"


def test_every_source_has_a_kind_and_none_is_a_forum(ds):
    kinds = {src.id: src.kind for src in ds.sources}
    assert all(kinds.values())
    assert "forum" not in kinds.values()


def test_encyclopedias_are_cited_at_their_own_address(ds):
    for src in ds.sources:
        if src.kind == "encyclopedia" and src.url and "Wikipedia" in (src.publisher or ""):
            assert urlparse(src.url).hostname.endswith(".wikipedia.org"), src.id


def test_every_record_cites_a_source_and_native_names_exist(ds):
    for ev in ds.events:
        assert ev.citations, ev.id
    names = {n.text for ev in ds.events for n in ev.names}
    for expected in ("哈爾哈廟事件", "タウラン事件", "乾岔子島事件", "張鼓峰事件", "ノモンハン事件", "Хасанские бои"):
        assert expected in names


def test_the_arc_is_complete(ds):
    years = sorted({ev.date.earliest.year for ev in ds.events})
    assert years[0] <= 1932 and years[-1] == 1945
    assert {ev.kind for ev in ds.events} == {"border-incident", "battle", "diplomacy", "context"}
    assert len(ds.events) >= 25


# --- printed text: nothing editorial, nothing copied ----------------------------------------------

def printed_strings(node, key=None, skip=frozenset({"editor_note"})):
    """Every text a reader may see: all strings in the YAML except under the skipped keys."""
    if key in skip:
        return
    if isinstance(node, str):
        yield key, node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from printed_strings(v, k, skip)
    elif isinstance(node, list):
        for v in node:
            yield from printed_strings(v, key, skip)


def data_files():
    return sorted((ROOT / "data").glob("*.yaml")) + sorted((ROOT / "data" / "events").glob("*.yaml"))


def test_editorial_remarks_stay_in_editor_notes():
    for path in data_files():
        for key, text in printed_strings(yaml.safe_load(path.read_text(encoding="utf-8")), skip=VERBATIM_KEYS):
            assert not EDITORIAL.search(text), f"{path.name}: {key}: {text[:80]!r}"


NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())} | {w: str(10 * i) for i, w in enumerate(
    "thirty forty fifty sixty seventy eighty ninety".split(), 3)}


def normalized_words(text: str) -> list[str]:
    """Lower-case words without punctuation, number words as digits ("five" = "5": writing a number out does
    not make a copied run one's own)."""
    return [NUMBER_WORDS.get(w, w) for w in re.sub(r"[\W_]+", " ", text.lower()).split()]


def shingle_hashes(text: str, n: int = SHINGLE_WORDS) -> set[str]:
    words = normalized_words(text)
    return {hashlib.sha1(" ".join(words[i:i + n]).encode()).hexdigest() for i in range(len(words) - n + 1)}


def seed_hashes() -> set[str]:
    lines = SEED_SHINGLES.read_text(encoding="utf-8").splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def copied_runs(text: str) -> int:
    return len(shingle_hashes(text) & seed_hashes())


def test_the_fixture_holds_the_seed_article():
    assert len(seed_hashes()) > 2000


def test_no_data_text_shares_an_eight_word_run_with_the_seed_article():
    for path in data_files():
        for key, text in printed_strings(yaml.safe_load(path.read_text(encoding="utf-8")), skip=VERBATIM_KEYS):
            assert not copied_runs(text), f"{path.name}: {key}: {text[:80]!r} copies the seed article"


def test_the_copy_check_catches_a_copied_phrase_and_passes_a_paraphrase():
    copied = "They said the Soviets opened fire on them with rifles and 5 heavy machine guns that day."
    assert copied_runs(copied) >= 1
    assert copied_runs(copied.upper().replace(" ", "  ")) >= 1  # case and spacing do not hide a copy
    assert copied_runs("Some fifty Soviet soldiers opened fire on them with rifles and five heavy machine guns.")
    assert not copied_runs("Some fifty Soviet soldiers attacked them, firing rifles and five heavy machine guns.")


if __name__ == "__main__":
    # Regenerate the fixture: python -m tests.test_data SEED.txt (the text up to its reference list's end).
    seed = Path(sys.argv[1]).read_text(encoding="utf-8")
    end = seed.find("ISSN0143-5450.")
    seed = seed[: end + len("ISSN0143-5450.")] if end >= 0 else seed
    header = (f"# sha1 of every run of {SHINGLE_WORDS} normalized words (tests/test_data.py:normalized_words) "
              "of the seed article, up to the end of its reference list; the text itself is not shipped.\n")
    SEED_SHINGLES.write_text(header + "\n".join(sorted(shingle_hashes(seed))) + "\n", encoding="utf-8")


def test_an_unidentified_work_prints_a_bracketed_description_and_says_why(ds):
    """A work known only from someone else's citation never passes for a title: its title is a
    bracketed description (Chicago's supplied title) and its printed note says it is not identified."""
    for source_id in ("miura-2009", "ariunsaikhan-2006", "sokolov-losses"):
        source = next(src for src in ds.sources if src.id == source_id)
        assert source.title.startswith("[") and source.title.endswith("]"), source_id
        assert "not" in (source.note or "") and ("identified" in source.note or "established" in source.note)
    for claim_source in ("miura-2009", "ariunsaikhan-2006"):  # read only through the encyclopedia article
        cited = [ref for ev in ds.events for *_, claim in ev.all_claims() for ref in claim.sources
                 if ref.source == claim_source]
        assert cited and all(c.via == "jawp-nomonhan" for c in cited), claim_source
