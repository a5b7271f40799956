"""Build messages: friendly steps on a terminal, plain timestamped lines for cron mail and CI logs."""

from __future__ import annotations

import os
import sys
import time


class Log:
    def __init__(self, quiet: bool = False, stream=None):
        self.stream = stream or sys.stderr
        self.quiet = quiet
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
        try:
            print(line, file=self.stream, flush=True)
        except (OSError, ValueError):  # a closed pipe or file: the build goes on, silently, same exit code
            self.stream = None

    def step(self, text: str) -> None:
        if not self.quiet:
            elapsed = time.monotonic() - self.started
            self._emit(f"{'→ ' if self.tty else ''}{text}" + (f"  ({elapsed:.1f} s)" if self.tty else ""))

    def info(self, text: str) -> None:
        if not self.quiet:
            self._emit(text)

    def error(self, text: str) -> None:
        self._emit(text)
