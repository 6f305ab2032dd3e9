"""The worker processes of ``check``: every chunk's result, in order, whatever happens to a
worker (on Linux: forked children; elsewhere a process pool)."""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Sequence

import pytest

from django_migration_lsp.cli.parallel import MAX_CHUNKS, chunked, map_chunks

PARENT = os.getpid()


def square_with_pid(chunk: Sequence[int]) -> tuple[list[int], int]:
    time.sleep(0.005)  # long enough for every worker to take some chunks
    return [n * n for n in chunk], os.getpid()


def die_in_a_child(marker: str, chunk: Sequence[int]) -> list[int]:
    time.sleep(0.005)
    if os.getpid() != PARENT:
        open(marker, "w").close()
        os._exit(3)  # a worker killed half-way: its chunks are done again
    return list(chunk)


def fail(chunk: Sequence[int]) -> list[int]:
    if 5 in chunk:
        raise ValueError("a bug in the per-file work")
    return list(chunk)


def test_chunks_cover_the_items_in_order():
    items = list(range(10_000))
    chunks = chunked(items, 4)
    assert [n for chunk in chunks for n in chunk] == items
    assert 4 < len(chunks) <= MAX_CHUNKS
    assert chunked(items, 1) == [items]
    assert chunked([], 8) == [[]]


def test_results_come_back_in_order_from_several_processes():
    chunks = chunked(list(range(2000)), 3)
    results = map_chunks(square_with_pid, chunks, 3)
    assert [n for squares, _ in results for n in squares] == [n * n for n in range(2000)]
    if sys.platform.startswith("linux"):
        assert len({pid for _, pid in results}) > 1  # the parent is one of the workers


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers")
def test_the_chunks_of_a_dead_worker_are_done_again(tmp_path):
    chunks = [list(range(i, i + 2)) for i in range(0, 40, 2)]
    marker = tmp_path / "died"
    assert map_chunks(functools.partial(die_in_a_child, str(marker)), chunks, 3) == chunks
    assert marker.exists()  # a child did die with a chunk in hand


def test_an_exception_reaches_the_caller():
    with pytest.raises(ValueError, match="a bug"):
        map_chunks(fail, [[1, 2], [3, 4], [5, 6], [7, 8]], 2)


_STATE: list[object] = [None]


def remember(value: object) -> None:
    _STATE[0] = value


def with_state(chunk: Sequence[int]) -> list[tuple[int, object]]:
    return [(n, _STATE[0]) for n in chunk]


@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_what_the_initializer_sets_up_reaches_every_worker(monkeypatch, platform):
    # check installs its project view with an initializer: forked children inherit it,
    # a process pool (no fork: macOS, Windows) runs the initializer in each worker.
    monkeypatch.setattr(sys, "platform", platform)
    # A pool's workers are forked too on Linux: leave nothing to inherit there, so that
    # only the initializer can have set the state up.
    remember("the project" if platform == "linux" else None)
    try:
        chunks = chunked(list(range(400)), 2)
        results = map_chunks(with_state, chunks, 2, initializer=remember, initargs=("the project",))
    finally:
        remember(None)
    assert [n for chunk in results for n, _ in chunk] == list(range(400))
    assert {state for chunk in results for _, state in chunk} == {"the project"}


def slow_square(chunk: Sequence[int]) -> tuple[list[int], int]:
    time.sleep(0.01)
    return [n * n for n in chunk], os.getpid()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers")
def test_the_parent_does_its_own_work_first_while_the_children_take_chunks():
    """``parent_first`` (check imports Django there) runs in the parent after the children
    started: they take the chunks meanwhile, and the parent takes what is left."""
    done: list[float] = []
    chunks = [[n] for n in range(8)]

    def busy() -> None:
        time.sleep(0.5)  # longer than all the chunks take a child
        done.append(time.monotonic())

    results = map_chunks(slow_square, chunks, 2, parent_first=busy)
    assert [squares for squares, _ in results] == [[n * n] for n in range(8)]
    assert done  # it ran, in this process
    assert PARENT not in {pid for _, pid in results}  # the child took every chunk


def test_parent_first_runs_without_workers_too():
    calls: list[int] = []
    assert map_chunks(with_state, [[1], [2]], 1, parent_first=lambda: calls.append(1))
    assert calls == [1]
