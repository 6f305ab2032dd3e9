"""A real third-party app: django-constance 4.x, whose ``0003_drop_pickle`` has no reverse.

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
import subprocess
import sys
from pathlib import Path

import pytest

from .project import Project, documented, fails, last_line, ok

#: Pinned so that the file and line we assert on stay put; any 4.x has the same 0003.
CONSTANCE = "django-constance==4.4.0"
CACHE = Path(__file__).resolve().parents[2] / ".cache" / "rollback" / CONSTANCE.replace("==", "-")
DROP_PICKLE = "constance/migrations/0003_drop_pickle.py"

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

    # Our check reads the installed package (without changing it) and flags exactly that.
    found = project.check(str(constance_site / "constance"))
    assert found.returncode == 1
    assert found.stdout.splitlines()[:2] == [
        f"{constance_site / DROP_PICKLE}:68:9: DJM001 `migrations.RunPython` has no reverse; "
        "unapplying this migration raises `IrreversibleError`",
        "Found 1 problem.",
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
    fixed = project.check("constance", "--fix", "--unsafe-fixes")
    assert fixed.returncode == 0, fixed.stdout
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
    assert project.check("constance").returncode == 0
    assert digest(constance_site / "constance") == installed
