"""The pre-commit hook, run by real pre-commit (``pre-commit try-repo``) on a throwaway
git repository: it installs this package from the hook repository into its own
environment (from PyPI: about 40 s), passes every changed Python file, and the tool
decides what is a migration (``extend-include``) and what is excluded (``--force-exclude``).

The hook repository is a fresh git repository holding the files of this working tree
(tracked and untracked, as ``git ls-files`` lists them), so that what is tested is the
code as it is now, committed or not.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .test_cli import CLEAN, MISSING_REVERSE, write

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 900  # the first run installs the hook's environment


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True, timeout=120
    ).stdout


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path_factory.mktemp("hook-repo")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in listed)):
        if name.startswith(("vscode-extension/", "tests/", "docs/", "editors/")):
            continue  # not needed to install the package
        source = ROOT / name
        if source.is_file():
            target = repo / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git(repo, "init", "-q", ".")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "hook repository")
    return repo


def pre_commit(project: Path, hook_repo: Path, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env["GIT_CONFIG_GLOBAL"] = os.devnull
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "django-migration-lsp"]
        + ["--all-files", "--verbose"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def test_pre_commit_hook_lets_the_tool_decide_what_is_a_migration(tmp_path: Path, hook_repo: Path):
    pytest.importorskip("pre_commit")
    project = tmp_path / "project"
    write(project, "shop/migrations/0002_data.py", MISSING_REVERSE)
    write(project, "shop/migrations/0001_initial.py", CLEAN)
    write(project, "shop/migrations/__init__.py", MISSING_REVERSE)  # never a migration
    write(project, "shop/models.py", MISSING_REVERSE)  # not a migration
    write(project, "dojo/db_migrations/0002_x.py", MISSING_REVERSE)  # extend-include
    write(project, "legacy/migrations/0002_old.py", MISSING_REVERSE)  # excluded
    write(
        project,
        "pyproject.toml",
        "[tool.django-migration-lsp]\n"
        'extend-include = ["dojo/db_migrations/*.py"]\n'
        'exclude = ["legacy/**"]\n',
    )
    git(project, "init", "-q", ".")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "project")

    proc = pre_commit(project, hook_repo, tmp_path / "pre-commit-home")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output  # findings: the hook fails
    assert "django-migration-lsp" in output and "Failed" in output, output
    reported = sorted(
        line.split(":", 1)[0] for line in proc.stdout.splitlines() if ": DJM001 " in line
    )
    assert reported == ["dojo/db_migrations/0002_x.py", "shop/migrations/0002_data.py"], output
    assert "Traceback" not in output, output

    # Fixed: the hook passes.
    for rel in ("shop/migrations/0002_data.py", "dojo/db_migrations/0002_x.py"):
        write(project, rel, CLEAN)
    git(project, "commit", "-q", "-am", "fixed")
    proc = pre_commit(project, hook_repo, tmp_path / "pre-commit-home")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout, proc.stdout
