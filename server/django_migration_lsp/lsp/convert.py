"""Between the core's positions and the client's.

The core counts lines from 1 and columns in code points. LSP counts lines from 0 and
columns in the code units of the negotiated position encoding: UTF-16 unless the client
offers another (VS Code: UTF-16; Neovim: UTF-8). The conversion happens here and nowhere
else, on the core's own line model (lines end at ``\\r\\n``, ``\\r`` or ``\\n``, as in LSP;
``str.splitlines`` also splits at ``\\x0c``, ``\\x85``, ``\\u2028``, ... and would shift lines).

Fixit passes code-point columns to the client unchanged; an emoji before a finding then
moves every later column on that line. Not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lsprotocol import types

from ..checks import Edit, Finding, Position, Range
from ..checks.base import range_to_data
from ..checks.source import SourceFile

SOURCE = "django-migration-lsp"

SEVERITIES: Mapping[str, types.DiagnosticSeverity] = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}
DEFAULT_SEVERITY = "warning"

UTF8 = types.PositionEncodingKind.Utf8.value
UTF16 = types.PositionEncodingKind.Utf16.value
UTF32 = types.PositionEncodingKind.Utf32.value


class Codec:
    """Columns in one position encoding: ``"utf-8"``, ``"utf-16"`` or ``"utf-32"``."""

    def __init__(self, encoding: str = UTF16) -> None:
        if encoding not in (UTF8, UTF16, UTF32):
            raise ValueError(f"unknown position encoding {encoding!r}")
        self.encoding = encoding

    def __repr__(self) -> str:
        return f"Codec({self.encoding!r})"

    def units(self, text: str) -> int:
        """Length of ``text`` in this encoding's code units."""
        if self.encoding == UTF32 or text.isascii():
            return len(text)
        if self.encoding == UTF16:
            return len(text.encode("utf-16-le", errors="surrogatepass")) // 2
        return len(text.encode("utf-8", errors="surrogatepass"))

    def column_from_units(self, line: str, units: int) -> int:
        """The code-point column ``units`` code units into ``line`` (clamped to the line).

        A column inside a character (half a surrogate pair, part of a UTF-8 sequence)
        becomes the column of that character.
        """
        if units <= 0:
            return 0
        if self.encoding == UTF32 or line.isascii():
            return min(units, len(line))
        if self.encoding == UTF16:
            data = line.encode("utf-16-le", errors="surrogatepass")[: 2 * units]
            return len(data.decode("utf-16-le", errors="ignore"))
        data = line.encode("utf-8", errors="surrogatepass")[:units]
        return len(data.decode("utf-8", errors="ignore"))

    # -- core -> client -------------------------------------------------------

    def position(self, source: SourceFile, pos: Position) -> types.Position:
        line = source.line(pos.line)
        return types.Position(line=pos.line - 1, character=self.units(line[: pos.column]))

    def range(self, source: SourceFile, rng: Range) -> types.Range:
        return types.Range(
            start=self.position(source, rng.start), end=self.position(source, rng.end)
        )

    # -- client -> core -------------------------------------------------------

    def core_position(self, source: SourceFile, pos: types.Position) -> Position:
        """A client position as a core :class:`Position`, clamped to the text."""
        if pos.line >= source.line_count:
            last = source.line_count
            return Position(last, len(source.line(last)))
        line = max(pos.line, 0) + 1
        return Position(line, self.column_from_units(source.line(line), pos.character))

    def core_range(self, source: SourceFile, rng: types.Range) -> Range:
        return Range(self.core_position(source, rng.start), self.core_position(source, rng.end))


def finding_data(finding: Finding, version: int | None) -> dict[str, Any]:
    """What a diagnostic carries so that code actions need not analyse the file again."""
    return {
        "code": finding.code,
        "range": range_to_data(finding.range),
        "noqa_row": finding.noqa_row,
        "fix": finding.fix_data,
        "version": version,
    }


def diagnostic(
    finding: Finding,
    source: SourceFile,
    codec: Codec,
    uri: str,
    *,
    severity: str = DEFAULT_SEVERITY,
    version: int | None = None,
    related_information: bool = True,
) -> types.Diagnostic:
    related = None
    if related_information and finding.related:
        related = [
            types.DiagnosticRelatedInformation(
                location=types.Location(uri=uri, range=codec.range(source, r.range)),
                message=r.message,
            )
            for r in finding.related
        ]
    return types.Diagnostic(
        range=codec.range(source, finding.range),
        message=finding.message,
        severity=SEVERITIES.get(severity, SEVERITIES[DEFAULT_SEVERITY]),
        code=finding.code,
        code_description=types.CodeDescription(href=finding.url) if finding.url else None,
        source=SOURCE,
        related_information=related,
        data=finding_data(finding, version),
    )


def text_edits(source: SourceFile, edits: Iterable[Edit], codec: Codec) -> list[types.TextEdit]:
    return [types.TextEdit(range=codec.range(source, e.range), new_text=e.new_text) for e in edits]


def workspace_edit(
    uri: str,
    version: int | None,
    edits: list[types.TextEdit],
    *,
    document_changes: bool,
) -> types.WorkspaceEdit:
    """A :class:`WorkspaceEdit` of one document; versioned when the client supports it,
    so that a client refuses it once the document has changed."""
    if document_changes:
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=version
                    ),
                    edits=list(edits),
                )
            ]
        )
    return types.WorkspaceEdit(changes={uri: list(edits)})
