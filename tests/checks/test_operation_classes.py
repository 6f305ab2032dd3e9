"""RunPython/RunSQL subclasses of the project's own, read statically across modules.

Each case writes a small project (a helper module and a migration) and checks what
DJM001/DJM002 report; the realistic fixtures are in tests/fixtures/project/catalog.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from django_migration_lsp.checks import analyze, fixes_for

HELPERS = "shop/migrations/_helpers.py"
MIGRATION = "shop/migrations/0002_data.py"


def check(tmp_path: Path, files: dict[str, str]) -> list[tuple[str | None, int]]:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    path = tmp_path / MIGRATION
    analysis = analyze(path.read_bytes(), str(path))
    return [(f.code, f.range.start.line) for f in analysis.findings]


def migration(operations: str, imports: str = "") -> str:
    return (
        "from django.db import migrations\n"
        + imports
        + "\n\ndef forwards(apps, schema_editor):\n    pass\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    operations = [\n        {operations},\n    ]\n"
    )


# The operation is on line 11 of ``migration(...)`` when there is one import line.
OPERATION_LINE = 11

CASES = {
    "class attribute of an instance": (
        """
        from django.db import migrations

        class RunPython(migrations.RunPython):
            pass

        class _Ops:
            RunPython = RunPython

        ops = _Ops()
        """,
        migration("ops.RunPython(forwards)", "from ._helpers import ops\n"),
        [("DJM001", OPERATION_LINE)],
    ),
    "inherited class attribute and module alias": (
        """
        from django.db.migrations.operations.special import RunSQL as _RunSQL

        class Base:
            RunSQL = _RunSQL

        class Ops(Base):
            pass

        class QuietRunSQL(_RunSQL):
            pass

        RunSQLAlias = QuietRunSQL
        ops = Ops()
        """,
        migration(
            "ops.RunSQL('SELECT 1')", "from ._helpers import ops  # Django's own, by attribute\n"
        ),
        [("DJM002", OPERATION_LINE)],
    ),
    "module alias of a subclass": (
        """
        from django.db import migrations

        class QuietRunSQL(migrations.RunSQL):
            pass

        RunSQLAlias = QuietRunSQL
        """,
        migration("RunSQLAlias('SELECT 1')", "from ._helpers import RunSQLAlias\n"),
        [("DJM002", OPERATION_LINE)],
    ),
    "submodule through its package": (
        """
        from django.db import migrations

        class RunPythonLogged(migrations.RunPython):
            pass
        """,
        migration("h._helpers.RunPythonLogged(forwards)", "import shop.migrations as h\n"),
        [("DJM001", OPERATION_LINE)],
    ),
    "two levels, two modules": (
        """
        from common.ops import BaseRunPython

        class RunPython(BaseRunPython):
            def __init__(self, code, reverse_code=None, **kwargs):
                super().__init__(code, reverse_code, **kwargs)
        """,
        migration("RunPython(forwards)", "from ._helpers import RunPython\n"),
        [("DJM001", OPERATION_LINE)],
    ),
    "*args and **kwargs passed through": (
        """
        from django.db import migrations

        class RunPython(migrations.RunPython):
            def __init__(self, code, *args, **kwargs):
                super().__init__(code, *args, **kwargs)
        """,
        migration("RunPython(forwards, forwards)", "from ._helpers import RunPython\n"),
        [],
    ),
    "reverse by keyword through **kwargs only": (
        """
        from django.db import migrations

        class RunPython(migrations.RunPython):
            def __init__(self, code, **kwargs):
                super().__init__(code, **kwargs)
        """,
        migration("RunPython(forwards)", "from ._helpers import RunPython\n"),
        [("DJM001", OPERATION_LINE)],
    ),
    "reverse given by the class": (
        """
        from django.db import migrations

        class RunPython(migrations.RunPython):
            def __init__(self, code, reverse_code=migrations.RunPython.noop, **kwargs):
                super().__init__(code, reverse_code, **kwargs)
        """,
        migration("RunPython(forwards)", "from ._helpers import RunPython\n"),
        [],
    ),
    "reverse set into **kwargs": (
        """
        from django.db import migrations

        class RunPython(migrations.RunPython):
            def __init__(self, code, **kwargs):
                kwargs["reverse_code"] = migrations.RunPython.noop
                super().__init__(code, **kwargs)
        """,
        migration("RunPython(forwards)", "from ._helpers import RunPython\n"),
        [],
    ),
    "reversible decided by the class": (
        """
        from django.db import migrations

        class RunPython(migrations.RunPython):
            @property
            def reversible(self):
                return True
        """,
        migration("RunPython(forwards)", "from ._helpers import RunPython\n"),
        [],
    ),
    "a mixin we cannot read": (
        """
        from django.db import migrations
        from somewhere_else import LoggingMixin

        class RunPython(LoggingMixin, migrations.RunPython):
            pass
        """,
        migration("RunPython(forwards)", "from ._helpers import RunPython\n"),
        [],
    ),
    "a mixin of ours with its own __init__": (
        """
        from django.db import migrations

        class Mixin:
            def __init__(self, *args, **kwargs):
                kwargs.setdefault("reverse_code", migrations.RunPython.noop)
                super().__init__(*args, **kwargs)

        class RunPython(Mixin, migrations.RunPython):
            pass
        """,
        migration("RunPython(forwards)", "from ._helpers import RunPython\n"),
        [],
    ),
    "no super().__init__ call": (
        """
        from django.db import migrations

        class RunPython(migrations.RunPython):
            def __init__(self, code):
                self.code = code
        """,
        migration("RunPython(forwards)", "from ._helpers import RunPython\n"),
        [],
    ),
    "not an operation": (
        """
        class RunPythonLater:
            def __init__(self, code):
                self.code = code
        """,
        migration("RunPythonLater(forwards)", "from ._helpers import RunPythonLater\n"),
        [],
    ),
    # A name that says nothing, imported from the migrations package (relative import):
    # the file has neither word, so this is also the byte prefilter's case.
    "a name of its own from the migrations package": (
        """
        from django.db import migrations

        class DataMigration(migrations.RunPython):
            pass
        """,
        migration("DataMigration(forwards)", "from ._helpers import DataMigration\n"),
        [("DJM001", OPERATION_LINE)],
    ),
    "a RunSQL of a name of its own": (
        """
        from django.db import migrations

        class Cleanup(migrations.RunSQL):
            pass
        """,
        migration('Cleanup("DELETE FROM shop_order")', "from ._helpers import Cleanup\n"),
        [("DJM002", OPERATION_LINE)],
    ),
    "a name of its own that brings its reverse": (
        """
        from django.db import migrations

        class DataMigration(migrations.RunPython):
            def __init__(self, code):
                super().__init__(code, migrations.RunPython.noop)
        """,
        migration("DataMigration(forwards)", "from ._helpers import DataMigration\n"),
        [],
    ),
    "a name of its own that is not an operation": (
        """
        class Batch:
            def __init__(self, code):
                self.code = code
        """,
        migration("Batch(forwards)", "from ._helpers import Batch\n"),
        [],
    ),
    "a module that cannot be read": (
        None,
        migration("RunPython(forwards)", "from ._missing import RunPython\n"),
        [],
    ),
    "names bound to each other": (
        """
        A = B
        B = A
        RunPython = A
        """,
        migration("RunPython(forwards)", "from ._helpers import RunPython\n"),
        [],
    ),
    "a syntax error in the helper": (
        "class RunPython(:\n",
        migration("RunPython(forwards)", "from ._helpers import RunPython\n"),
        [],
    ),
}

COMMON = """
from django.db import migrations

class BaseRunPython(migrations.RunPython):
    pass
"""


@pytest.mark.parametrize(("helpers", "text", "expected"), CASES.values(), ids=CASES.keys())
def test_operation_classes(tmp_path: Path, helpers: str | None, text: str, expected: list):
    files = {MIGRATION: text, "shop/migrations/__init__.py": "", "common/ops.py": COMMON}
    if helpers is not None:
        files[HELPERS] = helpers
    assert check(tmp_path, files) == expected


def test_a_function_passed_to_a_custom_operation_runs_during_migrate(tmp_path: Path):
    helpers = """
        from django.db import migrations

        class RunPython(migrations.RunPython):
            def __init__(self, code, reverse_code=None, sqlite_code=None, **kwargs):
                super().__init__(code, reverse_code, **kwargs)
                self.sqlite_code = sqlite_code
    """
    text = (
        "from django.db import migrations\n"
        "from shop.models import Order\n"
        "from ._helpers import RunPython\n\n\n"
        "def forwards(apps, schema_editor):\n    pass\n\n\n"
        "def forwards_sqlite(apps, schema_editor):\n"
        "    Order.objects.update(status='new')\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    operations = [\n"
        "        RunPython(forwards, forwards, sqlite_code=forwards_sqlite),\n"
        "    ]\n"
    )
    found = check(tmp_path, {HELPERS: helpers, MIGRATION: text})
    assert found == [("DJM003", 2)]


def test_the_fix_passes_the_reverse_where_the_subclass_takes_it(tmp_path: Path):
    helpers = """
        from django.db import migrations

        class RunSQL(migrations.RunSQL):
            def __init__(self, sql, *, reverse=None, **kwargs):
                super().__init__(sql, reverse_sql=reverse, **kwargs)
    """
    text = migration("RunSQL('SELECT 1')", "from ._helpers import RunSQL\n")
    assert check(tmp_path, {HELPERS: helpers, MIGRATION: text}) == [("DJM002", OPERATION_LINE)]
    path = tmp_path / MIGRATION
    analysis = analyze(path.read_bytes(), str(path))
    (fix,) = fixes_for(analysis.source, analysis.findings[0])
    fixed = analysis.source.apply(fix.edits)
    assert "RunSQL('SELECT 1', reverse=RunSQL.noop)" in fixed
    assert analyze(fixed, str(path)).findings == []
