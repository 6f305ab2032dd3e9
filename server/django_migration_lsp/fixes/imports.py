"""Removing names from an import statement, keeping its layout.

Removing the whole statement, or names from an import on one line without brackets
(the usual shapes), are text edits. LibCST is imported only to rewrite a statement
that spans lines (brackets, comments, backslashes), where the commas and comments
that go with each name need its concrete syntax tree.
"""

from __future__ import annotations

import ast
import re

from ..checks.base import Edit, Position, Range
from ..checks.source import SourceFile, minimal_edit
from .render import newline_for

_IMPORT_KEYWORD = re.compile(r"\bimport\b")


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
    node = ast.parse(text).body[0]
    assert isinstance(node, (ast.Import, ast.ImportFrom))
    count = 0 if node.names[0].name == "*" else len(node.names)
    if all(i in names for i in range(count)):
        return remove_statement(source, statement, only_in_block=only_in_block)
    keyword = _IMPORT_KEYWORD.search(text)
    if keyword is not None and not any(c in text for c in "()\\\r\n#"):
        return minimal_edit(source, statement, _without_names(text, keyword.end(), names))
    return _without_names_cst(source, statement, text, names)


def _without_names(text: str, names_start: int, names: set[int]) -> str:
    """``from m import a, b, c`` on one line without brackets, minus the aliases at
    ``names``: each alias kept keeps the comma and spaces after it, the last has none."""
    pieces = text[names_start:].split(",")  # names and ``as``: no comma inside
    lead = pieces[0][: len(pieces[0]) - len(pieces[0].lstrip())]
    # Alias ``i`` owns what follows it up to the next alias: ``b`` + `` , `` in ``b , c``.
    owned = []
    for i, piece in enumerate(pieces):
        name = piece.strip()
        after = piece[len(piece.rstrip()) :]
        following = pieces[i + 1] if i + 1 < len(pieces) else ""
        comma = f"{after},{following[: len(following) - len(following.lstrip())]}"
        owned.append((name, comma if i + 1 < len(pieces) else ""))
    kept = [owned[i] for i in range(len(owned)) if i not in names]
    body = "".join(name + comma for name, comma in kept[:-1]) + kept[-1][0]
    return text[:names_start] + lead + body


def _without_names_cst(source: SourceFile, statement: Range, text: str, names: set[int]) -> Edit:
    import libcst as cst  # only for a statement on several lines

    from .render import render

    parsed = cst.parse_statement(text)
    assert isinstance(parsed, cst.SimpleStatementLine)
    node = parsed.body[0]
    assert isinstance(node, (cst.Import, cst.ImportFrom))
    aliases = list(node.names) if not isinstance(node.names, cst.ImportStar) else []
    kept = [a for i, a in enumerate(aliases) if i not in names]
    if len(kept) < len(aliases) and aliases[-1] is not kept[-1]:
        # The old last alias went away; its comma (trailing or none) moves over.
        kept[-1] = kept[-1].with_changes(comma=aliases[-1].comma)
    new = node.with_changes(names=kept)
    return minimal_edit(source, statement, render(new, newline_for(source, text)))
