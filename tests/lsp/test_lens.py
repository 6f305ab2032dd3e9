"""The rollback code lens over the protocol: its titles from the graph, its command
(``window/showDocument`` at the finding), and how it follows the project: another
migration saved, a file created on disk, unsaved edits, a buffer that does not parse."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from .harness import Session, wait_for

HEADER = "from django.db import migrations, models\n\n\n"


def migration(deps: str, operations: str = "", body: str = "", head: str = "") -> str:
    return (
        HEADER
        + head
        + "class Migration(migrations.Migration):\n"
        + f"    dependencies = [{deps}]\n"
        + body
        + f"\n    operations = [{operations}]\n"
    )


NOTE = 'migrations.AddField("order", "note", models.TextField(default=""))'
STATUS = 'migrations.AddField("order", "status", models.TextField(default=""))'
BACKFILL_HEAD = "def backfill(apps, schema_editor):\n    pass\n\n\n"
#: shop: 0001 <- 0002 <- 0003 (RunPython without reverse: blocked) <- 0004
#: ledger: 0001 <- 0002 (an unapply() that undoes nothing: lossy)
FILES = {
    "manage.py": "",
    "shop/__init__.py": "",
    "shop/migrations/__init__.py": "",
    "shop/migrations/0001_initial.py": migration(
        "",
        'migrations.CreateModel("Order", [("id", models.AutoField(primary_key=True))])',
    ),
    "shop/migrations/0002_order_note.py": migration('("shop", "0001_initial")', NOTE),
    "shop/migrations/0003_backfill.py": migration(
        '("shop", "0002_order_note")',
        "\n        migrations.RunPython(backfill),\n    ",
        head=BACKFILL_HEAD,
    ),
    "shop/migrations/0004_status.py": migration('("shop", "0003_backfill")', STATUS),
    "ledger/__init__.py": "",
    "ledger/migrations/__init__.py": "",
    "ledger/migrations/0001_initial.py": migration(
        "",
        'migrations.CreateModel("Account", [("id", models.AutoField(primary_key=True))])',
    ),
    "ledger/migrations/0002_locked.py": migration(
        '("ledger", "0001_initial")',
        'migrations.AddField("account", "locked", models.BooleanField(default=False))',
        body=(
            "\n    def unapply(self, project_state, schema_editor, collect_sql=False):\n"
            "        return project_state\n"
        ),
    ),
}
BLOCKED = "Rollback past this: blocked by shop.0003 (DJM001)"


async def project(start, profile: str = "vscode") -> Session:
    return await start(profile, files=FILES)


def run_python_line(session: Session, uri: str) -> int:
    return session.texts[uri].splitlines().index("        migrations.RunPython(backfill),")


@pytest.mark.parametrize("profile", ["vscode", "neovim"])
async def test_titles_ok_lossy_blocked(start, profile):
    session = await project(start, profile)
    expected = {
        "shop/migrations/0004_status.py": "Rollback past this: ok (unapplies 1)",
        "shop/migrations/0003_backfill.py": BLOCKED,
        "shop/migrations/0001_initial.py": BLOCKED,
        "ledger/migrations/0002_locked.py": (
            "Rollback past this: loses data (ledger.0002, unapply())"
        ),
        "ledger/migrations/0001_initial.py": (
            "Rollback past this: loses data (ledger.0002, unapply())"
        ),
    }
    for relative, title in expected.items():
        uri = session.open(relative)
        [lens] = await session.lenses(uri)
        assert lens.command is not None and lens.command.title == title, relative
        # Above `class Migration`, whatever comes before it in the file.
        line = session.texts[uri].splitlines().index("class Migration(migrations.Migration):")
        assert lens.range.start.line == line


async def test_lens_only_for_migrations_of_a_project(start):
    session = await project(start)
    assert await session.lenses(session.open("shop/models.py", "x = 1\n")) == []
    # A migration the graph does not know (not saved yet) has no lens, and does not fail.
    assert (
        await session.lenses(
            session.open(
                "shop/migrations/0005_new.py",
                save=False,
                text=FILES["shop/migrations/0004_status.py"],
            )
        )
        == []
    )


async def test_command_opens_the_blocking_migration_at_the_finding(start):
    session = await project(start)
    uri = session.open("shop/migrations/0001_initial.py")
    [lens] = await session.lenses(uri)
    assert lens.command is not None
    await session.execute(lens.command)
    [shown] = session.client.shown_documents
    target = session.uri("shop/migrations/0003_backfill.py")
    assert shown.uri == target and shown.take_focus
    session.texts[target] = FILES["shop/migrations/0003_backfill.py"]
    line = run_python_line(session, target)
    where = types.Position(line=line, character=len("        "))
    assert shown.selection == types.Range(start=where, end=where)


async def test_command_for_an_ok_rollback_lists_the_steps(start):
    session = await project(start)
    uri = session.open("shop/migrations/0004_status.py")
    [lens] = await session.lenses(uri)
    await session.execute(lens.command)
    assert session.client.shown_documents == []
    [message] = session.client.messages
    assert message.message == (
        "Rolling back past shop.0004_status unapplies 1 migration, in this order: "
        "shop.0004_status. Each reverse runs and undoes its migration."
    )


async def test_command_with_bad_arguments_is_an_error_not_a_crash(start):
    session = await project(start)
    for arguments in (None, [], [42], [{"uri": 3}]):
        with pytest.raises(JsonRpcInvalidParams):
            await session.execute(
                types.Command(
                    title="x", command="django-migration-lsp.showRollback", arguments=arguments
                )
            )
    uri = session.open("shop/migrations/0004_status.py")
    assert await session.lens_titles(uri) == ["Rollback past this: ok (unapplies 1)"]


async def test_advertised(start):
    session = await project(start)
    caps = session.result.capabilities
    assert caps.code_lens_provider is not None and not caps.code_lens_provider.resolve_provider
    assert caps.execute_command_provider is not None
    assert list(caps.execute_command_provider.commands) == ["django-migration-lsp.showRollback"]
    assert caps.document_link_provider is not None and caps.definition_provider
    sync = caps.text_document_sync
    assert isinstance(sync, types.TextDocumentSyncOptions) and sync.save


async def test_lens_follows_another_migration_saved(start):
    """0001's lens is blocked by 0003; 0003 gets its reverse and is saved: the client is
    asked to refresh its lenses, and 0001's lens is now ok."""
    session = await project(start)
    first = session.open("shop/migrations/0001_initial.py")
    assert await session.lens_titles(first) == [BLOCKED]
    blocking = session.open("shop/migrations/0003_backfill.py")
    before = session.client.lens_refreshes
    session.replace(
        blocking, "RunPython(backfill)", "RunPython(backfill, migrations.RunPython.noop)"
    )
    # Unsaved: the other lens keeps the file as saved; its own lens follows the buffer.
    assert await session.lens_titles(blocking) == ["Rollback past this: ok (unapplies 2)"]
    assert await session.lens_titles(first) == [BLOCKED]
    session.save(blocking)
    await wait_for(lambda: session.client.lens_refreshes > before, "workspace/codeLens/refresh")
    assert await session.lens_titles(first) == ["Rollback past this: ok (unapplies 4)"]


async def test_lens_follows_a_migration_created_on_disk(start):
    """A new migration written by ``makemigrations`` (a watched-file event): the lens of
    the one it depends on now counts it, and is blocked by it."""
    session = await project(start)
    uri = session.open("shop/migrations/0004_status.py")
    assert await session.lens_titles(uri) == ["Rollback past this: ok (unapplies 1)"]
    before = session.client.lens_refreshes
    session.write(
        "shop/migrations/0005_raw.py",
        migration('("shop", "0004_status")', 'migrations.RunSQL("UPDATE shop_order SET note = 1")'),
    )
    session.watched(("shop/migrations/0005_raw.py", types.FileChangeType.Created))
    await wait_for(lambda: session.client.lens_refreshes > before, "workspace/codeLens/refresh")
    assert await session.lens_titles(uri) == ["Rollback past this: blocked by shop.0005 (DJM002)"]


async def test_unsaved_edits_of_the_file_itself(start):
    session = await project(start)
    uri = session.open("shop/migrations/0004_status.py")
    assert await session.lens_titles(uri) == ["Rollback past this: ok (unapplies 1)"]
    # A RunSQL without reverse typed in: the lens says so before the file is saved.
    session.replace(uri, STATUS, f'{STATUS}, migrations.RunSQL("DELETE FROM shop_order")')
    assert await session.lens_titles(uri) == ["Rollback past this: blocked by shop.0004 (DJM002)"]
    # Its command goes to the buffer's line.
    [lens] = await session.lenses(uri)
    await session.execute(lens.command)
    [shown] = session.client.shown_documents
    assert shown.uri == uri
    assert shown.selection.start.line == session.texts[uri].splitlines().index(
        f'    operations = [{STATUS}, migrations.RunSQL("DELETE FROM shop_order")]'
    )
    # Silenced with noqa: still blocked (the rollback stops whether the warning shows or not).
    session.replace(uri, '"DELETE FROM shop_order")]', '"DELETE FROM shop_order")]  # noqa: DJM002')
    assert await session.lens_titles(uri) == [
        "Rollback past this: blocked by shop.0004 (DJM002, noqa)"
    ]
    # Lines added above the class move the lens with it.
    session.replace(uri, HEADER, HEADER + "# one\n# two\n")
    [lens] = await session.lenses(uri)
    assert lens.range.start.line == session.texts[uri].splitlines().index(
        "class Migration(migrations.Migration):"
    )


async def test_buffer_that_does_not_parse_keeps_the_saved_lens(start):
    session = await project(start)
    uri = session.open("shop/migrations/0003_backfill.py")
    assert await session.lens_titles(uri) == [BLOCKED]
    session.replace(uri, "def backfill(apps, schema_editor):", "def backfill(apps, schema_editor:")
    [lens] = await session.lenses(uri)
    assert lens.command.title == BLOCKED
    assert lens.range.start.line == session.texts[uri].splitlines().index(
        "class Migration(migrations.Migration):"
    )
    # Nothing that even says `class Migration`: no lens.
    session.change(uri, "def (\n")
    assert await session.lenses(uri) == []


async def test_graph_that_django_refuses(start):
    session = await project(start)
    uri = session.open(
        "shop/migrations/0004_status.py",
        migration('("shop", "0003_backfill"), ("shop", "0009_gone")', STATUS),
    )
    title = "Rollback past this: migrate refuses the project (shop.0004: missing dependency)"
    [lens] = await session.lenses(uri)
    assert lens.command.title == title
    await session.execute(lens.command)
    [shown] = session.client.shown_documents
    assert shown.uri == uri
    [message] = session.client.messages
    assert "0009_gone" in message.message


@pytest.mark.parametrize(
    ("change", "title"),
    [
        pytest.param(
            {
                "shop/migrations/0002_order_note.py": migration(
                    '("shop", "0001_initial"), ("shop", "0004_status")', NOTE
                )
            },
            "Rollback past this: migrate refuses the project (circular dependency)",
            id="cycle",
        ),
        pytest.param(
            {"ledger/migrations/0003_broken.py": "class Migration(:\n"},
            "Rollback past this: migrate refuses the project (ledger.0003: does not load)",
            id="a saved migration that does not parse",
        ),
    ],
)
async def test_graph_django_cannot_load(start, change, title):
    """Django's loader would refuse: every lens says so, and nothing hangs (Django's
    backwards_plan never ends on a cycle) or crashes."""
    session = await start("vscode", files={**FILES, **change})
    for relative in ("shop/migrations/0004_status.py", "ledger/migrations/0001_initial.py"):
        assert await session.lens_titles(session.open(relative)) == [title]
    uri = session.open("shop/migrations/0003_backfill.py")
    assert [d.code for d in await session.diagnostics(uri)] == ["DJM001"]


async def test_workspace_without_markers_and_file_outside_any_project(start, tmp_path):
    session = await start(
        "vscode",
        files={
            "shop/migrations/0001_initial.py": FILES["shop/migrations/0001_initial.py"],
            "shop/migrations/0002_order_note.py": FILES["shop/migrations/0002_order_note.py"],
        },
    )
    # No manage.py, pyproject.toml or .git: the workspace folder is the project.
    uri = session.open("shop/migrations/0001_initial.py")
    assert await session.lens_titles(uri) == ["Rollback past this: ok (unapplies 2)"]
    # Outside the workspace folder and any project: no lens, no link, and no error.
    outside = tmp_path / "elsewhere" / "app" / "migrations" / "0002_x.py"
    outside.parent.mkdir(parents=True)
    outside.write_text(FILES["shop/migrations/0002_order_note.py"])
    other = outside.as_uri()
    session.texts[other], session.versions[other] = outside.read_text(), 1
    session.client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(
                uri=other, language_id="python", version=1, text=session.texts[other]
            )
        )
    )
    assert await session.lenses(other) == []
    assert await session.links(other) == []
    assert not [m for m in session.client.log_messages if m.type == types.MessageType.Error]


async def test_project_view_is_built_once_for_the_session(start):
    """One build: keystrokes, lenses and a save read no project again (the log says each
    build, with what it read)."""
    session = await project(start)
    uri = session.open("shop/migrations/0003_backfill.py")
    await session.lenses(uri)
    for n in range(5):
        session.replace(uri, "    pass", f"    pass  # {n}" if n == 0 else f"    pass  # {n}{n}")
        await session.lenses(uri)
    session.save(uri)
    assert await session.lens_titles(session.open("shop/migrations/0001_initial.py")) == [BLOCKED]
    await asyncio.sleep(0.3)
    builds = [m.message for m in session.client.log_messages if "graph built in" in m.message]
    assert len(builds) == 1, builds
    assert f"project {session.root}: 6 migrations read, graph built in" in builds[0]


async def test_an_app_missing_where_the_server_runs_is_no_refusal(start):
    """A dependency on an app that is installed neither in the project nor in the server's
    environment: more likely a package the server's Python lacks than a broken project.
    The lens plans without that edge (as `plan` does) instead of saying Django refuses."""
    session = await project(start)
    uri = session.open(
        "shop/migrations/0004_status.py",
        migration('("shop", "0003_backfill"), ("constance", "0001_initial")', STATUS),
    )
    assert await session.lens_titles(uri) == ["Rollback past this: ok (unapplies 1)"]
