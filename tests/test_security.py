"""Hostile data and broken templates: text stays inert, nothing is fetched, errors name the file and line."""

from __future__ import annotations

import re
import shutil
import socket
import threading
from pathlib import Path

import pypdf
import pytest

from borderwar_report.build.plan import BuildOptions
from borderwar_report.build.runner import run
from borderwar_report.core.errors import RenderError
from borderwar_report.core.log import Log
from borderwar_report.documents.pdf import render_pdf
from borderwar_report.core.project import Project
from borderwar_report.records.validate import validate_folder

from .conftest import run_cli, writable_copy

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
MINI = Path(__file__).resolve().parent / "fixtures" / "mini"


class Listener:
    """A TCP server on 127.0.0.1 that records every connection made to it."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(0.5)
                try:
                    self.connections.append(conn.recv(1024) or b"(connected)")
                except OSError:
                    self.connections.append(b"(connected)")

    def close(self):
        self._stop.set()
        self._thread.join(2)
        self.sock.close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def _passwd_line() -> str:
    try:
        return Path("/etc/passwd").read_text().splitlines()[0]
    except (OSError, IndexError):
        return "root:x:0:0"


def _hostile_summary(listener: Listener) -> str:
    return "\n".join([
        "Hostile summary starts here.",
        '<img src="file:///etc/passwd"> <script>alert(1)</script>',
        "Template: {{ 7*7 }} and {% if true %}block{% endif %}.",
        f"![x]({listener.url('markdown-image.png')})",
        f'<style>@import url("{listener.url("import.css")}");</style>',
        f'<link rel="stylesheet" href="{listener.url("link.css")}">',
        f'<iframe src="{listener.url("frame")}"></iframe>',
        f"[a link]({listener.url('link')}) and [file](file:///etc/passwd)",
        "# Hostile heading",
        "",
        "[relative link](notes.html) and [parent](../secret.css)",
        "",
        "Hostile summary ends here.",
    ])


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


@pytest.mark.slow
def test_hostile_data_is_inert_and_fetches_nothing(tmp_path, listener, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(MINI, data)
    event = data / "events" / "hill-battle.yaml"
    text = event.read_text(encoding="utf-8")
    head, _, _ = text.partition("\nsummary:")  # however the fixture writes its summary (block or quoted)
    tail = text[text.index("\ncitations:"):]
    event.write_text(head + "\nsummary: |\n" + _indent(_hostile_summary(listener)) + tail, encoding="utf-8")
    doc = data / "document.yaml"
    doc.write_text(doc.read_text(encoding="utf-8").replace("subtitle: A test fixture",
                                                           "subtitle: \"<b>{{ 7*7 }}</b>\""), encoding="utf-8")

    # The validator refuses raw HTML in Markdown; the renderer must stay inert without that check too.
    assert "raw-html" in {p.code for p in validate_folder(data)}
    monkeypatch.setattr("borderwar_report.records.validate.raw_html_problems", lambda doc: [])
    out = tmp_path / "out"
    run(Project(data, TEMPLATES, out), BuildOptions(force=True, only=("charts", "briefing")), Log(quiet=True))

    pdf_bytes = (out / "briefing.pdf").read_bytes()
    reader = pypdf.PdfReader(out / "briefing.pdf")
    text = " ".join("\n".join(page.extract_text() for page in reader.pages).split())  # justified spaces
    text = text.translate(str.maketrans("“”‘’", "\"\"''"))  # typographic quotes are the briefing's style
    assert "Hostile summary starts here." in text
    assert "Hostile summary ends here." in text
    assert "{{ 7*7 }}" in text
    assert "{% if true %}block{% endif %}" in text
    assert re.search(r'<img src=["“”]file:///etc/passwd["“”]>', text)  # as text (the typographer may curl quotes)
    assert "<script>alert(1)</script>" in text
    assert "<b>{{ 7*7 }}</b>" in text  # the subtitle, escaped
    assert _passwd_line() not in text
    assert _passwd_line().encode() not in pdf_bytes
    assert listener.connections == []  # no image, stylesheet, @import or frame was requested
    # A heading in data is not a section: no bookmark, no running head. A relative link is plain text, so
    # the staging folder's path never reaches the PDF.
    outline = [item.title for item in _flatten(reader.outline)]
    assert outline and not any("Hostile heading" in title for title in outline), outline
    assert "Hostile heading" in text and "relative link" in text
    assert b".staging-" not in pdf_bytes and str(out).encode() not in pdf_bytes

    html = (out / "briefing.html").read_text(encoding="utf-8")
    body = html.split("<body>", 1)[1]
    charts = re.findall(r'<svg role="img".*?</svg>', body, re.S)  # our own chart files, inlined for browsers
    assert len(charts) == len(list((out / "charts" / "print").glob("*.svg")))
    body = re.sub(r'<svg role="img".*?</svg>', "", body, flags=re.S)
    assert "&lt;script&gt;" in body
    assert "&lt;img src=" in body
    for tag in ("<script", "<style", "<link", "<iframe", "<img"):
        assert tag not in body, tag
    assert 'href="file:///etc/passwd"' not in body  # Markdown refuses file: links


def _flatten(outline):
    for item in outline:
        if isinstance(item, list):
            yield from _flatten(item)
        else:
            yield item


@pytest.mark.parametrize(("text", "html"), [
    ("# Top\n\nbody", "<p><strong>Top</strong></p>\n<p>body</p>\n"),
    ("Setext\n======", "<p><strong>Setext</strong></p>\n"),
    ("###### Six", "<p><strong>Six</strong></p>\n"),
    ("[rel](notes.html) [up](../x.css) [frag](#ev-a) [root](/etc/passwd)",
     "<p>rel up frag root</p>\n"),
    ("[web](https://example.org/a?b=1) [mail](mailto:a@example.org)",
     '<p><a href="https://example.org/a?b=1">web</a> <a href="mailto:a@example.org">mail</a></p>\n'),
])
def test_data_markdown_has_no_headings_and_no_relative_links(text, html):
    from borderwar_report.core.markup import markdown

    assert str(markdown(text)) == html


def test_fetcher_refuses_network_and_files_outside_the_project(tmp_path, listener):
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    inside = tmp_path / "stage"
    inside.mkdir()
    (inside / "ok.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                                   '<rect width="10" height="10"/></svg>')
    html = f"""<!doctype html><html lang="en"><head><title>t</title>
<link rel="stylesheet" href="{listener.url('link.css')}">
<link rel="stylesheet" href="{secret.as_uri()}">
<style>@import url("{listener.url('import.css')}"); @import url("{secret.as_uri()}");
body {{ background: url("{listener.url('bg.png')}") }}</style></head><body>
<p>text</p>
<img src="file:///etc/passwd" alt="a"><img src="{listener.url('img.png')}" alt="b">
<img src="../secret.css" alt="c"><img src="ok.svg" alt="inside">
</body></html>"""
    pdf, warnings, refused = render_pdf(html, inside, [TEMPLATES], label="test")
    assert pdf.startswith(b"%PDF")
    assert listener.connections == []
    refused_text = "\n".join(refused)
    for url in ("link.css", "import.css", "bg.png", "img.png", "file:///etc/passwd", secret.as_uri()):
        assert url in refused_text, url
    assert "ok.svg" not in refused_text  # the project's own files are served


def _break_line(templates: Path, name: str, line: int, text: str) -> None:
    path = templates / name
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[line - 1] = text
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize(("name", "line", "text", "message"), [
    ("partials/event.html.j2", 5, "{% if %}", "template syntax error"),
    ("briefing.html.j2", 24, "{% include 'partials/nope.html.j2' %}", "not found"),
    ("partials/summary.html.j2", 4, "{{ not_a_variable.attribute }}", "is undefined"),
])
def test_broken_template_names_file_and_line(tmp_path, name, line, text, message):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    _break_line(templates, name, line, text)
    with pytest.raises(RenderError) as info:
        run(Project(MINI, templates, tmp_path / "out"), BuildOptions(force=True, only=("briefing",)),
            Log(quiet=True))
    msg = str(info.value)
    assert message in msg
    if "not found" not in message:
        assert f"{name}:{line}:" in msg
    else:
        assert "partials/nope.html.j2" in msg


@pytest.mark.slow
def test_cli_build_with_broken_templates_exits_3_and_keeps_outputs(mini_build, tmp_path):
    out = writable_copy(mini_build[1], tmp_path / "out")
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}
    assert out / "briefing.pdf" in before

    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    _break_line(templates, "partials/phase.html.j2", 3, "{% for %}")
    result = run_cli("build", "--data", MINI, "--templates", templates, "--out", out, "--force", "-q")
    assert result.returncode == 3, result.stderr
    assert "phase.html.j2:3" in result.stderr
    assert "Traceback" not in result.stderr
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert not [p for p in out.iterdir() if p.name.startswith(".staging-")]
