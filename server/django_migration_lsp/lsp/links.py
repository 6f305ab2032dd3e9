"""Document links and go-to-definition: from a ``("shop", "0002_x")`` of ``dependencies``,
``run_before`` or ``replaces`` to that migration's file.

The entries are read from the buffer as it is (:func:`~..project.references.references`)
and resolved in the project view as Django's loader would (``__first__``,
``__latest__``, ``swappable_dependency``: :func:`~..project.references.target`); a name
that is no file of the project or of an installed app gets no link. A definition lands
on the target's ``class Migration`` line. Ranges are in the negotiated position encoding.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from ..checks.source import SourceFile
from .documents import Document, path_to_uri

if TYPE_CHECKING:
    from ..config import Config
    from ..project.model import Project
    from ..project.reader import MigrationInfo
    from ..project.references import Reference
    from .project import View
    from .server import MigrationLanguageServer


async def document_link(
    ls: MigrationLanguageServer, params: types.DocumentLinkParams
) -> list[types.DocumentLink] | None:
    found = await _resolved(ls, params.text_document.uri)
    if found is None:
        return None
    doc, resolved = found
    tooltips = ls.capability("text_document.document_link.tooltip_support", False)
    return [
        types.DocumentLink(
            range=ls.codec.range(doc.source, ref.range),
            target=path_to_uri(info.path),
            tooltip=f"{info.app_label}.{info.name} ({Path(info.path).name})" if tooltips else None,
        )
        for ref, info in resolved
    ]


async def definition(
    ls: MigrationLanguageServer, params: types.DefinitionParams
) -> list[types.Location] | None:
    found = await _resolved(ls, params.text_document.uri)
    if found is None:
        return None
    doc, resolved = found
    source = doc.source
    here = ls.codec.core_position(source, params.position)
    for ref, info in resolved:
        if ref.range.start <= here <= ref.range.end:
            start = types.Position(line=max(info.class_line - 1, 0), character=0)
            rng = types.Range(start=start, end=start)
            return [types.Location(uri=path_to_uri(info.path), range=rng)]
    return None


async def _resolved(
    ls: MigrationLanguageServer, uri: str
) -> tuple[Document, list[tuple[Reference, MigrationInfo]]] | None:
    doc = ls.document(uri)
    if doc is None or doc.path is None or (config := ls.config_for(doc.path)) is None:
        return None
    view = await ls.projects.ready(doc.path)
    if view is None:
        return None
    return doc, await ls.in_worker(resolve, view, doc.path, doc.source, config)


def resolve(
    view: View, path: Path, source: SourceFile, config: Config | None
) -> list[tuple[Reference, MigrationInfo]]:
    """Each entry of the buffer that names a migration with a file, and that migration
    (on a worker thread)."""
    from ..project.references import references, target

    refs = references(source.text, str(path))
    if not refs:
        return []
    with view.use() as (project, _):
        if project is None:
            return []
        app = _app_of(project, path, config)
        out = []
        for ref in refs:
            key = target(project, ref, app)
            info = project.info(key) if key is not None else None
            if info is not None:
                out.append((ref, info))
        return out


def _app_of(project: Project, path: Path, config: Config | None) -> str | None:
    """The app label of the migration at ``path`` (a new file not yet in the graph too)."""
    key = project.migration_of(str(path))
    if key is not None:
        return key[0]
    from ..project.sources import migration_file

    found = migration_file(project.root, path, config)
    return found.app_label if found is not None else None
