"""Progress bars for long CLI commands: one tqdm bar on stderr, fed by the library's callbacks.

Library functions never print; they accept `on_progress(done, total)` (a `ProgressCallback`) and call
it with absolute counts of real units (batches, requests). A command turns that into a bar with ETA
only for a person watching: not under `--json`, not with `--quiet`, not when stderr is no terminal
(CI logs). `EMOTIVE_AGENTS_PROGRESS=1` forces the bar on (tests, `script` captures), `=0` forces it off.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from types import TracebackType
from typing import IO, Any

ProgressCallback = Callable[[int, int], None]
ENV_VAR = "EMOTIVE_AGENTS_PROGRESS"


def progress_enabled(*, quiet: bool = False, as_json: bool = False, stream: IO[str] | None = None) -> bool:
    """Whether a command should draw a bar: never when quiet or printing JSON, else forced or a TTY."""
    if quiet or as_json:
        return False
    forced = os.environ.get(ENV_VAR, "").strip().lower()
    if forced in {"1", "true", "yes", "on"}:
        return True
    if forced in {"0", "false", "no", "off"}:
        return False
    target = stream if stream is not None else sys.stderr
    isatty = getattr(target, "isatty", None)
    return bool(isatty and isatty())


def _columns(stream: IO[str]) -> int:
    """The terminal's width, or 0 when unknown (a capture, or a terminal that reports no size)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 0


class ProgressBar:
    """A callable `on_progress` that draws a tqdm bar (with ETA) on stderr, or does nothing if disabled.

    >>> with ProgressBar("eval", unit="batch", enabled=progress_enabled()) as bar:
    ...     run_eval(..., on_progress=bar)
    """

    def __init__(self, desc: str, *, unit: str = "batch", enabled: bool = True) -> None:
        self.desc = desc
        self.unit = unit
        self.enabled = enabled
        self._bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            from tqdm import tqdm

            # sys.stderr is looked up now, so a test's captured stderr receives the bar.
            width = {"dynamic_ncols": True} if _columns(sys.stderr) else {"ncols": 100, "nrows": 24}
            self._bar = tqdm(total=total, desc=self.desc, unit=self.unit, file=sys.stderr, **width)
        if self._bar.total != total:
            self._bar.total = total
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def stepper(on_progress: ProgressCallback | None, total: int) -> Callable[[], None]:
    """For library code: reports 0 of `total` now, then one more unit per call of the returned `step()`."""
    state = {"done": 0}
    if on_progress is not None:
        on_progress(0, total)

    def step() -> None:
        state["done"] += 1
        if on_progress is not None:
            on_progress(state["done"], total)

    return step
