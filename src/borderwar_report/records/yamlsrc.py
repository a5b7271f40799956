"""Human-edited YAML → plain values plus the line of every field.

Scalars stay text (the schema casts them), so ``NO`` is not ``False`` and ``1939-05`` is not a
timestamp; duplicate keys are problems, not last-one-wins; every problem carries its file and line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from borderwar_report.core.errors import Problem

try:  # libyaml's composer is ~6x faster on big data sets; positions are the same
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

_NULL = "tag:yaml.org,2002:null"
# A data file is a page of hand-written records; the shipped events are a few KB each. 5 MB leaves room for a
# file holding thousands of records while keeping a mistaken multi-gigabyte file from being read into memory.
MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass
class YamlDoc:
    """A parsed file: its value and the 1-based line of each field path, e.g. ('sides', 0, 'losses')."""

    path: str
    value: object
    lines: dict[tuple, int] = field(default_factory=dict)
    raw: bytes = b""  # the file's bytes, so callers fingerprint what was parsed without reading it twice

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
        doc.value = _convert(nodes[0], (), doc, problems, _Aliases(text))
    return doc, problems


def read_bytes(path: Path, label: str) -> tuple[bytes | None, list[Problem]]:
    """The bytes of a regular file no larger than MAX_FILE_BYTES; anything else is a Problem saying why.

    A FIFO would block for ever, /dev/zero would fill memory, a directory or a dangling link is an OSError."""
    import stat

    def refuse(why: str):
        return None, [Problem(label, 0, "", f"cannot read: {why}", "unreadable")]

    try:
        info = path.stat()  # follows links: a link to a regular file is fine
    except FileNotFoundError:
        return refuse("missing (a symbolic link to a file that does not exist?)")
    except OSError as exc:
        return refuse(exc.strerror or str(exc))
    if not stat.S_ISREG(info.st_mode):
        what = "a folder" if stat.S_ISDIR(info.st_mode) else "a pipe, device or socket"
        return refuse(f"not a regular file ({what}); data files must be plain YAML files")
    if info.st_size > MAX_FILE_BYTES:
        return refuse(f"{info.st_size:,} bytes; the limit is {MAX_FILE_BYTES:,} per file (split the records)")
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO after the check, open() must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return refuse("not a regular file")
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return refuse(exc.strerror or str(exc))
    if len(data) > MAX_FILE_BYTES:
        return refuse(f"larger than the limit of {MAX_FILE_BYTES:,} bytes per file (split the records)")
    return data, []


def read_yaml(path: Path, label: str) -> tuple[YamlDoc | None, list[Problem]]:
    data, problems = read_bytes(path, label)
    if data is None:
        return None, problems
    text, problems = decode_text(data, label)
    if text is None:
        return None, problems
    doc, problems = parse_yaml(text, label)
    if doc is not None:
        doc.raw = data
    return doc, problems


class _Aliases:
    """Where each ``*alias`` is written. A node met twice while converting is an alias (the composer shares the
    anchored node); its position is that of the anchor, so the alias's own line comes from the parser's
    events, read only when a file has aliases at all."""

    def __init__(self, text: str):
        self.text = text
        self.seen: set[int] = set()
        self.events: list | None = None
        self.used = 0

    def next_alias(self) -> tuple[int, str]:
        if self.events is None:
            self.events = [(e.start_mark.line + 1, e.anchor) for e in yaml.parse(self.text, Loader=_Loader)
                           if isinstance(e, yaml.AliasEvent)]
        found = self.events[self.used] if self.used < len(self.events) else (0, "?")
        self.used += 1
        return found


def _convert(node, where: tuple, doc: YamlDoc, problems: list[Problem], aliases: _Aliases):
    if id(node) in aliases.seen:
        # Expanding aliases is how a 1 KB file becomes gigabytes (and a recursive one never ends); records
        # are short, so an alias buys an editor nothing that writing the value out does not.
        line, name = aliases.next_alias()
        problems.append(Problem(doc.path, line or node.start_mark.line + 1, _dotted(where),
                                f"YAML alias (*{name}) is not supported; write the value out in full",
                                "yaml-alias"))
        return None
    aliases.seen.add(id(node))
    doc.lines.setdefault(where, node.start_mark.line + 1)
    if isinstance(node, yaml.ScalarNode):
        # The pure-Python loader marks a plain scalar with style None, libyaml with "": both mean unquoted.
        if node.tag == _NULL and not node.style:
            return None
        return node.value
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, where + (i,), doc, problems, aliases) for i, item in enumerate(node.value)]
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
            out[key] = _convert(value_node, where + (key,), doc, problems, aliases)
        return out
    return None  # pragma: no cover - aliases resolve to the node types above


def _dotted(where: tuple) -> str:
    """('sides', 0, 'losses', 'killed') → 'sides[0].losses.killed'."""
    out = ""
    for part in where:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
