"""Hostile files and failed writes, as a user meets them: the CLI in a subprocess.

FIFOs, devices and huge files named like migrations; a ``--fix`` killed half-way; and,
as the unprivileged user ``nobody`` (root ignores permission bits, so as root these
tests would prove nothing), a read-only folder, an unreadable file and a folder without
search permission.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from django_migration_lsp.files import SkippedFile, read_source, remove_stale_temporaries

from .nobody import as_nobody, nobody_ids
from .test_cli import CLEAN, MISSING_REVERSE, run, write

# -- the reader ------------------------------------------------------------------------


def test_read_source_reads_regular_files_only(tmp_path: Path):
    regular = write(tmp_path, "0002_x.py", b"x = 1\n")
    assert read_source(regular) == b"x = 1\n"
    fifo = tmp_path / "0003_fifo.py"
    os.mkfifo(fifo)
    with pytest.raises(SkippedFile, match=r"not a regular file \(a FIFO\)"):
        read_source(fifo)  # never blocks waiting for a writer
    zero = tmp_path / "0004_zero.py"
    zero.symlink_to("/dev/zero")
    with pytest.raises(SkippedFile, match=r"not a regular file \(a character device\)"):
        read_source(zero)
    with pytest.raises(SkippedFile, match=r"not a regular file \(a folder\)"):
        read_source(tmp_path)
    big = write(tmp_path, "0005_big.py", b"#" * 101)
    assert read_source(big, max_size=101) == b"#" * 101
    with pytest.raises(SkippedFile, match=r"larger than max-file-size \(101 bytes > 100 bytes\)"):
        read_source(big, max_size=100)
    with pytest.raises(FileNotFoundError):
        read_source(tmp_path / "gone.py")


# -- the CLI on hostile files ------------------------------------------------------------


def test_fifo_device_and_huge_files_are_skipped_with_a_warning(tmp_path: Path):
    folder = tmp_path / "shop/migrations"
    write(tmp_path, "shop/migrations/0002_ok.py", MISSING_REVERSE)
    os.mkfifo(folder / "0003_fifo.py")
    (folder / "0004_zero.py").symlink_to("/dev/zero")
    big = write(tmp_path, "shop/migrations/0005_big.py", MISSING_REVERSE + "#" * 2000 + "\n")
    size = big.stat().st_size
    write(tmp_path, "pyproject.toml", "[tool.django-migration-lsp]\nmax-file-size = 2000\n")
    proc = run(tmp_path, "--format", "json", check_exit=1)  # run() has a timeout: no hang
    items = json.loads(proc.stdout)
    assert [Path(i["filename"]).name for i in items] == ["0002_ok.py"]  # not findings
    assert proc.stderr.splitlines() == [
        "warning: skipped shop/migrations/0003_fifo.py: not a regular file (a FIFO): not read",
        "warning: skipped shop/migrations/0004_zero.py: not a regular file "
        "(a character device): not read",
        "warning: skipped shop/migrations/0005_big.py: file is larger than max-file-size "
        f"({size:,} bytes > 2,000 bytes): not read",
    ]
    # Named on the command line: the same.
    proc = run(tmp_path, "shop/migrations/0003_fifo.py", check_exit=0)
    assert "not a regular file (a FIFO)" in proc.stderr


def test_max_file_size_setting_is_validated(tmp_path: Path):
    write(tmp_path, "shop/migrations/0002_ok.py", MISSING_REVERSE)
    write(tmp_path, "pyproject.toml", '[tool.django-migration-lsp]\nmax-file-size = "big"\n')
    assert "`max-file-size` must be a number of bytes" in run(tmp_path, check_exit=2).stderr
    write(tmp_path, "pyproject.toml", '[tool.django-migration-lsp]\nmax-file-size = "1KB"\n')
    assert run(tmp_path, check_exit=1).stderr == ""  # 0002 is below 1,000 bytes
    big = write(tmp_path, "shop/migrations/0003_big.py", MISSING_REVERSE + "#" * 1000 + "\n")
    proc = run(tmp_path, check_exit=1)
    assert f"({big.stat().st_size:,} bytes > 1,000 bytes)" in proc.stderr


# -- temporary files of the atomic write -------------------------------------------------

KILL_IN_WRITE = """
import os, signal, sys
import django_migration_lsp.files as files

def killed(src, dst):  # SIGKILL between writing the temporary file and the rename
    os.kill(os.getpid(), signal.SIGKILL)

files.os.replace = killed
from django_migration_lsp.cli import main
sys.exit(main(["--fix", "--unsafe-fixes", "."]))
"""


def test_a_killed_fix_leaves_an_obvious_file_that_the_next_run_removes(tmp_path: Path):
    path = write(tmp_path, "shop/migrations/0002_data.py", MISSING_REVERSE)
    proc = subprocess.run(
        [sys.executable, "-c", KILL_IN_WRITE], cwd=tmp_path, capture_output=True, timeout=120
    )
    assert proc.returncode == -signal.SIGKILL
    assert path.read_text() == MISSING_REVERSE  # the file itself is intact
    (left,) = [p for p in path.parent.iterdir() if p.name != path.name]
    assert left.name.startswith(".0002_data.py.django-migration-lsp-")
    assert left.name.endswith(".tmp")  # says whose it is, and is no migration
    assert left.read_text() == CLEAN

    run(tmp_path, check_exit=1)  # a check-only run writes nothing, removes nothing
    assert left.exists()
    proc = run(tmp_path, "--fix", "--unsafe-fixes", check_exit=0)
    assert f"warning: removed shop/migrations/{left.name}, left by an interrupted run" in (
        proc.stderr
    )
    assert sorted(p.name for p in path.parent.iterdir()) == ["0002_data.py"]
    assert path.read_text() == CLEAN


def test_a_temporary_file_of_a_live_process_is_left_alone(tmp_path: Path):
    live = tmp_path / f".0002_x.py.django-migration-lsp-{os.getppid()}-abc123.tmp"
    live.write_text("in progress")
    sleeper = subprocess.Popen([sys.executable, "-c", "pass"])
    sleeper.wait()
    dead = tmp_path / f".0002_x.py.django-migration-lsp-{sleeper.pid}-abc123.tmp"
    dead.write_text("left behind")
    mine = tmp_path / ".0002_x.py.tmp"  # not named as ours: never touched
    mine.write_text("someone else's")
    assert remove_stale_temporaries(tmp_path) == [dead]
    assert live.exists() and mine.exists() and not dead.exists()


# -- as an unprivileged user -------------------------------------------------------------


def _forked_as_nobody(cwd: Path, args: tuple[str, ...]) -> subprocess.CompletedProcess:
    """The CLI in a forked child that drops to ``nobody`` (``os.setuid``): for when the
    interpreter's own files are out of ``nobody``'s reach. Everything the run imports is
    imported before the drop."""
    import difflib  # noqa: F401
    import json  # noqa: F401
    import traceback  # noqa: F401

    import django_migration_lsp.fixes.calls  # noqa: F401
    import django_migration_lsp.fixes.imports  # noqa: F401
    from django_migration_lsp.cli.check import main

    uid, gid = nobody_ids()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 70
        try:
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            os.chdir(cwd)
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            sys.stdout = open(1, "w", closefd=False)
            sys.stderr = open(2, "w", closefd=False)
            code = main(["check", *args])
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    os.close(out_w)
    os.close(err_w)
    with open(out_r, encoding="utf-8") as out, open(err_r, encoding="utf-8") as err:
        stdout, stderr = out.read(), err.read()
    _, status = os.waitpid(pid, 0)
    return subprocess.CompletedProcess(args, os.waitstatus_to_exitcode(status), stdout, stderr)


def run_as_nobody(cwd: Path, *args: str, check_exit: int) -> subprocess.CompletedProcess:
    """The CLI as the unprivileged ``nobody`` (root ignores permission bits)."""
    if os.geteuid() != 0:  # already unprivileged: the permission bits hold
        proc = subprocess.run(
            [sys.executable, "-m", "django_migration_lsp", "check", *args],
            cwd=cwd, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    elif (setpriv := as_nobody()) is not None:
        prefix, env = setpriv
        proc = subprocess.run(
            [*prefix, sys.executable, "-m", "django_migration_lsp", "check", *args],
            cwd=cwd, capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
    else:
        proc = _forked_as_nobody(cwd, args)
    assert proc.returncode == check_exit, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture
def shared():
    """A tree ``nobody`` may read and enter; the test takes permissions away.

    Not under pytest's ``tmp_path``, whose folders only their owner may enter.
    """
    base = Path(tempfile.mkdtemp(prefix="djm-nobody-"))
    root = base / "tree"
    write(root, "shop/migrations/0002_data.py", MISSING_REVERSE)
    for folder, _, files in os.walk(base):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(Path(folder, name), 0o644)
    yield root
    for folder, dirs, _ in os.walk(base):
        for d in dirs:
            os.chmod(Path(folder, d), 0o755)
    shutil.rmtree(base)


def test_fix_in_a_read_only_folder_names_the_file_and_exits_2(shared: Path):
    folder = shared / "shop/migrations"
    os.chmod(folder / "0002_data.py", 0o666)  # writable file, read-only folder
    os.chmod(folder, 0o555)
    proc = run_as_nobody(shared, "--fix", "--unsafe-fixes", check_exit=2)
    assert (
        "error: cannot write shop/migrations/0002_data.py: Permission denied; "
        "its fixes were not applied"
    ) in proc.stderr
    assert "All checks passed!" not in proc.stdout
    assert "shop/migrations/0002_data.py:9:19: DJM001" in proc.stdout  # still there
    assert "Found 1 problem." in proc.stdout
    assert (folder / "0002_data.py").read_text() == MISSING_REVERSE
    assert sorted(p.name for p in folder.iterdir()) == ["0002_data.py"]


def test_fix_of_a_read_only_file_is_refused(shared: Path):
    path = shared / "shop/migrations/0002_data.py"
    os.chmod(path, 0o444)  # the folder is writable: a rename would replace it anyway
    proc = run_as_nobody(shared, "--fix", "--unsafe-fixes", check_exit=2)
    assert "error: cannot write shop/migrations/0002_data.py: Permission denied" in proc.stderr
    assert path.read_text() == MISSING_REVERSE
    proc = run_as_nobody(shared, "--add-noqa", check_exit=2)
    assert "error: cannot write shop/migrations/0002_data.py" in proc.stderr


def test_unreadable_file_is_a_finding_that_names_it(shared: Path):
    os.chmod(shared / "shop/migrations/0002_data.py", 0o200)
    proc = run_as_nobody(shared, check_exit=1)
    assert proc.stdout.splitlines()[0] == (
        "shop/migrations/0002_data.py:1:1: cannot read file: Permission denied"
    )


@pytest.mark.parametrize(
    ("mode", "named"), [(0o644, "shop/migrations"), (0o311, "shop/migrations")]
)
def test_folder_without_permission_named_on_the_command_line(shared: Path, mode: int, named: str):
    os.chmod(shared / named, mode)  # 0o644: no search (x); 0o311: no listing (r)
    proc = run_as_nobody(shared, named, check_exit=2)
    assert proc.stderr == (
        f"django-migration-lsp: error: cannot read folder {named}: Permission denied\n"
    )


def test_file_inside_a_folder_without_search_permission(shared: Path):
    os.chmod(shared / "shop/migrations", 0o644)  # listable, not searchable
    proc = run_as_nobody(shared, check_exit=1)
    assert proc.stdout.splitlines()[0] == (
        "shop/migrations/0002_data.py:1:1: cannot read file: Permission denied"
    )
    named = run_as_nobody(shared, "shop/migrations/0002_data.py", check_exit=2)
    assert "cannot access shop/migrations/0002_data.py: Permission denied" in named.stderr


def test_nobody_can_fix_a_tree_it_may_write(shared: Path):
    for folder in (shared, shared / "shop", shared / "shop/migrations"):
        os.chmod(folder, 0o777)
    os.chmod(shared / "shop/migrations/0002_data.py", 0o666)
    proc = run_as_nobody(shared, "--fix", "--unsafe-fixes", check_exit=0)
    assert "1 fixed, 0 remaining" in proc.stdout
    assert (shared / "shop/migrations/0002_data.py").read_text() == CLEAN


def test_folder_without_permission_found_by_the_walk_is_a_warning(shared: Path):
    write(shared, "accounts/migrations/0002_data.py", MISSING_REVERSE)
    for folder in (shared / "accounts", shared / "accounts/migrations"):
        os.chmod(folder, 0o755)
    os.chmod(shared / "accounts/migrations/0002_data.py", 0o644)
    os.chmod(shared / "shop/migrations", 0o311)  # no listing: os.walk cannot go in
    proc = run_as_nobody(shared, check_exit=1)
    assert "warning: cannot read folder shop/migrations: Permission denied; skipped" in (
        proc.stderr
    )
    assert "accounts/migrations/0002_data.py:9:19: DJM001" in proc.stdout  # the rest is checked
