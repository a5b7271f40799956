"""Synthetic data sets of any size, in the shipped data format, for benchmarks and scale tests.

    python -m benchmarks.generate 1000 /tmp/data-1000

Events are spread over the years of a made-up conflict with a seeded random generator, so the same
size always gives the same files. Each event has native names in several scripts, a place, two sides
with forces and losses (some contested), and a citation — the same mix as real records.
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

KINDS = ("border-incident", "border-incident", "border-incident", "battle", "diplomacy", "context")
NATIVE = [("ja", "国境事件"), ("zh", "边境冲突"), ("ru", "Пограничный бой"), ("mn", "Хилийн мөргөлдөөн")]


def document_yaml(n: int, first_year: int, last_year: int) -> str:
    return f"""title: Synthetic Border Conflict ({n:,} events)
subtitle: Generated data for benchmarks
issuer: borderwar-report benchmarks
edition: 2026-01-01
paper: a4
language: en
span: {first_year}/{last_year}
lanes:
  - {{id: north, label: Northern frontier}}
  - {{id: east, label: Eastern frontier}}
  - {{id: talks, label: Diplomacy}}
  - {{id: world, label: The wider war}}
summary: |
  A generated data set of {n:,} events used to measure how the build scales.
method: |
  Every figure is random; sources are fictitious.
"""


SIDES = """- id: red
  name: Red Republic
  short: Red
  bloc: red
  names: [{lang: ru, text: Красная Республика}]
- id: blue
  name: Blue Empire
  short: Blue
  bloc: blue
  names: [{lang: ja, text: 青帝国}]
- id: green
  name: Green Protectorate
  short: Green
  bloc: blue
  names: [{lang: zh, text: 绿保护国}]
"""


def phases_yaml(first_year: int, last_year: int) -> str:
    years = list(range(first_year, last_year + 1))
    cut1, cut2 = years[len(years) // 3], years[2 * len(years) // 3]
    return (f"- {{id: opening, name: Opening moves, date: {first_year}/{cut1 - 1}}}\n"
            f"- {{id: middle, name: Escalation, date: {cut1}/{cut2 - 1}}}\n"
            f"- {{id: closing, name: Settlement, date: {cut2}/{last_year}}}\n")


SOURCES = """- {id: src-a, kind: official-record, type: book, author: ["Archivist, Anna"], title: Frontier Records, publisher: Test Press, year: "1990"}
- {id: src-b, kind: journal-article, type: article, author: ["Counter, Carl"], title: Losses Revisited, journal: Journal of Sums, year: "2005", pages: "1–20"}
- {id: src-c, kind: web-page, type: web, title: A Web Page, url: "https://example.org/page", accessed: 2026-01-01}
"""
CLAIMANTS = """- {id: red-staff, name: Red general staff, kind: official, side: red}
- {id: counter, name: Carl Counter, kind: scholar}
- {id: blue-press, name: Blue press, kind: press, side: blue}
"""


def zero(value: int) -> str:
    """A claim of none says so (a bare 0 is refused: unknown is written by leaving the figure out)."""
    return ", claimed_zero: true" if value == 0 else ""


def event_yaml(i: int, rng: random.Random, first_year: int, last_year: int, phase_for) -> str:
    year = rng.randint(first_year, last_year)
    month, day = rng.randint(1, 12), rng.randint(1, 27)
    shape = rng.random()
    if shape < 0.5:
        date = f"{year}-{month:02d}-{day:02d}"
    elif shape < 0.7:
        date = f"{year}-{month:02d}"
    elif shape < 0.8:
        date = f"{year}-{month:02d}~"
    else:
        end_day = min(28, day + rng.randint(1, 20))
        date = f"{year}-{month:02d}-{day:02d}/{year}-{month:02d}-{end_day:02d}"
    kind = rng.choice(KINDS)
    lane = {"diplomacy": "talks", "context": "world"}.get(kind, rng.choice(["north", "east"]))
    lang, native = NATIVE[i % len(NATIVE)]
    scale = 10 ** rng.uniform(0, 4 if kind == "battle" else 2)
    killed = int(scale)
    blue = max(0, int(killed * rng.uniform(0.2, 1.5)))
    lines = [
        f"id: event-{i:05d}",
        f"title: Incident number {i} at {rng.choice(['River', 'Hill', 'Lake', 'Pass', 'Ford'])} {i % 97}",
        f"names: [{{lang: {lang}, text: {native}{i}}}]",
        f"kind: {kind}",
        f"phase: {phase_for(year)}",
        f"lane: {lane}",
        f"date: \"{date}\"",
        f"place: {{name: Place {i}, lat: {rng.uniform(40, 54):.3f}, lon: {rng.uniform(105, 140):.3f}"
        f"{', approximate: true' if rng.random() < 0.2 else ''}}}",
        "sides:",
        "  - side: red",
        "    commanders: [Commander Red]",
        f"    forces: {{troops: [{{value: {killed * 20 + 10}, claimant: red-staff, source: src-a}}]}}",
        "    losses:",
        f"      killed: [{{value: {killed}, claimant: red-staff, source: src-a{zero(killed)}}}"
        + (f", {{value: {int(killed * 1.3) + 1}, claimant: counter, source: src-b}}]" if rng.random() < 0.3
           else "]"),
        f"      wounded: [{{low: {killed * 2}, high: {killed * 3 + 1}, claimant: counter, source: src-b"
        f"{zero(killed * 3 + 1)}}}]",
        "  - side: blue",
        "    losses:",
        f"      killed: [{{value: {blue}, claimant: blue-press, sources: [{{source: src-a}}, {{source: src-c}}]"
        f"{zero(blue)}}}]",
        f"outcome: Outcome {i}",
        "summary: |",
        f"  A generated event number {i}, with **some** Markdown and a second sentence for length.",
        f"citations: [{{source: src-a, locator: \"p. {i % 300 + 1}\"}}, {{source: src-c}}]",
    ]
    return "\n".join(lines) + "\n"


def heavy_claims(record: str, claims: int) -> str:
    """The record with ``claims`` claims of the Red side's killed, from the three claimants in turn (the
    issue's case of thousands of claims on one event)."""
    ids = ("red-staff", "counter", "blue-press")
    items = ", ".join(f"{{value: {100 + k}, claimant: {ids[k % 3]}, source: src-{'abc'[k % 3]}}}"
                      for k in range(claims))
    return re.sub(r"^      killed: \[.*\]$", f"      killed: [{items}]", record, count=1, flags=re.M)


def write_dataset(n: int, target: Path, seed: int = 1935, first_year: int = 1930, last_year: int = 1945,
                  one_file: bool = False, claims_on_first: int = 0) -> Path:
    """Write a valid data folder of ``n`` events to ``target`` and return it; ``claims_on_first`` gives the
    first event that many claims of one figure."""
    rng = random.Random(seed)
    target = Path(target)
    (target / "events").mkdir(parents=True, exist_ok=True)
    (target / "document.yaml").write_text(document_yaml(n, first_year, last_year), encoding="utf-8")
    (target / "sides.yaml").write_text(SIDES, encoding="utf-8")
    (target / "phases.yaml").write_text(phases_yaml(first_year, last_year), encoding="utf-8")
    (target / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    (target / "claimants.yaml").write_text(CLAIMANTS, encoding="utf-8")
    years = list(range(first_year, last_year + 1))
    cut1, cut2 = years[len(years) // 3], years[2 * len(years) // 3]

    def phase_for(year):
        return "opening" if year < cut1 else "middle" if year < cut2 else "closing"

    records = [event_yaml(i, rng, first_year, last_year, phase_for) for i in range(n)]
    if claims_on_first and records:
        records[0] = heavy_claims(records[0], claims_on_first)
    if one_file:
        body = "".join("- " + r.replace("\n", "\n  ").rstrip() + "\n" for r in records)
        (target / "events" / "all.yaml").write_text(body, encoding="utf-8")
    else:
        for i, record in enumerate(records):
            (target / "events" / f"event-{i:05d}.yaml").write_text(record, encoding="utf-8")
    return target


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--claims=")]
    heavy = next((int(a.split("=", 1)[1]) for a in sys.argv[1:] if a.startswith("--claims=")), 0)
    count = int(args[0]) if args else 100
    out = Path(args[1]) if len(args) > 1 else Path(f"/tmp/borderwar-synthetic-{count}")
    print(write_dataset(count, out, claims_on_first=heavy))
