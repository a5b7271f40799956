"""Human-edited YAML → plain values plus the line of every field.

Scalars stay text (the schema casts them), so ``NO`` is not ``False`` and ``1939-05`` is not a
timestamp; duplicate keys are problems, not last-one-wins; every problem carries its file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import Problem

try:  # libyaml's composer is ~6x faster on big data sets; positions are the same
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

_NULL = "tag:yaml.org,2002:null"


@dataclass
class YamlDoc:
    """A parsed file: its value and the 1-based line of each field path, e.g. ('sides', 0, 'losses')."""

    path: str
    value: object
    lines: dict[tuple, int] = field(default_factory=dict)

    def line(self, where: tuple) -> int:
        """Line of the field, or of its nearest enclosing field that has one."""
        where = tuple(where)
        while where:
            if where in self.lines:
                return self.lines[where]
            where = where[:-1]
        return self.lines.get((), 1)


def decode_text(data: bytes, label: str) -> tuple[str | None, list[Problem]]:
    """Strict UTF-8 (a BOM is dropped, CRLF kept for YAML to handle)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start: exc.start + 1].hex().upper()
        return None, [Problem(label, line, "", f"not UTF-8 (byte 0x{bad}); save the file as UTF-8",
                              "encoding")]


# PyYAML (and libyaml, which words some messages differently) says what it found; a person needs the fix.
_QUOTE = ' (a value that contains ": " must be quoted: title: "Khasan: the battle")'
_ALIGN = " (this line does not line up with the keys or list items above it: check its indentation)"
YAML_FIXES = {
    "mapping values are not allowed here": _QUOTE,
    "mapping values are not allowed in this context": _QUOTE,
    "could not find expected ':'": " (a line is not 'key: value', or a quote opened earlier is never closed)",
    "found undefined alias": " (a value starting with * must be quoted)",
    "did not find expected key": _ALIGN,
    "expected <block end>, but found '-'": _ALIGN,
    "expected <block end>, but found '<block mapping start>'": _ALIGN,
    "did not find expected '-' indicator": _ALIGN,
}


def parse_yaml(text: str, label: str) -> tuple[YamlDoc | None, list[Problem]]:
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "invalid YAML"
        at_end = mark is not None and mark.index >= len(text.rstrip())
        if exc.context_mark and ("end of stream" in what or at_end):
            # An unclosed quote or bracket: point at where it was opened, not at the end of the file.
            mark = exc.context_mark
            what = f"{exc.context} that is never closed"
        line = mark.line + 1 if mark else 1
        what += YAML_FIXES.get(what, "")
        if "\t" in text.splitlines()[line - 1] if line <= len(text.splitlines()) else False:
            what += " (a tab character: indent with spaces)"
        return None, [Problem(label, line, "", f"YAML syntax error: {what}", "yaml-syntax")]
    except yaml.YAMLError as exc:  # reader errors (control characters) have no problem_mark
        line = getattr(getattr(exc, "position", None), "line", 0) or 1
        return None, [Problem(label, line, "", f"YAML error: {exc}", "yaml-syntax")]
    if len(nodes) > 1:
        return None, [Problem(label, nodes[1].start_mark.line + 1, "",
                              "more than one YAML document (---); use one per file", "yaml-syntax")]
    doc = YamlDoc(label, None)
    problems: list[Problem] = []
    if nodes:
        doc.value = _convert(nodes[0], (), doc, problems)
    return doc, problems


def read_yaml(path: Path, label: str) -> tuple[YamlDoc | None, list[Problem]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(label, 0, "", f"cannot read: {exc.strerror}", "unreadable")]
    text, problems = decode_text(data, label)
    if text is None:
        return None, problems
    return parse_yaml(text, label)


def _convert(node, where: tuple, doc: YamlDoc, problems: list[Problem]):
    doc.lines.setdefault(where, node.start_mark.line + 1)
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _NULL and node.style is None:
            return None
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, where + (i,), doc, problems) for i, item in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        out: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(doc.path, key_node.start_mark.line + 1, _dotted(where),
                                        "keys must be plain names", "yaml-key"))
                continue
            key = key_node.value
            if key in out:
                first = doc.lines.get(where + (key,), 0)
                problems.append(Problem(doc.path, key_node.start_mark.line + 1, _dotted(where + (key,)),
                                        f'key "{key}" is repeated (first at line {first})', "duplicate-key"))
                continue
            doc.lines[where + (key,)] = key_node.start_mark.line + 1
            out[key] = _convert(value_node, where + (key,), doc, problems)
        return out
    return None  # pragma: no cover - aliases resolve to the node types above


def _dotted(where: tuple) -> str:
    """('sides', 0, 'losses', 'killed') → 'sides[0].losses.killed'."""
    out = ""
    for part in where:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
