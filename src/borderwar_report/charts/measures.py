"""What the charts measure, from the records — pure functions, no Matplotlib.

Shared by the charts and the poster/handout. Stable API:

* :func:`highest_dead(event)` → :class:`claims.Magnitude` — what sizes an event's marker and orders events:
  the highest claim of dead for any one side (the rule is :data:`claims.HIGHEST_DEAD_RULE`, stated in legends).
* :func:`side_figures(event, category)` → per side, the claims of one loss category (or None: unknown).

Nothing here adds claims up or averages them. Unknown (no claims) is ``None``, never 0.
"""

from __future__ import annotations

import math

from borderwar_report.records.claims import (
    DEAD_PREFERENCE,
    HIGHEST_DEAD_RULE,
    HIGHEST_DEAD_SHORT,
    Magnitude,
    contested,
    highest_dead,
)

__all__ = ["DEAD_PREFERENCE", "HIGHEST_DEAD_RULE", "HIGHEST_DEAD_SHORT", "Magnitude", "highest_dead",
           "side_figures", "contested", "format_count", "format_short", "claimed_dead", "nice_round",
           "reference_values", "value_range_words"]


def side_figures(event, category: str) -> dict[str, tuple | None]:
    """{side id: claims tuple, or None when that side has no claim for ``category``} in the event's order."""
    return {s.side: (s.losses.get(category) or None) for s in event.sides}


def claimed_dead(dataset) -> list[int]:
    """Every side's highest full-scope claim of dead, per event (claims.side_dead): the values markers
    are sized by, and so what a size key must span."""
    return [d.value for e in dataset.events for d in highest_dead(e).sides]


def nice_round(value: float, up: bool) -> int:
    """``value`` to one significant figure (1–9 × 10^k), rounded up or down; at least 1."""
    if value <= 1:
        return 1
    k = 10 ** math.floor(math.log10(value))
    lead = value / k
    lead = math.ceil(lead - 1e-9) if up else math.floor(lead + 1e-9)
    return int(lead * k)


def reference_values(values) -> tuple[int, ...]:
    """Round values spanning the claimed dead in ``values``, for a marker-size key: the smallest claim
    rounded up, the largest rounded down to one significant figure, and one between them (on the
    logarithmic scale) when they are a hundredfold or more apart. Empty when nothing is claimed.
    Shared by every chart and the poster, so their keys agree."""
    positive = sorted(v for v in values if v and v > 0)
    if not positive:
        return ()
    lo, hi = nice_round(positive[0], up=True), nice_round(positive[-1], up=False)
    if lo >= hi:
        return (nice_round(positive[-1], up=False),)
    if hi / lo >= 100:
        mid = nice_round(math.sqrt(lo * hi), up=False)
        return tuple(sorted({lo, mid, hi}))
    return (lo, hi)


def value_range_words(values) -> str:
    """ "from 25 to 83,737": the lowest and highest of ``values`` (claims as given), for captions."""
    positive = sorted(v for v in values if v and v > 0)
    if not positive:
        return "none claimed"
    if positive[0] == positive[-1]:
        return format_count(positive[0])
    return f"from {format_count(positive[0])} to {format_count(positive[-1])}"


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
