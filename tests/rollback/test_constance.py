"""A real third-party app: django-constance 4.x, whose ``0003_drop_pickle`` has no reverse
and whose ``0002_migrate_from_old_table`` drops the old table behind a no-op reverse.

The package is installed once with ``pip install --target`` into ``.cache/`` (git-ignored)
and put on the throwaway project's ``PYTHONPATH``. The installed copy is never modified:
the "after" test copies the package into the project and fixes the copy.
"""

from __future__ import annotations

import base64
import hashlib
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from .project import Project, documented, fails, last_line, ok

#: Pinned so that the file and line we assert on stay put; any 4.x has the same 0003.
CONSTANCE = "django-constance==4.4.0"
CACHE = Path(__file__).resolve().parents[2] / ".cache" / "rollback" / CONSTANCE.replace("==", "-")
DROP_PICKLE = "constance/migrations/0003_drop_pickle.py"
OLD_TABLE = "constance/migrations/0002_migrate_from_old_table.py"
#: What django-constance's database backend stored before 4.0 (its own app's table).
OLD_TABLE_SQL = (
    "CREATE TABLE constance_config "
    "(id integer PRIMARY KEY AUTOINCREMENT, key varchar(255) UNIQUE, value text)"
)

SETTINGS = """
    CONSTANCE_BACKEND = "constance.backends.database.DatabaseBackend"
    CONSTANCE_CONFIG = {"GREETING": ("hello", "Shown on the home page")}
"""
#: What django-constance 3.x stored: a base64-encoded pickle.
PICKLED = base64.b64encode(pickle.dumps("hello from 3.x")).decode()
JSON = '{"__type__": "default", "__value__": "hello from 3.x"}'
VALUE = "SELECT value FROM constance_constance WHERE key = 'GREETING'"


@pytest.fixture(scope="session")
def constance_site() -> Path:
    """A folder holding the installed ``constance`` package (downloaded on first use)."""
    if not (CACHE / DROP_PICKLE).is_file():
        partial = CACHE.with_name(f"{CACHE.name}.{os.getpid()}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--no-compile",
                "--disable-pip-version-check",
                "--target",
                str(partial),
                CONSTANCE,
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if proc.returncode != 0:
            shutil.rmtree(partial, ignore_errors=True)
            pytest.skip(f"could not install {CONSTANCE}: {last_line(proc.stderr)}")
        try:
            partial.rename(CACHE)
        except OSError:  # another run got there first
            shutil.rmtree(partial, ignore_errors=True)
    return CACHE


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        h.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return h.hexdigest()


def upgrade_from_3x(project: Project) -> None:
    """A value saved by constance 3.x (pickled), then the upgrade to 4.x (JSON)."""
    ok(project.migrate("constance", "0002"))
    project.query("INSERT INTO constance_constance (key, value) VALUES ('GREETING', ?)", PICKLED)
    forwards = ok(project.migrate())
    assert "Applying constance.0003_drop_pickle... OK" in forwards.stdout
    assert project.query(VALUE) == [(JSON,)]


def test_constance_0003_cannot_be_rolled_back(make_project, constance_site):
    installed = digest(constance_site / "constance")
    project = make_project(["constance"], {}, settings=SETTINGS, pythonpath=[constance_site])
    upgrade_from_3x(project)

    rollback = project.migrate("constance", "0002")
    error = fails(rollback, "IrreversibleError")
    assert error == (
        "django.db.migrations.exceptions.IrreversibleError: Operation "
        "<RunPython <function migrate_pickled_data>> in constance.0003_drop_pickle "
        "is not reversible"
    )
    assert project.applied("constance")[-1] == "0003_drop_pickle"

    # Our check reads the installed package (without changing it) and flags exactly that,
    # after the lossy reverse of 0002 (see the test below).
    found = project.check(str(constance_site / "constance"))
    assert found.returncode == 1
    lines = found.stdout.splitlines()
    assert lines[0].startswith(f"{constance_site / OLD_TABLE}:40:68: DJM004 ")
    assert lines[1:3] == [
        f"{constance_site / DROP_PICKLE}:68:9: DJM001 `migrations.RunPython` has no reverse; "
        "unapplying this migration raises `IrreversibleError`",
        "Found 2 problems.",
    ]
    assert digest(constance_site / "constance") == installed
    documented(rollback.stdout, error)


def test_constance_fixed_copy_rolls_back_but_keeps_json(make_project, constance_site):
    installed = digest(constance_site / "constance")
    project = make_project(["constance"], {}, settings=SETTINGS)
    # The project folder comes first on manage.py's sys.path: this copy is the app.
    shutil.copytree(
        constance_site / "constance",
        project.root / "constance",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    old_table = project.read(OLD_TABLE)
    fixed = project.check("constance", "--fix", "--unsafe-fixes")
    # 0003's forward only rewrites values: the no-op is applied. 0002's lossy reverse has
    # no automatic fix and stays reported.
    assert fixed.returncode == 1, fixed.stdout
    assert fixed.stdout.splitlines()[-1] == "Found 2 problems (1 fixed, 1 remaining)."
    assert f"{OLD_TABLE}:40:68: DJM004 " in fixed.stdout
    assert project.read(OLD_TABLE) == old_table
    assert "migrations.RunPython(migrate_pickled_data, migrations.RunPython.noop)," in (
        project.read(DROP_PICKLE)
    )

    upgrade_from_3x(project)
    back = ok(project.migrate("constance", "0002"))
    assert "Unapplying constance.0003_drop_pickle... OK" in back.stdout
    assert project.applied("constance") == ["0001_initial", "0002_migrate_from_old_table"]
    # What the fix does not do: the data conversion is one-way. The rollback runs, and the
    # value stays in 4.x's JSON format: nothing turns it back into the pickle 3.x wrote.
    assert project.query(VALUE) == [(JSON,)]

    ok(project.migrate())  # forwards again: 0003 skips values that are already JSON
    assert project.query(VALUE) == [(JSON,)]
    again = project.check("constance", "--select", "DJM001")
    assert (again.returncode, again.stdout.strip()) == (0, "All checks passed!")
    assert digest(constance_site / "constance") == installed


def test_constance_0002_rollback_succeeds_and_the_old_table_is_gone(make_project, constance_site):
    """The seed incident: the rollback "succeeds"; the previous release's table is gone."""
    project = make_project(["constance"], {}, settings=SETTINGS, pythonpath=[constance_site])
    ok(project.migrate("constance", "0001"))
    # The database of a site that ran constance 3.x: its settings in the old table.
    project.query(OLD_TABLE_SQL)
    project.query("INSERT INTO constance_config (key, value) VALUES ('GREETING', ?)", PICKLED)
    forwards = ok(project.migrate("constance", "0002"))
    assert "Applying constance.0002_migrate_from_old_table... OK" in forwards.stdout
    assert "constance_config" not in project.tables()
    assert project.query(VALUE) == [(PICKLED,)]  # copied into the new table

    back = ok(project.migrate("constance", "0001"))
    assert "Unapplying constance.0002_migrate_from_old_table... OK" in back.stdout
    assert project.applied("constance") == ["0001_initial"]
    # What the previous release reads is not there: every request of it fails.
    assert "constance_config" not in project.tables()
    with pytest.raises(sqlite3.OperationalError, match="no such table: constance_config"):
        project.query("SELECT value FROM constance_config WHERE key = 'GREETING'")

    found = project.check(str(constance_site / OLD_TABLE))
    assert found.returncode == 1
    assert found.stdout.splitlines() == [
        f"{constance_site / OLD_TABLE}:40:68: DJM004 The reverse `lambda x, y: None` does "
        "nothing, but the forward runs `DROP TABLE constance_config` (line 25): the rollback "
        "succeeds and table `constance_config` and its rows stay gone",
        "Found 1 problem.",
    ]
