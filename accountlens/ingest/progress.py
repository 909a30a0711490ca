"""Progress bars for long ingest work (demo builds, imports, embeddings).

With no console (tests, scripts) every call is a no-op, so callers never branch on it.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)


class ProgressTask:
    """One bar. Every method is a no-op without a console. Safe to advance from worker threads
    (rich's progress tasks are lock-protected)."""

    def __init__(self, progress: Progress | None, task: TaskID | None) -> None:
        self._progress = progress
        self._task = task

    def advance(self, amount: int = 1) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, amount)

    def describe(self, description: str) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, description=description)

    def finish(self, description: str | None = None) -> None:
        if self._progress is not None and self._task is not None:
            total = self._progress.tasks[self._task].total or 0
            self._progress.update(self._task, completed=total, description=description)


class ProgressBars:
    """Rich progress bars on ``console``, one per :meth:`task`."""

    def __init__(self, console: Console | None) -> None:
        self._progress = (
            Progress(
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            )
            if console is not None
            else None
        )

    def __enter__(self) -> ProgressBars:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def task(self, description: str, total: int) -> ProgressTask:
        if self._progress is None:
            return ProgressTask(None, None)
        return ProgressTask(self._progress, self._progress.add_task(description, total=total))
