"""Reading claims without inventing numbers: spreads, agreement, contest and the one sizing rule.

Pure functions over ``model.Claim`` tuples; nothing here computes a figure that no claimant gives.
A claim's claimant is who asserts it; several sources repeating one claimant's figure are one claim.
Claims with a ``scope`` (one night, one action) are kept apart: they never widen a range or size a
marker. Where one number must size or order something, the rule is the highest claim, stated in
:data:`HIGHEST_DEAD_RULE` for legends.
"""

from __future__ import annotations

from dataclasses import dataclass

from borderwar_report.records.model import Claim

__all__ = ["DEAD_PREFERENCE", "HIGHEST_DEAD_RULE", "HIGHEST_DEAD_SHORT", "Spread", "SideDead", "Magnitude",
           "full_scope", "claimant_count", "agreement", "agreement_text", "contested", "spread", "highest_dead",
           "side_dead"]

# What "dead" means for sizing and ordering: the first of these categories a side has a claim for.
DEAD_PREFERENCE = ("killed", "killed_or_missing", "irrecoverable")
HIGHEST_DEAD_RULE = ("size and order follow the highest claim of dead for any one side (killed; where no one "
                     "claims a killed figure, killed or missing, then irrecoverable losses), whoever makes it")
HIGHEST_DEAD_SHORT = "highest claim of dead for one side"


def full_scope(claims) -> tuple[Claim, ...]:
    """The claims that cover the whole event (no ``scope``)."""
    return tuple(c for c in claims if not c.partial)


def claimant_count(claims) -> int:
    """How many independent claimants make these claims."""
    return len({c.claimant for c in claims})


def agreement(claims, unattributed=frozenset()) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Of claims that all give one figure: (the claimants that agree on it, the unattributed works that give
    it besides), each in the records' order. A work that gives a figure without saying whose it is (a
    claimant whose id is in ``unattributed``) and gives the same figure as a named claimant is taken to repeat
    it, not to confirm it, so it is not counted as agreeing; where only such works give the figure, they are
    the claimants."""
    named = tuple(dict.fromkeys(c.claimant for c in claims if c.claimant not in unattributed))
    others = tuple(dict.fromkeys(c.claimant for c in claims if c.claimant in unattributed))
    return (named, others) if named else (others, ())


def agreement_text(claims, name_of, unattributed=frozenset()) -> str:
    """Who gives a figure that all ``claims`` agree on, for a table cell: the claimant's name, "3 claimants
    agree", "2 unattributed works" (where no named claimant gives it), with "; the same in 1 unattributed
    work" for the works taken to repeat it (:func:`agreement`)."""
    agreeing, repeating = agreement(claims, unattributed)
    if len(agreeing) == 1:
        who = name_of(agreeing[0])
    elif agreeing[0] in unattributed:
        who = f"{len(agreeing)} unattributed works"
    else:
        who = f"{len(agreeing)} claimants agree"
    if repeating:
        who += f"; the same in {len(repeating)} unattributed work{'s' if len(repeating) > 1 else ''}"
    return who


def contested(claims) -> bool:
    """Different claimants give different figures for the same category and scope."""
    by_scope: dict[str | None, dict[tuple, set[str]]] = {}
    for c in claims:
        by_scope.setdefault(c.scope, {}).setdefault(c.figure, set()).add(c.claimant)
    for figures in by_scope.values():
        if len(figures) < 2:
            continue
        claimants = set().union(*figures.values())
        if len(claimants) > 1:
            return True
    return False


@dataclass(frozen=True)
class Spread:
    """The lowest and the highest full-scope claim of one figure, with how many claimants stand behind it."""

    low: Claim
    high: Claim
    claimants: int
    contested: bool
    partial: int  # claims with a scope, left out of the spread
    whole: tuple[Claim, ...] = ()  # the full-scope claims the spread is of

    @property
    def agree(self) -> bool:
        return self.low.figure == self.high.figure

    @property
    def low_value(self) -> int:
        return self.low.low

    @property
    def high_value(self) -> int:
        return self.high.high

    def text(self, name_of, unattributed=frozenset()) -> str:
        """ "6,831 (Krivosheev) to 9,703 (Kolomiets)", or "792 (Soviet General Staff)" when all agree."""
        if self.agree:
            return f"{self.low.display()} ({agreement_text(self.whole, name_of, unattributed)})"
        return f"{self.low.display()} ({name_of(self.low.claimant)}) to {self.high.display()} " \
               f"({name_of(self.high.claimant)})"


def spread(claims) -> Spread | None:
    """None when no claim covers the whole event (unknown, or only partial counts)."""
    whole = full_scope(claims)
    if not whole:
        return None
    low = min(whole, key=lambda c: (c.low, c.high))
    high = max(whole, key=lambda c: (c.high, c.low))
    return Spread(low, high, claimant_count(whole), contested(whole), len(claims) - len(whole), whole)


@dataclass(frozen=True)
class SideDead:
    side: str
    category: str
    claim: Claim  # that side's highest full-scope claim in ``category``
    claims: int
    contested: bool

    @property
    def value(self) -> int:
        return self.claim.high


@dataclass(frozen=True)
class Magnitude:
    """What sizes or orders an event: its highest claim of dead for any one side (never a sum or a median)."""

    top: SideDead | None
    sides: tuple[SideDead, ...] = ()

    @property
    def value(self) -> int | None:
        return self.top.value if self.top else None

    @property
    def known(self) -> bool:
        return self.top is not None

    @property
    def contested(self) -> bool:
        return any(s.contested for s in self.sides)


def side_dead(side) -> SideDead | None:
    for category in DEAD_PREFERENCE:
        whole = full_scope(side.losses.get(category, ()))
        if whole:
            top = max(whole, key=lambda c: (c.high, c.low))
            return SideDead(side.side, category, top, len(whole), contested(whole))
    return None


def highest_dead(event) -> Magnitude:
    """The event's :class:`Magnitude`, worked out once per record: the records are frozen, and every chart,
    the poster, the handout and the briefing's rankings ask it of the same events again (at 10,000 events
    470,000 calls, 12 of 158 s of a profiled build). A copy made with ``replace`` has its own."""
    state = getattr(event, "__dict__", None)
    found = state.get("_highest_dead") if state is not None else None
    if found is None:
        sides = tuple(d for d in (side_dead(s) for s in event.sides) if d is not None)
        found = Magnitude(max(sides, key=lambda d: d.value), sides) if sides else Magnitude(None, ())
        if state is not None:
            state["_highest_dead"] = found
    return found
