"""Reading and writing user files safely: the one reader of the CLI and the language server.

* :func:`read_source` reads only regular files (a FIFO, a device, or a symbolic link to
  ``/dev/zero`` named like a migration is skipped, never read) and at most
  ``max-file-size`` bytes; it never blocks, even on a FIFO swapped in after the check.
* :func:`write_atomic` replaces a file without ever leaving half of it, and names its
  temporary file so that a run killed half-way leaves something obvious that a later
  run recognises and removes.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import time
from pathlib import Path

from .checks.source import encode_source

#: ``max-file-size`` by default: far above the largest real migration (a 6,000-line
#: initial migration is about 400 kB), far below what would exhaust memory.
DEFAULT_MAX_FILE_SIZE = 4 * 1024 * 1024

#: In the name of :func:`write_atomic`'s temporary file:
#: ``.0002_x.py.django-migration-lsp-<pid>-<random>.tmp``.
TEMP_TAG = "django-migration-lsp"
_TEMP = re.compile(rf"^\..+\.{TEMP_TAG}-(?P<pid>\d+)-[A-Za-z0-9_]+\.tmp$")

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class SkippedFile(Exception):
    """A file deliberately not read; ``str()`` is the reason, fit for a user."""


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _check(st: os.stat_result, max_size: int) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise SkippedFile(f"not a regular file ({_kind(st.st_mode)}): not read")
    if st.st_size > max_size:
        raise SkippedFile(_too_large(st.st_size, max_size))


def _too_large(size: int | str, max_size: int) -> str:
    size = f"{size:,} bytes" if isinstance(size, int) else size
    return f"file is larger than max-file-size ({size} > {max_size:,} bytes): not read"


def read_source(path: Path | str, max_size: int = DEFAULT_MAX_FILE_SIZE) -> bytes:
    """The bytes of a regular file of at most ``max_size`` bytes.

    Symbolic links are followed, and what they point to must be a regular file. Raises
    :class:`SkippedFile` for anything else or anything larger (the reason as its message),
    :class:`OSError` when the file cannot be read (permission denied, gone).
    """
    _check(os.stat(path), max_size)  # follows symbolic links
    # O_NONBLOCK: a FIFO put in its place since the stat cannot make open() wait for a
    # writer; fstat then tells what was opened. O_NOCTTY: a terminal never becomes ours.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        _check(os.fstat(fd), max_size)
        chunks, size = [], 0
        while True:
            try:
                chunk = os.read(fd, min(1 << 20, max_size + 1 - size))
            except BlockingIOError:  # pragma: no cover - a regular file never blocks
                raise SkippedFile("reading would block: not read") from None
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > max_size:  # it grew while being read
                raise SkippedFile(_too_large(f"more than {max_size:,} bytes", max_size))
        return b"".join(chunks)
    finally:
        os.close(fd)


def write_atomic(path: Path, text: str, encoding: str) -> None:
    """Replace ``path``'s contents with ``text`` without ever leaving half a file.

    Writes a temporary file beside the target (same file system), copies the
    permission bits, fsyncs, then renames over the original. A symbolic link is
    followed, so the link stays a link. The encoding (and a UTF-8 BOM), the newline
    style, the mode and (where allowed) the owner are kept. A file we may not write is
    refused with :class:`PermissionError`, although the rename could replace it.

    The temporary file is ``.<name>.django-migration-lsp-<pid>-<random>.tmp``: if the
    process is killed before the rename, the name says whose it is, and the next write
    into that folder removes it (:func:`remove_stale_temporaries`).
    """
    target = path.resolve()
    data = encode_source(text, encoding)
    st = target.stat()
    mode = stat.S_IMODE(st.st_mode)
    if not os.access(target, os.W_OK):
        # The rename would replace a file that we may not write: say no, as an editor does.
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(target))
    remove_stale_temporaries(target.parent)
    import tempfile  # only when writing: not at start-up

    fd, tmp = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.{TEMP_TAG}-{os.getpid()}-", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if hasattr(os, "chown") and (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
            try:  # root fixing someone's file: it stays theirs
                os.chown(tmp, st.st_uid, st.st_gid)
            except OSError:
                pass
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


#: On Windows (no signal 0 to probe a process), a temporary file older than this is stale.
STALE_AFTER = 3600.0


def _alive(pid: int, path: Path) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C_EVENT there
        try:
            return time.time() - os.stat(path).st_mtime < STALE_AFTER
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError as exc:  # EPERM: alive, someone else's
        return exc.errno != errno.ESRCH
    return True


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the temporary files that a killed :func:`write_atomic` left in ``folder``.

    Only files named as :func:`write_atomic` names them, whose process is gone, are
    removed; a write in progress in another process is left alone. Returns what was removed.
    """
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        m = _TEMP.match(name)
        candidate = Path(folder, name)
        if m is None or _alive(int(m.group("pid")), candidate):
            continue
        try:
            if stat.S_ISREG(os.lstat(candidate).st_mode):
                os.unlink(candidate)
                removed.append(candidate)
        except OSError:
            pass
    return removed
