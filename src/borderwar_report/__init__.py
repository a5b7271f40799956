"""borderwar-report: a sourced record of a border conflict, typeset as printable PDFs and charts."""

from __future__ import annotations

__version__ = "0.1.0"
