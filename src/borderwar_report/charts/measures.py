"""What the charts measure, from the records — pure functions, no Matplotlib.

Shared by the charts and the poster/handout. Stable API:

* :func:`best_attested(event)` → :class:`LossSummary` — the figure that sizes an event's marker.
* :func:`side_figures(event, category)` → per side, the claims of one loss category (or None: unknown).

The rule for the best-attested figure (stated in legends via :data:`BEST_ATTESTED_RULE`): for each side,
take the first personnel category that has claims, in the order killed → killed or missing → all
casualties; its figure is the median of the claims (a range counts as its midpoint); sum over sides.
Contested = some side's claims for that category disagree. Unknown (no claims) is ``None``, never 0.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

__all__ = ["LOSS_PREFERENCE", "BEST_ATTESTED_RULE", "SideLoss", "LossSummary", "best_attested",
           "side_figures", "claims_disagree", "format_count", "format_short"]

LOSS_PREFERENCE = ("killed", "killed_or_missing", "casualties")
BEST_ATTESTED_RULE = ("Marker size: best-attested dead — per side the median of the claims for killed "
                      "(else killed or missing, else all casualties), summed over sides.")


@dataclass(frozen=True)
class SideLoss:
    side: str
    category: str
    value: float  # median of the claims' midpoints
    claims: int
    contested: bool


@dataclass(frozen=True)
class LossSummary:
    value: float | None  # None: no side has a figure (unknown, not zero)
    contested: bool
    sides: tuple[SideLoss, ...] = ()

    @property
    def known(self) -> bool:
        return self.value is not None


def claims_disagree(claims) -> bool:
    return len({(c.low, c.high) for c in claims}) > 1


def best_attested(event) -> LossSummary:
    parts = []
    for s in event.sides:
        for category in LOSS_PREFERENCE:
            claims = s.losses.get(category)
            if claims:
                parts.append(SideLoss(s.side, category, float(statistics.median(c.midpoint for c in claims)),
                                      len(claims), claims_disagree(claims)))
                break
    if not parts:
        return LossSummary(None, False, ())
    return LossSummary(sum(p.value for p in parts), any(p.contested for p in parts), tuple(parts))


def side_figures(event, category: str) -> dict[str, tuple | None]:
    """{side id: claims tuple, or None when that side has no claim for ``category``} in the event's order."""
    return {s.side: (s.losses.get(category) or None) for s in event.sides}


def format_count(value: float) -> str:
    """12,345 with a thin-free thousands comma; halves rounded to whole numbers."""
    return f"{round(value):,}"


def format_short(value: float) -> str:
    """An axis label: 100, 10k, 2.5M."""
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"
