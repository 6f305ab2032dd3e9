"""The per-file work of ``check`` on every core.

On Linux the workers are ``os.fork()`` children: they share the parent's memory (the
modules already imported, the list of files), start in about a millisecond and import
nothing more. The work is cut into chunks whose numbers wait in a pipe; every worker,
the parent included, takes the next number until none is left, so that a core slowed
down by other processes simply takes fewer chunks. A child sends its results back,
pickled, when it is done; a chunk that no child reported (a child killed) is done again
in the parent. Elsewhere (no safe ``fork``: macOS, Windows) the chunks go to a
:class:`concurrent.futures.ProcessPoolExecutor`.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: At most this many chunks: their numbers (4 bytes each) must fit in a pipe's smallest
#: buffer (one page), written before any worker starts.
MAX_CHUNKS = 1024
_NUMBER = 4


def cpu_count() -> int:
    """The cores this process may run on (its affinity mask where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def forks() -> bool:
    """Are the workers forked children (which inherit this process's memory)?"""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def chunked(items: Sequence[T], workers: int) -> list[Sequence[T]]:
    """``items`` in consecutive chunks: several per worker, so that the load evens out,
    and at most :data:`MAX_CHUNKS`."""
    if workers <= 1 or not items:
        return [items]
    count = min(MAX_CHUNKS, max(1, len(items) // 4), workers * 16)
    size = -(-len(items) // count)
    return [items[i : i + size] for i in range(0, len(items), size)]


def map_chunks(
    fn: Callable[[Sequence[T]], R],
    chunks: list[Sequence[T]],
    workers: int,
    *,
    initializer: Callable[..., object] | None = None,
    initargs: tuple = (),
    parent_first: Callable[[], object] | None = None,
) -> list[R]:
    """``[fn(chunk) for chunk in chunks]``, computed by ``workers`` processes.

    ``fn`` must be a module-level function (or a :func:`functools.partial` of one) and
    its results picklable. An exception in ``fn`` is for ``fn`` to catch: a chunk whose
    worker failed is computed again in this process, where the exception propagates.
    ``initializer(*initargs)`` has already run in this process: forked children inherit
    what it set up; started ones (no ``fork``) run it first, with ``initargs`` pickled.
    ``parent_first()`` runs in this process once the other workers have started, before
    it takes chunks itself: work this process needs later (an import), done while the
    others start on the chunks.
    """
    if workers <= 1 or len(chunks) <= 1:
        if parent_first is not None:
            parent_first()
        return [fn(chunk) for chunk in chunks]
    if forks():
        return _forked(fn, chunks, min(workers, len(chunks)), parent_first)
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(
        max_workers=workers, initializer=initializer, initargs=initargs
    ) as pool:
        results = pool.map(fn, chunks)
        if parent_first is not None:
            parent_first()
        return list(results)


def _take(queue: int) -> int | None:
    """The next chunk number from the pipe (reads of 4 bytes are atomic), or ``None``."""
    data = os.read(queue, _NUMBER)
    return int.from_bytes(data, "little") if len(data) == _NUMBER else None


def _work(fn: Callable[[Sequence[T]], R], chunks: list[Sequence[T]], queue: int) -> dict[int, R]:
    done: dict[int, R] = {}
    while (number := _take(queue)) is not None:
        done[number] = fn(chunks[number])
    return done


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_all(fd: int) -> bytes:
    parts = []
    while chunk := os.read(fd, 1 << 20):
        parts.append(chunk)
    return b"".join(parts)


def _forked(
    fn: Callable[[Sequence[T]], R],
    chunks: list[Sequence[T]],
    workers: int,
    parent_first: Callable[[], object] | None = None,
) -> list[R]:
    import pickle

    queue, feed = os.pipe()
    try:
        _write_all(feed, b"".join(i.to_bytes(_NUMBER, "little") for i in range(len(chunks))))
    finally:
        os.close(feed)  # an empty pipe then reads as the end: no chunk left
    for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    # The collector never looks at what exists now: a collection in a child would touch
    # (and so copy) every page it shares with the parent.
    gc.freeze()
    children: list[tuple[int, int]] = []
    try:
        for _ in range(workers - 1):
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: work, send the results, and leave without cleanup
                status = 1
                try:
                    os.close(read_end)
                    payload = pickle.dumps(_work(fn, chunks, queue), pickle.HIGHEST_PROTOCOL)
                    _write_all(write_end, payload)
                    status = 0
                except BaseException:  # noqa: BLE001 - the parent does the chunk again
                    pass
                finally:
                    os._exit(status)
            os.close(write_end)
            children.append((pid, read_end))
        if parent_first is not None:
            parent_first()
        done = _work(fn, chunks, queue)
        for pid, read_end in children:
            payload = _read_all(read_end)
            os.close(read_end)
            _, status = os.waitpid(pid, 0)
            if status == 0:
                done.update(pickle.loads(payload))
        children = []
    except BaseException:
        for pid, read_end in children:  # ours, started above: stop them and reap them
            try:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            except OSError:
                pass
            os.close(read_end)
        raise
    finally:
        os.close(queue)
        gc.unfreeze()
    return [done[i] if i in done else fn(chunks[i]) for i in range(len(chunks))]
