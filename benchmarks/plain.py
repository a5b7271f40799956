"""A plain document of a given page count: what WeasyPrint needs for ordinary paged text on this machine.

    python -m benchmarks.plain 50 /tmp/plain   # writes /tmp/plain/plain.html (renders it to count pages)

The benchmark sets the briefing beside it (issue #17): headings, paragraphs, a table and two footnotes per
section, three SVG charts, a contents list with page numbers, the briefing's bundled fonts and page size, a
running footer with "page N of M". Generated at benchmark time from a seeded word list, never committed.
One section per page (each starts a new page and fills most of it), so the page count is the section count
plus the contents page.
"""

from __future__ import annotations

import random
import sys
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS = ("border frontier river garrison patrol report treaty commission survey hill lake ford pass column "
         "regiment division staff order telegram envoy protest note incident skirmish casualty estimate archive "
         "record memoir account figure claim source chapter volume page map line post village district "
         "province ministry command winter summer spring autumn morning evening night retreat advance reserve "
         "artillery supply road railway station bridge marsh steppe ridge valley").split()

CSS = """
@page { size: A4; margin: 24mm 20mm 22mm 20mm;
  @bottom-right { content: "page " counter(page) " of " counter(pages); font: 7.5pt "Noto Sans", sans-serif; } }
html { font-family: "Noto Serif", "Noto Sans CJK JP", serif; font-size: 9.5pt; line-height: 1.42; hyphens: auto; }
body { margin: 0; }
h1, h2, table, nav, figcaption { font-family: "Noto Sans", "Noto Sans CJK JP", sans-serif; }
h2 { break-before: page; font-size: 13pt; margin: 0 0 3mm; }
p { margin: 0 0 2.2mm; }
nav a { color: inherit; text-decoration: none; }
nav a::after { content: leader(".") target-counter(attr(href), page); }
nav ul { margin: 0; padding: 0; }
nav li { list-style: none; font-size: 8.5pt; line-height: 1.3; }
table { border-collapse: collapse; width: 100%; margin: 3mm 0; font-size: 8.5pt; }
th, td { border-bottom: 0.4pt solid #999; padding: 1mm 1.5mm; text-align: left; }
.fn { float: footnote; font-size: 7.5pt; }
figure { margin: 3mm 0; } figure img { width: 100%; }
"""


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(9, 22))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng) for _ in range(sentences))


def plain_html(sections: int, charts: list[Path], fonts_dir: Path, paragraphs: int = 7, seed: int = 44) -> str:
    """The document: a contents page, then ``sections`` one-page sections; ``charts`` (SVG files) go into
    the first, middle and last section in place of two paragraphs each."""
    sys.path.insert(0, str(ROOT / "src"))
    from borderwar_report.core.fonts import font_face_css

    rng = random.Random(seed)
    font_css = font_face_css(fonts_dir, href_prefix=fonts_dir.resolve().as_uri() + "/")
    chart_at = {0: 0, sections // 2: 1, sections - 1: 2} if charts else {}
    toc = "".join(f'<li><a href="#s{i}">Section {i + 1}</a></li>' for i in range(sections))
    body = [f"<h1>A plain document of {sections + 1} pages</h1><nav><ul>{toc}</ul></nav>"]
    for i in range(sections):
        part = [f'<h2 id="s{i}">Section {i + 1}: {escape(_sentence(rng)[:60])}</h2>']
        count = paragraphs
        if i in chart_at and chart_at[i] < len(charts):
            src = charts[chart_at[i]].resolve().as_uri()
            part.append(f'<figure><img src="{src}" alt="Chart"><figcaption>Figure {chart_at[i] + 1}.'
                        f'</figcaption></figure>')
            count -= 4
        for k in range(max(1, count)):
            text = escape(_paragraph(rng, 4))
            if k in (1, 3):
                text += f'<span class="fn">{escape(_sentence(rng))}</span>'
            part.append(f"<p>{text}</p>")
            if k == 2:
                rows = "".join(f"<tr><td>{rng.choice(WORDS)}</td><td>{rng.randint(1, 9999)}</td>"
                               f"<td>{rng.randint(1930, 1945)}</td><td>{rng.choice(WORDS)} {rng.choice(WORDS)}</td></tr>"
                               for _ in range(6))
                part.append(f"<table><thead><tr><th>Name</th><th>Figure</th><th>Year</th><th>Note</th></tr>"
                            f"</thead><tbody>{rows}</tbody></table>")
        body.append("".join(part))
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Plain</title>'
            f"<style>{font_css}{CSS}</style></head><body>{''.join(body)}</body></html>")


def write_plain(pages: int, target: Path, charts: list[Path], fonts_dir: Path) -> Path:
    """Write ``target/plain.html`` of ``pages`` pages (checked by rendering once; raises if it is off)."""
    import weasyprint

    target.mkdir(parents=True, exist_ok=True)
    path = target / "plain.html"
    for paragraphs in (6, 5, 4):  # the fullest sections that still fit one page each
        path.write_text(plain_html(pages - 1, charts, fonts_dir, paragraphs), encoding="utf-8")
        got = len(weasyprint.HTML(filename=str(path)).render().pages)
        if got == pages:
            return path
    raise SystemExit(f"the plain document came out at {got} pages, not {pages}")


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("/tmp/borderwar-plain")
    svgs = sorted((Path(sys.argv[3]) if len(sys.argv) > 3 else out).glob("**/*.svg"))[:3]
    print(write_plain(n, out, svgs, ROOT / "templates" / "fonts"))
