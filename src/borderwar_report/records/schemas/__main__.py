"""python -m borderwar_report.records.schemas: rewrite the shipped *.schema.json from the model's vocabularies."""

from __future__ import annotations

from borderwar_report.records.schemas import write_all

for written in write_all():
    print(written)
