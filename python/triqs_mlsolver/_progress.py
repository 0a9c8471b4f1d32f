"""A dependency-free progress bar on stderr: done/total, rate and estimated time left.

On a terminal it redraws one line; otherwise (logs, CI) it prints a line at most every
``min_interval`` seconds.  Disabled bars (e.g. on MPI ranks other than 0) print nothing.
"""

from __future__ import annotations

import sys
import time

__all__ = ["Progress"]


def _format_seconds(seconds: float) -> str:
    if seconds != seconds or seconds == float("inf"):
        return "?"
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h:d}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class Progress:
    """Progress of ``total`` units of work; call :meth:`update` as units finish."""

    def __init__(self, total: int, description: str = "", *, enabled: bool = True, unit: str = "it",
                 stream=None, min_interval: float | None = None) -> None:
        self.total = int(total)
        self.description = description
        self.enabled = enabled
        self.unit = unit
        self.done = 0
        self._stream = stream if stream is not None else sys.stderr
        self._tty = bool(getattr(self._stream, "isatty", lambda: False)())
        self._min_interval = min_interval if min_interval is not None else (0.2 if self._tty else 30.0)
        self._start = time.perf_counter()
        self._last_draw = -float("inf")
        self.postfix = ""

    def update(self, n: int = 1, postfix: str | None = None) -> None:
        self.done += n
        if postfix is not None:
            self.postfix = postfix
        now = time.perf_counter()
        if self.enabled and (now - self._last_draw >= self._min_interval or self.done >= self.total):
            self._draw(now)

    def line(self, now: float | None = None) -> str:
        elapsed = (now or time.perf_counter()) - self._start
        rate = self.done / elapsed if elapsed > 0 else float("nan")
        left = (self.total - self.done) / rate if rate and rate == rate else float("nan")
        frac = self.done / self.total if self.total else 1.0
        width = 24
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        text = (f"{self.description} [{bar}] {self.done}/{self.total} "
                f"{rate:.2f} {self.unit}/s elapsed {_format_seconds(elapsed)} left {_format_seconds(left)}")
        return text + (f" {self.postfix}" if self.postfix else "")

    def _draw(self, now: float) -> None:
        self._last_draw = now
        if self._tty:
            self._stream.write("\r" + self.line(now) + ("\n" if self.done >= self.total else ""))
        else:
            self._stream.write(self.line(now) + "\n")
        self._stream.flush()

    def close(self) -> None:
        if self.enabled and self._tty and self.done < self.total:
            self._stream.write("\n")
            self._stream.flush()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
