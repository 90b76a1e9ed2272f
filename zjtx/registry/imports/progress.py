"""A progress bar for the command line, on stderr. Thirty lines of our own rather
than a dependency: it only needs a count, a total when known, and a phase name."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    WIDTH = 30

    def __init__(self, *, label: str, stream=None, min_interval: float = 0.2):
        self.label = label
        self.stream = stream or sys.stderr
        self.min_interval = min_interval
        self.started = time.monotonic()
        self._last = 0.0
        self._shown = False

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        finished = total is not None and done >= total
        if not finished and now - self._last < self.min_interval:
            return
        self._last = now
        elapsed = now - self.started
        if total:
            filled = min(self.WIDTH, self.WIDTH * done // total)
            bar = "█" * filled + "░" * (self.WIDTH - filled)
            text = f"{self.label} {phase} ▕{bar}▏ {min(100, 100 * done // total):3d}% {done}/{total} 行 {elapsed:.1f}s"
        else:
            text = f"{self.label} {phase} … {done} 行 {elapsed:.1f}s"
        self.stream.write("\r\x1b[2K" + text)
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            self.stream.write("\n")
            self.stream.flush()
