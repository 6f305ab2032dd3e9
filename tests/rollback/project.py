"""Throwaway Django projects on SQLite, driven the way a user drives them.

Every ``manage.py`` and ``check`` call is a subprocess with the project folder as
its working directory, so Django settings never leak between tests, and nothing
here imports Django or the project's code into the test process. The database is
read back with ``sqlite3`` only.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

MANAGE_PY = """\
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"""

SETTINGS_PY = """\
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "rollback-tests"
USE_TZ = True
INSTALLED_APPS = {apps!r}
DATABASES = {{
    "default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}},
}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
{extra}
"""

#: ``<function forwards at 0x7f...>`` differs on every run.
ADDRESS = re.compile(r" at 0x[0-9a-f]+")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "rollback.md"


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def last_line(text: str) -> str:
    """The exception line Django prints last, with memory addresses removed."""
    lines = [line for line in text.splitlines() if line.strip()]
    return ADDRESS.sub("", lines[-1]) if lines else ""


class Project:
    """A Django project in ``root``: ``manage.py``, ``settings.py`` and the apps' files."""

    def __init__(
        self,
        root: Path,
        apps: list[str],
        files: dict[str, str],
        *,
        settings: str = "",
        pythonpath: list[Path] = (),  # type: ignore[assignment]
    ) -> None:
        self.root = root
        self.pythonpath = [str(p) for p in pythonpath]
        self.write(
            {
                "manage.py": MANAGE_PY,
                "settings.py": SETTINGS_PY.format(apps=apps, extra=dedent(settings)),
                **files,
            }
        )

    # -- files -------------------------------------------------------------

    def write(self, files: dict[str, str], *, exact: bool = False) -> None:
        """Write ``{relative path: text}``, dedented unless ``exact`` (then byte for byte:
        CRLF and tabs kept); every folder becomes a package."""
        for rel, text in files.items():
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            folder = path.parent
            while folder != self.root:
                (folder / "__init__.py").touch()
                folder = folder.parent
            path.write_bytes((text if exact else dedent(text)).encode("utf-8"))

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    # -- subprocesses ------------------------------------------------------

    def _env(self) -> dict[str, str]:
        drop = ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")
        env = {k: v for k, v in os.environ.items() if k not in drop}
        if self.pythonpath:
            env["PYTHONPATH"] = os.pathsep.join(self.pythonpath)
        # A migration rewritten within the same second must not run from a stale .pyc.
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        return env

    def run(self, *argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, *argv],
            cwd=self.root,
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=120,
        )

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return self.run("manage.py", *args)

    def migrate(self, *args: str) -> subprocess.CompletedProcess:
        return self.manage("migrate", "--no-input", *args)

    def check(self, *args: str) -> subprocess.CompletedProcess:
        """Our CLI, exactly as a user types it in the project folder."""
        proc = self.run("-m", "django_migration_lsp", "check", *args)
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc

    # -- the database, read with sqlite3 only ------------------------------

    def fresh_database(self) -> None:
        (self.root / "db.sqlite3").unlink(missing_ok=True)

    def query(self, sql: str, *params: object) -> list[tuple]:
        con = sqlite3.connect(self.root / "db.sqlite3")
        try:
            rows = con.execute(sql, params).fetchall()
            con.commit()
            return rows
        finally:
            con.close()

    def applied(self, app: str) -> list[str]:
        """The migrations of ``app`` that Django records as applied, in name order."""
        try:
            rows = self.query("SELECT name FROM django_migrations WHERE app = ? ORDER BY name", app)
        except sqlite3.OperationalError:  # no migrations ever ran
            return []
        return [name for (name,) in rows]

    def tables(self) -> set[str]:
        rows = self.query("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}


def ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    """Assert that a ``manage.py`` command succeeded; show its output if not."""
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def documented(*outputs: str) -> None:
    """Assert that docs/rollback.md shows these real outputs verbatim (addresses aside)."""
    docs = ADDRESS.sub("", DOCS.read_text(encoding="utf-8"))
    for output in outputs:
        assert ADDRESS.sub("", output.strip("\n")) in docs, f"docs/rollback.md lacks:\n{output}"


def fails(proc: subprocess.CompletedProcess, error: str) -> str:
    """Assert that a command failed with ``error`` as its final line; return that line."""
    assert proc.returncode != 0, f"expected {error}, but it succeeded:\n{proc.stdout}"
    line = last_line(proc.stderr)
    assert error in line, proc.stderr
    return line
