"""borderwar-report: a sourced record of a border conflict, typeset as printable PDFs and charts."""

__version__ = "0.1.0"
