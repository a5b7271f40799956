"""Writing outputs safely and reproducibly: atomic file replacement and the build's fixed clock."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

_UMASK = os.umask(0o022)


def write_atomic(path: Path, data: bytes) -> None:
    """Temp file in the same folder, fsync, rename: readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; outputs are for sharing
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def reproducible_epoch(dataset):
    """Every date stamped into an output comes from the data's edition date unless SOURCE_DATE_EPOCH is set.

    Set only for the duration of the build, so a long-lived process (watch, tests) keeps its environment.
    """
    import calendar

    previous = os.environ.get("SOURCE_DATE_EPOCH")
    if not previous:
        edition = dataset.document.edition
        os.environ["SOURCE_DATE_EPOCH"] = str(calendar.timegm(edition.timetuple()))
    try:
        yield
    finally:
        if not previous:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
