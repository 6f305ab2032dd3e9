"""pygls's protocol, and our stdio transport, made fit for a long day in an editor.

:class:`MigrationProtocol` changes pygls 2's ``LanguageServerProtocol`` in three ways:

- our own open documents (see :mod:`.documents` for why), and UTF-8 when offered;
- the ``Future`` pygls keeps for every handled message is forgotten once it is done
  (pygls keeps those of notifications, and of the handlers its built-in ones delegate
  to, for ever: about 2 KB per ``didChange``);
- a request whose params do not validate gets a JSON-RPC error response (``-32602``,
  the validation errors in the message) instead of no answer at all.

:func:`serve_stdio` replaces pygls's stdio loop (``pygls.io_.run_async``), which reads a
frame's body with ``read(Content-Length)`` in one piece, whatever the length says: a
``Content-Length`` of 10^12 ends the process with ``MemoryError``. Here:

- :class:`FrameDecoder` splits the stream with bounded memory. A frame that declares
  more than :data:`MAX_FRAME` bytes, or a header without a ``Content-Length``, is
  rejected with a logged error (stderr and ``window/logMessage``) and never allocated;
  the decoder then skips bytes up to the next ``Content-Length: N\\r\\n`` line. That
  line cannot occur inside a JSON body (JSON strings escape CR and LF, and nothing but
  whitespace may stand between its tokens), so the skip ends exactly at the next frame
  whether the rejected frame's body was sent (a huge document) or the length was a lie
  (a corrupt or hostile stream): the server goes on serving either way. A request in a
  rejected frame gets no answer, as its id is in the body that was not read.
- stdin is read and split into frames on a daemon thread; the frames that a read
  completes are handed to the loop together, and handled before anything else runs
  there (a burst that arrived together is seen together), and the thread reads on only
  then (the pipe is the backlog, not the server's memory).
- when stdin closes (the client went away), or stdout does, the loop ends at once,
  whatever is still being checked; ``server.run`` then ends the process without
  waiting for the worker threads.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO

import cattrs
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from .convert import UTF8
from .documents import Document, key_of

if TYPE_CHECKING:
    from .server import MigrationLanguageServer

logger = logging.getLogger(__name__)

#: The largest frame body accepted (bytes). VS Code does not sync files above 50 MB to
#: language servers; a migration that size would take minutes to check anyway.
MAX_FRAME = 64 * 1024 * 1024
#: The largest header block accepted (bytes); pygls and vscode-jsonrpc send about 80.
MAX_HEADER = 8 * 1024
#: How much of stdin is read at a time (bytes).
CHUNK = 64 * 1024
#: A ``Content-Length`` header line, as found when skipping to the next frame.
CONTENT_LENGTH = re.compile(
    rb"content-length[ \t]{0,8}:[ \t]{0,8}(\d{1,20})[ \t]{0,8}\r\n", re.IGNORECASE
)
#: Bytes kept from the end of skipped data: the start of a header line cut in two.
KEEP = 64


class FrameDecoder:
    """Bytes in, frame bodies out: ``Content-Length: N\\r\\n`` (and other headers),
    ``\\r\\n``, then N bytes. Holds at most one frame (up to :data:`MAX_FRAME`) and
    one chunk."""

    def __init__(self, limit: int = MAX_FRAME, max_header: int = MAX_HEADER) -> None:
        self.limit = limit
        self.max_header = max_header
        self._buffer = bytearray()
        self._length: int | None = None  # of the body being read
        self._skipping = False  # for the next Content-Length line
        self._skipped = 0

    def feed(self, data: bytes) -> list[bytes | str]:
        """What ``data`` completes, in stream order: bodies (``bytes``), and errors
        (``str``) where frames were rejected."""
        buffer = self._buffer
        buffer += data
        out: list[bytes | str] = []
        while True:
            if self._length is not None:
                if len(buffer) < self._length:
                    return out
                out.append(bytes(buffer[: self._length]))
                del buffer[: self._length]
                self._length = None
            if self._skipping and not self._skip():
                return out
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > self.max_header:
                    what = f"no end of header in the first {self.max_header} bytes"
                    out.append(self._reject(what, 1))
                    continue
                return out
            length = self._content_length(bytes(buffer[:end]))
            if length is None:
                out.append(self._reject("a frame header without a valid Content-Length", 1))
            elif length > self.limit:
                what = f"a frame of {length} bytes (Content-Length), above the limit"
                out.append(self._reject(f"{what} of {self.limit}", end + 4))
            else:
                del buffer[: end + 4]
                self._length = length

    @staticmethod
    def _content_length(header: bytes) -> int | None:
        for line in header.split(b"\r\n"):
            name, colon, value = line.partition(b":")
            if colon and name.strip().lower() == b"content-length":
                value = value.strip()
                return int(value) if value.isdigit() else None
        return None

    def _reject(self, what: str, drop: int) -> str:
        """Drop ``drop`` bytes, then skip to the next Content-Length line."""
        del self._buffer[:drop]
        self._skipping = True
        self._skipped = drop
        return f"rejected {what}: skipping to the next frame"

    def _skip(self) -> bool:
        """Skip to the next Content-Length line; ``False`` if not in the buffer yet."""
        found = CONTENT_LENGTH.search(self._buffer)
        if found is None:
            drop = max(0, len(self._buffer) - KEEP)
            self._skipped += drop
            del self._buffer[:drop]
            return False
        self._skipped += found.start()
        del self._buffer[: found.start()]
        logger.info("skipped %d bytes to the next frame", self._skipped)
        self._skipping = False
        return True


class PipeWriter:
    """pygls's writer interface on a binary stream; once the stream is broken or
    closed, writes are dropped and ``on_broken`` is called (the client is gone)."""

    def __init__(self, stream: BinaryIO, on_broken: Callable[[], None]) -> None:
        self._stream = stream
        self._on_broken = on_broken
        self.broken = False

    def write(self, data: bytes) -> None:
        if self.broken:
            return
        try:
            self._stream.write(data)
            self._stream.flush()
        except (OSError, ValueError):  # BrokenPipeError; ValueError: closed
            self.broken = True
            self._on_broken()

    def close(self) -> None:
        self.broken = True
        try:
            self._stream.close()
        except (OSError, ValueError):
            pass


class MigrationProtocol(LanguageServerProtocol):
    """Keeps :class:`Document`\\ s in ``server.documents`` instead of pygls's workspace
    (see :mod:`.documents` for why), then calls the server's handlers as pygls does."""

    _server: MigrationLanguageServer
    _loop: asyncio.AbstractEventLoop | None = None

    # -- JSON-RPC ---------------------------------------------------------------------

    def _execute_handler(
        self,
        msg_id: Any,
        handler: Any,
        callback: Callable[[Any], None],
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        """pygls's, and the handler's future is forgotten once it is done.

        pygls keeps the future of every handler in ``_request_futures`` (for
        ``$/cancelRequest`` and ``shutdown``), but removes it only when a request's
        response is sent: never for a notification, nor for the handlers that its
        built-in ones (``didChange``, ``didOpen``, ...) delegate to.
        """
        if self._loop is None:
            try:
                self._loop = asyncio.get_running_loop()
            except RuntimeError:
                pass

        def done(future: Any) -> None:
            try:
                callback(future)
            finally:
                self._forget(msg_id, future)

        super()._execute_handler(msg_id, handler, done, args, kwargs)

    def _forget(self, msg_id: Any, future: Any) -> None:
        def drop() -> None:
            if self._request_futures.get(msg_id) is future:
                del self._request_futures[msg_id]

        # Later, on the loop: a future can be done while pygls iterates over the dict
        # (``shutdown`` cancels the pending ones), or on another thread.
        loop = self._loop
        if loop is None:
            drop()
            return
        try:
            loop.call_soon_threadsafe(drop)
        except RuntimeError:  # the loop is closed: the process is ending
            pass

    def structure_message(self, data: dict[str, Any]) -> Any:
        """pygls's, and a request that cannot be read gets an error response.

        pygls raises, the stdio loop logs it, and the client waits for ever.
        """
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            msg_id = data.get("id")
            if "method" in data and type(msg_id) in (int, str):
                detail = error.message
                if isinstance(error.__cause__, cattrs.ClassValidationError):
                    detail += ": " + "; ".join(cattrs.transform_error(error.__cause__))
                self._send_response(
                    msg_id, error=types.ResponseError(code=error.code, message=detail)
                )
            raise

    def handle_body(self, body: bytes) -> None:
        """Read and handle one frame's body; an error is logged, never raised."""
        try:
            message = json.loads(body, object_hook=self.structure_message)
            self.handle_message(message)
        except Exception as exc:
            logger.exception("Unable to handle message")
            self._server._report_server_error(exc, JsonRpcException)

    def frame_error(self, message: str) -> None:
        logger.error("%s", message)
        self._server.log(types.MessageType.Error, message)

    # -- LSP ----------------------------------------------------------------------------

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
            # The result for the previous version is of no use now: let its tree go
            # before the next check builds another.
            self._server.checked.pop(doc.key, None)
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):
        self._server.documents.pop(key_of(params.text_document.uri), None)
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None


async def serve_stdio(protocol: MigrationProtocol, stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Serve ``protocol`` until ``stdin`` or ``stdout`` closes (or ``exit`` raises
    ``SystemExit`` out of the loop).

    A daemon thread reads stdin and splits it into frames; each batch of complete
    frames is handled on the loop, in one go, before the thread reads on.
    """
    loop = asyncio.get_running_loop()
    gone = asyncio.Event()
    protocol.set_writer(PipeWriter(stdout, lambda: loop.call_soon_threadsafe(gone.set)))
    handed = threading.Event()

    def deliver(items: list[bytes | str] | None) -> None:
        try:
            if items is None:
                gone.set()
                return
            for item in items:
                if isinstance(item, str):
                    protocol.frame_error(item)
                else:
                    protocol.handle_body(item)
        finally:
            handed.set()

    read = getattr(stdin, "read1", stdin.read)

    def reader() -> None:
        decoder = FrameDecoder()
        while True:
            try:
                data = read(CHUNK)
            except (OSError, ValueError):
                data = b""
            items = decoder.feed(data) if data else None
            if items == []:
                continue  # in the middle of a frame
            handed.clear()
            try:
                loop.call_soon_threadsafe(deliver, items)
            except RuntimeError:  # the loop is closed
                return
            if items is None:
                return
            handed.wait()  # the pipe holds what comes next, not this process

    threading.Thread(target=reader, name="stdin", daemon=True).start()
    await gone.wait()
