"""The server bundled in the VS Code extension, run by bare interpreters of every Python here.

``vscode-extension/scripts/bundle.py`` builds ``vscode-extension/bundled/`` (a no-op when it is up
to date); each test makes a venv with nothing in it, not even pip, and runs the launcher
``bundled/tool/lsp_server.py`` with it, as the extension does: ``--probe``, the ``check``
command line (LibCST's fixes with ``--diff``) and a language server session over stdio with
pytest-lsp. The real VS Code run of the same bundle is tests/vscode/e2e.mjs.
"""

from __future__ import annotations

import glob
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types
from packaging.requirements import Requirement
from pytest_lsp import ClientServerConfig

from ..lsp.harness import HOT_MODEL, RUN_PYTHON, Session, make_client

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "vscode-extension"
BUNDLED = EXTENSION / "bundled"
LAUNCHER = BUNDLED / "tool" / "lsp_server.py"

pytestmark = pytest.mark.skipif(
    not (sys.platform == "linux" and platform.machine() == "x86_64"),
    reason="the bundle is built for linux-x64 only",
)


def interpreters(minimum: tuple[int, int], below: tuple[int, int] | None = None) -> list[str]:
    """One interpreter per Python version found here (pyenv's, Debian's, PATH's), as ids."""
    candidates = [
        sys.executable,
        *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/*/bin/python"))),
    ]
    candidates += [
        shutil.which(f"python{v}") or ""
        for v in ("2.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
    ]
    found: dict[str, str] = {}
    for candidate in filter(None, candidates):
        try:
            out = subprocess.run(
                [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True, text=True, timeout=30,
            )  # fmt: skip
        except OSError:
            continue
        version = out.stdout.strip()
        if out.returncode != 0 or not re.fullmatch(r"\d+\.\d+", version):
            continue
        key = tuple(map(int, version.split(".")))
        if key >= minimum and (below is None or key < below):
            found.setdefault(version, candidate)
    return [found[v] for v in sorted(found, key=lambda v: tuple(map(int, v.split("."))))]


SUPPORTED = interpreters((3, 10))
TOO_OLD = interpreters((2, 0), below=(3, 10))


def run(*argv: str | Path, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL, **kwargs,
    )  # fmt: skip


@pytest.fixture(scope="module")
def bundle() -> dict:
    proc = run(sys.executable, EXTENSION / "scripts" / "bundle.py", "linux-x64", cwd=EXTENSION)
    assert proc.returncode == 0, f"bundle.py failed:\n{proc.stdout}\n{proc.stderr}"
    return json.loads((BUNDLED / "bundle.json").read_text())


def locked_versions() -> dict[str, str]:
    pins = re.findall(
        r"^([A-Za-z0-9_.-]+)==(\S+)", (BUNDLED / "requirements.txt").read_text(), re.M
    )
    return {name.lower().replace("_", "-"): version for name, version in pins}


def test_the_lock_pins_every_dependency_of_the_package_in_range():
    """A dependency added to pyproject.toml must reach the bundle: the lock (and requirements.in)
    must hold it, at a version the package accepts, for the oldest Python the bundle serves."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    locked = locked_versions()
    for spec in project["dependencies"]:
        requirement = Requirement(spec)
        if requirement.marker and not requirement.marker.evaluate({"python_version": "3.10"}):
            continue
        name = requirement.name.lower().replace("_", "-")
        assert name in locked, f"{spec} is not in bundled/requirements.txt: run pip-compile"
        assert requirement.specifier.contains(locked[name]), f"{name}=={locked[name]} vs {spec}"


def bare_venv(python: str, where: Path) -> Path:
    """A venv of ``python`` with nothing installed, not even pip."""
    proc = run(python, "-m", "venv", "--without-pip", where)
    assert proc.returncode == 0, proc.stderr
    return where / "bin" / "python"


def probe(python: Path | str, launcher: Path = LAUNCHER, **env: str) -> tuple[int, dict]:
    proc = run(python, launcher, "--probe", env={**os.environ, **env})
    return proc.returncode, json.loads(proc.stdout.strip().splitlines()[-1])


def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    migrations = root / "shop" / "migrations"
    migrations.mkdir(parents=True)
    (root / "manage.py").write_text("")
    (migrations / "__init__.py").write_text("")
    (migrations / "0002_hot.py").write_text(HOT_MODEL)
    (migrations / "0003_run_python.py").write_text(RUN_PYTHON)
    return root


@pytest.mark.parametrize("python", SUPPORTED, ids=lambda p: Path(p).resolve().name)
def test_a_bare_interpreter_runs_the_bundled_server_with_its_quick_fixes(
    bundle, python: str, tmp_path: Path
):
    bare = bare_venv(python, tmp_path / "venv")
    status, info = probe(bare)
    assert status == 0 and info["ok"], info
    assert info["source"] == "bundle", info
    assert info["why"] == "the interpreter has no django_migration_lsp installed"
    assert Path(info["location"]) == BUNDLED / "libs" / "django_migration_lsp"
    assert info["tag"] in bundle["pythons"], info
    assert info["libcst"] == bundle["packages"]["libcst"], info  # quick fixes can load
    assert Path(info["libcst_location"]) == BUNDLED / "native" / info["tag"] / "libcst"

    # The command line through the launcher: detection (ast) and the fixes (LibCST, native).
    root = project(tmp_path)
    check = run(bare, LAUNCHER, "check", "--diff", "--unsafe-fixes", ".", cwd=root)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "+        migrations.RunPython(forwards, migrations.RunPython.noop),\n" in check.stdout
    assert '+    Order = apps.get_model("shop", "Order")' in check.stdout


@pytest.mark.parametrize("python", SUPPORTED, ids=lambda p: Path(p).resolve().name)
async def test_the_bundled_language_server_over_stdio(bundle, python: str, tmp_path: Path):
    bare = bare_venv(python, tmp_path / "venv")
    root = project(tmp_path)
    config = ClientServerConfig(
        server_command=[str(bare), str(LAUNCHER)], client_factory=make_client
    )
    session = Session(await config.start(), "vscode", root)
    try:
        await session.initialize()
        uri = session.open("shop/migrations/0003_run_python.py")
        [finding] = await session.diagnostics(uri)
        assert finding.code == "DJM001"
        actions = await session.actions(uri, [finding], only=[types.CodeActionKind.QuickFix])
        titles = [a.title for a in actions]
        assert "DJM001: Add migrations.RunPython.noop as reverse" in titles, titles
        [noop] = [a for a in actions if a.title.startswith("DJM001: Add migrations.RunPython.noop")]
        session.apply((await session.resolve(noop)).edit)
        assert "RunPython(forwards, migrations.RunPython.noop)" in session.texts[uri]
    finally:
        await session.shutdown()


def test_the_environment_server_wins_unless_use_bundled(bundle):
    """This interpreter has the package installed (the dev install): fromEnvironment uses it."""
    status, info = probe(sys.executable)
    assert status == 0 and info["source"] == "environment", info
    assert Path(info["location"]) == ROOT / "server" / "django_migration_lsp"
    status, info = probe(sys.executable, LS_IMPORT_STRATEGY="useBundled")
    assert status == 0 and info["source"] == "bundle", info
    assert info["why"] == "django-migration-lsp.importStrategy is useBundled"
    assert Path(info["location"]) == BUNDLED / "libs" / "django_migration_lsp"


def test_a_python_without_libcst_in_the_bundle_still_reports_problems(bundle, tmp_path: Path):
    """A bundle without this Python's native/<tag> (as for a Python newer than the bundle): the
    probe says quick fixes cannot load, and the checks, which need no LibCST, still run."""
    copy = tmp_path / "bundled"
    shutil.copytree(BUNDLED / "tool", copy / "tool")
    (copy / "libs").symlink_to(BUNDLED / "libs")
    (copy / "native").mkdir()
    shutil.copy(BUNDLED / "bundle.json", copy / "bundle.json")
    bare = bare_venv(sys.executable, tmp_path / "venv")
    launcher = copy / "tool" / "lsp_server.py"
    status, info = probe(bare, launcher)
    assert status == 0 and info["ok"] and info["source"] == "bundle", info
    assert info["libcst"] is None and info["libcst_location"].startswith("no LibCST for cp3"), info
    root = project(tmp_path)
    check = run(bare, launcher, "check", ".", cwd=root)
    assert check.returncode == 1, check.stdout + check.stderr
    assert {"DJM001", "DJM003"} <= set(re.findall(r"DJM00\d", check.stdout))


@pytest.mark.skipif(not TOO_OLD, reason="no Python older than 3.10 on this machine")
@pytest.mark.parametrize("python", TOO_OLD, ids=lambda p: Path(p).resolve().name)
def test_a_python_older_than_3_10_is_told_so(python: str):
    """The launcher's syntax parses on old Pythons, so they get a message, not a SyntaxError."""
    status, info = probe(python)
    assert status == 3, info
    assert info["reason"] == "python-too-old" and info["minimum"] == "3.10", info
    assert "needs Python 3.10 or newer" in info["detail"]
