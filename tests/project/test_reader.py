"""One migration file read with ``ast``: what the graph needs, however it is spelled."""

from __future__ import annotations

import pickle
import subprocess
import textwrap
from pathlib import Path

import pytest

from django_migration_lsp.project.reader import Dependency, blob_id, read_migration


def read(source: str, path: str = "shop/migrations/0002_x.py", app="shop", name="0002_x"):
    return read_migration(path, app, name, textwrap.dedent(source).lstrip("\n").encode())


def test_dependencies_run_before_replaces_and_flags_through_aliased_imports():
    info = read(
        """
        from django.db import migrations as m
        from django.conf import settings as conf


        class Migration(m.Migration):
            initial = False
            atomic = False
            replaces = [("shop", "0001_a"), ("shop", "0002_b")]
            dependencies = [
                ("shop", "0001_initial"),
                ["ledger", "__first__"],
                ("auth", "__latest__"),
                m.swappable_dependency(conf.AUTH_USER_MODEL),
                m.swappable_dependency("accounts.Person"),
            ]
            run_before = [("hounds", "0001_initial")]
            operations = []
        """
    )
    assert info.is_migration and info.class_line == 5
    assert [(d.app_label, d.name, d.swappable) for d in info.dependencies] == [
        ("shop", "0001_initial", None),
        ("ledger", "__first__", None),
        ("auth", "__latest__", None),
        ("", "__first__", "AUTH_USER_MODEL"),
        ("accounts", "__first__", None),
    ]
    assert info.run_before == (Dependency("hounds", "0001_initial", line=16),)
    assert info.replaces == (("shop", "0001_a"), ("shop", "0002_b"))
    assert (info.initial, info.atomic) == (False, False)
    assert info.problems == ()
    assert str(info) == "shop.0002_x"


def test_what_cannot_be_read_statically_is_left_out_and_said():
    info = read(
        """
        from django.db import migrations
        from myapp import settings as app_settings

        EXTRA = ("ledger", "0001_initial")


        class Migration(migrations.Migration):
            dependencies = [
                ("shop", "0001_initial"),
                EXTRA,
                migrations.swappable_dependency(app_settings.USER_MODEL),
            ]
            run_before = compute()
            initial = maybe
        """
    )
    assert [d.key for d in info.dependencies] == [("shop", "0001_initial")]
    assert info.run_before == ()
    assert info.initial is None
    assert len(info.problems) == 4
    assert "`EXTRA`" in info.problems[0]
    assert "app_settings.USER_MODEL" in info.problems[1]
    assert "`run_before` on line 13 is not a list literal" in info.problems[2]


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("def (:\n", "SyntaxError"),
        ("from django.db import migrations\n", "no `class Migration`"),
        (b"\xff\xfe\x00bad", "binary file"),
    ],
    ids=["syntax-error", "no-migration-class", "undecodable"],
)
def test_bad_files_are_not_migrations_and_say_why(source, problem):
    data = source if isinstance(source, bytes) else source.encode()
    info = read_migration("shop/migrations/0003.py", "shop", "0003", data)
    assert not info.is_migration
    assert problem in info.problems[0]


def test_models_created_or_renamed_to_a_name():
    info = read(
        """
        from django.db import migrations, models
        from django.db.migrations import CreateModel


        class Migration(migrations.Migration):
            operations = [
                migrations.CreateModel("Badge", fields=[]),
                CreateModel(name="Entry", fields=[]),
                migrations.RenameModel("Old", "Renamed"),
                migrations.RenameModel(old_name="A", new_name="B"),
                migrations.SeparateDatabaseAndState(
                    state_operations=[migrations.CreateModel(name="Shadow", fields=[])],
                ),
                migrations.AddField("badge", "x", models.IntegerField()),
            ]
        """
    )
    assert info.creates == ("Badge", "Entry", "Renamed", "B", "Shadow")
    assert info.renames


RENAMES = """
from django.db import migrations


class Migration(migrations.Migration):
    operations = [
        migrations.AlterModelOptions("order", {{"verbose_name": "{name}"}}),
        {call}
    ]
"""


@pytest.mark.parametrize(
    ("call", "renames"),
    [
        pytest.param("migrations.RenameModel('Old', 'New'),", True, id="a RenameModel"),
        pytest.param("", False, id="none"),
        pytest.param("# RenameModel('Old', 'New')", False, id="in a comment only"),
        # Python reads identifiers in NFKC: this is RenameModel, though the bytes differ.
        pytest.param("migrations.\uff32enameModel('Old', 'New'),", True, id="NFKC"),
        pytest.param("migrations.RunPython(RenameModel),", False, id="named, not called"),
    ],
)
def test_a_rename_is_found_however_it_is_written(call: str, renames: bool):
    for name in ("Order", "Bestellungsübersicht"):  # an ASCII file, and one that is not
        source = RENAMES.format(call=call, name=name)
        assert read(source).renames is renames, (call, name)


UNAPPLY = """\
from django.db import migrations


class Migration(migrations.Migration):
    operations = []

    def unapply(self, project_state, schema_editor, collect_sql=False):
"""


@pytest.mark.parametrize(
    ("body", "kind", "raises", "condition"),
    [
        ('"""No way back."""\nraise migrations.IrreversibleError("no")', "raises", None, None),
        (
            "if schema_editor.connection.vendor == 'sqlite':\n"
            "    raise RuntimeError('rows')\n"
            "return super().unapply(project_state, schema_editor, collect_sql)",
            "raises-if",
            "RuntimeError('rows')",
            "schema_editor.connection.vendor == 'sqlite'",
        ),
        (
            "for row in rows(schema_editor):\n    raise ValueError(row)",
            "raises-if",
            "ValueError(row)",
            "rows(schema_editor)",
        ),
        ("return super().unapply(project_state, schema_editor, collect_sql)", "super", None, None),
        ("return project_state", "noop", None, None),
    ],
    ids=["raises", "raises-if", "raises-per-row", "super", "noop"],
)
def test_unapply_override_says_what_it_does(body, kind, raises, condition):
    source = UNAPPLY + textwrap.indent(body, " " * 8) + "\n"
    info = read_migration("shop/migrations/0002_x.py", "shop", "0002_x", source.encode())
    assert info.unapply is not None, info.problems
    assert info.unapply.kind == kind
    assert info.unapply.line == 7
    assert info.unapply.defined_in is None
    if raises:
        assert info.unapply.raises == raises
    if condition:
        assert info.unapply.condition == condition


def test_unapply_of_a_base_class_imported_from_the_app(tmp_path: Path):
    # django-cms's shape: IrreversibleMigration in cms/migrations/__init__.py.
    package = tmp_path / "cms" / "migrations"
    package.mkdir(parents=True)
    (tmp_path / "cms" / "__init__.py").write_text("")
    (package / "__init__.py").write_text(
        "from django.db import migrations\n\n\n"
        "class IrreversibleMigration(migrations.Migration):\n"
        "    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
        "        raise migrations.IrreversibleError('Migration %s is not reversible' % self.name)\n"
    )
    path = package / "0018_x.py"
    path.write_text(
        "from django.db import migrations\n\nfrom . import IrreversibleMigration\n\n\n"
        "class Migration(IrreversibleMigration):\n    operations = []\n"
    )
    info = read_migration(str(path), "cms", "0018_x", path.read_bytes())
    assert info.unapply is not None
    assert (info.unapply.kind, info.unapply.defined_in, info.unapply.line) == (
        "raises",
        "IrreversibleMigration",
        6,
    )
    assert info.unapply.raises == (
        "migrations.IrreversibleError('Migration %s is not reversible' % self.name)"
    )


def test_blob_id_is_gits_and_infos_pickle(tmp_path: Path):
    data = b"class Migration:\n    dependencies = []\n"
    path = tmp_path / "0001.py"
    path.write_bytes(data)
    git = subprocess.run(
        ["git", "hash-object", str(path)], capture_output=True, text=True, check=True
    )
    assert blob_id(data) == git.stdout.strip()
    info = read_migration(str(path), "shop", "0001", data)
    assert pickle.loads(pickle.dumps(info)) == info
