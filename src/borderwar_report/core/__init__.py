"""Low-level helpers every layer may use: errors, logging, paths, fonts, atomic files."""

from __future__ import annotations

