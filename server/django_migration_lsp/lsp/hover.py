"""Hover over a rule code in a ``# noqa:`` comment: the rule's documentation."""

from __future__ import annotations

from lsprotocol import types

from ..checks import Position, Range
from ..checks.base import DOCS_URL
from ..checks.noqa import CODE, parse_noqa
from ..checks.registry import get_rule
from ..checks.source import SourceFile
from .convert import Codec


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
