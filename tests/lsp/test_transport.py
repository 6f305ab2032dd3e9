"""The server over a long day, driven over raw stdio: memory stays flat, absurd frames
are rejected, invalid params get an error response, and the process exits promptly
when the client goes away."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import pytest

from django_migration_lsp.lsp.protocol import MAX_FRAME, FrameDecoder
from django_migration_lsp.lsp.server import create_server

from .harness import RUN_PYTHON
from .raw import RawServer, frame

MIGRATION = "shop/migrations/0002_backfill.py"
TEXT = "# x\n" + RUN_PYTHON  # DJM001 on line 12 (0-based)
ERROR = 1  # window/logMessage type
MIB = 1024


@pytest.fixture
def raw(tmp_path: Path):
    servers: list[RawServer] = []

    def start(settings: dict | None = None) -> RawServer:
        server = RawServer(tmp_path)
        servers.append(server)
        server.initialize(settings)
        return server

    yield start
    for server in servers:
        server.stop()


def opened(server: RawServer, text: str = TEXT) -> str:
    uri = (server.root / MIGRATION).as_uri()
    server.open(uri, text)
    server.published(uri, 1)
    return uri


def keystroke(version: int) -> list[dict]:
    """Line 0 is ``# x``: its third character becomes ``y``, then ``x`` again, ..."""
    char = {"line": 0, "character": 2}
    end = {"line": 0, "character": 3}
    return [{"range": {"start": char, "end": end}, "text": "xy"[version % 2]}]


def djm001_lines(message: dict) -> list[int]:
    diagnostics = message["params"]["diagnostics"]
    return [d["range"]["start"]["line"] for d in diagnostics if d["code"] == "DJM001"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/<pid>/status")
def test_memory_stays_flat_over_20000_changes(raw):
    """pygls 2 keeps a Future per notification for ever: ~2 KB per didChange, +40 MB over
    these 20,000 changes. The server's RSS must grow by less than 8 MiB."""
    server = raw()
    uri = opened(server)
    version = 1

    def type_keys(count: int) -> None:
        nonlocal version
        for _ in range(count):
            version += 1
            server.change(uri, version, keystroke(version))
        assert djm001_lines(server.published(uri, version)) == [12]

    type_keys(2_000)  # warm up: caches, the allocator's arenas
    before = server.rss_kib()
    type_keys(20_000)
    after = server.rss_kib()
    assert after - before < 8 * MIB, f"RSS {before} KiB -> {after} KiB"
    assert not server.log_messages(ERROR)


def test_an_absurd_content_length_is_rejected_and_the_server_goes_on(raw):
    server = raw()
    uri = opened(server)
    # 10^12 bytes: pygls's own loop would try to allocate them and die of MemoryError.
    # What follows is the next frame: the server skips to it and answers.
    server.write(b"Content-Length: 1000000000000\r\n\r\n")
    server.change(uri, 2, [{"range": _at(0, 0), "text": "# more\n"}])
    hover = hover_at_start(server, uri)
    assert hover == {"jsonrpc": "2.0", "id": hover["id"], "result": None}
    assert djm001_lines(server.published(uri, 2)) == [13]  # the change after it landed
    assert server.process.poll() is None
    (logged,) = server.log_messages(ERROR)
    assert "rejected a frame of 1000000000000 bytes" in logged
    assert b"rejected a frame of 1000000000000 bytes" in server.stderr
    assert b"MemoryError" not in server.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/<pid>/status")
def test_a_frame_above_the_limit_is_skipped_without_being_read_into_memory(raw):
    """A real body above 64 MiB (a huge buffer): skipped, never allocated; the frames
    after it are served."""
    server = raw()
    uri = opened(server)
    before = server.rss_kib()
    huge = {
        "jsonrpc": "2.0",
        "method": "textDocument/didChange",
        "params": {
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"text": "# " + "x" * MAX_FRAME + "\n"}],
        },
    }
    data = frame(huge)
    assert len(data) > MAX_FRAME
    server.write(data)
    del data
    server.change(uri, 3, [{"range": _at(0, 0), "text": "# more\n"}])
    # The document is the one opened, plus the change after the huge frame.
    assert djm001_lines(server.published(uri, 3)) == [13]
    assert server.rss_kib() - before < 32 * MIB
    (logged,) = server.log_messages(ERROR)
    assert f"above the limit of {MAX_FRAME}" in logged


def test_garbage_between_frames_is_skipped(raw):
    server = raw()
    uri = opened(server)
    server.write(b"this is no header\r\n\r\n" + b"\x00\xff" * 5000 + b"{not a frame}")
    server.change(uri, 2, [{"range": _at(0, 0), "text": "# more\n"}])
    assert djm001_lines(server.published(uri, 2)) == [13]
    assert server.log_messages(ERROR)


def test_a_request_with_invalid_params_gets_an_invalid_params_error(raw):
    server = raw()
    uri = opened(server)
    response = server.call(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": {"start": {"line": "zero"}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": []},
        },
    )
    assert response["error"]["code"] == -32602  # InvalidParams
    assert "$.params.range.start.line" in response["error"]["message"]
    assert "result" not in response
    # Still serving, and the request was logged.
    hover = hover_at_start(server, uri)
    assert hover["result"] is None
    assert server.log_messages(ERROR)


def test_a_request_with_no_params_at_all_gets_an_error(raw):
    server = raw()
    msg_id = server.request("textDocument/hover", None)
    response = server.response(msg_id)
    assert response["error"]["code"] == -32602
    assert response["id"] == msg_id


@pytest.mark.parametrize("how", ["stdin closes", "exit"])
def test_the_server_exits_promptly_while_a_check_runs(raw, how):
    """A migration whose check takes many seconds (20,000 operations): the process is
    gone within 3 s of the client leaving, without waiting for the check. (What can
    hold it up is one ``ast.parse``, which keeps the interpreter: ~0.3 s here.)"""
    server = raw()
    uri = (server.root / MIGRATION).as_uri()
    server.open(uri, large_migration(20_000))
    time.sleep(1.0)  # parsed by now, and being checked
    assert server.process.poll() is None
    if how == "exit":
        server.notify("exit", None)
    else:
        server.close_stdin()
    left = time.monotonic()
    server.process.wait(timeout=30)
    elapsed = time.monotonic() - left
    assert not [m for m in server.seen if m.get("method") == "textDocument/publishDiagnostics"], (
        "checked before the client left: no test"
    )
    assert elapsed < 3.0, f"exited {elapsed:.1f} s after the client left"
    assert server.process.returncode == 1  # no shutdown request first
    assert b"Traceback" not in server.stderr


def test_exit_without_shutdown_exits_with_1_and_with_shutdown_with_0(raw):
    server = raw()
    server.notify("exit", None)
    assert server.process.wait(timeout=10) == 1, server.stderr.decode()
    server = raw()
    assert server.call("shutdown", None)["result"] is None
    server.notify("exit", None)
    assert server.process.wait(timeout=10) == 0, server.stderr.decode()


def test_workers_shut_down_after_the_loop_has_closed():
    """``exit`` ends ``asyncio.run`` with a background task still pending (one the
    ``initialized`` notification spawned): cancelling it then must not raise, or the
    process skips its ``os._exit`` and aborts on the stdin thread at finalization
    (``_enter_buffered_busy``, exit status -6: seen in CI)."""
    server = create_server()
    loop = asyncio.new_event_loop()

    async def spawn() -> None:
        server.spawn(asyncio.sleep(60), "a scan")

    loop.run_until_complete(spawn())
    loop.close()
    server.shutdown_workers()
    assert not server._tasks


# -- the frame decoder, alone -----------------------------------------------------------


def feed_in_pieces(decoder, data: bytes, size: int) -> list:
    out: list = []
    for start in range(0, len(data), size):
        out += decoder.feed(data[start : start + size])
    return out


@pytest.mark.parametrize("size", [1, 2, 7, 64, 10_000])
def test_frames_split_anywhere_are_put_together(size):
    bodies = [json.dumps({"n": n, "text": "é\r\n" * n}).encode() for n in range(5)]
    data = b"".join(
        b"content-length: %d\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n%s"
        % (len(b), b)
        if n % 2
        else b"Content-Length:%d\r\n\r\n%s" % (len(b), b)
        for n, b in enumerate(bodies)
    )
    assert feed_in_pieces(FrameDecoder(), data, size) == bodies


@pytest.mark.parametrize("size", [1, 5, 64, 100_000])
def test_rejected_frames_are_skipped_to_the_next_header(size):
    good = [frame({"n": n}) for n in range(5)]
    big_body = json.dumps({"text": "Content-Length: 5\r\n\r\n" * 200}).encode()  # escaped
    data = (
        good[0]
        + b"Content-Length: %d\r\n\r\n%s" % (len(big_body), big_body)  # above the limit
        + good[1]
        + b"Content-Length: 10000000000000000000000\r\n\r\n"  # a lie
        + good[2]
        + b"Content-Type: x\r\n\r\n{}"  # no Content-Length
        + good[3]
        + b"x" * 300  # no end of header before the limit
        + good[4]
    )
    out = feed_in_pieces(FrameDecoder(limit=1000, max_header=200), data, size)
    assert [o for o in out if isinstance(o, bytes)] == [g.partition(b"\r\n\r\n")[2] for g in good]
    errors = [o for o in out if isinstance(o, str)]
    assert errors[:3] == [
        f"rejected a frame of {len(big_body)} bytes (Content-Length), above the limit of 1000:"
        " skipping to the next frame",
        "rejected a frame of 10000000000000000000000 bytes (Content-Length), above the limit"
        " of 1000: skipping to the next frame",
        "rejected a frame header without a valid Content-Length: skipping to the next frame",
    ]
    # Read in small pieces, the 300 bytes overflow the header limit; read at once, they
    # end at the next frame's header and make a header without a valid Content-Length.
    (last,) = errors[3:]
    assert last.startswith("rejected ")
    assert [type(o) for o in out] == [bytes, str, bytes, str, bytes, str, bytes, str, bytes]


def test_the_decoder_never_holds_more_than_a_frame_and_a_chunk():
    decoder = FrameDecoder(limit=1000)
    assert decoder.feed(b"Content-Length: 999999999\r\n\r\n")
    for _ in range(1000):
        assert decoder.feed(b"y" * 65536) == []
        assert len(decoder._buffer) <= 65536
    assert decoder.feed(frame({"ok": True})) == [b'{"ok": true}']


# -- helpers -------------------------------------------------------------------------------


def hover_at_start(server: RawServer, uri: str) -> dict:
    position = {"line": 0, "character": 0}
    return server.call("textDocument/hover", {"textDocument": {"uri": uri}, "position": position})


def _at(line: int, character: int) -> dict:
    position = {"line": line, "character": character}
    return {"start": position, "end": position}


def large_migration(operations: int) -> str:
    """A migration with ``operations`` RunPython operations (DJM001 each)."""
    head = "from django.db import migrations\n\n\ndef forwards(apps, schema_editor):\n    pass\n"
    body = "        migrations.RunPython(forwards),\n" * operations
    return head + f"\n\nclass Migration(migrations.Migration):\n    operations = [\n{body}    ]\n"
