"""The cyclic garbage collector and the build's long-lived data."""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def long_lived():
    """What is made inside lives as long as the build: the cyclic collector leaves it alone (gc.freeze)
    rather than walk it again at every full collection, and does not run while it is made (few cycles,
    many objects that survive). Reference counting still frees it; the build unfreezes all when it ends.
    Measured: at 20,000 events, freezing the records took reading from 22.8 to 10.3 CPU s and the briefing's
    view model from 8.8 to 6.5 s; at 10,000 events the charts' reduced copies, made before every chart is
    drawn, had the collector walk 1.1–1.4 million objects ten times (7 of 61 CPU s of a serial build)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if enabled:
            gc.enable()
