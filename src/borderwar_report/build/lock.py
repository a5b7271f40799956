"""One build per output folder: an flock on the folder itself."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from borderwar_report.core.errors import RenderError
from borderwar_report.core.log import Log


class BuildLocked(Exception):
    pass


# --- locking and atomic writes --------------------------------------------------------------------

@contextlib.contextmanager
def build_lock(out_dir: Path, log: Log, wait: float):
    """One build per output folder; a second one waits for the first (or gives up with a clear message).

    The lock is on the output folder itself (flock on its descriptor), not on a file inside it: deleting any
    file in out/ cannot let a second build in, and a read-only out/ can still be locked for an up-to-date
    check. The side-steps process shares the descriptor, so a killed parent's live child still holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        raise RenderError("borderwar-report runs on POSIX systems (Linux, macOS, WSL): the build lock uses fcntl, "
                          "which Windows does not have") from None

    if not out_dir.is_dir():
        out_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    told = False
    while True:
        fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                raise BuildLocked(f"another build is writing to {out_dir}/; gave up after {wait:.0f} s") from None
            if not told:
                log.info(f"another build is writing to {out_dir}/; waiting for it to finish")
                told = True
            time.sleep(0.2)
            continue
        held, now = os.fstat(fd), os.stat(out_dir)
        if (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino):
            break
        os.close(fd)  # the folder was replaced between open and lock: lock the one that is there now
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
