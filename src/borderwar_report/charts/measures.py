"""What the charts measure, from the records — pure functions, no Matplotlib.

Shared by the charts and the poster/handout. Stable API:

* :func:`highest_dead(event)` → :class:`claims.Magnitude` — what sizes an event's marker and orders events:
  the highest claim of dead for any one side (the rule is :data:`claims.HIGHEST_DEAD_RULE`, stated in legends).
* :func:`side_figures(event, category)` → per side, the claims of one loss category (or None: unknown).

Nothing here adds claims up or averages them. Unknown (no claims) is ``None``, never 0.
"""

from __future__ import annotations

from ..claims import DEAD_PREFERENCE, HIGHEST_DEAD_RULE, HIGHEST_DEAD_SHORT, Magnitude, contested, highest_dead

__all__ = ["DEAD_PREFERENCE", "HIGHEST_DEAD_RULE", "HIGHEST_DEAD_SHORT", "Magnitude", "highest_dead",
           "side_figures", "contested", "format_count", "format_short"]


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
