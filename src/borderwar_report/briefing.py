"""The PDF briefing: data → Jinja2 HTML → WeasyPrint PDF."""

from __future__ import annotations

from .build import write_atomic


def build_briefing(ctx) -> None:
    import jinja2
    import weasyprint

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(ctx.project.templates_dir)),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    html = env.get_template("briefing.html.j2").render(ds=ctx.dataset)
    write_atomic(ctx.stage / "briefing.html", html.encode("utf-8"))
    pdf = weasyprint.HTML(string=html, base_url=str(ctx.stage)).write_pdf()
    write_atomic(ctx.stage / "briefing.pdf", pdf)
