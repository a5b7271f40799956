"""Charts drawn from the records: the arc timeline, the casualty comparison, the locator map and the
escalation, for print (the briefing's SVGs) and for slides (PNG, SVG, PDF and a PowerPoint deck).

Importing this package is cheap: Matplotlib loads inside the functions that draw. Modules:

* ``layout`` and ``measures`` — pure, shared with the poster (stable APIs, see their docstrings);
* ``style`` — fonts, presets, ``chart_context``, ``glyph_guard``, reproducible ``save``;
* ``timeline``, ``casualties``, ``locator``, ``escalation`` — ``make_<name>(dataset, project, preset)``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

CHARTS = ("timeline", "casualties", "locator", "escalation")
SLIDE_FORMATS = ("png", "svg", "pdf")
PARALLEL_MIN_EVENTS = 0  # print and slides are drawn in two processes (measured: see _render_all)


def _maker(name: str):
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{name}"), f"make_{name}")


def render_chart(dataset, project, preset_name: str, name: str, formats, transparent: bool = False,
                 titled: bool = True, locate=None) -> dict:
    """Draw one chart with one preset: {title, alt, caption, source, stats, data: {fmt: bytes}}.
    ``titled=False``: the drawing leaves out its title and source line (the briefing's numbered caption
    gives them); the returned title and source are the same. Raises GlyphMissingError naming the
    character and the record (in ``locate``, the full data set, when ``dataset`` is a chart's reduced copy)."""
    from dataclasses import replace

    from borderwar_report.charts.style import (
        PRESETS,
        char_locator,
        chart_context,
        glyph_guard,
        save_bytes,
    )

    preset = PRESETS[preset_name] if titled else replace(PRESETS[preset_name], titled=False)
    with chart_context(project, preset), glyph_guard(char_locator(locate or dataset)):
        chart = _maker(name)(dataset, project, preset)
        data = {fmt: save_bytes(chart.fig, fmt, title=chart.title, description=chart.alt, transparent=transparent)
                for fmt in formats}
    chart.fig.clear()
    return {"title": chart.title, "alt": chart.alt, "caption": chart.caption, "source": chart.source,
            "stats": chart.stats, "data": data}


def detail_events(dataset) -> list:
    """(event, block) of every event that has a detail map (its ``map`` block, or a battle's neighbourhood
    of located events: geo_detail.detail_block)."""
    from borderwar_report.charts.geo_detail import detail_block

    return [(e, b) for e, b in ((e, detail_block(dataset, e)) for e in dataset.events) if b is not None]


def render_details(dataset, project, preset_name: str, formats, titled: bool = False, only=None,
                   locate=None) -> dict:
    """The detail map of every event that has one (:func:`detail_events`), or of those named in ``only``:
    {"detail-<event id>": chart} with the same fields as :func:`render_chart`."""
    from dataclasses import replace

    from borderwar_report.charts.geo_detail import make_detail
    from borderwar_report.charts.style import (
        PRESETS,
        char_locator,
        chart_context,
        glyph_guard,
        save_bytes,
    )

    preset = PRESETS[preset_name] if titled else replace(PRESETS[preset_name], titled=False)
    out = {}
    for event, block in detail_events(dataset):
        if only is not None and f"detail-{event.id}" not in only:
            continue
        with chart_context(project, preset), glyph_guard(char_locator(locate or dataset)):
            chart = make_detail(dataset, project, preset, event, block)
            data = {fmt: save_bytes(chart.fig, fmt, title=chart.title, description=chart.alt) for fmt in formats}
        chart.fig.clear()
        out[chart.name] = {"title": chart.title, "alt": chart.alt, "caption": chart.caption,
                           "source": chart.source, "stats": chart.stats, "data": data}
    return out


def render_preset(dataset, project, preset_name: str, formats, transparent: bool = False,
                  names=CHARTS) -> dict:
    """Every chart with one preset: {name: render_chart(...)}."""
    return {name: render_chart(dataset, project, preset_name, name, formats, transparent) for name in names}


_JOB: dict = {}


DECK = "deck"  # the deck's pictures: the slides preset without title and source line (the slide has both)


def _render_task(task):
    key, name, formats, titled = task
    return key, name, render_chart(_JOB["datasets"].get(name, _JOB["dataset"]), _JOB["project"], _preset_of(key),
                                   name, formats, _JOB["transparent"], titled, locate=_JOB["dataset"])


def _preset_of(key: str) -> str:
    return "slides" if key == DECK else key


def _render_all(dataset, project, jobs: list[tuple[str, tuple[str, ...]]], transparent=False,
                parallel: bool | None = None, untitled: tuple[str, ...] = (), datasets=None, skip=()) -> dict:
    """{preset: {name: chart}} for each (preset, formats) job but the (preset, name) pairs in ``skip``; the
    presets in ``untitled`` (and the :data:`DECK` job, slides for the deck) are drawn without title and
    source line. ``datasets``: {chart name: the reduced data set it is drawn from} (inputs.reduce); the
    full ``dataset`` otherwise. With two cores the drawings are shared by two forked workers that inherit
    Matplotlib and the registered fonts from this process (measured on the real data: see the charts
    README/report)."""
    datasets = datasets or {}
    tasks = [(p, name, f, p not in untitled and p != DECK) for p, f in jobs for name in CHARTS
             if (p, name) not in skip]
    if parallel is None:
        # fork only from a single-threaded process (a watcher's threads could hold locks the child needs)
        parallel = (len(tasks) > 2 and (os.cpu_count() or 1) > 1 and os.environ.get("BORDERWAR_SERIAL") != "1"
                    and "fork" in _start_methods() and _single_threaded())
    out: dict = {p: {} for p, _ in jobs}
    if not parallel:
        for p, name, f, titled in tasks:
            out[p][name] = render_chart(datasets.get(name, dataset), project, _preset_of(p), name, f, transparent,
                                        titled, locate=dataset)
        return out
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from borderwar_report.charts.style import fonts_dir, register_fonts

    register_fonts(fonts_dir(project))  # import and font registration happen once, before the fork
    _JOB.update(dataset=dataset, datasets=datasets, project=project, transparent=transparent)
    try:
        # heaviest first, so the two workers finish together
        order = sorted(tasks, key=lambda t: (-len(t[2]), CHARTS.index(t[1]) % 2, t[0], t[1]))
        with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
            for p, name, chart in pool.map(_render_task, order):
                out[p][name] = chart
    finally:
        _JOB.clear()
    return {p: {name: out[p][name] for name in CHARTS if name in out[p]} for p in out}


def _single_threaded() -> bool:
    """No other thread in this process, Python's or native (e.g. a file watcher's)."""
    import threading

    if threading.active_count() != 1:
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def _start_methods():
    import multiprocessing

    return multiprocessing.get_all_start_methods()


def build_charts(ctx, part: str = "all", parallel: bool | None = None) -> dict:
    """Write charts/print/<name>.svg, charts/slides/<name>.png|svg|pdf, charts/deck.pptx and
    charts/index.json under ctx.stage; return the index (paths relative to the out folder).

    ``part`` "print" writes the print SVGs and the index (all the briefing needs), "slides" the slide
    files and the deck, so the build can draw the slides on the second core while the briefing is typeset.
    The print SVGs are the briefing's figures: they leave out the chart's title and source line, which
    the numbered caption gives (from the index's title, caption and source). The slides keep both.

    Each chart is drawn from its reduced data set (inputs.reduce) and keyed on it (``keys`` in the index,
    when ``ctx.keys["chart_env"]``, the build plan's, is given). A chart whose key equals the last build's
    is copied from ``ctx.project.out_dir`` instead of drawn, when its bytes there are still those of
    ``ctx.previous_outputs`` (the last manifest's; empty on a forced build, which draws everything)."""
    from borderwar_report.charts.inputs import Keys, Previous
    from borderwar_report.charts.style import check_fonts
    from borderwar_report.core.files import reproducible_epoch, write_atomic
    from borderwar_report.core.heap import long_lived

    dataset, project = ctx.dataset, ctx.project
    check_fonts(dataset, project)
    env = (getattr(ctx, "keys", None) or {}).get("chart_env")
    template = (getattr(ctx, "keys", None) or {}).get("pptx_template", "")
    keys = Keys(dataset, project, env)
    previous = Previous(project.out_dir, getattr(ctx, "previous_outputs", None) or {})
    jobs_all = [("print", ("svg",)), ("slides", SLIDE_FORMATS), (DECK, ("png",))]
    jobs = [j for j in jobs_all if part == "all" or (j[0] == "print") == (part == "print")]
    files = {name: {"print": {"svg": f"charts/print/{name}.svg"},
                    "slides": {fmt: f"charts/slides/{name}.{fmt}" for fmt in sorted(SLIDE_FORMATS)}}
             for name in CHARTS}
    with long_lived():  # the reduced copies, like the records, live as long as the charts step
        datasets = {name: keys.reduced(name) for name in CHARTS}
        chart_keys = {name: {p: keys.key(p, name, *f) for p, f in jobs_all} for name in CHARTS}
        deck_key = keys.key("deck.pptx", "deck", template, *(chart_keys[n][DECK] for n in CHARTS))
    for name in CHARTS:
        chart_keys[name]["deck.pptx"] = deck_key
        chart_keys[name].pop(DECK)
    root = Path(ctx.stage) / "charts"

    # What the last build drew with the same inputs is copied; the rest is drawn.
    copied: dict[tuple[str, str], dict[str, bytes]] = {}
    for p, _ in jobs:
        for name in CHARTS:
            if p == DECK:
                got = previous.files(name, "deck.pptx", deck_key, ["charts/deck.pptx"])
            else:
                got = previous.files(name, p, chart_keys[name][p], sorted(files[name][p].values()))
            if got is not None:
                copied[(p, name)] = got
    deck_copied = DECK in dict(jobs) and all((DECK, n) in copied for n in CHARTS)
    skip = {k for k in copied if k[0] != DECK or deck_copied}
    with reproducible_epoch(dataset):  # PDF font subsets are stamped with it
        rendered = _render_all(dataset, project, jobs, untitled=("print",), parallel=parallel,
                               datasets=datasets, skip=skip)
    index = {}
    for name in CHARTS:
        for preset in sorted(set(rendered) & {"print", "slides"}):
            if (preset, name) in skip:
                for rel, data in copied[(preset, name)].items():
                    write_atomic(Path(ctx.stage) / rel, data)
                continue
            for fmt, data in sorted(rendered[preset][name]["data"].items()):
                write_atomic(Path(ctx.stage) / files[name][preset][fmt], data)
        if "print" in rendered:
            if ("print", name) in skip:
                old = previous.entry(name)
                info = {k: old.get(k) for k in ("title", "alt", "source", "caption")}
                ctx.log.detail(f"chart {name}: inputs unchanged, copied")
            else:
                pr = rendered["print"][name]
                info = {k: pr[k] for k in ("title", "alt", "source", "caption")}
                ctx.log.detail(f"chart {name}: {_stats_line(pr['stats'])}")
            index[name] = {**info, "presets": sorted(files[name]), "files": files[name], "keys": chart_keys[name]}
    # Detail maps for the event profiles are print only ("presets": ["print"]): each is drawn to its map's
    # shape for a page column, not to a 16:9 slide, so the slide files and the deck leave them out.
    if "print" in rendered:
        maps = keys.reduced("detail-")
        names = [f"detail-{e.id}" for e, _ in detail_events(maps)]
        detail_keys = {n: keys.key("print", n, "svg") for n in names}
        reuse = {n: previous.files(n, "print", detail_keys[n], [f"charts/print/{n}.svg"]) for n in names}
        drawn = render_details(maps, project, "print", ("svg",), locate=dataset,
                               only={n for n in names if reuse[n] is None})
        for name in names:
            rel = f"charts/print/{name}.svg"
            if reuse[name] is not None:
                write_atomic(Path(ctx.stage) / rel, reuse[name][rel])
                old = previous.entry(name)
                info = {k: old.get(k) for k in ("title", "alt", "source", "caption")}
                ctx.log.detail(f"chart {name}: inputs unchanged, copied")
            else:
                write_atomic(Path(ctx.stage) / rel, drawn[name]["data"]["svg"])
                info = {k: drawn[name][k] for k in ("title", "alt", "source", "caption")}
                ctx.log.detail(f"chart {name}: {_stats_line(drawn[name]['stats'])}")
            index[name] = {**info, "presets": ["print"], "files": {"print": {"svg": rel}},
                           "keys": {"print": detail_keys[name]}}
    if DECK in rendered:
        if deck_copied:
            write_atomic(root / "deck.pptx", copied[(DECK, CHARTS[0])]["charts/deck.pptx"])
        else:
            deck = make_deck(keys.reduced("deck"), [(name, rendered[DECK][name]) for name in CHARTS],
                             getattr(getattr(ctx, "options", None), "pptx_template", None))
            write_atomic(root / "deck.pptx", deck)
    if index:
        write_atomic(root / "index.json", (json.dumps(index, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return index


def export_charts(dataset, project, preset: str = "slides", formats=("png", "svg", "pdf"), out_dir=None,
                  transparent: bool = False, pptx_template=None) -> list[Path]:
    """The `charts` command: every chart in ``formats`` (png, svg, pdf; pptx = the deck, slides only) into
    ``out_dir``; returns the files written, in order."""
    from borderwar_report.charts.style import check_fonts
    from borderwar_report.core.files import write_atomic

    out_dir = Path(out_dir or project.out_dir / "charts")
    formats = [f.lower() for f in formats]
    image_formats = tuple(f for f in ("png", "svg", "pdf") if f in formats)
    want_deck = "pptx" in formats
    from borderwar_report.core.files import reproducible_epoch

    check_fonts(dataset, project)
    jobs = []
    fmts = image_formats
    if fmts:
        jobs.append((preset, fmts))
    if want_deck:
        jobs.append((DECK, ("png",)))
    with reproducible_epoch(dataset):
        rendered = _render_all(dataset, project, jobs, transparent=transparent)
    written = []
    for name in CHARTS:
        info = rendered.get(preset, {}).get(name)
        for fmt in image_formats:
            path = out_dir / f"{name}.{fmt}"
            write_atomic(path, info["data"][fmt])
            written.append(path)
    if want_deck:
        slides = rendered[DECK]
        path = out_dir / "deck.pptx"
        write_atomic(path, make_deck(dataset, [(n, slides[n]) for n in CHARTS], pptx_template))
        written.append(path)
    return written


def _stats_line(stats: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in stats.items())


# --- the PowerPoint deck: charts/deck.py -------------------------------------------------------

def make_deck(dataset, charts: list[tuple[str, dict]], template=None) -> bytes:
    from borderwar_report.charts.deck import make_deck as deck

    return deck(dataset, charts, template)
