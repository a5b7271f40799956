"""Typesetting: view models, citations, Jinja templates, WeasyPrint, PDF post-processing."""
