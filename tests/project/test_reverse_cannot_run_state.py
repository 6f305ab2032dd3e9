"""DJM006's ``LookupError`` case on the project's state: the model as the code names it
today (renamed later), a model of another app that no migration creates, and one that
DJM007 handles instead."""

from __future__ import annotations

from pathlib import Path

from django_migration_lsp.checks import analyze
from django_migration_lsp.checks.registry import get_rule
from django_migration_lsp.project.environment import Environment
from django_migration_lsp.project.model import load_project
from django_migration_lsp.project.settings import Settings

from .test_project_state import HEADER, write

REVERSE = HEADER + (
    "def backwards(apps, schema_editor):\n"
    "    apps.get_model({args}).objects.all().delete()\n\n\n"
    "class Migration(migrations.Migration):\n"
    '    dependencies = [("shop", "0001_initial"), ("crm", "0001_initial")]\n'
    "    operations = [migrations.RunPython(migrations.RunPython.noop, backwards)]\n"
)
FILES = {
    "shop/migrations/0001_initial.py": HEADER + "class Migration(migrations.Migration):\n"
    "    initial = True\n"
    '    operations = [migrations.CreateModel("Order", [])]\n',
    "shop/migrations/0003_rename.py": HEADER + "class Migration(migrations.Migration):\n"
    '    dependencies = [("shop", "0002_clean")]\n'
    '    operations = [migrations.RenameModel("Order", "Purchase")]\n',
    "crm/migrations/0001_initial.py": HEADER + "class Migration(migrations.Migration):\n"
    "    initial = True\n"
    '    operations = [migrations.CreateModel("Lead", [])]\n',
    "crm/migrations/0002_later.py": HEADER + "class Migration(migrations.Migration):\n"
    '    dependencies = [("crm", "0001_initial")]\n'
    '    operations = [migrations.CreateModel("Deal", [])]\n',
}


def messages(tmp_path: Path, args: str) -> list[str]:
    write(tmp_path, {**FILES, "shop/migrations/0002_clean.py": REVERSE.replace("{args}", args)})
    project = load_project(tmp_path, environment=Environment(()), settings=Settings())
    path = str(tmp_path / "shop/migrations/0002_clean.py")
    found = analyze(Path(path).read_bytes(), path, rules=[get_rule("DJM006")], project=project)
    return [f.message.split(": ", 1)[1] for f in found.findings]


def test_a_model_renamed_later(tmp_path: Path):
    assert messages(tmp_path, '"shop", "Purchase"') == [
        "app `shop` has no model `Purchase` there (`shop.0003_rename`, which creates it, "
        "runs after this migration)"
    ]


def test_the_models_that_are_there(tmp_path: Path):
    assert messages(tmp_path, '"shop", "order"') == []
    assert messages(tmp_path, '"crm.Lead"') == []


def test_another_apps_models(tmp_path: Path):
    # No migration of crm creates it: this rule's.
    assert messages(tmp_path, '"crm", "Contact"') == [
        "no migration of `crm` creates a model `Contact`"
    ]
    # crm.0002 creates it, but this migration does not depend on it: DJM007's, not this.
    assert messages(tmp_path, '"crm", "Deal"') == []
