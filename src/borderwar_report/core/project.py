"""Where the data, templates and output live.

A checkout (or any folder with its own ``data/`` and ``templates/``) uses those; otherwise the copies
installed with the package are used, so ``pip install .`` then ``borderwar-report build`` works anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_HERE = Path(__file__).resolve().parents[1]  # the package folder; this file sits in core/


def packaged(name: str) -> Path:
    """The installed copy of ``data`` or ``templates`` (or, in an editable install, the checkout's own)."""
    installed = _HERE / f"_{name}"
    if installed.is_dir():
        return installed
    return _HERE.parents[1] / name  # src/borderwar_report -> the repository root


def default_data_dir() -> Path:
    local = Path("data")
    return local if (local / "document.yaml").is_file() else packaged("data")


def default_templates_dir() -> Path:
    local = Path("templates")
    return local if (local / "briefing.html.j2").is_file() else packaged("templates")


@dataclass(frozen=True)
class Project:
    data_dir: Path
    templates_dir: Path
    out_dir: Path

    def __post_init__(self):
        for name in ("data_dir", "templates_dir", "out_dir"):
            object.__setattr__(self, name, Path(getattr(self, name)))

    @classmethod
    def from_options(cls, data=None, templates=None, out=None) -> Project:
        return cls(Path(data) if data else default_data_dir(),
                   Path(templates) if templates else default_templates_dir(),
                   Path(out) if out else Path("out"))

    @property
    def fonts_dir(self) -> Path:
        return self.templates_dir / "fonts"
