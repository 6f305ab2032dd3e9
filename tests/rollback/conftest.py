from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .project import Project


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Project]:
    """``make_project(apps, files, settings=..., pythonpath=...)`` in a fresh temporary folder."""

    def make(apps: list[str], files: dict[str, str], **kwargs) -> Project:
        return Project(tmp_path / "project", apps, files, **kwargs)

    return make
