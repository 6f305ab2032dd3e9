"""Hovers (:func:`hover`):

- over a rule code in a ``# noqa:`` comment: the rule's documentation;
- over ``apps.get_model("shop", "Order")`` (``apps`` the historical registry a function
  was given) in a function that a ``RunPython`` of the migration runs, as its forward or
  reverse, directly or through the file's helpers: the model as the historical state has
  it just before that ``RunPython``, one line per field (type, NULL / NOT NULL, default,
  the migration that last changed it); or that ``get_model`` raises ``LookupError``
  there, or that the state there is unknown;
- over a ``RemoveField(...)``: what unapplying it re-adds (the column, with or without a
  default, and what the existing rows get).

The last two read the buffer as it is (``Project.with_source``: unsaved edits count) and
the project view's graph, on a worker thread (:mod:`..project.explain`), after a look
at the buffer alone for such a call at the position: a hover anywhere else answers
without waiting for the graph. The range is the call's, in the negotiated encoding.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from ..checks import Position, Range
from ..checks.base import DOCS_URL
from ..checks.noqa import CODE, parse_noqa
from ..checks.registry import get_rule
from ..checks.source import SourceFile
from .convert import Codec

if TYPE_CHECKING:
    from .project import View
    from .server import MigrationLanguageServer

#: What a buffer must say for a hover to need the graph.
CALLS = ("get_model", "RemoveField")


async def hover(ls: MigrationLanguageServer, params: types.HoverParams) -> types.Hover | None:
    doc = ls.document(params.text_document.uri)
    if doc is None or doc.path is None or ls.config_for(doc.path) is None:
        return None
    source, path = doc.source, doc.path
    pos = ls.codec.core_position(source, params.position)
    found = noqa_hover(source, pos, ls.codec)
    if found is not None or not any(call in source.text for call in CALLS):
        return found
    from ..project.explain import call_at

    kind = await ls.in_worker(call_at, source.text, pos.line, pos.column)
    if kind is None:
        return None
    view = await ls.projects.ready(path)
    if view is None:
        return None
    return await ls.in_worker(explain_at, view, path, source, pos, kind, ls.codec)


def explain_at(
    view: View, path: Path, source: SourceFile, pos: Position, kind: str, codec: Codec
) -> types.Hover | None:
    """The hover over the ``get_model`` or ``RemoveField`` call (``kind``) at ``pos`` of
    the buffer ``source`` (on a worker thread)."""
    from ..project import explain

    with view.use() as (project, _):
        if project is None:
            return None
        buffer = project.with_source(str(path), source.text)
        if kind == explain.GET_MODEL:
            found = explain.get_model_at(buffer, str(path), pos.line, pos.column, source.text)
            if not found:
                return None
            body, rng = explain.explain_get_model(buffer, found), found[0].range
        else:
            at = explain.remove_field_at(buffer, str(path), pos.line, pos.column, source.text)
            if at is None or at.range is None:
                return None
            body, rng = explain.explain_remove_field(buffer, at), at.range
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=body),
        range=codec.range(source, rng),
    )


def noqa_hover(source: SourceFile, pos: Position, codec: Codec) -> types.Hover | None:
    line = source.line(pos.line)
    if "#" not in line:
        return None
    comment = parse_noqa(line)
    if comment is None or not comment.start <= pos.column <= comment.end:
        return None
    for match in CODE.finditer(line, comment.start, comment.end):
        if match.start() <= pos.column <= match.end():
            rule = get_rule(match.group())
            if rule is None:
                return None
            body = (
                f"**{rule.code}** `{rule.name}`: {rule.summary}\n\n"
                f"{rule.documentation()}\n\n"
                f"[Documentation]({DOCS_URL.format(code=rule.code)})"
            )
            rng = Range(Position(pos.line, match.start()), Position(pos.line, match.end()))
            return types.Hover(
                contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=body),
                range=codec.range(source, rng),
            )
    return None
