"""Workspace diagnostics: the scan after ``initialized``, ``$/progress``, watched files,
and ``workspace/diagnostic`` for pulling clients."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig

from ..nobody import as_nobody
from .harness import CLEAN, HOT_MODEL, NAME, RUN_PYTHON, RUN_SQL, Session, make_client, wait_for

FILES = {
    "shop/migrations/0001_initial.py": CLEAN,
    "shop/migrations/0002_backfill.py": RUN_PYTHON,
    "shop/migrations/0003_sql.py": RUN_SQL,
    "shop/migrations/__init__.py": RUN_PYTHON,
    "shop/models.py": RUN_PYTHON,  # not a migration
    ".venv/lib/site-packages/other/migrations/0001_x.py": RUN_PYTHON,  # not the project's
}
FINDINGS = {
    "shop/migrations/0002_backfill.py": ["DJM001"],
    "shop/migrations/0003_sql.py": ["DJM002"],
}


def pushed_codes(session: Session) -> dict[str, list[str]]:
    out = {}
    for relative in FILES:
        last = session.last_published(session.uri(relative))
        if last is not None and last.diagnostics:
            out[relative] = [str(d.code) for d in last.diagnostics]
    return out


async def scan_done(session: Session) -> list:
    def ended():
        for reports in session.client.progress_reports.values():
            if reports and isinstance(reports[-1], types.WorkDoneProgressEnd):
                return reports
        return None

    return await wait_for(ended, "the end of the workspace scan")


async def test_scan_publishes_every_migration_with_progress(start):
    session = await start("vscode", files=FILES)
    reports = await scan_done(session)
    begin, *_, end = reports
    assert isinstance(begin, types.WorkDoneProgressBegin)
    assert begin.title == "Checking migrations" and begin.cancellable
    assert end.message == "3 files, 2 findings"
    await wait_for(lambda: pushed_codes(session) == FINDINGS, "diagnostics of both files")
    # Not versioned: these are the files as saved, not open documents.
    assert session.last_published(session.uri("shop/migrations/0002_backfill.py")).version is None
    assert session.last_published(session.uri("shop/migrations/0001_initial.py")) is None


async def test_no_scan_when_turned_off(start):
    session = await start("vscode", settings={"workspaceDiagnostics": False}, files=FILES)
    uri = session.open("shop/migrations/0004_more.py", RUN_SQL)
    assert [d.code for d in await session.diagnostics(uri)] == ["DJM002"]
    await asyncio.sleep(0.3)
    assert pushed_codes(session) == {}
    assert session.client.progress_reports == {}


async def test_open_buffer_wins_and_close_restores_the_saved_file(start):
    session = await start("vscode", files=FILES)
    await wait_for(lambda: pushed_codes(session) == FINDINGS, "the scan")
    relative = "shop/migrations/0002_backfill.py"
    uri = session.open(relative, CLEAN, save=False)  # unsaved edits fix it
    assert await session.diagnostics(uri) == []
    count = len(session.published)
    session.close(uri)  # the saved file still has the problem
    await wait_for(lambda: len(session.published) > count, "a publish after close")
    assert [d.code for d in session.last_published(uri).diagnostics] == ["DJM001"]


async def test_watched_files_keep_diagnostics_current(start):
    session = await start("vscode", files=FILES)
    await scan_done(session)

    def notify(relative: str, kind: types.FileChangeType) -> str:
        uri = session.uri(relative)
        session.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=uri, type=kind)])
        )
        return uri

    relative = "shop/migrations/0005_new.py"
    session.write(relative, HOT_MODEL)
    uri = notify(relative, types.FileChangeType.Created)
    await session.published_for(
        uri, lambda p: [d.code for d in p.diagnostics] == ["DJM003"], "DJM003 in the new file"
    )
    session.write(relative, CLEAN)
    notify(relative, types.FileChangeType.Changed)
    await session.published_for(uri, lambda p: not p.diagnostics, "the fixed file cleared")

    gone = "shop/migrations/0003_sql.py"
    (session.root / gone).unlink()
    notify(gone, types.FileChangeType.Deleted)
    await session.published_for(session.uri(gone), lambda p: not p.diagnostics, "deleted")

    count = len(session.published)
    session.write("shop/views.py", RUN_PYTHON)
    notify("shop/views.py", types.FileChangeType.Created)
    await asyncio.sleep(0.3)
    assert len(session.published) == count  # not a migration


async def test_turning_workspace_diagnostics_off_clears_them(start):
    session = await start("vscode", files=FILES)
    await wait_for(lambda: pushed_codes(session) == FINDINGS, "the scan")
    session.client.set_configuration({"workspaceDiagnostics": False}, section=NAME)
    session.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings=None)
    )
    await wait_for(lambda: pushed_codes(session) == {}, "the workspace diagnostics cleared")


async def test_pulling_client_gets_workspace_reports(start):
    session = await start("neovim", files=FILES)
    # Until the client pulls workspace diagnostics, files that are not open are pushed
    # (Neovim 0.11 pulls only for open buffers).
    await wait_for(lambda: pushed_codes(session) == FINDINGS, "pushed workspace diagnostics")
    opened = session.open("shop/migrations/0002_backfill.py")
    await session.published_for(opened, lambda p: not p.diagnostics, "handed over to pull")
    assert [d.code for d in await session.diagnostics(opened)] == ["DJM001"]

    report = await session.client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(identifier=NAME, previous_result_ids=[])
    )
    by_uri = {item.uri: item for item in report.items}
    sql = session.uri("shop/migrations/0003_sql.py")
    assert set(by_uri) == {sql, session.uri("shop/migrations/0001_initial.py")}  # open: excluded
    assert isinstance(by_uri[sql], types.WorkspaceFullDocumentDiagnosticReport)
    assert [d.code for d in by_uri[sql].items] == ["DJM002"]
    # From now on nothing is pushed: the pushed diagnostics were cleared.
    await wait_for(lambda: pushed_codes(session) == {}, "pushed diagnostics cleared")

    previous = [
        types.PreviousResultId(uri=item.uri, value=item.result_id)
        for item in report.items
        if item.result_id
    ]
    again = await session.client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(identifier=NAME, previous_result_ids=previous)
    )
    assert all(
        isinstance(item, types.WorkspaceUnchangedDocumentDiagnosticReport) for item in again.items
    )

    (session.root / "shop/migrations/0003_sql.py").unlink()
    session.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=sql, type=types.FileChangeType.Deleted)]
        )
    )
    await asyncio.sleep(0.2)
    after = await session.client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(identifier=NAME, previous_result_ids=previous)
    )
    (cleared,) = [item for item in after.items if item.uri == sql]
    assert isinstance(cleared, types.WorkspaceFullDocumentDiagnosticReport)
    assert not cleared.items


async def test_a_file_is_one_file_however_its_uri_is_spelled(start):
    session = await start("vscode", files=FILES)
    await wait_for(lambda: pushed_codes(session) == FINDINGS, "the scan")
    relative = "shop/migrations/0002_backfill.py"
    spelled = session.uri(relative).replace("0002_backfill", "0002%5Fbackfill")
    session.texts[spelled] = CLEAN
    session.versions[spelled] = 1
    session.client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=spelled, language_id="python", version=1, text=CLEAN)
        )
    )
    assert await session.diagnostics(spelled) == []
    assert not session.last_published(session.uri(relative)).diagnostics  # withdrawn
    # A watched-file event for the saved file does not override the open buffer.
    count = len(session.published)
    session.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=session.uri(relative), type=types.FileChangeType.Changed)]
        )
    )
    await asyncio.sleep(0.3)
    assert all(p.uri != session.uri(relative) for p in session.published[count:])


async def test_added_workspace_folders_are_scanned(start):
    session = await start("vscode")
    await scan_done(session)
    other = session.root.parent / "other"
    (other / "shop/migrations").mkdir(parents=True)
    (other / "shop/migrations/0002_backfill.py").write_text(RUN_PYTHON)
    session.client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[types.WorkspaceFolder(uri=other.as_uri(), name="other")], removed=[]
            )
        )
    )
    uri = (other / "shop/migrations/0002_backfill.py").as_uri()
    await session.published_for(
        uri, lambda p: [d.code for d in p.diagnostics] == ["DJM001"], "the new folder's file"
    )


RELOCATED = Path(__file__).resolve().parent.parent / "fixtures" / "relocated"
#: DefectDojo's layout (MIGRATION_MODULES) and a package found by its content.
RELOCATED_FILES = {
    p.relative_to(RELOCATED).as_posix(): p.read_text(encoding="utf-8")
    for p in sorted(RELOCATED.rglob("*.py"))
}
RELOCATED_FINDINGS = {
    "dojo/db_migrations/0002_finding_hash_code.py": ["DJM001"],
    "dojo/db_migrations/0003_rehash_findings.py": ["DJM003"],
    "reports/schema/0002_report_search_index.py": ["DJM002"],
}


@pytest.mark.parametrize("profile", ["vscode", "neovim"])
async def test_scan_and_open_documents_find_relocated_migrations(start, profile: str):
    session = await start(profile, files=RELOCATED_FILES)
    reports = await scan_done(session)
    assert reports[-1].message == "5 files, 3 findings"

    def pushed() -> dict[str, list[str]]:
        out = {}
        for relative in RELOCATED_FILES:
            last = session.last_published(session.uri(relative))
            if last is not None and last.diagnostics:
                out[relative] = [str(d.code) for d in last.diagnostics]
        return out

    await wait_for(lambda: pushed() == RELOCATED_FINDINGS, "the relocated migrations")
    # A new migration opened in each kind of package is checked; in a package of
    # numbered scripts that are not migrations (no ``Migration`` class), nothing is.
    for relative, code in (
        ("dojo/db_migrations/0004_new.py", "DJM001"),
        ("reports/schema/0003_new.py", "DJM002"),
    ):
        uri = session.open(relative, RUN_PYTHON if code == "DJM001" else RUN_SQL)
        assert [d.code for d in await session.diagnostics(uri)] == [code]
    not_a_migration = RUN_PYTHON.replace("class Migration(migrations.Migration):", "class Ops:")
    script = session.open("scripts/upgrades/0002_more.py", not_a_migration)
    await session.nothing_for(script)


async def test_a_folder_the_scan_cannot_list_is_a_warning_and_the_rest_is_scanned():
    """The server runs as ``nobody`` (root lists any folder), in a tree where one
    migrations folder may be entered but not listed: the scan logs it, as ``check``
    warns, and checks the rest."""
    found = as_nobody()
    if found is None:
        pytest.skip("cannot run this interpreter as nobody")
    prefix, env = found
    base = Path(tempfile.mkdtemp(prefix="djm-nobody-lsp-"))
    root = base / "tree"
    for relative, text in {
        "shop/migrations/0002_backfill.py": RUN_PYTHON,
        "vault/migrations/0002_backfill.py": RUN_PYTHON,
    }.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    for folder, _, files in os.walk(base):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(Path(folder, name), 0o644)
    hidden = root / "vault/migrations"
    os.chmod(hidden, 0o311)  # entered, never listed
    config = ClientServerConfig(
        server_command=[*prefix, sys.executable, "-m", "django_migration_lsp"],
        client_factory=make_client,
        server_env=env,
    )
    session = Session(await config.start(), "neovim", root)
    try:
        await session.initialize()
        await scan_done(session)
        warning = f"cannot read folder {hidden}: Permission denied; skipped"
        await wait_for(
            lambda: any(m.message.endswith(warning) for m in session.client.log_messages),
            "the warning",
        )
        shop = session.uri("shop/migrations/0002_backfill.py")
        await wait_for(
            lambda: (
                (last := session.last_published(shop)) is not None
                and [str(d.code) for d in last.diagnostics] == ["DJM001"]
            ),
            "the rest of the tree checked",
        )
    finally:
        await session.shutdown()
        os.chmod(hidden, 0o755)
        shutil.rmtree(base)
