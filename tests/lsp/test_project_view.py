"""The server's project view: DJM007 (a rule that needs the graph) in the editor, the
buffer's unsaved edits, other files' diagnostics after a migration of the project
changes, the workspace scan, a FIFO named like a migration, and a slow build."""

from __future__ import annotations

import asyncio
import os
import time

import pytest
from lsprotocol import types

from .harness import Session, wait_for

HEADER = "from django.db import migrations, models\n\n\n"


def migration(deps: str, operations: str, head: str = "") -> str:
    return (
        HEADER
        + head
        + "class Migration(migrations.Migration):\n"
        + f"    dependencies = [{deps}]\n"
        + f"    operations = [{operations}]\n"
    )


def reading(app: str, model: str) -> str:
    return (
        "def count(apps, schema_editor):\n"
        f'    apps.get_model("{app}", "{model}").objects.count()\n\n\n'
    )


RUN = "migrations.RunPython(count, migrations.RunPython.noop)"
ACCOUNT = 'migrations.CreateModel("Account", [("id", models.AutoField(primary_key=True))])'
BADGE = 'migrations.CreateModel("Badge", [("id", models.AutoField(primary_key=True))])'
READS_ACCOUNT = "hounds/migrations/0001_initial.py"
READS_BADGE = "hounds/migrations/0002_badges.py"
FILES = {
    "manage.py": "",
    "ledger/__init__.py": "",
    "ledger/migrations/__init__.py": "",
    "ledger/migrations/0001_initial.py": migration("", ACCOUNT),
    "hounds/__init__.py": "",
    "hounds/migrations/__init__.py": "",
    # Reads ledger's Account without depending on ledger: DJM007.
    READS_ACCOUNT: migration("", RUN, reading("ledger", "Account")),
    # Reads ledger's Badge, which no migration creates (yet): nothing to compare with.
    READS_BADGE: migration(
        '("hounds", "0001_initial"), ("ledger", "0001_initial")', RUN, reading("ledger", "Badge")
    ),
}


def codes(diagnostics: list[types.Diagnostic]) -> list[str]:
    return [str(d.code) for d in diagnostics]


async def published_codes(session: Session, uri: str, wanted: list[str]) -> None:
    await session.published_for(
        uri, lambda p: codes(p.diagnostics) == wanted, f"{wanted} published for {uri}"
    )


@pytest.mark.parametrize("profile", ["vscode", "neovim"])
async def test_djm007_in_the_editor_and_unsaved_edits(start, profile):
    session = await start(profile, files=FILES)
    uri = session.open(READS_ACCOUNT)
    [djm007] = await session.diagnostics(uri)
    assert djm007.code == "DJM007"
    assert session.text_at(uri, djm007.range) == 'apps.get_model("ledger", "Account")'
    # The dependency typed in, not saved: the buffer's graph has it.
    session.replace(uri, "dependencies = []", 'dependencies = [("ledger", "0001_initial")]')
    assert await session.diagnostics(uri) == []
    session.replace(uri, 'dependencies = [("ledger", "0001_initial")]', "dependencies = []")
    [djm007] = await session.diagnostics(uri)
    assert djm007.code == "DJM007"
    # Its quick fix adds the dependency (computed with the project, applied as text).
    [action] = [
        a
        for a in await session.actions(uri, [djm007])
        if a.title == 'DJM007: Add ("ledger", "0001_initial") to dependencies'
    ]
    session.apply((await session.resolve(action)).edit)
    assert '("ledger", "0001_initial")' in session.texts[uri]
    assert await session.diagnostics(uri) == []


@pytest.mark.parametrize("profile", ["vscode", "neovim-push"])
async def test_other_open_file_follows_a_migration_saved(start, profile):
    """ledger gets a migration that creates Badge: the open hounds migration, which reads
    Badge and does not depend on it, now has DJM007, without being edited."""
    session = await start(profile, settings={"workspaceDiagnostics": False}, files=FILES)
    badges = session.open(READS_BADGE)
    assert await session.diagnostics(badges) == []
    ledger = session.open("ledger/migrations/0001_initial.py")
    session.replace(ledger, ACCOUNT, f"{ACCOUNT}, {BADGE}")
    await asyncio.sleep(0.3)  # unsaved: the other file keeps the project as saved
    assert codes(session.last_published(badges).diagnostics) == []
    session.save(ledger)
    # Badge is created by ledger.0001, which hounds.0002 depends on: still nothing.
    await asyncio.sleep(0.3)
    assert codes(session.last_published(badges).diagnostics) == []
    session.replace(ledger, f"{ACCOUNT}, {BADGE}", ACCOUNT)
    session.save(ledger)
    session.write("ledger/migrations/0002_badge.py", migration('("ledger", "0001_initial")', BADGE))
    if profile == "vscode":
        session.watched(("ledger/migrations/0002_badge.py", types.FileChangeType.Created))
    else:  # Neovim cannot watch files on Linux: it is saved from the editor
        session.save(session.open("ledger/migrations/0002_badge.py"))
    await published_codes(session, badges, ["DJM007"])


async def test_workspace_scan_reports_djm007_and_follows_changes(start):
    session = await start("vscode", files=FILES)
    account = session.uri(READS_ACCOUNT)
    await published_codes(session, account, ["DJM007"])
    assert session.last_published(account).version is None  # the file as saved
    session.write(
        READS_ACCOUNT, migration('("ledger", "0001_initial")', RUN, reading("ledger", "Account"))
    )
    session.watched((READS_ACCOUNT, types.FileChangeType.Changed))
    await published_codes(session, account, [])
    # Another file of the project changes what a third file's DJM007 says.
    badges = session.uri(READS_BADGE)
    session.write("ledger/migrations/0002_badge.py", migration('("ledger", "0001_initial")', BADGE))
    session.watched(("ledger/migrations/0002_badge.py", types.FileChangeType.Created))
    await published_codes(session, badges, ["DJM007"])


async def test_a_file_that_needs_no_project_builds_none(start):
    session = await start("vscode", settings={"workspaceDiagnostics": False}, files=FILES)
    uri = session.open(
        "ledger/migrations/0002_sql.py",
        migration('("ledger", "0001_initial")', 'migrations.RunSQL("DELETE FROM ledger_account")'),
    )
    assert codes(await session.diagnostics(uri)) == ["DJM002"]
    await asyncio.sleep(0.3)
    assert not [m for m in session.client.log_messages if "graph built" in m.message]
    uri = session.open(READS_ACCOUNT)
    assert codes(await session.diagnostics(uri)) == ["DJM007"]
    [built] = [m.message for m in session.client.log_messages if "graph built" in m.message]
    assert "4 migrations read" in built


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
async def test_a_fifo_named_like_a_migration_does_not_hold_the_project(start):
    """A FIFO named like a migration, there before the project is read: it is not opened
    (that would block the build for ever); the project is read without it."""
    session = await start("vscode", settings={"workspaceDiagnostics": False}, files=FILES)
    os.mkfifo(session.root / "ledger" / "migrations" / "0002_fifo.py")
    started = time.monotonic()
    uri = session.open(READS_ACCOUNT)
    assert codes(await session.diagnostics(uri)) == ["DJM007"]
    assert time.monotonic() - started < 5.0
    assert not [m for m in session.client.log_messages if "takes more than" in m.message]


#: Migrations of an app of their own, a chain: reading them takes far longer than the
#: wait the next test sets (0.05 s), on any machine.
SLOW = {
    f"bulk/migrations/{n:04d}_step.py": migration(
        f'("bulk", "{n - 1:04d}_step")' if n > 1 else "", ""
    )
    for n in range(1, 2501)
}


async def test_a_slow_build_is_waited_for_a_bounded_time(start):
    """The project takes longer to read than the server waits: the file is answered
    without it (no DJM007), the wait is logged, the files that do not need it are
    checked as usual, and once the build ends the file is checked again with the project."""
    session = await start(
        "vscode",
        settings={"workspaceDiagnostics": False},
        files={**FILES, "bulk/__init__.py": "", "bulk/migrations/__init__.py": "", **SLOW},
        env={"DJANGO_MIGRATION_LSP_PROJECT_WAIT": "0.05"},
    )
    uri = session.open(READS_ACCOUNT)
    assert await session.diagnostics(uri) == []  # DJM007 needs the project
    await wait_for(
        lambda: any("takes more than 0.05 s" in m.message for m in session.client.log_messages),
        "the log line",
    )
    sql = session.open(
        "ledger/migrations/0003_sql.py",
        migration('("ledger", "0001_initial")', 'migrations.RunSQL("DELETE FROM ledger_account")'),
    )
    assert codes(await session.diagnostics(sql)) == ["DJM002"]  # the rest goes on as usual
    deadline = time.monotonic() + 60
    while codes(await session.diagnostics(uri)) != ["DJM007"]:
        assert time.monotonic() < deadline, "never checked with the project"
        await asyncio.sleep(0.2)
    [built] = [m.message for m in session.client.log_messages if "graph built" in m.message]
    assert "migrations read" in built


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
async def test_a_fifo_created_later_is_not_read(start):
    """Once the project is read, a FIFO named like a migration appears (a watched-file
    event): it is not read (that would block the project's thread), the rest goes on."""
    session = await start("vscode", settings={"workspaceDiagnostics": False}, files=FILES)
    uri = session.open(READS_ACCOUNT)
    assert codes(await session.diagnostics(uri)) == ["DJM007"]
    os.mkfifo(session.root / "ledger" / "migrations" / "0002_fifo.py")
    session.watched(("ledger/migrations/0002_fifo.py", types.FileChangeType.Created))
    session.write("ledger/migrations/0003_badge.py", migration('("ledger", "0001_initial")', BADGE))
    session.watched(("ledger/migrations/0003_badge.py", types.FileChangeType.Created))
    badges = session.open(READS_BADGE)
    assert codes(await session.diagnostics(badges)) == ["DJM007"]  # 0003_badge was read
    assert await session.lens_titles(uri) == ["Rollback past this: ok (unapplies 2)"]
