"""Typesetting: view models, citations, Jinja templates, WeasyPrint, PDF post-processing."""

from __future__ import annotations

