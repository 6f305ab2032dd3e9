"""The rollback lens names every verdict of ``plan`` with the finding that gives it:
DJM004 -> ``loses data``, DJM005 -> ``fails on existing rows``, DJM006 -> ``blocked by``;
for the file the lens is on, from its buffer, with the project's historical state (DJM005
and DJM006's ``LookupError`` ask it), for the other steps from their files as saved."""

from __future__ import annotations

import pytest

from .harness import Session

HEADER = "from django.db import migrations, models\n\n\n"


def migration(deps: str, operations: str, head: str = "") -> str:
    return (
        HEADER
        + head
        + "class Migration(migrations.Migration):\n"
        + f"    dependencies = [{deps}]\n\n"
        + f"    operations = [\n        {operations},\n    ]\n"
    )


ID = '("id", models.AutoField(primary_key=True))'
RESTORE_LEGACY = (
    "def restore(apps, schema_editor):\n"
    '    apps.get_model("crm", "Legacy").objects.all().delete()\n\n\n'
)
#: shop (DJM004): 0002 deletes rows, and its reverse does nothing.
#: ledger (DJM005): 0002 removes a NOT NULL column without a default; 0003 adds one.
#: crm (DJM006): 0003's reverse asks for a model that 0002 deleted.
FILES = {
    "manage.py": "",
    "shop/__init__.py": "",
    "shop/migrations/__init__.py": "",
    "shop/migrations/0001_initial.py": migration(
        "", f'migrations.CreateModel("Order", [{ID}, ("note", models.TextField(default=""))])'
    ),
    "shop/migrations/0002_purge.py": migration(
        '("shop", "0001_initial")',
        'migrations.RunSQL("DELETE FROM shop_order", migrations.RunSQL.noop)',
    ),
    "ledger/__init__.py": "",
    "ledger/migrations/__init__.py": "",
    "ledger/migrations/0001_initial.py": migration(
        "",
        'migrations.CreateModel("Entry", '
        f'[{ID}, ("memo", models.TextField()), ("ref", models.CharField(max_length=9))])',
    ),
    "ledger/migrations/0002_drop_memo.py": migration(
        '("ledger", "0001_initial")', 'migrations.RemoveField("entry", "memo")'
    ),
    "ledger/migrations/0003_flag.py": migration(
        '("ledger", "0002_drop_memo")',
        'migrations.AddField("entry", "flag", models.BooleanField(default=False))',
    ),
    "crm/__init__.py": "",
    "crm/migrations/__init__.py": "",
    "crm/migrations/0001_initial.py": migration(
        "",
        f'migrations.CreateModel("Contact", [{ID}]),\n'
        f'        migrations.CreateModel("Legacy", [{ID}])',
    ),
    "crm/migrations/0002_drop_legacy.py": migration(
        '("crm", "0001_initial")', 'migrations.DeleteModel("Legacy")'
    ),
    "crm/migrations/0003_restore.py": migration(
        '("crm", "0002_drop_legacy")',
        "migrations.RunPython(migrations.RunPython.noop, restore)",
        head=RESTORE_LEGACY,
    ),
}
LOSSY = "Rollback past this: loses data (shop.0002, DJM004)"
FAILS = "Rollback past this: fails on existing rows (ledger.0002, DJM005)"
BLOCKED = "Rollback past this: blocked by crm.0003 (DJM006)"


@pytest.mark.parametrize("profile", ["vscode", "neovim"])
async def test_each_verdict_with_its_rule(start, profile):
    session: Session = await start(profile, files=FILES)
    expected = {
        "shop/migrations/0002_purge.py": LOSSY,
        "shop/migrations/0001_initial.py": LOSSY,
        # The file's own lens (its buffer), and one of a migration it depends on (as saved).
        "ledger/migrations/0002_drop_memo.py": FAILS,
        "ledger/migrations/0001_initial.py": FAILS,
        "ledger/migrations/0003_flag.py": "Rollback past this: ok (unapplies 1)",
        "crm/migrations/0003_restore.py": BLOCKED,
        "crm/migrations/0001_initial.py": BLOCKED,
    }
    for relative, title in expected.items():
        uri = session.open(relative)
        assert await session.lens_titles(uri) == [title], relative
    # The command opens the step at its finding: the RemoveField, the get_model call.
    for relative, step, needle in (
        (
            "ledger/migrations/0001_initial.py",
            "ledger/migrations/0002_drop_memo.py",
            "migrations.R",
        ),
        ("crm/migrations/0001_initial.py", "crm/migrations/0003_restore.py", 'apps.get_model("'),
    ):
        [lens] = await session.lenses(session.uri(relative))
        session.client.shown_documents.clear()
        await session.execute(lens.command)
        [shown] = session.client.shown_documents
        assert shown.uri == session.uri(step)
        lines = FILES[step].splitlines()
        line = next(n for n, text in enumerate(lines) if needle in text)
        assert shown.selection.start.line == line, relative


async def test_verdicts_follow_the_unsaved_buffer(start):
    """Typed in, not saved, in a migration whose lens says ``ok``: a RemoveField of a NOT
    NULL column without a default (DJM005, which asks the state of the migrations before
    it), a reverse asking for a model that no migration of the app creates (DJM006), a
    data-destroying RunSQL with a no-op reverse (DJM004)."""
    session: Session = await start("vscode", files=FILES)
    uri = session.open("ledger/migrations/0003_flag.py")
    assert await session.lens_titles(uri) == ["Rollback past this: ok (unapplies 1)"]
    deps = '("ledger", "0002_drop_memo")'
    for operations, head, title in (
        (
            'migrations.RemoveField("entry", "ref")',
            "",
            "fails on existing rows (ledger.0003, DJM005)",
        ),
        (
            'migrations.RemoveField("entry", "ref"), '
            "migrations.RunPython(migrations.RunPython.noop, restore)",
            RESTORE_LEGACY.replace('"crm", "Legacy"', '"ledger", "Ghost"'),
            "blocked by ledger.0003 (DJM006)",
        ),
        (
            'migrations.RunSQL("DELETE FROM ledger_entry", migrations.RunSQL.noop)',
            "",
            "loses data (ledger.0003, DJM004)",
        ),
        (  # a column with a default: the rows get it
            'migrations.AddField("entry", "flag", models.BooleanField(default=False)), '
            'migrations.RemoveField("entry", "flag")',
            "",
            "ok (unapplies 1)",
        ),
    ):
        session.change(uri, migration(deps, operations, head))
        assert await session.lens_titles(uri) == [f"Rollback past this: {title}"], operations
    # The other files' lenses count the file as saved.
    assert await session.lens_titles(session.open("ledger/migrations/0001_initial.py")) == [FAILS]
