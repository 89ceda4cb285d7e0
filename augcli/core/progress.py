"""How a run reports progress: a small protocol, a silent default and a tqdm bar."""

from __future__ import annotations

import sys
from typing import Protocol


class Reporter(Protocol):
    """What the runner tells whoever is watching."""

    def start(self, total: int) -> None:
        """The run has ``total`` inputs to process."""

    def advance(self, n: int = 1) -> None:
        """``n`` more inputs are done."""

    def message(self, text: str) -> None:
        """A line for the user (a failure, a warning)."""

    def close(self) -> None:
        """The run is over."""


class SilentReporter:
    """Reports nothing (library use)."""

    def start(self, total: int) -> None:  # noqa: D102
        pass

    def advance(self, n: int = 1) -> None:  # noqa: D102
        pass

    def message(self, text: str) -> None:  # noqa: D102
        pass

    def close(self) -> None:  # noqa: D102
        pass


class TqdmReporter:
    """A progress bar on stderr (only when stderr is a terminal) and messages on stderr."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self._bar = None

    def start(self, total: int) -> None:  # noqa: D102
        if self.quiet or not sys.stderr.isatty():
            return
        from tqdm import tqdm

        tqdm.monitor_interval = 0  # no helper thread: the pool may fork
        self._bar = tqdm(total=total, unit="img", file=sys.stderr, dynamic_ncols=True)

    def advance(self, n: int = 1) -> None:  # noqa: D102
        if self._bar is not None:
            self._bar.update(n)

    def message(self, text: str) -> None:  # noqa: D102
        if self._bar is not None:
            self._bar.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr, flush=True)

    def close(self) -> None:  # noqa: D102
        if self._bar is not None:
            self._bar.close()
            self._bar = None
