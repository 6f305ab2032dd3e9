"""The install steps of docs/editors/neovim.md, run as written on a fresh HOME.

Each block follows a ``<!-- install-...: -->`` marker. The only change made to it: the clone URL
becomes this repository, through a symlink named like the real one (a local ``git clone``, so the
committed HEAD is what gets installed; the network has no GitHub here). PATH holds neither this
test's venv nor any ``django-migration-lsp``, so the command the block prints comes from what the
block installed. Needs PyPI (pip).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "editors" / "neovim.md"
CLONE_URL = "https://github.com/django-migration-lsp/django-migration-lsp.git"


def block(marker: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker}:[^>]*-->\n```sh\n(.*?)```", text, re.S)
    assert match, f"{DOC.name} has no ```sh block after <!-- {marker}: -->"
    return match.group(1)


def run_block(script: str, cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, f"{script}\nexit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_neovim_install_from_a_clone_and_from_a_wheel(tmp_path: Path):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    venv_bin = str(Path(sys.executable).parent)
    path = [p for p in os.environ["PATH"].split(os.pathsep) if p and p != venv_bin]
    path = [p for p in path if not (Path(p) / "django-migration-lsp").exists()]
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env.update(HOME=str(home), PATH=os.pathsep.join([str(home / ".local" / "bin"), *path]))

    clone = block("install-from-clone")
    assert CLONE_URL in clone
    origin = tmp_path / "origin" / "django-migration-lsp"
    origin.parent.mkdir()
    origin.symlink_to(ROOT)
    out = run_block(clone.replace(CLONE_URL, str(origin)), work, env)
    assert out.strip().splitlines()[-1].startswith("django-migration-lsp "), out
    command = home / ".local" / "bin" / "django-migration-lsp"
    assert command.is_symlink() and command.resolve().is_relative_to(home / ".local" / "share")

    # The wheel, into another virtualenv (the block's `pip` is that venv's: it is first on PATH).
    target = tmp_path / "project-venv"
    subprocess.run([sys.executable, "-m", "venv", target], check=True, timeout=120)
    env["PATH"] = os.pathsep.join([str(target / "bin"), env["PATH"]])
    run_block(block("install-wheel"), work, env)
    version = subprocess.run(
        [target / "bin" / "django-migration-lsp", "--version"], capture_output=True, text=True
    )
    assert version.returncode == 0 and version.stdout.startswith("django-migration-lsp "), version
