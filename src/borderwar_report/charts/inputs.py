"""What each chart draws from the data, and the key that tells a rebuild whether to draw it again.

A chart is drawn from a *reduced* copy of the data set: the records with everything that chart does not draw
left out (the prose a chart never shows, notes, page numbers of citations, the files the records came from).
Its key is the digest of that reduced copy with the chart environment (fonts, style, the tool's code, the
preset) — so the key covers exactly what the drawing read, by construction: a field left out of the copy
cannot reach the picture, and a field kept in it is in the key. A rebuild whose key for a chart equals the
one recorded in ``charts/index.json`` copies the previous file instead of drawing it.

Pure standard library and records; no Matplotlib.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import fields, is_dataclass, replace
from pathlib import Path

from borderwar_report.records.claims import DEAD_PREFERENCE
from borderwar_report.records.model import ClaimSource, Organisation, Totals

KEY_VERSION = "chart-inputs 2"  # bump when what a reduction keeps changes meaning
MAP_CHARTS = ("locator",)  # with the detail maps: read the bundled geometry and the events' words
# Charts that read the claims only through measures.highest_dead (marker sizes, rings, the bars per year):
# of an event's claims they keep the losses in the categories of dead, in the record's order.
DEAD_CHARTS = ("timeline", "escalation")


# --- the reduced data sets ------------------------------------------------------------------------

def _claim(c):
    # The works a claim was read in stay (the source line names them); the pages and the claim's note go.
    return replace(c, note=None, sources=tuple(ClaimSource(s.source, None, s.via, None) for s in c.sources))


def _claims(group: dict) -> dict:
    return {k: tuple(_claim(c) for c in v) for k, v in group.items()}


def _side(s, dead_only: bool = False):
    if dead_only:
        losses = {k: v for k, v in s.losses.items() if k in DEAD_PREFERENCE}
        return replace(s, commanders=(), units=(), note=None, forces={}, losses=_claims(losses))
    return replace(s, commanders=(), units=(), note=None, forces=_claims(s.forces), losses=_claims(s.losses))


def _figures(figs):
    return tuple(replace(f, claims=tuple(_claim(c) for c in f.claims)) for f in figs)


def _totals(t):
    return replace(t, sides=tuple(_side(s) for s in t.sides), figures=_figures(t.figures))


def _source(s):
    # What a short label needs (authors, year, title, and what tells two alike labels apart); the rest of the
    # bibliographic record is the briefing's.
    return replace(s, journal=None, volume=None, issue=None, pages=None, url=None, note=None, place=None,
                   title_translated=None)


def reduce(dataset, kind: str):
    """The data set as the charts of one ``kind`` (:func:`kind_of`) draw it: "casualties" (every claim),
    "dead" (the timeline and the escalation chart: the claims of dead only), "maps" (the locator and the
    detail maps: the claims of dead and the events' words, which name the lakes, rivers and towns shown)
    or "deck" (every claim and the document's words, which its title slide and file properties print)."""
    dead_only = kind in ("dead", "maps")

    def event(e):
        return replace(e, file="", line=0, note="", citations=(), alternative_dates=(),
                       summary=e.summary if kind == "maps" else "",
                       sides=tuple(_side(s, dead_only) for s in e.sides),
                       figures=() if dead_only else _figures(e.figures))

    def totals(t):
        return Totals() if dead_only else _totals(t)

    doc = dataset.document
    if kind != "deck":
        doc = replace(doc, summary="", method="", keywords=())
    doc = replace(doc, totals=totals(doc.totals))
    return replace(dataset, document=doc, revision="",
                   phases=tuple(replace(p, summary="", totals=totals(p.totals)) for p in dataset.phases),
                   sources=tuple(_source(s) for s in dataset.sources),
                   events=tuple(event(e) for e in dataset.events),
                   claimants=tuple(replace(c, note=None) for c in dataset.claimants))


# --- digests ----------------------------------------------------------------------------------------

def _plain(value):
    """A JSON-able form that tells apart everything a drawing could: types, order, dict order."""
    if isinstance(value, Organisation):
        return ["Organisation", str(value)]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return ["date", value.isoformat()]
    if is_dataclass(value):
        return [type(value).__name__, [_plain(getattr(value, f.name)) for f in fields(value)]]
    if isinstance(value, dict):
        return ["dict", [[_plain(k), _plain(v)] for k, v in value.items()]]
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    raise TypeError(f"cannot digest {type(value).__name__}")  # a new model type: say so, never guess


def digest(value) -> str:
    return hashlib.sha256(json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def files_digest(folder: Path) -> str:
    """Names and bytes of the files in one folder (the bundled geometry a map reads)."""
    h = hashlib.sha256()
    if Path(folder).is_dir():
        for path in sorted(Path(folder).iterdir()):
            if path.is_file():
                h.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


class Keys:
    """Chart keys for one build. ``env``: the digest of what every drawing depends on besides the data
    (fonts, style, code, SOURCE_DATE_EPOCH — the build plan's ``chart_env``); None: no keys, draw everything."""

    def __init__(self, dataset, project, env: str | None):
        self.dataset, self.project, self.env = dataset, project, env
        self._reduced: dict[str, object] = {}
        self._digests: dict[str, str] = {}
        self._geo: str | None = None

    def reduced(self, name: str):
        kind = kind_of(name)
        if kind not in self._reduced:
            self._reduced[kind] = reduce(self.dataset, kind)
        return self._reduced[kind]

    def _data_digest(self, name: str) -> str:
        kind = kind_of(name)
        if kind not in self._digests:
            self._digests[kind] = digest(self.reduced(name))
        return self._digests[kind]

    def _geo_digest(self) -> str:
        if self._geo is None:
            from borderwar_report.charts.geo import geo_dirs

            self._geo = "\n".join(files_digest(d) for d in geo_dirs(self.project))
        return self._geo

    def key(self, preset: str, name: str, *extra) -> str | None:
        if self.env is None:
            return None
        maps = kind_of(name) == "maps"  # the maps also read the bundled geometry
        parts = [KEY_VERSION, self.env, preset, name, self._data_digest(name),
                 self._geo_digest() if maps else "", *map(str, extra)]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def kind_of(name: str) -> str:
    """Which reduction a chart is drawn from (charts that share one share its digest)."""
    if name in MAP_CHARTS or name.startswith("detail-"):
        return "maps"
    if name in DEAD_CHARTS:
        return "dead"
    return "deck" if name == "deck" else "casualties"


class Previous:
    """The last build's charts in out/: a file is reused only when its recorded key matches and its bytes
    are still the ones the manifest recorded (a file edited or damaged in out/ is drawn again)."""

    def __init__(self, out_dir: Path, outputs: dict):
        self.out_dir = Path(out_dir)
        self.outputs = outputs if isinstance(outputs, dict) else {}
        try:
            index = json.loads((self.out_dir / "charts" / "index.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            index = {}
        self.index = index if isinstance(index, dict) else {}

    def entry(self, name: str) -> dict:
        info = self.index.get(name)
        return info if isinstance(info, dict) else {}

    def files(self, name: str, preset: str, key: str | None, rels: list[str]) -> dict[str, bytes] | None:
        """{relative path: bytes} of the previous files of ``name`` in ``preset`` when its key is ``key``."""
        if key is None:
            return None
        keys = self.entry(name).get("keys")
        if not isinstance(keys, dict) or keys.get(preset) != key:
            return None
        out = {}
        for rel in rels:
            info = self.outputs.get(rel)
            try:
                data = (self.out_dir / rel).read_bytes()
            except OSError:
                return None
            if not isinstance(info, dict) or hashlib.sha256(data).hexdigest() != info.get("sha256"):
                return None
            out[rel] = data
        return out
