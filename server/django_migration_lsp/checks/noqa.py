"""``# noqa`` comments: reading them, and writing them for ``--add-noqa``."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

from .base import Edit, Position, Range
from .source import SourceFile

# The same grammar as flake8 and ruff: "# noqa", "# noqa: A1", "# noqa:A1,B2 C3".
NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)
CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


@dataclass(frozen=True)
class NoqaComment:
    """A ``# noqa`` comment: ``codes`` is ``None`` for a bare one (all codes)."""

    codes: frozenset[str] | None
    start: int  # column of '#'
    end: int  # column after the directive

    def suppresses(self, code: str) -> bool:
        return self.codes is None or code.upper() in self.codes


def comment_start(line: str) -> int | None:
    """Column of the ``#`` that starts a comment on ``line``, ignoring ``#`` in strings."""
    if "#" not in line:
        return None
    try:
        for tok in tokenize.generate_tokens(io.StringIO(line + "\n").readline):
            if tok.type == tokenize.COMMENT:
                return tok.start[1]
    except (tokenize.TokenError, SyntaxError):
        # A line inside a multi-line string or bracket: fall back to the last '#'.
        pass
    return None


def parse_noqa(line: str) -> NoqaComment | None:
    start = comment_start(line)
    if start is None:
        return None
    m = NOQA.search(line, start)
    if m is None:
        return None
    codes = m.group("codes")
    parsed = frozenset(c.upper() for c in CODE.findall(codes)) if codes else None
    return NoqaComment(parsed, m.start(), m.end())


def noqa_edit(source: SourceFile, line: int, code: str) -> Edit | None:
    """An edit that makes line ``line`` suppress ``code``; ``None`` if it already does."""
    text = source.line(line)
    existing = parse_noqa(text)
    if existing is not None:
        if existing.suppresses(code):
            return None
        codes = ", ".join(sorted({*existing.codes, code}))  # type: ignore[misc]
        return Edit(
            Range(Position(line, existing.start), Position(line, existing.end)),
            f"# noqa: {codes}",
        )
    end = len(text.rstrip())
    start = comment_start(text)
    if start is not None:  # keep an existing comment after the directive
        rest = text[start + 1 :].lstrip()
        return Edit(
            Range(Position(line, start), Position(line, len(text))),
            f"# noqa: {code} # {rest}" if rest else f"# noqa: {code}",
        )
    return Edit(Range(Position(line, end), Position(line, len(text))), f"  # noqa: {code}")
