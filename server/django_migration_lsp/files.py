"""Reading and writing user files safely."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from .checks.source import encode_source


def write_atomic(path: Path, text: str, encoding: str) -> None:
    """Replace ``path``'s contents with ``text`` without ever leaving half a file.

    Writes a temporary file beside the target (same file system), copies the
    permission bits, fsyncs, then renames over the original. A symbolic link is
    followed, so the link stays a link. The encoding (and a UTF-8 BOM) and the
    newline style are kept, since edits are made on the original text.
    """
    target = path.resolve()
    data = encode_source(text, encoding)
    mode = stat.S_IMODE(target.stat().st_mode)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
