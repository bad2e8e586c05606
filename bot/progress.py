"""Progress of long commands (`import`, `report`, `demo-data`, `preview`) on a terminal.

The bar goes to standard error and only when standard error is a terminal (tqdm's
`disable=None`), so output piped to a file or another program, and the logs of a service,
never carry bar-drawing characters. The core and storage functions take a plain callable
(`Progress`) and never import tqdm: the command line passes `terminal_progress`, everything
else the default `no_progress`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO, TypeVar

from tqdm import tqdm

T = TypeVar("T")


class Progress(Protocol):
    def __call__(self, items: Iterable[T], *, desc: str, total: int | None = None, unit: str = "it") -> Iterable[T]:
        """`items`, unchanged, reporting each one taken."""
        ...


def no_progress(items: Iterable[T], *, desc: str = "", total: int | None = None, unit: str = "it") -> Iterable[T]:
    """The default: say nothing."""
    return items


def terminal_progress(
    items: Iterable[T], *, desc: str, total: int | None = None, unit: str = "it", stream: TextIO | None = None
) -> Iterator[T]:
    """A bar on standard error while `items` are consumed; nothing when it is not a terminal."""
    yield from tqdm(items, desc=desc, total=total, unit=unit, file=stream or sys.stderr, disable=None, leave=False)


@contextmanager
def steps(desc: str, total: int, *, stream: TextIO | None = None) -> Iterator[Callable[[str], None]]:
    """A bar of named stages (read, check, save …) for work that is not one loop: call the
    yielded function with the name of each stage as it starts. The bar appears at the first
    stage, so an error found before any work is printed on a clean line."""
    bar: tqdm | None = None

    def step(name: str) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=desc, unit="step", file=stream or sys.stderr, disable=None, leave=False)
        else:
            bar.update(1)
        bar.set_postfix_str(name)

    try:
        yield step
    finally:
        if bar is not None:
            bar.close()
