"""pygls's protocol with two changes: our own open documents, and UTF-8 when offered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from .convert import UTF8
from .documents import Document, key_of

if TYPE_CHECKING:
    from .server import MigrationLanguageServer


class MigrationProtocol(LanguageServerProtocol):
    """Keeps :class:`Document`\\ s in ``server.documents`` instead of pygls's workspace
    (see :mod:`.documents` for why), then calls the server's handlers as pygls does."""

    _server: MigrationLanguageServer

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams):
        general = params.capabilities.general
        if general is not None and UTF8 in (general.position_encodings or []):
            # pygls takes the client's first supported encoding. Our columns are code
            # points, and UTF-8 is what Neovim works in: take it whenever it is offered.
            general.position_encodings = [UTF8]
        return (yield from super().lsp_initialize(params))

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams):
        item = params.text_document
        doc = Document(item.uri, item.text, item.version, item.language_id)
        self._server.documents[doc.key] = doc
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        doc = self._server.documents.get(key_of(params.text_document.uri))
        if doc is not None:
            doc.apply(params.content_changes, params.text_document.version, self._server.codec)
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):
        self._server.documents.pop(key_of(params.text_document.uri), None)
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None
