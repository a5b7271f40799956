"""python -m borderwar_report.schemas: rewrite the shipped *.schema.json from the model's vocabularies."""

from . import write_all

for written in write_all():
    print(written)
