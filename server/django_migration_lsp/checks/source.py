"""Source text: decoding, line tables and position arithmetic.

Every position in the core is a :class:`Position` with a 1-based line and a
0-based column counted in Unicode code points. ``ast`` reports columns in
UTF-8 bytes; editors want UTF-16 (VS Code) or UTF-8 (Neovim). The conversion
from ``ast`` happens here; the conversion to the editor's encoding happens in
the LSP layer, never in between.
"""

from __future__ import annotations

import codecs
import re
import tokenize
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate

from .base import Edit, Position, Range

# Python ends lines at \r\n, \r or \n only. str.splitlines() also splits at
# \x0b, \x0c, \x1c-\x1e, \x85, \u2028 and \u2029, which would shift every line
# number after such a character relative to what ``ast`` reports.
_LINE_END = re.compile(r"\r\n|\r|\n")
_plus_one = (1).__add__


class SourceDecodeError(ValueError):
    """The bytes of a file are not Python source text we can read."""


_LINE_END_BYTES = re.compile(rb"\r\n|\r|\n")
#: The first two lines, where PEP 263 allows a coding cookie.
_TWO_LINES = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)?[^\r\n]*")


def _lines(data: bytes):
    """A ``readline`` over ``data`` that ends lines where Python does (``\\r`` too):
    ``io.BytesIO`` splits at ``\\n`` only, so a lone-CR file would be one line and its
    coding cookie never found."""
    ends = _LINE_END_BYTES.finditer(data)
    start = 0

    def readline() -> bytes:
        nonlocal start
        m = next(ends, None)
        end = m.end() if m is not None else len(data)
        line, start = data[start:end], end
        return line

    return readline


def decode_source(data: bytes) -> tuple[str, str]:
    """Decode a Python file's bytes; return ``(text, encoding)``.

    Honours a UTF-8 BOM and a PEP 263 coding cookie, as the interpreter does.
    Raises :class:`SourceDecodeError` with a message fit for a user.
    """
    if b"\x00" in data:
        raise SourceDecodeError("binary file (contains NUL bytes); not Python source")
    if not data.startswith(codecs.BOM_UTF8) and b"coding" not in _TWO_LINES.match(data)[0]:
        # No BOM and no cookie in the first two lines: UTF-8, as detect_encoding would say.
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass  # the messages below say where and why
    try:
        encoding, _ = tokenize.detect_encoding(_lines(data))
    except SyntaxError as exc:
        # No usable cookie and the first lines are not UTF-8, an unknown codec in
        # the cookie, or a BOM that contradicts the cookie.
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            raise SourceDecodeError(
                f"cannot decode file as utf-8 at byte {bad.start}: {bad.reason} "
                "(add a `# -*- coding: ... -*-` line if the file uses another encoding)"
            ) from None
        raise SourceDecodeError(f"cannot determine the file's encoding: {exc.msg}") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        detail = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
        where = f" at byte {exc.start}" if isinstance(exc, UnicodeDecodeError) else ""
        raise SourceDecodeError(f"cannot decode file as {encoding}{where}: {detail}") from None
    if encoding == "utf-8-sig" and text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding


def encode_source(text: str, encoding: str) -> bytes:
    """Encode text back with the encoding it was read with (BOM included)."""
    if encoding == "utf-8-sig":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    return text.encode(encoding)


@dataclass(eq=False)
class SourceFile:
    """A decoded Python file with the tables needed to move between positions."""

    text: str
    path: str | None = None

    @cached_property
    def line_starts(self) -> list[int]:
        """Offsets (in code points) where each line begins; index 0 is line 1."""
        if "\r" not in self.text:  # the common case, at C speed (no Python call per line)
            lines = self.text.split("\n")
            lines.pop()
            return [0, *accumulate(map(_plus_one, map(len, lines)))]
        starts = [0]
        starts.extend(m.end() for m in _LINE_END.finditer(self.text))
        return starts

    @cached_property
    def newline(self) -> str:
        """The file's line ending, taken from its first line break."""
        m = _LINE_END.search(self.text)
        return m.group() if m else "\n"

    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def line(self, number: int) -> str:
        """Text of 1-based line ``number`` without its line ending."""
        starts = self.line_starts
        if not 1 <= number <= len(starts):
            return ""
        begin = starts[number - 1]
        end = starts[number] if number < len(starts) else len(self.text)
        return self.text[begin:end].rstrip("\r\n")

    def position(self, lineno: int, utf8_col: int) -> Position:
        """Convert an ``ast`` (line, UTF-8 byte column) pair to a :class:`Position`."""
        text = self.line(lineno)
        if text.isascii():
            return Position(lineno, utf8_col)
        prefix = text.encode("utf-8")[:utf8_col]
        return Position(lineno, len(prefix.decode("utf-8", errors="ignore")))

    def node_range(self, node) -> Range:
        """The :class:`Range` an ``ast`` node covers."""
        return Range(
            self.position(node.lineno, node.col_offset),
            self.position(node.end_lineno, node.end_col_offset),
        )

    def offset(self, pos: Position) -> int:
        """Offset into :attr:`text` of a :class:`Position` (clamped to the text)."""
        starts = self.line_starts
        if pos.line > len(starts):
            return len(self.text)
        begin = starts[pos.line - 1]
        line_end = begin + len(self.line(pos.line))
        return min(begin + pos.column, line_end)

    def slice(self, rng: Range) -> str:
        return self.text[self.offset(rng.start) : self.offset(rng.end)]

    def indentation(self, lineno: int) -> str:
        line = self.line(lineno)
        return line[: len(line) - len(line.lstrip(" \t"))]

    def apply(self, edits: Iterable[Edit]) -> str:
        """Return the text with ``edits`` applied. Overlapping edits are an error."""
        spans = sorted(
            ((self.offset(e.range.start), self.offset(e.range.end), e.new_text) for e in edits),
            key=lambda s: (s[0], s[1]),
        )
        out: list[str] = []
        cursor = 0
        for start, end, new_text in spans:
            if start < cursor:
                raise ValueError("overlapping edits")
            out.append(self.text[cursor:start])
            out.append(new_text)
            cursor = end
        out.append(self.text[cursor:])
        return "".join(out)

    def range_of_offsets(self, start: int, end: int) -> Range:
        return Range(self.position_at(start), self.position_at(end))

    def position_at(self, offset: int) -> Position:
        """The :class:`Position` of a code-point offset into :attr:`text`."""
        starts = self.line_starts
        index = max(bisect_right(starts, offset) - 1, 0)  # the last line start <= offset
        return Position(index + 1, offset - starts[index])

    def line_at(self, offset: int) -> int:
        """The 1-based line of a code-point offset into :attr:`text`."""
        return max(bisect_right(self.line_starts, offset), 1)


def minimal_edit(source: SourceFile, rng: Range, new_text: str) -> Edit:
    """Shrink a replacement of ``rng`` by ``new_text`` to the part that changes.

    Editors keep the cursor and folding stable when an edit touches only what it
    must, and several small edits are less likely to overlap.
    """
    old = source.slice(rng)
    start, end = source.offset(rng.start), source.offset(rng.end)
    prefix = 0
    limit = min(len(old), len(new_text))
    while prefix < limit and old[prefix] == new_text[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < limit - prefix
        and old[len(old) - 1 - suffix] == new_text[len(new_text) - 1 - suffix]
    ):
        suffix += 1
    return Edit(
        source.range_of_offsets(start + prefix, end - suffix),
        new_text[prefix : len(new_text) - suffix],
    )
