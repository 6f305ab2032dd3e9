"""One file in, diagnostics out: the only place the server calls the analysis core.

Pure functions of their arguments, run on a worker thread, so that a large migration
does not hold up the event loop (and the messages behind it).

A file that a rule needing the project could report on (:func:`wants_project`: DJM007
on a ``get_model`` of another app) is analysed with the project view of its root
(:mod:`.project`), as the text has it (``Project.with_source``); any other file never
touches the project, and its check costs what it did before there was one.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from ..checks import Analysis, analyze
from ..checks.base import Rule
from ..config import Config, iter_migration_files
from ..files import SkippedFile, read_source
from .convert import DEFAULT_SEVERITY, Codec, diagnostic

if TYPE_CHECKING:
    from .project import Projects


@dataclass(frozen=True)
class Checked:
    """The diagnostics of one file at one version (open) or one stat stamp (as saved)."""

    #: The URI diagnostics are published under.
    uri: str
    version: int | None
    #: The server's settings generation the result was computed under.
    generation: int
    #: For pull diagnostics: equal ids mean equal diagnostics.
    result_id: str
    diagnostics: list[types.Diagnostic]
    #: Kept for open documents only: code actions and ``source.fixAll`` start from it.
    analysis: Analysis | None = None
    config: Config | None = None
    #: Why the file as saved was not read (not a regular file, too large), if it was not.
    skipped: str | None = None
    #: The root of the project view the check wanted (``None``: it needed none), and the
    #: view's revision it used (-1: the view was not ready); stale once that changes.
    project_root: Path | None = None
    project_revision: int | None = None


def wants_project(rules: Iterable[Rule], path: Path, content: str | bytes) -> bool:
    """Could a selected rule that needs the project report on this file? A look at its
    text for the rules' trigger words, then ``Rule.could_use_project`` on its bytes."""
    needing = [r for r in rules if r.needs_project]
    if not needing:
        return False
    if isinstance(content, str):
        words = {t for r in needing for t in r.triggers}
        if words and not any(w.decode("ascii", "replace") in content for w in words):
            return False
        content = content.encode("utf-8", "surrogatepass")
    return any(
        (not r.triggers or any(t in content for t in r.triggers))
        and r.could_use_project(str(path), content)
        for r in needing
    )


def check(
    uri: str,
    path: Path,
    content: str | bytes,
    config: Config,
    codec: Codec,
    *,
    version: int | None,
    generation: int,
    result_id: str,
    related_information: bool,
    keep: bool,
    projects: Projects | None = None,
    project_wait: float = 0.0,
) -> Checked:
    """Analyse ``content`` (an editor buffer, or bytes as saved) and convert the findings.

    With ``projects``, a file that :func:`wants_project` is analysed with its project
    view, waiting up to ``project_wait`` seconds for it to be built.
    """
    rules = config.rules_for(path)
    root = revision = None
    if projects is not None and wants_project(rules, path, content):
        root = projects.root_of(path)
    if projects is None or root is None:
        analysis = analyze(content, str(path), rules=rules)
    else:
        projects.view(path)  # created now: its revision is 0 until it is built
        before = projects.revision(root)
        view = projects.wait(path, project_wait)
        with view.use() if view is not None else nullcontext((None, -1)) as (project, revision):
            facts = project.with_source(str(path), content) if project is not None else None
            analysis = analyze(content, str(path), rules=rules, project=facts)
        if project is None:  # not built (yet), or busy: stale once the view changes
            revision = before
        result_id = f"{result_id}:p{revision}"
    diagnostics: list[types.Diagnostic] = []
    # A file that cannot be decoded or parsed (often, while typing) gets nothing: its
    # old diagnostics would point at the wrong places.
    if analysis.source is not None and not any(f.code is None for f in analysis.findings):
        diagnostics = [
            diagnostic(
                f,
                analysis.source,
                codec,
                uri,
                severity=config.severity.get(f.code or "", DEFAULT_SEVERITY),
                version=version,
                related_information=related_information,
            )
            for f in analysis.findings
        ]
    return Checked(
        uri,
        version,
        generation,
        result_id,
        diagnostics,
        analysis if keep else None,
        config if keep else None,
        project_root=root,
        project_revision=revision,
    )


def check_saved(
    uri: str,
    path: Path,
    config: Config,
    codec: Codec,
    generation: int,
    related: bool,
    projects: Projects | None = None,
    project_wait: float = 0.0,
) -> Checked | None:
    """:func:`check` on the file as saved; ``None`` if it cannot be read.

    Read with :func:`~django_migration_lsp.files.read_source`: a FIFO or a device named
    like a migration, or a file above ``max-file-size``, is not read (never blocks the
    scan) and comes back with no diagnostics and :attr:`Checked.skipped` saying why.
    """
    try:
        stat = path.stat()
        data = read_source(path, config.max_file_size)
    except SkippedFile as exc:
        return Checked(uri, None, generation, f"{generation}:skipped", [], skipped=str(exc))
    except OSError:
        return None
    return check(
        uri,
        path,
        data,
        config,
        codec,
        version=None,
        generation=generation,
        result_id=f"{generation}:saved:{stat.st_mtime_ns}:{stat.st_size}",
        related_information=related,
        keep=False,
        projects=projects,
        project_wait=project_wait,
    )


def list_migrations(root: Path, config: Config) -> tuple[list[Path], list[tuple[str, str]]]:
    """The migration files under ``root``, and the folders the walk could not list
    (with why): ``check`` warns of those, so does the workspace scan."""
    files = list(iter_migration_files([root], config))
    return files, config.discovery.take_unreadable()


def warm_up() -> None:
    """Import LibCST before the first quick fix asks for it (~0.2 s the first time)."""
    from ..fixes import calls, imports  # noqa: F401
