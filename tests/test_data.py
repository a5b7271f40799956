"""The shipped data against the article it started from: every figure the article gives is in the records,
attributed to the article, and the contested figures keep every claim from the reference sheet."""

import pytest

from borderwar_report.validate import load_dataset

from .conftest import ROOT

ARTICLE = "wp-border-conflicts"

# (event, side, group, category, value) — figures stated in the seed article.
ARTICLE_FIGURES = [
    ("halhamiao-1935", "manchukuo", "forces", "troops", 11),
    ("halhamiao-1935", "manchukuo", "losses", "killed", 2),
    ("halhamiao-1935", "manchukuo", "losses", "wounded", 6),
    ("halhamiao-1935", "mongolia", "losses", "casualties", 0),  # "The Mongols suffered no casualties"
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
    ("soviet-aid-to-china-1937-1939", "tanks", 82),
    ("soviet-aid-to-china-1937-1939", "artillery", 1300),
    ("soviet-aid-to-china-1937-1939", "machine guns", 14000),
    ("soviet-aid-to-china-1937-1939", "rifles", 50000),
    ("soviet-aid-to-china-1937-1939", "trucks", 1550),
    ("soviet-aid-to-china-1937-1939", "advisers and volunteers", 3665),
    ("soviet-aid-to-china-1937-1939", "killed", 195),
    ("korean-army-nkvd-1936", "reinforcements", 100),
]

# Dates the article gives, at the precision it gives them.
ARTICLE_DATES = {
    "first-shooting-affray-1935": "January or February 1935",
    "halhamiao-1935": "8 January 1935",
    "lake-khanka-1935": "June 1935",
    "suifenho-1935": "October 1935",
    "kanchazu-island-1937": "19–30 June 1937",
    "lake-khasan-1938": "29 July – 11 August 1938",
    "khalkhin-gol-july-offensive-1939": "2–25 July 1939",
    "soviet-aid-to-china-1937-1939": "October 1937 – September 1939",
    "soviet-invasion-of-poland-1939": "17 September 1939",
    "neutrality-pact-1941": "13 April 1941",
    "pact-denunciation-1945": "5 April 1945",
}

# Contested figures: every claim of the reference sheet is kept (event, side, category, values).
CONTESTED = [
    ("lake-khasan-1938", "ussr", "killed", {792, 717, 960}),
    ("lake-khasan-1938", "japan", "killed", {526, 525}),
    ("lake-khasan-1938", "ussr", "wounded", {3279, 2752}),
    ("khalkhin-gol-1939", "ussr", "killed", {9703, 6831}),
    ("khalkhin-gol-1939", "japan", "killed", {7696, 8629, 8440}),
    ("soviet-invasion-of-manchuria-1945", "japan", "killed", {21389, 83737}),
]


@pytest.fixture(scope="module")
def ds():
    return load_dataset(ROOT / "data")


def values(ev, side, group, category, source=None):
    for s in ev.sides:
        if s.side == side:
            return {c.low for c in getattr(s, group).get(category, ()) if source in (None, c.source)}
    return set()


@pytest.mark.parametrize(("event", "side", "group", "category", "value"), ARTICLE_FIGURES)
def test_article_figure_is_recorded_and_attributed(ds, event, side, group, category, value):
    ev = next(e for e in ds.events if e.id == event)
    assert value in values(ev, side, group, category, source=ARTICLE), \
        f"{event}: {side} {group}.{category} = {value} from the article is missing"


@pytest.mark.parametrize(("event", "label", "value"), ARTICLE_COUNTS)
def test_article_counts(ds, event, label, value):
    ev = next(e for e in ds.events if e.id == event)
    found = {c.low for f in ev.figures if label in f.label.lower() for c in f.claims if c.source == ARTICLE}
    assert value in found, f"{event}: '{label}' = {value} missing; has {[f.label for f in ev.figures]}"


@pytest.mark.parametrize(("event", "display"), sorted(ARTICLE_DATES.items()))
def test_article_dates_at_their_precision(ds, event, display):
    assert next(e for e in ds.events if e.id == event).date.display() == display


@pytest.mark.parametrize(("event", "side", "category", "expected"), CONTESTED)
def test_contested_figures_keep_every_claim(ds, event, side, category, expected):
    ev = next(e for e in ds.events if e.id == event)
    found = values(ev, side, "losses", category) | values(ev, side, "losses", "killed_or_missing")
    assert expected <= found, f"{event} {side} {category}: {expected - found} missing"


def test_every_record_cites_a_source_and_names_exist(ds):
    for ev in ds.events:
        assert ev.citations, ev.id
    names = {n.text for ev in ds.events for n in ev.names}
    for expected in ("哈爾哈廟事件", "タウラン事件", "乾岔子島事件", "張鼓峰事件", "ノモンハン事件", "Хасанские бои"):
        assert expected in names


def test_the_arc_is_complete(ds):
    years = sorted({ev.date.earliest.year for ev in ds.events})
    assert years[0] <= 1932 and years[-1] == 1945
    kinds = {ev.kind for ev in ds.events}
    assert kinds == {"border-incident", "battle", "diplomacy", "context"}
    assert len(ds.events) >= 25
