"""Open documents, kept in step with the client.

pygls's ``TextDocument`` splits lines with ``str.splitlines``, which also breaks at
``\\x0c``, ``\\x1c``-``\\x1e``, ``\\x85``, ``\\u2028`` and ``\\u2029``; LSP (and Python) only
end lines at ``\\r\\n``, ``\\r`` and ``\\n``, so an incremental change below such a character
would land on the wrong line. It also rebuilds its line list on every conversion. A
:class:`Document` uses the core's :class:`SourceFile` for both, and its line table is
built once per version and shared with the analysis.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path, uri_scheme

from ..checks.source import SourceFile
from .convert import Codec


def uri_to_path(uri: str) -> Path | None:
    """The file a ``file:`` URI names; ``None`` for ``untitled:`` and other schemes."""
    if uri_scheme(uri) != "file":
        return None
    path = to_fs_path(uri)
    return Path(path) if path else None


def path_to_uri(path: str | Path) -> str:
    """The ``file:`` URI of a path, as pygls spells it."""
    return from_fs_path(str(path)) or Path(path).as_uri()


def key_of(uri: str) -> str:
    """What identifies a document: its path for ``file:`` URIs, else the URI.

    Clients spell the same file differently (``%5F`` or ``_``, ``%40`` or ``@``, a drive
    letter's case); the server compares files by this key, and publishes under the URI
    the client used for an open document.
    """
    path = uri_to_path(uri)
    return str(path) if path is not None else uri


class Document:
    """The text of one open document at one version."""

    def __init__(self, uri: str, text: str, version: int | None, language_id: str = "") -> None:
        self.uri = uri
        self.key = key_of(uri)
        self.version = version
        self.language_id = language_id
        self.path = uri_to_path(uri)
        self._text = text
        self._source: SourceFile | None = None
        #: ``time.monotonic()`` of the last change (0 for none), and the time between it
        #: and the one before (infinite for the first): for debouncing.
        self.changed_at = 0.0
        self.gap = math.inf

    def __repr__(self) -> str:
        return f"Document({self.uri!r}, version={self.version})"

    @property
    def text(self) -> str:
        return self._text

    @property
    def source(self) -> SourceFile:
        """The current text as a :class:`SourceFile` (line table built at most once)."""
        if self._source is None:
            self._source = SourceFile(self._text, str(self.path) if self.path else None)
        return self._source

    def apply(
        self,
        changes: Iterable[types.TextDocumentContentChangeEvent],
        version: int | None,
        codec: Codec,
    ) -> None:
        """Apply ``didChange`` content changes, in order, each on the previous result."""
        for change in changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                source = self.source
                start = source.offset(codec.core_position(source, change.range.start))
                end = source.offset(codec.core_position(source, change.range.end))
                if end < start:
                    start, end = end, start
                self._text = self._text[:start] + change.text + self._text[end:]
            else:
                self._text = change.text
            self._source = None
        self.version = version
        now = time.monotonic()
        self.gap = now - self.changed_at if self.changed_at else math.inf
        self.changed_at = now
