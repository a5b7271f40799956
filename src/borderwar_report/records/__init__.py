"""The records: YAML with source positions, EDTF dates, validation, the model, exports."""

from __future__ import annotations

