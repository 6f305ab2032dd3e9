"""A raw JSON-RPC client for the server over stdio: bytes in, messages out.

For the tests whose point is what no client library sends (absurd frames, invalid params,
a closed stdin) or that need the server's process (its RSS). The server runs as editors
run it; its stdout is parsed into messages on a thread, its stderr kept.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from .harness import SERVER, TIMEOUT


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


class RawServer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.process = subprocess.Popen(
            SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.stderr = b""
        self._next_id = 0
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    # -- the pipes ---------------------------------------------------------------------

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        out = self.process.stdout
        while True:
            length = None
            while (line := out.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if not line or length is None:
                return
            self.messages.put(json.loads(out.read(length)))

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in iter(self.process.stderr.readline, b""):
            self.stderr += line

    def write(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.write(frame(message))

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: Any) -> int:
        self._next_id += 1
        self.send({"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params})
        return self._next_id

    def close_stdin(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()

    # -- what comes back ----------------------------------------------------------------

    def wait_for(self, predicate: Any, what: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The first message (since the start, in order) for which ``predicate`` holds."""
        for message in self.seen:
            if predicate(message):
                return message
        deadline = time.monotonic() + timeout
        while True:
            try:
                message = self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"timed out waiting for {what}") from None
            self.seen.append(message)
            if predicate(message):
                return message

    def response(self, msg_id: int, timeout: float = TIMEOUT) -> dict[str, Any]:
        return self.wait_for(
            lambda m: m.get("id") == msg_id and "method" not in m,
            f"the response to request {msg_id}",
            timeout,
        )

    def call(self, method: str, params: Any, timeout: float = TIMEOUT) -> dict[str, Any]:
        return self.response(self.request(method, params), timeout)

    def published(self, uri: str, version: int | None) -> dict[str, Any]:
        return self.wait_for(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == uri
                and m["params"].get("version") == version
            ),
            f"diagnostics of {uri} v{version}",
        )

    def log_messages(self, kind: int | None = None) -> list[str]:
        """The ``window/logMessage`` texts received so far (of one type if given)."""
        while True:
            try:
                self.seen.append(self.messages.get_nowait())
            except queue.Empty:
                break
        return [
            m["params"]["message"]
            for m in self.seen
            if m.get("method") == "window/logMessage"
            and (kind is None or m["params"]["type"] == kind)
        ]

    def rss_kib(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        (line,) = [line for line in status.splitlines() if line.startswith("VmRSS:")]
        return int(line.split()[1])

    # -- the session ----------------------------------------------------------------------

    def initialize(self, settings: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.call(
            "initialize",
            {
                "processId": None,
                "rootUri": self.root.as_uri(),
                "capabilities": {"textDocument": {"publishDiagnostics": {}}},
                "initializationOptions": {"workspaceDiagnostics": False, **(settings or {})},
            },
        )
        self.notify("initialized", {})
        return response

    def open(self, uri: str, text: str, version: int = 1) -> None:
        item = {"uri": uri, "languageId": "python", "version": version, "text": text}
        self.notify("textDocument/didOpen", {"textDocument": item})

    def change(self, uri: str, version: int, changes: list[dict[str, Any]]) -> None:
        self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": changes},
        )

    def stop(self) -> int | None:
        """Shut down and exit if still running; kill it after a grace period."""
        if self.process.poll() is None:
            try:
                self.call("shutdown", None, timeout=5)
                self.notify("exit", None)
                self.process.wait(5)
            except (AssertionError, OSError, ValueError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        return self.process.returncode
