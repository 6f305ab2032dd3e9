"""Settings read statically: literal values and the usual compositions, never imported."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from django_migration_lsp.project.settings import find_settings_modules, read_module, read_settings
from tests.fifo import without_waiting_on


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def test_settings_modules_are_found_by_name_and_never_in_skipped_folders(tmp_path: Path):
    write(
        tmp_path,
        {
            "manage.py": "",
            "proj/settings/__init__.py": "",
            "proj/settings/base.py": "",
            "proj/settings_local.py": "",
            "src/site/conf/settings.py": "",
            ".venv/lib/django/conf/global_settings.py": "",
            "node_modules/x/settings.py": "",
            "shop/migrations/settings.py": "",
            "proj/urls.py": "",
        },
    )
    found = [p.relative_to(tmp_path).as_posix() for p in find_settings_modules(tmp_path)]
    assert found == [
        "proj/settings_local.py",
        "proj/settings/__init__.py",
        "proj/settings/base.py",
        "src/site/conf/settings.py",
    ]


def test_migration_modules_user_model_and_installed_apps(tmp_path: Path):
    write(
        tmp_path,
        {
            "proj/settings/base.py": """
                import os
                DJANGO_APPS = ["django.contrib.auth", "django.contrib.contenttypes"]
                THIRD_PARTY = ("constance",)
                INSTALLED_APPS = DJANGO_APPS + list(THIRD_PARTY) + ["dojo", "shop.apps.ShopConfig"]
                INSTALLED_APPS += ["reports"]
                MIGRATION_MODULES = {"dojo": "dojo.db_migrations"}
                MIGRATION_MODULES["legacy"] = None
                MIGRATION_MODULES.update({"reports": "reports.schema"})
                AUTH_USER_MODEL = "accounts.User"
                SECRET_KEY = os.environ["SECRET"]
            """,
            "proj/settings/dev.py": """
                from .base import *
                if DEBUG:
                    INSTALLED_APPS.append("debug_toolbar")
            """,
        },
    )
    settings = read_settings(tmp_path)
    assert settings.migration_modules == {
        "dojo": "dojo.db_migrations",
        "legacy": None,
        "reports": "reports.schema",
    }
    assert settings.auth_user_model == "accounts.User"
    # list(THIRD_PARTY) is a call: unknown, and the known parts are kept.
    assert settings.installed_apps == (
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "dojo",
        "shop.apps.ShopConfig",
        "reports",
    )
    assert [p.name for p in settings.sources] == ["base.py"]


def test_defaults_when_nothing_is_set_and_broken_files_are_skipped(tmp_path: Path):
    write(
        tmp_path, {"settings.py": "AUTH_USER_MODEL = get_model_name()\n", "x/settings.py": "def ("}
    )
    settings = read_settings(tmp_path)
    assert settings.auth_user_model is None
    assert settings.user_model == "auth.User"
    assert settings.migration_modules == {}


def test_disagreeing_user_models_are_reported_not_guessed(tmp_path: Path):
    write(
        tmp_path,
        {
            "a/settings.py": 'AUTH_USER_MODEL = "accounts.User"\n',
            "b/settings.py": 'AUTH_USER_MODEL = "people.Person"\n',
        },
    )
    settings = read_settings(tmp_path)
    assert settings.auth_user_model is None
    assert "accounts.User" in settings.conflicts[0] and "people.Person" in settings.conflicts[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_like_a_settings_module_is_not_waited_on(tmp_path: Path):
    """Not found as a settings module, and not opened when named (a path found before it
    became a FIFO): opening it for reading would wait for a writer."""
    write(tmp_path, {"conf/settings.py": 'AUTH_USER_MODEL = "accounts.User"\n'})
    fifo = tmp_path / "settings.py"
    os.mkfifo(fifo)
    settings, module = without_waiting_on(
        fifo, lambda: (read_settings(tmp_path), read_module(fifo))
    )
    assert settings.user_model == "accounts.User"
    assert module is None
