"""The build steps, each writing into the staging folder of a BuildContext."""

from __future__ import annotations

import json
from pathlib import Path


def load_chart_index(root: Path) -> dict:
    try:
        return json.loads((root / "charts" / "index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def step_charts(ctx) -> None:
    from borderwar_report.charts import build_charts

    ctx.charts = build_charts(ctx)


def step_print_charts(ctx) -> None:
    """The briefing's figures and the chart index; the slides are drawn elsewhere (step_slide_charts)."""
    from borderwar_report.charts import build_charts

    ctx.charts = build_charts(ctx, part="print", parallel=False)


def step_slide_charts(ctx) -> None:
    from borderwar_report.charts import build_charts

    build_charts(ctx, part="slides", parallel=False)


def step_briefing(ctx) -> None:
    from borderwar_report.documents.briefing import build_briefing
    from borderwar_report.documents.web import build_timeline_page

    build_briefing(ctx)
    build_timeline_page(ctx)  # the web edition's other page; it shares the briefing's fonts/


def step_poster(ctx) -> None:
    from borderwar_report.documents.poster import build_poster

    build_poster(ctx)


def step_handout(ctx) -> None:
    from borderwar_report.documents.handout import build_handout

    build_handout(ctx)


STEP_FUNCTIONS = {"charts": step_charts, "briefing": step_briefing, "poster": step_poster,
                  "handout": step_handout, "charts (print)": step_print_charts, "charts (slides)": step_slide_charts}
