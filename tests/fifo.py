"""Calls that must not wait on a FIFO: run on a thread, unblocked (and failed) if they do."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")


def without_waiting_on(fifo: Path, fn: Callable[[], T], seconds: float = 5.0) -> T:
    """``fn()``, which must not wait on ``fifo``: if it still runs after ``seconds``, a
    writer opens the FIFO to unblock it and the test fails."""
    found: list[T] = []
    thread = threading.Thread(target=lambda: found.append(fn()), daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(seconds)
        pytest.fail(f"waited on the FIFO {fifo.name}")
    return found[0]
