"""The build: plan and fingerprints, the steps, atomic output, the lock, watch and serve."""

from __future__ import annotations

