"""Removing one name from an import statement, keeping its layout."""

from __future__ import annotations

import libcst as cst

from ..checks.base import Edit, Position, Range
from ..checks.source import SourceFile, minimal_edit
from .render import newline_for, render


def _alone_on_lines(source: SourceFile, rng: Range) -> bool:
    before = source.line(rng.start.line)[: rng.start.column]
    after = source.line(rng.end.line)[rng.end.column :]
    return not before.strip() and (not after.strip() or after.lstrip().startswith("#"))


def _blank_run(source: SourceFile, line: int, step: int) -> int:
    """How many blank lines there are from ``line`` on, going ``step`` by ``step``."""
    count = 0
    while 1 <= line <= source.line_count and not source.line(line).strip():
        count += 1
        line += step
    return count


def remove_statement(source: SourceFile, rng: Range, *, only_in_block: bool = False) -> Edit:
    """Delete the statement at ``rng``: whole lines when it stands alone on them.

    ``only_in_block``: it is the only statement of an ``if``/``try``/``with``/... block,
    which must not be left empty: it becomes ``pass``.
    """
    if only_in_block:
        return Edit(rng, "pass")
    if _alone_on_lines(source, rng):
        start = Position(rng.start.line, 0)
        if rng.end.line < source.line_count:
            # Between blank lines (an import block of its own), the gaps above and
            # below would add up: keep the larger one only (pycodestyle's E303).
            above = _blank_run(source, rng.start.line - 1, -1)
            below = _blank_run(source, rng.end.line + 1, +1)
            end = Position(rng.end.line + 1 + min(above, below), 0)
        else:  # last line of the file: eat the line break before it instead
            end = Position(rng.end.line, len(source.line(rng.end.line)))
            if rng.start.line > 1:
                start = Position(rng.start.line - 1, len(source.line(rng.start.line - 1)))
        return Edit(Range(start, end), "")
    return Edit(rng, "pass")


def remove_import_names(
    source: SourceFile, statement: Range, names: set[int], *, only_in_block: bool = False
) -> Edit:
    """Remove the aliases at indices ``names`` from the import at ``statement``.

    Removes the whole statement when no alias is left (see :func:`remove_statement`).
    """
    text = source.slice(statement)
    parsed = cst.parse_statement(text)
    assert isinstance(parsed, cst.SimpleStatementLine)
    node = parsed.body[0]
    assert isinstance(node, (cst.Import, cst.ImportFrom))
    aliases = list(node.names) if not isinstance(node.names, cst.ImportStar) else []
    kept = [a for i, a in enumerate(aliases) if i not in names]
    if not kept:
        return remove_statement(source, statement, only_in_block=only_in_block)
    if len(kept) < len(aliases) and aliases[-1] is not kept[-1]:
        # The old last alias went away; its comma (trailing or none) moves over.
        kept[-1] = kept[-1].with_changes(comma=aliases[-1].comma)
    new = node.with_changes(names=kept)
    return minimal_edit(source, statement, render(new, newline_for(source, text)))
