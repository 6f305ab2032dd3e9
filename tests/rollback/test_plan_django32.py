"""The graph and the plan with Django 3.2's migration machinery, the oldest the users run.

Django 3.2.25 is installed once with ``pip install --target`` into ``.cache/`` and put
first on ``PYTHONPATH``, for ``manage.py`` (the oracle) and for our CLI alike: the plan
is then ordered by Django 3.2's ``MigrationGraph``, and must equal 3.2's
``migrate --plan``. Django 3.2 cannot migrate to a replaced migration (``KeyError``;
4.0 added the fallback to the graph without squashes): ``plan`` says so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .plan_apps import APPS, FILES, SETTINGS
from .project import Project, last_line, ok

DJANGO = "django==3.2.25"
CACHE = Path(__file__).resolve().parents[2] / ".cache" / "rollback" / DJANGO.replace("==", "-")


@pytest.fixture(scope="session")
def django32() -> Path:
    if not (CACHE / "django" / "__init__.py").is_file():
        partial = CACHE.with_name(f"{CACHE.name}.{os.getpid()}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-compile",
                "--disable-pip-version-check",
                "--target",
                str(partial),
                DJANGO,  # with its dependencies: asgiref, pytz, sqlparse
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if proc.returncode != 0 or not (partial / "django").is_dir():
            shutil.rmtree(partial, ignore_errors=True)
            pytest.skip(f"could not install {DJANGO}: {last_line(proc.stderr)}")
        try:
            partial.rename(CACHE)
        except OSError:
            shutil.rmtree(partial, ignore_errors=True)
    return CACHE


@pytest.fixture(scope="module")
def site(tmp_path_factory, django32: Path) -> Project:
    project = Project(
        tmp_path_factory.mktemp("dj32") / "site",
        APPS,
        FILES,
        settings=SETTINGS,
        pythonpath=[django32],
    )
    ok(project.migrate())
    return project


def test_both_sides_run_django_32(site: Project):
    probe = "import django, django_migration_lsp.project.loader; print(django.get_version())"
    assert ok(site.run("-c", probe)).stdout.strip() == "3.2.25"
    assert ok(site.manage("--version")).stdout.strip() == "3.2.25"


@pytest.mark.parametrize(
    "target",
    [
        ("shop", "0003"),
        ("shop", "0001_squashed"),
        ("shop", "zero"),
        ("ledger", "0001"),
        ("ledger", "zero"),
        ("accounts", "zero"),
        ("hounds", "0001"),
        ("auth", "zero"),
    ],
    ids="-".join,
)
def test_order_is_django_32s(site: Project, target):
    out = ok(site.migrate(*target, "--plan")).stdout.splitlines()
    django = [line for line in out[1:] if line and not line.startswith(" ")]
    proc = site.run("-m", "django_migration_lsp", "plan", *target, "--format", "json")
    assert "Traceback" not in proc.stderr, proc.stderr
    assert [s["migration"] for s in json.loads(proc.stdout)["steps"]] == django


def test_a_replaced_target_is_an_error_as_in_django_32(site: Project):
    django = site.migrate("shop", "0002", "--plan")
    assert last_line(django.stderr) == "KeyError: ('shop', '0002_order_note')"
    proc = site.run("-m", "django_migration_lsp", "plan", "shop", "0002")
    assert proc.returncode == 2
    assert proc.stderr == (
        "django-migration-lsp plan: error: Django 3.2.25 cannot migrate to a replaced "
        "migration: `migrate` raises KeyError: ('shop', '0002_order_note'). Target the squash "
        "(shop.0001_squashed_0002_order_note) or a migration after it, or upgrade to Django "
        "4.0+.\n"
    )
