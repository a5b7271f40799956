"""The ``borderwar-report`` command: parse options, make one call, turn failures into exit codes.

Exit codes: 0 built or up to date, 1 invalid input, 2 usage, 3 render failure (or a busy lock).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import DataError, RenderError

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_RENDER = 0, 1, 2, 3

data_option = click.option("--data", "data_dir", type=click.Path(path_type=Path),
                           help="Data folder (default: ./data if present, else the shipped data).")
out_option = click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"),
                          show_default=True, help="Output folder.")
templates_option = click.option("--templates", "templates_dir", type=click.Path(path_type=Path),
                                help="Templates folder (default: ./templates if present, else the shipped ones).")
quiet_option = click.option("--quiet", "-q", is_flag=True, help="Only print errors.")
poster_size_option = click.option("--poster-size", type=click.Choice(["a4", "a3", "a2", "a1", "letter", "tabloid"]),
                                  default="a3", show_default=True, help="Sheet size of the wall timeline.")
tile_option = click.option("--tile", type=click.Choice(["a4", "letter"]),
                           help="Also split the poster across these pages (with overlap and crop marks).")
paper_option = click.option("--paper", type=click.Choice(["a4", "letter"]), help="Paper size (default: document.yaml).")


def _project(data_dir=None, templates_dir=None, out_dir=None):
    from .project import Project

    return Project.from_options(data_dir, templates_dir, out_dir)


def _fail_invalid(exc: DataError, out_dir: Path | None = None) -> None:
    click.echo(exc.report(), err=True)
    tail = f"; nothing was built, {out_dir}/ is unchanged" if out_dir else ""
    click.echo(f"{exc.summary()}{tail}.", err=True)
    sys.exit(EXIT_INVALID)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="borderwar-report")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for unexpected errors.")
@click.pass_context
def cli(ctx, debug):
    """Typeset a sourced record of a border conflict as printable PDFs, charts and exports."""
    ctx.obj = {"debug": debug}


@cli.command()
@data_option
def validate(data_dir):
    """Check every data file and report all problems as FILE:LINE: field: message.

    Example: borderwar-report validate --data data/
    """
    from .validate import load_dataset

    project = _project(data_dir)
    try:
        ds = load_dataset(project.data_dir)
    except DataError as exc:
        _fail_invalid(exc)
    click.echo(f"{project.data_dir}/: {len(ds.events)} events, {len(ds.claimants)} claimants, {len(ds.sources)} "
               f"sources, {len(ds.phases)} phases, {len(ds.sides)} sides — valid (revision {ds.revision})")


@cli.command()
@data_option
@out_option
@templates_option
@click.option("--force", is_flag=True, help="Rebuild everything even if nothing changed.")
@paper_option
@click.option("--pdf-variant", type=click.Choice(["pdf/a-3b", "pdf/ua-1"]),
              help="Archival (PDF/A-3b, data attached) or accessible (PDF/UA-1) variant of the briefing.")
@poster_size_option
@tile_option
@quiet_option
def build(data_dir, out_dir, templates_dir, force, paper, pdf_variant, poster_size, tile, quiet):
    """Build the briefing, wall timeline, handout and charts into OUT (only what changed).

    Example: borderwar-report build --out out/
    """
    from .build import BuildOptions

    options = BuildOptions(force=force, paper=paper, pdf_variant=pdf_variant, poster_size=poster_size, tile=tile)
    _run_build(_project(data_dir, templates_dir, out_dir), options, quiet)


def _run_build(project, options, quiet):
    from .build import BuildLocked, run
    from .log import Log

    log = Log(quiet=quiet)
    try:
        run(project, options, log)
    except DataError as exc:
        _fail_invalid(exc, project.out_dir)
    except (RenderError, BuildLocked) as exc:
        log.error(f"build failed: {exc}")
        log.error(f"{project.out_dir}/ keeps its previous outputs.")
        sys.exit(EXIT_RENDER)
    except KeyboardInterrupt:
        log.error(f"build interrupted; {project.out_dir}/ keeps its previous outputs.")
        sys.exit(130)


@cli.command()
@data_option
@out_option
@templates_option
@poster_size_option
@tile_option
@quiet_option
def poster(data_dir, out_dir, templates_dir, poster_size, tile, quiet):
    """Build only the wall timeline (OUT/timeline-poster.pdf, and the tiles with --tile).

    Example: borderwar-report poster --poster-size a2 --tile a4
    """
    from .build import BuildOptions

    options = BuildOptions(only=("charts", "poster"), poster_size=poster_size, tile=tile)
    _run_build(_project(data_dir, templates_dir, out_dir), options, quiet)


@cli.command()
@data_option
@out_option
@templates_option
@paper_option
@quiet_option
def handout(data_dir, out_dir, templates_dir, paper, quiet):
    """Build only the one-page handout (OUT/handout.pdf).

    Example: borderwar-report handout --paper letter
    """
    from .build import BuildOptions

    _run_build(_project(data_dir, templates_dir, out_dir), BuildOptions(only=("charts", "handout"), paper=paper),
               quiet)


@cli.command()
@data_option
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "timelinejs"]), required=True,
              help="json: the full model; csv: TimelineJS spreadsheet columns; timelinejs: TimelineJS3 JSON.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write here instead of standard output.")
def export(data_dir, fmt, output):
    """Export the validated data for other tools.

    Example: borderwar-report export --format timelinejs -o timeline.json
    """
    from .export import FORMATS
    from .validate import load_dataset

    try:
        ds = load_dataset(_project(data_dir).data_dir)
    except DataError as exc:
        _fail_invalid(exc)
    text = FORMATS[fmt](ds)
    if output:
        from .build import write_atomic

        write_atomic(output, text.encode("utf-8"))
    else:
        click.echo(text, nl=False)


@cli.command()
@data_option
@templates_option
@click.option("--preset", type=click.Choice(["print", "slides"]), default="slides", show_default=True,
              help="print: sized to the briefing's text width; slides: 16:9, large type.")
@click.option("--format", "formats", default="png,svg,pdf", show_default=True,
              help="Comma-separated: png, svg, pdf (and pptx for a slide deck).")
@click.option("--transparent", is_flag=True, help="Transparent background (slides).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out/charts"), show_default=True,
              help="Folder to write the charts into.")
def charts(data_dir, templates_dir, preset, formats, transparent, out_dir):
    """Draw the charts (timeline, casualties, locator map, escalation) as files for slides or print.

    Example: borderwar-report charts --preset slides --format png,svg,pdf,pptx --out talk/
    """
    from .charts import export_charts
    from .validate import load_dataset

    project = _project(data_dir, templates_dir, out_dir)
    wanted = [f.strip().lower() for f in formats.split(",") if f.strip()]
    unknown = sorted(set(wanted) - {"png", "svg", "pdf", "pptx"})
    if unknown:
        raise click.UsageError(f"unknown format(s): {', '.join(unknown)} (choose from png, svg, pdf, pptx)")
    try:
        ds = load_dataset(project.data_dir)
        written = export_charts(ds, project, preset=preset, formats=wanted, out_dir=out_dir,
                                transparent=transparent)
    except DataError as exc:
        _fail_invalid(exc)
    except RenderError as exc:
        click.echo(f"charts failed: {exc}", err=True)
        sys.exit(EXIT_RENDER)
    for path in written:
        click.echo(str(path))


@cli.command()
@data_option
@out_option
@templates_option
@click.option("--debounce", type=float, default=0.4, show_default=True, help="Seconds of quiet before a rebuild.")
@quiet_option
def watch(data_dir, out_dir, templates_dir, debounce, quiet):
    """Rebuild whenever a data file or template is saved; a bad edit prints its error and waits for the fix.

    Example: borderwar-report watch
    """
    from .watch import watch_and_build

    watch_and_build(_project(data_dir, templates_dir, out_dir), debounce=debounce, quiet=quiet)


def main(argv=None) -> None:
    """Entry point: problems become messages and exit codes, never tracebacks (unless --debug)."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="borderwar-report", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except SystemExit:
        raise
    except Exception as exc:  # the last line of defence: one readable line, not a traceback
        if debug:
            raise
        click.echo(f"error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True)
        sys.exit(EXIT_RENDER)
    sys.exit(EXIT_OK)
