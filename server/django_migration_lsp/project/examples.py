"""A rule's example as a tiny project on disk, for the rules that need the graph.

A ``Valid``/``Invalid`` example of such a rule carries ``files`` (the other migrations of
its project). The generated tests and the docs write them and the example into a
folder, build the :class:`~.model.Project` there, and analyse the example with it.
The environment is empty: an app that is not among the files does not exist.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..checks.base import Invalid, Rule, Valid
from ..checks.engine import Analysis, analyze
from .environment import Environment
from .model import Project, load_project
from .settings import Settings


@dataclass
class ExampleProject:
    root: Path
    path: str
    project: Project

    def analyze(self, text: str, rule: Rule) -> Analysis:
        """Analyse ``text`` as the example's file, the project seeing that text too."""
        project = self.project.with_source(self.path, text)
        return analyze(text, self.path, rules=[rule], project=project)


def write_example(root: Path, example: Valid | Invalid) -> ExampleProject:
    """Write the example and its ``files`` under ``root`` and build the project."""
    for rel, text in {**example.files, example.path: example.code}.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    project = load_project(root, environment=Environment(()), settings=Settings())
    return ExampleProject(root, str(root / example.path), project)


@contextmanager
def example_project(example: Valid | Invalid) -> Iterator[ExampleProject]:
    """:func:`write_example` in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="djm-example-") as folder:
        yield write_example(Path(folder), example)
