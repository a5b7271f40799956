"""The ``borderwar-report`` command: parse options, make one call, turn failures into exit codes.

Exit codes: 0 built or up to date, 1 invalid input, 2 usage, 3 render failure (or a busy lock).
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from borderwar_report import __version__
from borderwar_report.core.errors import DataError, RenderError

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_RENDER = 0, 1, 2, 3

def _choice(*names: str) -> click.Choice:
    return click.Choice(names, case_sensitive=False)  # --paper A4 is --paper a4


def _a_folder(ctx, param, value):
    """--out names a folder; an existing file there is a usage error with a sentence, not an OSError later."""
    if value is not None and value.exists() and not value.is_dir():
        raise click.BadParameter(f"{value} is a file; give a folder to write the outputs into "
                                 "(it is created if missing)", ctx=ctx, param=param)
    return value


def _remember(name: str):
    def callback(ctx, param, value):
        if value:
            ctx.meta[name] = True  # Context.meta is shared by the group and its command
        return value
    return callback


def common_options(f):
    """--debug, -q and -v, accepted before the command's name and after it alike."""
    for option in reversed([
        click.option("--debug", is_flag=True, expose_value=False, callback=_remember("debug"),
                     help="Show Python tracebacks for unexpected errors."),
        click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=_remember("quiet"),
                     help="Only print errors."),
        click.option("-v", "--verbose", is_flag=True, expose_value=False, callback=_remember("verbose"),
                     help="Also print details (chart statistics, layout decisions)."),
    ]):
        f = option(f)
    return f


def _log():
    from borderwar_report.core.log import Log

    meta = click.get_current_context().meta
    return Log(quiet=bool(meta.get("quiet")), verbose=bool(meta.get("verbose")) and not meta.get("quiet"))


data_option = click.option("--data", "data_dir", type=click.Path(path_type=Path),
                           help="Data folder (default: ./data if present, else the shipped data).")
out_option = click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"),
                          show_default=True, callback=_a_folder, help="Output folder.")
templates_option = click.option("--templates", "templates_dir", type=click.Path(path_type=Path),
                                help="Templates folder (default: ./templates if present, else the shipped ones).")
poster_size_option = click.option("--poster-size", type=_choice("a4", "a3", "a2", "a1", "letter", "tabloid"),
                                  default="a3", show_default=True, help="Sheet size of the wall timeline.")
tile_option = click.option("--tile", type=_choice("a4", "letter"),
                           help="Also split the poster across these pages (with overlap and crop marks).")
paper_option = click.option("--paper", type=_choice("a4", "letter"), help="Paper size (default: document.yaml).")
pptx_template_option = click.option("--pptx-template", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                                    help="Your own PowerPoint file (.pptx/.potx) whose master and layouts the deck uses.")


def _project(data_dir=None, templates_dir=None, out_dir=None):
    from borderwar_report.core.project import Project

    return Project.from_options(data_dir, templates_dir, out_dir)


def _say(text: str) -> None:
    """A message on stderr; a reader that went away (a closed pipe) must not change the exit code."""
    try:
        click.echo(text, err=True)
    except OSError:
        pass


def _laid_out(project):
    """The project, or a usage error when --out holds the data or templates."""
    from borderwar_report.build.runner import LayoutError, check_layout

    try:
        check_layout(project)
    except LayoutError as exc:
        raise click.UsageError(str(exc)) from None
    return project


def _fail_invalid(exc: DataError, out_dir: Path | None = None) -> None:
    _say(exc.report())
    tail = f"; nothing was built, {out_dir}/ is unchanged" if out_dir else ""
    _say(f"{exc.summary()}{tail}.")
    sys.exit(EXIT_INVALID)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="borderwar-report")
@common_options
def cli():
    """Typeset a sourced record of a border conflict as printable PDFs, charts and exports."""


@cli.command()
@common_options
@data_option
def validate(data_dir):
    """Check every data file and report all problems as FILE:LINE: field: message.

    Example: borderwar-report validate --data data/
    """
    from borderwar_report.records.validate import load_dataset

    project = _project(data_dir)
    warnings: list = []
    try:
        ds = load_dataset(project.data_dir, warnings=warnings)
    except DataError as exc:
        _fail_invalid(exc)
    finally:
        for warning in warnings:
            _say(str(warning))
    click.echo(f"{project.data_dir}/: {len(ds.events)} events, {len(ds.claimants)} claimants, {len(ds.sources)} "
               f"sources, {len(ds.phases)} phases, {len(ds.sides)} sides — valid (revision {ds.revision})")


@cli.command()
@common_options
@data_option
@out_option
@templates_option
@click.option("--force", is_flag=True, help="Rebuild everything even if nothing changed.")
@paper_option
@click.option("--pdf-variant", type=_choice("pdf/a-3b", "pdf/ua-1"),
              help="Archival (PDF/A-3b, data attached) or accessible (PDF/UA-1) variant of the briefing.")
@poster_size_option
@tile_option
@pptx_template_option
def build(data_dir, out_dir, templates_dir, force, paper, pdf_variant, poster_size, tile, pptx_template):
    """Build the briefing, wall timeline, handout and charts into OUT (only what changed).

    Example: borderwar-report build --out out/
    """
    from borderwar_report.build.plan import BuildOptions

    options = BuildOptions(force=force, paper=paper, pdf_variant=pdf_variant, poster_size=poster_size, tile=tile,
                           pptx_template=pptx_template)
    _run_build(_project(data_dir, templates_dir, out_dir), options)


def _run_build(project, options):
    from borderwar_report.build.lock import BuildLocked
    from borderwar_report.build.runner import run

    log = _log()
    try:
        run(_laid_out(project), options, log)
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
@common_options
@data_option
@out_option
@templates_option
@poster_size_option
@tile_option
def poster(data_dir, out_dir, templates_dir, poster_size, tile):
    """Build only the wall timeline (OUT/timeline-poster.pdf, and the tiles with --tile).

    Example: borderwar-report poster --poster-size a2 --tile a4
    """
    from borderwar_report.build.plan import BuildOptions

    options = BuildOptions(only=("charts", "poster"), poster_size=poster_size, tile=tile)
    _run_build(_project(data_dir, templates_dir, out_dir), options)


@cli.command()
@common_options
@data_option
@out_option
@templates_option
@paper_option
def handout(data_dir, out_dir, templates_dir, paper):
    """Build only the one-page handout (OUT/handout.pdf).

    Example: borderwar-report handout --paper letter
    """
    from borderwar_report.build.plan import BuildOptions

    _run_build(_project(data_dir, templates_dir, out_dir), BuildOptions(only=("charts", "handout"), paper=paper))


@cli.command()
@common_options
@data_option
@click.option("--format", "fmt", type=_choice("json", "csv", "timelinejs", "csl-json", "bibtex"), required=True,
              help="json: the full model; csv: TimelineJS's spreadsheet; timelinejs: TimelineJS3 JSON; "
                   "csl-json, bibtex: the bibliography for Zotero, pandoc, LaTeX.")
@click.option("-o", "--output", type=click.Path(path_type=Path, allow_dash=True, dir_okay=False),
              help="Write here instead of standard output (- is standard output).")
def export(data_dir, fmt, output):
    """Export the validated data for other tools.

    Example: borderwar-report export --format timelinejs -o timeline.json
    """
    from borderwar_report.records.export import FORMATS
    from borderwar_report.records.validate import load_dataset

    try:
        ds = load_dataset(_project(data_dir).data_dir)
    except DataError as exc:
        _fail_invalid(exc)
    text = FORMATS[fmt](ds)
    if output and str(output) != "-":
        from borderwar_report.core.files import write_atomic

        write_atomic(output, text.encode("utf-8"))
    else:
        click.echo(text, nl=False)


@cli.group()
@common_options
def sources():
    """The bibliography: bring in what a reference manager exports.

    Example: borderwar-report sources import zotero-export.bib --append
    """


@sources.command("import")
@common_options
@data_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--append", is_flag=True, help="Append the new entries to DATA/sources.yaml instead of printing them.")
def sources_import(data_dir, file, append):
    """Turn a CSL-JSON or BibTeX file (Zotero, JabRef, Mendeley) into sources.yaml entries.

    Prints YAML to paste into sources.yaml, or appends it (entries already there by title and year are
    skipped). Each `kind` is a guess from the entry type: check it.

    Example: borderwar-report sources import library.json
    """
    from borderwar_report.core.files import write_atomic
    from borderwar_report.records.bibio import append_to_sources, read_references
    from borderwar_report.records.yamlsrc import read_yaml

    project = _project(data_dir)
    if append and data_dir is None and not Path("data/document.yaml").is_file():
        raise click.UsageError("--append writes to a data folder: give --data DIR (there is no ./data here, "
                               "and the copy installed with the package is not yours to edit)")
    try:
        entries = read_references(file)
    except DataError as exc:
        _fail_invalid(exc)
    target = project.data_dir / "sources.yaml"
    doc, problems = read_yaml(target, str(target)) if target.is_file() else (None, [])
    if problems:
        _fail_invalid(DataError(problems))
    existing = [e for e in (doc.value if doc and isinstance(doc.value, list) else []) if isinstance(e, dict)]
    text, skipped = append_to_sources(entries, existing)
    log = _log()
    for line in skipped:
        log.info(f"skipped: {line}")
    if not append:
        click.echo(text, nl=False)
        return
    if not text:
        log.info(f"nothing to add to {target}")
        return
    old = target.read_bytes() if target.is_file() else b""
    write_atomic(target, old + (b"" if not old or old.endswith(b"\n") else b"\n") + text.encode("utf-8"))
    added = text.count("\n- id: ") + text.startswith("- id: ")
    log.info(f"appended {added} source(s) to {target}; check each kind, then run borderwar-report validate")


@cli.command()
@common_options
@data_option
@templates_option
@click.option("--preset", type=_choice("print", "slides"), default="slides", show_default=True,
              help="print: sized to the briefing's text width; slides: 16:9, large type.")
@click.option("--format", "formats", default="png,svg,pdf", show_default=True,
              help="Comma-separated: png, svg, pdf (and pptx for a slide deck).")
@click.option("--transparent", is_flag=True, help="Transparent background (slides).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out/charts"), show_default=True,
              callback=_a_folder, help="Folder to write the charts into.")
@pptx_template_option
def charts(data_dir, templates_dir, preset, formats, transparent, out_dir, pptx_template):
    """Draw the charts (timeline, casualties, locator map, escalation) as files for slides or print.

    Example: borderwar-report charts --preset slides --format png,svg,pdf,pptx --out talk/
    """
    from borderwar_report.charts import export_charts
    from borderwar_report.records.validate import load_dataset

    project = _project(data_dir, templates_dir, out_dir)
    wanted = [f.strip().lower() for f in formats.split(",") if f.strip()]
    unknown = sorted(set(wanted) - {"png", "svg", "pdf", "pptx"})
    if unknown:
        raise click.UsageError(f"unknown format(s): {', '.join(unknown)} (choose from png, svg, pdf, pptx)")
    try:
        ds = load_dataset(project.data_dir)
        written = export_charts(ds, project, preset=preset, formats=wanted, out_dir=out_dir,
                                transparent=transparent, pptx_template=pptx_template)
    except DataError as exc:
        _fail_invalid(exc)
    except RenderError as exc:
        click.echo(f"charts failed: {exc}", err=True)
        sys.exit(EXIT_RENDER)
    for path in written:
        click.echo(str(path))


@cli.command()
@common_options
@data_option
@out_option
@templates_option
@click.option("--debounce", type=float, default=0.4, show_default=True, callback=lambda ctx, param, value:
              _seconds(value), help="Seconds of quiet before a rebuild.")
def watch(data_dir, out_dir, templates_dir, debounce):
    """Rebuild whenever a data file or template is saved; a bad edit prints its error and waits for the fix.

    Example: borderwar-report watch
    """
    from borderwar_report.build.watch import watch_and_build

    watch_and_build(_laid_out(_project(data_dir, templates_dir, out_dir)), debounce=debounce, log=_log())


def _seconds(value: float) -> float:
    import math

    if not (math.isfinite(value) and 0 <= value <= 3600):
        raise click.BadParameter(f"{value} is not a number of seconds from 0 to 3600", param_hint="--debounce")
    return value


@cli.command()
@common_options
@data_option
@out_option
@templates_option
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free one).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (localhost only by default).")
@click.option("--open", "open_browser", is_flag=True, help="Open the briefing in the default browser.")
@click.option("--debounce", type=float, default=0.4, show_default=True, callback=lambda ctx, param, value:
              _seconds(value), help="Seconds of quiet before a rebuild.")
def serve(data_dir, out_dir, templates_dir, port, host, open_browser, debounce):
    """Build, serve OUT on localhost, rebuild on every save and reload the page in the browser.

    Example: borderwar-report serve --open
    """
    from borderwar_report.build.serve import serve as run_server

    try:
        run_server(_laid_out(_project(data_dir, templates_dir, out_dir)), _log(), host=host, port=port,
                   open_browser=open_browser, debounce=debounce)
    except OSError as exc:
        raise click.UsageError(str(exc)) from None


def main(argv=None) -> None:
    """Entry point: problems become messages and exit codes, never tracebacks (unless --debug)."""
    import logging

    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    # Libraries (WeasyPrint, fontTools, Matplotlib) log and warn on stderr by default; the build reports what a
    # person needs itself, so their records go nowhere unless --debug asks for them.
    logging.captureWarnings(True)
    if debug:
        logging.basicConfig(level=logging.WARNING, format="%(name)s: %(levelname)s: %(message)s")
    elif not logging.getLogger().handlers:
        logging.getLogger().addHandler(logging.NullHandler())
    try:
        cli.main(args=args, prog_name="borderwar-report", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        with contextlib.suppress(OSError):  # a closed stderr
            exc.show()
        sys.exit(EXIT_USAGE)
    except SystemExit:
        raise
    except Exception as exc:  # the last line of defence: one readable line, not a traceback
        if debug:
            raise
        _say(f"error: {type(exc).__name__}: {exc} (run with --debug for details)")
        sys.exit(EXIT_RENDER)
    sys.exit(EXIT_OK)
