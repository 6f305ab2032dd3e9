"""The workspace scan meets a FIFO, a symbolic link to ``/dev/zero`` and a huge file,
all named like migrations: it skips them (said in the log), and finishes."""

from __future__ import annotations

import os

from lsprotocol import types

from .harness import RUN_PYTHON, RUN_SQL, wait_for


def ended_scans(session) -> list:
    return [
        reports
        for reports in session.client.progress_reports.values()
        if reports and isinstance(reports[-1], types.WorkDoneProgressEnd)
    ]


async def test_scan_skips_fifos_devices_and_huge_files_and_finishes(start):
    session = await start("vscode", files={"pyproject.toml": ""})
    await wait_for(lambda: ended_scans(session), "the first scan")

    # A second workspace folder, scanned when it is added.
    other = session.root.parent / "other"
    migrations = other / "shop/migrations"
    migrations.mkdir(parents=True)
    (migrations / "0001_ok.py").write_text(RUN_PYTHON)
    os.mkfifo(migrations / "0002_fifo.py")  # reading it would block for ever
    (migrations / "0003_zero.py").symlink_to("/dev/zero")  # reading it would never end
    (other / "pyproject.toml").write_text("[tool.django-migration-lsp]\nmax-file-size = 1000\n")
    (migrations / "0004_big.py").write_text(RUN_SQL + "#" * 1000 + "\n")
    session.client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[types.WorkspaceFolder(uri=other.as_uri(), name="other")], removed=[]
            )
        )
    )
    ok = (migrations / "0001_ok.py").as_uri()
    await session.published_for(
        ok, lambda p: [d.code for d in p.diagnostics] == ["DJM001"], "the regular file's DJM001"
    )
    (_, second) = await wait_for(lambda: ended_scans(session)[1:] and ended_scans(session), "end")
    assert second[-1].message == "4 files, 1 findings"

    def skipped() -> list[str]:
        return [
            m.message
            for m in session.client.log_messages
            if m.type == types.MessageType.Warning and m.message.startswith("skipped ")
        ]

    await wait_for(lambda: len(skipped()) == 3, "three skipped files in the log")
    assert sorted(skipped()) == sorted(
        [
            f"skipped {migrations / '0002_fifo.py'}: not a regular file (a FIFO): not read",
            f"skipped {migrations / '0003_zero.py'}: not a regular file "
            "(a character device): not read",
            f"skipped {migrations / '0004_big.py'}: file is larger than max-file-size "
            f"({(migrations / '0004_big.py').stat().st_size:,} bytes > 1,000 bytes): not read",
        ]
    )
    for name in ("0002_fifo.py", "0003_zero.py", "0004_big.py"):
        last = session.last_published((migrations / name).as_uri())
        assert last is None or not last.diagnostics

    # The server still answers.
    uri = session.open("shop/migrations/0005_x.py", RUN_SQL)
    assert [d.code for d in await session.diagnostics(uri)] == ["DJM002"]
