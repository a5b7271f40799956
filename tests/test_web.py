"""The web edition in a real browser: out/ served over HTTP shows the briefing with its own fonts and charts
and the interactive TimelineJS timeline, and no request leaves localhost."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from borderwar_report.records.export import to_timelinejs
from borderwar_report.records.validate import load_dataset
from borderwar_report.documents.web import VENDOR, VENDOR_FILES, check_publishable

from .browser import load_page, outside, serve_folder
from .conftest import ROOT

DATA = ROOT / "data"
TEMPLATES = ROOT / "templates"


@pytest.fixture(scope="module")
def out(shipped_out) -> Path:
    return shipped_out


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(DATA)


# --- without a browser ----------------------------------------------------------------------------

def test_briefing_html_names_nothing_of_this_machine(out):
    html = (out / "briefing.html").read_text(encoding="utf-8")
    assert check_publishable(html) == []
    assert str(ROOT) not in html and str(out) not in html
    font_urls = re.findall(r"url\('([^']+)'\)", html)
    assert len(font_urls) >= 11
    for url in font_urls:
        assert url.startswith("fonts/") and (out / url).is_file(), url
    assert (out / "fonts" / "OFL.txt").is_file()  # the fonts travel with their licence


def test_briefing_html_inlines_the_charts_and_lists_the_notes(out):
    html = (out / "briefing.html").read_text(encoding="utf-8")
    charts = json.loads((out / "charts" / "index.json").read_text(encoding="utf-8"))
    assert "<img" not in html.split("<body>", 1)[1]
    assert html.count('<svg role="img"') == len(charts)  # every print chart, with the fonts of the page
    assert 'class="footnote"' not in html  # print floats; the browser gets calls and notes
    calls = re.findall(r'<a class="fn-call" id="call-(\d+)" href="#note-(\d+)"', html)
    notes = re.findall(r'<li id="note-(\d+)"', html)
    assert calls and [a for a, _ in calls] == [b for _, b in calls] == notes
    assert [int(n) for n in notes] == list(range(1, len(notes) + 1))
    assert html.count('<aside class="notes"') >= 5  # after each chapter that has notes, not one heap


def test_timeline_page_carries_the_export_and_the_vendored_library(out, dataset):
    page = (out / "timeline.html").read_text(encoding="utf-8")
    data = re.search(r'<script id="timeline-data" type="application/json">(.*?)</script>', page, re.S).group(1)
    assert json.loads(data) == json.loads(to_timelinejs(dataset))
    for rel in VENDOR_FILES:
        assert (out / VENDOR / rel).is_file(), rel
    assert "Mozilla Public License" in (out / VENDOR / "LICENSE").read_text(encoding="utf-8")
    assert re.findall(r'(?:src|href)="(https?:[^"]*)"', page) == []


# --- in headless Chromium -------------------------------------------------------------------------

def test_timeline_renders_every_slide_offline(out, dataset, tmp_path):
    with serve_folder(out) as (base, served):
        dom, asked = load_page(f"{base}/timeline.html", tmp_path)
    assert outside(asked) == [], outside(asked)
    slides = re.findall(r'<div class="tl-slide[ "]', dom)
    assert len(slides) == len(dataset.events) + 1  # the title slide and one per event
    dates = re.findall(r'<h3 class="tl-headline-date">([^<]*)</h3>', dom)
    for ev in dataset.events:
        assert dates.count(ev.date.display()) >= 1, ev.date.display()
    assert not any(" — " in d for d in dates)  # the date once, as written, not twice
    assert "張鼓峰事件" in dom
    failed = [(path, status) for path, status in served if status >= 400 and path != "/favicon.ico"]
    assert failed == []
    assert any(path.startswith("/fonts/") for path, _ in served)  # the bundled fonts, not the system's
    assert any(path.endswith("tl-icons.ttf") for path, _ in served)


def test_briefing_loads_with_its_fonts_and_charts_when_served(out, tmp_path):
    with serve_folder(out) as (base, served):
        dom, asked = load_page(f"{base}/briefing.html", tmp_path)
        load_page(f"{base}/briefing.html", tmp_path, screenshot=tmp_path / "briefing.png")
    assert outside(asked) == [], outside(asked)
    fonts = {path for path, status in served if path.startswith("/fonts/") and status == 200}
    assert any("CJK" in p for p in fonts) and any("Serif" in p for p in fonts)
    assert [(p, s) for p, s in served if s >= 400 and p != "/favicon.ico"] == []
    assert "Appendix D. Sources" in dom
    assert (tmp_path / "briefing.png").stat().st_size > 10_000
