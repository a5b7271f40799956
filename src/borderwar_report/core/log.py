"""Build messages: friendly steps on a terminal, plain timestamped lines for cron mail and CI logs."""

from __future__ import annotations

import os
import sys
import time


class Log:
    def __init__(self, quiet: bool = False, stream=None, verbose: bool = False):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.verbose = verbose and not quiet
        try:
            self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        except ValueError:  # already closed
            self.tty = False
        self.started = time.monotonic()

    def _emit(self, text: str) -> None:
        if self.tty:
            line = text
        else:
            # Wall clock only in log lines, never in outputs (those stay reproducible).
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime())
            line = f"{stamp} borderwar-report[{os.getpid()}] {text}"
        if self.stream is None:
            return
        # One write per line: the build's two processes share stderr, and print() writes the text and its
        # line end separately, so their lines could interleave on one line.
        data = (line + "\n").encode("utf-8", "replace")
        try:
            try:
                fd = self.stream.fileno()
            except (AttributeError, OSError, ValueError):  # not a real file (tests' StringIO): one write call
                self.stream.write(line + "\n")
                self.stream.flush()
                return
            self.stream.flush()
            os.write(fd, data)
        except (OSError, ValueError):  # a closed pipe or file: the build goes on, silently, same exit code
            self.stream = None

    def step(self, text: str) -> None:
        if not self.quiet:
            elapsed = time.monotonic() - self.started
            self._emit(f"{'→ ' if self.tty else ''}{text}" + (f"  ({elapsed:.1f} s)" if self.tty else ""))

    def info(self, text: str) -> None:
        if not self.quiet:
            self._emit(text)

    def detail(self, text: str) -> None:
        """Internal numbers (chart statistics, layout choices): only with -v."""
        if self.verbose:
            self._emit(text)

    def restart(self) -> None:
        """Elapsed times count from now (watch: each rebuild reports its own duration)."""
        self.started = time.monotonic()

    def error(self, text: str) -> None:
        self._emit(text)
