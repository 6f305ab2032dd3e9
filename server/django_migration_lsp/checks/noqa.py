"""``# noqa`` comments: where they go, reading them, and writing them for ``--add-noqa``.

Where a finding's ``# noqa`` goes is ruff's rule: on the line where the finding starts,
unless that line opens a string that goes on over more lines (a triple-quoted SQL
string) or ends with a backslash continuation; then at the end of the line where the
string, or the continued line, ends. A comment written inside the string would be part
of the SQL, and would not be a comment at all.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .base import Edit, Position, Range
from .source import SourceFile, minimal_edit

# The same grammar as flake8 and ruff: "# noqa", "# noqa: A1", "# noqa:A1,B2 C3".
NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)
CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)
_TRIPLE = re.compile(r"'''|\"\"\"")
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)  # Python 3.12+
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)
_LINE_ENDS = (tokenize.NEWLINE, tokenize.NL)


@dataclass(frozen=True)
class NoqaComment:
    """A ``# noqa`` comment: ``codes`` is ``None`` for a bare one (all codes)."""

    codes: frozenset[str] | None
    start: int  # column of '#'
    end: int  # column after the directive

    def suppresses(self, code: str) -> bool:
        return self.codes is None or code.upper() in self.codes


def _comment_from(line: str, start: int) -> tuple[int | None, bool]:
    """Column of the comment in ``line[start:]``; and whether the tokenizer found the
    rest of the line to open a string that does not end on it."""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(line[start:] + "\n").readline):
            if tok.type == tokenize.COMMENT:
                return start + tok.start[1], False
            if tok.type in _LINE_ENDS:
                return None, False
    except (tokenize.TokenError, SyntaxError) as exc:
        # An open bracket (a line inside a call) ends the tokens without a comment; a
        # string that does not end on this line means the line began inside one.
        return None, "string" in str(exc)
    return None, False


def comment_start(line: str, start: int | None = None) -> int | None:
    """Column of the ``#`` that starts a comment on ``line``, ignoring ``#`` in strings.

    ``start`` is where code begins on the line, when the caller knows it (after the end
    of a string that began on an earlier line). Without it, a line that begins inside
    such a string is read from the first triple quote that can close it.
    """
    if "#" not in line:
        return None
    column, in_string = _comment_from(line, start or 0)
    if column is not None or not in_string or start is not None:
        return column
    for m in _TRIPLE.finditer(line):
        if line[: m.start()].endswith("\\"):
            continue  # an escaped quote does not close the string
        column, in_string = _comment_from(line, m.end())
        if column is not None or not in_string:
            return column
    return None


def parse_noqa(line: str, start: int | None = None) -> NoqaComment | None:
    comment = comment_start(line, start)
    if comment is None:
        return None
    m = NOQA.search(line, comment)
    if m is None:
        return None
    codes = m.group("codes")
    parsed = frozenset(c.upper() for c in CODE.findall(codes)) if codes else None
    return NoqaComment(parsed, m.start(), m.end())


def _may_continue(line: str) -> bool:
    """Could this line open a string that ends on a later line, or continue with ``\\``?"""
    return '"""' in line or "'''" in line or line.endswith("\\")


def noqa_position(source: SourceFile, line: int, column: int = 0) -> tuple[int, int]:
    """Where the ``# noqa`` of a finding that starts at ``(line, column)`` goes.

    Returns ``(row, start)``: the line, and the column where code resumes on it (after
    the end of the string that brought the search there; 0 otherwise).
    """
    if not _may_continue(source.line(line)):
        return line, 0  # the common case: no tokenizing

    def lines() -> Iterator[str]:
        yield source.line(line)[column:] + "\n"
        for n in range(line + 1, source.line_count + 1):
            yield source.line(n) + "\n"

    it = lines()
    target, start = line, 0
    fstrings: list[int] = []  # start rows of the f-strings being read (3.12+)
    try:
        for tok in tokenize.generate_tokens(lambda: next(it, "")):
            first, last = tok.start[0] + line - 1, tok.end[0] + line - 1
            if tok.type == _FSTRING_START:
                fstrings.append(first)
                continue
            if fstrings:
                if tok.type == _FSTRING_END:
                    first = fstrings.pop()
                    if not fstrings and first <= target < last:
                        target, start = last, tok.end[1]
                continue
            if tok.type == tokenize.ENDMARKER:
                break
            if first > target:  # no line break token on the target line: a ``\``
                target, start = first, 0
            if tok.type in _LINE_ENDS and first == target:
                break
            if tok.type == tokenize.STRING and first <= target < last:
                target, start = last, tok.end[1]
    except (tokenize.TokenError, SyntaxError):
        pass  # the end of a statement that began before ``column``: what is known holds
    return target, start


def noqa_edit(source: SourceFile, line: int, code: str, start: int | None = None) -> Edit | None:
    """An edit that makes line ``line`` suppress ``code``; ``None`` if it already does.

    ``start`` is where code resumes on the line (see :func:`noqa_position`), if known.
    """
    text = source.line(line)
    new = add_codes(text, [code], start)
    if new == text:
        return None
    return minimal_edit(source, Range(Position(line, 0), Position(line, len(text))), new)


def add_codes(text: str, codes: Iterable[str], start: int | None = None) -> str:
    """``text`` (one line, without its line ending) with a ``# noqa`` for ``codes``.

    Extends an existing ``# noqa: ...`` directive; keeps an existing comment after the
    new directive (``# noqa: DJM001 # why``); leaves a bare ``# noqa`` alone.
    """
    for code in sorted(set(codes)):
        existing = parse_noqa(text, start)
        if existing is not None:
            if existing.suppresses(code):
                continue
            merged = ", ".join(sorted({*existing.codes, code}))  # type: ignore[misc]
            text = f"{text[: existing.start]}# noqa: {merged}{text[existing.end :]}"
            continue
        comment = comment_start(text, start)
        if comment is not None:  # keep an existing comment after the directive
            rest = text[comment + 1 :].lstrip()
            text = f"{text[:comment]}# noqa: {code}" + (f" # {rest}" if rest else "")
        else:
            text = f"{text.rstrip()}  # noqa: {code}"
    return text
