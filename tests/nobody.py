"""Running this interpreter as the unprivileged user ``nobody``: root ignores permission
bits, so the tests of unreadable files and folders run their subject as ``nobody``."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parent.parent / "server"


def nobody_ids() -> tuple[int, int]:
    """``nobody``'s uid and gid; the test is skipped where there is no such user."""
    try:
        user = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user `nobody` to run the tool unprivileged")
    return user.pw_uid, user.pw_gid


def as_nobody() -> tuple[list[str], dict[str, str]] | None:
    """The command prefix that runs this interpreter as ``nobody``, if it can be run so
    (its files may sit in a folder ``nobody`` cannot enter), and its environment."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    uid, gid = nobody_ids()
    prefix = [setpriv, f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--"]
    site = next(p for p in sys.path if p.endswith("site-packages"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SERVER), site]), "HOME": "/tmp"}
    probe = subprocess.run(
        [
            *prefix,
            sys.executable,
            "-c",
            "import os, libcst, django_migration_lsp; print(os.getuid())",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    if probe.returncode != 0 or probe.stdout.strip() != str(uid):
        return None
    return prefix, env
